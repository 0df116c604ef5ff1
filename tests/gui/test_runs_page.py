"""Runs page: table, filter, select and overlay, config diff, train again, delete, live follow;
and runs from the command line and the window landing in the same store."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from tests.cli_helpers import subprocess_env
from tests.gui.tiny_model import load_tiny_corpus, make_corpus_dir, tiny_config
from workbench.core import RunStore, TrainConfig
from workbench.gui.pages.runs.page import RunsPage
from workbench.gui.pages.runs.table import COLUMNS
from workbench.gui.state import AppState


def add_run(
    store: RunStore,
    *,
    units: int,
    accuracy: float,
    epochs: int = 3,
    status="completed",
    baseline: float | None = None,
    parts: dict | None = None,
):
    config = TrainConfig(units=units).to_dict()
    run_id = store.begin_run(name=f"units{units}", config=config, corpus_path="/data/bbc")
    for epoch in range(epochs):
        store.add_epoch(
            run_id,
            epoch,
            {"loss": 1 / (epoch + 1), "accuracy": 0.5 + epoch / 10, "val_loss": 1.1 / (epoch + 1)},
        )
    if status != "running":
        metrics = {"accuracy": accuracy, "macro_f1": accuracy}
        if baseline is not None:
            metrics["baseline"] = {"accuracy": baseline, "macro_f1": baseline}
        if parts is not None:
            metrics["parts"] = parts
        store.finish_run(run_id, status=status, metrics=metrics)
    return run_id


@pytest.fixture
def models(tmp_path):
    folder = tmp_path / "models"
    with RunStore(folder) as store:
        runs = ((32, 0.9, 0.91), (64, 0.95, 0.92), (96, 0.93, None))  # 96: no baseline
        ids = [add_run(store, units=u, accuracy=a, baseline=b) for u, a, b in runs]
    return folder, ids


@pytest.fixture
def page(qtbot, runner, models):
    folder, _ = models
    widget = RunsPage(AppState(models_dir=folder), runner)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 3, timeout=5000)
    yield widget
    widget.close()


def test_table_lists_runs_sorts_and_filters(page):
    assert page.count_label.text() == "3 runs"
    column = COLUMNS.index("accuracy")
    page.view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    shown = [page.proxy.index(r, column).data() for r in range(3)]
    assert shown == ["95.00 %", "93.00 %", "90.00 %"]
    page.filter_edit.setText("UNITS9")
    assert page.proxy.rowCount() == 1
    assert page.proxy.index(0, COLUMNS.index("name")).data() == "units96"
    page.filter_edit.clear()
    assert page.proxy.rowCount() == 3


def test_the_table_and_the_comparison_show_each_runs_linear_baseline(page, models):
    _, ids = models
    column = COLUMNS.index("baseline")
    assert column == COLUMNS.index("accuracy") + 1
    header_tip = page.model.headerData(
        column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert "linear baseline" in header_tip
    page.view.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    shown = [page.proxy.index(r, column).data() for r in range(3)]
    assert shown == ["92.00 %", "91.00 %", "–"]  # a run without one sorts last
    page.select_runs([ids[0], ids[2]])
    header = [
        page.comparison.verticalHeaderItem(r).text() for r in range(page.comparison.rowCount())
    ]
    row = header.index("linear baseline")
    assert [page.comparison.item(row, c).text() for c in range(2)] == ["91.00 %", "–"]


def _figures(recurrent: float, ngrams: float) -> dict:
    return {
        "recurrent": {"accuracy": recurrent, "macro_f1": recurrent},
        "ngrams": {"accuracy": ngrams, "macro_f1": ngrams},
    }


def test_the_comparison_shows_each_part_alone_for_wide_and_deep_runs(page, models):
    folder, ids = models
    with RunStore(folder) as store:
        wide = add_run(store, units=16, accuracy=0.96, parts=_figures(0.9, 0.94))
        broken = add_run(store, units=24, accuracy=0.9, parts={"recurrent": {"accuracy": "x"}})
    page.refresh()
    page.select_runs([wide, ids[0], broken])

    def rows() -> list[str]:
        count = page.comparison.rowCount()
        return [page.comparison.verticalHeaderItem(r).text() for r in range(count)]

    row = rows().index("recurrent part alone")
    assert rows()[row + 1] == "n-gram part alone"
    heads = [page.comparison.horizontalHeaderItem(c).text() for c in range(3)]
    columns = [heads.index(f"run {i}") for i in (wide, ids[0], broken)]
    cells = [[page.comparison.item(r, c).text() for c in columns] for r in (row, row + 1)]
    # a run without parts (or with malformed ones) shows none
    assert cells == [["90.00 %", "–", "–"], ["94.00 %", "–", "–"]]
    assert not page.comparison.item(row, columns[0]).toolTip()  # a metric, not a difference
    page.select_runs(ids[:2])  # no run with parts: no such rows
    assert "recurrent part alone" not in rows()


def test_the_comparison_marks_the_most_accurate_runs_every_one_of_a_tie(page, models):
    folder, ids = models
    with RunStore(folder) as store:
        tied = add_run(store, units=16, accuracy=0.95)
        equal = add_run(store, units=24, accuracy=0.95)
    page.refresh()

    def marked(selection: list[int]) -> set[str]:
        page.select_runs(selection)
        table = page.comparison
        green = [
            c
            for c in range(table.columnCount())
            if table.item(1, c).background().color() == QColor(210, 240, 210)
        ]
        return {table.horizontalHeaderItem(c).text() for c in green}

    assert marked(ids) == {f"run {ids[1]}"}  # 95 % against 90 and 93 %
    assert marked([ids[0], ids[1], tied]) == {f"run {ids[1]}", f"run {tied}"}
    assert marked([tied, equal]) == set()  # all the same: nothing is best


def test_selecting_runs_overlays_curves_and_diffs_configs(page, models):
    _, ids = models
    page.select_runs(ids[:2])
    assert page.selected_ids() == ids[:2]
    assert page.curves.shown == ids[:2]
    # per run: loss, val_loss, accuracy, val_accuracy (the last has no points but is drawn)
    assert page.curves.curve_count() == 8
    assert page.curves.legend_labels() == [f"{ids[0]}: units32", f"{ids[1]}: units64"]
    assert page.comparison.differing_fields() == ["units"]
    assert page.comparison.columnCount() == 2
    header = [
        page.comparison.verticalHeaderItem(r).text() for r in range(page.comparison.rowCount())
    ]
    assert header[-1] == "units"
    assert page.comparison.item(len(header) - 1, 1).text() == "64"
    assert page.comparison.item(1, 1).text() == "95.00 %"
    assert not page.again_button.isEnabled()  # one run needed


def test_a_run_of_one_epoch_is_drawn_as_a_point(page, models):
    folder, ids = models
    with RunStore(folder) as store:
        single = add_run(store, units=8, accuracy=0.8, epochs=1)
    assert page.poll()
    page.select_runs([ids[0], single])
    assert page.curves.points(1) == 1
    assert page.curves.marked(1)  # one point: a marker, or nothing would show
    assert not page.curves.marked(0)  # three epochs: a line
    header = [
        page.comparison.verticalHeaderItem(r).text() for r in range(page.comparison.rowCount())
    ]
    assert page.comparison.item(header.index("epochs run"), 1).text() == "1"


def test_overlaying_ten_runs(page, models, qtbot):
    folder, _ = models
    with RunStore(folder) as store:
        more = [add_run(store, units=8 + i, accuracy=0.8) for i in range(7)]
    assert page.poll()
    ids = models[1] + more
    page.select_runs(ids)
    assert len(page.curves.shown) == 10
    assert len(set(page.curves.legend_labels())) == 10


def test_train_again_fills_the_config(page, models):
    _, ids = models
    page.select_runs([ids[2]])
    config = page.train_again()
    assert config.units == 96
    assert page.state.config.units == 96


def test_open_a_run_whose_bundle_is_gone_says_so(page, models):
    folder, ids = models
    with RunStore(folder) as store:
        store.update_run(ids[0], bundle=str(folder / "gone"))
    page.poll()
    page.select_runs([ids[0]])
    assert page.evaluate_button.isEnabled()
    assert page.open_selected("Evaluate") is None
    assert "deleted" in page.messages.text()


def test_delete_forgets_the_selected_runs(page, models):
    folder, ids = models
    page.select_runs([ids[0], ids[1]])
    page.confirm_delete = lambda ids: True
    assert page.delete_selected() == 2
    assert page.model.rowCount() == 1
    with RunStore(folder) as store:
        assert [r.id for r in store.list_runs()] == [ids[2]]


def test_a_run_training_elsewhere_is_followed_live(page, models, qtbot):
    folder, _ = models
    with RunStore(folder) as store:  # another connection, as a terminal training would be
        live = add_run(store, units=128, accuracy=0, epochs=1, status="running")
        qtbot.waitUntil(lambda: page.selected_ids() == [live], timeout=5000)
        assert page.curves.shown == [live]
        store.add_epoch(live, 1, {"loss": 0.2, "accuracy": 0.9})
        qtbot.waitUntil(lambda: page.curves.points(0) == 2, timeout=5000)
        store.finish_run(live, status="completed", metrics={"accuracy": 0.97})
        qtbot.waitUntil(
            lambda: page.model.run_at(page.model.row_of(live)).status == "completed", timeout=5000
        )


def _cli_train(corpus, models, *extra):
    return [
        sys.executable, "-m", "workbench", "train", "--corpus", str(corpus), "--vectors", "none",
        "--set", "units=4", "--set", "bidirectional=false", "--set", "maxlen=30",
        "--set", "embedding_dim=8", "--out", str(models), "--json", *extra,
    ]  # fmt: skip


def test_cli_and_window_runs_share_the_store_at_the_same_time(qtbot, runner, tmp_path):
    """A window training and a command-line training write one store at the same moment;
    with a second CLI run, all three show on the Runs page with curves and config.
    The window run has the TensorBoard box ticked: its event files are written too."""
    from workbench.gui.pages.train.page import TrainPage

    models = tmp_path / "models"
    corpus_dir = make_corpus_dir(tmp_path / "cli-corpus")
    state = AppState(models_dir=models)
    train_page = TrainPage(state, runner)
    qtbot.addWidget(train_page)
    corpus, report = load_tiny_corpus(tmp_path)
    state.set_corpus(corpus, report, None)
    state.set_tf_ready(True)
    train_page.form.set_config(tiny_config(epochs=3))
    train_page.tensorboard_box.setChecked(True)

    cli = subprocess.Popen(
        _cli_train(corpus_dir, models, "--set", "epochs=3"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=subprocess_env(), text=True,
    )  # fmt: skip
    outputs: list[str] = []
    reader = threading.Thread(target=lambda: outputs.append(cli.communicate(timeout=300)[0]))
    reader.start()
    task = train_page.start_training()
    with qtbot.waitSignal(task.finished, timeout=300_000):
        pass
    reader.join(300)
    assert cli.returncode == 0, outputs
    second = subprocess.run(
        _cli_train(corpus_dir, models, "--set", "epochs=1"), capture_output=True, text=True,
        env=subprocess_env(), timeout=300,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert train_page.last_result.run_id is not None

    runs_page = RunsPage(state, runner)
    qtbot.addWidget(runs_page)
    runs_page.show()
    qtbot.waitUntil(lambda: runs_page.model.rowCount() == 3, timeout=5000)
    runs = runs_page.model.runs()
    assert sorted(r.source for r in runs) == ["cli", "cli", "window"]
    assert all(r.status == "completed" for r in runs)
    runs_page.select_runs([r.id for r in runs])
    assert runs_page.curves.curve_count() == 12
    assert "epochs" in runs_page.comparison.differing_fields()
    with RunStore(models) as store:
        assert store.integrity_check() == "ok"
        window_run = store.get_run(train_page.last_result.run_id)
    assert window_run.source == "window"
    assert len(window_run.history["loss"]) == window_run.epochs_run >= 1
    assert window_run.config["epochs"] == 3
    assert len(list(train_page.tensorboard_dir().glob("*/events.out.tfevents.*"))) == 1
    runs_page.close()
