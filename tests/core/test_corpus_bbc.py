"""The real BBC corpus (../shared/data/bbc): loads whole, with its quirks reported."""

from __future__ import annotations

import pytest

from workbench.core import corpus_stats, detect_format, load_corpus, split_corpus

pytestmark = pytest.mark.slow


def test_bbc_loads_2225_documents_in_5_classes(shared_data):
    root = shared_data / "bbc"
    assert detect_format(root) == "folder"
    corpus, report = load_corpus(root)
    assert len(corpus) == report.loaded == 2225
    assert corpus.class_names == ("business", "entertainment", "politics", "sport", "tech")
    assert report.skipped == []
    warnings = {(issue.path, issue.reason) for issue in report.warnings}
    assert (str(root / "README.TXT"), "file outside class folders ignored") in warnings
    decoded = [issue for issue in report.warnings if issue.reason.startswith("decoded as")]
    assert [issue.path for issue in decoded] == [str(root / "sport" / "199.txt")]
    assert decoded[0].reason in ("decoded as cp1252", "decoded as latin-1")
    text = corpus.texts[corpus.labels.index("sport") + 198]
    assert "£" in text


def test_bbc_splits_and_stats(shared_data):
    corpus, _ = load_corpus(shared_data / "bbc")
    splits = split_corpus(corpus, seed=0)
    sizes = splits.sizes()
    assert sum(sizes.values()) == 2225
    assert sizes["test"] == pytest.approx(445, abs=5)
    assert splits.duplicates["test"] > 0  # the BBC set has repeated articles
    stats = corpus_stats(corpus)
    assert stats.suggested_maxlen % 50 == 0
    assert 50 <= stats.suggested_maxlen <= 1000
