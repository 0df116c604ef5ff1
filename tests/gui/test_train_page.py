"""Train page: config form validation, presets, TOML, live training and Stop."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from tests.core.test_architectures import NAME, TEST_ARCHITECTURE
from tests.gui.tiny_model import load_tiny_corpus, tiny_config
from workbench.core import (
    PRESETS,
    TrainConfig,
    VectorsSource,
    register_architecture,
    unregister_architecture,
)
from workbench.gui.pages.train.config_form import ConfigForm, step_125
from workbench.gui.pages.train.job import PartialListener, vectors_argument
from workbench.gui.pages.train.page import TrainPage
from workbench.gui.pages.train.plots import GrowingBuffer, TrainingPlots
from workbench.gui.state import AppState


@pytest.fixture
def page(qtbot, tmp_path, runner):
    state = AppState(models_dir=tmp_path / "models")
    widget = TrainPage(state, runner)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def ready_page(page, tmp_path):
    """A page with a tiny corpus loaded, TensorFlow 'ready' and a tiny config."""
    corpus, report = load_tiny_corpus(tmp_path)
    page.state.set_corpus(corpus, report, None)
    page.state.set_tf_ready(True)
    page.form.set_config(tiny_config())
    return page


def _bundles(folder):
    return sorted(p for p in folder.glob("*/bundle.json")) if folder.exists() else []


# --- form ------------------------------------------------------------------------------
def test_train_disabled_reasons_follow_state(page, tmp_path):
    assert not page.train_button.isEnabled()
    assert page.train_button.toolTip() == "Load a corpus first"
    assert page.reason_label.text() == "Load a corpus first"
    corpus, report = load_tiny_corpus(tmp_path)
    page.state.set_corpus(corpus, report, None)
    assert page.train_button.toolTip() == "TensorFlow is still loading…"
    assert not page.train_button.isEnabled()
    page.state.set_tf_ready(True)
    assert page.train_button.isEnabled()
    assert page.reason_label.text() == ""


def test_invalid_value_disables_train_with_message(ready_page):
    ready_page.form.set_value("layers", 0)
    message = "layers must be >= 1, got 0"
    assert not ready_page.train_button.isEnabled()
    assert ready_page.train_button.toolTip() == message
    assert ready_page.reason_label.text() == message
    assert ready_page.form.error_label.text() == message
    assert ready_page.form.config() is None
    assert ready_page.start_training() is None
    ready_page.form.set_value("layers", 2)
    assert ready_page.train_button.isEnabled()
    assert ready_page.form.error() == ""


def test_combination_error_is_shown(qtbot):
    form = ConfigForm()
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.error_changed) as blocker:
        form.set_value("val_fraction", 0.5)
        form.set_value("test_fraction", 0.5)
    assert "val_fraction + test_fraction must be < 1" in blocker.args[0]
    assert form.editors["val_fraction"].styleSheet()  # outlined
    assert not form.editors["units"].styleSheet()


def test_form_has_an_editor_with_help_for_every_field(qtbot):
    form = ConfigForm()
    qtbot.addWidget(form)
    names = [field.name for field in __import__("dataclasses").fields(TrainConfig)]
    assert sorted(form.editors) == sorted(names)
    help_texts = TrainConfig.field_help()
    for name, editor in form.editors.items():
        assert help_texts[name] in editor.toolTip()
    assert form.editors["learning_rate"].decimals() == 5
    assert TrainConfig(**form.values()) == TrainConfig()


def test_form_edits_reach_state(ready_page):
    ready_page.form.set_value("units", 16)
    assert ready_page.state.config.units == 16
    ready_page.state.set_config(tiny_config(units=12, architecture="gru"))
    assert ready_page.form.values()["units"] == 12
    assert ready_page.form.values()["architecture"] == "gru"


@pytest.mark.parametrize("key", ["seed-article", "recommended"])
def test_presets_fill_the_form(page, key):
    page.form.set_config(tiny_config())
    combo = page.form.preset_combo
    index = combo.findData(key)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert TrainConfig(**page.form.values()) == PRESETS[key]
    assert page.state.config == PRESETS[key]
    assert combo.currentData() == key


def test_toml_round_trip(page, tmp_path):
    custom = tiny_config(units=24, architecture="gru", learning_rate=0.005, pooling="mean")
    page.form.set_config(custom)
    path = tmp_path / "settings.toml"
    assert page.form.save_toml(path)
    page.form.apply_preset("recommended")
    assert page.form.config() == PRESETS["recommended"]
    assert page.form.load_toml(path)
    assert page.form.config() == custom
    assert page.form.messages.kind() == "info"


def test_bad_toml_shows_inline_error(page, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[train]\nunits = 8\nlayers = 0\n", encoding="utf-8")
    before = page.form.config()
    assert not page.form.load_toml(path)
    assert page.form.messages.kind() == "error"
    assert "bad.toml line 3" in page.form.messages.text()
    assert "layers" in page.form.messages.text()
    assert page.form.config() == before
    assert not page.form.load_toml(tmp_path / "missing.toml")
    assert "not found" in page.form.messages.text()


def test_save_toml_refuses_invalid_form(page, tmp_path):
    page.form.set_value("epochs", 0)
    assert not page.form.save_toml(tmp_path / "x.toml")
    assert "epochs must be >= 1" in page.form.messages.text()
    assert not (tmp_path / "x.toml").exists()


@pytest.fixture
def test_architecture():
    register_architecture(TEST_ARCHITECTURE)
    yield TEST_ARCHITECTURE
    unregister_architecture(NAME)


def test_registered_architecture_appears_in_the_train_form(qtbot, test_architecture):
    form = ConfigForm()
    qtbot.addWidget(form)
    combo = form.editors["architecture"]
    assert [combo.itemData(i) for i in range(combo.count())][-1] == NAME
    assert form.editors["units"].isEnabled()
    form.set_value("architecture", NAME)
    assert form.config().architecture == NAME
    # the recurrent settings do not apply to it; the shared ones do
    assert not form.editors["units"].isEnabled()
    assert not form.editors["pooling"].isEnabled()
    assert form.editors["dropout"].isEnabled()
    form.set_value("architecture", "gru")
    assert form.editors["units"].isEnabled()


def test_form_ranges_and_tooltips_come_from_the_settings(page):
    settings = TrainConfig.settings()
    units = page.form.editors["units"]
    assert units.maximum() == settings["units"].maximum
    assert units.specialValueText() == "auto: half the embedding width"
    assert page.form.editors["maxlen"].maximum() == settings["maxlen"].maximum
    assert settings["maxlen"].help in page.form.editors["maxlen"].toolTip()
    assert page.form.labels["maxlen"].text() == settings["maxlen"].label
    combo = page.form.preset_combo
    tip = combo.itemData(combo.findData("seed-article"), Qt.ItemDataRole.ToolTipRole)
    assert "half the embedding width" in tip


def test_learning_rate_steps_by_125():
    assert step_125(0.002, up=True) == pytest.approx(0.005)
    assert step_125(0.005, up=True) == pytest.approx(0.01)
    assert step_125(0.001, up=False) == pytest.approx(0.0005)
    assert step_125(0.0, up=True) == pytest.approx(1e-5)


# --- listener, clock, plots ------------------------------------------------------------------
def test_partial_listener_sends_plain_dicts_with_the_fraction_it_gets():
    posted: list[dict] = []
    listener = PartialListener(posted.append)
    listener.on_train_begin(2, 100)
    listener.on_batch_end(0, 49, {"loss": 1.0, "accuracy": 0.5, "fraction": 0.25})
    listener.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5, "val_loss": 0.9})
    assert posted[0] == {"event": "begin", "epochs": 2, "steps": 100}
    assert posted[1] == {
        "event": "batch",
        "epoch": 0,
        "batch": 49,
        "fraction": 0.25,
        "loss": 1.0,
        "accuracy": 0.5,
    }
    assert posted[2]["event"] == "epoch"
    assert posted[2]["val_accuracy"] != posted[2]["val_accuracy"]  # missing -> NaN


def test_page_shows_the_fraction_it_is_sent(page):
    page._on_partial({"event": "begin", "epochs": 15, "steps": 56})
    page._on_partial(
        {"event": "batch", "epoch": 2, "batch": 19, "fraction": 0.4, "loss": 1.0, "accuracy": 0.5}
    )
    assert page.progress_bar.value() == 400  # as sent, not recomputed (that would be 157)
    assert page.progress_bar.format().startswith("Epoch 3/15 · batch 20/56 · ")


def test_vectors_sent_to_the_training_process():
    loaded = object()  # stands in for a loaded Vectors
    bundled = VectorsSource.bundled()
    assert vectors_argument(loaded, bundled) == bundled  # reloaded there, filtered
    assert vectors_argument(loaded, "bundled") == bundled  # old strings still parse
    glove = VectorsSource.file("/data/glove.txt")
    assert vectors_argument(loaded, glove) is loaded  # already filtered here
    assert vectors_argument(None, glove) == glove
    assert vectors_argument(loaded, VectorsSource.none()) is None
    assert vectors_argument(loaded, "none") is None
    assert vectors_argument(None, "") is None


def test_plots_mark_best_epoch_and_grow(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.begin(3, 4)
    for epoch, val_loss in enumerate([0.9, 0.5, 0.7]):
        for batch in range(4):
            plots.add_batch(epoch, batch, 1.0, 0.5)
        plots.add_epoch(epoch, {"loss": 1, "accuracy": 0.5, "val_loss": val_loss})
    assert plots.best_epoch == 1
    assert plots.loss_plot.best_line.value() == pytest.approx(2.0)
    x, _ = plots.loss_plot.batch_curve.getData()
    assert len(x) == 12
    assert x[-1] == pytest.approx(3.0)
    assert len(plots.accuracy_plot.val_curve.getData()[0]) == 3
    buffer = GrowingBuffer(2)
    for i in range(9):
        buffer.append(i, -i)
    assert list(buffer.y) == [-i for i in range(9)]


# --- training ----------------------------------------------------------------------------------
def test_train_one_epoch_updates_everything(ready_page, qtbot):
    page = ready_page
    models = page.state.models_dir
    bundles_changed = []
    page.state.bundles_changed.connect(lambda: bundles_changed.append(1))
    task = page.start_training()
    assert task is not None
    assert not page.train_button.isEnabled()
    assert page.stop_button.isEnabled()
    assert not page.form.isEnabled()
    with qtbot.waitSignal(task.finished, timeout=120_000):
        pass
    assert page.status == "completed", page.messages.text()
    for plot in page.plots.plots:
        assert len(plot.val_curve.getData()[0]) == 1
        assert len(plot.train_curve.getData()[0]) == 1
        assert len(plot.batch_curve.getData()[0]) >= 1
    assert page.progress_bar.value() == page.progress_bar.maximum()
    saved = _bundles(models)
    assert len(saved) == 1
    assert page.last_result.bundle_path == saved[0].parent
    assert page.state.bundle is page.last_result.bundle
    assert page.state.evaluation is page.last_result.evaluation
    assert bundles_changed
    assert str(saved[0].parent) in page.log.toPlainText()
    assert "test accuracy" in page.result_label.text()
    assert page.train_button.isEnabled()
    assert page.form.isEnabled()
    assert page.train_button.shortcut() == QKeySequence("Ctrl+T")


def _start_and_stop_when(page, qtbot, event_name, activate=None):
    """Train for many epochs, press Stop at the first ``event_name`` event.

    With ``activate`` (the fixture) training starts with Ctrl+T and stops with Esc.
    Returns seconds from Stop to the end of the training loop and to the page being
    idle (for a look; the Stop timings are measured by bench/bench_stop.py).
    """
    page.form.set_config(tiny_config(epochs=200))
    keys = activate is not None
    if keys:
        activate(page)
        qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(page.is_running, timeout=2_000)
        task = page.task
    else:
        task = page.start_training()
    marks: dict[str, float] = {}

    def on_partial(event):
        if event.get("event") == event_name and "stop" not in marks:
            marks["stop"] = time.monotonic()
            if keys:
                qtbot.keyClick(page, Qt.Key.Key_Escape)
            else:
                page.stop_button.click()
        elif event.get("event") == "end":
            marks["end"] = time.monotonic()

    task.partial.connect(on_partial)
    qtbot.waitUntil(lambda: not page.is_running(), timeout=120_000)
    assert "stop" in marks, page.messages.text()
    idle = time.monotonic()
    return marks["end"] - marks["stop"], idle - marks["stop"]


def test_stop_after_first_batch(ready_page, qtbot, activate):
    page = ready_page
    # how fast Stop takes effect is measured by bench/bench_stop.py, not asserted here
    _start_and_stop_when(page, qtbot, "batch", activate=activate)
    assert page.status == "cancelled"
    result = page.last_result
    assert result.train.epochs_run < 200
    # the best model is kept (and saved) exactly when an epoch finished
    assert (result.bundle_path is not None) == (result.train.epochs_run > 0)
    assert len(_bundles(page.state.models_dir)) == (1 if result.train.epochs_run else 0)
    assert page.train_button.isEnabled()
    assert not page.stop_button.isEnabled()
    assert page.stop_button.shortcut() == QKeySequence("Esc")


def test_stop_after_an_epoch_keeps_best_model(ready_page, qtbot):
    page = ready_page
    _start_and_stop_when(page, qtbot, "epoch")
    assert page.status == "cancelled"
    result = page.last_result
    assert 1 <= result.train.epochs_run < 200
    assert len(_bundles(page.state.models_dir)) == 1
    assert page.state.bundle is result.bundle
    assert "Cancelled" in page.result_label.text()
    assert page.form.config().baseline
    assert result.baseline is None  # Stop ends the run without fitting the baseline
    assert "linear baseline skipped: the run was stopped" in page.result_label.text()
    assert "Model saved to" in page.log.toPlainText()
    info = result.bundle.info
    assert info.status == "stopped"
    assert info.status_note.startswith(f"stopped after {result.train.epochs_run} of ")
    assert "on the test split" in info.status_note
    assert info.status_note in page.messages.text()
    from workbench.core import list_bundles

    (listed,) = list_bundles(page.state.models_dir)
    assert listed.status == "stopped"


def test_a_dying_training_process_is_reported_and_the_page_recovers(ready_page, qtbot):
    import multiprocessing
    import os
    import signal

    page = ready_page
    page.form.set_config(tiny_config(epochs=200))
    task = page.start_training()

    def kill_child(event):
        if event.get("event") == "begin":
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)

    task.partial.connect(kill_child)
    with qtbot.waitSignal(task.finished, timeout=120_000):
        pass
    assert page.status == "failed"
    assert "training process was killed by signal 9" in page.messages.text()
    assert page.train_button.isEnabled()
    assert not page.stop_button.isEnabled()
    assert _bundles(page.state.models_dir) == []
    assert multiprocessing.active_children() == []


def test_loaded_model_history_is_plotted(page):
    class FakeInfo:
        name = "saved-model"

    class FakeBundle:
        def __init__(self) -> None:
            self.info = FakeInfo()
            self.metrics: dict = {}
            self.history = {
                "loss": [1.0, 0.6, 0.4],
                "accuracy": [0.5, 0.7, 0.8],
                "val_loss": [0.9, 0.5, 0.6],
                "val_accuracy": [0.5, 0.8, 0.7],
            }

    page.state.set_bundle(FakeBundle())
    assert len(page.plots.loss_plot.val_curve.getData()[0]) == 3
    assert page.plots.best_epoch == 1
    assert "saved-model" in page.result_label.text()


def test_pipeline_error_is_shown_inline(page, qtbot, tmp_path):
    from workbench.core import load_corpus

    root = tmp_path / "small"
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        (root / label / "1.txt").write_text(f"{label} words here", encoding="utf-8")
    corpus, report = load_corpus(root)
    page.state.set_corpus(corpus, report, None)
    page.state.set_tf_ready(True)
    task = page.start_training()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert page.status == "failed"
    assert page.messages.kind() == "error"
    assert "too few documents" in page.messages.text()
    assert page.result_label.text().startswith("Failed: too few documents")
    assert page.state.bundle is None
    assert page.train_button.isEnabled()


def test_nan_failure_result_is_shown_inline(page):
    from types import SimpleNamespace

    train = SimpleNamespace(
        status="failed",
        message="loss became NaN in epoch 1, batch 3",
        epochs_run=0,
        elapsed_s=1.5,
        best_epoch=None,
        history={},
    )
    result = SimpleNamespace(
        train=train, evaluation=None, bundle=None, bundle_path=None, save_error=None
    )
    page._on_done(result)
    assert page.status == "failed"
    assert page.messages.kind() == "error"
    assert "NaN" in page.messages.text()
    assert "no model kept" in page.result_label.text()
    assert page.state.bundle is None


def test_a_run_that_kept_averaged_epochs_says_so(page):
    from types import SimpleNamespace

    from workbench.core import AveragedEpochs

    history = {"loss": [1.0, 0.8, 0.7], "val_loss": [0.9, 0.5, 0.6]}
    page.plots.show_history(history, 1)
    averaged = AveragedEpochs(epochs=(1, 2), best_val_loss=0.5, val_loss=0.45)
    train = SimpleNamespace(
        status="completed",
        message=f"completed 3 epoch(s); best epoch 2; {averaged.text()}",
        epochs_run=3,
        elapsed_s=2.0,
        best_epoch=1,
        history=history,
        averaged=averaged,
    )
    result = SimpleNamespace(
        train=train, evaluation=None, bundle=None, bundle_path=None, save_error=None
    )
    page._on_done(result)
    assert "epochs 2, 3 averaged" in page.result_label.text()
    label = page.plots.loss_plot.best_line.label.toPlainText()
    assert label == "best: epoch 2\nkept: epochs 2, 3 averaged"


def test_new_run_starts_from_clean_plots(qtbot):
    """The best-epoch label of a previous run never survives into the next one (issue 12.9)."""
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.begin(5, 2)
    for epoch, val_loss in enumerate([0.9, 0.8, 0.7, 0.6, 0.5]):
        plots.add_epoch(epoch, {"loss": 1, "accuracy": 0.5, "val_loss": val_loss})
    assert plots.loss_plot.best_line.label.toPlainText() == "best: epoch 5"
    plots.begin(3, 2)
    for plot in plots.plots:
        assert not plot.best_line.isVisible()
        assert len(plot.val) == 0
    plots.add_epoch(0, {"loss": 1, "accuracy": 0.5, "val_loss": 0.9})
    for plot in plots.plots:
        assert plot.best_line.value() == pytest.approx(1.0)
        assert plot.best_line.label.toPlainText() == "best: epoch 1"


def test_plots_say_when_averaged_epochs_were_kept(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.mark_kept("epochs 2, 3 averaged")  # no best epoch yet: nothing to label
    assert not plots.loss_plot.best_line.isVisible()
    plots.begin(4, 2)
    for epoch, val_loss in enumerate([0.9, 0.5, 0.6, 0.7]):
        plots.add_epoch(epoch, {"loss": 1, "accuracy": 0.5, "val_loss": val_loss})
    plots.mark_kept("epochs 2, 3 averaged")
    for plot in plots.plots:
        assert plot.best_line.value() == pytest.approx(2.0)
        assert plot.best_line.label.toPlainText() == "best: epoch 2\nkept: epochs 2, 3 averaged"


# --- issue 12: estimate (17), embedding size fixed by vectors (16), log follows (21) ----
def test_estimate_shown_by_train_and_follows_config(ready_page, tmp_path):
    import dataclasses

    page = ready_page
    first = page.estimate_label.text()
    assert first.startswith("Estimated time: ")
    assert page.estimate_label.isVisibleTo(page)
    seconds = page.estimate().total_s
    page.form.set_value("epochs", page.form.config().epochs * 4)
    assert page.estimate().total_s == pytest.approx(4 * seconds)
    assert page.estimate_label.text() != first
    page.state.set_config(
        dataclasses.replace(
            page.state.config,
            maxlen=page.state.config.maxlen * 2,
            rnn_maxlen=page.state.config.rnn_maxlen * 2,
        )
    )
    assert page.estimate().total_s == pytest.approx(8 * seconds)
    page.state.set_corpus(None, None, None)
    assert not page.estimate_label.isVisibleTo(page)


def test_embedding_size_disabled_when_vectors_fix_it(page):
    from workbench.core import Vectors

    editor = page.form.editors["embedding_dim"]
    assert editor.isEnabled()
    import numpy as np

    from workbench.core import VectorsReport

    report = VectorsReport(source="/data/v.txt", format="glove", dim=7, rows_read=2, rows_kept=2)
    vectors = Vectors(["a", "b"], np.ones((2, 7), dtype=np.float32), report)
    page.state.set_vectors("/data/v.txt", vectors, None)
    assert not editor.isEnabled()
    assert "Fixed at 7 by the loaded word vectors" in editor.toolTip()
    page.state.set_vectors("none", None, None)
    assert editor.isEnabled()
    assert "Fixed" not in editor.toolTip()


def test_log_follows_newest_line_unless_scrolled_up(page, qtbot):
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    bar = page.log.verticalScrollBar()
    for i in range(100):
        page._log(f"line {i}")
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.value() == bar.maximum()
    page.hide()  # another page is shown while the run goes on
    for i in range(100, 300):
        page._log(f"line {i}")
    page.show()
    qtbot.waitExposed(page)
    assert bar.value() == bar.maximum()
    bar.setValue(0)  # the user reads an old line
    page._log("one more")
    assert bar.value() == 0


def test_legend_sits_outside_the_plots(qtbot):
    """No legend box over the curves; one legend line above both plots (issue 12.19)."""
    from workbench.gui.pages.train.plots import BATCH_LEGEND, TRAIN_LEGEND, VAL_LEGEND

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    for plot in plots.plots:
        assert plot.getPlotItem().legend is None
    text = plots.legend.text()
    for name in (BATCH_LEGEND, TRAIN_LEGEND, VAL_LEGEND, "best epoch"):
        assert name in text
    assert plots.layout().indexOf(plots.legend) == 0


def test_a_finished_run_calibrates_later_estimates(ready_page):
    from types import SimpleNamespace

    from workbench.core import training_work

    page = ready_page
    assert not page.estimate().measured
    page._run_config, page._run_size = page.form.config(), len(page.state.corpus)
    short = SimpleNamespace(train=SimpleNamespace(status="completed", elapsed_s=5.0, epochs_run=1))
    page._remember_throughput(short)  # mostly start-up time: not a measurement
    assert not page.estimate().measured
    run = SimpleNamespace(train=SimpleNamespace(status="completed", elapsed_s=60.0, epochs_run=2))
    page._remember_throughput(run)
    estimate = page.estimate()
    assert estimate.measured
    assert "on this computer" in page.estimate_label.text()
    work = training_work(page.form.config(), len(page.state.corpus))
    assert estimate.seconds_per_epoch == pytest.approx(30.0)
    assert work > 0


def test_cudnn_note_follows_the_padding(qtbot):
    import dataclasses

    from workbench.gui.pages.train.page import TrainPage
    from workbench.gui.state import AppState
    from workbench.gui.tasks import TaskRunner

    state = AppState()
    page = TrainPage(state, TaskRunner())
    qtbot.addWidget(page)
    assert not page.cudnn_label.isVisibleTo(page)
    state.set_config(dataclasses.replace(state.config, padding="pre"))
    assert page.cudnn_label.isVisibleTo(page)
    assert "padding='pre'" in page.cudnn_label.text()
    state.set_config(dataclasses.replace(state.config, padding="post"))
    assert not page.cudnn_label.isVisibleTo(page)
