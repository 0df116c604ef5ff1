"""Data page: open a corpus, see its import report, class and length charts, documents."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from workbench.core import WorkbenchError, read_csv_header
from workbench.gui.heap import collector_paused
from workbench.gui.pages.data.views import ClassChart, DocumentsView, LengthHistogram
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskContext, TaskRunner
from workbench.gui.widgets import MessageBar, TaskProgress

TASK_KIND = "corpus"
FORMAT_CHOICES = ("auto", "folder", "csv", "jsonl", "fasttext", "sectioned")
AUTO_COLUMN = "(auto)"
CSV_SUFFIXES = (".csv", ".tsv")
ISSUES_SHOWN = 2000


class DataPage(QWidget):
    """Load a corpus (in a worker, cancellable) and look at it."""

    def __init__(self, state: AppState, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tasks = tasks
        self.task: Task | None = None
        self._header_for = ""

        # source row
        self.path_edit = QLineEdit(placeholderText="Corpus folder or file…")
        self.folder_button = QPushButton("Open folder…")
        self.file_button = QPushButton("Open file…")
        self.format_combo = QComboBox()
        self.format_combo.addItems(FORMAT_CHOICES)
        self.format_combo.setToolTip("Corpus format: 'auto' detects it from the files")
        self.load_button = QPushButton("Load")
        source = QHBoxLayout()
        source.addWidget(QLabel("Corpus:"))
        source.addWidget(self.path_edit, 1)
        source.addWidget(self.folder_button)
        source.addWidget(self.file_button)
        source.addWidget(QLabel("Format:"))
        source.addWidget(self.format_combo)
        source.addWidget(self.load_button)

        # CSV columns
        self.csv_box = QGroupBox("CSV columns")
        self.text_columns = QListWidget()
        self.text_columns.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.text_columns.setMaximumHeight(90)
        self.text_columns.setToolTip("Text column(s), joined in this order (none selected: auto)")
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
        self.length_note = QLabel()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary_label)
        left_layout.addWidget(self.issues)
        left_layout.addWidget(split_box)
        left_layout.addWidget(self.class_chart, 1)
        left_layout.addWidget(self.length_chart, 1)
        left_layout.addWidget(self.length_note)
        self.documents = DocumentsView(tasks=tasks)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
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

    def _failed(self, message: str, details: str) -> None:
        hint = "" if details else " Check the path and format, then Load again."
        self.message_bar.show_error(message + hint, details)

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
        try:
            header = read_csv_header(path)
        except WorkbenchError as exc:
            self.message_bar.show_error(str(exc))
            return
        self.text_columns.addItems(header)
        self.label_column.addItems(header)

    def chosen_columns(self) -> tuple[list[str] | None, str | None]:
        """``(text columns, label column)`` picked for CSV, None meaning automatic."""
        if not self.csv_box.isVisible() and not self._is_csv(self.path_edit.text()):
            return None, None
        texts = [item.text() for item in self.text_columns.selectedItems()]
        label = self.label_column.currentText()
        return (texts or None), (None if label in ("", AUTO_COLUMN) else label)

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

    def _show_length_note(self) -> None:
        stats = self.state.stats
        if stats is None or stats.n_documents == 0:
            self.length_note.setText("")
            return
        maxlen = self.state.config.maxlen
        share = stats.truncated_share(maxlen)
        self.length_note.setText(
            f"Suggested maxlen: {stats.suggested_maxlen} (95% of documents have at most "
            f"{stats.percentiles['p95']:.0f} tokens). Current maxlen {maxlen} cuts "
            f"{share:.0%} of documents."
        )

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
