"""Per-epoch cost of ``train()`` with a listener versus bare ``model.fit`` on the same model.

Goal: ``train()`` with a listener attached costs at most 5 % more per epoch than a bare
``fit``. Both fit the same architecture (``build_model`` with the same config and seed)
on the same synthetic data with the same validation set. Runs alternate (bare, train(),
train(), bare, ...) to cancel drift and order effects; each run's first epoch (graph
tracing) is dropped, the rest are timed from epoch-end timestamps, both wall-clock and
process CPU time (the steadier figure on a shared machine). Prints the median per-epoch
seconds of each and their ratio, and the cost of one listener-bridge call per batch.

    python bench/bench_train_overhead.py [--docs 2000] [--maxlen 200] [--rounds 3] [--epochs 2]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from workbench.core import TrainConfig, TrainingListener, build_model, train


class ListListener(TrainingListener):
    """Does what a GUI bridge does: keeps every batch and epoch, throttles 'emits'."""

    def __init__(self) -> None:
        self.batch_loss: list[float] = []
        self.batch_accuracy: list[float] = []
        self.epoch_logs: list[dict[str, float]] = []
        self.epoch_times: list[tuple[float, float]] = []
        self.emitted = 0
        self._last_emit = 0.0

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        self.batch_loss.append(logs["loss"])
        self.batch_accuracy.append(logs["accuracy"])
        now = time.perf_counter()
        if now - self._last_emit >= 0.05:
            self._last_emit = now
            self.emitted += 1

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch_times.append(_stamp())
        self.epoch_logs.append(dict(logs))


def _stamp() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _per_epoch(stamps: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(wall, cpu) seconds between consecutive epoch ends."""
    return [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(stamps)]


def bridge_call_cost(calls: int = 20000) -> float:
    """Seconds per ``on_train_batch_end`` call of train()'s Keras callbacks with a ListListener."""
    from workbench.core.learning.training import TrainingRun, keras_callbacks

    class Model:
        stop_training = False

    run = TrainingRun(
        config=TrainConfig(), listener=ListListener(), cancel=None, monitor="val_loss"
    )
    callbacks = keras_callbacks(run)
    for callback in callbacks:
        callback.set_model(Model())
    logs = {"accuracy": 0.5, "loss": 1.0}
    start = time.perf_counter()
    for batch in range(calls):
        for callback in callbacks:
            callback.on_train_batch_end(batch, logs)
    return (time.perf_counter() - start) / calls


def synthetic(docs: int, maxlen: int, vocab: int, classes: int, seed: int = 0):
    """Token-id documents whose class shows in a few class-specific words."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, docs).astype(np.int32)
    x = rng.integers(2, vocab, (docs, maxlen)).astype(np.int32)
    markers = rng.integers(0, maxlen, (docs, 5))
    x[np.arange(docs)[:, None], markers] = (2 + y)[:, None]
    lengths = rng.integers(maxlen // 4, maxlen + 1, docs)
    x[np.arange(maxlen)[None, :] >= lengths[:, None]] = 0
    return x, y


def bare_fit_epochs(config, data, vocab: int, classes: int, epochs: int) -> list[float]:
    """Per-epoch seconds of a plain ``fit`` (first epoch dropped)."""
    import keras

    x, y, x_val, y_val = data
    stamps: list[tuple[float, float]] = []
    stamp = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: stamps.append(_stamp()))
    model = build_model(config, vocab_size=vocab, num_classes=classes)
    model.fit(
        x,
        y,
        batch_size=config.batch_size,
        epochs=epochs + 1,
        validation_data=(x_val, y_val),
        shuffle=True,
        verbose=0,
        callbacks=[stamp],
    )
    return _per_epoch(stamps)


def train_epochs(config, data, vocab: int, classes: int, epochs: int) -> list[float]:
    """Per-epoch seconds of ``train()`` with a :class:`ListListener` (first epoch dropped)."""
    x, y, x_val, y_val = data
    listener = ListListener()
    result = train(
        x,
        y,
        x_val,
        y_val,
        config.with_overrides([f"epochs={epochs + 1}"]),
        vocab_size=vocab,
        num_classes=classes,
        listener=listener,
    )
    if result.status != "completed":
        raise SystemExit(f"train() ended {result.status}: {result.message}")
    return _per_epoch(listener.epoch_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--val-docs", type=int, default=200)
    parser.add_argument("--maxlen", type=int, default=200)
    parser.add_argument("--vocab", type=int, default=5000)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="bare/train() pairs")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per run")
    args = parser.parse_args()

    x, y = synthetic(args.docs + args.val_docs, args.maxlen, args.vocab, args.classes)
    data = (x[: args.docs], y[: args.docs], x[args.docs :], y[args.docs :])
    config = TrainConfig(
        maxlen=args.maxlen, max_words=args.vocab, units=args.units, patience=0, epochs=1
    )
    print(
        f"data: {args.docs} train + {args.val_docs} val docs x maxlen {args.maxlen}, "
        f"vocab {args.vocab}, {args.classes} classes; model: "
        f"{'Bi' if config.bidirectional else ''}{config.architecture.upper()}({config.units}), "
        f"pooling {config.pooling}, batch {config.batch_size}"
    )
    bare: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    for round_ in range(args.rounds):
        runs = (
            (bare_fit_epochs, train_epochs) if round_ % 2 == 0 else (train_epochs, bare_fit_epochs)
        )
        timings = {run: run(config, data, args.vocab, args.classes, args.epochs) for run in runs}
        bare_round, ours_round = timings[bare_fit_epochs], timings[train_epochs]
        bare += bare_round
        ours += ours_round
        print(
            f"round {round_ + 1}: bare fit {_median(bare_round, 0):.3f} s/epoch "
            f"(cpu {_median(bare_round, 1):.3f}), "
            f"train() {_median(ours_round, 0):.3f} s/epoch (cpu {_median(ours_round, 1):.3f})",
            flush=True,
        )
    for label, index in (("wall", 0), ("cpu", 1)):
        bare_median, ours_median = _median(bare, index), _median(ours, index)
        ratio = ours_median / bare_median
        verdict = "met" if ratio <= 1.05 else "NOT met"
        print(
            f"{label:4}: bare fit {bare_median:.3f} s/epoch, train()+listener "
            f"{ours_median:.3f} s/epoch, ratio {ratio:.3f} (goal <= 1.05: {verdict})"
        )
    steps = -(-args.docs // config.batch_size)
    per_call = bridge_call_cost()
    share = 100 * per_call * steps / _median(bare, 0)
    print(
        f"listener bridge: {1e6 * per_call:.2f} us per batch x {steps} batches "
        f"= {share:.4f} % of a bare epoch"
    )


def _median(pairs: list[tuple[float, float]], index: int) -> float:
    return statistics.median(pair[index] for pair in pairs)


if __name__ == "__main__":
    main()
