"""Sweep window of the Train page: planning errors, a live trials table, Skip and Stop."""

from __future__ import annotations

import pytest

from tests.gui.tiny_model import load_tiny_corpus, tiny_config
from workbench.core import RunStore
from workbench.gui.pages.train.page import TrainPage
from workbench.gui.state import AppState


@pytest.fixture
def dialog(qtbot, tmp_path, runner):
    state = AppState(models_dir=tmp_path / "models")
    page = TrainPage(state, runner)
    qtbot.addWidget(page)
    corpus, report = load_tiny_corpus(tmp_path)
    state.set_corpus(corpus, report, None)
    state.set_tf_ready(True)
    page.form.set_config(tiny_config(epochs=2))
    widget = page.open_sweep()
    yield widget
    widget.close()


def _statuses(dialog) -> list[str]:
    column = dialog.trials.columnCount() - 3
    return [dialog.trials.item(r, column).text() for r in range(dialog.trials.rowCount())]


def test_bad_axis_gives_a_message_and_no_task(dialog):
    dialog.set_axes([("units", "grid", "4, zero")])
    assert dialog.start() is None
    assert "units" in dialog.messages.text()
    dialog.set_axes([("architecture", "random", "1:2")])
    assert dialog.start() is None
    assert "not numeric" in dialog.messages.text()


def test_skip_ends_only_the_current_trial(dialog, qtbot):
    dialog.set_axes([("units", "grid", "4, 6")])
    task = dialog.start()
    assert _statuses(dialog) == ["waiting", "waiting"]
    qtbot.waitUntil(lambda: _statuses(dialog)[0] == "training", timeout=60_000)
    dialog.skip()
    with qtbot.waitSignal(task.finished, timeout=300_000):
        pass
    assert _statuses(dialog) == ["skipped", "completed"]
    assert dialog.best_row() == 1
    assert dialog.trials.item(1, 0).background().color().green() == 240  # highlighted
    assert dialog.plotted_points() == 1
    with RunStore(dialog.state.models_dir) as store:
        runs = sorted(store.list_runs(), key=lambda r: r.id)
    assert [r.config["units"] for r in runs] == [4, 6]
    assert [r.status for r in runs][1] == "completed"
    assert all(r.kind == "sweep" and r.source == "window" for r in runs)


def test_stop_ends_the_sweep_and_keeps_finished_trials(dialog, qtbot):
    dialog.set_axes([("units", "grid", "4, 5, 6")])
    task = dialog.start()
    qtbot.waitUntil(lambda: _statuses(dialog)[0] == "completed", timeout=300_000)
    dialog.stop()
    assert not dialog.stop_button.isEnabled()
    with qtbot.waitSignal(task.finished, timeout=300_000):
        pass
    statuses = _statuses(dialog)
    assert statuses[0] == "completed"
    assert statuses[2] == "waiting"  # never started
    assert "stopped" in dialog.progress.format()
    with RunStore(dialog.state.models_dir) as store:
        runs = store.list_runs()
    assert len(runs) <= 2
    assert any(r.status == "completed" and r.config["units"] == 4 for r in runs)
