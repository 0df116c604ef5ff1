"""Main window: pages, shortcuts, first run, drops, errors, settings, closing, TF indicator."""

from __future__ import annotations

import json
import sys
import threading

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from workbench.core import VectorsSource, sample_corpus_dir
from workbench.gui import settings as keys
from workbench.gui.app import install_exception_hooks, main, start_tensorflow_import
from workbench.gui.settings import Settings
from workbench.gui.tasks import TaskContext
from workbench.gui.window.main_window import PAGES, MainWindow, PlaceholderPage
from workbench.gui.window.menus import versions_text
from workbench.gui.window.status import TF_LOADING, TF_READY

from .test_data_page import write_folder_corpus
from .test_models_page import fake_bundle
from .test_vectors_page import write_vectors


@pytest.fixture
def window(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.confirm_stop_tasks = lambda question: True
    yield window
    window.tasks.cancel_all()
    window.tasks.wait_all()


def _wait_for_cancel(ctx: TaskContext) -> None:
    while not ctx.cancel.wait(0.01):
        pass
    ctx.check_cancelled()


def test_seven_pages_in_order(window):
    assert window.page_list.count() == 7
    titles = [window.page_list.item(i).text() for i in range(7)]
    assert titles == ["Data", "Vectors", "Train", "Evaluate", "Classify", "Models", "Runs"]
    assert window.stack.count() == 7
    for title in ("Data", "Vectors", "Models", "Runs"):
        assert not isinstance(window.page(title), PlaceholderPage)


def test_lazy_window_builds_pages_on_demand(qtbot):
    window = MainWindow(lazy_pages=True)
    qtbot.addWidget(window)
    assert window.pages == {}
    assert all(shell.page is None for shell in window.shells)
    data = window.page("Data")
    assert len(window.pages) == 7
    assert window.shells[0].page is data
    window.build_pages()  # again: nothing rebuilt
    assert window.page("Data") is data


def test_ctrl_number_shortcuts_switch_pages(qtbot, window, activate):
    activate(window)
    for index in (2, 5, 0, 3):
        qtbot.keyClick(
            window, getattr(Qt.Key, f"Key_{index + 1}"), Qt.KeyboardModifier.ControlModifier
        )
        assert window.stack.currentIndex() == index
        assert window.current_page_title() == PAGES[index][0]
    assert [a.shortcut().toString() for a in window.page_actions] == [
        f"Ctrl+{i}" for i in range(1, 8)
    ]


def test_first_run_opens_sample_corpus_and_bundled_vectors(qtbot, window, monkeypatch):
    requested = []
    monkeypatch.setattr(window.page("Vectors"), "load_source", requested.append)
    with qtbot.waitSignal(window.state.corpus_changed, timeout=20_000):
        window.open_initial()
    corpus = window.state.corpus
    assert corpus.source == str(sample_corpus_dir())
    qtbot.waitUntil(lambda: requested == [VectorsSource.bundled()], timeout=5000)
    data = window.page("Data")
    qtbot.waitUntil(lambda: sum(data.class_chart.counts.values()) == len(corpus))
    assert data.length_chart.counts.sum() + data.length_chart.outliers == len(corpus)
    assert data.documents.model.rowCount() == len(corpus)
    assert f"{len(corpus)} docs" in window.status.corpus.text()
    assert window.settings.get_str(keys.LAST_CORPUS) == str(sample_corpus_dir())


def test_later_run_reopens_last_corpus_or_falls_back(qtbot, tmp_path, monkeypatch):
    root = write_folder_corpus(tmp_path / "mine")
    settings = Settings()
    settings.set(keys.LAST_CORPUS, str(root))
    settings.set(keys.LAST_VECTORS, "none")
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.state.corpus_changed, timeout=10_000):
        window.open_initial()
    assert window.state.corpus.source == str(root)
    qtbot.waitUntil(lambda: window.state.vectors_source.is_none, timeout=5000)
    window.tasks.wait_all()

    settings.set(keys.LAST_CORPUS, str(tmp_path / "gone"))
    window2 = MainWindow(settings=settings)
    qtbot.addWidget(window2)
    with qtbot.waitSignal(window2.state.corpus_changed, timeout=10_000):
        window2.open_initial()
    assert window2.state.corpus.source == str(sample_corpus_dir())
    window2.tasks.wait_all()


