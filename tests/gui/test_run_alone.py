"""Each page can be shown alone (``python -m workbench.gui.<page> [ARG]``)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from workbench.core import BundleError
from workbench.gui import widgets
from workbench.gui.state import AppState


class FakePage(QWidget):
    def __init__(self, state, tasks, parent=None):
        super().__init__(parent)
        self.state, self.tasks = state, tasks


def test_run_page_alone_shows_and_prepares_the_page(qtbot, monkeypatch):
    seen = {}

    def prepare(state, page, arg):
        qtbot.addWidget(page)
        seen.update(state=state, page=page, arg=arg, visible=page.isVisible())

    # the real event loop would block; the test's own loop keeps running instead
    monkeypatch.setattr(QApplication, "exec", lambda self: 7)
    monkeypatch.setattr(sys, "argv", ["workbench.gui.fake", "models/some-bundle"])
    assert widgets.run_page_alone(FakePage, size=(320, 240), prepare=prepare) == 7
    assert seen["arg"] == "models/some-bundle"
    assert seen["visible"]
    assert isinstance(seen["state"], AppState)
    assert seen["page"].state is seen["state"]
    assert (seen["page"].width(), seen["page"].height()) == (320, 240)


def test_load_bundle_arg_ignores_no_argument_and_names_a_bad_folder(tmp_path):
    state = AppState()
    widgets.load_bundle_arg(state, None, None)
    assert state.bundle is None
    with pytest.raises(BundleError, match=r"no bundle\.json"):
        widgets.load_bundle_arg(state, None, str(tmp_path))
