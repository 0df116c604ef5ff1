"""``workbench train``: load, split, train, evaluate and save a bundle."""

from __future__ import annotations

import argparse
import functools
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    corpus_dict,
    load_config,
    load_corpus_arg,
    ray_address_arg,
    report_lines,
    run_vectors_arg,
)
from workbench.cli.output import dumps, metrics_summary, per_class_table, to_jsonable

if TYPE_CHECKING:
    from workbench.core import Corpus, ImportReport, RunResult


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
    data["devices"] = dict(result.train.devices)
    data["documents_per_s"] = result.train.documents_per_s
    data["corpus"] = corpus_dict(corpus, report)
    data["baseline"] = result.baseline.to_dict() if result.baseline is not None else None
    data["parts"] = result.parts  # wide and deep: each part's own test figures
    return data


def _print_train_summary(result: RunResult, data: dict[str, Any], report: ImportReport) -> None:
    from workbench.core import baseline_comparison

    tr = result.train
    print(f"corpus: {data['corpus']['source']} ({data['corpus']['format']}): {report.summary()}")
    for line in report_lines(report):
        print(f"        {line}")
    if report.skipped:
        print("        run 'workbench inspect' on the corpus to see the skipped items")
    sizes = (data.get("splits") or {}).get("sizes") or {}
    if sizes:
        print("split: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    best = f", best epoch {tr.best_epoch + 1}" if tr.best_epoch is not None else ""
    if tr.averaged is not None:
        best = f", {tr.averaged.text()}"
    print(f"status: {tr.status} after {tr.epochs_run} epoch(s){best}, {tr.elapsed_s:.1f} s")
    if tr.message and tr.status != "completed":
        print(f"        {tr.message}")
    vectors = result.vectors_report
    if vectors is not None:
        print(f"vectors: {vectors.summary()}")
        if vectors.duplicates:
            where = ", ".join(str(n) for n in vectors.duplicate_lines)
            more = ", ..." if vectors.duplicates > len(vectors.duplicate_lines) else ""
            where = f" (line {where}{more})" if where else ""
            print(f"        skipped {vectors.duplicates:,} repeated words{where}")
    _print_devices(result)
    cov = result.coverage
    if cov is not None:
        print(
            f"vectors: cover {cov.vocab_share:.1%} of the vocabulary, "
            f"{cov.token_share:.1%} of the tokens"
        )
    ev = result.evaluation
    if ev is not None:
        print(f"test {metrics_summary(ev.accuracy, ev.macro_f1)}")
        base = result.baseline
        if base is not None:
            print(f"linear baseline {metrics_summary(base.accuracy, base.macro_f1)}")
        config = result.bundle.config if result.bundle is not None else {}
        comparison = baseline_comparison(
            config, ev.accuracy, base, stopped=tr.status == "cancelled", parts=result.parts
        )
        if comparison:
            print(comparison)
        print(per_class_table(ev.per_class))
    else:
        print("no test metrics (no epoch finished)")
    if data["bundle"]:
        print(f"bundle saved to: {data['bundle']}")
    else:
        print("no bundle saved")


def _print_devices(result: RunResult) -> None:
    """Where the run trained, its speed, and why it is off the cuDNN kernel if it is."""
    from workbench.core import cudnn_notes

    tr = result.train
    if tr.devices:
        speed = f", {tr.documents_per_s:.0f} documents/s" if tr.documents_per_s else ""
        print(f"devices: {tr.devices.get('description', '?')}{speed}")
        for note in tr.devices.get("notes", []):
            print(f"        note: {note}")
    for note in cudnn_notes(result.bundle.config) if result.bundle is not None else []:
        print(f"        on a GPU, no fused cuDNN kernel: {note}")


def cmd_train(args: argparse.Namespace) -> int:
    """``workbench train``: load, split, train, evaluate and save a bundle."""
    from workbench.cli.progress import (
        PhaseProgress,
        StatusLine,
        TrainProgress,
        sigint_sets,
        sigterm_sets,
    )
    from workbench.core import EventWriter, run_training, submit_training, train_recorded

    config = load_config(args)
    address = ray_address_arg(args)
    vectors = run_vectors_arg(args, address)
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out must be a folder, got the file {args.out}")
    line = StatusLine(sys.stderr)
    cancel = threading.Event()
    events = EventWriter(sys.stdout) if args.events else None

    def first_interrupt() -> None:
        line.println("stopping after this batch, keeping the best model (Ctrl-C again to abort)")

    remote = args.events or address is not None  # a job, or the client of one
    with sigint_sets(cancel, first_interrupt), sigterm_sets(cancel, enabled=remote):
        corpus, report = load_corpus_arg(
            args, args.corpus, progress=PhaseProgress(line), cancel=cancel
        )
        if getattr(args, "folds", None) is not None:
            return _cross_validate(args, corpus, report, config, vectors, line, cancel)
        options: dict[str, Any] = {
            "vectors": vectors,
            "listener": events if events is not None else TrainProgress(line),
            "cancel": cancel,
            "progress": events.progress if events is not None else PhaseProgress(line),
            "out_dir": args.out,
            "name": args.name,
        }
        if events is not None:  # this process is a job on a cluster: its client records
            result = run_training(corpus, config, **options)
        else:
            runner = run_training
            if address is not None:
                runner = functools.partial(
                    submit_training,
                    address=address,
                    vectors_on_cluster=args.ray_vectors_on_cluster,
                )
            result = train_recorded(
                None,
                corpus,
                config,
                runner=runner,
                source="cli" if address is None else "cli-ray",
                tensorboard=getattr(args, "tensorboard", None),
                **options,
            )
    line.clear()
    data = train_result_dict(result, corpus, report)
    data["run_id"] = result.run_id
    if result.provenance.get("ray_job"):
        data["ray_job"] = result.provenance["ray_job"]
    if events is not None:
        if args.send_bundle and result.bundle_path is not None:
            events.send_bundle(result.bundle_path)
        events.emit("result", result=to_jsonable(data))
    if args.json:
        print(dumps(data), flush=True)
    elif events is None:
        _print_train_summary(result, data, report)
        if data.get("ray_job"):
            print(f"ran on the Ray cluster at {address} as job {data['ray_job']}")
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


def _cross_validate(
    args: argparse.Namespace,
    corpus: Corpus,
    report: ImportReport,
    config: Any,
    vectors: Any,
    line: Any,
    cancel: threading.Event,
) -> int:
    """``train --folds K``: K models on K stratified folds, mean +- sd of the scores."""
    from workbench.cli.progress import PhaseProgress, TrainProgress
    from workbench.core import cross_validate

    if args.folds < 2:
        raise UsageError(f"--folds must be >= 2, got {args.folds}")
    result = cross_validate(
        corpus,
        config,
        args.folds,
        vectors=vectors,
        out_dir=args.out,
        name=args.name,
        source="cli",
        listener_for=lambda fold: TrainProgress(line),
        cancel=cancel,
        progress=PhaseProgress(line),
        tensorboard=getattr(args, "tensorboard", None),
    )
    line.clear()
    folds = result.summary()
    if args.json:
        data = {
            "status": result.status,
            "run_id": result.run_id,
            "corpus": corpus_dict(corpus, report),
            "accuracy": folds["accuracy_mean"],
            "macro_f1": folds["macro_f1_mean"],
            "folds": folds,
        }
        print(dumps(data), flush=True)
    else:
        print(f"corpus: {corpus.source}: {report.summary()}")
        print(f"{folds['k']}-fold cross-validation ({result.status}), run {result.run_id}")
        for fold in folds["per_fold"]:
            print(
                f"  fold {fold['fold']}: {fold['status']}, "
                f"{metrics_summary(fold['accuracy'], fold['macro_f1'])}"
            )
        if folds["accuracy_mean"] is not None:
            print(
                f"accuracy {100 * folds['accuracy_mean']:.2f} "
                f"+- {100 * folds['accuracy_sd']:.2f} %, "
                f"macro F1 {folds['macro_f1_mean']:.4f} +- {folds['macro_f1_sd']:.4f}"
            )
    return EXIT_INTERRUPTED if result.status == "cancelled" else EXIT_OK
