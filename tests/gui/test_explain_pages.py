"""Explanations in the window: the highlighted text widget, the Classify page (refreshed
after edits, class choice), the Evaluate preview (predicted/true switch), words per class,
and the batch top_words column."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QTextCursor

from tests.gui.tiny_model import WORDS, train_tiny
from workbench.core import Explanation, TokenWeight, evaluate, tokenize_spans
from workbench.gui.pages.classify.highlight import (
    HighlightedText,
    token_tooltip,
    utf16_offsets,
    weight_color,
)
from workbench.gui.pages.classify.page import EXPLAIN_KIND, ClassifyPage
from workbench.gui.pages.evaluate.page import EvaluatePage
from workbench.gui.state import AppState


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``(corpus, RunResult)`` of a tiny model trained once for this module."""
    # wide_ngrams=0: integrated gradients explain the recurrent model alone
    return train_tiny(tmp_path_factory.mktemp("explain"), epochs=6, units=8, wide_ngrams=0)


def fake_explanation(text: str, weights: list[float], read: int | None = None) -> Explanation:
    spans = tokenize_spans(text)
    tokens = [
        TokenWeight(
            text[s:e], tok, s, e, w if read is None or i < read else 0.0, read is None or i < read
        )
        for i, ((tok, s, e), w) in enumerate(zip(spans, weights, strict=True))
    ]
    return Explanation("occlusion", "a", "a", {"a": 0.9, "b": 0.1}, tokens)


def background_at(widget: HighlightedText, position: int) -> QColor:
    return widget.format_at(position).background().color()


def test_weight_colour_diverges_from_white():
    assert weight_color(0.0, 1.0) == QColor(255, 255, 255)
    strong_for, weak_for = weight_color(1.0, 1.0), weight_color(0.2, 1.0)
    assert strong_for.blue() > strong_for.red()
    assert weak_for.red() > strong_for.red()  # lighter for a smaller weight
    against = weight_color(-1.0, 1.0)
    assert against.red() > against.blue()
    assert weight_color(5.0, 1.0) == strong_for  # clipped at the scale


def test_utf16_offsets_count_astral_characters_twice():
    assert utf16_offsets("a😀b") == [0, 1, 3, 4]
    assert utf16_offsets("") == [0]


def test_highlight_lands_on_the_words_after_an_emoji(qtbot):
    widget = HighlightedText()
    qtbot.addWidget(widget)
    widget.resize(500, 200)
    widget.show()
    qtbot.waitExposed(widget)
    text = "😀 Shares 👍🏽 rose"
    explanation = fake_explanation(text, [0.1, 1.0, 0.0, 0.0, -1.0])
    widget.set_explanation(text, explanation)
    assert widget.toPlainText() == text
    shares = text.index("Shares") + 1  # one astral character before it: +1 in UTF-16
    rose = len(text[: text.index("rose")].encode("utf-16-le")) // 2
    assert background_at(widget, shares) == weight_color(1.0, 1.0)
    assert background_at(widget, rose) == weight_color(-1.0, 1.0)
    assert widget.token_at(shares).text == "Shares"
    assert widget.token_at(rose + 3).text == "rose"
    assert widget.token_at(shares - 1) is None  # the space
    assert "+1.000" in token_tooltip(widget.token_at(shares), "a")
    point = widget.cursorRect(_cursor_at(widget, shares + 2)).center()
    assert "Shares" in widget.tooltip_at(QPoint(point.x(), point.y()))


def _cursor_at(widget: HighlightedText, position: int) -> QTextCursor:
    cursor = QTextCursor(widget.document())
    cursor.setPosition(position)
    return cursor


def test_unread_and_unknown_tokens_are_marked(qtbot):
    widget = HighlightedText()
    qtbot.addWidget(widget)
    text = "one two three"
    explanation = fake_explanation(text, [1.0, 0.5, 0.7], read=2)
    widget.set_explanation(text, explanation)
    assert widget.format_at(text.index("three") + 1).fontItalic()
    assert widget.format_at(text.index("two")).background().color() == weight_color(0.5, 1.0)
    assert "not read by the model" in token_tooltip(explanation.tokens[2], "a")
    unknown = TokenWeight("zz", "zz", 0, 2, 0.3, True, False)
    assert "unknown word" in token_tooltip(unknown, "a")


@pytest.fixture
def classify_page(qtbot, tmp_path, runner, trained):
    page = ClassifyPage(AppState(models_dir=tmp_path / "models"), runner)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    qtbot.waitExposed(page)
    page.state.set_bundle(trained[1].bundle)
    yield page
    task = runner.current(EXPLAIN_KIND)
    if task is not None:
        with qtbot.waitSignal(task.finished, timeout=60_000):
            task.cancel()


def _explained(page, text: str) -> bool:
    e = page.explanation_view.text.explanation
    return e is not None and page.explanation_view.text.toPlainText() == text


def test_classify_page_explains_the_text_after_a_pause(qtbot, classify_page):
    page = classify_page
    page.editor.setPlainText("bread")
    page.editor.setPlainText("bread cheese")
    text = "the bread and the cheese of the soup"
    page.editor.setPlainText(text)  # three edits: one result, for the last text
    qtbot.waitUntil(lambda: _explained(page, text), timeout=60_000)
    e = page.explanation_view.text.explanation
    assert e.label == "food"
    assert page.label_label.text() == "food"  # the prediction is refreshed too
    assert [t.text for t in e.tokens] == text.split()
    assert "For food" in page.explanation_view.for_label.text()
    best = e.top_for(1)[0].token
    assert best in WORDS["food"]


