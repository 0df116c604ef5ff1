"""On-disk cache of filtered vector loads: ``<key>.npy`` (matrix) + ``<key>.json`` (words, report).

The key hashes the source file's resolved path, size and modification time, the
zip member, a hash of the vocabulary and :data:`CACHE_VERSION`, so a changed
file or vocabulary misses the cache. Writing is best effort: a cache that
cannot be written is skipped; an entry that cannot be read whole (empty, truncated,
damaged) is a miss, rebuilt, and said so in the load's report.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core import paths

CACHE_VERSION = 1
log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """``paths.cache_dir() / "vectors"``."""
    return paths.cache_dir() / "vectors"


def vocabulary_digest(vocabulary: Iterable[str] | None) -> str:
    """A stable hash of a set of words (``"all"`` for a full load)."""
    if vocabulary is None:
        return "all"
    digest = hashlib.sha256()
    for word in sorted(set(vocabulary)):
        digest.update(word.encode("utf-8", errors="surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


def cache_key(files: Iterable[Path], *, member: str | None, vocab_digest: str) -> str:
    """The cache key of a load of ``files`` (usually one) with a vocabulary digest."""
    parts: list[Any] = [CACHE_VERSION, member, vocab_digest]
    for path in files:
        stat = path.stat()
        parts.append([str(path.resolve()), stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:32]


def read_cache(
    folder: Path, key: str, problems: list[str] | None = None
) -> tuple[list[str], np.ndarray, dict[str, Any]] | None:
    """``(words, matrix, report fields)`` stored under ``key``, or None on a miss.

    Any entry that cannot be read whole (empty, truncated, not JSON, wrong shapes...)
    is a miss: a line saying why is appended to ``problems`` and the caller rebuilds it.
    """
    meta_path = folder / f"{key}.json"
    matrix_path = folder / f"{key}.npy"
    if not meta_path.exists() and not matrix_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        words = meta["words"]
        report = meta["report"]
        matrix = np.load(matrix_path, allow_pickle=False)
    except Exception as exc:  # whatever a damaged file raises, it is a miss
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _miss(meta_path, f"unreadable ({why})", problems)
    if (
        not isinstance(words, list)
        or not isinstance(report, dict)
        or not isinstance(matrix, np.ndarray)
        or matrix.ndim != 2
        or matrix.shape[0] != len(words)
        or matrix.dtype != np.float32
    ):
        return _miss(meta_path, "inconsistent", problems)
    return words, matrix, report


def _miss(meta_path: Path, why: str, problems: list[str] | None) -> None:
    message = f"vectors cache entry {meta_path.stem} was {why}; rebuilt from the source"
    log.warning("%s (%s)", message, meta_path.parent)
    if problems is not None:
        problems.append(message)
    return None


def _atomic_write(target: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_cache(
    folder: Path, key: str, words: list[str], matrix: np.ndarray, report: dict[str, Any]
) -> bool:
    """Store a load under ``key`` (matrix first, then the JSON that marks it complete)."""
    meta = json.dumps({"words": words, "report": report}, ensure_ascii=False).encode("utf-8")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / f"{key}.npy", lambda h: np.save(h, matrix, allow_pickle=False))
        _atomic_write(folder / f"{key}.json", lambda h: h.write(meta))
    except OSError as exc:
        log.warning("cannot write vectors cache in %s: %s", folder, exc)
        return False
    return True
