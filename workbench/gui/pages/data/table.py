"""Which documents the Data page's table shows, in which order: computed off the GUI thread.

A 100,000-document corpus is too big to filter or sort row by row on the GUI thread
(a ``QSortFilterProxyModel`` calls Python once per row and comparison), so the table
shows ``rows``, an index array into the corpus, and :func:`visible_rows` computes it
in a task with numpy, checking for cancellation as it goes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

FIRST_LINE_CHARS = 200
CHUNK = 2000  # documents searched between two cancellation checks
PREFIX_CHARS = 24  # first-line characters sorted by numpy (longer ties: as strings)

COLUMN_LABEL, COLUMN_TOKENS, COLUMN_FIRST_LINE = 0, 1, 2


def first_line(text: str) -> str:
    """The first non-empty line of ``text``, cut to :data:`FIRST_LINE_CHARS`."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped[:FIRST_LINE_CHARS]
    return ""


@dataclass(frozen=True)
class RowQuery:
    """A class to keep (``""``: all), a search text, and a sort (column -1: corpus order)."""

    label: str = ""
    needle: str = ""
    column: int = -1
    descending: bool = False

    @property
    def is_plain(self) -> bool:
        """True when every document shows, in corpus order."""
        return not self.label and not self.needle.strip() and self.column < 0


class SortKeys:
    """Per-corpus keys, built on first use and kept: label ids, first lines (lower case)."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str], lengths: np.ndarray) -> None:
        self.texts = texts
        self.labels = labels
        self.lengths = lengths
        self._label_ids: np.ndarray | None = None
        self._names: list[str] = []
        self._first_lines: np.ndarray | None = None

    def label_ids(self) -> tuple[np.ndarray, list[str]]:
        if self._label_ids is None:
            names = sorted(set(self.labels))
            index = {name: i for i, name in enumerate(names)}
            self._names = names
            self._label_ids = np.fromiter(
                map(index.__getitem__, self.labels), np.int32, len(self.labels)
            )
        return self._label_ids, self._names

    def first_line_ranks(self, check: Callable[[], None]) -> np.ndarray:
        """Each document's rank (int64) in the alphabetical order of lower-cased first lines.

        Sorting 100,000 Python strings is one long C call that holds the GIL (and so
        stalls the GUI thread); instead a fixed-width prefix is sorted by numpy, which
        lets the GIL go, and only runs of equal prefixes are sorted as strings.
        """
        if self._first_lines is None:
            n = len(self.texts)
            lines: list[str] = []
            prefixes = np.empty(n, dtype=f"U{PREFIX_CHARS}")
            for start in range(0, n, CHUNK):
                check()
                chunk = [first_line(t).lower() for t in self.texts[start : start + CHUNK]]
                lines += chunk
                prefixes[start : start + len(chunk)] = chunk
            order = np.argsort(prefixes, kind="stable")
            check()
            ordered = prefixes[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True])
            for k, (a, b) in enumerate(itertools.pairwise(starts)):
                if b - a > 1:
                    if k % 256 == 0:
                        check()
                    run = order[a:b]
                    order[a:b] = sorted(run.tolist(), key=lines.__getitem__)
            ranks = np.empty(n, dtype=np.int64)
            ranks[order] = np.arange(n)
            self._first_lines = ranks
        return self._first_lines


def visible_rows(
    keys: SortKeys, query: RowQuery, check: Callable[[], None] = lambda: None
) -> np.ndarray:
    """Corpus indices (int64) of the documents ``query`` keeps, in its order.

    The search is case-insensitive on the full text; ``check()`` is called between
    chunks and may raise to cancel.
    """
    n = len(keys.texts)
    rows = np.arange(n, dtype=np.int64)
    if query.label:
        ids, names = keys.label_ids()
        if query.label not in names:
            return rows[:0]
        rows = rows[ids == names.index(query.label)]
    needle = query.needle.strip().lower()
    if needle:
        texts = keys.texts
        kept = np.zeros(len(rows), dtype=bool)
        for start in range(0, len(rows), CHUNK):
            check()
            part = rows[start : start + CHUNK]
            kept[start : start + len(part)] = [needle in texts[i].lower() for i in part]
        rows = rows[kept]
    check()
    if query.column == COLUMN_LABEL:
        ids, _ = keys.label_ids()
        values = ids[rows]
    elif query.column == COLUMN_TOKENS:
        values = np.asarray(keys.lengths)[rows]
    elif query.column == COLUMN_FIRST_LINE:
        values = keys.first_line_ranks(check)[rows]
    else:
        return rows
    if query.descending:  # stable descending: ties keep corpus order
        order = np.argsort(values[::-1], kind="stable")[::-1]
        return rows[::-1][order]
    return rows[np.argsort(values, kind="stable")]
