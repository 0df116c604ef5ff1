"""Where Workbench finds its bundled resources and writes its models."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout (or install) folder that holds ``workbench/`` and ``resources/``."""
    return Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    return repo_root() / "resources"


def sample_corpus_dir() -> Path:
    """The bundled sample news corpus (folder-per-class)."""
    return resources_dir() / "sample_corpus"


def default_models_dir() -> Path:
    """``$WORKBENCH_MODELS_DIR`` if set, else ``models/`` in the checkout."""
    env = os.environ.get("WORKBENCH_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    return repo_root() / "models"


def cache_dir() -> Path:
    """``$WORKBENCH_CACHE_DIR`` if set, else ``~/.cache/workbench``."""
    env = os.environ.get("WORKBENCH_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "workbench"


def shared_data_dir() -> Path | None:
    """Reference data (``$WORKBENCH_DATA`` or ``../shared/data`` by the checkout), if any."""
    env = os.environ.get("WORKBENCH_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(repo_root().parent / "shared" / "data")
    for path in candidates:
        if path.is_dir():
            return path
    return None
