"""Benchmark: the built-in baseline on a big generated corpus (time and peak RSS).

Uses the recombined-BBC corpus of ``bench_big_corpus.py`` (generated there and
reused), first ``--docs`` documents, split 80/10/10 in file order. In a child process
per checkout it times:

* ``tokenize``: tokenising every text once, the floor of any feature builder that
  reads the texts (the baseline reads training + validation texts twice, once to
  choose the penalty and once to refit, and every text once more to build rows);
* ``features``: ``TfidfFeatures`` fitted on the training texts, rows of validation
  and test;
* ``baseline``: the whole ``train_baseline`` (features, three penalties, refit,
  test), with its test accuracy and feature count;

and the child's peak RSS (``ru_maxrss``). ``--compare DIR`` runs the same child once
more with ``PYTHONPATH=DIR`` (an older checkout of Workbench), so the two rows come
from one run on one machine.

Usage::

    python bench/bench_baseline.py [--docs 100000] [--compare OLD_CHECKOUT] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_big_corpus import bbc_dir, corpus_file, generate

ROOT = Path(__file__).resolve().parent.parent


def corpus_path(docs: int, data: Path | None) -> Path:
    """The generated 100,000-document corpus (made once, like bench_big_corpus.py)."""
    size = max(docs, 100_000)
    path = corpus_file(size)
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate(path, size, bbc_dir(data))
    return path


def child(path: Path, docs: int) -> dict:
    from workbench.core.learning.baseline import TfidfFeatures, train_baseline
    from workbench.core.text.tokenizer import tokenize

    texts, labels = [], []
    with open(path, encoding="utf-8") as handle:
        for line, _ in zip(handle, range(docs), strict=False):
            record = json.loads(line)
            texts.append(record["text"])
            labels.append(record["label"])
    names = sorted(set(labels))
    y = [names.index(label) for label in labels]
    a, b = int(0.8 * len(texts)), int(0.9 * len(texts))
    parts = {"train": (texts[:a], y[:a]), "valid": (texts[a:b], y[a:b]), "test": (texts[b:], y[b:])}
    figures: dict = {"documents": len(texts)}

    start = time.perf_counter()
    tokens = sum(len(tokenize(text)) for text in texts)
    figures["tokenize_s"] = round(time.perf_counter() - start, 2)
    figures["tokens"] = tokens

    start = time.perf_counter()
    features = TfidfFeatures()
    features.fit_transform(parts["train"][0])
    features.transform(parts["valid"][0])
    features.transform(parts["test"][0])
    figures["features_s"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    result = train_baseline(
        parts["train"][0],
        parts["train"][1],
        parts["test"][0],
        parts["test"][1],
        len(names),
        val_texts=parts["valid"][0],
        y_val=parts["valid"][1],
    )
    figures["baseline_s"] = round(time.perf_counter() - start, 2)
    figures["features"] = result.features
    figures["test_accuracy"] = result.accuracy
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return figures


def run_child(path: Path, docs: int, pythonpath: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(pythonpath), TF_CPP_MIN_LOG_LEVEL="2")
    command = [sys.executable, __file__, "--child", "--corpus", str(path), "--docs", str(docs)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise SystemExit(f"the child failed:\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--compare", type=Path, default=None, help="an older checkout")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.corpus, args.docs)), flush=True)
        return
    path = corpus_path(args.docs, args.data)
    rows = [("this checkout", ROOT)]
    if args.compare is not None:
        rows.insert(0, (f"--compare {args.compare}", args.compare.resolve()))
    print(
        "| code | documents | tokens | tokenize s | features s | baseline s | features "
        "| test acc | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, checkout in rows:
        f = run_child(path, args.docs, checkout)
        print(
            f"| {name} | {f['documents']:,} | {f['tokens']:,} | {f['tokenize_s']} "
            f"| {f['features_s']} | {f['baseline_s']} | {f['features']:,} "
            f"| {f['test_accuracy']:.4f} | {f['peak_rss_mb']:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
