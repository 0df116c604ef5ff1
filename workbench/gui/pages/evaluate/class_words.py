"""Explanations on the Evaluate page: the selected document highlighted, and the words
that push test documents into each class (aggregated over the evaluated documents).

Both run in tasks; the per-class words only when asked (it explains every document).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from workbench.gui.pages.evaluate.widgets import read_only_table, table_item
from workbench.gui.widgets import TaskProgress

if TYPE_CHECKING:
    from workbench.core import Bundle, ClassWord, Evaluation
    from workbench.gui.pages.classify.highlight import ExplanationView
    from workbench.gui.tasks import Task, TaskRunner

DOCUMENT_KIND = "explain-document"
CLASS_WORDS_KIND = "class-words"


def explain_document(tasks: TaskRunner, view: ExplanationView, bundle: Bundle, doc: dict) -> Task:
    """Explain ``doc["text"]`` for the class chosen in ``view`` in a task; show it there."""
    from workbench.gui.pages.classify.highlight import explain_job

    text = str(doc.get("text", ""))
    task = tasks.start(DOCUMENT_KIND, explain_job(bundle, text, view.chosen_class(), view.method()))
    view.show_busy()
    task.done.connect(lambda result: view.show_explanation(text, result[1]))
    task.failed.connect(lambda message, _details: view.clear(message))
    return task


def evaluated_texts(evaluation: Evaluation) -> list[str]:
    """The texts of the evaluated documents the evaluation kept (all, for a fresh one)."""
    docs = [*evaluation.misclassified, *(getattr(evaluation, "correct", None) or [])]
    return [str(doc["text"]) for doc in docs if doc.get("text")]


def class_words_job(bundle: Bundle, texts: list[str]):
    def run(ctx) -> dict[str, list[ClassWord]]:
        from workbench.core import Explainer, Predictor, class_words

        explainer = Explainer(Predictor(bundle))
        return class_words(explainer, texts, cancel=ctx.cancel, progress=ctx.progress)

    return run


class ClassWordsPanel(QWidget):
    """A button that finds the words pushing documents into each class, and their table."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.bundle: Bundle | None = None
        self.texts: list[str] = []
        self.task: Task | None = None
        self.result: dict[str, list[ClassWord]] | None = None
        self.run_button = QPushButton("Find words per class")
        self.progress = TaskProgress()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.table = read_only_table(("Class", "Words that push documents into it (documents)"))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        row = QHBoxLayout()
        row.addWidget(QLabel("Words per class"))
        row.addWidget(self.label, 1)
        row.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.table, 1)
        self.run_button.clicked.connect(self.start)
        self.set_source(None, None)

    def set_source(self, bundle: Bundle | None, evaluation: Evaluation | None) -> None:
        """The model and the evaluated documents to aggregate over (clears the table)."""
        if self.task is not None:
            self.task.cancel()
        self.bundle = bundle
        self.texts = evaluated_texts(evaluation) if evaluation is not None else []
        self.result = None
        self.table.setRowCount(0)
        if bundle is None or not self.texts:
            self.label.setText("Evaluate the current model on a corpus to find them.")
        else:
            self.label.setText(
                f"Explains each of the {len(self.texts)} evaluated documents for its "
                "predicted class (leave one word out)."
            )
        self._update()

    def start(self) -> Task | None:
        if self.bundle is None or not self.texts or self.task is not None:
            return None
        task = self.tasks.start(CLASS_WORDS_KIND, class_words_job(self.bundle, self.texts))
        self.task = task
        self.progress.track(task, "Explaining documents…")
        task.done.connect(self.show_result)
        task.failed.connect(lambda message, _details: self.label.setText(message))
        task.cancelled.connect(lambda: self.label.setText("Cancelled"))
        task.finished.connect(self._on_finished)
        self._update()
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def show_result(self, result: dict[str, list[ClassWord]]) -> None:
        self.result = result
        self.table.setRowCount(len(result))
        for row, (name, words) in enumerate(result.items()):
            self.table.setItem(row, 0, table_item(name))
            shown = ", ".join(f"{w.word} ({w.documents})" for w in words) or "–"
            cell = table_item(shown)
            cell.setToolTip(
                "\n".join(f"{w.word}: {w.documents} documents, mean weight {w.mean_weight:+.2f}"
                          for w in words)
            )  # fmt: skip
            self.table.setItem(row, 1, cell)
        self.label.setText(
            f"From {len(self.texts)} documents: the words most often among the ten "
            "strongest for each document's predicted class."
        )

    def _on_finished(self) -> None:
        self.task = None
        self._update()

    def _update(self) -> None:
        busy = self.task is not None
        self.run_button.setEnabled(self.bundle is not None and bool(self.texts) and not busy)
