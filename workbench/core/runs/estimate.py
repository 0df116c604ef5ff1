"""How long a training run will take, estimated before it starts.

A recurrent layer does about ``gates * units * (units + inputs)`` multiply-adds per
token, per direction; one epoch runs it over ``maxlen`` steps of every training
document (padded steps too), plus a forward pass over the validation documents
(about a third of a training step's work). :func:`training_work` counts that work;
:func:`estimate_training_time` divides it by a throughput: a calibrated default
(:data:`DEFAULT_THROUGHPUT`, from the BBC default run in ``bench/RESULTS.md``) or
one measured by an earlier run on this computer (:func:`measured_throughput`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.core.errors import ConfigError
from workbench.core.learning.architectures.recurrent import GATES, resolved_units
from workbench.core.learning.config.schema import TrainConfig

__all__ = [
    "DEFAULT_THROUGHPUT",
    "TimeEstimate",
    "estimate_training_time",
    "format_estimate",
    "measured_throughput",
    "training_work",
]

# multiply-adds per second: the default BBC run (1,557 training documents, maxlen 400,
# BiLSTM 64 over 50-d vectors, 9-10 s per epoch on 2 CPU cores)
DEFAULT_THROUGHPUT = 4.0e9
_VALIDATION_SHARE = 1.0 / 3.0  # a forward pass costs about a third of a training step


@dataclass(frozen=True)
class TimeEstimate:
    """An estimated run time: per epoch, for every epoch, and where the speed came from."""

    seconds_per_epoch: float
    epochs: int
    measured: bool  # the throughput comes from a run on this computer

    @property
    def total_s(self) -> float:
        return self.seconds_per_epoch * self.epochs

    def text(self) -> str:
        """One sentence for the user, e.g. "About 25 min on this computer (15 epochs at most)"."""
        where = "on this computer" if self.measured else "on a typical 2-core computer"
        epochs = f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}"
        return (
            f"Estimated time: {format_estimate(self.total_s)} {where} for {epochs} "
            f"({format_estimate(self.seconds_per_epoch)} per epoch); early stopping "
            "often ends sooner."
        )


def format_estimate(seconds: float) -> str:
    """A rounded duration: "under a minute", "about 7 min", "about 1 h 45 min"."""
    if not math.isfinite(seconds) or seconds < 0:
        return "an unknown time"
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} min"
    hours, rest = divmod(minutes, 60)
    rest = 5 * round(rest / 5)
    if rest == 60:
        hours, rest = hours + 1, 0
    return f"about {hours} h" + (f" {rest} min" if rest else "")


def training_work(config: TrainConfig, n_documents: int, embedding_dim: int | None = None) -> float:
    """Multiply-adds of one epoch over a corpus of ``n_documents`` (before splitting).

    ``embedding_dim`` is the word vectors' width when vectors fix it (else the
    config's ``embedding_dim``).
    """
    if not isinstance(config, TrainConfig):
        raise ConfigError(f"config must be a TrainConfig, got {type(config).__name__}")
    if isinstance(n_documents, bool) or not isinstance(n_documents, int) or n_documents < 0:
        raise ConfigError(f"n_documents must be an integer >= 0, got {n_documents!r}")
    width = int(embedding_dim) if embedding_dim else config.embedding_dim
    directions = 2 if config.bidirectional else 1
    # recurrent cost per token; other registered architectures are costed as an LSTM
    gates = GATES.get(config.architecture, 4)
    units = resolved_units(config.units, width) or width
    per_token = 0.0
    inputs = width
    for _ in range(config.layers):
        per_token += directions * gates * units * (units + inputs)
        inputs = directions * units
    n_train = n_documents * max(0.0, 1.0 - config.val_fraction - config.test_fraction)
    n_val = n_documents * config.val_fraction
    steps = min(config.rnn_maxlen, config.maxlen) if config.rnn_maxlen else config.maxlen
    return per_token * steps * (n_train + _VALIDATION_SHARE * n_val)


def measured_throughput(work_per_epoch: float, epochs_run: int, elapsed_s: float) -> float | None:
    """Multiply-adds per second seen in a finished run (None when it says nothing)."""
    if epochs_run < 1 or elapsed_s <= 0 or work_per_epoch <= 0:
        return None
    return work_per_epoch * epochs_run / elapsed_s


def estimate_training_time(
    config: TrainConfig,
    n_documents: int,
    *,
    embedding_dim: int | None = None,
    throughput: float | None = None,
) -> TimeEstimate:
    """The time ``config`` should take on ``n_documents`` documents, every epoch run.

    ``throughput`` (multiply-adds per second) measured on this computer makes the
    estimate ``measured``; without it :data:`DEFAULT_THROUGHPUT` is used.
    """
    work = training_work(config, n_documents, embedding_dim)
    measured = throughput is not None and math.isfinite(throughput) and throughput > 0
    speed = float(throughput) if measured else DEFAULT_THROUGHPUT
    return TimeEstimate(work / speed, config.epochs, bool(measured))
