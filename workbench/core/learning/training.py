"""Train a classifier with Keras ``fit``, reporting to a listener and honouring a cancel token.

:func:`train` never raises for training problems: it returns a :class:`TrainResult` whose
``status`` says how the run ended (``"completed"``, ``"early_stopped"``, ``"cancelled"`` or
``"failed"``) and whose ``model`` holds the weights of the epoch with the lowest
validation loss (``None`` when no epoch finished) - or, with ``average_epochs`` > 1 and a
run that was not stopped, the average of the weights of that many epochs of lowest
validation loss, when that average has a lower validation loss still (checkpoint
averaging; the epochs of one run lie close together, so their mean is a model too).

Listener calls come from the training thread with plain Python numbers; ``epoch`` and
``batch`` are 0-based. Keras reports per-batch ``loss``/``accuracy`` as running averages
over the current epoch.

Keras is imported inside :func:`train` only.
"""

from __future__ import annotations

import atexit
import functools
import logging
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.core.errors import ConfigError
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.evaluation import mean_log_loss
from workbench.core.progress import EVENT_INTERVAL_S, CancelToken, Throttle

log = logging.getLogger(__name__)

_EPOCH_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


class TrainingListener:
    """Receives training progress; override the methods you need (all are no-ops here)."""

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        """Training is about to start: at most ``epochs`` epochs of ``steps_per_epoch`` batches."""

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        """A batch finished; ``logs`` has the epoch's running ``loss`` and ``accuracy``
        and ``fraction``, the share of all training batches done."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """An epoch finished; ``logs``: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``."""

    def on_train_end(self, result: TrainResult) -> None:
        """Training ended (any status); ``result`` is what :func:`train` returns."""


class ThrottledListener(TrainingListener):
    """Passes every call on to ``inner`` but per-batch ones at most every ``interval``
    seconds (~20 per second); the last batch of each epoch always goes through."""

    def __init__(
        self,
        inner: TrainingListener,
        *,
        interval: float = EVENT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._gate = Throttle(interval=interval, clock=clock)
        self._steps = 0

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self._steps = int(steps_per_epoch)
        self._gate.reset()
        self._inner.on_train_begin(epochs, steps_per_epoch)

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        last_of_epoch = self._steps > 0 and batch >= self._steps - 1
        if self._gate.due(force=last_of_epoch):
            self._inner.on_batch_end(epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self._inner.on_epoch_end(epoch, logs)

    def on_train_end(self, result: TrainResult) -> None:
        self._inner.on_train_end(result)


@dataclass
class TrainResult:
    """How a training run ended, its per-epoch history and the best model."""

    status: str
    message: str
    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None
    epochs_run: int = 0
    elapsed_s: float = 0.0
    model: object | None = None
    devices: dict[str, Any] = field(default_factory=dict)  # DevicePlan.to_dict()
    documents_per_s: float | None = None  # training documents per second of fit()
    averaged: AveragedEpochs | None = None  # set when ``model`` holds averaged weights

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (without the model)."""
        return {
            "status": self.status,
            "message": self.message,
            "history": {key: [float(v) for v in values] for key, values in self.history.items()},
            "best_epoch": self.best_epoch,
            "epochs_run": self.epochs_run,
            "elapsed_s": float(self.elapsed_s),
            "devices": dict(self.devices),
            "documents_per_s": self.documents_per_s,
            "averaged": self.averaged.to_dict() if self.averaged else None,
        }


