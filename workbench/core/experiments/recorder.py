"""Recording a training run in the run store as it goes.

:class:`RunRecorder` is a :class:`TrainingListener` that writes each epoch (and a
throttled per-batch running curve) to the store and forwards every call to the
caller's listeners. :func:`train_recorded` runs the pipeline (in this process, or
in a child with ``run_training_isolated``) under a recorder and ends the run row
with the outcome; it is called from the process that owns the run, so the window
and the command line record the same way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from workbench.core.corpora.corpus import Corpus
from workbench.core.errors import Cancelled
from workbench.core.experiments.store import RunStore, RunStoreError, corpus_fingerprint
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.training import TrainingListener
from workbench.core.runs.pipeline import RunResult, run_training
from workbench.core.runs.provenance import default_stem
from workbench.core.text.vectors.choice import VectorsSource

log = logging.getLogger(__name__)
BATCH_INTERVAL_S = 0.5  # at most ~2 running-curve points per second
FLUSH_INTERVAL_S = 2.0  # buffered batch points are written at least this often


class ListenerChain(TrainingListener):
    """Calls several listeners in turn (``None`` entries are skipped)."""

    def __init__(self, *listeners: TrainingListener | None) -> None:
        self._listeners = [item for item in listeners if item is not None]

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        for item in self._listeners:
            item.on_train_begin(epochs, steps_per_epoch)

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        for item in self._listeners:
            item.on_batch_end(epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        for item in self._listeners:
            item.on_epoch_end(epoch, logs)

    def on_train_end(self, result: Any) -> None:
        for item in self._listeners:
            item.on_train_end(result)


class RunRecorder(TrainingListener):
    """Writes a run's epochs and (throttled) batch curve to ``store``.

    ``run`` is the run's id, or a function that adds the run's row and returns its
    id: it is called when training begins, so a run that fails while preparing
    (a one-class corpus, an unreadable vectors file) leaves nothing behind.
    """

    def __init__(
        self,
        store: RunStore | Callable[[], RunStore],
        run: int | Callable[[], int],
        *,
        interval: float = BATCH_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._run = run
        self._interval = interval
        self._clock = clock
        self._steps = 1
        self._pending: list[tuple[float, Any, Any]] = []
        self._last_point = -1e18
        self._last_flush = clock()
        self.error: str | None = None  # why recording stopped, if it did

    @property
    def store(self) -> RunStore:
        return self._store if isinstance(self._store, RunStore) else self._store()

    @property
    def run_id(self) -> int:
        if not isinstance(self._run, int):
            self._run = self._run()
        return self._run

    def safely(self, write: Callable[[], Any]) -> None:
        """A store that fails (disk full, read-only) stops the recording, not the training."""
        if self.error is not None:
            return
        try:
            write()
        except RunStoreError as exc:
            self.error = str(exc)
            log.warning("the run is no longer recorded: %s", exc)

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self._steps = max(int(steps_per_epoch), 1)
        self.safely(lambda: self.run_id)  # the run's row is added now

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        now = self._clock()
        if now - self._last_point >= self._interval:
            self._last_point = now
            position = epoch + (batch + 1) / self._steps
            self._pending.append((position, logs.get("loss"), logs.get("accuracy")))
        if self._pending and now - self._last_flush >= FLUSH_INTERVAL_S:
            self.flush()

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.flush()
        self.safely(lambda: self.store.add_epoch(self.run_id, epoch, logs))

    def on_train_end(self, result: Any) -> None:
        self.flush()

    def flush(self) -> None:
        self._last_flush = self._clock()
        rows, self._pending = self._pending, []
        if rows:
            self.safely(lambda: self.store.add_batches(self.run_id, rows))


def vectors_label(vectors: Any) -> str:
    """How a run's vectors are recorded: "bundled", "none" or the file path (with
    ``:member`` for a zip member)."""
    if vectors is None:
        return "none"
    if isinstance(vectors, str | Path | VectorsSource):
        return str(vectors)
    report = getattr(vectors, "report", None)
    return str(getattr(report, "source", type(vectors).__name__))


def metrics_dict(result: RunResult) -> dict[str, Any] | None:
    """Test metrics of a run as the store keeps them (None without an evaluation), with
    the linear baseline's figures as ``"baseline"`` when the run trained it and, for wide
    and deep, each part's own as ``"parts"``."""
    ev = result.evaluation
    if ev is None:
        return None
    return {
        "accuracy": float(ev.accuracy),
        "macro_f1": float(ev.macro_f1),
        "weighted_f1": float(ev.weighted_f1),
        "per_class": ev.per_class,
        "confusion": ev.confusion,
        "class_names": list(ev.class_names),
        "baseline": result.baseline.to_dict() if result.baseline is not None else None,
        "parts": result.parts,
    }


