"""Training speed with and without length-grouped batches (``length_batches``).

Trains the recommended recurrent model (no word vectors: the embedding width is the
same 50) on a corpus's training split for a few epochs with ``length_batches`` off and
on, alternating the two (off, on, on, off, ...) to cancel drift, and prints the
training documents per second of ``fit`` (tracing included; the same for both), the
share of recurrent steps the grouped batches feed, and the ratio on / off. Also the
validation loss after the last epoch of each, as a sanity check (it is not an
accuracy figure: that is ``bench_accuracy.py``'s job).

    python bench/bench_length_batches.py --corpus ../shared/data/20news-bydate \
        [--epochs 1] [--rounds 1] [--docs N]
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

from workbench.core import TrainConfig, Tokenizer, load_corpus, split_corpus, train
from workbench.core.learning.training import WIDTH_STEP, length_grouped, token_widths


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


def _step_share(x: np.ndarray, read: int, batch_size: int) -> float:
    """Recurrent steps fed with grouped batches, as a share of ``read`` per document."""
    widths = token_widths(x, read)
    rng = np.random.default_rng(0)
    fed = 0
    for rows in length_grouped(rng.permutation(len(x)), widths, batch_size, rng):
        width = -(-max(1, int(widths[rows].max())) // WIDTH_STEP) * WIDTH_STEP
        fed += len(rows) * min(width, read)
    return fed / (read * len(x))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="off/on pairs (alternating)")
    parser.add_argument("--docs", type=int, default=None, help="first N training documents")
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        print(f"skipped: {args.corpus} not found")
        return 0

    base = TrainConfig(epochs=args.epochs, patience=0, average_epochs=1)
    x, y, x_val, y_val, vocab, classes = _encode(args.corpus, base, args.docs)
    read = min(base.rnn_maxlen or base.maxlen, base.maxlen)
    print(f"{args.corpus}: {len(x)} training documents, {len(x_val)} validation, read {read}")
    print(f"grouped batches feed {100 * _step_share(x, read, base.batch_size):.1f} % of the steps")
    speeds: dict[bool, list[float]] = {False: [], True: []}
    losses: dict[bool, list[float]] = {False: [], True: []}
    order = [False, True, True, False] * args.rounds
    for grouped in order[: 2 * args.rounds]:
        config = dataclasses.replace(base, length_batches=grouped)
        started = time.perf_counter()
        result = train(
            x, y, x_val, y_val, config, vocab_size=vocab, num_classes=classes
        )
        wall = time.perf_counter() - started
        if result.status not in ("completed", "early_stopped"):
            print(f"length_batches={grouped}: {result.status}: {result.message}")
            return 1
        speeds[grouped].append(result.documents_per_s or float("nan"))
        losses[grouped].append(result.history["val_loss"][-1])
        print(
            f"length_batches={grouped!s:5}: {result.documents_per_s:8.1f} docs/s in fit, "
            f"{wall:6.1f} s in all, val_loss {losses[grouped][-1]:.4f}"
        )
        sys.stdout.flush()
    off, on = statistics.median(speeds[False]), statistics.median(speeds[True])
    print(f"median docs/s: off {off:.1f}, on {on:.1f}; on/off {on / off:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
