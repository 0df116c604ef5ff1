"""Views of a loaded corpus: class bar chart, length histogram, searchable document table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from workbench.core import Corpus, CorpusStats

pg.setConfigOptions(antialias=True, background="w", foreground="k")

BAR_BRUSH = pg.mkBrush("#4a7ebb")
HIST_BRUSH = pg.mkBrush("#9bbbe0")
HIST_BINS = 40
HIST_CLIP_PERCENTILE = 99  # longer documents are counted in a note, not drawn
HORIZONTAL_AT = 12  # classes from which the class chart lies its bars down
NAME_CHARS = 22  # class names longer than this are elided on a horizontal chart
FIRST_LINE_CHARS = 200
ALL_CLASSES = "All classes"
_Index = QModelIndex | QPersistentModelIndex


class ClassChart(pg.PlotWidget):
    """Documents per class: one bar per class with its count.

    Up to :data:`HORIZONTAL_AT` - 1 classes the bars stand on the x axis, names under
    them; from :data:`HORIZONTAL_AT` classes on (20 Newsgroups' 20) the bars lie
    horizontally, one name per row on the left axis, elided to :data:`NAME_CHARS`
    characters; the chart's tooltip lists every full name with its count.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self.setTitle("Documents per class")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=BAR_BRUSH)
        self.addItem(self.bars)
        self.count_labels: list[pg.TextItem] = []
        self.counts: dict[str, int] = {}
        self.horizontal = False

    def tick_names(self) -> list[str]:
        """The class names as the axis shows them (elided when the bars lie)."""
        return [elide(name) if self.horizontal else name for name in self.counts]

    def set_counts(self, counts: dict[str, int]) -> None:
        """Show ``{class name: documents}`` (empty dict clears)."""
        self.counts = dict(counts)
        for label in self.count_labels:
            self.removeItem(label)
        self.count_labels = []
        names = list(self.counts)
        heights = [self.counts[name] for name in names]
        self.horizontal = len(names) >= HORIZONTAL_AT
        top = max(heights, default=1)
        ticks = [[(float(i), name) for i, name in enumerate(self.tick_names())]]
        bottom, left = self.getAxis("bottom"), self.getAxis("left")
        if self.horizontal:
            # first class at the top: rows run downwards as in a list
            y = np.arange(len(names), dtype=float)[::-1]
            self.bars.setOpts(x0=np.zeros(len(names)), y=y, height=0.7, width=heights)
            left.setTicks([[(float(y[i]), text) for i, (_, text) in enumerate(ticks[0])]])
            bottom.setTicks(None)
            for i, count in enumerate(heights):
                label = pg.TextItem(str(count), color="k", anchor=(0.0, 0.5))
                label.setPos(float(count), float(y[i]))
                self.addItem(label)
                self.count_labels.append(label)
            self.setYRange(-0.6, len(names) - 0.4, padding=0)
            self.setXRange(0, top * 1.2 + 1, padding=0)
        else:
            x = np.arange(len(names), dtype=float)
            self.bars.setOpts(x0=None, y=None, x=x, height=heights, width=0.7)
            bottom.setTicks(ticks)
            left.setTicks(None)
            for i, height in enumerate(heights):
                label = pg.TextItem(str(height), color="k", anchor=(0.5, 1.0))
                label.setPos(float(i), float(height))
                self.addItem(label)
                self.count_labels.append(label)
            self.setXRange(-0.6, max(len(names) - 0.4, 0.6), padding=0)
            self.setYRange(0, top * 1.15 + 1, padding=0)
        self.setToolTip("\n".join(f"{name}: {count}" for name, count in self.counts.items()))
        # one readable row per class (the page's left side scrolls when it needs room)
        self.setMinimumHeight(60 + 15 * len(names) if self.horizontal else 0)


def elide(name: str, limit: int = NAME_CHARS) -> str:
    """``name`` cut to ``limit`` characters with an ellipsis (unchanged when short)."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


class LengthHistogram(pg.PlotWidget):
    """Histogram of tokens per document, the current maxlen and the suggested one marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setTitle("Tokens per document")
        self.setLabel("bottom", "tokens")
        self.setLabel("left", "documents")
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=HIST_BRUSH, pen=pg.mkPen("w"))
        self.addItem(self.bars)
        self.maxlen_line = pg.InfiniteLine(
            angle=90,
            pen=pg.mkPen("#c62828", width=2),
            label="maxlen {value:.0f}",
            labelOpts={"position": 0.9, "color": "#c62828"},
        )
        self.suggested_line = pg.InfiniteLine(
            angle=90,
            pen=pg.mkPen("#2e7d32", width=1, style=Qt.PenStyle.DashLine),
            label="suggested {value:.0f}",
            labelOpts={"position": 0.75, "color": "#2e7d32"},
        )
        self.addItem(self.maxlen_line)
        self.addItem(self.suggested_line)
        self.counts = np.zeros(0)
        self.outliers = 0
        self.clip = 0.0

    def set_lengths(self, stats: CorpusStats | None, maxlen: int) -> None:
        """Draw ``stats``' length histogram (None clears) and mark ``maxlen``.

        The bins span the shortest document to the :data:`HIST_CLIP_PERCENTILE`-th
        percentile, so one 40,000-token outlier does not squeeze every other document
        into one bar; :attr:`outliers` counts the documents beyond it.
        """
        self.outliers = 0
        self.clip = 0.0
        if stats is None or stats.n_documents == 0:
            self.counts = np.zeros(0)
            self.bars.setOpts(x0=[], x1=[], height=[])
            self.suggested_line.setVisible(False)
        else:
            lengths = np.asarray(stats.lengths)
            low = float(lengths.min())
            clip = float(np.percentile(lengths, HIST_CLIP_PERCENTILE))
            if clip <= low:
                clip = float(lengths.max())
            self.clip = clip
            self.outliers = int(np.sum(lengths > clip))
            counts, edges = np.histogram(
                lengths[lengths <= clip], bins=HIST_BINS, range=(low, max(clip, low + 1))
            )
            self.counts = counts
            self.bars.setOpts(x0=edges[:-1], x1=edges[1:], height=counts)
            self.suggested_line.setVisible(True)  # an invisible line's label ignores new values
            self.suggested_line.setValue(stats.suggested_maxlen)
        self.set_maxlen(maxlen)

    def clip_note(self) -> str:
        """A sentence on the documents left out of the drawing ("" when none)."""
        if not self.outliers:
            return ""
        return (
            f"The histogram stops at {self.clip:.0f} tokens (the {HIST_CLIP_PERCENTILE}th "
            f"percentile); {self.outliers} longer document{'s' if self.outliers != 1 else ''}"
            " not drawn."
        )

    def set_maxlen(self, maxlen: int) -> None:
        self.maxlen_line.setValue(maxlen)


