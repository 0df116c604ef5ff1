"""Work around a reference-count bug in some PySide6 builds (seen in 6.12.0 on Python 3.11).

There ``SignalInstance.emit()`` returns ``True`` without taking a reference, so
every signal emitted from Python (ours, pyqtgraph's, pytest-qt's) steals one
reference to ``True``; after a few hundred emits CPython aborts with "Fatal
Python error: bool_dealloc". ``True``/``False``/``None`` are static singletons that
are never freed, so giving them a huge reference count (what Python 3.12 does for
every immortal object) makes the stolen references harmless.
"""

from __future__ import annotations

import ctypes
import sys

_PROBE_EMITS = 8
_BOOST = 1 << 40


def emit_steals_true() -> bool:
    """Whether ``Signal.emit()`` in this PySide6 drops a reference to ``True``."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBE_EMITS):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def apply() -> bool:
    """Make the singletons immortal when the bug is present; returns whether it was."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False  # singletons are immortal there already
    if not emit_steals_true():
        return False
    for singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _BOOST
    return True


PATCHED = apply()
