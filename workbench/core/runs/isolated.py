"""Run the training pipeline in a child process, reporting back as if it ran here.

:func:`run_training_isolated` takes the same arguments as
:func:`~workbench.core.runs.pipeline.run_training` and returns the same
:class:`~workbench.core.runs.pipeline.RunResult`, but TensorFlow builds and runs the
model in a ``spawn``-ed child process. Listener calls and progress arrive in the
calling thread over a queue, per-batch calls throttled in the child to ~20 per
second (each carries ``fraction``, the share of all batches done); setting
``cancel`` is forwarded to the child, which stops within one batch, evaluates and
saves the best epoch and exits. The trained model then comes back by loading the
saved bundle here (``load=True``).

Why: TensorFlow builds its training graph in native code holding the GIL for
~50 ms at a time. Any Python thread of the calling process (a GUI thread above
all) stalls for that long. In a child process it holds the child's GIL only.

Before training has begun there is nothing to keep, so a cancel then ends the
child at once (it may still be importing TensorFlow) and raises ``Cancelled``.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from workbench.core.corpora.corpus import Corpus
from workbench.core.errors import BundleError, Cancelled, WorkbenchError
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.training import ThrottledListener, TrainingListener
from workbench.core.progress import CancelToken, ProgressCallback

POLL_S = 0.02  # how often the parent looks at the cancel token between messages
_JOIN_S = 10.0  # how long the parent waits for the child to exit after its result
_WATCHDOG_S = 1.0  # how often the child checks that its parent is still alive


class TrainingProcessError(RuntimeError):
    """The training process died, or failed with an unexpected (non-Workbench) error.

    Not a ``WorkbenchError``: it is a bug or a crash, so callers show its details
    (the child's traceback is the ``__cause__``).
    """


class _RemoteTraceback(Exception):
    """Carries the child's traceback text as the ``__cause__`` of the error raised here."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


# --- child side ---------------------------------------------------------------------------
class _QueueListener(TrainingListener):
    """In the child: every listener call becomes a ``("listener", name, args)`` message."""

    def __init__(self, out: Any) -> None:
        self._out = out

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self._out.put(("listener", "on_train_begin", (int(epochs), int(steps_per_epoch))))

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        self._out.put(("listener", "on_batch_end", (int(epoch), int(batch), dict(logs))))

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self._out.put(("listener", "on_epoch_end", (int(epoch), dict(logs))))

    def on_train_end(self, result: Any) -> None:
        self._out.put(("listener", "on_train_end", (dataclasses.replace(result, model=None),)))


def _watch_parent(parent_pid: int) -> None:
    """End the child when its parent is gone (killed, crashed), so no orphan trains on."""
    while True:
        time.sleep(_WATCHDOG_S)
        if os.getppid() != parent_pid:
            os._exit(3)


def _child_main(out: Any, stop: Any, job: dict[str, Any], parent_pid: int) -> None:
    """Entry point of the child process: run the pipeline, send the result, exit at once."""
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    try:
        out.put(("result", *_child_run(out, stop, job)))
    except WorkbenchError as exc:  # Cancelled included: raised again in the parent
        out.put(("raise", type(exc)(str(exc))))
    except BaseException as exc:  # report everything; the parent decides what to show
        import traceback

        out.put(("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    finally:
        out.close()
        out.join_thread()  # every message is in the pipe before the process ends
    # Skip interpreter shutdown: TensorFlow's teardown can take seconds and the result
    # is already sent.
    os._exit(0)


def _child_run(out: Any, stop: Any, job: dict[str, Any]) -> tuple[Any, str | None]:
    """Train; returns ``(RunResult without the model, folder to load the model from)``."""
    from workbench.core.runs.pipeline import run_training

    def progress(fraction: float, message: str) -> None:
        out.put(("progress", float(fraction), str(message)))

    result = run_training(
        job["corpus"],
        job["config"],
        vectors=job["vectors"],
        listener=ThrottledListener(_QueueListener(out)),  # ~20 batch events/s cross over
        cancel=stop,
        progress=progress,
        out_dir=job["out_dir"],
        name=job["name"],
        save=job["save"],
        score_each_best=job["score_each_best"],
    )
    model_folder = None if result.bundle_path is None else str(result.bundle_path)
    if result.bundle is not None and result.bundle_path is None:
        # Not saved (save=False, or saving failed): hand the model over through a
        # temporary bundle, which the parent loads and deletes.
        scratch = Path(tempfile.mkdtemp(prefix="workbench-handover-")) / "model"
        try:
            result.bundle.save(scratch, metrics=result.evaluation, name=result.bundle.info.name)
            model_folder = str(scratch)
        except BundleError as exc:
            result.save_error = (result.save_error or "") + f"; the model is lost too: {exc}"
    result.bundle = None
    result.train = dataclasses.replace(result.train, model=None)
    return result, model_folder


# --- parent side --------------------------------------------------------------------------
def run_training_isolated(
    corpus: Corpus,
    config: TrainConfig,
    *,
    vectors: Any = "bundled",
    listener: TrainingListener | None = None,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    out_dir: str | Path | None = None,
    name: str | None = None,
    save: bool = True,
    score_each_best: bool = False,
    load: bool = True,
) -> Any:
    """:func:`~workbench.core.runs.pipeline.run_training` in a child process; same result.

    ``vectors`` must be picklable (a ``VectorsSource``, ``"bundled"``, a path,
    ``None`` or a small ``Vectors``). With ``load`` the trained model is loaded back here, so
    ``result.bundle`` is usable as with ``run_training``; without it
    ``result.bundle`` is ``None`` and the model is only on disk at
    ``result.bundle_path``. Errors are raised here with the child's message; an
    unexpected child error or a child that dies raises :class:`TrainingProcessError`.
    """
    from workbench.core.paths import default_models_dir

    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    stop = context.Event()
    job = {
        "corpus": corpus,
        "config": config,
        "vectors": vectors,
        "out_dir": str(Path(out_dir) if out_dir is not None else default_models_dir()),
        "name": name,
        "save": save,
        "score_each_best": score_each_best,
    }
    if progress is not None:
        progress(0.0, "starting the training process")
    child = context.Process(
        target=_child_main,
        args=(messages, stop, job, os.getpid()),
        name="workbench-training",
        daemon=True,
    )
    child.start()
    try:
        kind, payload = _relay(child, messages, stop, listener, cancel, progress)
    finally:
        _end_child(child, messages)
    if kind == "raise":
        raise payload
    if kind == "crash":
        message, details = payload
        raise TrainingProcessError(message) from _RemoteTraceback(details)
    result, model_folder = payload
    if load and model_folder is not None:
        _load_model_into(result, Path(model_folder), handover=result.bundle_path is None)
    result.elapsed_s = time.perf_counter() - started
    return result


def _relay(
    child: Any,
    messages: Any,
    stop: Any,
    listener: TrainingListener | None,
    cancel: CancelToken | None,
    progress: ProgressCallback | None,
) -> tuple[str, Any]:
    """Forward the child's messages until its outcome arrives; returns ``(kind, payload)``."""
    training_began = False
    while True:
        if cancel is not None and cancel.is_set() and not stop.is_set():
            if not training_began:  # nothing to keep yet: end it now
                child.terminate()
                return "raise", Cancelled("cancelled before training began")
            stop.set()
        try:
            message = messages.get(timeout=POLL_S)
        except queue.Empty:
            if not child.is_alive():
                return "crash", (_death_text(child.exitcode), "")
            continue
        kind = message[0]
        if kind == "listener":
            _, method, args = message
            training_began = training_began or method == "on_train_begin"
            if listener is not None:
                getattr(listener, method)(*args)
        elif kind == "progress":
            if progress is not None:
                progress(message[1], message[2])
        elif kind == "result":
            return "result", (message[1], message[2])
        elif kind == "raise":
            return "raise", message[1]
        elif kind == "crash":
            return "crash", (message[1], message[2])


def _death_text(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        how = f"was killed by signal {-exitcode}"
        if exitcode == -9:
            how += " (out of memory?)"
    else:
        how = f"exited with code {exitcode}"
    return f"the training process {how} before it reported a result"


def _end_child(child: Any, messages: Any) -> None:
    """Make sure the child is gone and the queue's feeder thread is released."""
    child.join(_JOIN_S)
    if child.is_alive():
        child.kill()
        child.join(_JOIN_S)
    messages.cancel_join_thread()
    messages.close()
    child.close()


def _load_model_into(result: Any, folder: Path, *, handover: bool) -> None:
    """Load the child's saved model into ``result.bundle`` (and ``result.train.model``)."""
    from workbench.core.bundles.bundle import load_bundle

    try:
        bundle = load_bundle(folder)
    finally:
        if handover:
            shutil.rmtree(folder.parent, ignore_errors=True)
    if handover:  # the temporary folder is gone: the bundle is unsaved, as in run_training
        bundle.info = dataclasses.replace(bundle.info, path=None)
    result.bundle = bundle
    result.train = dataclasses.replace(result.train, model=bundle.model)
