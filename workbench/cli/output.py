"""Plain-text tables and JSON output for the command line."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def to_jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays, paths, tuples and NaN made JSON-safe."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy array or scalar
        return to_jsonable(value.tolist())
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def dumps(value: Any) -> str:
    """One line of JSON for ``value``."""
    return json.dumps(to_jsonable(value), ensure_ascii=False)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A left/right aligned text table: text columns left, numbers right."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], len(text))
    numeric = [
        bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
        for i in range(len(headers))
    ]

    def fmt(row: Sequence[str]) -> str:
        parts = [
            text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i])
            for i, text in enumerate(row)
        ]
        return "  ".join(parts).rstrip()

    lines = [fmt(list(headers)), fmt(["-" * w for w in widths])]
    lines.extend(fmt(row) for row in cells)
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def per_class_table(per_class: Mapping[str, Mapping[str, float]]) -> str:
    """Precision, recall, F1 and support per class."""
    rows = []
    for name, m in per_class.items():
        support = m.get("support")
        rows.append(
            [
                name,
                m.get("precision"),
                m.get("recall"),
                m.get("f1"),
                int(support) if support is not None else None,
            ]
        )
    return table(["class", "precision", "recall", "f1", "support"], rows)


def confusion_table(class_names: Sequence[str], confusion: Sequence[Sequence[int]]) -> str:
    """Rows are true classes, columns predicted classes."""
    headers = ["true \\ predicted", *class_names]
    rows = [
        [name, *[int(v) for v in row]] for name, row in zip(class_names, confusion, strict=False)
    ]
    return table(headers, rows)


def metrics_summary(accuracy: float | None, macro_f1: float | None) -> str:
    """``"accuracy 0.9820  macro F1 0.9815"`` (dashes for missing values)."""
    return f"accuracy {_cell(accuracy)}  macro F1 {_cell(macro_f1)}"


def counts_table(counts: Mapping[str, int]) -> str:
    """Documents per class with their share."""
    total = sum(counts.values()) or 1
    rows = [[name, int(n), f"{100 * n / total:.1f}%"] for name, n in counts.items()]
    return table(["class", "documents", "share"], rows)


def shorten(text: str, width: int = 70) -> str:
    """``text`` on one line, cut to ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
