"""CSV / TSV corpora: a header row, one or more text columns and one label column."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.corpora.formats.base import (
    ColumnSpec,
    ReadOptions,
    Records,
    join_text_parts,
    normalise_label,
)
from workbench.core.corpora.textio import TextLines
from workbench.core.errors import CorpusError
from workbench.core.progress import CancelToken, ProgressCallback

if TYPE_CHECKING:
    from workbench.core.corpora.report import ImportReport

TEXT_COLUMN_NAMES = ("text", "content", "article", "body", "description")
"""Header names taken as the text column when none is given, in this order."""
TITLE_COLUMN_NAMES = ("title", "headline")
"""A header name among these is put before the text column when none is given."""
LABEL_COLUMN_NAMES = ("label", "category", "class", "target", "topic")
"""Header names taken as the label column when none is given, in this order."""

DELIMITERS = (",", ";", "\t")
_SNIFF_LINES = 50


def sniff_delimiter(lines: Sequence[str], default: str = ",") -> str:
    """Pick the delimiter among ``, ; tab`` that splits ``lines`` most consistently.

    ``lines`` are the file's first lines, each ending in ``"\\n"``. A delimiter
    scores by the share of rows with as many fields as the header, then by the
    header's width; one giving a single column never wins over ``default``.
    """
    best, best_score = default, (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(row) == width for row in rows) / len(rows)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _describe(header: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in header) if header else "none"


def resolve_column(spec: ColumnSpec, header: Sequence[str], path: Path) -> int:
    """The index of a column given by name (exact, then any case) or 0-based index."""
    if isinstance(spec, str):
        if spec in header:
            return header.index(spec)
        lowered = [name.lower() for name in header]
        if spec.strip().lower() in lowered:
            return lowered.index(spec.strip().lower())
        if not spec.strip().isdigit():
            raise CorpusError(
                f"{path}: column {spec!r} not found; available columns: {_describe(header)}"
            )
        spec = int(spec)
    if 0 <= spec < len(header):
        return spec
    raise CorpusError(
        f"{path}: column {spec} not found; the file has {len(header)} columns: {_describe(header)}"
    )


def _find_named(header: Sequence[str], names: Sequence[str]) -> int | None:
    lowered = [name.strip().lower() for name in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def auto_csv_columns(header: Sequence[str]) -> tuple[list[str], str | None]:
    """The columns a load picks by itself: ``(text column names, label column name)``.

    The same names :func:`choose_columns` looks for (``title`` then ``text`` joined, a
    label column); an empty list or None where the header has none.
    """
    found = [_find_named(header, TITLE_COLUMN_NAMES), _find_named(header, TEXT_COLUMN_NAMES)]
    label = _find_named(header, LABEL_COLUMN_NAMES)
    texts = [header[index] for index in found if index is not None and index != label]
    return texts, (header[label] if label is not None else None)


def choose_columns(
    header: Sequence[str], options: ReadOptions, path: Path
) -> tuple[list[int], int]:
    """``(text column indices, label column index)`` from the options or the header names."""
    if options.text_columns:
        text_columns = [resolve_column(spec, header, path) for spec in options.text_columns]
    else:
        text = _find_named(header, TEXT_COLUMN_NAMES)
        title = _find_named(header, TITLE_COLUMN_NAMES)
        text_columns = [index for index in (title, text) if index is not None]
        if not text_columns:
            raise CorpusError(
                f"{path}: cannot tell the text column; available columns: "
                f"{_describe(header)}; pass text_columns"
            )
    if options.label_column is not None:
        label_column = resolve_column(options.label_column, header, path)
    else:
        found = _find_named(header, LABEL_COLUMN_NAMES)
        if found is None:
            raise CorpusError(
                f"{path}: cannot tell the label column; available columns: "
                f"{_describe(header)}; pass label_column"
            )
        label_column = found
    if label_column in text_columns:
        raise CorpusError(f"{path}: column {header[label_column]!r} cannot be both text and label")
    return text_columns, label_column


_MAX_KNOWN_VALUE = 100  # longer cells are not remembered as a column's typical values


class GluedRows:
    """Finds records where a quote that never closes swallowed the rows after it.

    Feed every record with :meth:`add`; :meth:`suspects` then returns, for each record
    spanning several lines, ``(first line, last line, swallowed)`` when some of its lines,
    read on their own, are rows of the table: as many cells as the header, with a value
    in a column outside ``text_columns`` that other records have in that column too
    (a label, typically). A genuine multi-line text does not look like that.
    """

    def __init__(self, width: int, text_columns: Sequence[int], delimiter: str) -> None:
        self.width = width
        self.others = [i for i in range(width) if i not in set(text_columns)]
        self.delimiter = delimiter
        self.known: list[set[str]] = [set() for _ in range(width)]
        self.multi: list[tuple[int, int, list[str]]] = []

    def add(self, first: int, last: int, row: Sequence[str]) -> None:
        if last > first and self.others:
            self.multi.append((first, last, list(row)))
            return
        for index in self.others:
            if index < len(row) and len(row[index]) <= _MAX_KNOWN_VALUE:
                self.known[index].add(row[index].strip())

    def _looks_like_row(self, piece: str) -> bool:
        try:
            cells = next(csv.reader([piece], delimiter=self.delimiter), [])
        except csv.Error:
            return False
        if len(cells) != self.width:
            return False
        return any(cells[i].strip() and cells[i].strip() in self.known[i] for i in self.others)

    def suspects(self) -> list[tuple[int, int, int]]:
        found = []
        for first, last, row in self.multi:
            pieces = [piece for cell in row for piece in cell.split("\n") if piece.strip()]
            swallowed = sum(self._looks_like_row(piece) for piece in pieces)
            if swallowed:
                found.append((first, last, swallowed))
        return found


def unclosed_quote_detail(first: int, last: int, swallowed: int) -> str:
    """The detail line of an unclosed-quote warning."""
    rows = "row" if swallowed == 1 else "rows"
    return (
        f"a quote opened in this record seems never to close: the record runs to line "
        f"{last} and holds {swallowed} {rows} of its own, read as one document"
    )


def read_csv(
    path: Path,
    report: ImportReport,
    options: ReadOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Records:
    """Read a CSV/TSV file as a stream; rows without text or label are skipped."""
    lines = TextLines(path, progress=progress, cancel=cancel, nul_as_blank=True)
    stream: Iterator[str] = (line + "\n" for _, line in lines)
    head = list(itertools.islice(stream, _SNIFF_LINES))
    delimiter = options.delimiter
    if delimiter is None:
        default = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
        delimiter = sniff_delimiter(head, default)
    reader = csv.reader(itertools.chain(head, stream), delimiter=delimiter)

    records = Records()
    header: list[str] | None = None
    text_columns: list[int] = []
    label_column = 0
    glued: GluedRows | None = None
    while True:
        start = reader.line_num + 1  # the physical line the record starts on
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            report.skip(path, start, "malformed CSV row", str(error))
            continue
        if not row or not any(field.strip() for field in row):
            continue
        if header is None:
            header = [name.strip() for name in row]
            text_columns, label_column = choose_columns(header, options, path)
            glued = GluedRows(len(header), text_columns, delimiter)
            continue
        glued.add(start, reader.line_num, row)
        text = join_text_parts([row[i] if i < len(row) else "" for i in text_columns])
        label = normalise_label(row[label_column]) if label_column < len(row) else ""
        if not text:
            report.skip(path, start, "missing text")
        elif not label:
            report.skip(path, start, "missing label")
        else:
            records.add(text, label)
    if glued is not None:
        for first, last, swallowed in glued.suspects():
            detail = unclosed_quote_detail(first, last, swallowed)
            report.warn(path, first, "unclosed quote", detail)
    for number in lines.nul_lines:
        report.skip(path, number, "NUL byte in line")
    if lines.encoding not in ("utf-8", "utf-16"):
        report.warn(path, lines.fallback_line, f"decoded as {lines.encoding}")
    if header is None:
        report.skip(path, None, "empty file")
    return records
