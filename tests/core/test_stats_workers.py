"""corpus_stats counts tokens in forked workers for big corpora, with the same result."""

from __future__ import annotations

import os
import sys
import threading
import types

import numpy as np
import pytest

from workbench.core import Cancelled, Corpus, corpus_stats
from workbench.core.corpora import stats as stats_module
from workbench.core.text.tokenizer import tokenize_plain

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork only")


def corpus(n=9000):
    rng = np.random.default_rng(0)
    words = np.array(["don't", "U.S.", "1,000", "net-based", "Hello,", "world", "o'neill's"])
    texts = [" ".join(rng.choice(words, size=int(rng.integers(0, 30)))) for _ in range(n)]
    labels = ["a" if i % 3 else "b" for i in range(n)]
    return Corpus.from_documents(texts, labels)


def test_two_workers_count_like_one(monkeypatch):
    monkeypatch.setattr(stats_module, "_PARALLEL_CHUNK", 1000)
    data = corpus()
    serial = corpus_stats(data, workers=1)
    parallel = corpus_stats(data, workers=2)
    assert np.array_equal(serial.lengths, parallel.lengths)
    assert serial.lengths.tolist()[:50] == [len(tokenize_plain(t)) for t in data.texts[:50]]
    assert parallel.percentiles == serial.percentiles


def test_parallel_count_can_be_cancelled(monkeypatch):
    monkeypatch.setattr(stats_module, "_PARALLEL_CHUNK", 1000)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        corpus_stats(corpus(), workers=2, cancel=cancel)


def test_worker_choice(monkeypatch):
    assert stats_module.token_workers(10, 3) == 3
    assert stats_module.token_workers(10, 0) == 1
    assert stats_module.token_workers(10) == 1  # small corpus: in-process
    big = stats_module.PARALLEL_MIN_DOCUMENTS
    for name in stats_module._NO_FORK_WITH:
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert stats_module.token_workers(big) == min(2, os.cpu_count() or 1)  # the CLI case
    seen = []
    helper = threading.Thread(target=lambda: seen.append(stats_module.token_workers(big)))
    helper.start()
    helper.join()
    assert seen == [1]  # not the main thread: no fork
    monkeypatch.setitem(sys.modules, "tensorflow", types.ModuleType("tensorflow"))
    assert stats_module.token_workers(big) == 1  # TensorFlow's threads: no fork
