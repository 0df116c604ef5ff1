"""One task model for every long job: a function run on a worker ``QThread``.

``TaskRunner.start(kind, fn)`` runs ``fn(ctx)`` in a worker thread and returns a
:class:`Task` whose signals arrive on the GUI thread. A task of the same kind
that is still running is cancelled and muted, so its late results are dropped.
"""

from __future__ import annotations

import functools
import logging
import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QDeadlineTimer, QEventLoop, QObject, QThread, QTimer, Signal, Slot

from workbench.core import EVENT_INTERVAL_S, Cancelled, Throttle, WorkbenchError

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = EVENT_INTERVAL_S  # at most ~20 progress updates per second

# Every task is held here from start until shortly after it ends, so no QThread is
# ever destroyed while running - even if its runner (or window) goes away first.
_LIVE_TASKS: set[Task] = set()


class TaskContext:
    """What the job function gets: a cancel event and ways to report back."""

    def __init__(self, worker: _Worker) -> None:
        self.cancel = threading.Event()
        self._worker = worker
        self._throttle = Throttle(interval=PROGRESS_INTERVAL_S)

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress (throttled to ~20 per second; the final 1.0 is always sent)."""
        if self._throttle.due(force=fraction >= 1.0):
            self._worker.sig_progress.emit(float(fraction), str(message))

    def partial(self, payload: object) -> None:
        """Send an intermediate result (plain Python data only: dicts, lists, floats)."""
        self._worker.sig_partial.emit(payload)

    def check_cancelled(self) -> None:
        """Raise :class:`Cancelled` if the task was asked to stop."""
        if self.cancel.is_set():
            raise Cancelled("cancelled")


class _Worker(QObject):
    """Lives in the worker thread; runs the function once and reports the outcome."""

    sig_started = Signal()
    sig_progress = Signal(float, str)
    sig_partial = Signal(object)

    def __init__(self, fn: Callable[[TaskContext], object]) -> None:
        super().__init__()
        self._fn = fn
        self.ctx = TaskContext(self)
        self.outcome: tuple[str, object] = ("failed", ("task stopped unexpectedly", ""))

    @Slot()
    def run(self) -> None:
        self.sig_started.emit()
        try:
            self.outcome = ("done", self._fn(self.ctx))
        except Cancelled:
            self.outcome = ("cancelled", None)
        except WorkbenchError as exc:
            self.outcome = ("failed", (str(exc), ""))
        except Exception as exc:  # a worker must never take the app down
            log.exception("task failed unexpectedly")
            self.outcome = ("failed", (f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        finally:
            self._fn = None  # drop references held by the job
            QThread.currentThread().quit()


class Task(QObject):
    """Handle of one running job; all signals arrive on the GUI thread.

    ``finished`` always comes last, exactly once, after one of ``done``,
    ``failed`` or ``cancelled``. A task replaced by a newer one of the same kind
    emits nothing more.
    """

    started = Signal()
    progress = Signal(float, str)
    partial = Signal(object)
    done = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, kind: str, fn: Callable[[TaskContext], object]) -> None:
        super().__init__()
        self.kind = kind
        self.stale = False
        self._ended = False
        self._thread = QThread()
        self._thread.setObjectName(f"workbench-task-{kind}")
        self._worker = _Worker(fn)
        self._cancel_event = self._worker.ctx.cancel
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.sig_started.connect(self._on_started)
        self._worker.sig_progress.connect(self._on_progress)
        self._worker.sig_partial.connect(self._on_partial)
        self._thread.finished.connect(self._finish)
        self._on_end: Callable[[Task], None] | None = None

    # --- public -------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the job to stop; it ends at its next cancellation check."""
        self._cancel_event.set()

    def is_cancel_requested(self) -> bool:
        return self._cancel_event.is_set()

    def is_running(self) -> bool:
        """True until ``finished`` has been emitted."""
        return not self._ended

    # --- runner side ----------------------------------------------------------
    def _start(self) -> None:
        self._thread.start()

    def _mute(self) -> None:
        """Cancel and drop every later signal (a newer task of this kind replaced it)."""
        self.stale = True
        self.cancel()

    def _wait(self, deadline: QDeadlineTimer) -> bool:
        return self._ended or self._thread.wait(deadline)

    @Slot()
    def _on_started(self) -> None:
        if not self.stale and not self._ended:
            self.started.emit()

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        if not self.stale and not self._ended:
            self.progress.emit(fraction, message)

    @Slot(object)
    def _on_partial(self, payload: object) -> None:
        if not self.stale and not self._ended:
            self.partial.emit(payload)

    @Slot()
    def _finish(self) -> None:
        """Thread ended: emit the outcome, then ``finished``; safe to call twice."""
        thread = self._thread
        if self._ended or thread.isRunning():
            return
        thread.wait()
        outcome, payload = self._worker.outcome
        self._ended = True
        if not self.stale:
            if outcome == "done":
                self.done.emit(payload)
            elif outcome == "cancelled":
                self.cancelled.emit()
            else:
                message, details = payload
                self.failed.emit(message, details)
            self.finished.emit()
        if self._on_end is not None:
            try:
                self._on_end(self)
            except RuntimeError:  # the runner was deleted while the task ran
                log.debug("task %s outlived its runner", self.kind)
        # released from a later event, never inside this task's own slot
        QTimer.singleShot(0, functools.partial(_LIVE_TASKS.discard, self))