@dataclass(frozen=True)
class AveragedEpochs:
    """The epochs (0-based) whose weights were averaged, and the validation losses of
    the best epoch and of the average (the same prediction and loss for both)."""

    epochs: tuple[int, ...]
    best_val_loss: float
    val_loss: float

    def text(self) -> str:
        """``"epochs 5, 6, 9 averaged"`` (counted from 1)."""
        return f"epochs {', '.join(str(e + 1) for e in self.epochs)} averaged"

    def to_dict(self) -> dict[str, Any]:
        return {
            "epochs": list(self.epochs),
            "best_val_loss": self.best_val_loss,
            "val_loss": self.val_loss,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AveragedEpochs:
        """The inverse of :meth:`to_dict`."""
        return cls(
            epochs=tuple(int(e) for e in data.get("epochs") or ()),
            best_val_loss=float(data.get("best_val_loss") or 0.0),
            val_loss=float(data.get("val_loss") or 0.0),
        )


@dataclass
class TrainingRun:
    """Mutable state shared by :func:`train` and its Keras callbacks."""

    config: TrainConfig
    listener: TrainingListener
    cancel: CancelToken | None
    monitor: str
    epoch: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    best_value: float = math.inf
    best_epoch: int | None = None
    best_weights: list[np.ndarray] | None = None
    top_epochs: list[tuple[float, int, list[np.ndarray]]] = field(default_factory=list)
    epochs_run: int = 0
    waited: int = 0
    steps: int = 1  # batches per epoch
    improved: bool = False  # the last finished epoch became the best one
    last_logs: dict[str, float] = field(default_factory=dict)
    cancelled: bool = False
    early_stopped: bool = False
    nan_message: str | None = None
    on_best_epoch: Callable[[int, Any], None] | None = None
    interrupted: bool = False  # the waiting thread was interrupted (Ctrl-C)
    fit_ended: threading.Event = field(default_factory=threading.Event)

    @property
    def aborting(self) -> bool:
        return self.cancelled or self.nan_message is not None

    def stop_requested(self) -> bool:
        return self.interrupted or (self.cancel is not None and self.cancel.is_set())


def train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    config: TrainConfig,
    *,
    vocab_size: int,
    num_classes: int,
    embedding_matrix: np.ndarray | None = None,
    listener: TrainingListener | None = None,
    cancel: CancelToken | None = None,
    on_best_epoch: Callable[[int, Any], None] | None = None,
) -> TrainResult:
    """Build a model for ``config`` and fit it on token ids ``x_train`` / class ids ``y_train``.

    The best epoch is chosen by ``val_loss`` (by training ``loss`` when ``x_val`` is empty);
    ``config.patience`` > 0 stops after that many epochs without improvement. Setting
    ``cancel`` stops within one batch; the unfinished epoch is discarded. A NaN loss stops at
    the first NaN batch. Bad inputs and any exception give ``status="failed"`` with the error
    text; nothing is raised. ``on_best_epoch(epoch, model)`` is called in the training
    thread after each epoch that becomes the best one, with the model holding that
    epoch's weights (e.g. to score the test split while training goes on, so that
    nothing is left to compute after a Stop); its errors are logged and ignored.
    """
    start = time.perf_counter()
    listener = listener if listener is not None else TrainingListener()
    run = TrainingRun(config=config, listener=listener, cancel=cancel, monitor="val_loss")
    run.on_best_epoch = on_best_epoch
    model = None
    error: str | None = None
    devices: dict[str, Any] = {}
    fit_s = 0.0
    batch_size = config.batch_size if isinstance(config, TrainConfig) else 1
    try:
        if not isinstance(config, TrainConfig):
            raise ConfigError(f"config must be a TrainConfig, got {type(config).__name__}")
        data = _check_inputs(x_train, y_train, x_val, y_val, config, vocab_size, num_classes)
        x_train, y_train, x_val, y_val = data
        if len(x_val) == 0:
            run.monitor = "loss"
        if not _is_set(cancel):
            from workbench.core.learning.architectures.building import build_model
            from workbench.core.learning.devices import plan_devices, plan_scope, replica_fit

            plan = plan_devices(config)
            devices = plan.to_dict()
            n_train, n_val, batch_size = replica_fit(plan, len(x_train), len(x_val), batch_size)
            x_train, y_train = x_train[:n_train], y_train[:n_train]
            x_val, y_val = x_val[:n_val], y_val[:n_val]
            if len(x_val) == 0:
                run.monitor = "loss"
            with plan_scope(plan):
                model = build_model(
                    config,
                    vocab_size=vocab_size,
                    num_classes=num_classes,
                    embedding_matrix=embedding_matrix,
                )
        if _is_set(cancel):
            run.cancelled = True
        else:
            run.steps = steps = math.ceil(len(x_train) / batch_size)
            listener.on_train_begin(config.epochs, steps)
            fit_started = time.perf_counter()
            inputs = fit_inputs(x_train, y_train, x_val, y_val, batch_size, config.seed)
            _fit_detached(
                model,
                run,
                *inputs.pop("data"),
                epochs=config.epochs,
                class_weight=_class_weight(y_train, num_classes, config.class_weight),
                verbose=0,
                callbacks=keras_callbacks(run),
                **inputs,
            )
            fit_s = time.perf_counter() - fit_started
    except Exception as exc:  # every failure becomes status="failed"
        error = _one_line(exc)

    averaged = None
    if model is not None and run.best_weights is not None:
        try:
            model.set_weights(run.best_weights)
            if error is None and not run.aborting and not _is_set(cancel):
                averaged = average_if_better(model, run, x_val, y_val, batch_size)
        except Exception as exc:
            error = error or f"could not restore the best weights: {_one_line(exc)}"
            model = None
    else:
        model = None
    result = TrainResult(
        status="completed",
        message="",
        history=run.history,
        best_epoch=run.best_epoch,
        epochs_run=run.epochs_run,
        elapsed_s=time.perf_counter() - start,
        model=model,
        devices=devices,
        averaged=averaged if model is not None else None,
    )
    if fit_s > 0 and run.epochs_run:
        result.documents_per_s = run.epochs_run * len(x_train) / fit_s
    result.status, result.message = _outcome(run, error)
    if result.averaged is not None:
        result.message += f"; {result.averaged.text()} (val_loss {result.averaged.val_loss:.4f})"
    listener.on_train_end(result)
    return result


