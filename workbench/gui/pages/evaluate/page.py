"""Evaluate page: test metrics, per-class table, clickable confusion matrix, errors.

Shows ``state.evaluation`` (from the last training run or a loaded bundle's saved
metrics). "Evaluate on current corpus" re-runs the current model over the loaded
corpus in an ``"evaluate"`` task. Metrics export as CSV, the report as PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core import WorkbenchError, baseline_comparison
from workbench.gui.pages.evaluate.confusion import ConfusionMatrixView
from workbench.gui.pages.evaluate.export import write_metrics_csv
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

        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-weight: 600;")
        self.title_label.setWordWrap(True)
        self.evaluate_button = QPushButton("Evaluate on current corpus")
        self.export_csv_button = QPushButton("Export CSV…")
        self.export_csv_button.setToolTip("Per-class metrics and summary as CSV")
        self.export_png_button = QPushButton("Export PNG…")
        self.export_png_button.setToolTip("The metrics and confusion matrix as an image")
        self.messages = MessageBar()

        self.accuracy_card = MetricCard("Accuracy")
        self.macro_card = MetricCard("Macro F1")
        self.weighted_card = MetricCard("Weighted F1")
        self.baseline_label = QLabel()  # "BiLSTM 97.8% - linear baseline 98.2%"
        self.baseline_label.setToolTip(
            "A TF-IDF linear model trained in seconds on the same training split "
            "and scored on the same test split"
        )
        self.class_table = read_only_table(CLASS_COLUMNS)
        self.class_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.confusion = ConfusionMatrixView()
        self.confusion.setMinimumHeight(220)
        self.filter_label = QLabel()
        self.filter_label.setWordWrap(True)
        self.show_all_button = QPushButton("Show all errors")
        self.doc_table = read_only_table(DOC_COLUMNS)
        header = self.doc_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("Select a document to read it in full.")

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
        doc_split.addWidget(self.preview)
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
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.messages)
        layout.addWidget(self.stack, 1)

        self.evaluate_button.clicked.connect(self.evaluate_current_corpus)
        self.export_csv_button.clicked.connect(self._choose_csv_path)
        self.export_png_button.clicked.connect(self._choose_png_path)
        self.confusion.cell_chosen.connect(self.show_cell)
        self.show_all_button.clicked.connect(self.show_all_errors)
        self.doc_table.itemSelectionChanged.connect(self._show_selected_document)
        state.evaluation_changed.connect(self._on_evaluation_changed)
        state.bundle_changed.connect(self._update_controls)
        state.corpus_changed.connect(self._update_controls)
        self._on_evaluation_changed()

    # --- public -------------------------------------------------------------
    def set_evaluation(self, evaluation: Evaluation | None) -> None:
        """Show ``evaluation`` (``None``: the empty state)."""
        self.evaluation = evaluation
        self.selected_cell = None
        self.preview.clear()
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
        task.done.connect(self._on_evaluated)
        task.failed.connect(self.messages.show_error)
        task.finished.connect(self._on_task_finished)
        self._update_controls()
        return task

    # --- internals -----------------------------------------------------------------
    def _on_evaluation_changed(self) -> None:
        self.set_evaluation(self.state.evaluation)

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        corpus = self.state.corpus
        self.state.set_evaluation(evaluation)
        if corpus is None:
            return
        if corpus.splits is not None and "test" in corpus.splits:
            where = f"the predefined test split of {corpus.source}"
        else:
            where = f"all documents of {corpus.source} (training documents included)"
        total = sum(sum(row) for row in evaluation.confusion)
        self.messages.show_info(f"Evaluated on {total} documents: {where}.")

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
        self.preview.clear()

    def _show_selected_document(self) -> None:
        rows = self.doc_table.selectionModel().selectedRows()
        if not rows:
            self.preview.clear()
            return
        doc = self.doc_table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) or {}
        header = (
            f"True: {doc.get('true')} · predicted: {doc.get('predicted')} "
            f"({float(doc.get('confidence', 0.0)):.1%}) · document #{doc.get('index')}"
        )
        self.preview.setPlainText(f"{header}\n\n{doc.get('text', '')}")

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
    if not isinstance(metrics, dict) or not metrics.get("baseline"):
        return ""
    same = metrics.get("accuracy") == evaluation.accuracy and metrics.get("confusion") == [
        list(row) for row in evaluation.confusion
    ]
    if not same:
        return ""
    text = baseline_comparison(
        getattr(bundle, "config", None), evaluation.accuracy, metrics["baseline"]
    )
    return f"{text} (same test split)" if text else ""
