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
    per_class = evaluation.per_class
    names = list(evaluation.class_names)
    total = 0
    for name in names:
        values = per_class.get(name, {})
        support = int(values.get("support", 0))
        total += support
        rows.append([name, *(_fmt(values.get(key)) for key in METRIC_COLUMNS[:3]), support])

    def average(key: str, weighted: bool) -> float:
        """Mean of ``key`` over classes, weighted by support when ``weighted``."""
        weights = [
            float(per_class.get(n, {}).get("support", 0)) if weighted else 1.0 for n in names
        ]
        values = [float(per_class.get(n, {}).get(key, 0.0)) for n in names]
        total_weight = sum(weights)
        if not total_weight:
            return 0.0
        return sum(v * w for v, w in zip(values, weights, strict=True)) / total_weight

    rows.append(
        [
            "macro avg",
            _fmt(average("precision", False)),
            _fmt(average("recall", False)),
            _fmt(evaluation.macro_f1),
            total,
        ]
    )
    rows.append(
        [
            "weighted avg",
            _fmt(average("precision", True)),
            _fmt(average("recall", True)),
            _fmt(evaluation.weighted_f1),
            total,
        ]
    )
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
