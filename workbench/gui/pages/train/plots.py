"""Live loss and accuracy plots for the Train page (pyqtgraph).

Each plot has three curves, created once and updated with ``setData``: the
training running average per batch (what Keras reports inside an epoch), the
training value per epoch and the validation value per epoch. A vertical line
marks the best epoch (lowest validation loss). The x axis is in epochs: batch
``b`` of epoch ``e`` (both 0-based) sits at ``e + (b + 1) / steps`` and the end of
epoch ``e`` at ``e + 1``.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

BATCH_LEGEND = "train (running average within epoch)"
TRAIN_LEGEND = "train (epoch)"
VAL_LEGEND = "validation (epoch)"

_TRAIN_COLOUR = (31, 119, 180)
_VAL_COLOUR = (214, 39, 40)
_BATCH_COLOUR = (120, 170, 215)


class GrowingBuffer:
    """Paired x/y float arrays that grow by doubling (amortised O(1) appends)."""

    def __init__(self, capacity: int = 256) -> None:
        self._x = np.empty(max(1, capacity), dtype=np.float64)
        self._y = np.empty(max(1, capacity), dtype=np.float64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def append(self, x: float, y: float) -> None:
        """Add one point, doubling the storage when it is full."""
        if self._size == len(self._x):
            self._x = np.concatenate([self._x, np.empty_like(self._x)])
            self._y = np.concatenate([self._y, np.empty_like(self._y)])
        self._x[self._size] = x
        self._y[self._size] = y
        self._size += 1

    def clear(self) -> None:
        self._size = 0

    @property
    def x(self) -> np.ndarray:
        return self._x[: self._size]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self._size]


def _as_float(value: object) -> float:
    """``value`` as a float, NaN when missing or not a number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number


def legend_html() -> str:
    """One line naming the three curves in their colours (shown above both plots)."""
    parts = []
    for colour, mark, name in (
        (_BATCH_COLOUR, "━", BATCH_LEGEND),
        (_TRAIN_COLOUR, "━●", TRAIN_LEGEND),
        (_VAL_COLOUR, "━■", VAL_LEGEND),
    ):
        hex_colour = "#{:02x}{:02x}{:02x}".format(*colour)
        parts.append(f'<span style="color:{hex_colour}">{mark}</span>&nbsp;{name}')
    parts.append('<span style="color:#505050">┆</span>&nbsp;best epoch')
    return " &nbsp;&nbsp; ".join(parts)


