"""Saves that race or die: two processes on one name, a save killed between its renames."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from tests.core.test_bundle import FakeModel, hidden_entries, save_fake
from workbench.core.bundles.bundle import list_bundles, read_bundle_info
from workbench.core.bundles.write import recover_interrupted_saves


def _save_racing(folder: str, payload: bytes, barrier, results) -> None:
    barrier.wait()
    path = save_fake(Path(folder) / "same", model=FakeModel(payload), replace=False)
    results.put((payload.decode(), str(path)))


def test_two_processes_saving_one_name_get_two_bundles(tmp_path):
    context = multiprocessing.get_context("fork")
    for attempt in range(4):
        folder = tmp_path / f"try{attempt}"
        folder.mkdir()
        barrier = context.Barrier(3)
        results = context.Queue()
        workers = [
            context.Process(
                target=_save_racing, args=(str(folder), f"m-{i}".encode(), barrier, results)
            )
            for i in range(3)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
            assert worker.exitcode == 0
        saved = dict(results.get(timeout=5) for _ in workers)
        # every process reported its own folder, and each holds what that process saved
        assert len(set(saved.values())) == 3
        for payload, path in saved.items():
            assert (Path(path) / "model.keras").read_bytes() == payload.encode()
            assert read_bundle_info(path).name == Path(path).name
        assert sorted(p.name for p in folder.iterdir()) == ["same", "same-2", "same-3"]


def test_save_without_replace_takes_the_next_free_name(tmp_path):
    first = save_fake(tmp_path / "bbc")
    second = save_fake(tmp_path / "bbc", model=FakeModel(b"other"), replace=False)
    assert second == (tmp_path / "bbc-2").absolute()
    assert (first / "model.keras").read_bytes() == b"model-v1"
    assert read_bundle_info(second).name == "bbc-2"


def test_failed_save_without_replace_frees_the_reserved_name(tmp_path):
    with pytest.raises(Exception, match="disk full"):
        save_fake(tmp_path / "bbc", model=FakeModel(fail=True), replace=False)
    assert list(tmp_path.iterdir()) == []


def _save_killed_after_first_rename(path: str) -> None:
    real_replace = os.replace
    calls = []

    def replace_then_die(src, dst):
        real_replace(src, dst)
        calls.append(dst)
        if len(calls) == 1:  # the old bundle is aside, the new one not yet in
            os._exit(9)

    os.replace = replace_then_die
    save_fake(Path(path), model=FakeModel(b"model-v2"))


def _save_killed_while_writing(path: str) -> None:
    class DyingModel(FakeModel):
        def save(self, target: str) -> None:
            Path(target).write_bytes(b"half")
            os._exit(9)

    save_fake(Path(path), model=DyingModel())


@pytest.mark.parametrize("child", [_save_killed_after_first_rename, _save_killed_while_writing])
def test_a_killed_save_leaves_one_whole_bundle_and_no_leftovers(tmp_path, child):
    target = save_fake(tmp_path / "keep")
    worker = multiprocessing.get_context("fork").Process(target=child, args=(str(target),))
    worker.start()
    worker.join(30)
    assert worker.exitcode == 9
    assert hidden_entries(tmp_path)  # the kill left a hidden folder behind
    infos = list_bundles(tmp_path)
    assert [info.name for info in infos] == ["keep"]
    assert (target / "model.keras").read_bytes() == b"model-v1"
    assert hidden_entries(tmp_path) == []


def test_opening_a_bundle_lost_between_renames_restores_it(tmp_path):
    target = save_fake(tmp_path / "keep")
    worker = multiprocessing.get_context("fork").Process(
        target=_save_killed_after_first_rename, args=(str(target),)
    )
    worker.start()
    worker.join(30)
    assert not target.exists()
    assert read_bundle_info(target).name == "keep"


def test_a_save_in_progress_is_left_alone(tmp_path):
    live = tmp_path / f".keep.tmp-{os.getpid()}-0123abcd"
    live.mkdir()
    assert recover_interrupted_saves(tmp_path) == []
    assert live.exists()
