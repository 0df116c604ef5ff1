"""A clickable confusion-matrix heatmap: a table whose cells are coloured by share.

Rows are true classes, columns predicted classes; each cell shows its count and
is shaded by the share of its row (recall view), diagonal in blue, errors in
orange, so the eye finds both strong classes and confusions. Clicking a cell
emits ``cell_chosen(row, column)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

_WHITE = (255, 255, 255)
_DIAGONAL = (33, 102, 172)  # strong blue
_OFF_DIAGONAL = (217, 95, 2)  # strong orange


def _blend(colour: tuple[int, int, int], share: float) -> QColor:
    """White blended towards ``colour`` by ``share`` (0..1)."""
    share = min(1.0, max(0.0, share))
    r, g, b = (round(w + (c - w) * share) for w, c in zip(_WHITE, colour, strict=True))
    return QColor(r, g, b)


def cell_colour(count: int, row_total: int, diagonal: bool) -> QColor:
    """Background of one cell: darker as its share of the row grows."""
    share = count / row_total if row_total else 0.0
    if count and not diagonal:
        share = 0.15 + 0.85 * share  # keep even single errors visible
    return _blend(_DIAGONAL if diagonal else _OFF_DIAGONAL, share)


class ConfusionMatrixView(QTableWidget):
    """Counts of (true, predicted) pairs with coloured cells; click a cell to choose it."""

    cell_chosen = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setCornerButtonEnabled(False)
        self.setToolTip("Rows: true class · columns: predicted class. Click a cell to list it.")
        self.setStyleSheet("QTableWidget::item:selected { border: 2px solid #222; color: black; }")
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cellClicked.connect(self.cell_chosen)
        self._counts: list[list[int]] = []

    def set_matrix(self, class_names: Sequence[str], confusion: Sequence[Sequence[int]]) -> None:
        """Show ``confusion`` (rows = true, columns = predicted) for ``class_names``."""
        names = [str(name) for name in class_names]
        counts = [[int(value) for value in row] for row in confusion]
        self._counts = counts
        self.clear()
        self.setRowCount(len(names))
        self.setColumnCount(len(names))
        self.setHorizontalHeaderLabels([f"→ {name}" for name in names])
        self.setVerticalHeaderLabels(names)
        bold = QFont(self.font())
        bold.setBold(True)
        for r, row in enumerate(counts):
            total = sum(row)
            for c, count in enumerate(row):
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                background = cell_colour(count, total, r == c)
                item.setBackground(QBrush(background))
                dark = background.lightness() < 140
                item.setForeground(QBrush(QColor("white" if dark else "#202020")))
                if r == c:
                    item.setFont(bold)
                share = f"{count / total:.0%} of {total}" if total else "no documents"
                item.setToolTip(f"true {names[r]}, predicted {names[c]}: {count} ({share})")
                self.setItem(r, c, item)

    def counts(self) -> list[list[int]]:
        """The matrix as shown (rows = true class)."""
        return [list(row) for row in self._counts]

    def count(self, row: int, column: int) -> int:
        return self._counts[row][column]
