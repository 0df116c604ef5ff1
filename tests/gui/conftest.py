"""GUI test setup: QSettings in tmp_path and a check that no task thread is left running."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def _settings_in_tmp(tmp_path):
    """Point every QSettings (INI format, user scope) at this test's temp folder."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder))
    return folder


@pytest.fixture(autouse=True)
def _no_dangling_tasks():
    """Fail a test that leaves a task thread running (and stop it so later tests are clean)."""
    yield
    from PySide6.QtCore import QDeadlineTimer

    from workbench.gui.tasks import running_tasks

    leftovers = running_tasks()
    if not leftovers:
        return
    deadline = QDeadlineTimer(10_000)
    for task in leftovers:
        task.cancel()
    for task in leftovers:
        task._wait(deadline)
        task._finish()
    pytest.fail(
        f"test left task threads running: {sorted(t.kind for t in leftovers)}", pytrace=False
    )


@pytest.fixture
def runner(qtbot):
    """A TaskRunner whose tasks are cancelled and waited for after the test."""
    from workbench.gui.tasks import TaskRunner

    tasks = TaskRunner()
    yield tasks
    tasks.cancel_all()
    tasks.wait_all(10_000)


@pytest.fixture(autouse=True)
def _no_unexpected_modal_dialogs(monkeypatch):
    """A modal dialog the test did not stub fails the test instead of hanging it."""
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    def refuse(name):
        def opened(*args, **kwargs):
            raise AssertionError(f"an unexpected modal dialog opened: {name}")

        return staticmethod(opened)

    for owner, names in (
        (QInputDialog, ("getItem", "getText", "getInt", "getDouble")),
        (QFileDialog, ("getOpenFileName", "getSaveFileName", "getExistingDirectory")),
        (QMessageBox, ("question", "warning", "information", "critical", "about")),
    ):
        for name in names:
            monkeypatch.setattr(owner, name, refuse(f"{owner.__name__}.{name}"))


@pytest.fixture
def activate(qtbot):
    """Show a top-level widget and wait until Qt's shortcut map sees it as active.

    Shortcuts with the default window context fire only when
    ``QApplication.activeWindow()`` is their window. ``qtbot.waitActive`` waits for
    the platform window alone, and under load the widget-level activation can come
    a little later, so a key pressed in between is lost; this waits for both, then
    gives the keyboard focus to ``focus`` (the widget itself by default).
    """
    from PySide6.QtWidgets import QApplication

    def _activate(widget, focus=None):
        widget.show()
        widget.raise_()
        widget.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window(), timeout=5_000)
        target = focus or widget
        target.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is target, timeout=5_000)

    return _activate