def first_line(text: str) -> str:
    """The first non-empty line of ``text``, cut to :data:`FIRST_LINE_CHARS`."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped[:FIRST_LINE_CHARS]
    return ""


class DocumentsModel(QAbstractTableModel):
    """Label, length in tokens and first line of every document (sorts by value)."""

    HEADERS = ("Label", "Tokens", "First line")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.corpus: Corpus | None = None
        self.lengths = np.zeros(0, dtype=np.int64)
        self._first_lines: dict[int, str] = {}

    def set_corpus(self, corpus: Corpus | None, stats: CorpusStats | None) -> None:
        self.beginResetModel()
        self.corpus = corpus
        n = len(corpus) if corpus is not None else 0
        lengths = stats.lengths if stats is not None else None
        self.lengths = (
            np.asarray(lengths) if lengths is not None and len(lengths) == n else np.zeros(n, int)
        )
        self._first_lines = {}
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.corpus is None else len(self.corpus)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def first_line(self, row: int) -> str:
        if row not in self._first_lines:
            self._first_lines[row] = first_line(self.corpus.texts[row])
        return self._first_lines[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.corpus is None:
            return None
        row, column = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            if column == 0:
                return self.corpus.labels[row]
            if column == 1:
                return int(self.lengths[row])
            return self.first_line(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class DocumentsFilter(QSortFilterProxyModel):
    """Keeps documents of one class (or all) whose full text contains the search words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = ""
        self.needle = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_filter(self, label: str, needle: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self.label, self.needle = label, needle.strip().lower()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.label, self.needle = label, needle.strip().lower()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        corpus = getattr(model, "corpus", None)
        if corpus is None:
            return False
        if self.label and corpus.labels[source_row] != self.label:
            return False
        return not self.needle or self.needle in corpus.texts[source_row].lower()


class DocumentsView(QWidget):
    """Filter box + class combo + sortable table + full-text preview of the selected row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DocumentsModel(self)
        self.proxy = DocumentsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(placeholderText="Search the text of every document…")
        self.search.setClearButtonEnabled(True)
        self.class_combo = QComboBox()
        self.class_combo.addItem(ALL_CLASSES)
        self.count_label = QLabel()
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # fixed sizes: no per-row measuring, so big corpora show at once
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 120)
        header.resizeSection(1, 70)
        header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # unsorted until a click
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.preview = QPlainTextEdit(readOnly=True)
        self.preview.setPlaceholderText("Select a document to read it here.")

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.class_combo)
        top.addWidget(self.count_label)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.preview)
        splitter.setSizes([400, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.class_combo.currentIndexChanged.connect(lambda _: self.apply_filter())
        self.table.selectionModel().currentRowChanged.connect(self._show_current)

    def set_corpus(self, corpus: Corpus | None, stats: CorpusStats | None) -> None:
        self.model.set_corpus(corpus, stats)
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItem(ALL_CLASSES)
        if corpus is not None:
            self.class_combo.addItems(list(corpus.class_names))
        self.class_combo.blockSignals(False)
        self.preview.clear()
        self.apply_filter()

    def apply_filter(self) -> None:
        self._debounce.stop()
        label = self.class_combo.currentText()
        self.proxy.set_filter("" if label == ALL_CLASSES else label, self.search.text())
        self.count_label.setText(f"{self.proxy.rowCount()} of {self.model.rowCount()}")

    def select_row(self, proxy_row: int) -> None:
        """Select the ``proxy_row``-th visible document (and preview it)."""
        self.table.selectRow(proxy_row)
        self.table.setCurrentIndex(self.proxy.index(proxy_row, 0))

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        corpus = self.model.corpus
        if corpus is None or not current.isValid():
            self.preview.clear()
            return
        row = self.proxy.mapToSource(current).row()
        tokens = int(self.model.lengths[row]) if row < len(self.model.lengths) else 0
        self.preview.setPlainText(
            f"[{corpus.labels[row]} · {tokens} tokens · document {row + 1}]\n\n{corpus.texts[row]}"
        )
