"""The Train page's "Run on" choice: this computer or a Ray cluster."""

from __future__ import annotations

import pytest

from tests.gui.tiny_model import load_tiny_corpus, tiny_config
from workbench.gui.pages.train import run_on
from workbench.gui.pages.train.page import TrainPage
from workbench.gui.state import AppState


@pytest.fixture
def ready_page(qtbot, tmp_path, runner):
    state = AppState(models_dir=tmp_path / "models")
    page = TrainPage(state, runner)
    qtbot.addWidget(page)
    corpus, report = load_tiny_corpus(tmp_path)
    page.state.set_corpus(corpus, report, None)
    page.state.set_tf_ready(True)
    page.form.set_config(tiny_config(epochs=2))
    return page


def test_without_ray_the_cluster_choice_says_how_to_install(qtbot, monkeypatch):
    monkeypatch.setattr(run_on, "ray_missing_reason", lambda: "Ray is not installed (pip ...)")
    choice = run_on.RunOnChoice()
    qtbot.addWidget(choice)
    item = choice.combo.model().item(run_on.RAY)
    assert not item.isEnabled()
    assert "Ray is not installed" in item.toolTip()
    assert choice.address() is None  # runs on this computer
    assert not choice.address_edit.isEnabled()


def test_a_wrong_address_disables_train_with_its_reason(ready_page, monkeypatch):
    page = ready_page
    if page.run_on.missing is not None:
        pytest.skip("Ray is not installed: the cluster entry is disabled")
    page.run_on.set_ray("ray://head:10001")
    assert not page.train_button.isEnabled()
    assert "Ray Client address" in page.disabled_reason()
    page.run_on.set_ray("http://127.0.0.1:8265")
    assert page.disabled_reason() == ""
    assert page.run_on.address() == "http://127.0.0.1:8265"
    page.run_on.set_ray(None)
    assert page.run_on.address() is None


@pytest.mark.slow
def test_train_page_runs_on_ray_and_plots_epochs(ready_page, qtbot, ray_head):
    page = ready_page
    page.run_on.set_ray(ray_head)
    task = page.start_training()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=600_000):
        pass
    assert page.status == "completed", page.messages.text() + page.log.toPlainText()
    for plot in page.plots.plots:
        assert len(plot.val_curve.getData()[0]) == 2
        assert len(plot.batch_curve.getData()[0]) >= 1
    result = page.last_result
    assert result.provenance["ray_job"].startswith("raysubmit_")
    assert result.bundle_path is not None
    assert result.bundle_path.parent == page.state.models_dir
    assert page.state.bundle is result.bundle
    assert result.evaluation is not None
    assert result.bundle.info.class_names == list(page.state.corpus.class_names)
    assert f"Ray cluster at {ray_head}" in page.log.toPlainText()


@pytest.mark.slow
def test_sweep_window_runs_trials_as_parallel_ray_jobs(ready_page, qtbot, ray_head):
    from workbench.core import RunStore

    page = ready_page
    page.run_on.set_ray(ray_head)
    dialog = page.open_sweep()
    try:
        dialog.set_axes([("units", "grid", "4, 6")])
        task = dialog.start()
        assert task is not None
        assert f"Ray cluster at {ray_head}, 2 submitted at once" in dialog.messages.text()
        with qtbot.waitSignal(task.finished, timeout=600_000):
            pass
        column = dialog.trials.columnCount() - 3
        statuses = [dialog.trials.item(r, column).text() for r in range(2)]
        assert statuses == ["completed", "completed"], dialog.messages.text()
        with RunStore(page.state.models_dir) as store:
            runs = store.list_runs()
        assert sorted(r.config["units"] for r in runs) == [4, 6]
        assert all(r.source == "window-ray" and r.kind == "sweep" for r in runs)
        assert all(r.bundle and r.bundle.startswith(str(page.state.models_dir)) for r in runs)
    finally:
        dialog.close()
