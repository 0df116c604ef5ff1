"""Stratified and predefined splits, duplicate counting, token statistics."""

from __future__ import annotations

import builtins
import json

import numpy as np
import pytest

from workbench.core import ConfigError, Corpus, CorpusError
from workbench.core.corpora.split import allocate, split_corpus
from workbench.core.corpora.stats import corpus_stats, suggest_maxlen


def make_corpus(counts: dict[str, int], splits=None) -> Corpus:
    texts, labels = [], []
    for label, n in counts.items():
        texts += [f"{label} document number {i}" for i in range(n)]
        labels += [label] * n
    return Corpus.from_documents(texts, labels, source="mem", format="test", splits=splits)


def test_split_is_stratified_with_the_requested_shares():
    corpus = make_corpus({"a": 50, "b": 30, "c": 20})
    splits = split_corpus(corpus, val_fraction=0.1, test_fraction=0.2, seed=1)
    assert splits.sizes() == {"train": 70, "valid": 10, "test": 20}
    assert splits.test.class_counts() == {"a": 10, "b": 6, "c": 4}
    assert splits.valid.class_counts() == {"a": 5, "b": 3, "c": 2}
    assert not splits.predefined
    everything = splits.train.texts + splits.valid.texts + splits.test.texts
    assert sorted(everything) == sorted(corpus.texts)
    assert splits.train.class_names == corpus.class_names


def test_split_depends_on_seed_only():
    corpus = make_corpus({"a": 40, "b": 40})
    first = split_corpus(corpus, seed=3)
    assert split_corpus(corpus, seed=3).test.texts == first.test.texts
    assert split_corpus(corpus, seed=4).test.texts != first.test.texts


def test_small_classes_get_one_document_in_each_split():
    corpus = make_corpus({"big": 100, "three": 3, "four": 4, "two": 2, "one": 1})
    splits = split_corpus(corpus, val_fraction=0.1, test_fraction=0.2)
    for name in ("three", "four"):
        assert splits.valid.class_counts()[name] >= 1
        assert splits.test.class_counts()[name] >= 1
        assert splits.train.class_counts()[name] >= 1
    # Two documents: one to train, one to test. One document: train.
    assert [splits.train.class_counts()["two"], splits.test.class_counts()["two"]] == [1, 1]
    assert splits.train.class_counts()["one"] == 1


@pytest.mark.parametrize(
    ("n", "first", "second", "expected"),
    [
        (1, 0.2, 0.1, (0, 0)),
        (2, 0.2, 0.1, (1, 0)),
        (2, 0.0, 0.1, (0, 1)),
        (3, 0.9, 0.05, (1, 1)),
        (10, 0.25, 0.15, (3, 2)),  # halves round up
        (10, 0.0, 0.0, (0, 0)),
    ],
)
def test_allocate_rules(n, first, second, expected):
    assert allocate(n, first, second) == expected


def test_one_class_cannot_be_split():
    with pytest.raises(CorpusError, match=r"needs at least 2 classes, found 1 \(sport\)"):
        split_corpus(make_corpus({"sport": 10}))


