"""Horizontal bar chart of class probabilities (pyqtgraph), most likely class on top."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

_TOP = (33, 102, 172)
_OTHER = (150, 180, 215)
_MUTED = (200, 200, 200)
INSIDE_FROM = 0.8  # a value label from this probability on sits inside its bar


class ProbabilityChart(pg.PlotWidget):
    """One bar per class, sorted by probability; the bar item is created once."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        pg.setConfigOptions(antialias=True)
        item = self.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen("k")
            axis.setTextPen("k")
        item.setLabel("bottom", "probability", color="k")
        item.showGrid(x=True, y=False, alpha=0.15)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setContentsMargins(10, 6, 10, 4)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brushes=[])
        item.addItem(self.bars)
        self._labels: list[pg.TextItem] = []
        self._names: list[str] = []
        self._values: list[float] = []
        self.setMinimumHeight(160)
        # probabilities: the axis ends at 1.0 (labels of long bars go inside them)
        item.getViewBox().setLimits(xMin=0.0, xMax=1.0)
        self.setXRange(0, 1.0, padding=0)
        self.set_probabilities({})

    def set_probabilities(self, probabilities: dict[str, float], *, muted: bool = False) -> None:
        """Show ``{class: probability}``, highest on top (empty dict clears the chart).

        ``muted`` draws every bar grey (the model cannot judge the text: no bar stands
        out). An empty chart shows no axes, ticks or grid: nothing stray.
        """
        ranked = sorted(probabilities.items(), key=lambda kv: (-kv[1], kv[0]))
        self._names = [name for name, _ in ranked]
        self._values = [min(max(float(p), 0.0), 1.0) for _, p in ranked]
        n = len(ranked)
        ys = [n - 1 - i for i in range(n)]
        brushes = [pg.mkBrush(_MUTED if muted else _TOP if i == 0 else _OTHER) for i in range(n)]
        self.bars.setOpts(x0=[0.0] * n, y=ys, height=0.7, width=self._values, brushes=brushes)
        item = self.getPlotItem()
        item.getAxis("left").setTicks([list(zip(ys, self._names, strict=True))])
        for side in ("left", "bottom"):
            item.showAxis(side, n > 0)
        item.showGrid(x=n > 0, y=False, alpha=0.15)
        for label in self._labels:
            self.removeItem(label)
        self._labels = []
        for y, value in zip(ys, self._values, strict=True):
            inside = value >= INSIDE_FROM
            label = pg.TextItem(
                f"{value:.1%}",
                color="w" if inside and not muted else "k",
                anchor=(1, 0.5) if inside else (0, 0.5),
            )
            label.setPos(value - 0.01 if inside else value + 0.01, y)
            self.addItem(label)
            self._labels.append(label)
        self.setXRange(0, 1.0, padding=0)
        self.setYRange(-0.6, max(n, 1) - 0.4, padding=0)

    def shows_axes(self) -> bool:
        """Whether the axes are drawn (not while the chart is empty)."""
        return self.getPlotItem().getAxis("bottom").isVisible()

    def names(self) -> list[str]:
        """Class names as shown, top bar first."""
        return list(self._names)

    def values(self) -> list[float]:
        """Probabilities as shown, top bar first."""
        return list(self._values)
