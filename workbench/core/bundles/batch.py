"""Batch classification: read many texts (a folder of .txt files or CSV columns),
classify them in chunks with progress and cancel, and write one CSV format.

Both front ends use it: the Classify page's batch tab and ``workbench classify
--csv F --out OUT.csv``. The CSV holds the input's columns, then
``predicted_label``, ``confidence`` and one ``prob_<class>`` column per class.
A CSV input keeps all its columns; a folder input has one input column,
``source`` (the file's path relative to the folder, with ``/``).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from workbench.core.corpora.tables import guess_label_column, read_csv_table
from workbench.core.corpora.textio import read_text_file
from workbench.core.errors import CorpusError, WorkbenchError
from workbench.core.progress import CancelToken, ProgressCallback, check_cancelled

if TYPE_CHECKING:
    from workbench.core.bundles.predict import Prediction, Predictor

__all__ = [
    "BATCH_CHUNK",
    "PREDICTION_COLUMNS",
    "BatchInput",
    "BatchItem",
    "BatchResult",
    "BatchRow",
    "classify_batch",
    "read_csv_batch",
    "read_folder_batch",
]

BATCH_CHUNK = 64
"""Texts classified between two progress reports / cancel checks."""
PREDICTION_COLUMNS = ("predicted_label", "confidence")
TOP_WORDS_COLUMN = "top_words"
"""The columns after the input's, before one ``prob_<class>`` column per class."""
FOLDER_COLUMN = "source"


@dataclass(frozen=True)
class BatchItem:
    """One text to classify.

    ``source`` says where it came from (``"sub/a.txt"``, ``"line 12"``: the
    row's first line in the file), ``cells`` are its input columns as written
    back to the CSV, ``label`` the true label when the input has one.
    """

    source: str
    text: str
    cells: tuple[str, ...] = ()
    label: str | None = None


@dataclass(frozen=True)
class BatchInput:
    """Texts read for batch classification, with the input's column names."""

    origin: Path
    columns: tuple[str, ...]  # the input columns written before the predictions
    items: tuple[BatchItem, ...]
    skipped: tuple[str, ...] = ()  # "name: reason" for inputs that could not be read
    text_columns: tuple[str, ...] = ()  # CSV: the columns joined into each text
    label_column: str | None = None  # CSV: the column holding true labels, if any
    warnings: tuple[str, ...] = ()  # CSV: "line 2: ..." records read with a doubt

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_labels(self) -> bool:
        return self.label_column is not None


def read_folder_batch(folder: str | Path) -> BatchInput:
    """Every ``.txt`` file under ``folder`` (sorted by path); unreadable ones are skipped.

    CorpusError when ``folder`` is not a folder or holds no ``.txt`` file.
    """
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
        items.append(BatchItem(name, text, (name,)))
    return BatchInput(folder, (FOLDER_COLUMN,), tuple(items), tuple(skipped))


def read_csv_batch(
    path: str | Path,
    text_columns: Sequence[str] | None = None,
    *,
    delimiter: str | None = None,
    label_column: str | None = None,
    guess_label: bool = True,
) -> BatchInput:
    """The rows of a CSV/TSV file, each text the ``text_columns`` cells joined by newlines.

    ``text_columns`` defaults to ``["text"]``. The true-label column is
    ``label_column`` if given, else (with ``guess_label``) a column named like
    ``label``/``category``/``class`` that is not a text column. A file with a
    header and no rows gives an empty input. CorpusError names a missing column.
    """
    table = read_csv_table(path, delimiter)
    wanted = tuple(text_columns or ("text",))
    indexes = [table.column_index(name) for name in wanted]
    label_index: int | None = None
    if label_column is not None:
        label_index = table.column_index(label_column)
    elif guess_label:
        label_index = guess_label_column(table.header, exclude=indexes)
    width = len(table.header)
    items = []
    for line, cells in table.rows:
        padded = tuple(cells) + ("",) * (width - len(cells))
        text = "\n".join(padded[i] for i in indexes)
        label = None if label_index is None else padded[label_index].strip()
        items.append(BatchItem(f"line {line}", text, padded, label))
    return BatchInput(
        table.path,
        tuple(table.header),
        tuple(items),
        text_columns=tuple(table.header[i] for i in indexes),
        label_column=None if label_index is None else table.header[label_index],
        warnings=tuple(table.warnings),
    )


