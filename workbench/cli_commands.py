"""The ``train``, ``evaluate`` and ``config`` commands (and helpers shared by all).

Each ``cmd_*`` takes the parsed arguments and returns the exit code; expected
problems are raised as :class:`~workbench.core.errors.WorkbenchError` and
turned into one line by :func:`workbench.cli.main`.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, UsageError
from workbench.cli_classify import cmd_classify
from workbench.cli_format import (
    confusion_table,
    dumps,
    metrics_summary,
    per_class_table,
    shorten,
    table,
)
from workbench.cli_inspect import cmd_inspect

if TYPE_CHECKING:
    from workbench.core.config import TrainConfig
    from workbench.core.corpus import Corpus, ImportReport
    from workbench.core.pipeline import RunResult

__all__ = ["cmd_classify", "cmd_config", "cmd_evaluate", "cmd_inspect", "cmd_train"]


def load_config(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig from ``--config``/``--preset`` plus every ``--set``."""
    from workbench.core.config import PRESETS, TrainConfig
    from workbench.core.errors import ConfigError

    config_path = getattr(args, "config", None)
    if config_path:
        config = TrainConfig.from_toml(Path(config_path))
    else:
        preset = getattr(args, "preset", None) or "recommended"
        if preset not in PRESETS:
            raise ConfigError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
        config = PRESETS[preset]
    sets = list(getattr(args, "sets", None) or [])
    return config.with_overrides(sets) if sets else config


def load_corpus_arg(
    args: argparse.Namespace, path: str, *, progress: Any = None, cancel: Any = None
) -> tuple[Corpus, ImportReport]:
    """Load ``path`` with the command's --format/--text-column/--label-column."""
    from workbench.core.corpus import load_corpus

    return load_corpus(
        path,
        format=getattr(args, "format", "auto") or "auto",
        text_columns=getattr(args, "text_columns", None) or None,
        label_column=getattr(args, "label_column", None),
        progress=progress,
        cancel=cancel,
    )


def vectors_arg(value: str | None) -> str | None:
    """``--vectors`` as run_training wants it: None for 'none', else the source."""
    from workbench.core.errors import VectorsError

    if value is None or value.strip().lower() == "none":
        return None
    if value.strip().lower() == "bundled":
        return "bundled"
    if not Path(value).exists():
        raise VectorsError(f"vectors file not found: {value}")
    return value


def corpus_dict(corpus: Corpus, report: ImportReport) -> dict[str, Any]:
    """A short JSON description of a loaded corpus."""
    return {
        "source": str(corpus.source),
        "format": corpus.format,
        "documents": len(corpus),
        "class_counts": dict(corpus.class_counts()),
        "skipped": len(report.skipped),
        "warnings": len(report.warnings),
    }


# --------------------------------------------------------------------- train


def train_result_dict(result: RunResult, corpus: Corpus, report: ImportReport) -> dict[str, Any]:
    """The JSON object ``train --json`` prints (RunResult.to_dict() plus guarantees)."""
    data = dict(result.to_dict())
    ev = result.evaluation
    data["status"] = result.train.status
    data["accuracy"] = ev.accuracy if ev is not None else None
    data["macro_f1"] = ev.macro_f1 if ev is not None else None
    data["per_class"] = ev.per_class if ev is not None else {}
    data["bundle"] = str(result.bundle_path) if result.bundle_path is not None else None
    data["best_epoch"] = result.train.best_epoch
    data["epochs_run"] = result.train.epochs_run
    data["history"] = result.train.history
    data["message"] = result.train.message
    data["corpus"] = corpus_dict(corpus, report)
    return data


