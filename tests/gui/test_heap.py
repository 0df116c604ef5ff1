"""Long-lived data is moved out of the garbage collector's sight (short full collections)."""

from __future__ import annotations

import gc

import pytest

from workbench.gui.heap import collector_paused, freeze_long_lived
from workbench.gui.state import AppState


@pytest.fixture(autouse=True)
def _unfreeze():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freeze_moves_live_objects_to_the_permanent_generation():
    keep = [[i] for i in range(1000)]  # containers the collector would otherwise scan
    assert gc.get_freeze_count() == 0
    freeze_long_lived()
    assert gc.get_freeze_count() >= len(keep)


def test_collector_paused_disables_collection_inside_and_restores_it():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        made = [{} for _ in range(500)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)


def test_collector_paused_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_state_freezes_after_a_corpus_and_tensorflow_arrive(qtbot):
    state = AppState()
    state.set_corpus(None, None, None)
    after_corpus = gc.get_freeze_count()
    assert after_corpus > 0
    gc.unfreeze()
    state.set_tf_ready(True)
    assert gc.get_freeze_count() > 0
