"""The training job of the Train page, run on a worker thread.

:func:`training_job` wraps the core ``run_training_isolated`` for ``TaskRunner.start``;
:class:`PartialListener` turns the core's training callbacks into plain dicts sent
through ``TaskContext.partial``. Per-batch events arrive already throttled (~20 per
second, in the training process) and carry ``fraction``, the share of all batches
done, which the page shows as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core import TrainingListener, VectorsSource

if TYPE_CHECKING:
    from workbench.core import Corpus, RunResult, TrainConfig, Vectors
    from workbench.gui.tasks import TaskContext


def _number(value: object) -> float:
    """A plain float (NaN when missing), safe to send across threads."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


class PartialListener(TrainingListener):
    """Forwards training callbacks as plain dicts to ``post`` (e.g. ``ctx.partial``).

    Events: ``{"event": "begin", "epochs", "steps"}``,
    ``{"event": "batch", "epoch", "batch", "fraction", "loss", "accuracy"}`` and
    ``{"event": "epoch", "epoch", "loss", "accuracy", "val_loss", "val_accuracy"}`` and
    ``{"event": "end", "status", "message"}`` (the model itself only comes with the
    task's result). Epoch and batch numbers are 0-based, as the core reports them.
    """

    def __init__(self, post: Callable[[dict[str, Any]], None]) -> None:
        self._post = post

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self._post({"event": "begin", "epochs": int(epochs), "steps": int(steps_per_epoch)})

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        self._post(
            {
                "event": "batch",
                "epoch": int(epoch),
                "batch": int(batch),
                "fraction": _number(logs.get("fraction")),
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
    tensorboard: Path | None = None,
) -> Callable[[TaskContext], RunResult]:
    """A ``TaskRunner`` job that trains, evaluates and saves a model; returns the ``RunResult``.

    TensorFlow trains in a child process (``run_training_isolated``): its graph
    building holds the GIL for ~50 ms at a time, which would stall the window. The
    test split is scored at each new best epoch, so Stop has only the saving left.
    The run is recorded in the models folder's run store (``runs.sqlite``) from this
    process; ``tensorboard`` also writes TensorBoard event files there.
    """

    def run(ctx: TaskContext) -> RunResult:
        from workbench.core import run_training_isolated, train_recorded

        return train_recorded(
            None,
            corpus,
            config,
            runner=run_training_isolated,
            source="window",
            tensorboard=tensorboard,
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
