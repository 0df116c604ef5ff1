"""A sweep's cost beyond training: a 4-trial sweep against 4 separate runs of the same configs.

Both sides train the same four configs (grid over ``units``) on the same tiny
corpus, in this process, without vectors. The separate runs call ``run_training``
with no store and no listener (the training itself); the sweep goes through
``SweepRunner`` (planning, the store: run rows, every epoch and the batch curve,
events). Order: separate, sweep, separate, sweep... (``--rounds``), so drift hits
both; the first, tracing-heavy round is kept but reported apart. Prints the
median seconds per trial of each and the overhead per trial.

    python bench/bench_sweep.py [--rounds 3] [--docs 300] [--epochs 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from workbench.core import Corpus, RunStore, SweepRunner, SweepSpec, TrainConfig, run_training

UNITS = (8, 12, 16, 20)


def make_corpus(docs: int) -> Corpus:
    rng = np.random.default_rng(0)
    topics = {
        "business": "bank shares profit market economy firm sales growth investors trade",
        "sport": "match team goal coach season league cup players win final",
        "tech": "phone software chip internet computer users data network mobile web",
    }
    texts, labels = [], []
    for i in range(docs):
        label = list(topics)[i % 3]
        words = [*rng.choice(topics[label].split(), size=20), "the", "a", "of"]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return Corpus.from_documents(texts, labels, source="synthetic", format="memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    corpus = make_corpus(args.docs)
    base = TrainConfig(maxlen=40, embedding_dim=16, epochs=args.epochs, patience=0, batch_size=16)
    separate, swept = [], []
    for round_ in range(args.rounds):
        with tempfile.TemporaryDirectory() as out:
            clock = time.perf_counter()
            for units in UNITS:
                run_training(
                    corpus, dataclasses.replace(base, units=units), vectors=None, out_dir=out
                )
            separate.append((time.perf_counter() - clock) / len(UNITS))
        with tempfile.TemporaryDirectory() as out, RunStore(out) as store:
            clock = time.perf_counter()
            result = SweepRunner(
                store, corpus, base, SweepSpec(grid={"units": UNITS}), vectors=None, out_dir=out
            ).run()
            swept.append((time.perf_counter() - clock) / len(UNITS))
            assert [t.status for t in result.trials] == ["completed"] * len(UNITS)
        print(
            f"round {round_ + 1}: separate {separate[-1]:.2f} s/trial, "
            f"sweep {swept[-1]:.2f} s/trial"
        )
    steady_sep, steady_sweep = separate[1:] or separate, swept[1:] or swept
    a, b = statistics.median(steady_sep), statistics.median(steady_sweep)
    print(f"median (rounds 2..): separate {a:.2f} s/trial, sweep {b:.2f} s/trial, "
          f"overhead {100 * (b - a) / a:+.1f} % per trial")  # fmt: skip


if __name__ == "__main__":
    main()