def test_classify_page_class_selector_reexplains(qtbot, classify_page):
    page = classify_page
    text = "goal match striker keeper"
    page.editor.setPlainText(text)
    qtbot.waitUntil(lambda: _explained(page, text), timeout=60_000)
    view = page.explanation_view
    view.choose_class("tech")
    view.request.emit()
    qtbot.waitUntil(
        lambda: view.text.explanation is not None and view.text.explanation.class_name == "tech",
        timeout=60_000,
    )
    assert view.text.explanation.label == "sport"
    assert view.legend.class_name == "tech"


def test_classify_page_method_selector_gives_ig(qtbot, classify_page):
    page = classify_page
    view = page.explanation_view
    view.method_combo.setCurrentIndex(view.method_combo.findData("ig"))
    text = "laptop software chip"
    page.editor.setPlainText(text)
    qtbot.waitUntil(
        lambda: _explained(page, text) and view.text.explanation.method == "ig", timeout=60_000
    )
    assert "completeness gap" in view.status_label.text()


def test_emptied_text_clears_the_explanation(qtbot, classify_page):
    page = classify_page
    page.editor.setPlainText("bread soup")
    qtbot.waitUntil(lambda: _explained(page, "bread soup"), timeout=60_000)
    page.editor.setPlainText("   ")
    qtbot.waitUntil(lambda: page.explanation_view.text.explanation is None, timeout=10_000)
    assert page.explanation_view.text.toPlainText() == ""


def test_batch_top_words_column_in_table_and_csv(qtbot, classify_page, tmp_path):
    page = classify_page
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text("bread cheese soup", encoding="utf-8")
    (folder / "b.txt").write_text("laptop software chip", encoding="utf-8")
    page.top_words_check.setChecked(True)
    task = page.classify_folder(folder)
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    table = page.results_table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[-1] == "Top words"
    words = {table.item(r, 0).text(): table.item(r, len(headers) - 1).text() for r in range(2)}
    assert set(words["a.txt"].split("; ")) <= set(WORDS["food"])
    out = tmp_path / "out.csv"
    assert page.export_results(out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["top_words"] == words[rows[0]["source"]]


@pytest.fixture
def evaluate_page(qtbot, tmp_path, runner, trained):
    _, result = trained
    page = EvaluatePage(AppState(models_dir=tmp_path / "models"), runner)
    qtbot.addWidget(page)
    page.resize(1300, 850)
    page.show()
    qtbot.waitExposed(page)
    names = list(result.bundle.info.class_names)
    texts = ["bread cheese soup garlic", "goal match striker keeper", "laptop chip server"]
    y_true = np.array([names.index("sport"), names.index("sport"), names.index("tech")])
    from workbench.core import Predictor

    probs = Predictor(result.bundle).predict_proba(texts)
    evaluation = evaluate(y_true, probs, names, texts=texts)
    page.state.set_bundle(result.bundle, evaluation)
    page.set_evaluation(evaluation)
    yield page
    for kind in ("explain-document", "class-words"):
        task = runner.current(kind)
        if task is not None:
            with qtbot.waitSignal(task.finished, timeout=60_000):
                task.cancel()


def test_evaluate_preview_switches_between_predicted_and_true_class(qtbot, evaluate_page):
    page = evaluate_page
    page.show_all_errors()
    assert page.doc_table.rowCount() >= 1
    page.doc_table.selectRow(0)
    doc = page.doc_table.item(0, 0).data(0x0100)
    view = page.explanation_view
    qtbot.waitUntil(lambda: view.text.explanation is not None, timeout=60_000)
    assert view.text.explanation.class_name == doc["predicted"]
    assert page.preview.toPlainText() == doc["text"]
    assert view.swap_button.isVisible()
    assert doc["true"] in view.swap_button.text()
    view.swap()
    qtbot.waitUntil(
        lambda: (
            view.text.explanation is not None and view.text.explanation.class_name == doc["true"]
        ),
        timeout=60_000,
    )
    assert doc["predicted"] in view.swap_button.text()


def test_words_per_class_fill_a_row_per_class(qtbot, evaluate_page):
    panel = evaluate_page.class_words
    assert panel.run_button.isEnabled()
    task = panel.start()
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    assert panel.table.rowCount() == 3
    cells = {panel.table.item(r, 0).text(): panel.table.item(r, 1).text() for r in range(3)}
    assert any(word in cells["food"] for word in WORDS["food"])


LONG_NAME = "comp.os.ms-windows.misc and other long group names"


@pytest.mark.parametrize(
    ("name", "width", "shown"),
    [("tech", 600, "full"), (LONG_NAME, 400, "elided"), (LONG_NAME, 200, "left out")],
)
def test_legend_end_labels_fit_beside_the_zero(qtbot, name, width, shown):
    """A class name too long for the legend is elided (left out when not even a few
    letters fit), so the two end labels and the "0" between them never overlap; a
    short one is shown in full."""
    from workbench.gui.pages.classify.highlight import Legend

    legend = Legend()
    qtbot.addWidget(legend)
    assert legend.end_labels(width) == ("against", "for")  # nothing explained yet
    legend.set_scale(1.234, name)
    left, right = legend.end_labels(width)
    metrics = legend.fontMetrics()
    assert sum(metrics.horizontalAdvance(text) for text in (left, "0", right)) < width
    if shown == "full":
        assert (left, right) == (f"−1.23 against {name}", f"for {name} +1.23")
    elif shown == "elided":
        assert left.startswith("−1.23 against " + name[:3])
        assert left.endswith("…")
        assert right.startswith("for " + name[:3])
        assert right.endswith("… +1.23")
    else:
        assert (left, right) == ("−1.23 against", "for +1.23")
