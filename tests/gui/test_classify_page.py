"""Classify page: single text, empty input, no model, batch folder / CSV, saved models."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from tests.gui.tiny_model import train_tiny
from workbench.core import CorpusError, guess_text_column
from workbench.gui.pages.classify.batch import csv_items, folder_items
from workbench.gui.pages.classify.page import EMPTY_INPUT, NO_MODEL, ClassifyPage
from workbench.gui.state import AppState


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``(corpus, RunResult)`` of a tiny model trained once for this module."""
    return train_tiny(tmp_path_factory.mktemp("classify"), epochs=2)


@pytest.fixture
def page(qtbot, tmp_path, runner):
    widget = ClassifyPage(AppState(models_dir=tmp_path / "models"), runner)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def model_page(page, trained):
    page.state.set_bundle(trained[1].bundle)
    return page


def _wait(qtbot, task):
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass


def test_without_model_buttons_say_why(page):
    assert not page.classify_button.isEnabled()
    assert page.classify_button.toolTip() == NO_MODEL
    assert not page.folder_button.isEnabled()
    assert page.folder_button.toolTip() == NO_MODEL
    assert NO_MODEL in page.model_label.text()
    page.editor.setPlainText("some text")
    assert page.classify_text() is None
    assert page.messages.text() == NO_MODEL


def test_classify_pasted_text(model_page, qtbot, trained):
    page = model_page
    assert page.classify_button.isEnabled()
    assert page.classify_button.shortcut() == QKeySequence("Ctrl+Return")
    page.editor.setPlainText("goal match striker keeper league referee")
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    page.editor.setFocus()
    qtbot.keyClick(page.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.single_task is not None, timeout=2_000)
    _wait(qtbot, page.single_task)
    prediction = page.prediction
    assert prediction is not None
    names = trained[1].bundle.info.class_names
    assert sorted(page.chart.names()) == sorted(names)
    assert sum(page.chart.values()) == pytest.approx(1.0, abs=1e-4)
    assert page.chart.values() == sorted(page.chart.values(), reverse=True)
    best = max(prediction.probabilities, key=prediction.probabilities.get)
    assert page.label_label.text() == best == page.chart.names()[0]
    assert page.confidence_label.text() == f"confidence {prediction.confidence:.1%}"
    assert "6 of 6 words known" in page.notes_label.text()
    assert page.classify_button.isEnabled()


def test_unknown_words_give_a_note(model_page, qtbot):
    model_page.editor.setPlainText("zzzq xxyy")
    _wait(qtbot, model_page.classify_text())
    assert "no known words" in model_page.notes_label.text()


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_input_gives_a_message_not_a_prediction(model_page, text):
    model_page.editor.setPlainText(text)
    assert model_page.classify_text() is None
    assert model_page.messages.kind() == "error"
    assert model_page.messages.text() == EMPTY_INPUT
    assert model_page.prediction is None
    assert model_page.label_label.text() == "–"
    assert not model_page.tasks.is_running()


def test_batch_classify_folder_and_export(model_page, qtbot, tmp_path, trained):
    page = model_page
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("bread cheese soup", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("laptop software chip", encoding="utf-8")
    (folder / "c.txt").write_bytes("café garlic onion".encode("cp1252"))
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 20)
    (folder / "notes.md").write_text("not a txt file", encoding="utf-8")
    _wait(qtbot, page.classify_folder(folder))
    table = page.results_table
    names = list(trained[1].bundle.info.class_names)
    assert table.rowCount() == 3
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == [
        "Source",
        "Predicted",
        "Confidence",
        *names,
        "Note",
    ]
    sources = sorted(table.item(r, 0).text() for r in range(3))
    assert sources == ["a.txt", "c.txt", "sub/b.txt"]
    assert "Skipped 1: broken.txt: binary file" in page.batch_label.text()
    assert page.export_button.isEnabled()

    out = tmp_path / "predictions.csv"
    assert page.export_results(out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3
    for row in rows:
        assert sum(float(row[name]) for name in names) == pytest.approx(1.0, abs=1e-4)
        assert row["predicted"] == max(names, key=lambda name: float(row[name]))


def test_batch_classify_csv_column(model_page, qtbot, tmp_path):
    page = model_page
    path = tmp_path / "items.csv"
    path.write_text(
        'id,text\n1,"goal match,\nstriker"\n2,bread soup\n\n3,laptop chip\n', encoding="utf-8"
    )
    assert page.set_csv(path)
    assert page.column_combo.currentText() == "text"
    assert page.csv_run_button.isEnabled()
    _wait(qtbot, page.classify_csv())
    table = page.results_table
    assert table.rowCount() == 3
    assert [table.item(r, 0).text() for r in range(3)] == ["line 2", "line 4", "line 6"]


def test_batch_csv_problems_are_shown_inline(model_page, qtbot, tmp_path):
    page = model_page
    path = tmp_path / "items.csv"
    path.write_text("id,text\n1,goal\n", encoding="utf-8")
    assert page.set_csv(path)
    _wait(qtbot, page.classify_csv("body"))
    assert page.messages.kind() == "error"
    assert "column 'body' not found" in page.messages.text()
    assert not page.set_csv(tmp_path / "missing.csv")
    assert "missing.csv" in page.messages.text()
    assert not page.export_results(tmp_path / "x.csv")  # nothing classified yet


def test_load_saved_model_and_classify(page, qtbot, trained):
    from workbench.core import Predictor, load_bundle

    result = trained[1]
    loaded = load_bundle(result.bundle_path)
    page.state.set_bundle(loaded)
    assert loaded.info.name in page.model_label.text()
    text = "laptop software chip server"
    page.editor.setPlainText(text)
    _wait(qtbot, page.classify_text())
    expected = Predictor(result.bundle).classify([text])[0]
    assert page.prediction.label == expected.label
    for name, probability in expected.probabilities.items():
        assert page.prediction.probabilities[name] == pytest.approx(probability, abs=1e-5)


def test_open_text_file(page, tmp_path):
    path = tmp_path / "article.txt"
    path.write_bytes("Caf\xe9 prices rise".encode("cp1252"))
    assert page.open_text_file(path)
    assert page.editor.toPlainText() == "Café prices rise"
    assert "cp1252" in page.messages.text()
    assert not page.open_text_file(tmp_path / "nope.txt")
    assert page.messages.kind() == "error"
    assert "nope.txt" in page.messages.text()


def test_batch_readers_reject_bad_input(tmp_path):
    with pytest.raises(CorpusError, match="not a folder"):
        folder_items(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match=r"no \.txt files"):
        folder_items(tmp_path / "empty")
    path = tmp_path / "only_header.csv"
    path.write_text("a;text\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no data rows"):
        csv_items(path, "text")
    assert guess_text_column(["id", "Body", "label"]) == 1
    assert guess_text_column(["x", "y"]) == 0


def test_header_marks_a_stopped_model(page, trained):
    import dataclasses

    bundle = trained[1].bundle
    note = "stopped after 1 of 15 epochs; best epoch 1 saved, 50.0 % on the test split"
    info = dataclasses.replace(bundle.info, status="stopped", status_note=note)
    page.state.set_bundle(dataclasses.replace(bundle, info=info))
    assert page.model_label.text().endswith(f" · {note}")
    page.state.set_bundle(bundle)
    assert note not in page.model_label.text()
