"""A sweep's cost beyond training: a 4-trial sweep against 4 separate runs of the same configs.

Both sides train the same four configs (grid over ``units``) on the same tiny
corpus, in this process, without vectors. The separate runs call ``run_training``
with no store and no listener (the training itself); the sweep goes through
``SweepRunner`` (planning, the store: run rows, every epoch and the batch curve,
events). Order: separate, sweep, separate, sweep... (``--rounds``), so drift hits
both (odd rounds run the sweep first); the first, tracing-heavy round is
reported but left out of the medians. Prints the median seconds per trial of
each and the overhead per trial, and - steadier on a shared machine - the time
the sweep spent in the run store itself (every store call timed), per trial,
and the process CPU time of each side.

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


def _timed(method, spent: list[float]):
    def wrapper(*args, **kwargs):
        clock = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - clock

    return wrapper


STORE_CALLS = ("begin_run", "add_epoch", "add_batches", "update_run", "begin_sweep", "finish_sweep")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    corpus = make_corpus(args.docs)
    base = TrainConfig(maxlen=40, embedding_dim=16, epochs=args.epochs, patience=0, batch_size=16)
    separate: list[float] = []
    swept: list[float] = []
    in_store: list[float] = []
    cpu = {"separate": [], "sweep": []}  # process CPU seconds per trial (all threads)

    def run_separate() -> None:
        with tempfile.TemporaryDirectory() as out:
            clock, used = time.perf_counter(), time.process_time()
            for units in UNITS:
                config = dataclasses.replace(base, units=units)
                run_training(corpus, config, vectors=None, out_dir=out)
            separate.append((time.perf_counter() - clock) / len(UNITS))
            cpu["separate"].append((time.process_time() - used) / len(UNITS))

    def run_sweep() -> None:
        with tempfile.TemporaryDirectory() as out, RunStore(out) as store:
            spent = [0.0]
            for name in STORE_CALLS:  # time every write the sweep makes
                setattr(store, name, _timed(getattr(store, name), spent))
            spec = SweepSpec(grid={"units": UNITS})
            clock, used = time.perf_counter(), time.process_time()
            result = SweepRunner(store, corpus, base, spec, vectors=None, out_dir=out).run()
            swept.append((time.perf_counter() - clock) / len(UNITS))
            cpu["sweep"].append((time.process_time() - used) / len(UNITS))
            in_store.append(spent[0] / len(UNITS))
            assert [t.status for t in result.trials] == ["completed"] * len(UNITS)

    for round_ in range(args.rounds):
        for step in (run_sweep, run_separate) if round_ % 2 else (run_separate, run_sweep):
            step()
        print(
            f"round {round_ + 1}: separate {separate[-1]:.2f} s/trial, "
            f"sweep {swept[-1]:.2f} s/trial (CPU {cpu['separate'][-1]:.2f} vs "
            f"{cpu['sweep'][-1]:.2f} s/trial), in the store {1000 * in_store[-1]:.1f} ms/trial"
        )
    steady_sep, steady_sweep = separate[1:] or separate, swept[1:] or swept
    a, b = statistics.median(steady_sep), statistics.median(steady_sweep)
    store_s = statistics.median(in_store)
    c_sep = statistics.median(cpu["separate"][1:] or cpu["separate"])
    c_sweep = statistics.median(cpu["sweep"][1:] or cpu["sweep"])
    print(
        f"process CPU (rounds 2..): separate {c_sep:.2f} s/trial, sweep {c_sweep:.2f} s/trial, "
        f"overhead {100 * (c_sweep - c_sep) / c_sep:+.1f} % per trial"
    )
    print(
        f"median (rounds 2..): separate {a:.2f} s/trial, sweep {b:.2f} s/trial, "
        f"overhead {100 * (b - a) / a:+.1f} % per trial; in the run store "
        f"{1000 * store_s:.1f} ms/trial ({100 * store_s / b:.2f} % of a trial)"
    )


if __name__ == "__main__":
    main()
