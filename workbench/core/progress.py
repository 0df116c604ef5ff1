"""The progress toolkit shared by every long core function and both front ends.

A cancel token is anything with ``is_set() -> bool``; ``threading.Event`` is the
usual one. A progress callback takes ``(fraction, message)`` with ``fraction``
in ``[0, 1]`` (or ``-1`` when the total is unknown).

- :class:`Throttle`: forward progress (or let events through) at most every
  ``interval`` seconds, the final one always.
- :func:`sub_range`: map a sub-task's ``0..1`` onto a part ``start..end`` of its caller's.
- :class:`TrainingClock`: training position -> fraction done, elapsed time,
  per-epoch/per-batch rates and ETA (the command line's status line and the Train
  page both use it).
- :func:`format_duration`: ``3725`` -> ``"1:02:05"``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

from workbench.core.errors import Cancelled

ProgressCallback = Callable[[float, str], None]

EVENT_INTERVAL_S = 0.05
"""At most ~20 progress updates (or per-batch events) per second."""


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


def check_cancelled(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")


class Throttle:
    """Forward progress at most every ``interval`` seconds (and always the final 1.0).

    :meth:`due` is the gate itself, for anything else to let through at that rate
    (per-batch training events, redraws of a status line).
    """

    def __init__(
        self,
        callback: ProgressCallback | None = None,
        interval: float = EVENT_INTERVAL_S,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._callback = callback
        self._interval = interval
        self._clock = clock
        self._last = -math.inf

    def due(self, force: bool = False) -> bool:
        """Whether ``interval`` has passed since the last time this said yes (or ``force``)."""
        now = self._clock()
        if force or now - self._last >= self._interval:
            self._last = now
            return True
        return False

    def reset(self) -> None:
        """Let the next call through."""
        self._last = -math.inf

    def __call__(self, fraction: float, message: str = "") -> None:
        if self._callback is not None and self.due(force=fraction >= 1.0):
            self._callback(fraction, message)


def sub_range(
    progress: ProgressCallback | None, start: float, end: float, prefix: str = ""
) -> ProgressCallback | None:
    """A callback mapping a sub-task's ``0..1`` onto ``start..end`` of ``progress``.

    Messages get ``prefix``; an unknown fraction (negative) is passed on as it is.
    ``None`` stays ``None`` (no one listens).
    """
    if progress is None:
        return None

    def scaled(fraction: float, message: str = "") -> None:
        if fraction < 0:
            progress(fraction, f"{prefix}{message}")
            return
        share = max(0.0, min(float(fraction), 1.0))
        progress(start + (end - start) * share, f"{prefix}{message}")

    return scaled


class TrainingClock:
    """Where a training run is: fraction done, elapsed time, rates and ETA.

    ``begin(epochs, steps)`` starts it; positions are 0-based ``(epoch, batch)``.
    The ETA assumes every remaining batch takes the mean time of those done.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.epochs = 1
        self.steps = 1
        self._start = clock()
        self._epoch_start = self._start
        self.last_epoch_s: float | None = None

    def begin(self, epochs: int, steps: int) -> None:
        self.epochs = max(1, int(epochs))
        self.steps = max(1, int(steps))
        self._start = self._epoch_start = self._clock()
        self.last_epoch_s = None

    def elapsed(self) -> float:
        """Seconds since :meth:`begin`."""
        return self._clock() - self._start

    def epoch_done(self) -> float:
        """Mark an epoch's end; returns how long it took (also ``last_epoch_s``)."""
        now = self._clock()
        self.last_epoch_s = now - self._epoch_start
        self._epoch_start = now
        return self.last_epoch_s

    def fraction(self, epoch: int, batch: int) -> float:
        """Share of all batches done after batch ``batch`` of epoch ``epoch``."""
        done = epoch * self.steps + batch + 1
        return min(1.0, max(0.0, done / (self.epochs * self.steps)))

    def batch_seconds(self, fraction: float) -> float:
        """Mean seconds per batch so far (NaN before the first batch)."""
        done = fraction * self.epochs * self.steps
        return self.elapsed() / done if done > 0 else math.nan

    def epoch_seconds(self, fraction: float) -> float:
        """Mean seconds per epoch so far (NaN before the first batch)."""
        return self.batch_seconds(fraction) * self.steps

    def eta(self, fraction: float) -> float:
        """Seconds left when ``fraction`` of the training is done (inf before any)."""
        if fraction <= 0:
            return math.inf
        return self.elapsed() * (1 - fraction) / fraction

    def text(self, epoch: int, batch: int, fraction: float | None = None) -> str:
        """ "Epoch 3/15 · batch 20/56 · 0:42 elapsed · ETA 2:10" (1-based numbers shown)."""
        if fraction is None or not math.isfinite(fraction):
            fraction = self.fraction(epoch, batch)
        return (
            f"Epoch {epoch + 1}/{self.epochs} · batch {batch + 1}/{self.steps} · "
            f"{format_duration(self.elapsed())} elapsed · ETA {format_duration(self.eta(fraction))}"
        )


def format_duration(seconds: float) -> str:
    """``42`` -> ``"0:42"``, ``3725`` -> ``"1:02:05"``; ``"–"`` when unknown (inf, NaN, < 0)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "–"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
