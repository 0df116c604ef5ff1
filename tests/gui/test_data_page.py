"""Data page: loading, report, charts, document table, CSV columns, split settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from workbench.core import read_csv_header
from workbench.gui.pages.data.page import AUTO_COLUMN, DataPage
from workbench.gui.state import AppState
from workbench.gui.tasks import TaskRunner


def write_folder_corpus(root, per_class=4):
    """A tiny folder-per-class corpus; one empty file to be skipped."""
    words = {"sport": "match goal team win", "tech": "computer chip software phone"}
    for label, text in words.items():
        folder = root / label
        folder.mkdir(parents=True)
        for i in range(per_class):
            (folder / f"{i}.txt").write_text(f"{label} headline {i}\n{text} " * (i + 1))
    (root / "sport" / "empty.txt").write_text("")
    return root


@pytest.fixture
def page(qtbot):
    state = AppState()
    tasks = TaskRunner()
    page = DataPage(state, tasks)
    qtbot.addWidget(page)
    yield page
    tasks.cancel_all()
    tasks.wait_all()


def load(qtbot, page, path, fmt="auto", **kwargs):
    with qtbot.waitSignal(page.state.corpus_changed, timeout=10_000):
        page.open_corpus(path, fmt, **kwargs)
    # the charts follow one event-loop turn later
    qtbot.waitUntil(lambda: page.class_chart.counts == page.state.corpus.class_counts())


def test_folder_corpus_fills_report_charts_and_table(qtbot, page, tmp_path):
    root = write_folder_corpus(tmp_path / "corpus")
    load(qtbot, page, root)
    assert len(page.state.corpus) == 8
    assert "Loaded 8 documents" in page.summary_label.text()
    issues = [page.issues.item(i).text() for i in range(page.issues.count())]
    assert any("empty.txt" in issue and issue.startswith("skipped") for issue in issues)
    assert page.class_chart.counts == {"sport": 4, "tech": 4}
    assert len(page.class_chart.count_labels) == 2
    assert page.length_chart.counts.sum() + page.length_chart.outliers == 8
    assert page.length_chart.maxlen_line.value() == page.state.config.maxlen
    assert page.documents.model.rowCount() == 8
    assert "Suggested maxlen" in page.length_note.text()


def test_maxlen_line_follows_config(qtbot, page, tmp_path):
    import dataclasses

    load(qtbot, page, write_folder_corpus(tmp_path / "c"))
    page.state.set_config(dataclasses.replace(page.state.config, maxlen=17))
    assert page.length_chart.maxlen_line.value() == 17


def column(view, col):
    return [view.model.index(r, col).data() for r in range(view.model.rowCount())]


def test_filter_by_text_and_class_and_preview(qtbot, page, tmp_path):
    load(qtbot, page, write_folder_corpus(tmp_path / "c"))
    view = page.documents
    view.search.setText("SOFTWARE")  # case-insensitive, after the debounce, in a task
    qtbot.waitUntil(lambda: view.model.rowCount() == 4 and not view.is_busy())
    assert set(column(view, 0)) == {"tech"}
    assert view.count_label.text() == "4 of 8"
    view.search.setText("")
    view.class_combo.setCurrentText("sport")
    qtbot.waitUntil(lambda: not view.is_busy())
    assert set(column(view, 0)) == {"sport"}
    assert view.model.rowCount() == 4
    view.select_row(0)
    assert "match goal team win" in view.preview.toPlainText()
    view.class_combo.setCurrentIndex(0)  # all classes, no search: every document, at once
    assert view.model.rowCount() == 8
    assert not view.is_busy()


def test_table_sorts_lengths_numerically(qtbot, page, tmp_path):
    load(qtbot, page, write_folder_corpus(tmp_path / "c"))
    view = page.documents
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not view.is_busy())
    lengths = column(view, 1)
    assert lengths == sorted(lengths)
    assert lengths[0] < lengths[-1]
    view.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: not view.is_busy())
    assert column(view, 1) == sorted(lengths, reverse=True)
    view.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: not view.is_busy())
    lines = column(view, 2)
    assert lines == sorted(lines, key=str.lower)


def test_new_search_replaces_the_running_one(qtbot, page, tmp_path):
    load(qtbot, page, write_folder_corpus(tmp_path / "c"))
    view = page.documents
    view.search.setText("software")
    first = view.apply_filter()
    view.search.setText("match")
    second = view.apply_filter()
    assert first is not second
    assert first.is_cancel_requested()
    qtbot.waitUntil(lambda: not view.is_busy())
    assert set(column(view, 0)) == {"sport"}


def test_missing_path_shows_inline_error_naming_it(qtbot, page, tmp_path):
    missing = tmp_path / "nowhere"
    task = page.open_corpus(missing)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert page.message_bar.isVisibleTo(page)
    assert page.message_bar.kind() == "error"
    assert "nowhere" in page.message_bar.text()
    assert page.state.corpus is None


def test_binary_file_is_reported_not_crashing(qtbot, page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02\xff" * 100)
    task = page.open_corpus(bad)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert page.message_bar.kind() == "error"
    assert "bad.csv" in page.message_bar.text()


def test_csv_columns_offered_and_used(qtbot, page, tmp_path):
    path = tmp_path / "news.csv"
    rows = ["headline,body,topic,other"]
    rows += [f"title {i},body words {i},{'a' if i % 2 else 'b'},x" for i in range(10)]
    path.write_text("\n".join(rows) + "\n")
    assert read_csv_header(path) == ["headline", "body", "topic", "other"]
    page.path_edit.setText(str(path))
    page.format_combo.setCurrentText("csv")
    assert page.csv_box.isVisibleTo(page)
    assert page.text_columns.count() == 4
    assert page.label_column.itemText(0) == f"{AUTO_COLUMN}: topic"
    # the columns a load would use by itself are ticked: headline + body
    assert page.checked_text_columns() == ["headline", "body"]
    page.text_columns.item(0).setCheckState(Qt.CheckState.Unchecked)  # body only
    page.label_column.setCurrentText("topic")
    with qtbot.waitSignal(page.state.corpus_changed, timeout=10_000):
        page.reload()
    corpus = page.state.corpus
    assert corpus.class_names == ("a", "b")
    assert corpus.texts[0] == "body words 0"


def test_csv_unknown_label_column_is_an_inline_error(qtbot, page, tmp_path):
    path = tmp_path / "news.csv"
    path.write_text("text,label\nhello,a\nworld,b\n")
    task = page.open_corpus(path, "csv", label_column="nope")
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert page.message_bar.kind() == "error"
    assert "nope" in page.message_bar.text()


def test_split_spin_boxes_update_config_and_reject_invalid(qtbot, page):
    page.val_spin.setValue(0.15)
    assert page.state.config.val_fraction == pytest.approx(0.15)
    page.seed_spin.setValue(7)
    assert page.state.config.seed == 7
    page.test_spin.setValue(0.9)  # 0.15 + 0.9 >= 1: invalid
    assert page.split_message.kind() == "error"
    assert "test_fraction" in page.split_message.text()
    assert page.state.config.test_fraction != pytest.approx(0.9)
    page.test_spin.setValue(0.2)
    assert page.split_message.kind() == ""


def test_cancel_loading(qtbot, page, tmp_path, monkeypatch):
    import threading

    import workbench.core as corpus_module

    entered = threading.Event()

    def slow_load(path, *, progress=None, cancel=None, **kwargs):
        entered.set()
        while not cancel.wait(0.01):
            pass
        from workbench.core import Cancelled

        raise Cancelled("cancelled")

    monkeypatch.setattr(corpus_module, "load_corpus", slow_load)
    task = page.open_corpus(tmp_path)
    qtbot.waitUntil(entered.is_set, timeout=5000)
    assert page.progress.isVisibleTo(page)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        page.progress.cancel_button.click()
    assert page.message_bar.kind() == "info"
    assert not page.progress.isVisibleTo(page)


@pytest.mark.slow
def test_bbc_loads_with_binary_file_reported(qtbot, page, shared_data):
    with qtbot.waitSignal(page.state.corpus_changed, timeout=60_000):
        page.open_corpus(shared_data / "bbc")
    assert len(page.state.corpus.class_names) == 5
    assert page.issues.count() >= 1


def test_unexpected_worker_error_shows_message_and_details(qtbot, page, tmp_path, monkeypatch):
    import workbench.core as stats_module

    def broken(corpus, **kwargs):
        raise RuntimeError("stats exploded")

    monkeypatch.setattr(stats_module, "corpus_stats", broken)
    task = page.open_corpus(write_folder_corpus(tmp_path / "c"))
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert page.message_bar.kind() == "error"
    assert "RuntimeError: stats exploded" in page.message_bar.text()
    assert page.message_bar.has_details()
    assert "Traceback" in page.message_bar.details()
    page.message_bar.set_details_expanded(True)
    assert page.message_bar._details.isVisibleTo(page.message_bar)


# --- issue 12, items 15-16: many classes, long tails, honest length advice ----------------
def write_many_classes(root, classes=20, per_class=3, long_doc=0):
    for c in range(classes):
        folder = root / f"comp.sys.very-long-newsgroup-name.{c:02d}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            (folder / f"{i}.txt").write_text(f"word{c} " * (5 + i))
    if long_doc:
        (root / f"comp.sys.very-long-newsgroup-name.{0:02d}" / "huge.txt").write_text(
            "long " * long_doc
        )
    return root


def test_twenty_classes_lie_horizontally_with_elided_names(qtbot, page, tmp_path):
    load(qtbot, page, write_many_classes(tmp_path / "c"))
    chart = page.class_chart
    assert chart.horizontal
    names = chart.tick_names()
    assert len(names) == 20
    assert all(len(name) <= 22 for name in names)
    assert any(name.endswith("…") for name in names)
    ticks = chart.getAxis("left")._tickLevels[0]
    assert sorted(text for _, text in ticks) == sorted(names)
    assert "comp.sys.very-long-newsgroup-name.07: 3" in chart.toolTip()
    # few classes stay vertical with full names
    chart.set_counts({"sport": 4, "tech": 4})
    assert not chart.horizontal
    assert chart.tick_names() == ["sport", "tech"]


def test_length_histogram_clips_outliers_and_says_so(qtbot, page, tmp_path):
    load(qtbot, page, write_many_classes(tmp_path / "c", classes=2, per_class=60, long_doc=40_000))
    chart = page.length_chart
    assert chart.outliers >= 1
    assert chart.counts.sum() + chart.outliers == len(page.state.corpus)
    assert chart.clip < 1000  # the 40,000-token document does not set the scale
    assert "longer document" in page.length_note.text()


def test_length_advice_agrees_with_recommended_maxlen_and_applies_in_one_click(
    qtbot, page, tmp_path
):
    import dataclasses

    root = tmp_path / "c"
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        for i in range(20):
            (root / label / f"{i}.txt").write_text("w " * (300 + 30 * i))
    load(qtbot, page, root)
    page.state.set_config(dataclasses.replace(page.state.config, maxlen=400))
    suggested = page.state.stats.suggested_maxlen
    assert suggested > 400
    note = page.length_note.text()
    whole = 1 - page.state.stats.truncated_share(suggested)
    assert f"Suggested maxlen {suggested} reads {whole:.0%} of documents whole" in note
    assert "reads the first 400 tokens" in note
    assert "recommended settings keep 400" in note
    assert "cuts" not in note
    button = page.apply_maxlen_button
    assert button.isVisibleTo(page)
    assert button.text() == f"Use maxlen {suggested}"
    button.click()
    assert page.state.config.maxlen == suggested
    assert not button.isVisibleTo(page)
    assert (
        "reads every document whole" in page.length_note.text() or "cuts" in page.length_note.text()
    )


def test_csv_text_columns_are_ticked_items(qtbot, page, tmp_path):
    path = tmp_path / "news.csv"
    path.write_text("headline,body,topic\n" + "".join(f"t{i},b{i},{i % 2}\n" for i in range(6)))
    page.path_edit.setText(str(path))
    page.format_combo.setCurrentText("csv")
    item = page.text_columns.item(0)
    assert item.flags() & Qt.ItemFlag.ItemIsUserCheckable
    # in use: the columns found by name, ticked before any load
    assert page.checked_text_columns() == ["headline", "body"]
    assert page.chosen_columns() == (None, None)  # left to the load, which finds the same
    with qtbot.waitSignal(page.state.corpus_changed, timeout=10_000):
        page.reload()
    assert page.state.corpus.texts[0].startswith("t0")
    assert "b0" in page.state.corpus.texts[0]
    assert page.checked_text_columns() == ["headline", "body"]
    page.check_text_columns(["body"])
    assert page.checked_text_columns() == ["body"]
    assert page.chosen_columns()[0] == ["body"]


def test_labels_differing_in_case_are_offered_for_merging(qtbot, page, tmp_path):
    root = write_folder_corpus(tmp_path / "corpus")
    (root / "Sport ").mkdir()
    (root / "Sport " / "x.txt").write_text("goal for the team")
    load(qtbot, page, root)
    assert page.state.corpus.class_names == ("Sport ", "sport", "tech")
    assert "Merge case variants" in page.message_bar.text()
    issues = [page.issues.item(i).text() for i in range(page.issues.count())]
    assert any("'sport' (4), 'Sport ' (1)" in issue for issue in issues)
    page.merge_labels.setChecked(True)
    load(qtbot, page, root)
    assert page.state.corpus.class_names == ("sport", "tech")
    assert page.state.corpus.class_counts()["sport"] == 5
