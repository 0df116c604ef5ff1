"""Corpus statistics: documents per class and tokens per document."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from workbench.core.corpora.corpus import Corpus
from workbench.core.progress import CancelToken, ProgressCallback, Throttle, check_cancelled

MAXLEN_STEP = 50
MAXLEN_MIN = 50
MAXLEN_MAX = 1000
PERCENTILES = {"p50": 50, "p90": 90, "p95": 95, "p99": 99}

_FALLBACK_TOKEN = re.compile(r"\w+|[^\w\s]")
_CHECK_EVERY = 256


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
) -> CorpusStats:
    """Count tokens per document (with the project tokenizer) and summarise them.

    An empty corpus gives zeros and the smallest suggested maxlen. Raises
    ``Cancelled`` when ``cancel`` is set.
    """
    count = get_count_tokens()
    tell = Throttle(progress)
    total = len(corpus)
    lengths = np.zeros(total, dtype=np.int64)
    texts = corpus.texts
    for start in range(0, total, _CHECK_EVERY):
        check_cancelled(cancel)
        tell(start / total, "Counting tokens")
        stop = min(start + _CHECK_EVERY, total)
        lengths[start:stop] = list(map(count, texts[start:stop]))
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
