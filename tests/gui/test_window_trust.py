"""Window-wide behaviour from issue 12: banners (21), keyboard focus (18), geometry (19)."""

from __future__ import annotations

import pytest

from workbench.gui.widgets import MessageBar, clear_topic
from workbench.gui.window.main_window import MainWindow

from .test_data_page import write_folder_corpus


@pytest.fixture
def window(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.confirm_stop_tasks = lambda question: True
    yield window
    window.tasks.cancel_all()
    window.tasks.wait_all()


# --- 21: banners ----------------------------------------------------------------------
def test_one_banner_per_topic_in_the_whole_window(qtbot):
    first, second, other = MessageBar(), MessageBar(), MessageBar()
    for bar in (first, second, other):
        qtbot.addWidget(bar)
    first.show_error("vectors file is broken", topic="vectors")
    other.show_error("corpus file is broken", topic="corpus")
    second.show_warning("vectors cover 40 % of words", topic="vectors")
    assert first.kind() == ""  # replaced, not piled up
    assert second.kind() == "warning"
    assert other.kind() == "error"
    second.show_info("vectors loaded", topic="vectors")  # the same bar: replaced in place
    assert second.text() == "vectors loaded."
    clear_topic("vectors", ("error",))
    assert second.kind() == "info"  # only errors were asked to go
    clear_topic("vectors")
    assert second.kind() == ""
    assert other.kind() == "error"


def test_error_about_previous_vectors_goes_when_a_new_corpus_loads(qtbot, window, tmp_path):
    vectors_page = window.page("Vectors")
    bad = tmp_path / "bad.vec"
    bad.write_text("not vectors at all\n")
    task = window.open_vectors(str(bad))
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    assert vectors_page.message_bar.kind() == "error"
    window.open_path(tmp_path / "nothing-here.xyz")
    assert window.message_bar.kind() == "error"
    task = window.open_corpus(write_folder_corpus(tmp_path / "corpus"))
    with qtbot.waitSignal(window.state.corpus_changed, timeout=20_000):
        pass
    assert vectors_page.message_bar.kind() == ""
    assert window.message_bar.kind() == ""


def test_a_long_banner_wraps_instead_of_widening_the_window(qtbot, window):
    window.resize(1024, 640)
    window.show()
    qtbot.waitExposed(window)
    width = window.width()
    # a long path cannot wrap at spaces: it must not set the bar's minimum width
    path = "/home/user/" + "a-very-long-folder-name/" * 12 + "corpus.csv"
    window.message_bar.show_error(f"Cannot open {path}: not a corpus, vectors file or model.")
    qtbot.waitUntil(lambda: window.message_bar.isVisible())
    window.page("Data").message_bar.show_error("Another long sentence without an end " * 20)
    window.layout().activate()
    assert window.width() == width
    assert window.minimumSizeHint().width() <= 1024


# --- 19: the window fits the screen -----------------------------------------------------
def test_window_is_clamped_to_the_available_screen(qtbot, window):
    from PySide6.QtCore import QRect

    # 1.5x scaling on a 1400x900 screen: 933x600 logical pixels, a panel on top
    available = QRect(0, 30, 933, 570)
    window.resize(1200, 800)
    window.move(300, 200)
    window.fit_to_screen(available)
    frame = window.frameGeometry()
    assert available.contains(frame), (frame, available)
    assert window.minimumSizeHint().width() <= available.width()
    assert window.minimumSizeHint().height() <= available.height()


def test_restored_geometry_larger_than_the_screen_is_clamped_on_show(qtbot):
    from workbench.gui import settings as keys
    from workbench.gui.settings import Settings

    big = MainWindow()
    qtbot.addWidget(big)
    big.resize(5000, 4000)
    Settings().set(keys.GEOMETRY, big.saveGeometry())
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    available = window.screen().availableGeometry()  # 800x800 on the offscreen platform
    smallest = window.minimumSizeHint()
    assert window.width() <= max(available.width(), smallest.width())
    assert window.height() <= max(available.height(), smallest.height())
    assert window.frameGeometry().top() >= available.top()


# --- 18: keyboard ---------------------------------------------------------------------------
def _tab_stops(qtbot, window, start, presses=60):
    """Press Tab from ``start`` and list the widgets that get focus, in order."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    stops = []
    for _ in range(presses):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is start:
            break
        stops.append(widget)
    return stops


def test_tab_leaves_the_document_table_and_every_stop_shows_focus(qtbot, window, tmp_path):
    import pyqtgraph as pg
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QTabBar,
    )

    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.state.corpus_changed, timeout=20_000):
        window.open_corpus(write_folder_corpus(tmp_path / "corpus", per_class=30))
    shows_focus_itself = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QTabBar)
    for title in ("Data", "Vectors", "Train", "Evaluate", "Classify", "Models"):
        window.show_page(title)
        stops = _tab_stops(qtbot, window, window.page_list)
        assert stops or title == "Evaluate", title  # Evaluate is empty without a model
        # one press into a table, the next press out of it (not cell by cell)
        tables = [w for w in stops if isinstance(w, QAbstractItemView)]
        for table in tables:
            assert stops.count(table) == 1, (title, table)
            assert not table.tabKeyNavigation()
        for widget in stops:
            assert not isinstance(widget, pg.GraphicsView), (title, widget)
            if isinstance(widget, shows_focus_itself):
                continue
            if isinstance(widget, QPlainTextEdit) and not widget.isReadOnly():
                continue  # the blinking caret shows focus
            assert isinstance(widget, QAbstractItemView | QPlainTextEdit), (title, widget)
            assert ":focus" in widget.styleSheet(), (title, widget)


# --- 20: the window words its own advice ------------------------------------------------------
COMMAND_LINE = ("--format", "member=", "pass label_column", "pass text_columns", "--")


def _assert_window_words(text):
    for phrase in COMMAND_LINE:
        assert phrase not in text, text
    assert text.endswith((".", "…", "!", "?")), text


def test_unknown_format_names_the_format_box(qtbot, window, tmp_path):
    odd = tmp_path / "notes.weird"
    odd.write_text("one line\nanother line\n")
    page = window.page("Data")
    task = page.open_corpus(odd, "auto")
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    text = page.message_bar.text()
    assert page.message_bar.kind() == "error"
    _assert_window_words(text)
    assert "Format box" in text
    assert ". Check the path" in text  # two sentences, not run together


def test_csv_without_label_column_names_the_column_picker(qtbot, window, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("text,other\nhello,x\nworld,y\n")
    page = window.page("Data")
    task = page.open_corpus(path, "csv")
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    text = page.message_bar.text()
    _assert_window_words(text)
    assert "label column under CSV columns" in text


def test_zip_with_several_vectors_files_is_worded_for_the_window(
    qtbot, window, tmp_path, monkeypatch
):
    import zipfile

    archive = tmp_path / "vectors.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.txt", "hello 0.1 0.2\nworld 0.3 0.4\n")
        zipped.writestr("b.txt", "hello 0.1 0.2 0.3\nworld 0.3 0.4 0.5\n")
    page = window.page("Vectors")
    asked = []
    monkeypatch.setattr(page, "pick_zip_member", lambda path, members: asked.append(members))
    assert window.open_vectors(str(archive)) is None  # the user closed the picker
    assert asked == [["a.txt", "b.txt"]]
    text = page.message_bar.text()
    assert "none chosen" in text
    _assert_window_words(text)


def test_window_wording_rewrites_command_line_advice():
    from workbench.gui.widgets import window_wording

    assert window_wording("cannot tell the format of x.y; pass --format (csv, jsonl)") == (
        "cannot tell the format of x.y; choose the format in the Format box (csv, jsonl)."
    )
    assert window_wording(
        "v.zip holds several vectors files (a.txt, b.txt); choose one with member="
    ) == (
        "v.zip holds several vectors files (a.txt, b.txt); choose the vectors file inside the .zip."
    )
    assert window_wording("Saved.") == "Saved."
    assert window_wording("Loading cancelled…") == "Loading cancelled…"
