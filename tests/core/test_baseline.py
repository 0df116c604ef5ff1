"""The built-in linear baseline (TF-IDF + softmax regression) and where its figures go."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from tests.core.test_pipeline import CONFIG, TOPICS, make_corpus
from workbench.core import (
    BaselineResult,
    ConfigError,
    TrainConfig,
    baseline_comparison,
    load_bundle,
    read_bundle_info,
    run_training,
    train_baseline,
)
from workbench.core.learning.baseline import L2_CHOICES, TfidfFeatures


def _labels(corpus):
    index = {name: i for i, name in enumerate(TOPICS)}
    return np.array([index[label] for label in corpus.labels])


def test_features_keep_terms_of_min_df_documents_with_bigrams():
    features = TfidfFeatures(min_df=2)
    rows = features.fit_transform(["red apple pie", "red apple tart", "blue sky"])
    assert set(features.vocabulary) == {"red", "apple", "red apple"}
    assert rows.shape == (3, 3)
    assert rows.indptr.tolist() == [0, 3, 6, 6]  # the last document has no kept term
    unigram_only = TfidfFeatures(ngrams=1, min_df=1)
    unigram_only.fit_transform(["red apple pie"])
    assert "red apple" not in unigram_only.vocabulary


def test_features_are_sublinear_tfidf_with_unit_norm():
    features = TfidfFeatures(ngrams=1, min_df=1)
    rows = features.fit_transform(["cat cat cat cat dog", "dog bird", "bird"])
    first = dict(zip(rows.indices[0:2].tolist(), rows.data[0:2].tolist(), strict=True))
    cat, dog = features.vocabulary["cat"], features.vocabulary["dog"]
    assert math.isclose(sum(v * v for v in first.values()), 1.0, rel_tol=1e-5)
    idf_cat = 1 + math.log(4 / 2)  # in 1 of 3 documents, smoothed
    idf_dog = 1 + math.log(4 / 3)  # in 2 of 3 documents
    ratio = ((1 + math.log(4)) * idf_cat) / (1 * idf_dog)
    assert math.isclose(first[cat] / first[dog], ratio, rel_tol=1e-5)
    unseen = features.transform(["zebra"])
    assert unseen.indptr.tolist() == [0, 0]


def _reference_rows(train, texts, min_df):
    """The features by their definition, term by term: a plain spec to compare with."""
    from collections import Counter

    from workbench.core.text.tokenizer import tokenize

    def terms(text):
        tokens = tokenize(text)
        return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]

    df = Counter(term for text in train for term in set(terms(text)))
    idf = {t: 1 + math.log((1 + len(train)) / (1 + n)) for t, n in df.items() if n >= min_df}
    rows = []
    for text in texts:
        counts = Counter(t for t in terms(text) if t in idf)
        row = {t: (1 + math.log(c)) * idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in row.values())) or 1.0
        rows.append({t: v / norm for t, v in row.items()})
    return set(idf), rows


def _as_dicts(rows, vocabulary):
    names = {column: term for term, column in vocabulary.items()}
    return [
        {
            names[int(c)]: float(v)
            for c, v in zip(
                rows.indices[rows.indptr[i] : rows.indptr[i + 1]],
                rows.data[rows.indptr[i] : rows.indptr[i + 1]],
                strict=True,
            )
        }
        for i in range(rows.shape[0])
    ]


def test_features_match_their_definition_across_merged_chunks(monkeypatch):
    """Integer-coded counting gives the terms and values of the plain definition, also
    when the document frequencies are merged from many partial counts."""
    from workbench.core.learning import baseline

    monkeypatch.setattr(baseline, "_MERGE_EVERY", 2)  # 40 texts: 20 partials, merged
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"]
    rng = np.random.default_rng(0)
    train = [" ".join(rng.choice(words, size=rng.integers(0, 12))) for _ in range(40)]
    train[3] = "Don't stop: 5bn, 1.13% -- Beta BETA beta!"
    features = TfidfFeatures(min_df=2)
    rows = features.fit_transform(train)
    unseen = ["beta gamma unknownword beta gamma", "", "zzz yyy"]
    vocabulary, expected = _reference_rows(train, train + unseen, min_df=2)
    assert set(features.vocabulary) == vocabulary
    assert features.size == len(vocabulary) == rows.shape[1]
    got = _as_dicts(rows, features.vocabulary)
    got += _as_dicts(features.transform(unseen), features.vocabulary)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.keys() == theirs.keys()
        for term, value in theirs.items():
            assert mine[term] == pytest.approx(value, rel=1e-5)
    assert got[-1] == {}
    assert {"beta", "gamma"} <= got[-3].keys()


def _widened(rows, extra: int):
    """``rows`` with ``extra`` empty columns before each of its columns (none used)."""
    from workbench.core.learning.baseline import SparseRows

    shape = (rows.shape[0], rows.shape[1] * (extra + 1))
    return SparseRows(rows.indptr, rows.indices * (extra + 1) + extra, rows.data, shape)


def test_fit_leaves_columns_no_document_holds_at_zero_and_fits_the_rest_alike():
    from workbench.core.learning.baseline import fit_softmax

    corpus = make_corpus(per_class=6)
    rows = TfidfFeatures(min_df=1).fit_transform(corpus.texts)
    y = _labels(corpus)
    weights, bias = fit_softmax(rows, y, 3, l2=1e-4, steps=40)
    wide_weights, wide_bias = fit_softmax(_widened(rows, 3), y, 3, l2=1e-4, steps=40)
    assert wide_weights.shape == (rows.shape[1] * 4, 3)
    held = np.zeros(len(wide_weights), bool)
    held[rows.indices * 4 + 3] = True
    assert not wide_weights[~held].any()  # never held: exactly zero
    np.testing.assert_array_equal(wide_weights[held], weights)  # the same fit, bit for bit
    np.testing.assert_array_equal(wide_bias, bias)
    assert np.abs(weights).max() > 0.1  # it did learn


def test_a_scale_of_ones_changes_nothing_and_a_small_scale_holds_weights_back():
    """``scale`` is a prior on the weights: all ones is the plain fit, bit for bit; a
    column whose scale is small is penalised more, so its weights stay nearer zero."""
    from workbench.core.learning.baseline import fit_softmax

    corpus = make_corpus(per_class=6)
    rows = TfidfFeatures(min_df=1).fit_transform(corpus.texts)
    y = _labels(corpus)
    plain, plain_bias = fit_softmax(rows, y, 3, l2=1e-2, steps=40)
    ones = np.ones((rows.shape[1], 3), np.float32)
    same, same_bias = fit_softmax(rows, y, 3, l2=1e-2, steps=40, scale=ones)
    np.testing.assert_array_equal(same, plain)
    np.testing.assert_array_equal(same_bias, plain_bias)
    column = int(np.abs(plain).sum(axis=1).argmax())  # the column the plain fit leans on most
    held_back = ones.copy()
    held_back[column] = 0.05
    scaled, _ = fit_softmax(rows, y, 3, l2=1e-2, steps=40, scale=held_back)
    assert np.abs(scaled[column]).max() < 0.5 * np.abs(plain[column]).max()
    others = np.arange(rows.shape[1]) != column
    assert np.abs(scaled[others]).max() > 0.1  # the rest still learn


def test_fit_runs_the_steps_asked_whatever_the_steps_per_call(monkeypatch):
    from workbench.core.learning import baseline

    corpus = make_corpus(per_class=6)
    rows = TfidfFeatures(min_df=1).fit_transform(corpus.texts)
    y = _labels(corpus)
    weights, _ = baseline.fit_softmax(rows, y, 3, l2=1e-4, steps=30)
    monkeypatch.setattr(baseline, "STEPS_PER_CALL", 7)  # 7 + 7 + 7 + 7 + 2
    in_chunks, _ = baseline.fit_softmax(rows, y, 3, l2=1e-4, steps=30)
    np.testing.assert_array_equal(in_chunks, weights)
    fewer, _ = baseline.fit_softmax(rows, y, 3, l2=1e-4, steps=28)
    assert not np.array_equal(fewer, weights)


def test_baseline_learns_the_topics_and_reports_figures():
    corpus = make_corpus(per_class=20)
    test = make_corpus(per_class=6, seed=1)
    valid = make_corpus(per_class=4, seed=2)
    result = train_baseline(
        corpus.texts,
        _labels(corpus),
        test.texts,
        _labels(test),
        3,
        val_texts=valid.texts,
        y_val=_labels(valid),
    )
    assert result.accuracy == 1.0
    assert result.macro_f1 == 1.0
    assert result.val_accuracy == 1.0
    assert result.l2 == L2_CHOICES[0]  # ties go to the strongest penalty
    assert result.features > 30
    assert result.elapsed_s > 0


def test_baseline_without_test_or_validation_split():
    corpus = make_corpus(per_class=5)
    result = train_baseline(corpus.texts, _labels(corpus), [], [], 3)
    assert result.accuracy is None
    assert result.macro_f1 is None
    assert result.val_accuracy is None


@pytest.mark.parametrize(
    ("texts", "labels", "classes", "message"),
    [
        (["a b", "c d"], [0], 2, "2 training texts but 1 labels"),
        (["a b"], [0], 1, "num_classes must be an integer >= 2"),
        ([], [], 2, "cannot fit the baseline on 0 texts"),
    ],
)
def test_baseline_bad_inputs_raise_config_error(texts, labels, classes, message):
    with pytest.raises(ConfigError, match=message):
        train_baseline(texts, np.array(labels, dtype=int), [], [], classes)


def test_baseline_result_round_trip_and_malformed_data():
    result = BaselineResult(0.98, 0.97, 0.96, 1e-5, 1234, 2.5)
    data = json.loads(json.dumps(result.to_dict()))
    assert BaselineResult.from_dict(data) == result
    assert BaselineResult.from_dict("junk") is None
    partial = BaselineResult.from_dict({"accuracy": "high", "macro_f1": True})
    assert partial is not None
    assert partial.accuracy is None
    assert partial.macro_f1 is None


def test_comparison_text_names_model_and_both_figures():
    text = baseline_comparison(TrainConfig(wide_ngrams=0), 0.978, {"accuracy": 0.982})
    assert text == "BiLSTM 97.8% - linear baseline 98.2%"
    wide = TrainConfig(architecture="gru", bidirectional=False, wide_ngrams=2)
    assert baseline_comparison(wide, 0.99, BaselineResult(0.98, 0.98, None, 0, 0, 0)) == (
        "GRU + n-grams 99.0% - linear baseline 98.0%"
    )
    assert baseline_comparison(TrainConfig(), None, {"accuracy": 0.9}) == ""
    assert baseline_comparison(TrainConfig(), 0.9, None) == ""


def test_comparison_text_names_each_part_alone_with_or_without_a_baseline():
    parts = {"recurrent": {"accuracy": 0.95}, "ngrams": {"accuracy": 0.97}}
    config = TrainConfig(baseline=False)
    both = baseline_comparison(config, 0.98, {"accuracy": 0.96}, parts=parts)
    alone = "BiLSTM + n-grams 98.0% (BiLSTM alone 95.0%, n-grams alone 97.0%)"
    assert both == f"{alone} - linear baseline 96.0%"
    assert baseline_comparison(config, 0.98, None, parts=parts) == alone  # baseline off
    assert baseline_comparison(config, 0.98, None, parts=parts, stopped=True) == alone
    asked = TrainConfig()  # asked for a baseline that Stop skipped: that is what it says
    skipped = baseline_comparison(asked, 0.98, None, parts=parts, stopped=True)
    assert skipped == "linear baseline skipped: the run was stopped"
    broken = {"recurrent": {"accuracy": float("nan")}, "ngrams": {"accuracy": 0.97}}
    assert baseline_comparison(config, 0.98, None, parts=broken) == ""
    assert baseline_comparison(config, 0.98, None, parts={"recurrent": 1}) == ""


def test_comparison_text_says_when_stop_skipped_the_baseline():
    stopped = baseline_comparison(TrainConfig(), 0.9, None, stopped=True)
    assert stopped == "linear baseline skipped: the run was stopped"
    assert baseline_comparison(TrainConfig().to_dict(), 0.9, None, stopped=True) == stopped
    assert baseline_comparison(TrainConfig(baseline=False), 0.9, None, stopped=True) == ""
    # a stopped run that did get its baseline (Stop came after it) compares as usual
    done = baseline_comparison(TrainConfig(wide_ngrams=0), 0.9, {"accuracy": 0.8}, stopped=True)
    assert done == "BiLSTM 90.0% - linear baseline 80.0%"


def test_run_training_reports_baseline_in_result_json_and_bundle(tmp_path):
    result = run_training(make_corpus(), CONFIG, vectors=None, out_dir=tmp_path, name="b")
    assert result.baseline is not None
    assert 0 <= result.baseline.accuracy <= 1
    data = json.loads(json.dumps(result.to_dict()))
    assert data["baseline"]["accuracy"] == result.baseline.accuracy
    assert data["baseline"]["macro_f1"] == result.baseline.macro_f1
    stored = json.loads((result.bundle_path / "bundle.json").read_text())["metrics"]
    assert stored["baseline"]["accuracy"] == result.baseline.accuracy
    assert stored["accuracy"] == result.evaluation.accuracy  # the model's own figures stay
    assert read_bundle_info(result.bundle_path).accuracy == result.evaluation.accuracy
    loaded = load_bundle(result.bundle_path)
    assert loaded.metrics["baseline"]["macro_f1"] == result.baseline.macro_f1
    assert loaded.evaluation().accuracy == result.evaluation.accuracy


def test_baseline_can_be_switched_off(tmp_path):
    config = CONFIG.with_overrides(["baseline=false"])
    result = run_training(make_corpus(), config, vectors=None, out_dir=tmp_path, name="b")
    assert result.baseline is None
    assert result.to_dict()["baseline"] is None
    stored = json.loads((result.bundle_path / "bundle.json").read_text())["metrics"]
    assert "baseline" not in stored
    assert "accuracy" in stored


def _count_fits(monkeypatch) -> list:
    """A list that gets an item for each call of the baseline's ``fit_softmax``."""
    from workbench.core.learning import baseline

    fits = []
    real_fit = baseline.fit_softmax

    def counted(*args, **kwargs):
        fits.append(1)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(baseline, "fit_softmax", counted)
    return fits


class _SetAfter:
    """A cancel token that turns set at its ``n``-th check (a Stop in mid-work)."""

    def __init__(self, n: int) -> None:
        self.checks = 0
        self.n = n

    def is_set(self) -> bool:
        self.checks += 1
        return self.checks >= self.n


def test_baseline_stops_inside_its_features_and_its_fits(monkeypatch):
    from workbench.core import Cancelled
    from workbench.core.learning import baseline

    corpus = make_corpus(per_class=20)
    monkeypatch.setattr(baseline, "_MERGE_EVERY", 5)  # a check every 5 documents
    fits = _count_fits(monkeypatch)
    token = _SetAfter(4)  # the start, then three chunks of the training features
    with pytest.raises(Cancelled):
        train_baseline(corpus.texts, _labels(corpus), [], [], 3, cancel=token)
    assert token.checks == 4
    assert fits == []
    token = _SetAfter(30)  # past the features: inside the first fit's steps
    with pytest.raises(Cancelled):
        train_baseline(corpus.texts, _labels(corpus), [], [], 3, cancel=token)
    assert len(fits) == 1