def test_opening_an_unrecognised_file_names_it_inline(window, tmp_path):
    bad = tmp_path / "mystery.bin"
    bad.write_bytes(b"\x00\x01\x02" * 50)
    assert window.open_path(bad) is None
    assert window.message_bar.kind() == "error"
    assert "mystery.bin" in window.message_bar.text()


def test_drop_vectors_file_loads_it(qtbot, window, tmp_path):
    path = write_vectors(tmp_path / "dropped.txt")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.state.vectors_changed, timeout=10_000):
        window.dropEvent(event)
    assert window.state.vectors_source == VectorsSource.file(path)
    assert window.current_page_title() == "Vectors"
    assert str(path) in window.settings.recent("vectors")


def test_drop_corpus_folder_loads_it(qtbot, window, tmp_path):
    root = write_folder_corpus(tmp_path / "dropped")
    with qtbot.waitSignal(window.state.corpus_changed, timeout=10_000):
        assert window.handle_drop([QUrl.fromLocalFile(str(root))])
    assert window.state.corpus.source == str(root)
    assert window.current_page_title() == "Data"


def test_drop_csv_corpus_file_is_sniffed_as_corpus(qtbot, window, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text("__label__a hello world\n__label__b other words\n__label__a more\n")
    with qtbot.waitSignal(window.state.corpus_changed, timeout=10_000):
        window.handle_drop([QUrl.fromLocalFile(str(path))])
    assert window.state.corpus.class_names == ("a", "b")


def test_drop_of_non_local_url_is_ignored(window):
    assert not window.handle_drop([QUrl("https://example.com/x.txt")])


def test_close_during_task_asks_then_stops_cleanly(qtbot, window):
    task = window.tasks.start("train", _wait_for_cancel)
    questions = []
    window.confirm_stop_tasks = lambda q: questions.append(q) or False
    window.show()
    window.close()
    assert questions == ["Training is running. Stop it and quit?"]
    assert window.isVisible()
    assert task.is_running()

    window.confirm_stop_tasks = lambda q: questions.append(q) or True
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        window.close()
    assert not window.isVisible()
    assert not window.tasks.has_threads()


def test_geometry_page_and_config_remembered(qtbot, tmp_path):
    import dataclasses

    window = MainWindow()
    qtbot.addWidget(window)
    window.show_page("Models")
    window.state.set_config(dataclasses.replace(window.state.config, units=33))
    window.close()
    stored = json.loads(window.settings.get_str(keys.LAST_CONFIG))
    assert stored["units"] == 33
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.state.config.units == 33
    assert again.current_page_title() == "Models"


def test_bad_remembered_config_is_ignored(qtbot):
    settings = Settings()
    settings.set(keys.LAST_CONFIG, json.dumps({"units": -1}))
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    assert window.state.config.units >= 0


def test_unexpected_error_dialog_is_non_modal_with_details(qtbot, window):
    undo = install_exception_hooks(window)
    try:
        try:
            raise RuntimeError("kaboom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        qtbot.waitUntil(lambda: len(window.error_dialogs) == 1, timeout=2000)
        box = window.error_dialogs[0]
        assert not box.isModal()
        assert "RuntimeError: kaboom" in box.text()
        assert "Traceback" in box.detailedText()

        thread = threading.Thread(target=lambda: 1 / 0)
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: len(window.error_dialogs) == 2, timeout=2000)
        assert "ZeroDivisionError" in window.error_dialogs[1].text()
    finally:
        undo()
    for box in list(window.error_dialogs):
        box.close()


def test_failing_task_leaves_window_usable(qtbot, window, tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("text,label\n")
    task = window.open_corpus(bad)
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    data = window.page("Data")
    assert data.message_bar.kind() == "error"
    assert "broken.csv" in data.message_bar.text()
    root = write_folder_corpus(tmp_path / "fine")
    with qtbot.waitSignal(window.state.corpus_changed, timeout=10_000):
        window.open_corpus(root)


def test_tensorflow_indicator(qtbot, window):
    release = threading.Event()

    def fake_import() -> str:
        release.wait(5)
        return "TensorFlow 0, Keras 0"

    loader = start_tensorflow_import(window, fake_import)
    assert window.status.tf.text() == TF_LOADING
    with qtbot.waitSignal(window.state.tf_ready_changed, timeout=5000):
        release.set()
    assert window.status.tf.text() == TF_READY
    assert window.state.tf_ready
    loader.thread.join()


def test_tensorflow_import_failure_is_shown(qtbot, window):
    def broken() -> str:
        raise ImportError("no tensorflow here")

    loader = start_tensorflow_import(window, broken)
    qtbot.waitUntil(lambda: window.message_bar.kind() == "error", timeout=5000)
    assert "no tensorflow here" in window.message_bar.text()
    assert not window.state.tf_ready
    loader.thread.join()


def test_save_model_as_copies_current_bundle(qtbot, window, tmp_path):
    from workbench.core import Bundle, read_bundle_info

    folder = fake_bundle(window.state.models_dir, "current")
    info = read_bundle_info(folder)
    window.state.set_bundle(Bundle(info, None, None, None))
    assert window.menus.save_model.isEnabled()
    target = tmp_path / "exported" / "copy"
    with qtbot.waitSignal(window.state.bundles_changed, timeout=5000):
        window.save_model_as(target)
    assert json.loads((target / "bundle.json").read_text())["name"] == "copy"
    assert str(target) in window.settings.recent("models")
    task = window.save_model_as(target)  # exists now: refused inline
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert "already exists" in window.message_bar.text()


def test_save_without_model_says_so(window):
    assert window.save_model_as(None) is None
    assert window.message_bar.kind() == "error"
    assert not window.menus.save_model.isEnabled()


def test_recent_menu_lists_opened_paths(window, tmp_path):
    for i in range(10):
        window.settings.add_recent("corpora", str(tmp_path / f"c{i}"))
    window.menus.fill_recent("corpora")
    texts = [a.text() for a in window.menus.recent_submenus["corpora"].actions() if a.text()]
    assert texts[0] == str(tmp_path / "c9")
    assert len([t for t in texts if t.startswith(str(tmp_path))]) == 8
    window.menus.open_recent("corpora", str(tmp_path / "c9"))  # gone: removed, message
    assert str(tmp_path / "c9") not in window.settings.recent("corpora")
    assert window.message_bar.kind() == "error"


def test_versions_text_names_the_libraries():
    text = versions_text()
    for name in ("Workbench", "Python", "PySide6", "NumPy", "pyqtgraph"):
        assert name in text


def test_settings_version_written_and_newer_reset():
    settings = Settings()
    assert settings.get_int(keys.VERSION) == keys.SETTINGS_VERSION
    settings.set(keys.VERSION, keys.SETTINGS_VERSION + 5)
    settings.set(keys.LAST_CORPUS, "x")
    settings.migrate()
    assert settings.get_str(keys.LAST_CORPUS) == ""
    with pytest.raises(ValueError, match="kind"):
        settings.recent("nonsense")


def test_main_reports_startup_and_quits(qtbot, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_REPORT_STARTUP", "1")
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "window shown after" in out
    assert "pages built after" in out


def test_path_kinds_are_sniffed_by_the_core_rules(tmp_path):
    from workbench.core import CorpusError, guess_path_kind

    w2v = tmp_path / "w2v.txt"
    w2v.write_text("2 3\nking 0.1 0.2 0.3\nqueen 0.1 0.2 0.4\n")
    assert guess_path_kind(w2v, check_corpus=True) == "vectors"
    assert guess_path_kind(write_vectors(tmp_path / "glove.txt"), check_corpus=True) == "vectors"
    gz = tmp_path / "v.txt.gz"
    gz.write_bytes(b"")
    assert guess_path_kind(gz) == "vectors"
    csv = tmp_path / "c.csv"
    csv.write_text("text,label\nhello there,a\nbye now,b\n")
    assert guess_path_kind(csv, check_corpus=True) == "corpus"
    assert guess_path_kind(fake_bundle(tmp_path / "models", "m")) == "bundle"
    assert guess_path_kind(write_folder_corpus(tmp_path / "folder")) == "corpus"
    with pytest.raises(CorpusError, match=r"absent\.txt"):
        guess_path_kind(tmp_path / "absent.txt")


def test_drop_model_folder_opens_it_on_models_page(qtbot, window):
    folder = fake_bundle(window.state.models_dir, "stub")
    with qtbot.waitSignal(window.tasks.busy_changed, timeout=5000):
        window.handle_drop([QUrl.fromLocalFile(str(folder))])
    assert window.current_page_title() == "Models"
    qtbot.waitUntil(lambda: not window.tasks.is_running(), timeout=60_000)
    models = window.page("Models")
    assert models.message_bar.kind() == "error"  # the stub model cannot load
    assert "stub" in models.message_bar.text()
    assert str(folder) in window.settings.recent("models")


def _current_bundle(window):
    from workbench.core import Bundle, read_bundle_info

    folder = fake_bundle(window.state.models_dir, "current")
    window.state.set_bundle(Bundle(read_bundle_info(folder), None, None, None))
    return folder


def test_save_as_dialog_offers_a_free_name_in_the_models_folder(window, tmp_path):
    from workbench.gui.window.saving import SaveModelDialog

    current = _current_bundle(window)
    models = window.state.models_dir
    (models / "current copy").mkdir()
    dialog = SaveModelDialog(models, "current", window)
    assert dialog.folder == models
    assert "the models folder" in dialog.folder_label.text()
    assert dialog.name_edit.text() == "current copy 2"
    assert dialog.destination() == models.absolute() / "current copy 2"
    for inside in (current, current / "sub"):
        assert not dialog.set_folder(inside)
        assert "inside the model “current”" in dialog.error_label.text()
        assert dialog.folder == models
    dialog.name_edit.setText("current")
    assert dialog.destination() is None
    assert "already" in dialog.error_label.text()
    dialog.name_edit.setText("bad/name")
    assert dialog.destination() is None
    assert "must not contain" in dialog.error_label.text()
    assert dialog.set_folder(tmp_path / "elsewhere")
    assert "models folder" not in dialog.folder_label.text()
    # a models folder that is itself inside a bundle starts beside that bundle
    assert SaveModelDialog(current / "nested", "x", window).folder == models


def test_save_model_as_through_the_dialog_saves_beside_not_inside(qtbot, window):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from workbench.core import list_bundles
    from workbench.gui.window.saving import SaveModelDialog

    current = _current_bundle(window)
    models = window.state.models_dir

    def type_a_name() -> None:
        dialog = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, SaveModelDialog) and w.isVisible()
        )
        dialog.name_edit.setText("copy1")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    QTimer.singleShot(0, type_a_name)
    with qtbot.waitSignal(window.state.bundles_changed, timeout=5000):
        task = window.save_model_as()
    assert task is not None
    assert (models / "copy1" / "bundle.json").is_file()
    assert not (current / "copy1").exists()
    assert "copy1" in [info.name for info in list_bundles(models)]
    assert "Model saved to" in window.message_bar.text()


def test_save_model_as_into_a_bundle_is_refused(qtbot, window):
    current = _current_bundle(window)
    task = window.save_model_as(current / "copy1")
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert window.message_bar.kind() == "error"
    assert "inside the model current" in window.message_bar.text()
    assert not (current / "copy1").exists()