def average_if_better(
    model: Any, run: TrainingRun, x_val: np.ndarray, y_val: np.ndarray, batch_size: int
) -> AveragedEpochs | None:
    """Give ``model`` (holding the best epoch's weights) the mean of the weights of
    ``run.top_epochs`` when that lowers the validation loss; else leave it as it is.

    Both losses are computed here the same way (``predict`` and the mean negative log
    probability of the true class), so the comparison is like for like. Returns what
    was averaged, or ``None`` (fewer than two epochs kept, no validation split, or no
    gain).
    """
    if run.config.average_epochs < 2 or len(run.top_epochs) < 2 or len(x_val) == 0:
        return None
    best = mean_log_loss(model.predict(x_val, batch_size=batch_size, verbose=0), y_val)
    kept = [weights for _, _, weights in run.top_epochs]
    model.set_weights([np.mean(arrays, axis=0) for arrays in zip(*kept, strict=True)])
    mean = mean_log_loss(model.predict(x_val, batch_size=batch_size, verbose=0), y_val)
    if not mean < best:
        model.set_weights(run.best_weights)
        return None
    epochs = tuple(sorted(epoch for _, epoch, _ in run.top_epochs))
    return AveragedEpochs(epochs=epochs, best_val_loss=best, val_loss=mean)


STREAM_ABOVE_BYTES = 256 * 2**20
"""Padded training ids larger than this are streamed to ``fit`` a batch at a time."""


def fit_inputs(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    batch_size: int,
    seed: int,
    *,
    stream_above: int | None = None,
) -> dict[str, Any]:
    """``fit``'s data arguments: the arrays themselves for a corpus that fits easily
    (Keras shuffles them), else ``tf.data`` pipelines that gather each batch from the
    one padded array (shuffled per epoch with ``seed``), so Keras holds no second copy
    of the corpus. ``"data"`` holds the positional arguments; ``stream_above`` defaults
    to :data:`STREAM_ABOVE_BYTES`."""
    limit = STREAM_ABOVE_BYTES if stream_above is None else stream_above
    if x_train.nbytes + x_val.nbytes <= limit:
        return {
            "data": (x_train, y_train),
            "batch_size": batch_size,
            "shuffle": True,
            "validation_data": (x_val, y_val) if len(x_val) else None,
        }
    rng = np.random.default_rng(seed)
    validation = _batches(x_val, y_val, batch_size, None) if len(x_val) else None
    return {
        "data": (_batches(x_train, y_train, batch_size, rng),),
        "shuffle": False,  # the batches come shuffled
        "validation_data": validation,
    }


