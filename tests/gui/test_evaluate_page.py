"""Evaluate page: metrics, confusion matrix (as the core computes it), cell clicks, export."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from tests.gui.tiny_model import WORDS, train_tiny
from workbench.core import Evaluation, evaluate
from workbench.gui.pages.evaluate.notes import CURRENT_CORPUS, HELD_OUT
from workbench.gui.pages.evaluate.page import EMPTY_TEXT, EvaluatePage
from workbench.gui.pages.evaluate.widgets import first_line
from workbench.gui.state import AppState


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``(corpus, RunResult)`` of a tiny model trained once for this module."""
    return train_tiny(tmp_path_factory.mktemp("evaluate"), epochs=2)


@pytest.fixture
def page(qtbot, tmp_path, runner):
    widget = EvaluatePage(AppState(models_dir=tmp_path / "models"), runner)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def synthetic():
    """An evaluation with known errors: 2 x (a -> b), 1 x (b -> c)."""
    names = ["a", "b", "c"]
    y_true = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2])
    probs = np.array(
        [
            [0.8, 0.1, 0.1],
            [0.3, 0.6, 0.1],  # a -> b, 0.6
            [0.05, 0.9, 0.05],  # a -> b, 0.9
            [0.7, 0.2, 0.1],
            [0.1, 0.8, 0.1],
            [0.1, 0.2, 0.7],  # b -> c, 0.7
            [0.1, 0.1, 0.8],
            [0.2, 0.1, 0.7],
            [0.0, 0.1, 0.9],
        ]
    )
    texts = [f"headline {i}\nbody of document {i}" for i in range(len(y_true))]
    return evaluate(y_true, probs, names, texts=texts)


