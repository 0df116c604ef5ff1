"""Batch classification for the Classify page: read a folder or CSV, classify, export.

Everything here is plain Python (no Qt) so the worker thread can run it:
:func:`folder_items` / :func:`csv_items` read the inputs, :func:`batch_job` makes
the ``TaskRunner`` job and :func:`write_results_csv` saves the table.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core import CorpusError, WorkbenchError, read_csv_table, read_text_file

if TYPE_CHECKING:
    from workbench.core import Bundle
    from workbench.gui.tasks import TaskContext

CHUNK = 64  # texts classified between progress reports / cancel checks


@dataclass(frozen=True)
class BatchItem:
    """One text to classify and where it came from ("news/a.txt", "line 12")."""

    source: str
    text: str


@dataclass
class BatchRow:
    """One classified text."""

    source: str
    label: str
    confidence: float
    probabilities: dict[str, float]
    note: str = ""
    top_words: str = ""  # the strongest words for the predicted class ("" unless explained)


@dataclass
class BatchResult:
    """Classified rows plus the inputs that could not be read."""

    rows: list[BatchRow]
    class_names: list[str]
    skipped: list[str] = field(default_factory=list)  # "path: reason"
    explained: bool = False  # rows carry top_words


def folder_items(folder: str | Path) -> tuple[list[BatchItem], list[str]]:
    """Every ``.txt`` file under ``folder`` (sorted), and the unreadable ones with reasons."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"{folder}: not a folder")
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".txt")
    if not paths:
        raise CorpusError(f"{folder}: no .txt files found")
    items: list[BatchItem] = []
    skipped: list[str] = []
    for path in paths:
        name = path.relative_to(folder).as_posix()
        try:
            text, _ = read_text_file(path)
        except CorpusError as exc:
            skipped.append(f"{name}: {getattr(exc, 'reason', exc)}")
            continue
        items.append(BatchItem(name, text))
    return items, skipped


def csv_items(path: str | Path, column: str) -> list[BatchItem]:
    """The ``column`` cell of every data row, labelled "line N" (the row's first file line)."""
    table = read_csv_table(path)
    cells = table.column(column)
    items = [
        BatchItem(f"line {line}", cell) for (line, _), cell in zip(table.rows, cells, strict=True)
    ]
    if not items:
        raise CorpusError(f"{path}: no data rows")
    return items


def classify_items(
    bundle: Bundle,
    items: Sequence[BatchItem],
    ctx: TaskContext | None = None,
    *,
    explain: bool = False,
) -> list[BatchRow]:
    """Classify ``items`` in chunks, reporting progress and honouring cancel via ``ctx``;
    with ``explain``, each row also gets its ``top_words`` (leave one word out)."""
    from workbench.core import Explainer, Predictor, top_words_text

    predictor = Predictor(bundle)
    explainer = Explainer(predictor) if explain else None
    rows: list[BatchRow] = []
    for start in range(0, len(items), CHUNK):
        if ctx is not None:
            ctx.check_cancelled()
            ctx.progress(start / len(items), f"Classifying {start}/{len(items)}")
        chunk = items[start : start + CHUNK]
        for item, prediction in zip(
            chunk, predictor.classify([item.text for item in chunk]), strict=True
        ):
            top_words = ""
            if explainer is not None:
                if ctx is not None:
                    ctx.check_cancelled()
                top_words = top_words_text(explainer.explain(item.text))
            rows.append(
                BatchRow(
                    item.source,
                    prediction.label,
                    prediction.confidence,
                    dict(prediction.probabilities),
                    prediction.note,
                    top_words,
                )
            )
    if ctx is not None:
        ctx.progress(1.0, f"Classified {len(rows)} texts")
    return rows


def batch_job(
    bundle: Bundle,
    load: Callable[[], tuple[list[BatchItem], list[str]]],
    *,
    explain: bool = False,
) -> Callable[[TaskContext], BatchResult]:
    """A job that reads its inputs with ``load()`` and classifies them with ``bundle``
    (``explain``: with each text's top words)."""

    def run(ctx: TaskContext) -> BatchResult:
        ctx.progress(-1, "Reading texts…")
        items, skipped = load()
        ctx.check_cancelled()
        rows = classify_items(bundle, items, ctx, explain=explain)
        return BatchResult(rows, list(bundle.info.class_names), skipped, explained=explain)

    return run


def results_rows(result: BatchResult) -> list[list[object]]:
    """Header and one row per text: source, predicted, confidence, one column per class."""
    header: list[object] = ["source", "predicted", "confidence", *result.class_names, "note"]
    header += ["top_words"] if result.explained else []
    table = [header]
    for row in result.rows:
        probabilities = [f"{row.probabilities.get(name, 0.0):.6f}" for name in result.class_names]
        table.append([row.source, row.label, f"{row.confidence:.6f}", *probabilities, row.note])
        table[-1] += [row.top_words] if result.explained else []
    return table


def write_results_csv(result: BatchResult, path: str | Path) -> Path:
    """Write :func:`results_rows` to ``path`` as CSV."""
    path = Path(path)
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(results_rows(result))
    except OSError as exc:
        raise WorkbenchError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    return path
