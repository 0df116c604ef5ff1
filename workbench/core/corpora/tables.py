"""CSV/TSV files read as tables: header, rows with their file line numbers, the delimiter.

Used where a CSV is not a labelled corpus: the column pickers of the window and
batch classification (window and command line alike).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.arguments import check_path
from workbench.core.corpora.formats.delimited import (
    LABEL_COLUMN_NAMES,
    TEXT_COLUMN_NAMES,
    GluedRows,
    sniff_delimiter,
    unclosed_quote_detail,
)
from workbench.core.corpora.textio import read_head_lines, read_text_file
from workbench.core.errors import CorpusError

__all__ = [
    "CsvTable",
    "guess_label_column",
    "guess_text_column",
    "read_csv_header",
    "read_csv_table",
]

SNIFF_LINES = 50


def _check_delimiter(delimiter: str | None) -> None:
    if delimiter is not None and len(delimiter) != 1:
        raise CorpusError(f"the delimiter must be one character, got {delimiter!r}")


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and data rows; ``rows`` pairs each row with its first file line."""

    path: Path
    delimiter: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    warnings: list[str] = field(default_factory=list)  # "line 2: ..." (an unclosed quote)

    def column_index(self, name: str) -> int:
        """Index of column ``name`` (exact, else any case); CorpusError naming the columns."""
        lowered = [column.lower() for column in self.header]
        if name in self.header:
            return self.header.index(name)
        if name.lower() in lowered:
            return lowered.index(name.lower())
        shown = ", ".join(self.header) or "none"
        raise CorpusError(f"{self.path}: column {name!r} not found (columns: {shown})")

    def column(self, name: str) -> list[str]:
        """The ``name`` cell of every data row ("" where a row is short)."""
        index = self.column_index(name)
        return [cells[index] if index < len(cells) else "" for _, cells in self.rows]


def read_csv_table(path: str | Path, delimiter: str | None = None) -> CsvTable:
    """Read the CSV/TSV at ``path`` (delimiter sniffed among ``, ; tab`` when None).

    Blank records are left out. CorpusError for an empty file, a file without a
    header row, or a record the csv module cannot parse (naming the line).
    """
    path = check_path(path, "path", function="read_csv_table")
    _check_delimiter(delimiter)
    text, _ = read_text_file(path, allow_nul=True)
    if not text.strip():
        raise CorpusError(f"{path}: empty CSV file")
    if delimiter is None:
        delimiter = sniff_delimiter(text.splitlines(keepends=True)[:SNIFF_LINES])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    spans: list[int] = []  # the last line of each record
    line = 0
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line + 1, cells))
                spans.append(reader.line_num)
            line = reader.line_num
    except csv.Error as exc:
        raise CorpusError(f"{path} line {reader.line_num}: not readable as CSV ({exc})") from None
    if not records:
        raise CorpusError(f"{path}: no header row")
    warnings: list[str] = []
    if any("\x00" in cell for _, cells in records for cell in cells):
        kept = [(first, last) for first, last in zip(records, spans, strict=True)]
        kept = [pair for pair in kept if not any("\x00" in cell for cell in pair[0][1])]
        dropped = [first for (first, _), _ in zip(records, spans, strict=True)]
        dropped = sorted(set(dropped) - {first for (first, _), _ in kept})
        warnings += [f"line {line}: NUL byte in the record, left out" for line in dropped]
        records = [record for record, _ in kept]
        spans = [last for _, last in kept]
        if not records:
            raise CorpusError(f"{path}: no header row")
    header = [cell.strip() for cell in records[0][1]]
    glued = GluedRows(len(header), [guess_text_column(header)], delimiter)
    for (first, cells), last in zip(records[1:], spans[1:], strict=True):
        glued.add(first, last, cells)
    warnings += [
        f"line {first}: {unclosed_quote_detail(first, last, swallowed)}"
        for first, last, swallowed in glued.suspects()
    ]
    return CsvTable(
        path=path, delimiter=delimiter, header=header, rows=records[1:], warnings=warnings
    )


def read_csv_header(path: str | Path) -> list[str]:
    """Column names of a CSV/TSV file from its first lines (fast; delimiter sniffed)."""
    lines = read_head_lines(path, limit=20)
    if not lines:
        return []
    delimiter = sniff_delimiter([line + "\n" for line in lines])
    row = next(csv.reader([lines[0]], delimiter=delimiter), [])
    return [name.strip() for name in row]


def guess_text_column(columns: Sequence[str]) -> int:
    """Index of the column most likely to hold the text (0 when nothing fits)."""
    lowered = [column.lower() for column in columns]
    for name in TEXT_COLUMN_NAMES:
        if name in lowered:
            return lowered.index(name)
    return 0


def guess_label_column(columns: Sequence[str], exclude: Sequence[int] = ()) -> int | None:
    """Index of a column named like a label (``label``, ``category``...), not in ``exclude``."""
    lowered = [column.strip().lower() for column in columns]
    for name in LABEL_COLUMN_NAMES:
        if name in lowered and lowered.index(name) not in exclude:
            return lowered.index(name)
    return None
