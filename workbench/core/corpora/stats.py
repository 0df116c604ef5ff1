"""Corpus statistics: documents per class and tokens per document."""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from workbench.core.arguments import check_instance
from workbench.core.corpora.corpus import Corpus
from workbench.core.progress import CancelToken, ProgressCallback, Throttle, check_cancelled

MAXLEN_STEP = 50
MAXLEN_MIN = 50
MAXLEN_MAX = 1000
PERCENTILES = {"p50": 50, "p90": 90, "p95": 95, "p99": 99}

_FALLBACK_TOKEN = re.compile(r"\w+|[^\w\s]")
_CHECK_EVERY = 256
PARALLEL_MIN_DOCUMENTS = 20_000
"""From this size on, a single-threaded process counts tokens in forked worker processes."""
_PARALLEL_CHUNK = 4000
_NO_FORK_WITH = ("tensorflow", "PySide6.QtCore")  # modules whose threads make fork unsafe
_TEXTS: tuple[str, ...] = ()  # what forked workers count (inherited, never pickled)


def _fallback_tokenize(text: str) -> list[str]:
    return _FALLBACK_TOKEN.findall(text.lower())


def get_count_tokens() -> Callable[[str], int]:
    """``workbench.core.text.tokenizer.count_tokens``, or a regex stand-in if missing."""
    try:
        from workbench.core.text.tokenizer import count_tokens
    except ImportError:
        return lambda text: len(_fallback_tokenize(text))
    return count_tokens


def get_tokenize() -> Callable[[str], list[str]]:
    """``workbench.core.text.tokenizer.tokenize``, or a regex stand-in if it cannot be imported."""
    try:
        from workbench.core.text.tokenizer import tokenize
    except ImportError:
        return _fallback_tokenize
    return tokenize


def suggest_maxlen(p95: float) -> int:
    """The 95th percentile length rounded up to a multiple of 50, within [50, 1000]."""
    rounded = math.ceil(p95 / MAXLEN_STEP) * MAXLEN_STEP
    return int(min(max(rounded, MAXLEN_MIN), MAXLEN_MAX))


@dataclass(frozen=True, eq=False)
class CorpusStats:
    """Sizes of a corpus: per class and in tokens per document."""

    n_documents: int
    class_counts: dict[str, int]
    lengths: np.ndarray  # tokens per document (int64)
    percentiles: dict[str, float]  # "min", "p50", "p90", "p95", "p99", "max", "mean"
    suggested_maxlen: int

    def histogram(self, bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
        """``(counts, edges)`` of document lengths, as ``numpy.histogram`` gives them."""
        if self.n_documents == 0:
            return np.zeros(bins, dtype=np.int64), np.linspace(0.0, 1.0, bins + 1)
        return np.histogram(self.lengths, bins=bins)

    def truncated_share(self, maxlen: int) -> float:
        """Share of documents longer than ``maxlen`` tokens."""
        if self.n_documents == 0:
            return 0.0
        return float(np.mean(self.lengths > maxlen))

    def to_dict(self) -> dict:
        """Counts, percentiles and the suggested maxlen (not the per-document lengths)."""
        return {
            "n_documents": self.n_documents,
            "class_counts": dict(self.class_counts),
            "percentiles": dict(self.percentiles),
            "suggested_maxlen": self.suggested_maxlen,
        }


def token_workers(n_documents: int, workers: int | None = None) -> int:
    """How many processes count the tokens of ``n_documents`` documents.

    ``workers`` if given; otherwise up to 2 (one per CPU) for corpora of at least
    :data:`PARALLEL_MIN_DOCUMENTS` documents, on systems that fork, when called from
    the main thread of a process without Qt or TensorFlow loaded (the CLI): forking a
    process whose other threads hold locks (the window, TensorFlow) is not safe, so
    there the count stays in-process (in the window it runs in a background task).
    """
    if workers is not None:
        return max(1, int(workers))
    if (
        n_documents < PARALLEL_MIN_DOCUMENTS
        or sys.platform == "win32"
        or "fork" not in multiprocessing.get_all_start_methods()
        or threading.current_thread() is not threading.main_thread()
        or any(name in sys.modules for name in _NO_FORK_WITH)
    ):
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def _count_serial(texts: tuple[str, ...], tell: Throttle, cancel: CancelToken | None) -> np.ndarray:
    count = get_count_tokens()
    total = len(texts)
    lengths = np.zeros(total, dtype=np.int64)
    for start in range(0, total, _CHECK_EVERY):
        check_cancelled(cancel)
        tell(start / total, "Counting tokens")
        stop = min(start + _CHECK_EVERY, total)
        lengths[start:stop] = list(map(count, texts[start:stop]))
    return lengths


def _count_range(bounds: tuple[int, int]) -> tuple[int, np.ndarray]:
    start, stop = bounds
    count = get_count_tokens()
    return start, np.fromiter(map(count, _TEXTS[start:stop]), np.int64, stop - start)


def _count_parallel(
    texts: tuple[str, ...], jobs: int, tell: Throttle, cancel: CancelToken | None
) -> np.ndarray | None:
    """Token counts from ``jobs`` forked processes; None if they cannot be started."""
    global _TEXTS
    total = len(texts)
    ranges = [(a, min(a + _PARALLEL_CHUNK, total)) for a in range(0, total, _PARALLEL_CHUNK)]
    lengths = np.zeros(total, dtype=np.int64)
    _TEXTS = texts
    try:
        pool = multiprocessing.get_context("fork").Pool(jobs)
    except (OSError, ValueError):
        _TEXTS = ()
        return None
    try:
        pending = pool.imap_unordered(_count_range, ranges)
        for done in range(len(ranges)):
            check_cancelled(cancel)
            tell(done / len(ranges), "Counting tokens")
            while True:
                try:
                    start, part = pending.next(timeout=0.1)
                    break
                except multiprocessing.TimeoutError:
                    check_cancelled(cancel)
            lengths[start : start + len(part)] = part
    finally:
        pool.terminate()
        pool.join()
        _TEXTS = ()
    return lengths


def _percentiles(lengths: np.ndarray) -> dict[str, float]:
    keys = ("min", *PERCENTILES, "max", "mean")
    if lengths.size == 0:
        return dict.fromkeys(keys, 0.0)
    values = {"min": float(lengths.min())}
    values.update({key: float(np.percentile(lengths, q)) for key, q in PERCENTILES.items()})
    values["max"] = float(lengths.max())
    values["mean"] = float(lengths.mean())
    return values


def corpus_stats(
    corpus: Corpus,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
) -> CorpusStats:
    """Count tokens per document (with the project tokenizer) and summarise them.

    An empty corpus gives zeros and the smallest suggested maxlen. Raises
    ``Cancelled`` when ``cancel`` is set. ``workers``: processes that count tokens
    (None: see :func:`token_workers`; 1: in this process).
    """
    check_instance(corpus, Corpus, "corpus", function="corpus_stats")
    tell = Throttle(progress)
    total = len(corpus)
    jobs = token_workers(total, workers)
    lengths = None
    if jobs > 1:
        lengths = _count_parallel(corpus.texts, jobs, tell, cancel)
    if lengths is None:
        lengths = _count_serial(corpus.texts, tell, cancel)
    check_cancelled(cancel)
    tell(1.0, "Counting tokens")
    percentiles = _percentiles(lengths)
    return CorpusStats(
        n_documents=total,
        class_counts=corpus.class_counts(),
        lengths=lengths,
        percentiles=percentiles,
        suggested_maxlen=suggest_maxlen(percentiles["p95"]),
    )
