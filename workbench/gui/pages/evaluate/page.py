"""Evaluate page: test metrics, per-class table, clickable confusion matrix, errors.

Shows ``state.evaluation`` (from the last training run or a loaded bundle's saved
metrics: the held-out test split). "Evaluate on current corpus" re-runs the current
model over the loaded corpus in an ``"evaluate"`` task and adds that evaluation beside
the held-out one (a combo switches between them; neither replaces the other). Notes
say what each one measured (see :mod:`workbench.gui.pages.evaluate.notes`). Metrics
export as CSV, the report (titled with model, corpus and split) as PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core import WorkbenchError, baseline_comparison
from workbench.gui.pages.classify.highlight import ExplanationView
from workbench.gui.pages.evaluate.class_words import ClassWordsPanel, explain_document
from workbench.gui.pages.evaluate.confusion import ConfusionMatrixView
from workbench.gui.pages.evaluate.export import write_metrics_csv
from workbench.gui.pages.evaluate.notes import (
    CURRENT_CORPUS,
    HELD_OUT,
    corpus_notes,
    held_out_notes,
    missing_classes,
)
from workbench.gui.pages.evaluate.widgets import MetricCard, first_line, read_only_table, table_item
from workbench.gui.state import AppState
from workbench.gui.tasks import Task, TaskRunner
from workbench.gui.widgets import MessageBar

if TYPE_CHECKING:
    from workbench.core import Evaluation

TASK_KIND = "evaluate"
EMPTY_TEXT = "Train or load a model to see its evaluation."
DOC_COLUMNS = ("True", "Predicted", "Confidence", "First line")
CLASS_COLUMNS = ("Class", "Precision", "Recall", "F1", "Support")


class EvaluatePage(QWidget):
    """How well the current model does on its test split (or on the current corpus)."""

    def __init__(self, state: AppState, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.tasks = tasks
        self.task: Task | None = None
        self.evaluation: Evaluation | None = None
        self.selected_cell: tuple[int, int] | None = None
        # kind -> (evaluation, combo text, report title, notes); HELD_OUT and CURRENT_CORPUS
        self.evaluations: dict[str, tuple[Evaluation, str, str, str]] = {}

        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-weight: 600;")
        self.title_label.setWordWrap(True)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.evaluate_button = QPushButton("Evaluate on current corpus")
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_csv_button.setToolTip("Per-class metrics and summary as CSV")
        self.export_png_button = QPushButton("Export PNG…")
        self.export_png_button.setToolTip("The metrics and confusion matrix as an image")
        self.messages = MessageBar()
        self.source_combo = QComboBox()
        self.source_combo.setToolTip("Which evaluation to show: both are kept")
        self.source_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.source_combo.setMinimumContentsLength(24)
        self.notes_label = QLabel()
        self.notes_label.setObjectName("evaluationNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("color: #5f4300;")
        self.report_title = QLabel()
        self.report_title.setObjectName("reportTitle")
        self.report_title.setWordWrap(True)
        self.report_title.setStyleSheet("font-weight: 600;")

        self.accuracy_card = MetricCard("Accuracy")
        self.macro_card = MetricCard("Macro F1")
        self.weighted_card = MetricCard("Weighted F1")
        self.baseline_label = QLabel()  # "BiLSTM 97.8% - linear baseline 98.2%"
        self.baseline_label.setWordWrap(True)  # with a wide-and-deep model's parts: long
        self.baseline_label.setToolTip(
            "The linear baseline: a TF-IDF linear model trained in seconds on the same "
            "training split and scored on the same test split. For a wide-and-deep model, "
            "its recurrent part and its n-gram part are also scored alone: what the mix "
            "adds over each."
        )
        self.class_table = read_only_table(CLASS_COLUMNS)
        # numbers as wide as their header text (never cut), the class name takes the rest
        class_header = self.class_table.horizontalHeader()
        class_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        class_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.confusion = ConfusionMatrixView()
        self.confusion.setMinimumHeight(150)
        self.filter_label = QLabel()
        self.filter_label.setWordWrap(True)
        self.show_all_button = QPushButton("Show all errors")
        self.doc_table = read_only_table(DOC_COLUMNS)
        header = self.doc_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.explanation_view = ExplanationView()
        self.preview = self.explanation_view.text  # the document, highlighted
        self.preview.setPlaceholderText("Select a document to read it in full.")
        self.explanation_view.request.connect(self._explain_selected)
        self.class_words = ClassWordsPanel(tasks)

        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.evaluate_button)
        top.addWidget(self.export_csv_button)
        top.addWidget(self.export_png_button)

        cards = QHBoxLayout()
        for card in (self.accuracy_card, self.macro_card, self.weighted_card):
            cards.addWidget(card)
        self.report_widget = QWidget()  # what "Export PNG" saves
        self.report_widget.setAutoFillBackground(True)
        report = QVBoxLayout(self.report_widget)
        report.addWidget(self.report_title)
        report.addWidget(self.notes_label)
        report.addLayout(cards)
        report.addWidget(self.baseline_label)
        report.addWidget(QLabel("Per class"))
        report.addWidget(self.class_table, 2)
        report.addWidget(QLabel("Confusion matrix (rows: true class, columns: predicted)"))
        report.addWidget(self.confusion, 3)

        docs = QWidget()
        docs_layout = QVBoxLayout(docs)
        docs_layout.setContentsMargins(0, 0, 0, 0)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_label, 1)
        filter_row.addWidget(self.show_all_button)
        docs_layout.addLayout(filter_row)
        doc_split = QSplitter(Qt.Orientation.Vertical)
        doc_split.addWidget(self.doc_table)
        doc_split.addWidget(self.explanation_view)
        # in the splitter, not the report: the window must fit a small screen (issue 12.19)
        doc_split.addWidget(self.class_words)
        docs_layout.addWidget(doc_split, 1)
        content = QSplitter(Qt.Orientation.Horizontal)
        content.addWidget(self.report_widget)
        content.addWidget(docs)
        content.setStretchFactor(0, 1)
        content.setStretchFactor(1, 1)

        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #666; font-size: 13pt;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(content)
        self.show_row = QWidget()  # hidden while there is no evaluation to show
        show_row = QHBoxLayout(self.show_row)
        show_row.setContentsMargins(0, 0, 0, 0)
        show_row.addWidget(QLabel("Show:"))
        show_row.addWidget(self.source_combo)
        show_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.show_row)
        layout.addWidget(self.messages)
        layout.addWidget(self.stack, 1)

        self.evaluate_button.clicked.connect(self.evaluate_current_corpus)
        self.export_csv_button.clicked.connect(self._choose_csv_path)
        self.export_png_button.clicked.connect(self._choose_png_path)
        self.confusion.cell_chosen.connect(self.show_cell)
        self.show_all_button.clicked.connect(self.show_all_errors)
        self.doc_table.itemSelectionChanged.connect(self._show_selected_document)
        self.source_combo.currentIndexChanged.connect(lambda _: self._show_chosen())
        state.evaluation_changed.connect(self._on_evaluation_changed)
        state.bundle_changed.connect(self._on_bundle_changed)
        state.corpus_changed.connect(self._update_controls)
        self._on_evaluation_changed()

    # --- public -------------------------------------------------------------
    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        """Show ``evaluation`` (``None``: the empty state)."""
        self.evaluation = evaluation
        self.selected_cell = None
        self.explanation_view.clear()
        self.class_words.set_source(self.state.bundle, evaluation)
        if evaluation is None:
            self.stack.setCurrentWidget(self.empty_label)
            self._update_controls()
            return
        self.accuracy_card.set_value(evaluation.accuracy)
        self.macro_card.set_value(evaluation.macro_f1)
        self.weighted_card.set_value(evaluation.weighted_f1)
        versus = stored_baseline_text(self.state.bundle, evaluation)
        self.baseline_label.setText(versus)
        self.baseline_label.setVisible(bool(versus))
        self._fill_class_table(evaluation)
        self.confusion.set_matrix(evaluation.class_names, evaluation.confusion)
        self.stack.setCurrentIndex(1)
        self.show_all_errors()
        self._update_controls()

    def show_cell(self, row: int, column: int) -> None:
        """List the documents of true class ``row`` predicted as ``column``."""
        evaluation = self.evaluation
        if evaluation is None:
            return
        names = evaluation.class_names
        true, predicted = names[row], names[column]
        count = self.confusion.count(row, column)
        self.selected_cell = (row, column)
        self.confusion.setCurrentCell(row, column)
        self.show_all_button.setEnabled(True)
        docs = self.documents_for(true, predicted)
        self._fill_docs(docs)
        if row == column and not docs:
            self.filter_label.setText(
                f"Correct predictions: {count} · {true} (a saved model keeps documents "
                "for errors only; evaluate it on the corpus to list them)"
            )
        elif row == column:
            self.filter_label.setText(
                f"Correct predictions of {true}: {count} document(s), least confident first"
            )
        elif len(docs) < count:
            self.filter_label.setText(
                f"True {true}, predicted {predicted}: showing {len(docs)} of {count} "
                "(only the most confident errors are kept)"
            )
        else:
            self.filter_label.setText(f"True {true}, predicted {predicted}: {count} document(s)")

    def show_all_errors(self) -> None:
        """List every kept misclassified document, most confident first."""
        self.selected_cell = None
        self.confusion.clearSelection()
        self.show_all_button.setEnabled(False)
        docs = self.documents_for(None, None)
        self._fill_docs(docs)
        if self.evaluation is not None:
            errors = sum(
                value
                for r, row in enumerate(self.evaluation.confusion)
                for c, value in enumerate(row)
                if r != c
            )
            kept = f" ({len(docs)} kept)" if len(docs) < errors else ""
            self.filter_label.setText(
                f"Misclassified documents: {errors}{kept}, most confident first. "
                "Click a confusion cell to filter."
            )

    def documents_for(self, true: str | None, predicted: str | None) -> list[dict]:
        """Kept documents with this true/predicted class (``None`` = any error).

        Errors come most confident first; a diagonal cell lists the correct predictions
        of that class, least confident first (known for a fresh evaluation only).
        """
        if self.evaluation is None:
            return []
        if true is not None and true == predicted:  # a diagonal cell: correct predictions
            correct = getattr(self.evaluation, "correct", None) or []
            return [doc for doc in correct if doc.get("true") == true]
        docs = [
            doc
            for doc in self.evaluation.misclassified
            if (true is None and predicted is None and doc.get("true") != doc.get("predicted"))
            or (doc.get("true") == true and doc.get("predicted") == predicted)
        ]
        return sorted(docs, key=lambda doc: -float(doc.get("confidence", 0.0)))

    def export_csv(self, path: str | Path) -> bool:
        """Write the metrics CSV; problems shown inline."""
        if self.evaluation is None:
            self.messages.show_error("Nothing to export: " + EMPTY_TEXT)
            return False
        try:
            written = write_metrics_csv(self.evaluation, path)
        except WorkbenchError as exc:
            self.messages.show_error(str(exc))
            return False
        self.messages.show_info(f"Saved metrics to {written}")
        return True

    def shown_kind(self) -> str:
        """``HELD_OUT`` or ``CURRENT_CORPUS``: the evaluation on screen ("" for none)."""
        return self.source_combo.currentData() or ""

    def show_kind(self, kind: str) -> bool:
        """Show the evaluation of ``kind`` (False when there is none)."""
        index = self.source_combo.findData(kind)
        if index < 0:
            return False
        self.source_combo.setCurrentIndex(index)
        self._show_chosen()
        return True

    def export_png(self, path: str | Path) -> bool:
        """Save the metrics and confusion matrix as an image; problems shown inline."""
        if self.evaluation is None:
            self.messages.show_error("Nothing to export: " + EMPTY_TEXT)
            return False
        path = Path(path)
        if not self.report_widget.grab().save(str(path), "PNG"):
            self.messages.show_error(f"{path}: cannot write the image")
            return False
        self.messages.show_info(f"Saved image to {path}")
        return True

    def evaluate_current_corpus(self) -> Task | None:
        """Run the current model over the whole current corpus in a task."""
        bundle, corpus = self.state.bundle, self.state.corpus
        if bundle is None or corpus is None or self.task is not None:
            return None
        from workbench.core import evaluate_bundle

        self.messages.show_info(f"Evaluating {bundle.info.name} on {corpus.source}…")
        task = self.tasks.start(TASK_KIND, lambda ctx: evaluate_bundle(bundle, corpus))
        self.task = task
        task.done.connect(lambda evaluation: self._on_evaluated(evaluation, bundle, corpus))
        task.failed.connect(self.messages.show_error)
        task.finished.connect(self._on_task_finished)
        self._update_controls()
        return task

    # --- internals -----------------------------------------------------------------
    def _on_evaluation_changed(self) -> None:
        """The state's evaluation (held-out test split) changed: offer and show it."""
        evaluation = self.state.evaluation
        self.evaluations.pop(HELD_OUT, None)
        if evaluation is not None:
            bundle = self.state.bundle
            provenance = getattr(getattr(bundle, "info", None), "provenance", None)
            name = bundle.info.name if bundle is not None else "model"
            self.evaluations[HELD_OUT] = (
                evaluation,
                "Held-out test split (from training)",
                f"{name} · held-out test split of its training corpus",
                held_out_notes(provenance, evaluation),
            )
        self._fill_combo(HELD_OUT)

    def _on_bundle_changed(self) -> None:
        """Another model: an evaluation of the previous one on the corpus no longer holds."""
        if CURRENT_CORPUS in self.evaluations:
            self.evaluations.pop(CURRENT_CORPUS)
            self._fill_combo(HELD_OUT)
        self._update_controls()

    def _on_evaluated(self, evaluation: Evaluation, bundle: object, corpus: object) -> None:
        """An evaluation on the current corpus: added beside the held-out one, shown."""
        info = bundle.info
        name = Path(str(corpus.source)).name
        predefined = corpus.splits is not None and "test" in corpus.splits
        split = "predefined test split" if predefined else "all documents"
        self.evaluations[CURRENT_CORPUS] = (
            evaluation,
            f"Current corpus: {name}",
            f"{info.name} · corpus {name} · {split}",
            corpus_notes(info.provenance, corpus, evaluation, list(info.class_names)),
        )
        self._fill_combo(CURRENT_CORPUS)
        self.messages.show_info(
            f"Evaluated on {evaluation.n_documents} documents of {name}. The held-out test "
            "figures are kept: choose them in the Show box."
            if HELD_OUT in self.evaluations
            else f"Evaluated on {evaluation.n_documents} documents of {name}."
        )

    def _fill_combo(self, prefer: str) -> None:
        current = self.shown_kind()
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        for kind in (HELD_OUT, CURRENT_CORPUS):
            if kind in self.evaluations:
                self.source_combo.addItem(self.evaluations[kind][1], kind)
        index = self.source_combo.findData(prefer)
        if index < 0:
            index = self.source_combo.findData(current)
        self.source_combo.setCurrentIndex(max(index, 0) if self.evaluations else -1)
        self.source_combo.blockSignals(False)
        self.source_combo.setEnabled(len(self.evaluations) > 1)
        self.show_row.setVisible(bool(self.evaluations))
        self._show_chosen()

    def _show_chosen(self) -> None:
        chosen = self.evaluations.get(self.shown_kind())
        if chosen is None:
            self.report_title.clear()
            self.notes_label.clear()
            self.set_evaluation(None)
            return
        evaluation, _, title, notes = chosen
        self.report_title.setText(title)
        self.notes_label.setText(notes)
        self.notes_label.setVisible(bool(notes))
        self.set_evaluation(evaluation)

    def _on_task_finished(self) -> None:
        self.task = None
        self._update_controls()

    def _update_controls(self) -> None:
        bundle = self.state.bundle
        if bundle is not None:
            info = bundle.info
            self.title_label.setText(f"{info.name} — {info.summary()}")
        elif self.evaluation is not None:
            self.title_label.setText("Evaluation")
        else:
            self.title_label.setText("No model")
        reason = ""
        if bundle is None:
            reason = "Train or load a model first"
        elif self.state.corpus is None:
            reason = "Load a corpus first"
        elif self.task is not None:
            reason = "Evaluation is running"
        self.evaluate_button.setEnabled(not reason)
        self.evaluate_button.setToolTip(
            reason or "Run the current model over every document of the loaded corpus"
        )
        has_eval = self.evaluation is not None
        self.export_csv_button.setEnabled(has_eval)
        self.export_png_button.setEnabled(has_eval)

    def _fill_class_table(self, evaluation: Evaluation) -> None:
        table = self.class_table
        table.setRowCount(len(evaluation.class_names))
        for row, name in enumerate(evaluation.class_names):
            values = evaluation.per_class.get(name, {})
            table.setItem(row, 0, table_item(name))
            for column, key in enumerate(("precision", "recall", "f1"), start=1):
                table.setItem(
                    row, column, table_item(f"{float(values.get(key, 0.0)):.3f}", None, True)
                )
            support = int(values.get("support", 0))
            table.setItem(row, 4, table_item(str(support), None, True))
        missing = set(missing_classes(evaluation))
        grey = QBrush(QColor("#8a8a8a"))
        for row, name in enumerate(evaluation.class_names):
            if name not in missing:
                continue
            for column in range(table.columnCount()):
                item = table.item(row, column)
                item.setForeground(grey)
                item.setToolTip(f"No document of {name} was evaluated: its F1 counts as 0.")

    def _fill_docs(self, docs: list[dict]) -> None:
        table = self.doc_table
        table.setSortingEnabled(False)
        table.setRowCount(len(docs))
        for row, doc in enumerate(docs):
            table.setItem(row, 0, table_item(str(doc.get("true", "")), doc))
            table.setItem(row, 1, table_item(str(doc.get("predicted", ""))))
            confidence = float(doc.get("confidence", 0.0))
            table.setItem(row, 2, table_item(f"{confidence:.1%}", None, True))
            table.setItem(row, 3, table_item(first_line(str(doc.get("text", "")))))
        self.explanation_view.clear()

    def _show_selected_document(self) -> None:
        rows = self.doc_table.selectionModel().selectedRows()
        if not rows:
            self.explanation_view.clear()
            return
        doc = self.doc_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) or {}
        header = (
            f"True: {doc.get('true')} · predicted: {doc.get('predicted')} "
            f"({float(doc.get('confidence', 0.0)):.1%}) · document #{doc.get('index')}"
        )
        self.explanation_view.header = header
        self.explanation_view.clear()
        self.preview.setPlainText(str(doc.get("text", "")))
        names = self.evaluation.class_names if self.evaluation is not None else []
        self.explanation_view.set_classes(list(names))
        self.explanation_view.set_pair(doc.get("predicted"), doc.get("true"))
        self._explain_selected()

    def _explain_selected(self) -> Task | None:
        """Explain the selected document for the chosen class in a task."""
        rows = self.doc_table.selectionModel().selectedRows()
        bundle = self.state.bundle
        if not rows or bundle is None:
            return None
        doc = self.doc_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) or {}
        return explain_document(self.tasks, self.explanation_view, bundle, doc)

    def _choose_csv_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", "metrics.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def _choose_png_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export evaluation image", "evaluation.png", "PNG image (*.png)"
        )
        if path:
            self.export_png(path)


if __name__ == "__main__":  # python -m workbench.gui.pages.evaluate.page [models/<bundle>]
    import sys

    from workbench.gui.widgets import load_bundle_arg, run_page_alone

    sys.exit(
        run_page_alone(
            EvaluatePage,
            size=(1200, 800),
            prepare=load_bundle_arg,
        )
    )


def stored_baseline_text(bundle: object, evaluation: Evaluation) -> str:
    """The model-versus-baseline line when ``evaluation`` is the bundle's own test score.

    A bundle stores its linear baseline's figures on the training run's test split; they
    are only comparable with that split's evaluation, not with one on another corpus.
    """
    metrics = getattr(bundle, "metrics", None)
    if not isinstance(metrics, dict) or not (metrics.get("baseline") or metrics.get("parts")):
        return ""
    same = metrics.get("accuracy") == evaluation.accuracy and metrics.get("confusion") == [
        list(row) for row in evaluation.confusion
    ]
    if not same:
        return ""
    text = baseline_comparison(
        getattr(bundle, "config", None),
        evaluation.accuracy,
        metrics.get("baseline"),
        parts=metrics.get("parts"),
    )
    return f"{text} (same test split)" if text else ""
