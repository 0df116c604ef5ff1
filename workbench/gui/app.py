"""Start the GUI: ``main(argv) -> int``.

The window shows first; TensorFlow is then imported in a background thread (a
plain ``threading.Thread`` that signals the GUI through a queued Qt signal)
while the status bar says "Loading TensorFlow…". Exceptions that escape to
``sys.excepthook`` / ``threading.excepthook`` are logged and shown non-modally.

The window first paints with its menus, page list and status bar; the pages
(and pyqtgraph) are imported and built right after that first paint.

Environment: ``WORKBENCH_REPORT_STARTUP=1`` prints "window shown after X.XXX s"
(first paint) and "pages built after X.XXX s" (times since the process started), then quits
(bench/bench_startup.py);
``WORKBENCH_NO_TF=1`` skips the TensorFlow import (tests, benchmarks).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from workbench.gui.heap import collector_paused
from workbench.gui.settings import APPLICATION, ORGANIZATION
from workbench.gui.window.main_window import MainWindow
from workbench.gui.window.status import TF_LOADING, TF_READY

log = logging.getLogger(__name__)

_IMPORTED_AT = time.monotonic()
REPORT_QUIT_AFTER_MS = 300
PAINT_FALLBACK_MS = 1000


def seconds_since_process_start() -> float:
    """Seconds since this process started (Linux ``/proc``; else since this module loaded)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5); fields[0] is field 3
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED_AT


def import_tensorflow() -> str:
    """Import TensorFlow and Keras; returns their versions.

    Automatic garbage collection is paused meanwhile: the import allocates about a
    million objects, and the full collections it would trigger hold the GIL long
    enough to stall the window (see :mod:`workbench.gui.heap`).
    """
    with collector_paused():
        import keras
        import tensorflow as tf

    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}"


class TensorFlowLoader(QObject):
    """Imports TensorFlow in a daemon thread and reports back on the GUI thread."""

    loaded = Signal(bool, str)  # (ok, versions or error)

    def __init__(self, importer: Callable[[], str] = import_tensorflow, parent=None) -> None:
        super().__init__(parent)
        self._importer = importer
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="workbench-tf-import", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            text = self._importer()
        except Exception as exc:
            log.exception("TensorFlow import failed")
            self.loaded.emit(False, f"{type(exc).__name__}: {exc}")
            return
        self.loaded.emit(True, text)

    def is_alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


def start_tensorflow_import(
    window: MainWindow, importer: Callable[[], str] = import_tensorflow
) -> TensorFlowLoader:
    """Show "Loading TensorFlow…", import it in the background, then mark the state ready."""
    loader = TensorFlowLoader(importer, window)
    window.status.set_tf_status(TF_LOADING)

    def finished(ok: bool, text: str) -> None:
        if ok:
            window.status.set_tf_status(TF_READY, text)
            window.state.set_tf_ready(True)
        else:
            window.status.set_tf_status("TensorFlow failed to load", text)
            window.show_error(
                f"TensorFlow could not be imported ({text}); training and models are unavailable."
            )

    loader.loaded.connect(finished)
    loader.start()
    return loader


class FirstPaint(QObject):
    """Emits ``painted`` once, just after the watched widget's first paint event."""

    painted = Signal()

    def __init__(self, widget: QObject) -> None:
        super().__init__(widget)
        self._seen = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._seen and event.type() == QEvent.Type.Paint:
            self._seen = True
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.painted.emit)  # after this paint completes
        return False

    def fallback(self) -> None:
        """Emit anyway when no paint came (some platforms never expose the window)."""
        if not self._seen:
            self._seen = True
            self.painted.emit()


def install_exception_hooks(window: MainWindow) -> Callable[[], None]:
    """Log unhandled exceptions and show them non-modally; returns a function undoing it."""
    old_sys, old_thread = sys.excepthook, threading.excepthook

    def report(exc_type, exc, tb) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("Unhandled exception:\n%s", details)
        try:
            window.unexpected_error.emit(f"{exc_type.__name__}: {exc}", details)
        except RuntimeError:  # window already gone
            old_sys(exc_type, exc, tb)

    def sys_hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            old_sys(exc_type, exc, tb)
            return
        report(exc_type, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        report(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = sys_hook
    threading.excepthook = thread_hook

    def undo() -> None:
        sys.excepthook, threading.excepthook = old_sys, old_thread

    return undo


def main(argv: list[str] | None = None) -> int:
    """Open the Workbench window; returns the exit code."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(["workbench", *(argv or [])])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    report_startup = os.environ.get("WORKBENCH_REPORT_STARTUP") == "1"
    skip_tf = report_startup or os.environ.get("WORKBENCH_NO_TF") == "1"
    window = MainWindow(lazy_pages=True)  # shows before pyqtgraph and the pages load
    undo_hooks = install_exception_hooks(window)
    first_paint = FirstPaint(window)
    window.show()
    loaders: list[TensorFlowLoader] = []

    def fill_window() -> None:
        if report_startup:
            print(f"window shown after {seconds_since_process_start():.3f} s", flush=True)
        window.build_pages()
        if report_startup:
            print(f"pages built after {seconds_since_process_start():.3f} s", flush=True)
            QTimer.singleShot(REPORT_QUIT_AFTER_MS, window.close)
        else:
            window.open_initial()
        if not skip_tf:
            loaders.append(start_tensorflow_import(window))

    first_paint.painted.connect(fill_window)  # build the pages once the window is on screen
    QTimer.singleShot(PAINT_FALLBACK_MS, first_paint.fallback)
    try:
        code = app.exec()
    finally:
        undo_hooks()
    if any(loader.is_alive() for loader in loaders):
        # quitting while TensorFlow is still importing: end now rather than race its import
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
