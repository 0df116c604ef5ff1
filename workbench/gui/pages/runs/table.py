"""The runs table of the Runs page: a model over the store's rows, sortable and filterable.

:class:`RunsTableModel` holds plain :class:`RunRecord` rows (no widget per row), so
a store of thousands of runs shows at once; :class:`RunsFilter` sorts by the raw
values (numbers as numbers) and keeps the rows whose text holds the filter.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = (
    "id",
    "started",
    "status",
    "kind",
    "accuracy",
    "baseline",
    "macro F1",
    "epochs",
    "duration",
    "name",
    "corpus",
)
HEADER_TIPS = {
    "accuracy": "Test accuracy of the run's model",
    "baseline": "Test accuracy of the built-in linear baseline (TF-IDF words and bigrams) "
    "on the same split; – when the run did not train it",
}
"""Tooltips of the column headers."""
STATUS_COLOURS = {
    "running": QColor(31, 119, 180),
    "failed": QColor(200, 30, 30),
    "interrupted": QColor(170, 90, 0),
    "cancelled": QColor(120, 120, 120),
}
Index = QModelIndex | QPersistentModelIndex


def percent(value: float | None) -> str:
    """A share as the runs table and comparison show it ("95.00 %", "–" for none)."""
    return "–" if value is None else f"{100 * value:.2f} %"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    minutes, secs = divmod(round(seconds), 60)
    return (
        f"{minutes}:{secs:02d}"
        if minutes < 60
        else f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"
    )


class RunsTableModel(QAbstractTableModel):
    """One row per run, newest first as the store gives them."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._runs: list[Any] = []
        self._keys: list[tuple[Any, ...]] = []  # raw values per row, for sorting
        self._search: list[str] = []  # lower-case searchable text per row, for filtering
        self._order: tuple[int, Qt.SortOrder] | None = None

    def set_runs(self, runs: list[Any]) -> None:
        self.beginResetModel()
        self._runs = list(runs)
        self._index_rows()
        if self._order is not None:
            self._sort_rows(*self._order)
        self.endResetModel()

    def _index_rows(self) -> None:
        self._keys = [_sort_key(run) for run in self._runs]
        self._search = [
            f"{run.id} {run.name} {run.status} {run.kind} {run.corpus_path or ''}".lower()
            for run in self._runs
        ]

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        rows = sorted(
            range(len(self._runs)),
            key=lambda r: self._keys[r][column],
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._runs = [self._runs[r] for r in rows]
        self._keys = [self._keys[r] for r in rows]
        self._search = [self._search[r] for r in rows]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by a column's raw value (one Python sort, not a compare per pair)."""
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        self._order = (column, order)
        self._sort_rows(column, order)
        self.layoutChanged.emit()

    def matches(self, row: int, text: str) -> bool:
        return text in self._search[row]

    def runs(self) -> list[Any]:
        return list(self._runs)

    def run_at(self, row: int) -> Any:
        return self._runs[row]

    def row_of(self, run_id: int) -> int | None:
        for row, run in enumerate(self._runs):
            if run.id == run_id:
                return row
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self._runs[index.row()]
        column = COLUMNS[index.column()]
        if role == SORT_ROLE:
            return self._keys[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(run, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == "status":
            return STATUS_COLOURS.get(run.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "status" and run.message:
                return run.message
            if column in ("name", "corpus"):
                return f"{run.name}\ncorpus: {run.corpus_path}\nbundle: {run.bundle or '–'}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            "id",
            "accuracy",
            "baseline",
            "macro F1",
            "epochs",
            "duration",
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(run: Any, column: str) -> str:
        if column == "id":
            return str(run.id)
        if column == "started":
            return time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started))
        if column == "accuracy":
            return percent(run.accuracy)
        if column == "baseline":
            return percent(run.baseline_accuracy)
        if column == "macro F1":
            return "–" if run.macro_f1 is None else f"{run.macro_f1:.4f}"
        if column == "epochs":
            return str(run.epochs_run)
        if column == "duration":
            return _duration(run.duration_s)
        if column == "corpus":
            return (run.corpus_path or "").rstrip("/").rsplit("/", 1)[-1]
        return str(getattr(run, column, ""))


def _sort_key(run: Any) -> tuple[Any, ...]:
    """The raw value of every column, in COLUMNS order (missing numbers sort lowest)."""
    return (
        run.id,
        run.started,
        run.status,
        run.kind,
        -1.0 if run.accuracy is None else run.accuracy,
        -1.0 if run.baseline_accuracy is None else run.baseline_accuracy,
        -1.0 if run.macro_f1 is None else run.macro_f1,
        run.epochs_run,
        -1.0 if run.ended is None else run.ended - run.started,
        run.name,
        run.corpus_path or "",
    )


class RunsFilter(QSortFilterProxyModel):
    """Keeps rows whose id, name, status, kind or corpus holds the text (any case).

    Sorting is handed to the source model, which sorts its rows with one Python
    sort: with thousands of runs the proxy's compare-per-pair sorting (two
    ``data()`` calls each) took most of the time the page needs to show.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.10
            self.beginFilterChange()
            self._needle = text.strip().lower()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle = text.strip().lower()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        return not self._needle or self.sourceModel().matches(source_row, self._needle)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)