@dataclass(frozen=True)
class BatchRow:
    """One classified text: the item and its :class:`Prediction`."""

    item: BatchItem
    prediction: Prediction
    top_words: str | None = None  # the strongest words for the prediction, when explained

    @property
    def label(self) -> str:
        return self.prediction.label

    @property
    def confidence(self) -> float:
        return self.prediction.confidence

    @property
    def probabilities(self) -> dict[str, float]:
        return self.prediction.probabilities

    @property
    def note(self) -> str:
        return self.prediction.note

    @property
    def correct(self) -> bool | None:
        """Whether the prediction matches the true label (None when there is none)."""
        if not self.item.label:
            return None
        return self.item.label == self.label


@dataclass
class BatchResult:
    """Classified rows of one :class:`BatchInput`."""

    input: BatchInput
    class_names: list[str]
    rows: list[BatchRow] = field(default_factory=list)

    @property
    def skipped(self) -> tuple[str, ...]:
        return self.input.skipped

    def accuracy(self) -> float | None:
        """Share of rows with a true label that were predicted right (None if none have one)."""
        judged = [row.correct for row in self.rows if row.correct is not None]
        return sum(judged) / len(judged) if judged else None

    @property
    def explained(self) -> bool:
        """Whether the rows carry their top words (a ``top_words`` column)."""
        return any(row.top_words is not None for row in self.rows)

    def csv_header(self) -> list[str]:
        """Input columns, ``predicted_label``, ``confidence``, ``prob_<class>``...
        (and ``top_words`` when explained)."""
        probs = [f"prob_{name}" for name in self.class_names]
        extra = [TOP_WORDS_COLUMN] if self.explained else []
        return [*self.input.columns, *PREDICTION_COLUMNS, *probs, *extra]

    def csv_rows(self) -> Iterator[list[str]]:
        """One list of cells per row, matching :meth:`csv_header`."""
        explained = self.explained
        for row in self.rows:
            probs = [f"{row.probabilities.get(name, 0.0):.6f}" for name in self.class_names]
            extra = [row.top_words or ""] if explained else []
            yield [*row.item.cells, row.label, f"{row.confidence:.6f}", *probs, *extra]

    def write_csv(self, target: str | Path | IO[str]) -> Path | None:
        """Write the CSV to a path (``"-"``: stdout) or an open text handle.

        Returns the path written (None for a handle or stdout); WorkbenchError
        naming the file when it cannot be written.
        """
        if target == "-":
            self._write(sys.stdout)
            return None
        if not isinstance(target, (str, Path)):
            self._write(target)
            return None
        path = Path(target)
        try:
            with path.open("w", encoding="utf-8", newline="") as handle:
                self._write(handle)
        except OSError as exc:
            raise WorkbenchError(f"{path}: cannot write ({exc.strerror or exc})") from exc
        return path

    def _write(self, handle: IO[str]) -> None:
        writer = csv.writer(handle)
        writer.writerow(self.csv_header())
        writer.writerows(self.csv_rows())


def classify_batch(
    predictor: Predictor,
    batch: BatchInput,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    chunk: int = BATCH_CHUNK,
    top_words: Callable[[str], str] | None = None,
) -> BatchResult:
    """Classify every item of ``batch`` in chunks of ``chunk`` texts.

    ``progress(fraction, "Classifying 64/1000")`` comes before each chunk and
    ``cancel`` is checked there (``Cancelled`` is raised when it is set).
    ``top_words(text)`` (e.g. :func:`workbench.core.batch_top_words`) gives each
    row its strongest words; it is checked for cancel text by text.
    """
    items = batch.items
    result = BatchResult(batch, list(predictor.class_names))
    total = len(items)
    for start in range(0, total, max(1, chunk)):
        check_cancelled(cancel)
        if progress is not None:
            progress(start / total, f"Classifying {start:,}/{total:,}")
        part = items[start : start + max(1, chunk)]
        predictions = predictor.classify([item.text for item in part])
        for item, prediction in zip(part, predictions, strict=True):
            words = None
            if top_words is not None:
                check_cancelled(cancel)
                words = top_words(item.text)
            result.rows.append(BatchRow(item, prediction, words))
    if progress is not None:
        progress(1.0, f"Classified {len(result.rows):,} texts")
    return result