def _print_train_summary(result: RunResult, data: dict[str, Any], report: ImportReport) -> None:
    tr = result.train
    print(f"corpus: {data['corpus']['source']} ({data['corpus']['format']}): {report.summary()}")
    if report.skipped:
        print("        run 'workbench inspect' on the corpus to see the skipped items")
    sizes = (data.get("splits") or {}).get("sizes") or {}
    if sizes:
        print("split: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    best = f", best epoch {tr.best_epoch + 1}" if tr.best_epoch is not None else ""
    print(f"status: {tr.status} after {tr.epochs_run} epoch(s){best}, {tr.elapsed_s:.1f} s")
    if tr.message and tr.status != "completed":
        print(f"        {tr.message}")
    cov = result.coverage
    if cov is not None:
        print(
            f"vectors: cover {cov.vocab_share:.1%} of the vocabulary, "
            f"{cov.token_share:.1%} of the tokens"
        )
    ev = result.evaluation
    if ev is not None:
        print(f"test {metrics_summary(ev.accuracy, ev.macro_f1)}")
        print(per_class_table(ev.per_class))
    else:
        print("no test metrics (no epoch finished)")
    if data["bundle"]:
        print(f"bundle saved to: {data['bundle']}")
    else:
        print("no bundle saved")


def cmd_train(args: argparse.Namespace) -> int:
    """``workbench train``: load, split, train, evaluate and save a bundle."""
    from workbench.cli_progress import PhaseProgress, StatusLine, TrainProgress, sigint_sets
    from workbench.core.pipeline import run_training

    config = load_config(args)
    vectors = vectors_arg(args.vectors)
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out must be a folder, got the file {args.out}")
    line = StatusLine(sys.stderr)
    cancel = threading.Event()

    def first_interrupt() -> None:
        line.println("stopping after this batch, keeping the best model (Ctrl-C again to abort)")

    with sigint_sets(cancel, first_interrupt):
        corpus, report = load_corpus_arg(
            args, args.corpus, progress=PhaseProgress(line), cancel=cancel
        )
        result = run_training(
            corpus,
            config,
            vectors=vectors,
            listener=TrainProgress(line),
            cancel=cancel,
            progress=PhaseProgress(line),
            out_dir=args.out,
            name=args.name,
        )
    line.clear()
    data = train_result_dict(result, corpus, report)
    if args.json:
        print(dumps(data), flush=True)
    else:
        _print_train_summary(result, data, report)
    status = result.train.status
    if status == "failed":
        print(f"workbench: error: training failed: {result.train.message}", file=sys.stderr)
        return EXIT_ERROR
    if getattr(result, "save_error", None):
        print(f"workbench: error: {result.save_error}", file=sys.stderr)
        return EXIT_ERROR
    if status == "cancelled":
        return EXIT_INTERRUPTED
    return EXIT_OK


# ------------------------------------------------------------------ evaluate


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``workbench evaluate``: score a saved bundle on a labelled corpus."""
    from workbench.cli_progress import PhaseProgress, StatusLine
    from workbench.core.bundle import read_bundle_info
    from workbench.core.pipeline import evaluate_bundle

    bundle_info = read_bundle_info(args.bundle)  # fails fast, without TensorFlow
    line = StatusLine(sys.stderr)
    corpus, report = load_corpus_arg(args, args.corpus, progress=PhaseProgress(line))
    evaluation = evaluate_bundle(args.bundle, corpus, progress=PhaseProgress(line))
    line.clear()
    if args.json:
        data = {"bundle": str(args.bundle), "corpus": corpus_dict(corpus, report)}
        data.update(evaluation.to_dict())
        print(dumps(data))
        return EXIT_OK
    print(f"bundle: {bundle_info.name} ({args.bundle})")
    print(f"corpus: {corpus.source} ({corpus.format}): {report.summary()}")
    if corpus.splits is not None and "test" in corpus.splits:
        print("        evaluated on its predefined test split")
    print(
        f"{metrics_summary(evaluation.accuracy, evaluation.macro_f1)}"
        f"  weighted F1 {evaluation.weighted_f1:.4f}"
    )
    print()
    print(per_class_table(evaluation.per_class))
    print()
    print(confusion_table(evaluation.class_names, evaluation.confusion))
    wrong = evaluation.misclassified[:5]
    if wrong:
        print()
        print("most confident mistakes:")
        rows = [
            [
                m.get("true"),
                m.get("predicted"),
                m.get("confidence"),
                shorten(str(m.get("text")), 60),
            ]
            for m in wrong
        ]
        print(table(["true", "predicted", "confidence", "text"], rows))
    return EXIT_OK


# -------------------------------------------------------------------- config


def cmd_config(args: argparse.Namespace) -> int:
    """``workbench config``: print a TOML config (or the list of keys)."""
    from workbench.core.config import TrainConfig

    config = load_config(args)
    if args.keys:
        values = config.to_dict()
        helps = TrainConfig.field_help()
        if args.json:
            keys = {k: {"value": values.get(k), "help": helps.get(k, "")} for k in values}
            print(dumps(keys))
        else:
            print(
                table(
                    ["key", "value", "meaning"],
                    [[k, str(v), helps.get(k, "")] for k, v in values.items()],
                )
            )
        return EXIT_OK
    if args.json:
        print(dumps(config.to_dict()))
    else:
        print(config.to_toml().rstrip("\n"))
    return EXIT_OK
