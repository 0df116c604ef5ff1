"""The training job of the Train page, run on a worker thread, and its progress text.

:func:`training_job` wraps the core ``run_training`` for ``TaskRunner.start``;
:class:`PartialListener` turns the core's training callbacks into plain dicts sent
through ``TaskContext.partial``, with per-batch events throttled to ~20 per second
(the last batch of each epoch is always sent). :class:`ProgressClock` turns
epoch/batch positions into a progress fraction and "Epoch 3/15 · batch 20/56 ·
0:42 elapsed · ETA 2:10" text on the GUI side.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core import TrainingListener, VectorsSource

if TYPE_CHECKING:
    from workbench.core import Corpus, RunResult, TrainConfig, Vectors
    from workbench.gui.tasks import TaskContext

BATCH_INTERVAL_S = 0.05  # at most ~20 batch events per second


def _number(value: object) -> float:
    """A plain float (NaN when missing), safe to send across threads."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


class PartialListener(TrainingListener):
    """Forwards training callbacks as plain dicts to ``post`` (e.g. ``ctx.partial``).

    Events: ``{"event": "begin", "epochs", "steps"}``,
    ``{"event": "batch", "epoch", "batch", "loss", "accuracy"}`` (throttled) and
    ``{"event": "epoch", "epoch", "loss", "accuracy", "val_loss", "val_accuracy"}`` and
    ``{"event": "end", "status", "message"}`` (the model itself only comes with the
    task's result). Epoch and batch numbers are 0-based, as the core reports them.
    """

    def __init__(
        self,
        post: Callable[[dict[str, Any]], None],
        *,
        interval: float = BATCH_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._post = post
        self._interval = interval
        self._clock = clock
        self._steps = 0
        self._last_sent = -math.inf

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self._steps = int(steps_per_epoch)
        self._last_sent = -math.inf
        self._post({"event": "begin", "epochs": int(epochs), "steps": int(steps_per_epoch)})

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        now = self._clock()
        last_of_epoch = self._steps > 0 and batch >= self._steps - 1
        if not last_of_epoch and now - self._last_sent < self._interval:
            return
        self._last_sent = now
        self._post(
            {
                "event": "batch",
                "epoch": int(epoch),
                "batch": int(batch),
                "loss": _number(logs.get("loss")),
                "accuracy": _number(logs.get("accuracy")),
            }
        )

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        event: dict[str, Any] = {"event": "epoch", "epoch": int(epoch)}
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            event[key] = _number(logs.get(key))
        self._post(event)

    def on_train_end(self, result: object) -> None:
        status = str(getattr(result, "status", ""))
        message = str(getattr(result, "message", ""))
        self._post({"event": "end", "status": status, "message": message})


def vectors_argument(
    vectors: Vectors | None, source: VectorsSource | str
) -> Vectors | VectorsSource | None:
    """What the training process gets as ``vectors``: a source, loaded vectors, or None.

    The bundled GloVe is held whole (400k words, for nearest neighbours); rather than
    copy 88 MB to the training process, that process loads it again filtered to the
    training vocabulary (~0.4 s, the same model). Vectors from a file are already
    filtered to the corpus vocabulary, so they travel as they are.
    """
    source = VectorsSource.parse(source)
    if source.is_none:
        return None
    if source.is_bundled or vectors is None:
        return source
    return vectors


def training_job(
    corpus: Corpus,
    config: TrainConfig,
    *,
    vectors: Vectors | str | None,
    models_dir: Path,
) -> Callable[[TaskContext], RunResult]:
    """A ``TaskRunner`` job that trains, evaluates and saves a model; returns the ``RunResult``.

    TensorFlow trains in a child process (``run_training_isolated``): its graph
    building holds the GIL for ~50 ms at a time, which would stall the window. The
    test split is scored at each new best epoch, so Stop has only the saving left.
    """

    def run(ctx: TaskContext) -> RunResult:
        from workbench.core import run_training_isolated

        return run_training_isolated(
            corpus,
            config,
            vectors=vectors,
            listener=PartialListener(ctx.partial),
            cancel=ctx.cancel,
            progress=ctx.progress,
            out_dir=models_dir,
            score_each_best=True,  # so Stop has only the saving left to do
        )

    return run


def ray_training_job(
    corpus: Corpus,
    config: TrainConfig,
    *,
    vectors: VectorsSource | str,
    models_dir: Path,
    address: str,
) -> Callable[[TaskContext], RunResult]:
    """A ``TaskRunner`` job like :func:`training_job`, run as a job on a Ray cluster.

    ``vectors`` is the source (the cluster loads it, a file travels with the job);
    Stop stops the job, and the bundle comes back into ``models_dir``.
    """

    def run(ctx: TaskContext) -> RunResult:
        from workbench.core import submit_training

        return submit_training(
            corpus,
            config,
            address=address,
            vectors=VectorsSource.parse(vectors),
            listener=PartialListener(ctx.partial),
            cancel=ctx.cancel,
            progress=ctx.progress,
            out_dir=models_dir,
        )

    return run


def format_duration(seconds: float) -> str:
    """``42 -> "0:42"``, ``3725 -> "1:02:05"``."""
    if not math.isfinite(seconds) or seconds < 0:
        return "–"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressClock:
    """Training position -> fraction done and a one-line progress text."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.epochs = 1
        self.steps = 1
        self._start = clock()

    def begin(self, epochs: int, steps: int) -> None:
        self.epochs = max(1, int(epochs))
        self.steps = max(1, int(steps))
        self._start = self._clock()

    def elapsed(self) -> float:
        return self._clock() - self._start

    def fraction(self, epoch: int, batch: int) -> float:
        """Share of all batches done after batch ``batch`` of epoch ``epoch`` (0-based)."""
        done = epoch * self.steps + batch + 1
        return min(1.0, max(0.0, done / (self.epochs * self.steps)))

    def text(self, epoch: int, batch: int) -> str:
        """ "Epoch 3/15 · batch 20/56 · 0:42 elapsed · ETA 2:10" (1-based numbers shown)."""
        fraction = self.fraction(epoch, batch)
        elapsed = self.elapsed()
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else math.inf
        return (
            f"Epoch {epoch + 1}/{self.epochs} · batch {batch + 1}/{self.steps} · "
            f"{format_duration(elapsed)} elapsed · ETA {format_duration(eta)}"
        )
