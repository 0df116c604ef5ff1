"""``workbench runs``: the runs of a models folder, one run, or several compared."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from workbench.cli.common import EXIT_OK, UsageError
from workbench.cli.output import dumps, per_class_table, shorten, table


def open_store(args: argparse.Namespace) -> Any:
    """The run store of ``--models DIR`` (default: the models folder)."""
    from workbench.core import RunStore, default_models_dir

    folder = Path(args.models) if getattr(args, "models", None) else default_models_dir()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--models must be a folder, got the file {folder}")
    return RunStore(folder)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def _run_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except ValueError:
            raise UsageError(f"run ids are numbers, got {value!r}") from None
    return ids


def cmd_runs(args: argparse.Namespace) -> int:
    """``workbench runs [show ID | compare ID ID ...]``."""
    action = args.action or "list"
    ids = _run_ids(list(args.ids or []))
    if action == "list" and ids:
        raise UsageError("'runs' lists every run; use 'runs show ID' for one")
    if action == "show" and len(ids) != 1:
        raise UsageError("'runs show' takes exactly one run id")
    if action == "compare" and len(ids) < 2:
        raise UsageError("'runs compare' takes two or more run ids")
    with open_store(args) as store:
        if action == "show":
            return _show(store, ids[0], args.json)
        if action == "compare":
            return _compare(store, ids, args.json)
        return _list(store, args.json)


def _list(store: Any, as_json: bool) -> int:
    runs = store.list_runs()
    if as_json:
        print(dumps([run.to_dict() for run in runs]), flush=True)
        return EXIT_OK
    if not runs:
        print(f"no runs recorded in {store.path}")
        return EXIT_OK
    rows = [
        [
            run.id,
            _when(run.started),
            run.status,
            run.kind,
            _percent(run.accuracy),
            _percent(run.baseline_accuracy),
            "-" if run.macro_f1 is None else f"{run.macro_f1:.4f}",
            run.epochs_run,
            shorten(run.name, 40),
        ]
        for run in runs
    ]
    headers = ["id", "started", "status", "kind", "accuracy", "baseline", "macro F1", "epochs"]
    print(table([*headers, "name"], rows))
    return EXIT_OK


def _show(store: Any, run_id: int, as_json: bool) -> int:
    from workbench.core import baseline_comparison

    run = store.get_run(run_id)
    data = run.to_dict(full=True)
    if as_json:
        print(dumps(data), flush=True)
        return EXIT_OK
    print(f"run {run.id}: {run.name}")
    print(f"status: {run.status}" + (f" ({run.message})" if run.message else ""))
    print(f"kind: {run.kind}, from {run.source or '?'}, started {_when(run.started)}")
    if run.duration_s is not None:
        print(f"duration: {run.duration_s:.1f} s, {run.epochs_run} epoch(s)")
    print(f"corpus: {run.corpus_path} ({run.corpus_documents} documents, {run.corpus_fingerprint})")
    print(f"vectors: {run.vectors}")
    print(f"bundle: {run.bundle or '-'}")
    print("config: " + ", ".join(f"{k}={v}" for k, v in run.config.items()))
    history = run.history
    if history.get("loss"):
        rows = [
            [
                i + 1,
                *[f"{history[k][i]:.4f}" for k in ("loss", "accuracy", "val_loss", "val_accuracy")],
            ]
            for i in range(len(history["loss"]))
        ]
        print(table(["epoch", "loss", "accuracy", "val_loss", "val_accuracy"], rows))
    metrics = run.metrics or {}
    print(
        f"test accuracy {_percent(run.accuracy)}, "
        f"macro F1 {'-' if run.macro_f1 is None else f'{run.macro_f1:.4f}'}"
    )
    if run.baseline_accuracy is not None:
        f1 = run.baseline_macro_f1
        print(
            f"linear baseline accuracy {_percent(run.baseline_accuracy)}, "
            f"macro F1 {'-' if f1 is None else f'{f1:.4f}'} (same test split)"
        )
    comparison = baseline_comparison(
        run.config, run.accuracy, run.baseline_dict(), parts=metrics.get("parts")
    )
    if comparison:
        print(comparison)
    if metrics.get("per_class"):
        print(per_class_table(metrics["per_class"]))
    folds = (run.extra or {}).get("folds")
    if folds:
        print(
            f"{folds['k']} folds: "
            + ", ".join(_percent(f.get("accuracy")) for f in folds["per_fold"])
        )
    return EXIT_OK


def _compare(store: Any, ids: list[int], as_json: bool) -> int:
    from workbench.core import BASELINE_ROW, PART_ROWS, config_diff

    runs = [store.get_run(run_id) for run_id in ids]
    diff = config_diff([run.config for run in runs])
    if as_json:
        data = {
            "runs": [run.to_dict() for run in runs],
            "config_diff": diff,
            "metrics": [
                {
                    "id": run.id,
                    "accuracy": run.accuracy,
                    "macro_f1": run.macro_f1,
                    "baseline": run.baseline_dict(),
                    "parts": run.part_accuracies(),
                }
                for run in runs
            ],
        }
        print(dumps(data), flush=True)
        return EXIT_OK
    headers = ["", *[f"run {run.id}" for run in runs]]
    rows: list[list[Any]] = [["status", *[run.status for run in runs]]]
    rows.append(["accuracy", *[_percent(run.accuracy) for run in runs]])
    rows.append(["macro F1", *["-" if r.macro_f1 is None else f"{r.macro_f1:.4f}" for r in runs]])
    rows.append([BASELINE_ROW, *[_percent(run.baseline_accuracy) for run in runs]])
    parts = [run.part_accuracies() or {} for run in runs]
    if any(parts):
        rows += [[row, *[_percent(p.get(key)) for p in parts]] for key, row in PART_ROWS.items()]
    rows.append(["epochs run", *[run.epochs_run for run in runs]])
    for key, values in diff.items():
        rows.append([key, *values])
    print(table(headers, rows))
    if not diff:
        print("(the configs are identical)")
    return EXIT_OK
