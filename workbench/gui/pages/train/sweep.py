"""The sweep window of the Train page: vary fields, train the trials, watch the best.

The user lists the fields to vary - a grid of values (``32, 64, 128``) or a random
range (``0.1:0.5``, drawn ``trials`` times) - and starts the sweep. The core
:class:`~workbench.core.SweepRunner` trains the trials one after another in a
``"sweep"`` task (each in the training child process, each a run of the store).
When the Train page's "Run on" names a Ray cluster, every trial is a job there and
all of them are submitted at once (the cluster queues what it has no room for).
The trials table fills in live with the best trial highlighted, a plot shows the
metric against a chosen parameter, Stop ends the sweep (finished trials are kept)
and Skip trial ends only the trial(s) in training.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core import (
    RunStore,
    SweepRunner,
    SweepSpec,
    TrainConfig,
    WorkbenchError,
    parse_grid,
    parse_range,
    plan_sweep,
)
from workbench.gui.pages.train.job import vectors_argument
from workbench.gui.widgets import MessageBar

if TYPE_CHECKING:
    from workbench.gui.state import AppState
    from workbench.gui.tasks import Task, TaskContext, TaskRunner

TASK_KIND = "sweep"
BEST_BRUSH = QBrush(QColor(200, 240, 200))
KINDS = ("grid", "random")
DEFAULT_AXES = (("units", "grid", "32, 64"), ("dropout", "random", "0.1:0.5"))
MAX_PARALLEL = 32  # most trials followed at once on a cluster (a thread each)


class SweepDialog(QDialog):
    """Plan and run a sweep over the Train page's current settings."""

    def __init__(
        self,
        state: AppState,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        ray_address: Callable[[], str | None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep")
        self.resize(900, 650)
        self.state = state
        self.tasks = tasks
        self._ray_address = ray_address  # the Train page's "Run on" (None: this computer)
        self.task: Task | None = None
        self.runner: SweepRunner | None = None
        self._store: RunStore | None = None
        self.outcomes: list[dict[str, Any]] = []
        self.fields: list[str] = []

        self.axes = QTableWidget(0, 3)
        self.axes.setHorizontalHeaderLabels(
            ["field", "kind", "values (a, b, c) or range (low:high)"]
        )
        self.axes.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton("Add field")
        self.remove_button = QPushButton("Remove field")
        self.trials_spin = QSpinBox()
        self.trials_spin.setRange(1, 1000)
        self.trials_spin.setValue(4)
        self.trials_spin.setToolTip("Random draws (per grid combination) when a field has a range")
        self.metric_combo = QComboBox()
        self.metric_combo.addItems(["accuracy", "macro_f1"])
        self.start_button = QPushButton("Start sweep")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End the sweep after the current batch; finished trials stay")
        self.skip_button = QPushButton("Skip trial")
        self.skip_button.setToolTip("End the trial in training and go on with the next one")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Idle")
        self.messages = MessageBar()
        self.trials = QTableWidget(0, 0)
        self.trials.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.x_combo = QComboBox()
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.scatter = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(31, 119, 180))
        self.best_marker = pg.ScatterPlotItem(size=14, brush=pg.mkBrush(44, 160, 44), symbol="star")
        self.plot.addItem(self.scatter)
        self.plot.addItem(self.best_marker)

        axis_buttons = QHBoxLayout()
        axis_buttons.addWidget(self.add_button)
        axis_buttons.addWidget(self.remove_button)
        axis_buttons.addStretch(1)
        form = QFormLayout()
        form.addRow("Random trials", self.trials_spin)
        form.addRow("Best by", self.metric_combo)
        run_buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.skip_button):
            run_buttons.addWidget(button)
        run_buttons.addWidget(self.progress, 1)
        plot_bar = QHBoxLayout()
        plot_bar.addWidget(QLabel("Metric against"))
        plot_bar.addWidget(self.x_combo)
        plot_bar.addStretch(1)
        lower = QHBoxLayout()
        lower.addWidget(self.trials, 3)
        right = QVBoxLayout()
        right.addLayout(plot_bar)
        right.addWidget(self.plot)
        lower.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.axes)
        layout.addLayout(axis_buttons)
        layout.addLayout(form)
        layout.addLayout(run_buttons)
        layout.addWidget(self.messages)
        layout.addLayout(lower, 1)

        self.add_button.clicked.connect(lambda: self.add_axis("units", "grid", ""))
        self.remove_button.clicked.connect(self._remove_axis)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.skip_button.clicked.connect(self.skip)
        self.x_combo.currentTextChanged.connect(lambda _: self._update_plot())
        self.set_axes(DEFAULT_AXES)
        self._update_buttons()

    # --- axes -----------------------------------------------------------------------------
    def add_axis(self, field: str, kind: str, values: str) -> None:
        row = self.axes.rowCount()
        self.axes.insertRow(row)
        fields = QComboBox()
        fields.addItems(list(TrainConfig.field_types()))
        fields.setCurrentText(field)
        kinds = QComboBox()
        kinds.addItems(list(KINDS))
        kinds.setCurrentText(kind)
        self.axes.setCellWidget(row, 0, fields)
        self.axes.setCellWidget(row, 1, kinds)
        self.axes.setItem(row, 2, QTableWidgetItem(values))

    def set_axes(self, axes: Any) -> None:
        """Replace the fields to vary: ``[(field, "grid" | "random", text), ...]``."""
        self.axes.setRowCount(0)
        for field, kind, values in axes:
            self.add_axis(field, kind, values)

    def _remove_axis(self) -> None:
        row = self.axes.currentRow()
        self.axes.removeRow(row if row >= 0 else self.axes.rowCount() - 1)

    def spec(self) -> SweepSpec:
        """The sweep the axes describe (``WorkbenchError`` naming a bad entry)."""
        grid: dict[str, tuple[Any, ...]] = {}
        ranges: dict[str, tuple[float, float]] = {}
        for row in range(self.axes.rowCount()):
            field = self.axes.cellWidget(row, 0).currentText()
            kind = self.axes.cellWidget(row, 1).currentText()
            item = self.axes.item(row, 2)
            text = item.text().strip() if item is not None else ""
            if kind == "grid":
                key, values = parse_grid(f"{field}={text}")
                grid[key] = values
            else:
                key, bounds = parse_range(f"{field}={text}")
                ranges[key] = bounds
        trials = self.trials_spin.value() if ranges else None
        return SweepSpec(grid=grid, ranges=ranges, trials=trials)

    # --- running ---------------------------------------------------------------------------
    def disabled_reason(self) -> str:
        if self.task is not None:
            return "A sweep is running"
        if self.state.corpus is None:
            return "Load a corpus first"
        if self.tasks.is_running("train"):
            return "A training is running"
        return ""

    def _runner_options(self, trials: int, address: str | None) -> dict[str, Any]:
        """Where the trials train: child processes here one by one, or Ray jobs at once."""
        from workbench.core import run_training_isolated, submit_training

        if address is None:
            return {
                "runner": run_training_isolated,
                "vectors": vectors_argument(self.state.vectors, self.state.vectors_source),
                "runner_kwargs": {"score_each_best": True, "load": False},
            }
        return {
            "runner": functools.partial(submit_training, address=address),
            "vectors": self.state.vectors_source,  # the cluster loads them
            "parallel": max(1, min(trials, MAX_PARALLEL)),
            "source": "window-ray",
        }

    def start(self) -> Task | None:
        """Plan the trials and start training them (None with a message if impossible)."""
        reason = self.disabled_reason()
        if reason:
            self.messages.show_warning(reason)
            return None
        self.messages.clear()
        try:
            spec = self.spec()
            address = self._ray_address()
            options = {"source": "window"}
            trials = len(plan_sweep(self.state.config, spec))
            options.update(self._runner_options(trials, address))
            self._store = RunStore(self.state.models_dir)
            self.runner = SweepRunner(
                self._store,
                self.state.corpus,
                self.state.config,
                spec,
                out_dir=self.state.models_dir,
                metric=self.metric_combo.currentText(),
                **options,
            )
        except WorkbenchError as exc:
            self.messages.show_error(str(exc))
            self._close_store()
            return None
        if address is not None:
            self.messages.show_info(
                f"Trials run as jobs on the Ray cluster at {address}, "
                f"{self.runner.parallel} submitted at once"
            )
        self.fields = list(spec.grid) + list(spec.ranges)
        self.outcomes = []
        self._prepare_table(len(self.runner.plan))
        self.x_combo.blockSignals(True)
        self.x_combo.clear()
        self.x_combo.addItems(self.fields)
        self.x_combo.blockSignals(False)
        runner = self.runner

        def job(ctx: TaskContext) -> object:
            runner.set_event_handler(ctx.partial)  # events reach the window via the task
            return runner.run(cancel=ctx.cancel, progress=ctx.progress)

        self.task = self.tasks.start(TASK_KIND, job)
        self.task.partial.connect(self._on_event)
        self.task.progress.connect(self._on_progress)
        self.task.failed.connect(
            lambda message, details: self.messages.show_error(message, details)
        )
        self.task.done.connect(self._on_done)
        self.task.finished.connect(self._on_finished)
        self.progress.setFormat(f"Sweep: {len(self.runner.plan)} trials")
        self._update_buttons()
        return self.task

    def stop(self) -> None:
        """End the sweep (the trial in training stops after its batch; finished ones stay)."""
        if self.task is not None and not self.task.is_cancel_requested():
            self.task.cancel()
            self.progress.setFormat("Stopping…")
            self._update_buttons()

    def skip(self) -> None:
        """End the trial in training; the next one starts."""
        if self.task is not None and self.runner is not None:
            self.runner.skip()

    def _on_progress(self, fraction: float, message: str) -> None:
        if fraction >= 0:
            self.progress.setValue(round(min(fraction, 1.0) * 1000))
        if message:
            self.progress.setFormat(message[:120])

    def _on_event(self, event: object) -> None:
        if not isinstance(event, dict):
            return
        index = int(event.get("index", -1))
        if event.get("event") == "trial_begin":
            self._set_row(index, event.get("run_id"), event["values"], "training", None)
        elif event.get("event") == "trial_end":
            self.outcomes.append(event)
            self._set_row(
                index, event.get("run_id"), event["values"], event["status"], event.get("metrics")
            )
            self._highlight_best()
            self._update_plot()
        elif event.get("event") == "trial_error":
            self.messages.show_warning(f"Trial {index + 1} failed: {event.get('message')}")

    def _on_done(self, result: Any) -> None:
        best = result.best
        text = f"Sweep {result.status}: {len(result.trials)} trial(s)"
        if best is not None:
            text += f"; best: run {best.run_id} ({result.metric} {best.score(result.metric):.4f})"
        self.progress.setFormat(text)
        self.messages.show_info(text + ". Compare the trials on the Runs page.")
        self.state.notify_bundles_changed()

    def _on_finished(self) -> None:
        self.task = None
        self._close_store()
        self._update_buttons()

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _update_buttons(self) -> None:
        running = self.task is not None
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running and not self.task.is_cancel_requested())
        self.skip_button.setEnabled(running)
        self.axes.setEnabled(not running)

    def closeEvent(self, event: Any) -> None:
        self.stop()
        super().closeEvent(event)

    # --- table and plot -----------------------------------------------------------------------
    def _prepare_table(self, count: int) -> None:
        headers = ["#", "run", *self.fields, "status", "accuracy", "macro F1"]
        self.trials.clear()
        self.trials.setColumnCount(len(headers))
        self.trials.setHorizontalHeaderLabels(headers)
        self.trials.setRowCount(count)
        for row, values in enumerate(self.runner.plan if self.runner else []):
            self._set_row(row, None, values, "waiting", None)

    def _set_row(self, row: int, run_id: Any, values: dict, status: str, metrics: Any) -> None:
        if not 0 <= row < self.trials.rowCount():
            return
        metrics = metrics or {}
        cells = [str(row + 1), "" if run_id is None else str(run_id)]
        cells += [_short(values.get(f)) for f in self.fields]
        cells += [status, _score(metrics.get("accuracy")), _score(metrics.get("macro_f1"))]
        for column, text in enumerate(cells):
            self.trials.setItem(row, column, QTableWidgetItem(text))

    def best_row(self) -> int | None:
        key = self.metric_combo.currentText()
        scored = [
            (e["metrics"][key], e["index"])
            for e in self.outcomes
            if e.get("metrics") and e["metrics"].get(key) is not None
        ]
        return max(scored)[1] if scored else None

    def _highlight_best(self) -> None:
        best = self.best_row()
        for row in range(self.trials.rowCount()):
            for column in range(self.trials.columnCount()):
                item = self.trials.item(row, column)
                if item is not None:
                    item.setBackground(BEST_BRUSH if row == best else QBrush())

    def _update_plot(self) -> None:
        field = self.x_combo.currentText()
        key = self.metric_combo.currentText()
        self.plot.setLabel("bottom", field)
        self.plot.setLabel("left", key)
        points = []
        for event in self.outcomes:
            x, y = event["values"].get(field), (event.get("metrics") or {}).get(key)
            if isinstance(x, int | float) and not isinstance(x, bool) and y is not None:
                points.append((float(x), float(y), event["index"]))
        self.scatter.setData([p[0] for p in points], [p[1] for p in points])
        best = self.best_row()
        marked = [p for p in points if p[2] == best]
        self.best_marker.setData([p[0] for p in marked], [p[1] for p in marked])

    def plotted_points(self) -> int:
        return len(self.scatter.data)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _score(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.4f}"