class TaskRunner(QObject):
    """Starts jobs on worker threads, one current task per kind."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: list[Task] = []
        self._busy = False

    def start(self, kind: str, fn: Callable[[TaskContext], object]) -> Task:
        """Run ``fn(ctx)`` in a worker thread; a running task of ``kind`` is cancelled first."""
        for old in self._tasks:
            if old.kind == kind and not old.stale:
                old._mute()
        task = Task(kind, fn)
        task._on_end = self._forget
        _LIVE_TASKS.add(task)
        self._tasks.append(task)
        task._start()
        self._update_busy()
        return task

    def current(self, kind: str) -> Task | None:
        """The live (not replaced) task of ``kind``, if one runs."""
        for task in self._tasks:
            if task.kind == kind and not task.stale:
                return task
        return None

    def is_running(self, kind: str | None = None) -> bool:
        """Whether a (not replaced) task of ``kind`` - or of any kind - is running."""
        return any(not t.stale and (kind is None or t.kind == kind) for t in self._tasks)

    def has_threads(self) -> bool:
        """Whether any task thread, replaced ones included, has not ended yet."""
        return bool(self._tasks)

    def cancel_all(self) -> None:
        """Ask every task to stop."""
        for task in list(self._tasks):
            task.cancel()

    def wait_all(self, timeout_ms: int = 5000) -> bool:
        """Wait for every task thread to end and deliver its outcome; False on timeout."""
        deadline = QDeadlineTimer(max(0, int(timeout_ms)))
        for task in list(self._tasks):
            if not task._wait(deadline):
                return False
        for task in list(self._tasks):
            task._finish()
        return not self._tasks

    def _forget(self, task: Task) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        self._update_busy()

    def _update_busy(self) -> None:
        busy = self.is_running()
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)


def running_tasks() -> list[Task]:
    """Every task, of any runner, that has not finished yet."""
    return [task for task in list(_LIVE_TASKS) if task.is_running()]


def run_until_finished(task: Task | None) -> None:
    """Run a local event loop until ``task`` has finished (for scripts and benchmarks).

    Returns at once for ``None`` or a task that already finished. Not for use
    inside the window's own handlers, which must stay asynchronous.
    """
    if task is None:
        return
    loop = QEventLoop()
    task.finished.connect(loop.quit)
    if task.is_running():
        loop.exec()
