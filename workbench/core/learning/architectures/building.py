"""Build the Keras classifier a :class:`TrainConfig` describes, after a memory estimate.

:func:`build_model` checks its inputs, estimates the memory training would need
(:func:`estimate_memory`: parameters with their gradients and optimizer slots, plus
the activations of one batch) and refuses, naming the settings to lower, when that is
more than the machine has; then it seeds Keras, lets the registered architecture build
the network and compiles it.

Keras is imported inside :func:`build_model` only.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.core.errors import ConfigError
from workbench.core.learning.architectures.registry import get_architecture
from workbench.core.learning.config.schema import TrainConfig

BYTES_PER_FLOAT = 4
_OPTIMIZER_SLOTS = {"adam": 2, "rmsprop": 1, "adagrad": 1, "sgd": 0}
_GIB = 1024**3


@dataclass(frozen=True)
class MemoryEstimate:
    """About how much memory training a model takes, and which settings drive it."""

    parameters: int
    bytes: int
    culprits: tuple[str, ...]

    @property
    def gib(self) -> float:
        return self.bytes / _GIB


def estimate_memory(
    config: TrainConfig, *, vocab_size: int, num_classes: int, dim: int | None = None
) -> MemoryEstimate:
    """Training memory of ``config``'s model (``dim``: embedding width, default its own).

    Weights count with their gradients and optimizer slots; activations for one batch
    of ``batch_size`` documents, twice (forward values and their gradients).
    """
    width = int(dim) if dim else config.embedding_dim
    architecture = get_architecture(config.architecture)
    parts = architecture.memory(config, vocab_size, num_classes, width)
    copies = 2 + _OPTIMIZER_SLOTS.get(config.optimizer, 2)
    terms: list[tuple[int, tuple[str, ...]]] = []
    for part in parts:
        terms.append((part.parameters * copies * BYTES_PER_FLOAT, part.settings))
        batch = config.batch_size * part.activations * 2 * BYTES_PER_FLOAT
        terms.append((batch, ("maxlen", "batch_size", *part.settings[:1])))
    total = sum(size for size, _ in terms)
    culprits = max(terms, key=lambda term: term[0])[1] if terms else ()
    parameters = sum(part.parameters for part in parts)
    return MemoryEstimate(parameters=parameters, bytes=total, culprits=culprits)


def machine_memory() -> int | None:
    """Physical memory of this machine in bytes (None when unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(
    config: TrainConfig,
    *,
    vocab_size: int,
    num_classes: int,
    dim: int | None = None,
    limit_bytes: int | None = None,
) -> MemoryEstimate:
    """The estimate, or ConfigError naming the settings to lower when it exceeds the limit.

    ``limit_bytes`` defaults to the machine's physical memory.
    """
    estimate = estimate_memory(config, vocab_size=vocab_size, num_classes=num_classes, dim=dim)
    limit = limit_bytes if limit_bytes is not None else machine_memory()
    if limit is not None and estimate.bytes > limit:
        values = config.to_dict()
        names = [name for name in dict.fromkeys(estimate.culprits) if name in values]
        lower = " or ".join(f"{name} (now {values[name]})" for name in names)
        raise ConfigError(
            f"the model would need about {estimate.gib:,.1f} GiB of memory to train "
            f"({estimate.parameters:,} parameters; this machine has {limit / _GIB:,.1f} GiB): "
            f"lower {lower}"
        )
    return estimate


def build_model(
    config: TrainConfig,
    *,
    vocab_size: int,
    num_classes: int,
    embedding_matrix: np.ndarray | None = None,
) -> Any:
    """Return a compiled ``keras.Model``: int token ids ``[n, maxlen]`` -> class probabilities.

    The registered architecture ``config.architecture`` builds the network.
    ``embedding_matrix`` (``[vocab_size, dim]``) initialises the embedding and sets its
    width (else ``config.embedding_dim``); ``config.trainable_embedding`` decides whether
    it is fine-tuned. Seeds Keras with ``config.seed`` first.

    Raises :class:`ConfigError` for a bad ``vocab_size``, ``num_classes`` or matrix, and
    when the model would not fit in memory (naming the settings to lower).
    """
    if not isinstance(config, TrainConfig):
        raise ConfigError(f"config must be a TrainConfig, got {type(config).__name__}")
    _check_count("vocab_size", vocab_size, 2)
    _check_count("num_classes", num_classes, 2)
    matrix = _check_matrix(embedding_matrix, vocab_size)
    dim = matrix.shape[1] if matrix is not None else config.embedding_dim
    architecture = get_architecture(config.architecture)
    check_memory(config, vocab_size=int(vocab_size), num_classes=int(num_classes), dim=dim)

    import keras

    keras.utils.set_random_seed(config.seed)
    model = architecture.build(config, int(vocab_size), int(num_classes), matrix)
    model.compile(
        optimizer=_optimizer(keras, config),
        loss=_loss(keras, config.label_smoothing),
        metrics=["accuracy"],
    )
    return model


def _loss(keras: Any, smoothing: float) -> Any:
    """Cross-entropy on integer labels; with ``smoothing`` > 0 against targets that give
    the true class ``1 - smoothing`` plus its even share of ``smoothing``."""
    if smoothing <= 0:
        return "sparse_categorical_crossentropy"
    return _smoothed_loss_type(keras)(smoothing=smoothing)


@functools.cache
def _smoothed_loss_type(keras: Any) -> type:
    ops = keras.ops

    class SmoothedSparseCrossentropy(keras.losses.Loss):
        """Keras's categorical cross-entropy with label smoothing, fed integer labels."""

        def __init__(self, smoothing: float = 0.1, name: str = "smoothed_crossentropy", **kw):
            super().__init__(name=name, **kw)
            self.smoothing = float(smoothing)

        def call(self, y_true: Any, y_pred: Any) -> Any:
            labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
            targets = ops.cast(ops.one_hot(labels, ops.shape(y_pred)[-1]), y_pred.dtype)
            return keras.losses.categorical_crossentropy(
                targets, y_pred, label_smoothing=self.smoothing
            )

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "smoothing": self.smoothing}

    return SmoothedSparseCrossentropy


def _optimizer(keras: Any, config: TrainConfig) -> Any:
    classes = {
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "adagrad": keras.optimizers.Adagrad,
        "rmsprop": keras.optimizers.RMSprop,
    }
    return classes[config.optimizer](learning_rate=config.learning_rate)


def _check_count(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")


def _check_matrix(matrix: Any, vocab_size: int) -> np.ndarray | None:
    if matrix is None:
        return None
    try:
        array = np.asarray(matrix, dtype=np.float32)
    except (TypeError, ValueError):
        raise ConfigError("embedding_matrix must be a 2-D array of numbers") from None
    if array.ndim != 2 or array.shape[1] < 1:
        raise ConfigError(
            f"embedding_matrix must be 2-D [vocab_size, dim], got shape {array.shape}"
        )
    if array.shape[0] != vocab_size:
        raise ConfigError(
            f"embedding_matrix has {array.shape[0]} rows, expected vocab_size={vocab_size}"
        )
    if not np.isfinite(array).all():
        raise ConfigError("embedding_matrix contains NaN or infinite values")
    return array
