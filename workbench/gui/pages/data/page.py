"""Data page: open a corpus, see its import report, class and length charts, documents."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.core import (
    FORMATS,
    LABEL_VARIANTS,
    WorkbenchError,
    auto_csv_columns,
    read_csv_header,
)
from workbench.gui.heap import collector_paused

if TYPE_CHECKING:
    from workbench.core import CorpusStats
from workbench.gui.pages.data.views import ClassChart, DocumentsView, LengthHistogram
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskContext, TaskRunner
from workbench.gui.widgets import MessageBar, TaskProgress, finish_sentence

TASK_KIND = "corpus"
FORMAT_CHOICES = ("auto", *FORMATS)
AUTO_COLUMN = "(auto)"
CSV_SUFFIXES = (".csv", ".tsv")
ISSUES_SHOWN = 2000


def length_advice(stats: CorpusStats, maxlen: int, clip_note: str = "") -> str:
    """Sentences on document lengths that agree with what was measured.

    The suggestion covers about 95 % of documents whole (the share is measured, as
    the suggestion is capped); a smaller maxlen reads the start of
    the longer ones, which on BBC scored as well as a longer one and trains faster
    (bench/RESULTS.md: maxlen 400 97.75 %, 600 97.30 % and 1.5x slower per epoch).
    """
    suggested = stats.suggested_maxlen
    share = stats.truncated_share(maxlen)
    whole = 1.0 - stats.truncated_share(suggested)  # measured: the cap of 1000 may bite
    text = (
        f"Suggested maxlen {suggested} reads {whole:.0%} of documents whole (95 % have at "
        f"most {stats.percentiles['p95']:.0f} tokens)."
    )
    if share <= 0:
        text += f" The current maxlen {maxlen} reads every document whole."
    elif maxlen < suggested:
        text += (
            f" The current maxlen {maxlen} reads the first {maxlen} tokens of the "
            f"{share:.0%} longer documents; the start of a text usually carries its "
            "topic, and on BBC maxlen 400 scored as well as 600 while training 1.5x "
            "faster, so the recommended settings keep 400."
        )
    else:
        text += f" The current maxlen {maxlen} cuts {share:.0%} of documents."
    return f"{text} {clip_note}".strip()


class DataPage(QWidget):
    """Load a corpus (in a worker, cancellable) and look at it."""

    def __init__(self, state: AppState, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tasks = tasks
        self.task: Task | None = None
        self._header_for = ""
        self._auto_columns: tuple[list[str], str | None] = ([], None)

        # source row
        self.path_edit = QLineEdit(placeholderText="Corpus folder or file…")
        self.folder_button = QPushButton("Open folder…")
        self.file_button = QPushButton("Open file…")
        self.format_combo = QComboBox()
        self.format_combo.addItems(FORMAT_CHOICES)
        self.format_combo.setToolTip("Corpus format: 'auto' detects it from the files")
        self.load_button = QPushButton("Load")
        self.merge_labels = QCheckBox("Merge case variants")
        self.merge_labels.setToolTip(
            "Treat labels that differ only in case or spaces ('sport', 'Sport ') as one class"
        )
        source = QHBoxLayout()
        source.addWidget(QLabel("Corpus:"))
        source.addWidget(self.path_edit, 1)
        source.addWidget(self.folder_button)
        source.addWidget(self.file_button)
        source.addWidget(QLabel("Format:"))
        source.addWidget(self.format_combo)
        source.addWidget(self.merge_labels)
        source.addWidget(self.load_button)

        # CSV columns
        self.csv_box = QGroupBox("CSV columns")
        self.text_columns = QListWidget()
        self.text_columns.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.text_columns.setMaximumHeight(90)
        self.text_columns.setToolTip(
            "Tick the text column(s) to use, joined in this order. None ticked: the "
            "columns named like 'title' and 'text' are used."
        )
        self.label_column = QComboBox()
        csv_form = QFormLayout(self.csv_box)
        csv_form.addRow("Text column(s):", self.text_columns)
        csv_form.addRow("Label column:", self.label_column)
        self.csv_box.setVisible(False)

        self.progress = TaskProgress()
        self.message_bar = MessageBar()

        # report, split settings, charts
        self.summary_label = QLabel("No corpus loaded.")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.issues = QListWidget()
        self.issues.setMaximumHeight(120)
        self.issues.setToolTip("Every skipped item and warning, with its file and line")
        self.val_spin = self._fraction_spin("Share of the corpus held out for validation")
        self.test_spin = self._fraction_spin("Share of the corpus held out for the final test")
        self.seed_spin = QSpinBox(maximum=2**31 - 1)
        self.seed_spin.setToolTip("Seed of the split and of training")
        self.split_note = QLabel()
        self.split_note.setWordWrap(True)
        self.split_message = MessageBar()
        split_box = QGroupBox("Split")
        split_row = QHBoxLayout()
        for text, widget in (
            ("Validation", self.val_spin),
            ("Test", self.test_spin),
            ("Seed", self.seed_spin),
        ):
            split_row.addWidget(QLabel(text))
            split_row.addWidget(widget)
        split_row.addStretch(1)
        split_layout = QVBoxLayout(split_box)
        split_layout.addLayout(split_row)
        split_layout.addWidget(self.split_note)
        split_layout.addWidget(self.split_message)

        self.class_chart = ClassChart()
        self.length_chart = LengthHistogram()
        self.length_chart.setMinimumHeight(200)  # scrolled to rather than squeezed
        self.length_note = QLabel()
        self.length_note.setWordWrap(True)
        self.length_note.setObjectName("lengthNote")
        self.apply_maxlen_button = QPushButton()
        self.apply_maxlen_button.setVisible(False)
        self.apply_maxlen_button.clicked.connect(self.apply_suggested_maxlen)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary_label)
        left_layout.addWidget(self.issues)
        left_layout.addWidget(split_box)
        left_layout.addWidget(self.class_chart, 1)
        left_layout.addWidget(self.length_chart, 1)
        left_layout.addWidget(self.length_note)
        left_layout.addWidget(self.apply_maxlen_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.documents = DocumentsView(tasks=tasks)
        # the report, split and charts scroll: many classes or a long report never make
        # the window taller than the screen
        left_scroll = QScrollArea()
        left_scroll.setWidget(left)
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.left_scroll = left_scroll
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_scroll)
        splitter.addWidget(self.documents)
        splitter.setSizes([500, 600])

        layout = QVBoxLayout(self)
        layout.addLayout(source)
        layout.addWidget(self.csv_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.message_bar)
        layout.addWidget(splitter, 1)

        self.folder_button.clicked.connect(self.choose_folder)
        self.file_button.clicked.connect(self.choose_file)
        self.load_button.clicked.connect(self.reload)
        self.path_edit.returnPressed.connect(self.reload)
        self.format_combo.currentTextChanged.connect(lambda _: self._update_csv_box())
        self.val_spin.valueChanged.connect(lambda v: self._set_config_field("val_fraction", v))
        self.test_spin.valueChanged.connect(lambda v: self._set_config_field("test_fraction", v))
        self.seed_spin.valueChanged.connect(lambda v: self._set_config_field("seed", v))
        state.corpus_changed.connect(self.refresh)
        state.config_changed.connect(self._show_config)
        self._show_config()
        self.refresh()

    @staticmethod
    def _fraction_spin(tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(minimum=0.0, maximum=0.95, singleStep=0.05, decimals=2)
        spin.setToolTip(tip)
        return spin

    # --- opening -------------------------------------------------------------------
    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open corpus folder", self._start_dir())
        if path:
            self.open_corpus(path, "auto")

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open corpus file",
            self._start_dir(),
            "Corpus files (*.csv *.tsv *.jsonl *.json *.txt);;All files (*)",
        )
        if path:
            self.open_corpus(path, "auto")

    def _start_dir(self) -> str:
        text = self.path_edit.text().strip()
        return str(Path(text).parent) if text else str(Path.home())

    def reload(self) -> Task | None:
        """Load the path in the box with the chosen format and columns."""
        path = self.path_edit.text().strip()
        if not path:
            self.message_bar.show_error("Choose a corpus folder or file first.")
            return None
        return self.open_corpus(path, self.format_combo.currentText(), keep_columns=True)

    def open_corpus(
        self,
        path: str | Path,
        format: str = "auto",
        text_columns: list[str] | None = None,
        label_column: str | None = None,
        *,
        keep_columns: bool = False,
    ) -> Task:
        """Load ``path`` in a ``"corpus"`` task; the result replaces the state's corpus."""
        path = str(path)
        self.path_edit.setText(path)
        if format in FORMAT_CHOICES:
            self.format_combo.blockSignals(True)
            self.format_combo.setCurrentText(format)
            self.format_combo.blockSignals(False)
        self._update_csv_box()
        if keep_columns and text_columns is None and label_column is None:
            text_columns, label_column = self.chosen_columns()
        self.message_bar.clear()
        fmt = format if format in FORMAT_CHOICES else "auto"
        merge = "case" if self.merge_labels.isChecked() else None

        def job(ctx: TaskContext) -> tuple:
            with collector_paused():  # ~1M new long-lived objects for a big corpus
                return load(ctx)

        def load(ctx: TaskContext) -> tuple:
            from workbench.core import corpus_stats, load_corpus

            corpus, report = load_corpus(
                path,
                format=fmt,
                text_columns=text_columns or None,
                label_column=label_column or None,
                merge_labels=merge,
                progress=lambda f, m: ctx.progress(0.9 * f if f >= 0 else f, m),
                cancel=ctx.cancel,
            )
            ctx.progress(0.9, "Counting tokens…")
            stats = corpus_stats(corpus, cancel=ctx.cancel)
            ctx.progress(1.0, "Done")
            return corpus, report, stats

        self.task = self.tasks.start(TASK_KIND, job)
        self.progress.track(self.task, f"Loading {Path(path).name}…")
        self.task.done.connect(self._loaded)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(lambda: self.message_bar.show_info("Loading cancelled."))
        return self.task

    def _loaded(self, payload: object) -> None:
        corpus, report, stats = payload
        self.state.set_corpus(corpus, report, stats)
        if any(issue.reason == LABEL_VARIANTS for issue in report.warnings):
            self.message_bar.show_warning(
                "Some labels differ only in case or spaces (listed below). Tick "
                "'Merge case variants' and press Load to treat each group as one class."
            )

    def _failed(self, message: str, details: str) -> None:
        hint = "" if details else " Check the path and format, then Load again."
        self.message_bar.show_error(finish_sentence(message) + hint, details, topic="corpus")

    # --- CSV column pickers ------------------------------------------------------------
    def _is_csv(self, path: str) -> bool:
        fmt = self.format_combo.currentText()
        return fmt == "csv" or (fmt == "auto" and path.lower().endswith(CSV_SUFFIXES))

    def _update_csv_box(self) -> None:
        path = self.path_edit.text().strip()
        show = bool(path) and Path(path).is_file() and self._is_csv(path)
        self.csv_box.setVisible(show)
        if show and path != self._header_for:
            self.fill_columns(path)

    def fill_columns(self, path: str) -> None:
        """Offer the CSV header's columns in the text and label pickers."""
        self._header_for = path
        self.text_columns.clear()
        self.label_column.clear()
        self.label_column.addItem(AUTO_COLUMN)
        self._auto_columns = ([], None)
        try:
            header = read_csv_header(path)
        except WorkbenchError as exc:
            self.message_bar.show_error(str(exc))
            return
        for name in header:
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.text_columns.addItem(item)
        self.label_column.addItems(header)
        # tick what a load would use by itself, so the list shows the columns in use
        texts, label = auto_csv_columns(header)
        self.check_text_columns(texts)
        self._auto_columns = (texts, label)
        if label is not None:
            self.label_column.setItemText(0, f"{AUTO_COLUMN}: {label}")

    def check_text_columns(self, names: list[str]) -> None:
        """Tick exactly the text columns ``names`` (the ones in use)."""
        for row in range(self.text_columns.count()):
            item = self.text_columns.item(row)
            ticked = item.text() in names
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def checked_text_columns(self) -> list[str]:
        """The ticked text columns, in the header's order."""
        items = (self.text_columns.item(row) for row in range(self.text_columns.count()))
        return [item.text() for item in items if item.checkState() == Qt.CheckState.Checked]

    def chosen_columns(self) -> tuple[list[str] | None, str | None]:
        """``(text columns, label column)`` picked for CSV, None meaning automatic."""
        if not self.csv_box.isVisible() and not self._is_csv(self.path_edit.text()):
            return None, None
        texts = self.checked_text_columns()
        if texts == self._auto_columns[0]:
            texts = []  # as found by the load itself
        label = self.label_column.currentText()
        automatic = label == "" or self.label_column.currentIndex() == 0
        return (texts or None), (None if automatic else label)

    # --- showing ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the state's corpus, report and stats."""
        corpus, report, stats = self.state.corpus, self.state.report, self.state.stats
        self.issues.clear()
        if corpus is None:
            self.summary_label.setText("No corpus loaded.")
            self.issues.setVisible(False)
        else:
            summary = report.summary() if report is not None else f"{len(corpus)} documents"
            self.summary_label.setText(
                f"<b>{html.escape(Path(corpus.source).name)}</b> ({corpus.format}): "
                f"{html.escape(summary)}."
                f" {len(corpus.class_names)} classes."
            )
            if corpus.source != self.path_edit.text():
                self.path_edit.setText(str(corpus.source))
            issues = []
            if report is not None:
                issues = [f"skipped: {issue}" for issue in report.skipped]
                issues += [f"warning: {issue}" for issue in report.warnings]
            if len(issues) > ISSUES_SHOWN:
                issues = [*issues[:ISSUES_SHOWN], f"… and {len(issues) - ISSUES_SHOWN} more"]
            self.issues.addItems(issues)
            self.issues.setVisible(bool(issues))
        self.documents.set_corpus(corpus, stats)
        # the charts in a later turn of the event loop, so the window paints in between
        QTimer.singleShot(0, self, self._refresh_charts)  # dropped if the page is deleted
        self._show_split_note()
        self._show_length_note()

    def _refresh_charts(self) -> None:
        stats = self.state.stats
        self.class_chart.set_counts(stats.class_counts if stats is not None else {})
        self.length_chart.set_lengths(stats, self.state.config.maxlen)
        self._show_length_note()  # with the histogram's clipping note

    def _show_length_note(self) -> None:
        stats = self.state.stats
        if stats is None or stats.n_documents == 0:
            self.length_note.setText("")
            self.apply_maxlen_button.setVisible(False)
            return
        self.length_note.setText(
            length_advice(stats, self.state.config.maxlen, self.length_chart.clip_note())
        )
        suggested = stats.suggested_maxlen
        self.apply_maxlen_button.setText(f"Use maxlen {suggested}")
        self.apply_maxlen_button.setToolTip(
            f"Set maxlen to {suggested} in the Train settings (longer inputs train slower)"
        )
        self.apply_maxlen_button.setVisible(suggested != self.state.config.maxlen)

    def apply_suggested_maxlen(self) -> None:
        """Put the suggested maxlen into the training settings (one click)."""
        stats = self.state.stats
        if stats is not None and stats.n_documents:
            self._set_config_field("maxlen", int(stats.suggested_maxlen))

    def _show_split_note(self) -> None:
        corpus = self.state.corpus
        if corpus is not None and corpus.splits is not None:
            self.split_note.setText(
                "This corpus has predefined train/valid/test parts; the fractions are not used."
            )
        else:
            self.split_note.setText("")

    def _show_config(self) -> None:
        config = self.state.config
        for spin, value in (
            (self.val_spin, config.val_fraction),
            (self.test_spin, config.test_fraction),
            (self.seed_spin, config.seed),
        ):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.length_chart.set_maxlen(config.maxlen)
        self._show_length_note()

    def _set_config_field(self, name: str, value: float | int) -> None:
        try:
            config = dataclasses.replace(self.state.config, **{name: value})
        except WorkbenchError as exc:
            self.split_message.show_error(str(exc))
            return
        self.split_message.clear()
        self.state.set_config(config)


if __name__ == "__main__":
    import sys

    from workbench.core import sample_corpus_dir
    from workbench.gui.widgets import run_page_alone

    sys.exit(
        run_page_alone(
            DataPage,
            size=(1200, 800),
            prepare=lambda state, page, arg: page.open_corpus(arg or sample_corpus_dir()),
        )
    )
