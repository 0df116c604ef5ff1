"""Classify page: single text, empty input, no model, batch folder / CSV, saved models."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from tests.gui.tiny_model import train_tiny
from workbench.core import CorpusError, guess_text_column, read_csv_batch, read_folder_batch
from workbench.gui.pages.classify.page import (
    CANNOT_JUDGE,
    EMPTY_INPUT,
    NO_MODEL,
    SINGLE_KIND,
    ClassifyPage,
)
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
    assert page.messages.text() == NO_MODEL + "."


def test_classify_pasted_text(model_page, qtbot, trained, activate):
    page = model_page
    assert page.classify_button.isEnabled()
    assert page.classify_button.shortcut() == QKeySequence("Ctrl+Return")
    page.editor.setPlainText("goal match striker keeper league referee")
    activate(page, focus=page.editor)
    # The task of the click is taken when the click happens: a tiny model classifies
    # in ~15 ms, so the task can start and finish within one poll of a wait.
    clicked = []
    page.classify_button.clicked.connect(lambda: clicked.append(page.single_task))
    qtbot.keyClick(page.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # a button's shortcut clicks it through animateClick (a short timer)
    qtbot.waitUntil(lambda: len(clicked) == 1, timeout=10_000)
    task = clicked[0]
    assert task is not None
    assert task.kind == SINGLE_KIND
    qtbot.waitUntil(lambda: not task.is_running(), timeout=60_000)
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
    # no big bold class for a text the model cannot read (issue 12.13)
    assert model_page.label_label.text() == CANNOT_JUDGE
    assert model_page.prediction.label not in model_page.confidence_label.text()


def _prediction(known, probabilities):
    from workbench.core import Prediction

    label = max(probabilities, key=probabilities.get)
    return Prediction(label, probabilities[label], probabilities, known, 3)


def test_no_known_word_says_the_model_cannot_judge(page):
    """Issue 12.13: no "politics 47.1 %" for a text of unknown words."""
    page.show_prediction(_prediction(0, {"politics": 0.471, "sport": 0.3, "tech": 0.229}))
    assert page.label_label.text() == CANNOT_JUDGE
    assert "politics" not in page.label_label.text()
    assert "47.1" not in page.confidence_label.text()
    assert "vocabulary" in page.confidence_label.text()
    assert "0 of 3 words known" in page.notes_label.text()
    brushes = page.chart.bars.opts["brushes"]
    assert len({b.color().name() for b in brushes}) == 1  # no bar stands out
    page.show_prediction(_prediction(2, {"politics": 0.9, "sport": 0.1}))
    assert page.label_label.text() == "politics"
    assert page.confidence_label.text() == "confidence 90.0%"


def test_probability_axis_stops_at_one_and_empty_chart_shows_nothing(page):
    chart = page.chart
    assert chart.names() == []
    assert not chart.shows_axes()
    page.show_prediction(_prediction(3, {"a": 0.97, "b": 0.03}))
    assert chart.shows_axes()
    (x_low, x_high), _ = chart.getPlotItem().getViewBox().viewRange()
    assert x_low == pytest.approx(0.0)
    assert x_high == pytest.approx(1.0)
    top_label = chart._labels[0]
    assert top_label.pos().x() <= 1.0  # the 97 % label sits inside its bar
    page._clear_prediction()
    assert not chart.shows_axes()
    assert chart._labels == []


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
        "File",
        "Text",
        "Predicted",
        "Confidence",
        *names,
        "Note",
    ]
    sources = sorted(table.item(r, 0).text() for r in range(3))
    assert sources == ["a.txt", "c.txt", "sub/b.txt"]
    texts = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(3)}
    assert texts["c.txt"] == "café garlic onion"
    assert "Skipped 1: broken.txt: binary file" in page.batch_label.text()
    assert page.export_button.isEnabled()

    out = tmp_path / "predictions.csv"
    assert page.export_results(out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3
    assert list(rows[0]) == [
        "source",
        "predicted_label",
        "confidence",
        *[f"prob_{name}" for name in names],
    ]
    assert sorted(row["source"] for row in rows) == ["a.txt", "c.txt", "sub/b.txt"]
    for row in rows:
        probs = {name: float(row[f"prob_{name}"]) for name in names}
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)
        assert row["predicted_label"] == max(names, key=probs.get)


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
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:2] == ["Text", "Predicted"]  # no label column in this CSV
    assert [table.item(r, 0).text() for r in range(3)] == [
        "goal match, striker",
        "bread soup",
        "laptop chip",
    ]
    assert [table.item(r, 0).toolTip() for r in range(3)] == ["line 2", "line 4", "line 6"]


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
        read_folder_batch(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match=r"no \.txt files"):
        read_folder_batch(tmp_path / "empty")
    path = tmp_path / "only_header.csv"
    path.write_text("a;text\n", encoding="utf-8")
    assert len(read_csv_batch(path, ["text"])) == 0
    with pytest.raises(CorpusError, match="column 'body' not found"):
        read_csv_batch(path, ["body"])
    assert guess_text_column(["id", "Body", "label"]) == 1
    assert guess_text_column(["x", "y"]) == 0


LABELLED_CSV = (
    "id,text,category\n"
    '1,"goal match striker keeper league referee penalty stadium",sport\n'
    "2,bread cheese soup pasta garlic onion,food\n"
    "3,laptop software chip server robot,food\n"
)


def test_batch_table_shows_text_and_true_label(model_page, qtbot, tmp_path):
    page = model_page
    path = tmp_path / "labelled.csv"
    path.write_text(LABELLED_CSV, encoding="utf-8")
    assert page.set_csv(path)
    _wait(qtbot, page.classify_csv())
    table = page.results_table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:4] == ["Text", "True label", "Predicted", "Confidence"]
    assert [table.item(r, 1).text() for r in range(3)] == ["sport", "food", "food"]
    assert table.item(1, 0).text() == "bread cheese soup pasta garlic onion"
    result = page.batch_result
    agree = sum(row.label == row.item.label for row in result.rows) / 3
    assert f"{agree:.1%} agree with the column 'category'" in page.batch_label.text()


def test_double_click_opens_the_full_text(model_page, qtbot, tmp_path):
    page = model_page
    long_text = "goal match striker " * 40 + "the very end"
    path = tmp_path / "long.csv"
    path.write_text(f'id,text\n1,"{long_text}"\n2,bread soup\n', encoding="utf-8")
    assert page.set_csv(path)
    _wait(qtbot, page.classify_csv())
    table = page.results_table
    shown = table.item(0, 0).text()
    assert shown.endswith("…")
    assert len(shown) < len(long_text)
    table.sortItems(0, Qt.SortOrder.AscendingOrder)  # "bread soup" first: rows move
    row = next(r for r in range(2) if table.item(r, 0).text().startswith("goal"))
    assert row == 1
    page.tabs.setCurrentIndex(1)
    page.show()
    qtbot.waitExposed(page)
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = page.text_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.editor.toPlainText() == long_text
    assert dialog.editor.isReadOnly()
    assert "line 2" in dialog.windowTitle()


def test_opening_a_new_source_clears_old_results(model_page, qtbot, tmp_path):
    page = model_page
    first = tmp_path / "first.csv"
    first.write_text("text\ngoal match\nbread soup\n", encoding="utf-8")
    assert page.set_csv(first)
    _wait(qtbot, page.classify_csv())
    assert page.results_table.rowCount() == 2
    assert page.export_button.isEnabled()
    second = tmp_path / "second.csv"
    second.write_text("body\nlaptop chip\n", encoding="utf-8")
    assert page.set_csv(second)
    assert page.results_table.rowCount() == 0
    assert page.batch_result is None
    assert not page.export_button.isEnabled()
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("laptop chip", encoding="utf-8")
    task = page.classify_folder(folder)
    assert page.results_table.rowCount() == 0
    assert page.batch_result is None
    _wait(qtbot, task)
    assert page.results_table.rowCount() == 1


def test_header_only_csv_is_one_message(model_page, qtbot, tmp_path):
    page = model_page
    path = tmp_path / "only_header.csv"
    path.write_text("id,text\n", encoding="utf-8")
    assert page.set_csv(path)
    _wait(qtbot, page.classify_csv())
    assert page.messages.kind() == "error"
    assert "no data rows" in page.messages.text()


def test_export_is_the_command_line_csv(model_page, qtbot, tmp_path, trained):
    from tests.cli_helpers import run

    page = model_page
    path = tmp_path / "labelled.csv"
    path.write_text(LABELLED_CSV, encoding="utf-8")
    assert page.set_csv(path)
    _wait(qtbot, page.classify_csv())
    gui_out = tmp_path / "gui.csv"
    assert page.export_results(gui_out)
    cli_out = tmp_path / "cli.csv"
    bundle = str(trained[1].bundle_path)
    code, _, err = run(["classify", bundle, "--csv", str(path), "--out", str(cli_out)])
    assert code == 0, err
    assert gui_out.read_text(encoding="utf-8") == cli_out.read_text(encoding="utf-8")
    header = next(csv.reader(gui_out.open(encoding="utf-8")))
    assert header[:5] == ["id", "text", "category", "predicted_label", "confidence"]


def test_header_marks_a_stopped_model(page, trained):
    import dataclasses

    bundle = trained[1].bundle
    note = "stopped after 1 of 15 epochs; best epoch 1 saved, 50.0 % on the test split"
    info = dataclasses.replace(bundle.info, status="stopped", status_note=note)
    page.state.set_bundle(dataclasses.replace(bundle, info=info))
    assert page.model_label.text().endswith(f" · {note}")
    page.state.set_bundle(bundle)
    assert note not in page.model_label.text()