class MetricPlot(pg.PlotWidget):
    """One metric (loss or accuracy): batch, train-epoch and validation-epoch curves."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setTitle(title, color="k", size="11pt")
        item = self.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen("k")
            axis.setTextPen("k")
        item.setLabel("bottom", "epoch", color="k")
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setClipToView(True)
        # no legend inside the plot: it would cover curves; TrainingPlots shows one above
        self.batch_curve = item.plot(pen=pg.mkPen(_BATCH_COLOUR, width=1), name=BATCH_LEGEND)
        self.batch_curve.setDownsampling(auto=True, method="peak")
        self.batch_curve.setClipToView(True)
        self.train_curve = item.plot(
            pen=pg.mkPen(_TRAIN_COLOUR, width=2),
            symbol="o",
            symbolSize=7,
            symbolBrush=_TRAIN_COLOUR,
            symbolPen="w",
            name=TRAIN_LEGEND,
        )
        self.val_curve = item.plot(
            pen=pg.mkPen(_VAL_COLOUR, width=2),
            symbol="s",
            symbolSize=7,
            symbolBrush=_VAL_COLOUR,
            symbolPen="w",
            name=VAL_LEGEND,
        )
        self.best_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen((80, 80, 80), width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
            label="best",
            labelOpts={"position": 0.5, "color": (60, 60, 60), "fill": (255, 255, 255, 200)},
        )
        self.best_line.setVisible(False)
        item.addItem(self.best_line, ignoreBounds=True)
        self.batches = GrowingBuffer()
        self.train = GrowingBuffer(64)
        self.val = GrowingBuffer(64)

    def clear_data(self) -> None:
        """Empty every curve and hide the best-epoch line."""
        for buffer in (self.batches, self.train, self.val):
            buffer.clear()
        self._refresh()
        self.best_line.setVisible(False)
        self.best_line.label.setFormat("best")
        self.getPlotItem().enableAutoRange()

    def add_batch(self, x: float, y: float) -> None:
        self.batches.append(x, y)
        self.batch_curve.setData(self.batches.x, self.batches.y)

    def add_epoch(self, x: float, train: float, val: float) -> None:
        self.train.append(x, train)
        self.val.append(x, val)
        self.train_curve.setData(self.train.x, self.train.y)
        self.val_curve.setData(self.val.x, self.val.y)

    def mark_best(self, x: float | None, text: str = "") -> None:
        """Move the best-epoch line to ``x`` (``None`` hides it)."""
        if x is None:
            self.best_line.setVisible(False)
            return
        # visible first: pyqtgraph's label ignores a new format while it is hidden, so a
        # hidden line would keep the previous run's text
        self.best_line.setVisible(True)
        self.best_line.setPos(x)
        self.best_line.label.setFormat(text)

    def _refresh(self) -> None:
        self.batch_curve.setData(self.batches.x, self.batches.y)
        self.train_curve.setData(self.train.x, self.train.y)
        self.val_curve.setData(self.val.x, self.val.y)


class TrainingPlots(QWidget):
    """Loss and accuracy plots side by side, fed from training events."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.loss_plot = MetricPlot("Loss")
        self.accuracy_plot = MetricPlot("Accuracy")
        self.accuracy_plot.setXLink(self.loss_plot)
        self.legend = QLabel(legend_html())
        self.legend.setObjectName("plotLegend")
        self.legend.setWordWrap(True)
        self.legend.setToolTip("The curves of both plots")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.loss_plot)
        row.addWidget(self.accuracy_plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        layout.addLayout(row, 1)
        self.epochs = 0
        self.steps = 1
        self.best_epoch: int | None = None
        self._best_val_loss = math.inf

    @property
    def plots(self) -> tuple[MetricPlot, MetricPlot]:
        return self.loss_plot, self.accuracy_plot

    def clear(self) -> None:
        """Forget every point (a new run starts)."""
        self.best_epoch = None
        self._best_val_loss = math.inf
        for plot in self.plots:
            plot.clear_data()

    def begin(self, epochs: int, steps: int) -> None:
        """A run starts with ``epochs`` epochs of ``steps`` batches each."""
        self.clear()
        self.epochs = max(1, int(epochs))
        self.steps = max(1, int(steps))
        for plot in self.plots:
            plot.setXRange(0, self.epochs, padding=0.02)

    def add_batch(self, epoch: int, batch: int, loss: object, accuracy: object) -> None:
        """Running averages after batch ``batch`` (0-based) of epoch ``epoch`` (0-based)."""
        x = epoch + (batch + 1) / self.steps
        self.loss_plot.add_batch(x, _as_float(loss))
        self.accuracy_plot.add_batch(x, _as_float(accuracy))

    def add_epoch(self, epoch: int, logs: dict[str, object]) -> None:
        """End of epoch ``epoch`` (0-based) with Keras-style ``logs``."""
        x = float(epoch + 1)
        val_loss = _as_float(logs.get("val_loss"))
        self.loss_plot.add_epoch(x, _as_float(logs.get("loss")), val_loss)
        self.accuracy_plot.add_epoch(
            x, _as_float(logs.get("accuracy")), _as_float(logs.get("val_accuracy"))
        )
        if not math.isnan(val_loss) and val_loss < self._best_val_loss:
            self._best_val_loss = val_loss
            self._set_best(epoch)

    def show_history(self, history: dict[str, list[float]], best_epoch: int | None = None) -> None:
        """Show a finished run's per-epoch history (e.g. a loaded model's)."""
        self.clear()
        losses = list(history.get("loss") or [])
        self.epochs = max(1, len(losses))
        for epoch in range(len(losses)):
            logs = {key: values[epoch] for key, values in history.items() if epoch < len(values)}
            self.add_epoch(epoch, logs)
        if best_epoch is not None and 0 <= best_epoch < len(losses):
            self._set_best(best_epoch)
        for plot in self.plots:
            plot.getPlotItem().enableAutoRange()

    def mark_kept(self, kept: str) -> None:
        """Add what was kept to the best-epoch line's label (``"epochs 7, 8, 11
        averaged"``), when that is not the best epoch's weights alone."""
        if self.best_epoch is None:
            return
        for plot in self.plots:
            plot.mark_best(
                self.best_epoch + 1.0, f"best: epoch {self.best_epoch + 1}\nkept: {kept}"
            )

    def _set_best(self, epoch: int) -> None:
        self.best_epoch = epoch
        for plot in self.plots:
            plot.mark_best(epoch + 1.0, f"best: epoch {epoch + 1}")


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    demo = TrainingPlots()
    demo.begin(5, 40)
    rng = np.random.default_rng(0)
    for e in range(5):
        for b in range(40):
            demo.add_batch(e, b, 1.0 / (e + 1 + b / 40) + rng.normal(0, 0.02), 0.5 + e / 12)
        demo.add_epoch(
            e, {"loss": 1 / (e + 1), "accuracy": 0.5 + e / 10, "val_loss": 1 / (e + 1.5) + e / 20}
        )
    demo.resize(1000, 400)
    demo.show()
    sys.exit(app.exec())
