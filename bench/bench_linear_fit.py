"""Benchmark: one linear fit (``fit_softmax``) on each kind of feature rows a run builds.

A recommended run fits the same L2-penalised softmax regression many times: the
bag-of-n-grams part of wide and deep once per order (words; words and hashed bigrams)
and penalty, then again on training + validation, and the built-in baseline once per
penalty plus its refit. This times one fit of each kind on the training split of
``--corpus`` (the pipeline's split for ``--seed``, the recommended config), and on a
30-document corpus like the tests' (where fixed costs dominate):

* ``wide words``, ``wide words+bigrams``: the rows ``fit_wide`` builds from token ids
  (bigrams hashed into ``wide_buckets`` columns);
* ``baseline``: ``TfidfFeatures`` rows (words and bigrams of min_df 2).

For each: columns, columns some document holds, seconds of the fit (median of
``--repeats``) and a checksum of the weights. ``--compare DIR`` runs the same child once
more with ``PYTHONPATH=DIR`` (an older checkout), so both rows come from one run on one
machine and equal checksums show the fits agree.

Usage::

    python bench/bench_linear_fit.py --corpus ../shared/data/bbc [--compare OLD_CHECKOUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "shares market profit bank investors",
    "minister election party vote",
    "match goal team cup",
)


def tiny_corpus(root: Path) -> Path:
    """30 short documents in 3 folders (the command-line tests' corpus size)."""
    for label, words in zip(("finance", "politics", "sport"), WORDS, strict=True):
        vocab = words.split()
        (root / label).mkdir(parents=True)
        for i in range(10):
            text = " ".join(vocab[(i + k) % len(vocab)] for k in range(6))
            (root / label / f"{i:03d}.txt").write_text(f"News {i}: {text}.\n")
    return root


def child(corpus_path: str, seed: int, l2: float, repeats: int) -> None:
    """Time one fit of each kind; print one JSON line per kind."""
    import numpy as np

    from workbench.core import TrainConfig, load_corpus
    from workbench.core.corpora.split import split_corpus
    from workbench.core.learning import baseline, wide
    from workbench.core.text.tokenizer import Tokenizer

    corpus, _ = load_corpus(corpus_path)
    config = TrainConfig(seed=seed)
    splits = split_corpus(
        corpus, val_fraction=config.val_fraction, test_fraction=config.test_fraction, seed=seed
    )
    index = {name: i for i, name in enumerate(corpus.class_names)}
    y = np.array([index[label] for label in splits.train.labels])
    tokenizer = Tokenizer(
        max_words=config.max_words, min_count=config.min_count, maxlen=config.maxlen
    )
    tokenizer.fit(splits.train.texts)
    x = tokenizer.encode(splits.train.texts, maxlen=config.maxlen)
    counted = wide.TermCounts.count(x, tokenizer.vocab_size, config.wide_buckets)
    words = counted.words(tokenizer.vocab_size)
    kinds = {
        "wide words": words.rows(words.idf()),
        "wide words+bigrams": counted.rows(counted.idf()),
        "baseline": baseline.TfidfFeatures().fit_transform(splits.train.texts),
    }
    for kind, rows in kinds.items():
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            weights, bias = baseline.fit_softmax(rows, y, len(index), l2=l2)
            seconds.append(time.perf_counter() - start)
        digest = hashlib.sha256(weights.tobytes() + bias.tobytes()).hexdigest()[:12]
        row = {
            "kind": kind,
            "documents": rows.shape[0],
            "columns": rows.shape[1],
            "held": len(np.unique(rows.indices)),
            "seconds": round(statistics.median(seconds), 3),
            "weights": digest,
        }
        print(json.dumps(row), flush=True)


def run_child(pythonpath: Path, corpus: str, args: argparse.Namespace) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=str(pythonpath), TF_CPP_MIN_LOG_LEVEL="2")
    command = [sys.executable, __file__, "--child", corpus, "--seed", str(args.seed)]
    command += ["--l2", str(args.l2), "--repeats", str(args.repeats)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child failed ({pythonpath}):\n{done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", required=False, help="a corpus folder (e.g. ../shared/data/bbc)"
    )
    parser.add_argument("--compare", type=Path, help="an older checkout to time the same way")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--l2", type=float, default=1e-5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.seed, args.l2, args.repeats)
        return
    checkouts = [("this checkout", ROOT)]
    if args.compare is not None:
        checkouts.append((f"compare ({args.compare})", args.compare.resolve()))
    with tempfile.TemporaryDirectory() as folder:
        corpora = [("tiny (30 documents)", str(tiny_corpus(Path(folder) / "tiny")))]
        if args.corpus:
            corpora.append((Path(args.corpus).name, args.corpus))
        print("| corpus | checkout | fit | documents | columns | held | s per fit | weights |")
        print("|---|---|---|---|---|---|---|---|")
        for corpus_name, path in corpora:
            for name, checkout in checkouts:
                for row in run_child(checkout, path, args):
                    cells = [
                        corpus_name,
                        name,
                        row["kind"],
                        row["documents"],
                        f"{row['columns']:,}",
                    ]
                    cells += [f"{row['held']:,}", row["seconds"], row["weights"]]
                    print("| " + " | ".join(str(cell) for cell in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
