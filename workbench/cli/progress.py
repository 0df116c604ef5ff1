"""Progress display and Ctrl-C handling for ``workbench train``.

On a terminal, one status line is redrawn in place with ``\\r`` (at most about
ten times a second); otherwise plain lines are written, one per epoch, so logs
and CI output stay readable.
"""

from __future__ import annotations

import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from workbench.core import TrainingListener

REDRAW_INTERVAL = 0.1  # seconds between two redraws of the status line


def is_tty(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def format_duration(seconds: float) -> str:
    """``75`` -> ``"1:15"``, ``3725`` -> ``"1:02:05"``."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


class StatusLine:
    """One redrawable line on a terminal, plus plain lines above it."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = is_tty(self.stream) if tty is None else tty
        self.training = False  # set while epochs run: phase messages then stay quiet
        self._width = 0

    def update(self, text: str) -> None:
        """Redraw the status line (terminals only; ignored otherwise)."""
        if not self.tty:
            return
        columns = shutil.get_terminal_size((100, 24)).columns
        text = text[: max(20, columns - 1)]  # a wrapped line could not be redrawn
        pad = " " * max(0, self._width - len(text))
        self.stream.write(f"\r{text}{pad}")
        self.stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        """Erase the status line, if one is drawn."""
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
        self._width = 0

    def println(self, text: str) -> None:
        """Write a permanent line (above the status line on a terminal)."""
        self.clear()
        self.stream.write(text + "\n")
        self.stream.flush()


def _bar(fraction: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def _metrics(logs: dict[str, float], keys: tuple[str, ...]) -> str:
    parts = []
    for key in keys:
        value = logs.get(key)
        if value is not None:
            parts.append(f"{key} {value:.4f}")
    return "  ".join(parts)


class TrainProgress(TrainingListener):
    """A training listener that shows epoch, batch, loss, accuracy and ETA."""

    def __init__(
        self,
        line: StatusLine,
        *,
        interval: float = REDRAW_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.line = line
        self.interval = interval
        self.clock = clock
        self.epochs = 0
        self.steps = 0
        self._start = 0.0
        self._epoch_start = 0.0
        self._last_draw = float("-inf")

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self.epochs = epochs
        self.steps = steps_per_epoch
        self.line.training = True
        self._start = self._epoch_start = self.clock()
        self._last_draw = float("-inf")

    def eta(self, epoch: int, batch: int) -> float | None:
        """Seconds left if every remaining batch takes the mean time so far."""
        done = epoch * self.steps + batch + 1
        total = self.epochs * self.steps
        if done <= 0 or total <= 0:
            return None
        elapsed = self.clock() - self._start
        return elapsed / done * max(0, total - done)

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        if not self.line.tty:
            return
        now = self.clock()
        last_batch = self.steps > 0 and batch + 1 >= self.steps
        if now - self._last_draw < self.interval and not last_batch:
            return
        self._last_draw = now
        fraction = (batch + 1) / self.steps if self.steps else 0.0
        eta = self.eta(epoch, batch)
        text = (
            f"epoch {epoch + 1}/{self.epochs} {_bar(fraction)} batch {batch + 1}/{self.steps}"
            f"  {_metrics(logs, ('loss', 'accuracy'))}"
        )
        if eta is not None:
            text += f"  ETA {format_duration(eta)}"
        self.line.update(text)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        now = self.clock()
        took = now - self._epoch_start
        self._epoch_start = now
        metrics = _metrics(logs, ("loss", "accuracy", "val_loss", "val_accuracy"))
        self.line.println(f"epoch {epoch + 1}/{self.epochs}  {metrics}  ({took:.1f} s)")

    def on_train_end(self, result: object) -> None:
        self.line.training = False
        self.line.clear()


class PhaseProgress:
    """A ``progress(fraction, message)`` callback for the steps around training.

    Shown on a terminal only, as the transient status line; logs stay clean.
    """

    def __init__(self, line: StatusLine, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.line = line
        self.clock = clock
        self._last_time = float("-inf")

    def __call__(self, fraction: float, message: str = "") -> None:
        if not self.line.tty or self.line.training:
            return
        now = self.clock()
        if now - self._last_time < REDRAW_INTERVAL and fraction < 1.0:
            return
        self._last_time = now
        pct = f" {fraction * 100:3.0f}%" if 0.0 <= fraction <= 1.0 else ""
        self.line.update(f"{message}{pct}")


@contextmanager
def sigint_sets(event: threading.Event, on_first: Callable[[], None]) -> Iterator[None]:
    """While active, a first Ctrl-C sets ``event`` (and calls ``on_first``), a second aborts.

    Only the main thread can install signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        if event.is_set():
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt
        event.set()
        on_first()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