def test_too_few_documents_to_split():
    with pytest.raises(CorpusError, match="leave the valid split empty"):
        split_corpus(make_corpus({"a": 2, "b": 2}))
    with pytest.raises(CorpusError, match="leave the test split empty"):
        split_corpus(make_corpus({"a": 1, "b": 1}), val_fraction=0.0)
    splits = split_corpus(make_corpus({"a": 2, "b": 2}), val_fraction=0.0)
    assert splits.sizes() == {"train": 2, "valid": 0, "test": 2}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"val_fraction": -0.1}, "val_fraction must be a number in"),
        ({"test_fraction": 1.0}, "test_fraction must be a number in"),
        ({"test_fraction": "0.2"}, "test_fraction must be a number in"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "must be < 1"),
    ],
)
def test_bad_fractions(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        split_corpus(make_corpus({"a": 10, "b": 10}), **kwargs)


def test_empty_corpus_cannot_be_split():
    with pytest.raises(CorpusError, match="empty corpus"):
        split_corpus(Corpus.from_documents([], []))


def test_duplicates_across_splits_are_counted():
    texts = [f"text {i}" for i in range(20)] + ["same  words\n here"] * 10
    labels = ["a"] * 10 + ["b"] * 10 + ["a"] * 5 + ["b"] * 5
    corpus = Corpus.from_documents(texts, labels)
    splits = split_corpus(corpus, val_fraction=0.2, test_fraction=0.2, seed=0)
    dup = "same words here"
    expected = {
        name: sum(" ".join(t.split()) == dup for t in getattr(splits, name).texts)
        for name in ("valid", "test")
    }
    assert any(" ".join(t.split()) == dup for t in splits.train.texts)
    assert splits.duplicates == expected
    assert sum(expected.values()) > 0


def test_predefined_splits_are_used_as_they_are():
    splits_column = ["train"] * 8 + ["valid"] * 2 + ["test"] * 4 + ["train"] * 6
    corpus = make_corpus({"a": 12, "b": 8}, splits=splits_column)
    splits = split_corpus(corpus, val_fraction=0.3, test_fraction=0.5)
    assert splits.predefined
    assert splits.sizes() == {"train": 14, "valid": 2, "test": 4}
    assert set(splits.test.splits) == {"test"}


def test_predefined_without_valid_carves_it_from_train():
    splits_column = ["train"] * 16 + ["test"] * 4 + ["train"] * 16 + ["test"] * 4
    corpus = make_corpus({"a": 20, "b": 20}, splits=splits_column)
    splits = split_corpus(corpus, val_fraction=0.1, seed=0)
    assert splits.sizes() == {"train": 28, "valid": 4, "test": 8}
    assert splits.valid.class_counts() == {"a": 2, "b": 2}
    assert set(splits.valid.splits) == {"train"}  # still marked as coming from train
    assert not set(splits.valid.texts) & set(splits.train.texts)


def test_predefined_with_one_class_in_train():
    splits_column = ["train"] * 5 + ["test"] * 5
    corpus = make_corpus({"a": 5, "b": 5}, splits=splits_column)
    with pytest.raises(CorpusError, match=r"the train split needs at least 2 classes, found 1"):
        split_corpus(corpus, val_fraction=0.0)


def test_splits_to_dict_is_json():
    splits = split_corpus(make_corpus({"a": 10, "b": 10}))
    data = json.loads(json.dumps(splits.to_dict()))
    assert data["sizes"] == splits.sizes()
    assert data["class_counts"]["test"] == {"a": 2, "b": 2}
    assert set(data["duplicates"]) == {"valid", "test"}


# --- stats --------------------------------------------------------------------------------


def test_stats_lengths_and_percentiles():
    texts = ["one two three", "a, b!", "word " * 100, "x"]
    corpus = Corpus.from_documents(texts, ["a", "b", "a", "b"])
    stats = corpus_stats(corpus)
    assert stats.lengths.tolist() == [3, 4, 100, 1]
    assert stats.n_documents == 4
    assert stats.class_counts == {"a": 2, "b": 2}
    assert stats.percentiles["min"] == 1
    assert stats.percentiles["max"] == 100
    assert stats.percentiles["p50"] == pytest.approx(np.percentile([3, 4, 100, 1], 50))
    assert stats.percentiles["mean"] == pytest.approx(27.0)
    assert stats.suggested_maxlen == suggest_maxlen(stats.percentiles["p95"]) == 100
    assert json.loads(json.dumps(stats.to_dict()))["suggested_maxlen"] == 100
    counts, edges = stats.histogram(bins=5)
    assert counts.sum() == 4
    assert len(edges) == 6
    assert stats.truncated_share(50) == 0.25


@pytest.mark.parametrize(
    ("p95", "expected"), [(0, 50), (12, 50), (50, 50), (51, 100), (856, 900), (5000, 1000)]
)
def test_suggested_maxlen_rounds_up_to_50_within_bounds(p95, expected):
    assert suggest_maxlen(p95) == expected


def test_stats_of_empty_corpus():
    stats = corpus_stats(Corpus.from_documents([], []))
    assert stats.n_documents == 0
    assert stats.percentiles["p95"] == 0.0
    assert stats.suggested_maxlen == 50
    assert stats.histogram(3)[0].tolist() == [0, 0, 0]


def test_stats_fall_back_to_regex_tokens_without_tokenizer(monkeypatch):
    real_import = builtins.__import__

    def no_tokenizer(name, *args, **kwargs):
        if name == "workbench.core.text.tokenizer":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tokenizer)
    stats = corpus_stats(Corpus.from_documents(["Hello, world!"], ["a"]))
    assert stats.lengths.tolist() == [4]
