"""Where training runs: devices, the distribution strategy, precision and the cuDNN kernel.

:func:`plan_devices` looks at what TensorFlow sees: with two or more GPUs (or a CPU
deliberately split into several logical devices) the model is built and trained
under ``tf.distribute.MirroredStrategy`` (one replica per device, the batch split
between them, gradients summed); otherwise on the one default device. Every run
records its :class:`DevicePlan` (result, CLI output, bundle provenance).

:func:`cudnn_notes` says why a configuration would not use the fused cuDNN LSTM/GRU
kernel on a GPU (Keras falls back to a generic loop several times slower):
Keras uses it only for ``activation="tanh"``, ``recurrent_activation="sigmoid"``,
``recurrent_dropout=0``, ``unroll=False``, ``use_bias=True`` (GRU also
``reset_after=True``) and a mask that is right-padded, i.e. ``padding="post"``.

TensorFlow is imported inside functions only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from workbench.core.learning.config.schema import TrainConfig

__all__ = [
    "DevicePlan",
    "cudnn_notes",
    "model_cudnn_notes",
    "plan_devices",
    "plan_scope",
    "replica_fit",
]

RECURRENT = ("lstm", "gru")
_CUDNN_LAYER_RULES: tuple[tuple[str, Any, str], ...] = (
    ("activation", "tanh", "activation is not 'tanh'"),
    ("recurrent_activation", "sigmoid", "recurrent_activation is not 'sigmoid'"),
    ("recurrent_dropout", 0, "recurrent_dropout is not 0"),
    ("unroll", False, "unroll is set"),
    ("use_bias", True, "use_bias is off"),
)


@dataclass(frozen=True)
class DevicePlan:
    """The devices a run uses and how: ``strategy`` is ``"default"`` or ``"mirrored"``."""

    strategy: str
    devices: tuple[str, ...]
    gpus: int
    mixed_precision: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def replicas(self) -> int:
        return len(self.devices) if self.strategy == "mirrored" else 1

    def describe(self) -> str:
        """One line for people: ``"2 GPUs (MirroredStrategy), mixed precision"``."""
        if self.strategy == "mirrored":
            kind = "GPUs" if self.gpus else "logical CPU devices"
            text = f"{len(self.devices)} {kind} (MirroredStrategy: {', '.join(self.devices)})"
        else:
            text = self.devices[0] if self.devices else "CPU"
        if self.mixed_precision:
            text += ", mixed precision (float16 compute)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "devices": list(self.devices),
            "gpus": self.gpus,
            "replicas": self.replicas,
            "mixed_precision": self.mixed_precision,
            "description": self.describe(),
            "notes": list(self.notes),
        }


def plan_devices(config: TrainConfig | None = None) -> DevicePlan:
    """What TensorFlow sees now and how a run of ``config`` will use it."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    mixed = bool(getattr(config, "mixed_precision", False))
    notes: list[str] = []
    if mixed and not gpus:
        notes.append("mixed precision on a CPU is slower than float32; it pays on a GPU")
    if config is not None and gpus:
        notes += [f"not on the fused cuDNN kernel: {n}" for n in cudnn_notes(config)]
    if len(gpus) >= 2:
        names = tuple(d.name for d in gpus)
        return DevicePlan("mirrored", names, len(gpus), mixed, tuple(notes))
    if not gpus and len(cpus) >= 2:  # a CPU split on purpose into logical devices
        names = tuple(d.name for d in cpus)
        return DevicePlan("mirrored", names, 0, mixed, tuple(notes))
    device = gpus[0].name if gpus else (cpus[0].name if cpus else "CPU")
    return DevicePlan("default", (device,), len(gpus), mixed, tuple(notes))


@contextlib.contextmanager
def plan_scope(plan: DevicePlan) -> Iterator[None]:
    """Build (and compile) a model inside this: the plan's strategy and dtype policy."""
    import keras
    import tensorflow as tf

    previous = keras.mixed_precision.global_policy()
    if plan.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        if plan.strategy == "mirrored":
            strategy = tf.distribute.MirroredStrategy(
                devices=list(plan.devices),
                cross_device_ops=tf.distribute.ReductionToOneDevice(),
            )
            with strategy.scope():
                yield
        else:
            yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def replica_fit(
    plan: DevicePlan, n_train: int, n_val: int, batch_size: int
) -> tuple[int, int, int]:
    """``(training docs, validation docs, batch size)`` that split evenly between replicas.

    Keras (3.x, TensorFlow) fails on a batch that does not split evenly between the
    replicas of a MirroredStrategy, so the global batch is rounded down to a multiple
    of the replica count and up to ``replicas - 1`` documents of each split are left
    out (e.g. 1 of 1,800 with 2 devices). One device: everything as given.
    """
    r = plan.replicas
    if r <= 1:
        return n_train, n_val, batch_size
    return n_train - n_train % r, n_val - n_val % r, max(r, batch_size - batch_size % r)


def cudnn_notes(config: TrainConfig) -> list[str]:
    """Why ``config`` falls off the fused cuDNN LSTM/GRU kernel (empty: it stays on it).

    The recurrent layers the model builder makes keep Keras' defaults (checked on a
    built model by :func:`model_cudnn_notes`); what a configuration can change is the
    padding: Keras runs the kernel only on right-padded masks.
    """
    notes: list[str] = []
    if getattr(config, "architecture", None) not in RECURRENT:
        return notes
    if config.padding != "post":
        notes.append(
            f"padding={config.padding!r} puts the padding first; the cuDNN kernel needs "
            "right-padded sequences (padding='post')"
        )
    return notes


def model_cudnn_notes(model: Any) -> list[str]:
    """The recurrent layers of a built Keras ``model`` that cannot use the cuDNN kernel."""
    notes: list[str] = []
    for layer in _recurrent_layers(model):
        settings = layer.get_config()
        for key, wanted, why in _CUDNN_LAYER_RULES:
            if key in settings and settings[key] != wanted:
                notes.append(f"{layer.name}: {why}")
        if type(layer).__name__ == "GRU" and not settings.get("reset_after", True):
            notes.append(f"{layer.name}: reset_after is off")
    return notes


def _recurrent_layers(model: Any) -> Iterator[Any]:
    for layer in getattr(model, "layers", ()):
        inner = [getattr(layer, "forward_layer", None), getattr(layer, "backward_layer", None)]
        for candidate in [layer, *inner]:
            if candidate is not None and type(candidate).__name__ in ("LSTM", "GRU"):
                yield candidate
