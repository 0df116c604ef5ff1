"""Views of a loaded corpus: class bar chart, length histogram, searchable document table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
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

from workbench.gui.pages.data.table import RowQuery, SortKeys, first_line, visible_rows
from workbench.gui.tasks import Task, TaskContext, TaskRunner

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
FIRST_LINES_KEPT = 5000  # first lines remembered for painting; the table shows ~50
TASK_KIND = "documents"
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


class DocumentsModel(QAbstractTableModel):
    """Label, length in tokens and first line of the documents in ``rows`` (model/view).

    ``rows`` holds corpus indices in display order; the view computes it in a task
    (:func:`~workbench.gui.pages.data.table.visible_rows`), so a click on a header only
    asks for a new order (:attr:`sort_requested`) and nothing runs per row here but
    ``data()`` for the rows on screen.
    """

    HEADERS = ("Label", "Tokens", "First line")
    sort_requested = Signal(int, bool)  # column (-1: corpus order), descending

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.corpus: Corpus | None = None
        self.lengths = np.zeros(0, dtype=np.int64)
        self.rows = np.zeros(0, dtype=np.int64)
        self._first_lines: dict[int, str] = {}

    def set_corpus(self, corpus: Corpus | None, stats: CorpusStats | None) -> None:
        self.beginResetModel()
        self.corpus = corpus
        n = len(corpus) if corpus is not None else 0
        lengths = stats.lengths if stats is not None else None
        self.lengths = (
            np.asarray(lengths) if lengths is not None and len(lengths) == n else np.zeros(n, int)
        )
        self.rows = np.arange(n, dtype=np.int64)
        self._first_lines = {}
        self.endResetModel()

    def set_rows(self, rows: np.ndarray) -> None:
        """Show the documents at corpus indices ``rows``, in that order."""
        self.beginResetModel()
        self.rows = np.asarray(rows, dtype=np.int64)
        self.endResetModel()

    def source_row(self, row: int) -> int:
        """The corpus index of table row ``row``."""
        return int(self.rows[row])

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.corpus is None else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def first_line(self, document: int) -> str:
        if document not in self._first_lines:
            if len(self._first_lines) > FIRST_LINES_KEPT:
                self._first_lines.clear()
            self._first_lines[document] = first_line(self.corpus.texts[document])
        return self._first_lines[document]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.corpus is None or index.row() >= len(self.rows):
            return None
        document, column = int(self.rows[index.row()]), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            if column == 0:
                return self.corpus.labels[document]
            if column == 1:
                return int(self.lengths[document])
            return self.first_line(document)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Called by the view on a header click: the order is computed in a task."""
        self.sort_requested.emit(column, order == Qt.SortOrder.DescendingOrder)


class DocumentsView(QWidget):
    """Filter box + class combo + sortable table + full-text preview of the selected row.

    Search, class filter and sort run in a ``"documents"`` task (a newer request
    cancels the older one), so the GUI thread never walks the corpus.
    """

    def __init__(self, parent: QWidget | None = None, tasks: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.task: Task | None = None
        self.model = DocumentsModel(self)
        self.keys: SortKeys | None = None
        self.sort_column, self.sort_descending = -1, False
        self.search = QLineEdit(placeholderText="Search the text of every document…")
        self.search.setClearButtonEnabled(True)
        self.class_combo = QComboBox()
        self.class_combo.addItem(ALL_CLASSES)
        self.count_label = QLabel()
        self.table = QTableView()
        self.table.setModel(self.model)
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
        self.model.sort_requested.connect(self._sort)
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
        if self.task is not None:
            self.task.cancel()
        self.model.set_corpus(corpus, stats)
        self.keys = (
            None if corpus is None else SortKeys(corpus.texts, corpus.labels, self.model.lengths)
        )
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItem(ALL_CLASSES)
        if corpus is not None:
            self.class_combo.addItems(list(corpus.class_names))
        self.class_combo.blockSignals(False)
        self.preview.clear()
        self.apply_filter()

    def query(self) -> RowQuery:
        """What the search box, class combo and sort header ask for now."""
        label = self.class_combo.currentText()
        return RowQuery(
            label="" if label == ALL_CLASSES else label,
            needle=self.search.text(),
            column=self.sort_column,
            descending=self.sort_descending,
        )

    def apply_filter(self) -> Task | None:
        """Recompute the shown rows (in a task unless every document shows unsorted)."""
        self._debounce.stop()
        if self.task is not None:
            self.task.cancel()
            self.task = None
        query, keys = self.query(), self.keys
        if keys is None or query.is_plain:
            self.model.set_rows(np.arange(len(self.model.lengths), dtype=np.int64))
            self._show_count()
            return None
        self.count_label.setText("searching…" if query.needle.strip() else "sorting…")

        def job(ctx: TaskContext) -> np.ndarray:
            return visible_rows(keys, query, ctx.check_cancelled)

        self.task = self.tasks.start(TASK_KIND, job)
        self.task.done.connect(lambda rows, k=keys: self._rows_ready(k, rows))
        return self.task

    def _rows_ready(self, keys: SortKeys, rows: np.ndarray) -> None:
        self.task = None
        if keys is not self.keys:  # the corpus changed meanwhile
            return
        self.model.set_rows(rows)
        self.preview.clear()
        self._show_count()

    def _show_count(self) -> None:
        self.count_label.setText(f"{self.model.rowCount()} of {len(self.model.lengths)}")

    def _sort(self, column: int, descending: bool) -> None:
        if (column, descending) != (self.sort_column, self.sort_descending):
            self.sort_column, self.sort_descending = column, descending
            self.apply_filter()

    def is_busy(self) -> bool:
        """True while a search/sort is waiting or running."""
        return self._debounce.isActive() or self.task is not None

    def visible_rows(self) -> int:
        return self.model.rowCount()

    def select_row(self, row: int) -> None:
        """Select the ``row``-th visible document (and preview it)."""
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        corpus = self.model.corpus
        if corpus is None or not current.isValid() or current.row() >= len(self.model.rows):
            self.preview.clear()
            return
        row = self.model.source_row(current.row())
        tokens = int(self.model.lengths[row]) if row < len(self.model.lengths) else 0
        self.preview.setPlainText(
            f"[{corpus.labels[row]} · {tokens} tokens · document {row + 1}]\n\n{corpus.texts[row]}"
        )
