"""The models folder is a remembered setting shown on the Models page (issue 12, item 11)."""

from __future__ import annotations

from types import SimpleNamespace

from workbench.core import read_bundle_info
from workbench.gui import settings as keys
from workbench.gui.settings import Settings
from workbench.gui.window.main_window import MainWindow

from .test_models_page import fake_bundle, models_dir, names, page  # noqa: F401


def test_models_page_shows_and_changes_the_folder(page, models_dir, tmp_path):  # noqa: F811
    fake_bundle(models_dir, "here")
    page.refresh()
    assert str(models_dir) in page.folder_label.text()
    assert names(page) == ["here"]
    other = tmp_path / "elsewhere"
    fake_bundle(other, "there")
    page.ask_models_dir = lambda: str(other)
    page.folder_button.click()
    assert page.state.models_dir == other
    assert str(other) in page.folder_label.text()
    assert names(page) == ["there"]


def test_folder_dialog_cancelled_changes_nothing(page, models_dir):  # noqa: F811
    page.ask_models_dir = lambda: ""
    page.folder_button.click()
    assert page.state.models_dir == models_dir


def test_model_opened_from_another_folder_is_listed_and_selected(
    page,  # noqa: F811
    models_dir,  # noqa: F811
    tmp_path,
):
    fake_bundle(models_dir, "here")
    outside = fake_bundle(tmp_path / "downloads", "theirs")
    bundle = SimpleNamespace(info=read_bundle_info(outside), metrics=None)
    page._loaded(bundle)  # what a finished load task hands over
    assert sorted(names(page)) == ["here", "theirs"]
    assert page.selected_path() == outside
    row = names(page).index("theirs")
    assert "outside the models folder" in page.table.item(row, 0).toolTip()
    assert page.current_row() == row
    page.refresh()  # stays listed
    assert "theirs" in names(page)


def test_window_remembers_the_models_folder(qtbot, tmp_path, monkeypatch):
    session_dir = tmp_path / "from-environment"
    monkeypatch.delenv("WORKBENCH_MODELS_DIR", raising=False)
    window = MainWindow()
    qtbot.addWidget(window)
    chosen = tmp_path / "my-models"
    window.page("Models").set_models_dir(chosen)
    assert Settings().get_str(keys.MODELS_DIR) == str(chosen)
    later = MainWindow()
    qtbot.addWidget(later)
    assert later.state.models_dir == chosen
    assert str(chosen) in later.page("Models").folder_label.text()
    # an environment variable set for a session wins over the remembered folder
    monkeypatch.setenv("WORKBENCH_MODELS_DIR", str(session_dir))
    third = MainWindow()
    qtbot.addWidget(third)
    assert third.state.models_dir == session_dir
