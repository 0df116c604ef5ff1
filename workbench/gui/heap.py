"""Keep Python's cyclic garbage collector from freezing the window.

A full (generation 2) collection scans every live container object while holding
the GIL. Once TensorFlow, a corpus and 400,000 GloVe words are loaded that is
millions of objects: measured at 330 ms, during which the GUI thread cannot run
(bench/bench_gui_responsiveness.py). Those objects live as long as the app does,
so after each large load they are moved out of the collector's sight with
:func:`gc.freeze`; later collections only scan what was allocated since.
Objects freed by reference counting (almost all of them) are still freed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_long_lived() -> None:
    """Exclude every object alive now from future collections.

    ``gc.freeze()`` splices lists, so it is cheap however many objects there are
    (unlike ``gc.get_freeze_count()``, which walks them all: 80 ms here).
    """
    gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic collections (e.g. while a big import allocates), then freeze the result."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        freeze_long_lived()