def _click(qtbot, table, row, column):
    rect = table.visualItemRect(table.item(row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_empty_state(page, tmp_path):
    assert page.stack.currentWidget() is page.empty_label
    assert page.empty_label.text() == EMPTY_TEXT
    assert not page.export_csv_button.isEnabled()
    assert not page.evaluate_button.isEnabled()
    assert page.evaluate_button.toolTip() == "Train or load a model first"
    assert not page.export_csv(tmp_path / "m.csv")
    assert page.messages.kind() == "error"
    assert not (tmp_path / "m.csv").exists()


def test_shows_the_core_confusion_matrix_of_the_test_split(page, trained):
    from workbench.core import Predictor, split_corpus

    corpus, result = trained
    config = result.bundle.config
    page.state.set_bundle(result.bundle, result.evaluation)
    test = split_corpus(
        corpus,
        val_fraction=config.val_fraction,
        test_fraction=config.test_fraction,
        seed=config.seed,
    ).test
    names = list(result.bundle.info.class_names)
    probs = Predictor(result.bundle).predict_proba(list(test.texts))
    expected = evaluate(np.array([names.index(label) for label in test.labels]), probs, names)
    assert page.confusion.counts() == expected.confusion
    assert page.accuracy_card.value_label.text() == f"{expected.accuracy:.1%}"
    assert page.macro_card.value_label.text() == f"{expected.macro_f1:.1%}"
    assert page.class_table.rowCount() == len(names)
    assert [page.class_table.item(r, 0).text() for r in range(len(names))] == names
    assert page.stack.currentIndex() == 1


def test_clicking_a_cell_lists_its_documents(page, qtbot, synthetic):
    page.state.set_evaluation(synthetic)
    assert page.doc_table.rowCount() == 3  # all errors first
    _click(qtbot, page.confusion, 0, 1)
    assert page.selected_cell == (0, 1)
    assert page.doc_table.rowCount() == 2
    confidences = [page.doc_table.item(r, 2).text() for r in range(2)]
    assert confidences == ["90.0%", "60.0%"]  # most confident first
    assert page.doc_table.item(0, 0).text() == "a"
    assert page.doc_table.item(0, 1).text() == "b"
    assert page.doc_table.item(0, 3).text() == "headline 2"
    page.doc_table.selectRow(0)
    assert "body of document 2" in page.preview.toPlainText()

    _click(qtbot, page.confusion, 1, 2)
    assert page.doc_table.rowCount() == 1
    assert page.doc_table.item(0, 3).text() == "headline 5"

    _click(qtbot, page.confusion, 2, 2)  # diagonal: the correct predictions of c
    assert page.doc_table.rowCount() == 3
    assert [page.doc_table.item(r, 2).text() for r in range(3)] == ["70.0%", "80.0%", "90.0%"]
    assert "Correct predictions of c: 3" in page.filter_label.text()

    page.show_all_button.click()
    assert page.doc_table.rowCount() == 3
    assert page.selected_cell is None


def test_saved_evaluation_diagonal_shows_the_count_only(page, qtbot, synthetic):
    saved = Evaluation.from_dict(synthetic.to_dict())  # what a loaded bundle carries
    page.state.set_evaluation(saved)
    _click(qtbot, page.confusion, 2, 2)
    assert page.doc_table.rowCount() == 0
    assert "Correct predictions: 3" in page.filter_label.text()


def test_export_csv_writes_the_numbers(page, tmp_path, synthetic):
    page.state.set_evaluation(synthetic)
    path = tmp_path / "metrics.csv"
    assert page.export_csv(path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["class", "precision", "recall", "f1", "support"]
    by_name = {row[0]: row for row in rows[1:]}
    for name in synthetic.class_names:
        metrics = synthetic.per_class[name]
        row = by_name[name]
        assert float(row[1]) == pytest.approx(metrics["precision"], abs=1e-4)
        assert float(row[2]) == pytest.approx(metrics["recall"], abs=1e-4)
        assert float(row[3]) == pytest.approx(metrics["f1"], abs=1e-4)
        assert int(row[4]) == metrics["support"]
    assert float(by_name["accuracy"][3]) == pytest.approx(synthetic.accuracy, abs=1e-4)
    assert float(by_name["macro avg"][3]) == pytest.approx(synthetic.macro_f1, abs=1e-4)
    assert float(by_name["weighted avg"][3]) == pytest.approx(synthetic.weighted_f1, abs=1e-4)
    assert int(by_name["accuracy"][4]) == 9


def test_export_png_and_unwritable_paths(page, tmp_path, synthetic):
    page.state.set_evaluation(synthetic)
    png = tmp_path / "eval.png"
    assert page.export_png(png)
    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() > 100
    missing = tmp_path / "no" / "such" / "folder"
    assert not page.export_csv(missing / "m.csv")
    assert page.messages.kind() == "error"
    assert "cannot write" in page.messages.text()
    assert not page.export_png(missing / "e.png")
    assert "cannot write" in page.messages.text()


def test_evaluate_on_current_corpus(page, qtbot, trained):
    corpus, result = trained
    page.state.set_corpus(corpus, None, None)
    page.state.set_bundle(result.bundle, result.evaluation)
    assert page.evaluate_button.isEnabled()
    task = page.evaluate_current_corpus()
    assert not page.evaluate_button.isEnabled()
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    assert sum(map(sum, page.confusion.counts())) == len(corpus)
    assert page.messages.kind() == "info"
    assert page.evaluate_button.isEnabled()
    # issue 12.12: the held-out test figures are kept, switchable
    assert page.state.evaluation is result.evaluation
    assert page.shown_kind() == CURRENT_CORPUS
    assert page.source_combo.count() == 2
    assert page.source_combo.isEnabled()
    assert page.source_combo.itemText(0) == "Held-out test split (from training)"
    assert page.source_combo.itemText(1) == f"Current corpus: {corpus.source.rsplit('/', 1)[-1]}"
    assert "training documents included" in page.notes_label.text()  # the training corpus
    assert page.show_kind(HELD_OUT)
    assert page.evaluation is result.evaluation
    assert sum(map(sum, page.confusion.counts())) == result.evaluation.n_documents
    assert "Held-out test split" in page.notes_label.text()
    assert "training documents included" not in page.notes_label.text()
    # another model: the corpus evaluation of the previous one goes
    page.state.set_bundle(result.bundle, result.evaluation)
    assert page.source_combo.count() == 1
    assert page.shown_kind() == HELD_OUT


def test_other_corpus_missing_a_class_is_described_honestly(page, qtbot, trained, tmp_path):
    from workbench.core import load_corpus

    _, result = trained
    root = tmp_path / "two-classes"
    for label in ("food", "sport"):
        (root / label).mkdir(parents=True)
        for i in range(4):
            (root / label / f"{i}.txt").write_text(" ".join(WORDS[label][i:] * 2))
    corpus, report = load_corpus(root)
    page.state.set_corpus(corpus, report, None)
    page.state.set_bundle(result.bundle, result.evaluation)
    task = page.evaluate_current_corpus()
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    notes = page.notes_label.text()
    assert "training documents included" not in notes
    assert "a different corpus from the training one" in notes
    assert "It has 2 of the model's 3 classes." in notes
    assert "No documents of tech here" in notes
    assert "pulls macro F1 down" in notes
    title = page.report_title.text()
    assert result.bundle.info.name in title
    assert "two-classes" in title
    assert "all documents" in title
    row = page.evaluation.class_names.index("tech")
    assert "counts as 0" in page.class_table.item(row, 4).toolTip()


def test_notes_compare_provenance_and_name_zero_support(tmp_path):
    from types import SimpleNamespace

    from workbench.gui.pages.evaluate.notes import (
        corpus_relation,
        macro_f1_present,
        missing_classes,
        zero_support_note,
    )

    class Sized(SimpleNamespace):
        def __len__(self):
            return self.n

    corpus = Sized(source=str(tmp_path / "bbc"), splits=None, n=2225)
    same = {"corpus": {"source": str(tmp_path / "bbc" / "."), "documents": 2225}}
    assert corpus_relation(same, corpus) == "same"
    changed = {"corpus": {"source": str(tmp_path / "bbc"), "documents": 2000}}
    assert corpus_relation(changed, corpus) == "changed"
    assert corpus_relation({"corpus": {"source": "/elsewhere/20news"}}, corpus) == "other"
    assert corpus_relation({}, corpus) == "unknown"
    names = ["a", "b", "c"]
    y_true = np.array([0, 0, 1, 1])
    probs = np.array([[0.8, 0.1, 0.1], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1], [0.1, 0.7, 0.2]])
    evaluation = evaluate(y_true, probs, names)
    assert missing_classes(evaluation) == ["c"]
    note = zero_support_note(evaluation)
    assert note.startswith("No documents of c here: its F1 counts as 0")
    assert f"{evaluation.macro_f1:.1%}" in note
    assert macro_f1_present(evaluation) > evaluation.macro_f1
    assert f"over the 2 classes present, macro F1 is {macro_f1_present(evaluation):.1%}" in note


def test_class_table_headers_are_not_cut_off(page, synthetic):
    page.state.set_evaluation(synthetic)
    page.class_table.setFixedWidth(300)  # a narrow window at 1024 px or 1.5x scaling
    header = page.class_table.horizontalHeader()
    header.doItemsLayout()
    metrics = header.fontMetrics()
    for column in range(1, page.class_table.columnCount()):
        text = page.class_table.horizontalHeaderItem(column).text()
        assert header.sectionSize(column) >= metrics.horizontalAdvance(text) + 8, text


def test_export_png_carries_model_corpus_and_split_in_its_title(page, tmp_path, synthetic):
    page.state.set_evaluation(synthetic)
    assert "held-out test split" in page.report_title.text()
    assert page.report_title.parent() is page.report_widget  # inside what is saved
    assert page.export_png(tmp_path / "e.png")


def test_evaluate_on_corpus_with_unknown_class_shows_error(page, qtbot, trained, tmp_path):
    from workbench.core import load_corpus

    _, result = trained
    root = tmp_path / "other"
    for label in ("food", "weather"):
        (root / label).mkdir(parents=True)
        for i in range(3):
            words = WORDS.get(label, ["rain", "sun", "cloud"])
            (root / label / f"{i}.txt").write_text(" ".join(words), encoding="utf-8")
    corpus, report = load_corpus(root)
    page.state.set_corpus(corpus, report, None)
    page.state.set_bundle(result.bundle, result.evaluation)
    task = page.evaluate_current_corpus()
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    assert page.messages.kind() == "error"
    assert "weather" in page.messages.text()
    assert page.state.evaluation is result.evaluation


def test_first_line():
    assert first_line("\n\n  Title here \nbody") == "Title here"
    assert first_line("x" * 200, limit=10) == "x" * 9 + "…"