def begin_recorded_run(
    store: RunStore,
    corpus: Corpus,
    config: TrainConfig,
    *,
    name: str,
    vectors: Any,
    source: str,
    kind: str = "train",
    sweep_id: int | None = None,
) -> int:
    """Add the ``running`` row of a run about to train; returns its id."""
    return store.begin_run(
        name=name,
        config=config.to_dict(),
        corpus_path=str(corpus.source),
        corpus_fingerprint=corpus_fingerprint(corpus.texts, corpus.labels),
        corpus_documents=len(corpus),
        vectors=vectors_label(vectors),
        source=source,
        kind=kind,
        sweep_id=sweep_id,
    )


def finish_recorded_run(store: RunStore, run_id: int, result: RunResult) -> None:
    """End a run row with a pipeline result."""
    bundle = None if result.bundle_path is None else str(result.bundle_path)
    extra: dict[str, Any] = {"elapsed_s": float(result.elapsed_s or result.train.elapsed_s)}
    if result.save_error:
        extra["save_error"] = result.save_error
    values: dict[str, Any] = {}
    if result.bundle_path is not None:
        values["name"] = Path(result.bundle_path).name
    store.finish_run(
        run_id,
        status=result.train.status,
        message=result.train.message or "",
        metrics=metrics_dict(result),
        provenance=result.provenance,
        bundle=bundle,
        epochs_run=int(result.train.epochs_run),
        best_epoch=result.train.best_epoch,
        extra=extra,
        **values,
    )


def train_recorded(
    store: RunStore | str | Path | None,
    corpus: Corpus,
    config: TrainConfig,
    *,
    runner: Callable[..., RunResult] = run_training,
    listener: TrainingListener | None = None,
    listeners: Sequence[TrainingListener] = (),
    vectors: Any = "bundled",
    out_dir: str | Path | None = None,
    name: str | None = None,
    source: str = "",
    kind: str = "train",
    sweep_id: int | None = None,
    tensorboard: str | Path | None = None,
    on_begin: Callable[[int], None] | None = None,
    **kwargs: Any,
) -> RunResult:
    """Train with ``runner`` (``run_training`` or ``run_training_isolated``), recorded.

    ``store`` is a :class:`RunStore`, the models folder / database path, or None for
    the store of ``out_dir`` (default the models folder). The run's id is set on
    ``result.run_id``; ``on_begin(run_id)`` is called once its row exists. An
    exception leaves the run ``cancelled`` (:class:`Cancelled`, Ctrl-C) or
    ``failed``, and is raised again. ``tensorboard`` also writes TensorBoard event
    files under that folder. Other arguments go to ``runner``.
    """
    from workbench.core.paths import default_models_dir

    models_dir = Path(out_dir) if out_dir is not None else default_models_dir()
    name = name or default_stem(corpus, config)
    opened: list[RunStore] = []
    run_ids: list[int] = []

    def db() -> RunStore:  # opened when first needed: a failed preparation writes nothing
        if isinstance(store, RunStore):
            return store
        if not opened:
            opened.append(RunStore(store or models_dir))
        return opened[0]

    def begin() -> int:
        if not run_ids:
            run_ids.append(
                begin_recorded_run(
                    db(),
                    corpus,
                    config,
                    name=name,
                    vectors=vectors,
                    source=source,
                    kind=kind,
                    sweep_id=sweep_id,
                )
            )
            if on_begin is not None:
                on_begin(run_ids[0])
        return run_ids[0]

    board = None
    if tensorboard is not None:
        from workbench.core.experiments.board import TensorBoardListener

        board = TensorBoardListener(tensorboard, lambda: f"{begin():05d}-{name}", config)
    recorder = RunRecorder(db, begin)
    chain = ListenerChain(recorder, board, listener, *listeners)
    try:
        try:
            result = runner(
                corpus, config, vectors=vectors, listener=chain, out_dir=models_dir,
                name=name, **kwargs,
            )  # fmt: skip
        except BaseException as exc:
            if run_ids and recorder.error is None:  # training had begun: the run ends here
                status = "cancelled" if isinstance(exc, Cancelled | KeyboardInterrupt) else "failed"
                message = (str(exc) or type(exc).__name__).splitlines()[0][:500]
                recorder.safely(lambda: db().finish_run(run_ids[0], status=status, message=message))
            raise
        recorder.safely(lambda: finish_recorded_run(db(), begin(), result))
        if board is not None:
            board.write_result(result)
        result.run_id = run_ids[0] if run_ids and recorder.error is None else None
        return result
    finally:
        for item in opened:
            item.close()