def _batches(x: np.ndarray, y: np.ndarray, batch_size: int, rng: Any) -> Any:
    """A ``tf.data.Dataset`` of ``(ids, labels)`` batches gathered from ``x``/``y``;
    a new order each pass when ``rng`` is given."""
    import tensorflow as tf

    def generate() -> Any:
        order = rng.permutation(len(x)) if rng is not None else np.arange(len(x))
        for start in range(0, len(x), batch_size):
            rows = np.sort(order[start : start + batch_size])  # sorted: faster gathering
            yield x[rows], y[rows]

    spec = (
        tf.TensorSpec((None, x.shape[1]), tf.as_dtype(x.dtype)),
        tf.TensorSpec((None,), tf.as_dtype(y.dtype)),
    )
    dataset = tf.data.Dataset.from_generator(generate, output_signature=spec)
    batches = math.ceil(len(x) / batch_size)  # known, so Keras knows an epoch's steps
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(2)


_FIT_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


@atexit.register
def finish_fit_threads(timeout: float = 30.0) -> None:
    """Let ``fit`` helper threads end their teardown (at interpreter exit: before
    TensorFlow's own clean-up runs under them)."""
    deadline = time.monotonic() + timeout
    for thread in list(_FIT_THREADS):
        thread.join(max(0.0, deadline - time.monotonic()))


def _fit_detached(model: Any, run: TrainingRun, *args: Any, **kwargs: Any) -> None:
    """``model.fit`` in a helper thread; returns once training has ended.

    When ``fit`` returns, its input pipeline (a tf.data iterator) is destroyed, and
    that can block for ~10 s waiting for tf.data's background threads (seen with
    ``py-spy`` after a Stop at an epoch end, 3 runs in 5). The model is final when
    Keras calls ``on_train_end``, so the caller goes on from there and the helper
    thread finishes the teardown on its own. Errors of ``fit`` are raised here; an
    interrupt (Ctrl-C) of the waiting thread stops the training at the next batch.
    """
    outcome: dict[str, BaseException] = {}

    def fit() -> None:
        try:
            model.fit(*args, **kwargs)
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            run.fit_ended.set()

    thread = threading.Thread(target=fit, name="workbench-fit", daemon=True)
    _FIT_THREADS.add(thread)
    thread.start()
    try:
        while not run.fit_ended.wait(0.1):
            pass
    except BaseException:
        run.interrupted = True  # the bridge stops training at its next callback
        raise
    if "error" in outcome:
        raise outcome["error"]


def _outcome(run: TrainingRun, error: str | None) -> tuple[str, str]:
    """``(status, message)`` for a finished run."""
    best = _best_text(run)
    if error is not None:
        return "failed", error
    if run.nan_message is not None:
        return "failed", run.nan_message
    if run.cancelled:
        if run.best_epoch is None:
            return "cancelled", "cancelled before the first epoch finished"
        return "cancelled", f"cancelled after {run.epochs_run} epoch(s); {best}"
    if run.early_stopped:
        return "early_stopped", (
            f"stopped early after epoch {run.epochs_run}: no lower {run.monitor} "
            f"for {run.config.patience} epoch(s); {best}"
        )
    return "completed", f"completed {run.epochs_run} epoch(s); {best}"


def _best_text(run: TrainingRun) -> str:
    if run.best_epoch is None:
        return "no best epoch"
    return f"best epoch {run.best_epoch + 1} ({run.monitor} {run.best_value:.4f})"


