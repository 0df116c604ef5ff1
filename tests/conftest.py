"""Shared test setup: offscreen Qt, quiet TensorFlow, temp models/cache folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


GIB_PER_WORKER = 4  # a worker training and explaining models peaks at about 3.5 GiB
MAX_WORKERS = 4  # beyond this the suite's few long tests decide its length


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pyproject's addopts): one worker per CPU this process may use, at
    most :data:`MAX_WORKERS` and no more than the machine's memory holds."""
    from workbench.core.learning.architectures.building import machine_memory

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(cpus or 1, MAX_WORKERS)
    memory = machine_memory()
    if memory is not None:
        workers = min(workers, memory // (GIB_PER_WORKER * 2**30))
    return max(1, workers)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Every test writes models and caches under its own temp folder."""
    base = tmp_path_factory.mktemp("wb")
    monkeypatch.setenv("WORKBENCH_MODELS_DIR", str(base / "models"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(base / "cache"))
    return base


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or $WORKBENCH_DATA); skips the test where it is absent."""
    from workbench.core import shared_data_dir

    path = shared_data_dir()
    if path is None:
        pytest.skip("reference data (../shared/data or $WORKBENCH_DATA) not present")
    return path


@pytest.fixture(scope="session")
def ray_head(tmp_path_factory):
    """A local Ray head (2 CPUs) for the session; its job-submission address.

    Skips where Ray is not installed. Started in its own process group with
    ``ray start --block`` and ended by signalling that group, so only the processes
    it started are stopped.
    """
    from tests.ray_cluster import start_head, stop_head

    head = start_head(tmp_path_factory)
    try:
        yield head.address
    finally:
        stop_head(head)
