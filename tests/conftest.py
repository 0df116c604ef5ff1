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
    most :data:`MAX_WORKERS` and no more than the available memory holds."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(cpus or 1, MAX_WORKERS)
    try:
        with open("/proc/meminfo") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo)
        available_gib = int(fields["MemAvailable"].split()[0]) / 2**20
        workers = min(workers, int(available_gib // GIB_PER_WORKER))
    except (OSError, KeyError, ValueError):
        pass  # not Linux: the CPUs decide
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
