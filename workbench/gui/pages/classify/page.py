"""Classify page: classify one pasted/opened text, or a folder of .txt files / a CSV column.

Predictions run in tasks (``"classify"`` and ``"classify-batch"``) with the current
model (``state.bundle``); nothing touches the model on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core import (
    CorpusError,
    WorkbenchError,
    guess_text_column,
    read_csv_batch,
    read_csv_header,
    read_folder_batch,
)
from workbench.gui.pages.classify.chart import ProbabilityChart
from workbench.gui.pages.classify.highlight import ExplanationView, explain_job
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskRunner
from workbench.gui.widgets import MessageBar, TaskProgress

if TYPE_CHECKING:
    from collections.abc import Callable

    from workbench.core import BatchInput, BatchResult, Bundle, Prediction
    from workbench.gui.tasks import TaskContext

SINGLE_KIND = "classify"
BATCH_KIND = "classify-batch"
NO_MODEL = "Train or load a model first"
EMPTY_INPUT = "Type or paste some text to classify first."
CLASSIFY_TIP = "Classify the text above (Ctrl+Return)"
CANNOT_JUDGE = "The model cannot judge this text"
_LABEL_STYLE = "font-size: 24pt; font-weight: 600; color: #174ea6;"
_JUDGE_STYLE = "font-size: 16pt; font-weight: 600; color: #8a5300;"
EXPLAIN_KIND = "explain"
EXPLAIN_PAUSE_MS = 400  # after the last edit, the text is classified and explained again


TEXT_PREVIEW = 120  # characters of a text shown in the batch table
ROW_ROLE = Qt.ItemDataRole.UserRole  # the result row index, on each row's first cell


def _classify_one(bundle: Bundle, text: str) -> Prediction:
    from workbench.core import Predictor

    return Predictor(bundle).classify([text])[0]


def _batch_job(
    bundle: Bundle, load: Callable[[], BatchInput], *, explain: bool = False
) -> Callable[[TaskContext], BatchResult]:
    """A task job: read the inputs with ``load()``, then classify them in chunks
    (``explain``: with each text's top words for its predicted class)."""

    def run(ctx: TaskContext) -> BatchResult:
        from workbench.core import Predictor, batch_top_words, classify_batch

        ctx.progress(-1, "Reading texts…")
        batch = load()
        if not batch.items:
            raise CorpusError(f"{batch.origin}: no data rows")
        ctx.check_cancelled()
        predictor = Predictor(bundle)
        top_words = batch_top_words(predictor) if explain else None
        return classify_batch(
            predictor, batch, progress=ctx.progress, cancel=ctx.cancel, top_words=top_words
        )

    return run


def _preview(text: str) -> str:
    """The start of ``text`` on one line, for a table cell."""
    flat = " ".join(text.split())
    return flat if len(flat) <= TEXT_PREVIEW else flat[: TEXT_PREVIEW - 1] + "…"


class TextDialog(QDialog):
    """A batch row's full text, read-only, with its prediction in the title."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(640, 480)
        self.editor = QPlainTextEdit(text)
        self.editor.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)


class ClassifyPage(QWidget):
    """Try the current model on new texts."""

    def __init__(self, state: AppState, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tasks = tasks
        self.single_task: Task | None = None
        self.batch_task: Task | None = None
        self.prediction: Prediction | None = None
        self.batch_result: BatchResult | None = None
        self.csv_path: Path | None = None
        self.text_dialog: TextDialog | None = None

        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.messages = MessageBar()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_single(), "Single text")
        self.tabs.addTab(self._build_batch(), "Batch")
        layout = QVBoxLayout(self)
        layout.addWidget(self.model_label)
        layout.addWidget(self.messages)
        layout.addWidget(self.tabs, 1)

        state.bundle_changed.connect(self._on_bundle_changed)
        self._on_bundle_changed()

    # --- building -------------------------------------------------------------
    def _build_single(self) -> QWidget:
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Paste or type an article here, or open a .txt file.")
        self.open_button = QPushButton("Open .txt…")
        self.clear_button = QPushButton("Clear")
        self.classify_button = QPushButton("Classify")
        self.classify_button.setShortcut(QKeySequence("Ctrl+Return"))
        keypad = QShortcut(QKeySequence("Ctrl+Enter"), self.editor)  # keypad Enter
        keypad.activated.connect(self.classify_button.animateClick)
        self.label_label = QLabel("–")
        self.label_label.setObjectName("predictedClass")
        self.label_label.setStyleSheet(_LABEL_STYLE)
        self.label_label.setWordWrap(True)
        self.confidence_label = QLabel()
        self.confidence_label.setWordWrap(True)
        self.confidence_label.setStyleSheet("font-size: 14pt; color: #333;")
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("color: #8a5300;")
        self.chart = ProbabilityChart()

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.classify_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.editor, 1)
        left_layout.addLayout(buttons)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.label_label)
        right_layout.addWidget(self.confidence_label)
        right_layout.addWidget(self.notes_label)
        right_layout.addWidget(self.chart, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)

        self.open_button.clicked.connect(self._choose_text_file)
        self.clear_button.clicked.connect(self.editor.clear)
        self.classify_button.clicked.connect(self.classify_text)
        return self._with_explanation(splitter)

    def _with_explanation(self, top: QWidget) -> QWidget:
        """``top`` above the explanation of the editor's text, refreshed after each edit."""
        self.explanation_view = ExplanationView()
        self.explain_task: Task | None = None
        self.explain_timer = QTimer(self)
        self.explain_timer.setSingleShot(True)
        self.explain_timer.setInterval(EXPLAIN_PAUSE_MS)
        self.explain_timer.timeout.connect(self._explain_when_shown)
        self._explain_pending = False
        self.editor.textChanged.connect(self.explain_timer.start)
        self.explanation_view.request.connect(self.explain_text)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.explanation_view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        return splitter

    def _explain_when_shown(self) -> None:
        """Explain now if the page is on screen, else as soon as it is shown."""
        self._explain_pending = not self.isVisible()
        if not self._explain_pending:
            self.explain_text()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._explain_pending:
            self.explain_timer.start()

    def explain_text(self) -> Task | None:
        """Classify and explain the editor's text in a task (a newer one replaces it)."""
        bundle = self.state.bundle
        text = self.editor.toPlainText()
        self.explain_timer.stop()
        if bundle is None or not text.strip():
            running = self.tasks.current(EXPLAIN_KIND)
            if running is not None:
                running.cancel()
            self.explanation_view.clear("" if bundle is None else "Type or paste a text")
            return None
        view = self.explanation_view
        job = explain_job(bundle, text, view.chosen_class(), view.method())
        task = self.tasks.start(EXPLAIN_KIND, job)
        self.explain_task = task
        view.show_busy()
        task.done.connect(lambda result: self._show_explained(text, result))
        task.failed.connect(lambda message, _details: view.clear(message))
        return task

    def _show_explained(self, text: str, result) -> None:
        prediction, explanation = result
        self.show_prediction(prediction)
        # the coloured text in the next event-loop turn: two short GUI-thread slices
        view = self.explanation_view
        QTimer.singleShot(0, view, lambda: view.show_explanation(text, explanation))

    def _build_batch(self) -> QWidget:
        self.folder_button = QPushButton("Classify folder…")
        self.folder_button.setToolTip("Classify every .txt file in a folder (and its subfolders)")
        self.csv_button = QPushButton("Open CSV…")
        self.column_combo = QComboBox()
        self.column_combo.setToolTip("The column holding the texts")
        self.column_combo.setEnabled(False)
        self.csv_run_button = QPushButton("Classify CSV")
        self.csv_run_button.setEnabled(False)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(False)
        self.top_words_check = QCheckBox("Top words")
        self.top_words_check.setToolTip(
            "Add a top_words column: the strongest words for each predicted class "
            "(explains every text, so the batch takes far longer)"
        )
        self.batch_progress = TaskProgress()
        self.batch_label = QLabel("Classify a folder of .txt files or a column of a CSV file.")
        self.results_table = QTableWidget(0, 0)
        self.results_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results_table.setAlternatingRowColors(True)
        self.results_table.verticalHeader().setVisible(False)
        self.results_table.setToolTip("Double-click a row to read its whole text")
        self.results_table.cellDoubleClicked.connect(lambda row, _: self.show_row_text(row))

        row = QHBoxLayout()
        row.addWidget(self.folder_button)
        row.addWidget(self.csv_button)
        row.addWidget(QLabel("Text column"))
        row.addWidget(self.column_combo, 1)
        row.addWidget(self.csv_run_button)
        row.addWidget(self.top_words_check)
        row.addStretch(1)
        row.addWidget(self.export_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.batch_progress)
        layout.addWidget(self.batch_label)
        layout.addWidget(self.results_table, 1)

        self.folder_button.clicked.connect(self._choose_folder)
        self.csv_button.clicked.connect(self._choose_csv)
        self.csv_run_button.clicked.connect(self.classify_csv)
        self.export_button.clicked.connect(self._choose_export_path)
        return page

    # --- single text ------------------------------------------------------------
    def classify_text(self) -> Task | None:
        """Classify the editor's text in a task (inline message for empty input)."""
        bundle = self.state.bundle
        if bundle is None:
            self.messages.show_error(NO_MODEL)
            return None
        text = self.editor.toPlainText()
        if not text.strip():
            self._clear_prediction()
            self.messages.show_error(EMPTY_INPUT)
            return None
        self.messages.clear()
        task = self.tasks.start(SINGLE_KIND, lambda ctx: _classify_one(bundle, text))
        self.single_task = task
        task.done.connect(self.show_prediction)
        task.failed.connect(self.messages.show_error)
        task.finished.connect(self._on_single_finished)
        self.classify_button.setEnabled(False)
        self.confidence_label.setText("Classifying…")
        return task

    def show_prediction(self, prediction: Prediction) -> None:
        """Show a prediction: class, confidence, notes and all probabilities.

        A text with no word the model knows gets no class: the model only sees
        padding then, and its top bar means nothing. The page says so in place of the
        class, and the bars are drawn grey.
        """
        self.prediction = prediction
        notes = [prediction.note] if prediction.note else []
        notes.append(f"{prediction.known_tokens} of {prediction.total_tokens} words known")
        if prediction.known_tokens == 0:
            self.label_label.setText(CANNOT_JUDGE)
            self.label_label.setStyleSheet(_JUDGE_STYLE)
            self.confidence_label.setText(
                "None of its words is in the model's vocabulary, so any class would be a "
                "guess. Try a longer text in the language and domain the model was trained on."
            )
            self.chart.set_probabilities(prediction.probabilities, muted=True)
        else:
            self.label_label.setText(prediction.label)
            self.label_label.setStyleSheet(_LABEL_STYLE)
            self.confidence_label.setText(f"confidence {prediction.confidence:.1%}")
            self.chart.set_probabilities(prediction.probabilities)
        self.notes_label.setText(" · ".join(notes))

    def open_text_file(self, path: str | Path) -> bool:
        """Put the text of ``path`` into the editor; problems shown inline."""
        from workbench.core import read_text_file

        try:
            text, encoding = read_text_file(path)
        except WorkbenchError as exc:
            self.messages.show_error(str(exc))
            return False
        self.editor.setPlainText(text)
        note = "" if encoding in ("utf-8", "ascii") else f" (decoded as {encoding})"
        self.messages.show_info(f"Opened {Path(path).name}{note}")
        return True

    # --- batch ------------------------------------------------------------------------
    def classify_folder(self, folder: str | Path) -> Task | None:
        """Classify every .txt file under ``folder`` in a task."""
        self.csv_path = None
        self.column_combo.clear()
        return self._start_batch(lambda: read_folder_batch(folder), f"folder {folder}")

    def set_csv(self, path: str | Path) -> bool:
        """Read the header of the CSV at ``path`` and offer its columns (old results cleared)."""
        try:
            columns = read_csv_header(path)
        except WorkbenchError as exc:
            self.messages.show_error(str(exc))
            return False
        current = self.tasks.current(BATCH_KIND)
        if current is not None:
            current.cancel()
        self.clear_batch_results()
        self.csv_path = Path(path)
        self.column_combo.clear()
        self.column_combo.addItems(columns)
        self.column_combo.setCurrentIndex(guess_text_column(columns))
        self.batch_label.setText(
            f"{self.csv_path.name}: choose the text column, then Classify CSV."
        )
        self._update_controls()
        return True

    def classify_csv(self, column: str | None = None) -> Task | None:
        """Classify the chosen column of the opened CSV in a task."""
        path = self.csv_path
        if path is None:
            self.messages.show_error("Open a CSV file first")
            return None
        column = column or self.column_combo.currentText()
        return self._start_batch(lambda: read_csv_batch(path, [column]), f"{path.name} [{column}]")

    def export_results(self, path: str | Path) -> bool:
        """Write the batch results as CSV (the command line's format); problems shown inline."""
        if self.batch_result is None:
            self.messages.show_error("Nothing to export yet: classify a folder or CSV first")
            return False
        try:
            written = self.batch_result.write_csv(path)
        except WorkbenchError as exc:
            self.messages.show_error(str(exc))
            return False
        self.messages.show_info(f"Saved {len(self.batch_result.rows)} results to {written}")
        return True

    def clear_batch_results(self) -> None:
        """Forget the shown batch results (a new source is being opened)."""
        self.batch_result = None
        self.results_table.setSortingEnabled(False)
        self.results_table.clear()
        self.results_table.setRowCount(0)
        self.results_table.setColumnCount(0)
        if self.text_dialog is not None:
            self.text_dialog.close()
            self.text_dialog = None
        self._update_controls()

    def show_row_text(self, table_row: int) -> TextDialog | None:
        """Open the full text of the table's row ``table_row`` in a read-only window."""
        result = self.batch_result
        first = self.results_table.item(table_row, 0)
        if result is None or first is None:
            return None
        row = result.rows[int(first.data(ROW_ROLE))]
        title = f"{row.item.source}: {row.label} ({row.confidence:.1%})"
        if row.item.label:
            title += f", labelled {row.item.label}"
        if self.text_dialog is not None:
            self.text_dialog.close()
        self.text_dialog = TextDialog(title, row.item.text, self)
        self.text_dialog.show()
        return self.text_dialog

    def _start_batch(self, load: Callable[[], BatchInput], what: str) -> Task | None:
        bundle = self.state.bundle
        if bundle is None:
            self.messages.show_error(NO_MODEL)
            return None
        self.messages.clear()
        self.clear_batch_results()
        explain = self.top_words_check.isChecked()
        task = self.tasks.start(BATCH_KIND, _batch_job(bundle, load, explain=explain))
        self.batch_task = task
        self.batch_label.setText(f"Classifying {what}…")
        self.batch_progress.track(task, "Reading texts…")
        task.done.connect(self.show_batch_result)
        task.failed.connect(self.messages.show_error)
        task.cancelled.connect(lambda: self.batch_label.setText("Batch classification cancelled"))
        task.finished.connect(self._on_batch_finished)
        self._update_controls()
        return task

    def show_batch_result(self, result: BatchResult) -> None:
        """Fill the results table: text (file name for folders), true label when known,
        predicted, confidence, per-class probabilities, note."""
        self.batch_result = result
        names = result.class_names
        folder = not result.input.text_columns
        labelled = result.input.has_labels
        headers = [*(["File"] if folder else []), "Text"]
        headers += ["True label"] if labelled else []
        headers += ["Predicted", "Confidence", *names, "Note"]
        headers += ["Top words"] if result.explained else []
        table = self.results_table
        table.setSortingEnabled(False)
        table.clear()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(result.rows))
        wrong = QColor("#fde2e1")
        for r, row in enumerate(result.rows):
            cells = [row.item.source] if folder else []
            cells.append(_preview(row.item.text))
            cells += [row.item.label or ""] if labelled else []
            cells += [row.label, f"{row.confidence:.3f}"]
            cells += [f"{row.probabilities.get(name, 0.0):.3f}" for name in names]
            cells.append(row.note)
            cells += [row.top_words or ""] if result.explained else []
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(ROW_ROLE, r)
                    item.setToolTip(row.item.source)
                if row.correct is False:
                    item.setBackground(wrong)
                table.setItem(r, c, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.resizeColumnsToContents()
        text_column = 1 if folder else 0
        table.setColumnWidth(text_column, min(table.columnWidth(text_column), 420))
        header.setStretchLastSection(True)
        table.setSortingEnabled(True)
        summary = f"Classified {len(result.rows)} text(s)."
        accuracy = result.accuracy()
        if accuracy is not None:
            summary += (
                f" {accuracy:.1%} agree with the column '{result.input.label_column}'"
                " (rows that disagree are shaded)."
            )
        if result.skipped:
            summary += f" Skipped {len(result.skipped)}: " + "; ".join(result.skipped[:5])
            if len(result.skipped) > 5:
                summary += "; …"
        warnings = result.input.warnings
        if warnings:
            summary += " Check: " + "; ".join(warnings[:3]) + ("; …" if len(warnings) > 3 else "")
            summary += "" if summary.endswith(".") else "."
        self.batch_label.setText(summary + " Double-click a row to read its text.")

    # --- state / tasks -------------------------------------------------------------------
    def _on_bundle_changed(self) -> None:
        bundle = self.state.bundle
        if bundle is None:
            self.model_label.setText(NO_MODEL + " to classify texts.")
        else:
            self.model_label.setText(
                f"Model: {bundle.info.name} — {bundle.info.summary()} · classes: "
                + ", ".join(bundle.info.class_names)
                + ("" if bundle.info.is_complete else f" · {bundle.info.status_text}")
            )
        self._clear_prediction()
        self._update_controls()
        self.explanation_view.set_classes([] if bundle is None else list(bundle.info.class_names))
        self.explain_timer.start()

    def _clear_prediction(self) -> None:
        self.prediction = None
        self.label_label.setText("–")
        self.label_label.setStyleSheet(_LABEL_STYLE)
        self.confidence_label.clear()
        self.notes_label.clear()
        self.chart.set_probabilities({})

    def _on_single_finished(self) -> None:
        self.single_task = None
        if self.prediction is None:
            self.confidence_label.clear()
        self._update_controls()

    def _on_batch_finished(self) -> None:
        self.batch_task = None
        self._update_controls()

    def _update_controls(self) -> None:
        has_model = self.state.bundle is not None
        single_busy = self.single_task is not None
        batch_busy = self.batch_task is not None
        self.classify_button.setEnabled(has_model and not single_busy)
        self.classify_button.setToolTip(CLASSIFY_TIP if has_model else NO_MODEL)
        for button in (self.folder_button, self.csv_run_button):
            button.setToolTip("" if has_model else NO_MODEL)
        self.folder_button.setEnabled(has_model and not batch_busy)
        self.csv_run_button.setEnabled(has_model and not batch_busy and self.csv_path is not None)
        self.column_combo.setEnabled(self.csv_path is not None and not batch_busy)
        self.export_button.setEnabled(self.batch_result is not None and not batch_busy)

    # --- dialogs --------------------------------------------------------------------------
    def _choose_text_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a text", "", "Text files (*.txt);;All files (*)"
        )
        if path:
            self.open_text_file(path)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of .txt files")
        if folder:
            self.classify_folder(folder)

    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a CSV file", "", "CSV / TSV (*.csv *.tsv *.txt);;All files (*)"
        )
        if path:
            self.set_csv(path)

    def _choose_export_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export results", "predictions.csv", "CSV (*.csv)"
        )
        if path:
            self.export_results(path)


if __name__ == "__main__":  # python -m workbench.gui.pages.classify.page [models/<bundle>]
    import sys

    from workbench.gui.widgets import load_bundle_arg, run_page_alone

    sys.exit(
        run_page_alone(
            ClassifyPage,
            size=(1100, 700),
            prepare=load_bundle_arg,
        )
    )
