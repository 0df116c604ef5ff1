"""Cancel tokens and progress callbacks shared by every long core function.

A cancel token is anything with ``is_set() -> bool``; ``threading.Event`` is the
usual one. A progress callback takes ``(fraction, message)`` with ``fraction``
in ``[0, 1]`` (or ``-1`` when the total is unknown).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from workbench.core.errors import Cancelled

ProgressCallback = Callable[[float, str], None]


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


def check_cancelled(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")


class Throttle:
    """Forward progress at most every ``interval`` seconds (and always the final 1.0)."""

    def __init__(self, callback: ProgressCallback | None, interval: float = 0.05) -> None:
        self._callback = callback
        self._interval = interval
        self._last = 0.0

    def __call__(self, fraction: float, message: str = "") -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last >= self._interval:
            self._last = now
            self._callback(fraction, message)
