"""Accuracy of a recipe against the built-in linear baseline, over seeds, on real corpora.

For each seed, trains ``TrainConfig`` (recommended preset, or ``--preset``, plus ``--set``
overrides) with ``run_training`` on the corpus (bundled GloVe vectors, nothing saved) and
records, on that seed's split: the model's test accuracy and macro F1, its validation
accuracy and loss at the kept epoch (the only figures to choose recipes by), the linear
baseline's test figures, and the wall time of the run. One JSON line per run goes to
``--log``; ``--table`` prints a Markdown summary (mean +- sd over seeds) of a log.

    python bench/bench_accuracy.py --corpus ../shared/data/bbc --seeds 0 1 2 \\
        --set wide_ngrams=2 --label wide2 --log /tmp/bl/runs.jsonl
    python bench/bench_accuracy.py --table /tmp/bl/runs.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _epoch_printer() -> object:
    from workbench.core import TrainingListener

    class EpochPrinter(TrainingListener):
        def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
            shown = " ".join(f"{k} {v:.4f}" for k, v in logs.items())
            print(f"  epoch {epoch + 1}: {shown} ({time.strftime('%H:%M:%S')})", file=sys.stderr)

    return EpochPrinter()


def run(args: argparse.Namespace) -> None:
    from workbench.core import PRESETS, load_corpus, run_training

    corpus, _ = load_corpus(args.corpus)
    base = PRESETS[args.preset].with_overrides(args.set)
    for seed in args.seeds:
        config = base.with_overrides([f"seed={seed}"])
        start = time.perf_counter()
        result = run_training(
            corpus,
            config,
            vectors=args.vectors,
            save=bool(args.save),
            out_dir=args.save,
            name=f"{args.label}-{Path(args.corpus).name}-seed{seed}" if args.save else None,
            listener=_epoch_printer(),
        )
        elapsed = time.perf_counter() - start
        ev = result.evaluation
        best = result.train.best_epoch
        history = result.train.history
        row = {
            "label": args.label,
            "corpus": Path(args.corpus).name,
            "seed": seed,
            "set": args.set,
            "status": result.train.status,
            "accuracy": ev.accuracy if ev else None,
            "macro_f1": ev.macro_f1 if ev else None,
            "val_accuracy": history["val_accuracy"][best] if best is not None else None,
            "val_loss": history["val_loss"][best] if best is not None else None,
            "best_epoch": None if best is None else best + 1,
            "epochs_run": result.train.epochs_run,
            "elapsed_s": round(elapsed, 1),
            "baseline": result.baseline.to_dict() if result.baseline else None,
            "parts": result.parts,  # wide and deep: each part alone on the test split
            "wide": result.provenance.get("wide"),
            "averaged": result.provenance.get("averaged_epochs"),
            "bundle": str(result.bundle_path) if result.bundle_path else None,
        }
        print(json.dumps(row), flush=True)
        if args.log:
            with open(args.log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(row) + "\n")


def _stats(values: list[float]) -> str:
    if not values:
        return "-"
    mean = statistics.fmean(values) * 100
    sd = statistics.stdev(values) * 100 if len(values) > 1 else 0.0
    return f"{mean:.2f} +- {sd:.2f}"


def table(path: str) -> None:
    from workbench.core import PART_ROWS

    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["corpus"], row["label"]), []).append(row)
    print(
        "| corpus | recipe | seeds | val acc (recurrent part) | val acc (fused) | test acc "
        "| test macro F1 | recurrent part alone | n-gram part alone | baseline acc "
        "| baseline F1 | wins | min/run |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (corpus, label), items in groups.items():
        base = [r["baseline"] for r in items if r.get("baseline")]
        # wide and deep: what choices are judged by, and each part alone on the test split
        fused = [
            r["wide"]["val_accuracy"] for r in items if (r.get("wide") or {}).get("val_accuracy")
        ]
        parts = {
            key: [r["parts"][key]["accuracy"] for r in items if (r.get("parts") or {}).get(key)]
            for key in PART_ROWS
        }
        wins = sum(
            1 for r in items if r.get("baseline") and r["accuracy"] > r["baseline"]["accuracy"]
        )
        minutes = statistics.fmean(r["elapsed_s"] for r in items) / 60
        print(
            f"| {corpus} | {label} | {','.join(str(r['seed']) for r in items)} "
            f"| {_stats([r['val_accuracy'] for r in items if r['val_accuracy'] is not None])} "
            f"| {_stats(fused)} "
            f"| {_stats([r['accuracy'] for r in items if r['accuracy'] is not None])} "
            f"| {_stats([r['macro_f1'] for r in items if r['macro_f1'] is not None])} "
            f"| {_stats(parts['recurrent'])} | {_stats(parts['ngrams'])} "
            f"| {_stats([b['accuracy'] for b in base])} | {_stats([b['macro_f1'] for b in base])} "
            f"| {wins}/{len(items)} | {minutes:.1f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="corpus folder (e.g. ../shared/data/bbc)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--preset", default="recommended")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--vectors", default="bundled")
    parser.add_argument("--label", default="recipe", help="name of the recipe in the table")
    parser.add_argument("--log", help="append one JSON line per run to this file")
    parser.add_argument("--save", metavar="DIR", help="keep each run's bundle in this folder")
    parser.add_argument("--table", metavar="LOG", help="print the Markdown summary of a log")
    args = parser.parse_args(argv)
    if args.table:
        table(args.table)
        return 0
    if not args.corpus:
        parser.error("--corpus is required (or --table LOG)")
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
