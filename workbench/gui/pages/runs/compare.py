"""Comparing runs: overlaid loss/accuracy curves and a table of what differs.

:class:`RunCurves` draws, for each selected run, its training (solid) and
validation (dashed) loss and accuracy per epoch in one colour per run, with a
legend. :class:`RunComparison` is a table with the runs as columns: their status,
test metrics and epochs, then only the config fields whose values differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QTableWidget, QTableWidgetItem, QWidget

from workbench.core import BASELINE_ROW, PART_ROWS, config_diff
from workbench.gui.pages.runs.table import percent

MAX_OVERLAID = 20  # beyond this many runs the legend is unreadable anyway
METRIC_ROWS = (
    "status",
    "accuracy",
    "macro F1",
    BASELINE_ROW,
    *PART_ROWS.values(),  # only when a run has them (wide and deep)
    "epochs run",
    "vectors",
    "corpus",
)


def run_colour(position: int, count: int) -> QColor:
    """A distinct colour for the ``position``-th of ``count`` runs."""
    return pg.intColor(position, hues=max(count, 6), values=1, maxValue=220)


def _epochs_axis(values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(values, dtype=np.float64)
    x = np.arange(1, len(y) + 1, dtype=np.float64)
    keep = np.isfinite(y)
    return x[keep], y[keep]


class RunCurves(QWidget):
    """Loss and accuracy per epoch of several runs, one colour per run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget()
        self.accuracy_plot = pg.PlotWidget()
        for plot, title in ((self.loss_plot, "Loss"), (self.accuracy_plot, "Accuracy")):
            plot.setBackground("w")
            plot.setTitle(title, color="k")
            plot.showGrid(x=True, y=True, alpha=0.3)
            plot.setLabel("bottom", "epoch")
            plot.addLegend(offset=(-10, 10), labelTextColor="k")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.accuracy_plot)
        self.shown: list[int] = []  # run ids drawn, in colour order
        self._curves: dict[int, list[pg.PlotDataItem]] = {}
        self._pool: list[pg.PlotDataItem] = []

    def clear(self) -> None:
        for curve in self._pool:
            curve.setData([], [])
            curve.hide()
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.getPlotItem().legend.clear()
        self.shown = []

    def _curve(self, number: int, plot: pg.PlotWidget) -> pg.PlotDataItem:
        """The ``number``-th pooled curve of ``plot`` (created once, reused after)."""
        pool = self._curves.setdefault(id(plot), [])
        while len(pool) <= number:
            curve = pg.PlotDataItem()
            plot.addItem(curve)
            pool.append(curve)
            self._pool.append(curve)
        return pool[number]

    def show_runs(self, runs: Sequence[tuple[int, str, dict[str, list[float]]]]) -> None:
        """Draw ``(run id, label, history)`` for each run (at most MAX_OVERLAID).

        Curves are pooled: selecting other runs only sets new data on them, which
        keeps overlaying many runs quick.
        """
        self.clear()
        runs = list(runs)[:MAX_OVERLAID]
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.disableAutoRange()  # one range update at the end, not one per curve
        for position, (run_id, label, history) in enumerate(runs):
            colour = run_colour(position, len(runs))
            for plot, key in ((self.loss_plot, "loss"), (self.accuracy_plot, "accuracy")):
                for offset, (prefix, style) in enumerate(
                    (("", Qt.PenStyle.SolidLine), ("val_", Qt.PenStyle.DashLine))
                ):
                    curve = self._curve(2 * position + offset, plot)
                    x, y = _epochs_axis(history.get(prefix + key, []))
                    curve.setPen(pg.mkPen(colour, width=2, style=style))
                    # a run of one epoch is one point: a line alone would not show it
                    marker = {"symbol": "o", "symbolBrush": colour, "symbolPen": colour}
                    curve.setData(x, y, **(marker if len(x) == 1 else {"symbol": None}))
                    curve.show()
                    if not prefix:
                        plot.getPlotItem().legend.addItem(curve, f"{run_id}: {label}")
            self.shown.append(run_id)
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.enableAutoRange()

    def curve_count(self) -> int:
        """Curves drawn (two per run and plot: training and validation)."""
        return sum(curve.isVisible() for curve in self._pool)

    def _loss_curve(self, run_position: int) -> pg.PlotDataItem | None:
        """The training-loss curve of the ``run_position``-th run shown (None: none)."""
        pool = self._curves.get(id(self.loss_plot), [])
        return pool[2 * run_position] if len(pool) > 2 * run_position else None

    def points(self, run_position: int) -> int:
        """Points of the training-loss curve of the ``run_position``-th run shown."""
        curve = self._loss_curve(run_position)
        return 0 if curve is None or curve.xData is None else len(curve.xData)

    def marked(self, run_position: int) -> bool:
        """Whether the ``run_position``-th run's training-loss curve draws its points."""
        curve = self._loss_curve(run_position)
        return curve is not None and curve.opts.get("symbol") is not None

    def legend_labels(self) -> list[str]:
        legend = self.loss_plot.getPlotItem().legend
        return [label.text for _, label in legend.items] if legend is not None else []


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "–" if not math.isfinite(value) else f"{value:.4g}"
    return "–" if value is None else str(value)


class RunComparison(QTableWidget):
    """Runs side by side: metrics first, then the config fields that differ."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.diff: dict[str, list[Any]] = {}

    def show_runs(self, runs: Sequence[Any]) -> None:
        """Show ``runs`` (store records; each part alone is shown for records read with
        their metrics)."""
        self.clear()
        runs = list(runs)
        self.diff = config_diff([run.config for run in runs]) if len(runs) > 1 else {}
        parts = [run.part_accuracies() or {} for run in runs]
        cells: dict[str, list[Any]] = {
            "status": [run.status for run in runs],
            "accuracy": [percent(run.accuracy) for run in runs],
            "macro F1": [None if r.macro_f1 is None else f"{r.macro_f1:.4f}" for r in runs],
            BASELINE_ROW: [percent(run.baseline_accuracy) for run in runs],
            **{row: [percent(p.get(key)) for p in parts] for key, row in PART_ROWS.items()},
            "epochs run": [run.epochs_run for run in runs],
            "vectors": [run.vectors for run in runs],
            "corpus": [run.corpus_fingerprint for run in runs],
        }
        shown = [name for name in METRIC_ROWS if name not in PART_ROWS.values() or any(parts)]
        rows = [(name, cells[name]) for name in shown]
        metric_rows = len(rows)
        rows += list(self.diff.items())
        self.setColumnCount(len(runs))
        self.setRowCount(len(rows))
        self.setHorizontalHeaderLabels([f"run {run.id}" for run in runs])
        self.setVerticalHeaderLabels([name for name, _ in rows])
        best = self.best_columns(runs)
        for r, (_, values) in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(_cell(value))
                if r >= metric_rows:
                    item.setToolTip("differs between the selected runs")
                if c in best and r in (1, 2):
                    item.setBackground(QBrush(QColor(210, 240, 210)))
                self.setItem(r, c, item)
        self.resizeColumnsToContents()

    @staticmethod
    def best_columns(runs: Sequence[Any]) -> set[int]:
        """The columns of the most accurate runs (every one of a tie); none when fewer
        than two runs have an accuracy or they all have the same."""
        scored = {i: run.accuracy for i, run in enumerate(runs) if run.accuracy is not None}
        if len(scored) < 2 or len(set(scored.values())) == 1:
            return set()
        top = max(scored.values())
        return {i for i, accuracy in scored.items() if accuracy == top}

    def differing_fields(self) -> list[str]:
        return list(self.diff)
