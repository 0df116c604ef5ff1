"""What each part of a saved wide-and-deep model contributes, on its own test split.

For each bundle (saved by ``bench_accuracy.py --save DIR`` or the app), re-makes the
run's split of ``--corpus`` from the bundle's config (seed and fractions; a corpus's own
split is taken as it is) and scores its test split three ways:

* ``fused``: the saved model, what the run reported;
* ``recurrent``: the recurrent model nested in the fused graph, alone;
* ``n-grams``: the bag-of-n-grams part alone, ``log p_fused - log p_recurrent`` (the
  fused scores are the recurrent log-probabilities plus the weighted linear ones, so
  this is the linear part's score up to a constant per document).

Prints one JSON line per bundle and a Markdown table of mean +- sd per corpus folder.
A bundle without a nested recurrent model (not wide and deep) is reported and skipped.

    python bench/bench_parts.py --corpus ../shared/data/bbc DIR/*-bbc-seed*
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PARTS = ("fused", "recurrent", "n-grams")


def score(corpus, path: str) -> dict | None:
    """Test accuracy and errors of each part of the bundle at ``path``."""
    import numpy as np

    from workbench.core import load_bundle, split_corpus

    bundle = load_bundle(path)
    config = bundle.config
    nested = [layer for layer in bundle.model.layers if hasattr(layer, "layers")]
    if not nested:
        print(
            f"{path}: not a wide-and-deep model (no nested recurrent model); skipped",
            file=sys.stderr,
        )
        return None
    splits = split_corpus(
        corpus,
        val_fraction=config.val_fraction,
        test_fraction=config.test_fraction,
        seed=config.seed,
    )
    names = list(bundle.info.class_names)
    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[label] for label in splits.test.labels])
    x = bundle.tokenizer.encode(splits.test.texts, maxlen=config.maxlen)
    fused = bundle.model.predict(x, batch_size=256, verbose=0).astype(np.float64)
    recurrent = nested[0].predict(x, batch_size=256, verbose=0).astype(np.float64)
    ngrams = np.log(np.maximum(fused, 1e-300)) - np.log(np.maximum(recurrent, 1e-7))
    row: dict = {"bundle": Path(path).name, "seed": config.seed, "documents": len(y)}
    for part, values in zip(PARTS, (fused, recurrent, ngrams), strict=True):
        wrong = int(np.sum(values.argmax(1) != y))
        row[part] = {"accuracy": 1.0 - wrong / len(y), "errors": wrong}
    return row


def _stats(values: list[float]) -> str:
    mean = statistics.fmean(values) * 100
    sd = statistics.stdev(values) * 100 if len(values) > 1 else 0.0
    return f"{mean:.2f} +- {sd:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, help="the corpus the bundles were trained on")
    parser.add_argument("bundles", nargs="+", help="bundle folders")
    args = parser.parse_args(argv)
    from workbench.core import load_corpus

    corpus, _ = load_corpus(args.corpus)
    rows = [row for path in args.bundles if (row := score(corpus, path)) is not None]
    for row in rows:
        print(json.dumps(row), flush=True)
    if not rows:
        return 1
    cells = [
        f"{_stats([r[p]['accuracy'] for r in rows])} ({sum(r[p]['errors'] for r in rows)})"
        for p in PARTS
    ]
    documents = sum(r["documents"] for r in rows)
    heads = " | ".join(f"{part} (errors)" for part in PARTS)
    print(f"\n| corpus | bundles | test documents | {heads} |")
    print("|---|---|---|" + "---|" * len(PARTS))
    print(f"| {Path(args.corpus).name} | {len(rows)} | {documents:,} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