def _is_set(cancel: CancelToken | None) -> bool:
    return cancel is not None and cancel.is_set()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if isinstance(exc, ConfigError):
        return first
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _check_inputs(
    x_train: Any,
    y_train: Any,
    x_val: Any,
    y_val: Any,
    config: TrainConfig,
    vocab_size: int,
    num_classes: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Convert the arrays and check shapes and ranges (ConfigError naming the problem)."""
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int | np.integer):
        raise ConfigError(f"vocab_size must be an integer, got {vocab_size!r}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer):
        raise ConfigError(f"num_classes must be an integer, got {num_classes!r}")
    arrays = []
    for x_name, y_name, x, y in (
        ("x_train", "y_train", x_train, y_train),
        ("x_val", "y_val", x_val, y_val),
    ):
        x = np.asarray(x)
        y = np.asarray(y)
        if x.size == 0 and y.size == 0:
            x = x.reshape(0, config.maxlen).astype(np.int32)
        if x.ndim != 2 or x.shape[1] != config.maxlen:
            raise ConfigError(
                f"{x_name} must have shape [n, maxlen={config.maxlen}], got {x.shape}"
            )
        if not (np.issubdtype(x.dtype, np.integer)):
            raise ConfigError(f"{x_name} must hold integer token ids, got dtype {x.dtype}")
        if y.ndim != 1 or len(y) != len(x):
            raise ConfigError(f"{y_name} must be 1-D with {len(x)} labels, got shape {y.shape}")
        if not (np.issubdtype(y.dtype, np.integer)):
            raise ConfigError(f"{y_name} must hold integer class ids, got dtype {y.dtype}")
        if len(x) and (x.min() < 0 or x.max() >= vocab_size):
            raise ConfigError(
                f"{x_name} token ids must be in [0, {vocab_size}), "
                f"got {int(x.min())}..{int(x.max())}"
            )
        if len(y) and (y.min() < 0 or y.max() >= num_classes):
            raise ConfigError(
                f"{y_name} class ids must be in [0, {num_classes}), "
                f"got {int(y.min())}..{int(y.max())}"
            )
        arrays += [x.astype(np.int32, copy=False), y.astype(np.int32, copy=False)]
    if len(arrays[0]) == 0:
        raise ConfigError("x_train is empty: nothing to train on")
    return arrays[0], arrays[1], arrays[2], arrays[3]


def _class_weight(y: np.ndarray, num_classes: int, mode: str) -> dict[int, float] | None:
    """``"balanced"``: n / (num_present_classes * count) per class; absent classes get 1.0."""
    if mode != "balanced":
        return None
    counts = np.bincount(y, minlength=num_classes)
    present = int((counts > 0).sum())
    return {
        index: (len(y) / (present * count) if count else 1.0)
        for index, count in enumerate(counts.tolist())
    }


def keras_callbacks(run: TrainingRun) -> list[Any]:
    """The Keras callbacks :func:`train` gives ``fit``, one concern each, in order.

    NaN guard, epoch history and best weights, the epochs kept for averaging, the
    listener bridge, the best-epoch hook, early stopping and the stop request; the
    last one also lets the waiting thread go on as soon as ``fit`` ends.
    """
    classes = keras_callback_classes()
    return [
        classes["nan_guard"](run),
        classes["best_weights"](run),
        classes["top_epochs"](run),
        classes["listener"](run),
        classes["best_epoch_hook"](run),
        classes["early_stopping"](run),
        classes["stop_request"](run),
    ]


@functools.cache
def keras_callback_classes() -> dict[str, type]:
    """The Keras callback classes of :func:`keras_callbacks` (created on first use).

    Each shares the :class:`TrainingRun` of its ``fit``. Once a run is aborting (a NaN
    loss, a stop request), the epoch being trained does not count: no history, no
    listener call, no new best.
    """
    import keras

    class _RunCallback(keras.callbacks.Callback):
        def __init__(self, run: TrainingRun) -> None:
            super().__init__()
            self._run = run

    class NaNGuard(_RunCallback):
        """Stop at the first batch whose loss is NaN or infinite, saying where."""

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            run = self._run
            if not math.isfinite(float(logs["loss"])):
                run.nan_message = (
                    f"loss became NaN at epoch {run.epoch + 1} batch {batch + 1}; "
                    "try a lower learning rate"
                )
                self.model.stop_training = True

    class BestWeights(_RunCallback):
        """Record each finished epoch's metrics and keep the weights of the best one."""

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._run.epoch = epoch

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            run = self._run
            if run.aborting:  # the epoch did not finish: keep the previous best
                return
            values = {key: float(logs[key]) for key in _EPOCH_KEYS if key in logs}
            for key, value in values.items():
                run.history.setdefault(key, []).append(value)
            run.epochs_run = epoch + 1
            run.last_logs = values
            current = values.get(run.monitor, math.nan)
            run.improved = current < run.best_value  # False for NaN
            if run.improved:
                run.best_value = current
                run.best_epoch = epoch
                run.best_weights = self.model.get_weights()
                run.waited = 0
            else:
                run.waited += 1

    class TopEpochs(_RunCallback):
        """Keep the weights of the ``average_epochs`` epochs of lowest validation loss
        (nothing when that is 1 or there is no validation split)."""

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            run = self._run
            keep = run.config.average_epochs
            value = run.last_logs.get("val_loss", math.nan)
            if run.aborting or keep < 2 or run.monitor != "val_loss" or run.epochs_run != epoch + 1:
                return
            if not math.isfinite(value):
                return
            top = run.top_epochs
            if len(top) == keep and value >= top[-1][0]:
                return
            weights = run.best_weights if run.improved else self.model.get_weights()
            top.append((value, epoch, weights))
            top.sort(key=lambda item: item[0])
            del top[keep:]

    class ListenerBridge(_RunCallback):
        """Hand batches (with the share of all batches done) and epochs to the listener."""

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            run = self._run
            if run.nan_message is not None:
                return
            done = (run.epoch * run.steps + batch + 1) / max(1, run.config.epochs * run.steps)
            run.listener.on_batch_end(
                run.epoch,
                batch,
                {
                    "loss": float(logs["loss"]),
                    "accuracy": float(logs.get("accuracy", math.nan)),
                    "fraction": min(1.0, done),
                },
            )

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if not self._run.aborting:
                self._run.listener.on_epoch_end(epoch, dict(self._run.last_logs))

    class BestEpochHook(_RunCallback):
        """Call ``on_best_epoch(epoch, model)`` after each epoch that became the best."""

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            run = self._run
            if run.aborting or not run.improved or run.on_best_epoch is None:
                return
            try:
                run.on_best_epoch(epoch, self.model)
            except Exception:  # a helper's failure must not end the training
                log.warning("on_best_epoch hook failed", exc_info=True)

    class EarlyStopping(_RunCallback):
        """Stop after ``patience`` epochs without a better monitored value."""

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            run = self._run
            patience = run.config.patience
            more_to_come = epoch + 1 < run.config.epochs
            if not run.aborting and more_to_come and patience and run.waited >= patience:
                run.early_stopped = True
                self.model.stop_training = True

    class StopRequest(_RunCallback):
        """Stop within one batch when cancelled (or interrupted); skip the rest of a
        validation pass once aborting; tell the waiting thread when ``fit`` ends."""

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            run = self._run
            if run.nan_message is None and run.stop_requested():
                run.cancelled = True
                self.model.stop_training = True

        def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
            run = self._run
            if not run.aborting and run.stop_requested():
                run.cancelled = True
            if run.aborting:  # skip the rest of the validation pass
                self.model.stop_evaluating = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            run = self._run
            more_to_come = epoch + 1 < run.config.epochs
            waiting = not run.aborting and not run.early_stopped and more_to_come
            if waiting and run.stop_requested():
                run.cancelled = True
                self.model.stop_training = True

        def on_train_end(self, logs: dict | None = None) -> None:
            # the model is final: the waiting thread goes on while fit() tears down
            self._run.fit_ended.set()

    return {
        "nan_guard": NaNGuard,
        "best_weights": BestWeights,
        "top_epochs": TopEpochs,
        "listener": ListenerBridge,
        "best_epoch_hook": BestEpochHook,
        "early_stopping": EarlyStopping,
        "stop_request": StopRequest,
    }
