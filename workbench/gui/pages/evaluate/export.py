"""Evaluation export for the Evaluate page: metrics CSV (per class + summary rows)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core import WorkbenchError

if TYPE_CHECKING:
    from workbench.core import Evaluation

METRIC_COLUMNS = ("precision", "recall", "f1", "support")


class ExportError(WorkbenchError):
    """A file could not be written."""


def metrics_rows(evaluation: Evaluation) -> list[list[object]]:
    """Header, one row per class, then ``macro avg``, ``weighted avg`` and ``accuracy`` rows.

    The summary rows follow the usual classification-report layout: the averages
    carry averaged precision/recall and the F1 scores; ``accuracy`` sits in the
    ``f1`` column. ``support`` of a summary row is the number of test documents.
    """
    rows: list[list[object]] = [["class", *METRIC_COLUMNS]]
    for name in evaluation.class_names:
        values = evaluation.per_class.get(name, {})
        support = int(values.get("support", 0))
        rows.append([name, *(_fmt(values.get(key)) for key in METRIC_COLUMNS[:3]), support])
    averages = evaluation.averages()
    for kind in ("macro", "weighted"):
        values = averages[kind]
        rows.append(
            [
                f"{kind} avg",
                *(_fmt(values[key]) for key in METRIC_COLUMNS[:3]),
                int(values["support"]),
            ]
        )
    total = int(averages["macro"]["support"])
    rows.append(["accuracy", "", "", _fmt(evaluation.accuracy), total])
    return rows


def metrics_csv(evaluation: Evaluation) -> str:
    """:func:`metrics_rows` as CSV text."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(metrics_rows(evaluation))
    return buffer.getvalue()


def write_metrics_csv(evaluation: Evaluation, path: str | Path) -> Path:
    """Write :func:`metrics_csv` to ``path``; :class:`ExportError` if it cannot be written."""
    path = Path(path)
    try:
        path.write_text(metrics_csv(evaluation), encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return path


def _fmt(value: object) -> str:
    try:
        return f"{float(value):.4f}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
