"""Training speed with and without length-grouped batches (``length_batches``).

Trains the recommended recurrent model (no word vectors: the embedding width is the
same 50) on a corpus's training split for a few epochs with ``length_batches`` off and
on (on: for each ``--rungs`` count of batch widths), alternating the settings round by
round to cancel drift, and prints for each the median seconds of an epoch after the
first (the first traces and compiles), the first epoch's seconds, the share of
recurrent steps fed, and the ratio of epoch times against off. The validation loss
after the last epoch is printed as a sanity check only (accuracy figures are
``bench_accuracy.py``'s job).

    python bench/bench_length_batches.py --corpus ../shared/data/20news-bydate \
        [--epochs 3] [--rounds 1] [--rungs 8 50] [--docs N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from workbench.core import (
    Tokenizer,
    TrainConfig,
    TrainingListener,
    load_corpus,
    split_corpus,
    train,
)
from workbench.core.learning import training


def _encode(corpus_path: str, config: TrainConfig, docs: int | None):
    corpus, _ = load_corpus(corpus_path)
    splits = split_corpus(
        corpus, val_fraction=config.val_fraction, test_fraction=config.test_fraction, seed=0
    )
    texts, labels = list(splits.train.texts), list(splits.train.labels)
    if docs:
        texts, labels = texts[:docs], labels[:docs]
    tokenizer = Tokenizer(max_words=config.max_words, maxlen=config.maxlen).fit(texts)
    names = list(corpus.class_names)
    x = tokenizer.encode(texts, maxlen=config.maxlen)
    y = np.array([names.index(label) for label in labels], dtype=np.int32)
    x_val = tokenizer.encode(splits.valid.texts, maxlen=config.maxlen)
    y_val = np.array([names.index(label) for label in splits.valid.labels], dtype=np.int32)
    return x, y, x_val, y_val, tokenizer.vocab_size, len(names)


def _step_share(x: np.ndarray, read: int, rungs: int) -> float:
    """Recurrent steps fed with grouped batches, as a share of ``read`` per document."""
    widths = training.rung_widths(training.token_widths(x, read), read, rungs)
    return float(widths.sum()) / (read * len(x))


class _EpochClock(TrainingListener):
    def __init__(self) -> None:
        self.ends: list[float] = []

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self.ends.append(time.perf_counter())

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.ends.append(time.perf_counter())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1, help="rounds over all settings")
    parser.add_argument("--rungs", type=int, nargs="+", default=[8], help="width counts")
    parser.add_argument("--docs", type=int, default=None, help="first N training documents")
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        print(f"skipped: {args.corpus} not found")
        return 0

    base = TrainConfig(epochs=args.epochs, patience=0, average_epochs=1)
    x, y, x_val, y_val, vocab, classes = _encode(args.corpus, base, args.docs)
    read = min(base.rnn_maxlen or base.maxlen, base.maxlen)
    print(f"{args.corpus}: {len(x)} training documents, {len(x_val)} validation, read {read}")
    settings: list[int | None] = [None, *args.rungs]
    epoch_s: dict[int | None, list[float]] = {key: [] for key in settings}
    first_s: dict[int | None, list[float]] = {key: [] for key in settings}
    for round_index in range(args.rounds):
        for rungs in settings if round_index % 2 == 0 else settings[::-1]:
            config = dataclasses.replace(base, length_batches=rungs is not None)
            if rungs is not None:
                training.WIDTH_RUNGS = rungs
            clock = _EpochClock()
            result = train(
                x, y, x_val, y_val, config, vocab_size=vocab, num_classes=classes, listener=clock
            )
            if result.status not in ("completed", "early_stopped"):
                print(f"rungs={rungs}: {result.status}: {result.message}")
                return 1
            times = np.diff(clock.ends)
            first_s[rungs].append(float(times[0]))
            epoch_s[rungs].extend(float(t) for t in times[1:])
            share = 1.0 if rungs is None else _step_share(x, read, rungs)
            print(
                f"{'off' if rungs is None else f'on, {rungs} widths':>14}: epochs "
                f"{' '.join(f'{t:.1f}' for t in times)} s, steps fed {100 * share:.1f} %, "
                f"val_loss {result.history['val_loss'][-1]:.4f}"
            )
            sys.stdout.flush()
    off = statistics.median(epoch_s[None]) if epoch_s[None] else float("nan")
    for rungs in settings:
        median = statistics.median(epoch_s[rungs]) if epoch_s[rungs] else float("nan")
        name = "off" if rungs is None else f"on, {rungs} widths"
        first = statistics.median(first_s[rungs])
        print(
            f"{name:>14}: median epoch {median:.1f} s (first {first:.1f} s), "
            f"{off / median:.2f}x the speed of off"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
