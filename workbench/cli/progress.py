"""Progress display and Ctrl-C handling for ``workbench train``.

On a terminal, one status line is redrawn in place with ``\\r`` (at most about
ten times a second); otherwise plain lines are written, one per epoch, so logs
and CI output stay readable.
"""

from __future__ import annotations

import math
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from workbench.core import Throttle, TrainingClock, TrainingListener, format_duration

REDRAW_INTERVAL = 0.1  # seconds between two redraws of the status line


def is_tty(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


FIELD_GAP = "  "
"""What separates the fields of a status line; a narrow terminal drops whole fields."""


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
        limit = max(20, columns - 1)  # a wrapped line could not be redrawn
        if len(text) > limit:  # drop whole fields (two spaces apart), never half a number
            cut = text.rfind(FIELD_GAP, 0, limit + 1)
            text = text[:cut] if cut > 0 else text[:limit]
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
    return FIELD_GAP.join(parts)


class TrainProgress(TrainingListener):
    """A training listener that shows epoch, batch, loss, accuracy and ETA.

    Position, elapsed time and ETA come from the core's :class:`TrainingClock`; the
    share done is the ``fraction`` the training sends with each batch.
    """

    def __init__(
        self,
        line: StatusLine,
        *,
        interval: float = REDRAW_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.line = line
        self.clock = TrainingClock(clock)
        self._redraw = Throttle(interval=interval, clock=clock)

    @property
    def epochs(self) -> int:
        return self.clock.epochs

    @property
    def steps(self) -> int:
        return self.clock.steps

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self.clock.begin(epochs, steps_per_epoch)
        self.line.training = True
        self._redraw.reset()

    def eta(self, epoch: int, batch: int) -> float | None:
        """Seconds left if every remaining batch takes the mean time so far."""
        eta = self.clock.eta(self.clock.fraction(epoch, batch))
        return eta if math.isfinite(eta) else None

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        if not self.line.tty:
            return
        last_batch = batch + 1 >= self.steps
        if not self._redraw.due(force=last_batch):
            return
        fraction = logs.get("fraction")
        if fraction is None or not math.isfinite(fraction):
            fraction = self.clock.fraction(epoch, batch)
        text = f"epoch {epoch + 1}/{self.epochs} {_bar((batch + 1) / self.steps)} "
        text += f"batch {batch + 1}/{self.steps}"
        eta = self.clock.eta(fraction)
        if math.isfinite(eta):  # before the metrics: a narrow terminal drops the last fields
            text += f"{FIELD_GAP}ETA {format_duration(eta)}"
        self.line.update(f"{text}{FIELD_GAP}{_metrics(logs, ('loss', 'accuracy'))}")

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        took = self.clock.epoch_done()
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
        self._redraw = Throttle(interval=REDRAW_INTERVAL, clock=clock)

    def __call__(self, fraction: float, message: str = "") -> None:
        if not self.line.tty or self.line.training:
            return
        if not self._redraw.due(force=fraction >= 1.0):
            return
        pct = f" {fraction * 100:3.0f}%" if 0.0 <= fraction <= 1.0 else ""
        self.line.update(f"{message}{pct}")


@contextmanager
def sigint_sets(event: threading.Event, on_first: Callable[[], None]) -> Iterator[None]:
    """While active, a first Ctrl-C sets ``event`` (and calls ``on_first``), a second aborts.

    ``on_first`` runs on a short thread of its own, never inside the signal handler.

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
        # The handler runs between two bytecodes of the main thread, which may be in the
        # middle of writing to the stream ``on_first`` writes to: writing there now would
        # be a reentrant call (RuntimeError). A thread writes once the main thread lets go.
        threading.Thread(target=on_first, name="first-ctrl-c", daemon=True).start()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def sigterm_sets(event: threading.Event, *, enabled: bool) -> Iterator[None]:
    """While active, SIGTERM (Ray's stop_job) sets ``event`` as a first Ctrl-C does."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: event.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
