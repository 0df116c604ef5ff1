"""Wide and deep: a bag-of-n-grams linear part fused with the recurrent model; rnn_maxlen."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import numpy as np
import pytest

from tests.core.test_pipeline import CONFIG, make_corpus, run_stopped_in_second_epoch
from workbench.core import (
    Cancelled,
    ConfigError,
    Predictor,
    TrainConfig,
    build_model,
    load_bundle,
    run_training,
)
from workbench.core.learning.wide import WEIGHTS, WideFits


def test_wide_fields_are_checked():
    with pytest.raises(ConfigError, match="wide_ngrams must be <= 2, got 3"):
        TrainConfig(wide_ngrams=3)
    with pytest.raises(ConfigError, match="wide_buckets must be >= 1, got 0"):
        TrainConfig(wide_buckets=0)
    with pytest.raises(ConfigError, match="wide_naive_bayes must be true or false, got 'maybe'"):
        TrainConfig().with_overrides(["wide_naive_bayes=maybe"])
    with pytest.raises(ConfigError, match="rnn_maxlen must be >= 0, got -1"):
        TrainConfig().with_overrides(["rnn_maxlen=-1"])
    assert "wide_ngrams" in TrainConfig.field_help()
    assert "wide_ngrams = 2" in TrainConfig(wide_ngrams=2).to_toml()


def test_rnn_maxlen_limits_what_the_recurrent_layers_read():
    config = CONFIG.with_overrides(["rnn_maxlen=4"])
    model = build_model(config, vocab_size=10, num_classes=3)
    first = np.zeros((1, config.maxlen), dtype=np.int32)
    first[0, :4] = [2, 3, 4, 5]
    longer = first.copy()
    longer[0, 4:12] = 7  # beyond the 4 tokens the LSTM reads
    a = np.asarray(model.predict(first, verbose=0))
    b = np.asarray(model.predict(longer, verbose=0))
    assert np.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("ngrams", [1, 2])
def test_wide_and_deep_run_saves_loads_and_predicts_the_same(tmp_path, ngrams):
    fixed = ["wide_order_by_validation=false", "wide_buckets=128", "rnn_maxlen=10"]
    config = CONFIG.with_overrides([f"wide_ngrams={ngrams}", *fixed])
    corpus = make_corpus()
    result = run_training(corpus, config, vectors=None, out_dir=tmp_path, name="wide")
    assert result.train.status == "completed"
    wide = result.provenance["wide"]
    assert wide["ngrams"] == ngrams
    averaged = [member["weight"] for member in wide.get("averaged", [])]
    assert wide["weight"] == (pytest.approx(np.mean(averaged)) if averaged else wide["weight"])
    assert set(averaged) <= set(WEIGHTS)
    assert averaged or wide["weight"] in WEIGHTS
    assert wide["val_loss"] >= 0
    names = {layer.name for layer in result.bundle.model.layers}
    assert {"wide_idf", "wide_scores", "wide_bias"} <= names
    texts = list(corpus.texts[:6])
    before = Predictor(result.bundle).predict_proba(texts)
    assert np.allclose(before.sum(axis=1), 1.0, atol=1e-5)
    loaded = load_bundle(result.bundle_path)
    assert loaded.config.wide_ngrams == ngrams
    after = Predictor(loaded).predict_proba(texts)
    assert np.allclose(before, after, atol=1e-5)
    stored = json.loads((result.bundle_path / "bundle.json").read_text())
    assert stored["provenance"]["wide"]["weight"] == wide["weight"]


def _assert_evaluation_is_the_saved_models(result):
    """The run's test figures are those of the saved fused model (they are computed by
    mixing the parts in numpy, without the fused graph)."""
    documents = result.evaluation.correct + result.evaluation.misclassified
    assert len(documents) == result.evaluation.n_documents
    predictor = Predictor(load_bundle(result.bundle_path))
    probs = predictor.predict_proba([doc["text"] for doc in documents])
    names = list(result.evaluation.class_names)
    for doc, row in zip(documents, probs, strict=True):
        assert names[int(row.argmax())] == doc["predicted"]
        assert row.max() == pytest.approx(doc["confidence"], abs=1e-5)


def test_a_finished_run_reports_what_its_fused_model_predicts(tmp_path):
    config = CONFIG.with_overrides(["wide_ngrams=2", "wide_buckets=128", "rnn_maxlen=10"])
    result = run_training(make_corpus(), config, vectors=None, out_dir=tmp_path)
    assert result.train.status == "completed"
    assert result.provenance["wide"]["refit"] is True
    _assert_evaluation_is_the_saved_models(result)


def test_a_run_reports_each_part_alone_as_its_saved_graph_scores_it(tmp_path):
    from workbench.core import split_corpus

    config = CONFIG.with_overrides(["wide_ngrams=2", "wide_buckets=128", "rnn_maxlen=10"])
    corpus = make_corpus(per_class=12)
    result = run_training(corpus, config, vectors=None, out_dir=tmp_path)
    bundle = load_bundle(result.bundle_path)
    assert bundle.metrics["parts"] == result.parts
    assert result.to_dict()["parts"] == result.parts
    # read back from the saved graph: the nested recurrent model, and the fused scores
    # less its log-probabilities (the n-gram part's scores up to a per-document constant)
    fractions = {"val_fraction": config.val_fraction, "test_fraction": config.test_fraction}
    test = split_corpus(corpus, **fractions, seed=config.seed).test
    index = {name: i for i, name in enumerate(bundle.info.class_names)}
    y = np.array([index[label] for label in test.labels])
    x = bundle.tokenizer.encode(test.texts, maxlen=config.maxlen)
    (nested,) = [layer for layer in bundle.model.layers if hasattr(layer, "layers")]
    deep = nested.predict(x, verbose=0)
    fused = bundle.model.predict(x, verbose=0)
    ngrams = np.log(np.maximum(fused, 1e-30)) - np.log(np.maximum(deep, 1e-7))
    parts = result.parts
    assert parts["recurrent"]["accuracy"] == pytest.approx(np.mean(deep.argmax(1) == y))
    assert parts["ngrams"]["accuracy"] == pytest.approx(np.mean(ngrams.argmax(1) == y))
    assert 0.0 <= parts["ngrams"]["macro_f1"] <= 1.0
    plain = run_training(corpus, CONFIG, vectors=None, save=False)  # no wide part
    assert plain.parts is None


def test_stop_keeps_the_wide_part_and_fits_nothing_after_it(tmp_path, monkeypatch):
    """A stopped wide-and-deep run keeps its n-gram part: it was fitted before the
    epochs, so after Stop only the mixing weight is chosen (no fit, no refit)."""
    from workbench.core.learning import baseline, wide

    cancel = threading.Event()
    fits_after_stop = []
    real_fit = wide.fit_softmax

    def counting_fit(*args, **kwargs):
        if cancel.is_set():
            fits_after_stop.append(kwargs.get("l2"))
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(wide, "fit_softmax", counting_fit)
    monkeypatch.setattr(baseline, "fit_softmax", counting_fit)

    config = CONFIG.with_overrides(["wide_ngrams=2", "wide_buckets=128", "rnn_maxlen=10"])
    result, messages = run_stopped_in_second_epoch(make_corpus(), config, tmp_path, cancel)
    assert result.train.status == "cancelled"
    assert result.train.epochs_run == 1
    assert fits_after_stop == []
    info = result.provenance["wide"]
    assert info["refit"] is False
    averaged = [member["weight"] for member in info.get("averaged", [])]
    assert info["weight"] == (pytest.approx(np.mean(averaged)) if averaged else info["weight"])
    assert averaged or info["weight"] in WEIGHTS
    # words, then words and bigrams, three penalties each, before the epochs
    fitting = [m for m in messages if m.startswith("fitting the bag-of-n-grams part (")]
    orders = [m.split("(")[1].split(",")[0] for m in fitting]
    assert orders == ["words"] * 3 + ["words and bigrams"] * 3
    assert [m.split(", ")[1].split(")")[0] for m in fitting] == [f"{n} of 6" for n in range(1, 7)]
    assert all(" left)" in m for m in fitting[1:])
    stopped = next(m for m in messages if m.startswith("stopped: mixing in the bag-of-n-grams"))
    assert max(messages.index(m) for m in fitting) < messages.index(stopped)
    assert set(info["val_accuracy_by_ngrams"]) == {"1", "2"}
    loaded = load_bundle(result.bundle_path)
    part = "bag-of-words part" if info["ngrams"] == 1 else "bag-of-n-grams part (words and"
    assert f"+ {part}" in loaded.info.summary()  # one name in the summary and the note
    assert f"best epoch 1 saved with the {part}" in loaded.info.status_note
    assert {"wide_idf", "wide_scores", "wide_bias"} <= {layer.name for layer in loaded.model.layers}
    _assert_evaluation_is_the_saved_models(result)


def test_stop_while_the_wide_part_is_fitted_ends_the_run_with_nothing_saved(tmp_path):
    """The wide part is fitted before the epochs: a Stop then is a Stop in preparation."""
    from workbench.core.learning import wide

    cancel = threading.Event()
    real_fit = wide.fit_softmax

    def stopping_fit(*args, **kwargs):
        cancel.set()
        return real_fit(*args, **kwargs)

    config = CONFIG.with_overrides(["wide_ngrams=1", "rnn_maxlen=10"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wide, "fit_softmax", stopping_fit)
        with pytest.raises(Cancelled):
            run_training(make_corpus(), config, vectors=None, cancel=cancel, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_stop_during_the_refit_keeps_the_training_split_fit():
    from workbench.core.learning.wide import _penalty_shares, choose_wide, fit_wide

    config = TrainConfig(maxlen=6, wide_ngrams=1)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 12, size=(30, 6)).astype(np.int32)
    y = (x[:, 0] % 3).astype(np.int64)
    fits = fit_wide((x[:20], y[:20], x[20:], y[20:]), config, vocab_size=12, num_classes=3)
    deep_val = np.full((10, 3), 1 / 3, dtype=np.float32)
    refitted = choose_wide(fits, deep_val)
    assert refitted.info.refit is True
    stop = threading.Event()
    stop.set()
    kept = choose_wide(fits, deep_val, cancel=stop)
    assert kept.info.refit is False
    assert (kept.info.l2, kept.info.weight) == (refitted.info.l2, refitted.info.weight)
    assert kept.info.averaged == refitted.info.averaged
    members = [(l2, w) for _, l2, w in kept.info.averaged]
    shares = _penalty_shares(members) or {kept.info.l2: 1.0}
    training_fits = sum(share * fits.fits[1, l2][0] for l2, share in shares.items())
    np.testing.assert_allclose(kept.models[0].weights, training_fits, rtol=1e-6)
    np.testing.assert_array_equal(kept.idf, fits.idfs[1])
    assert not np.array_equal(refitted.models[0].weights, kept.models[0].weights)


@pytest.mark.parametrize("ngrams", [1, 2])
def test_the_saved_graph_computes_the_fitted_features(ngrams):
    """The fused model's n-gram part (Keras ops, sorted counts) gives the same scores as
    the numpy features it was fitted on: sublinear repeats, OOV, padding, bigrams."""
    import keras

    from workbench.core.learning.baseline import predict_proba
    from workbench.core.learning.wide import LinearScores, _counts, _fused_model

    config = TrainConfig(maxlen=9, wide_ngrams=ngrams, wide_buckets=7)
    vocab = 6
    x = np.array(
        [
            [2, 3, 2, 2, 1, 4, 5, 0, 0],  # a word three times, an unknown word, padding
            [5, 5, 5, 5, 5, 5, 5, 5, 5],
            [3, 4, 3, 4, 3, 4, 1, 1, 0],  # a repeated bigram
            [0, 0, 0, 0, 0, 0, 0, 0, 0],  # nothing to read
        ],
        dtype=np.int32,
    )
    idf = _counts(x[:3], config, vocab).idf()
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(len(idf), 3)).astype(np.float32)
    bias = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    tokens = keras.Input(shape=(9,), dtype="int32")
    uniform = keras.Model(tokens, keras.ops.ones_like(tokens[:, :3], dtype="float32") / 3)
    fused = _fused_model(uniform, config, idf, (LinearScores(ngrams, weights, bias, 1.0),))
    expected = predict_proba(_counts(x, config, vocab).rows(idf), weights, bias)
    got = np.asarray(fused.predict(x, verbose=0))
    assert np.allclose(got, expected, atol=1e-5)


def test_bigrams_of_word_ids_past_int32_overflow_hash_as_when_fitted():
    """``left * 7919`` passes 2**31 for a word id above ~271,000 (``max_words`` allows
    10 M): the saved graph hashes in int64, as the fitting does."""
    import keras

    from workbench.core.learning.baseline import predict_proba
    from workbench.core.learning.wide import LinearScores, _counts, _fused_model, term_ids

    config = TrainConfig(maxlen=6, wide_ngrams=2, wide_buckets=97)
    vocab = 400_000
    x = np.array(
        [[399_999, 300_001, 2, 399_999, 300_001, 0], [300_001, 5, 399_998, 2, 0, 0]],
        dtype=np.int32,
    )
    assert 399_999 * 7919 > 2**31  # the case int32 got wrong
    pairs = term_ids(x, vocab, 97)[1]
    assert ((pairs == -1) | ((pairs >= vocab) & (pairs < vocab + 97))).all()
    idf = _counts(x, config, vocab).idf()
    weights = np.random.default_rng(1).normal(size=(len(idf), 3)).astype(np.float32)
    bias = np.zeros(3, dtype=np.float32)
    tokens = keras.Input(shape=(6,), dtype="int32")
    uniform = keras.Model(tokens, keras.ops.ones_like(tokens[:, :3], dtype="float32") / 3)
    fused = _fused_model(uniform, config, idf, (LinearScores(2, weights, bias, 1.0),))
    expected = predict_proba(_counts(x, config, vocab).rows(idf), weights, bias)
    assert np.allclose(np.asarray(fused.predict(x, verbose=0)), expected, atol=1e-5)


def _given_fits(wide_val: np.ndarray, y_val: np.ndarray) -> WideFits:
    """Fits of one order and penalty whose validation log-probabilities are ``wide_val``,
    with the best mix kept alone (no averaging)."""
    config = TrainConfig(wide_ngrams=1, wide_average_near_best=False)
    empty = np.zeros((0, 4), dtype=np.int32)
    data = (empty, np.zeros(0, np.int64), np.zeros((len(y_val), 4), np.int32), y_val)
    classes = wide_val.shape[1]
    fit = (np.zeros((5, classes), np.float32), np.zeros(classes, np.float32))
    return WideFits(
        data,
        {1: config},
        5,
        classes,
        {1: np.ones(5, np.float32)},
        {(1, 1e-5): fit},
        {(1, 1e-5): wide_val},
    )


def test_the_mixing_weight_is_chosen_by_accuracy_then_log_loss():
    from workbench.core.learning.evaluation import mean_log_loss
    from workbench.core.learning.wide import choose_wide, mix

    y = np.array([0, 0, 1, 1, 0])
    # the deep model gets documents 2 and 3 wrong, confidently; the linear part is right
    # about them but unsure: only a weight >= log(9) / log(1.5) = 5.4 lets it overrule
    # the deep model. It is sure and wrong about document 4, which then costs so much
    # log loss that the log loss would keep the weight small.
    deep = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.6, 0.4]])
    wide = np.log(np.array([[0.6, 0.4], [0.6, 0.4], [0.4, 0.6], [0.4, 0.6], [0.01, 0.99]]))
    losses = {w: mean_log_loss(mix(deep, wide, w), y) for w in WEIGHTS}
    assert min(losses, key=losses.get) < 5.4
    info = choose_wide(_given_fits(wide, y), deep, refit=False).info
    assert info.val_accuracy == 0.8  # 4 of 5; any weight under 5.4 gets 3 right at most
    assert info.weight >= 5.4
    assert info.val_loss == pytest.approx(min(losses[w] for w in WEIGHTS if w >= 5.4))
    # every weight equally accurate: the log loss decides (here: the deep model alone)
    deep = np.array([[0.99, 0.01], [0.99, 0.01], [0.01, 0.99], [0.01, 0.99]])
    unsure = np.log(np.full((4, 2), 0.5)) + np.array([[0.0, 0.1]])
    part = choose_wide(_given_fits(unsure, y[:4]), deep, refit=False)
    assert part.info.val_accuracy == 1.0
    assert part.info.weight == 0.0
    assert [m.weight for m in part.models] == [0.0]


def _order_data(rng, n):
    """Documents whose class is which of two words comes first ("2 3" or "3 2" among
    filler words): words alone cannot tell the classes apart, their bigrams can."""
    x = rng.integers(4, 12, size=(n, 8)).astype(np.int32)
    y = rng.integers(0, 2, size=n).astype(np.int64)
    x[:, 3] = np.where(y == 0, 2, 3)
    x[:, 4] = np.where(y == 0, 3, 2)
    return x, y


def test_validation_picks_the_n_gram_order():
    from workbench.core.learning.wide import choose_wide, fit_wide

    rng = np.random.default_rng(0)
    x_train, y_train = _order_data(rng, 60)
    x_val, y_val = _order_data(rng, 30)
    data = (x_train, y_train, x_val, y_val)
    config = TrainConfig(maxlen=8, wide_ngrams=2, wide_buckets=64)
    fits = fit_wide(data, config, vocab_size=12, num_classes=2)
    assert sorted({order for order, _ in fits.fits}) == [1, 2]
    unsure = np.full((30, 2), 0.5, dtype=np.float32)  # a deep part that knows nothing
    part = choose_wide(fits, unsure)
    assert part.info.ngrams == 2  # only bigrams see the order
    assert part.config.wide_ngrams == 2
    by_order = part.info.to_dict()["val_accuracy_by_ngrams"]
    assert by_order["2"] == part.info.val_accuracy == 1.0
    assert by_order["1"] < 0.8
    # the choice is what the fused model computes: bigram columns after the words
    assert len(part.idf) == 12 + 64

    # with the choice off only the configured order is fitted, and it is kept even on
    # a corpus that words alone explain (the class is the first word)
    x_words = rng.integers(4, 12, size=(90, 8)).astype(np.int32)
    y_words = (x_words[:, 0] % 2).astype(np.int64)
    fixed = replace(config, wide_order_by_validation=False)
    data = (x_words[:60], y_words[:60], x_words[60:], y_words[60:])
    fits = fit_wide(data, fixed, vocab_size=12, num_classes=2)
    assert sorted({order for order, _ in fits.fits}) == [2]
    part = choose_wide(fits, unsure)
    assert part.info.ngrams == 2
    assert "val_accuracy_by_ngrams" not in part.info.to_dict()


def test_term_counts_match_counting_each_document_alone(monkeypatch):
    """Counted a chunk at a time (chunks of 3 documents here): each document's distinct
    term ids and counts, its TF-IDF row, the words-only order taken from the bigram
    counts, all equal counting every document on its own."""
    from workbench.core.learning import wide
    from workbench.core.learning.wide import TermCounts, term_ids

    monkeypatch.setattr(wide, "CHUNK_ROWS", 3)
    vocab, buckets = 9, 11
    rng = np.random.default_rng(1)
    x = rng.integers(0, vocab, size=(8, 12)).astype(np.int32)
    x[3] = 0  # a document with no term
    x[5, :6] = 1  # unknown words count for nothing

    def naive(docs, buckets):
        found = []
        for doc in docs:
            terms = np.concatenate([t[0] for t in term_ids(doc[None], vocab, buckets)])
            found.append(np.unique(terms[terms >= 0], return_counts=True))
        return found

    counted = TermCounts.count(x, vocab, buckets)
    for part, words_only in ((counted, naive(x, buckets)), (counted.words(vocab), naive(x, 0))):
        for row, (ids, counts) in enumerate(words_only):
            begin, end = part.indptr[row], part.indptr[row + 1]
            assert part.ids[begin:end].tolist() == ids.tolist()
            assert part.counts[begin:end].tolist() == counts.tolist()
    assert counted.words(vocab).columns == vocab
    assert counted.words(vocab).idf().tolist() == TermCounts.count(x, vocab, 0).idf().tolist()

    df = np.zeros(vocab + buckets)
    for ids, _ in naive(x, buckets):
        df[ids] += 1
    idf = counted.idf()
    assert np.allclose(idf, 1 + np.log(9 / (1 + df)))
    rows = counted.rows(idf)
    for row, (ids, counts) in enumerate(naive(x, buckets)):
        expected = (1 + np.log(counts)) * idf[ids]
        expected = expected / max(np.linalg.norm(expected), 1e-12)
        assert np.allclose(rows.data[rows.indptr[row] : rows.indptr[row + 1]], expected)


def test_the_naive_bayes_scale_is_the_log_count_ratio_of_each_class_against_the_rest():
    """Two documents: class 0 holds terms 0 and 1, class 1 terms 1 and 2. Add-one
    smoothed shares (each document counts a term once): term 0 is 2/5 of class 0 and
    1/5 of the rest, so |log r| = log 2 for both classes; term 1 is shared alike, so its
    scale is the floor."""
    from workbench.core.learning.baseline import SparseRows
    from workbench.core.learning.wide import NAIVE_BAYES_FLOOR, naive_bayes_scale

    rows = SparseRows(
        np.array([0, 2, 4]), np.array([0, 1, 1, 2]), np.array([0.5, 2.0, 3.0, 0.1]), (2, 3)
    )
    scale = naive_bayes_scale(rows, np.array([0, 1]), 2)
    log2 = np.log(2.0)
    expected = [[log2, log2], [NAIVE_BAYES_FLOOR] * 2, [log2, log2]]
    np.testing.assert_allclose(scale, expected, rtol=1e-6)
    assert scale.dtype == np.float32


def _recorded_fits(monkeypatch) -> list[tuple[int, dict]]:
    """From now on, every ``fit_softmax`` of the wide part, as (documents, keyword
    arguments), in call order."""
    from workbench.core.learning import wide

    calls = []
    real_fit = wide.fit_softmax

    def recording_fit(rows, labels, num_classes, **kwargs):
        calls.append((len(labels), kwargs))
        return real_fit(rows, labels, num_classes, **kwargs)

    monkeypatch.setattr(wide, "fit_softmax", recording_fit)
    return calls


def test_the_naive_bayes_prior_is_used_in_every_fit_and_recorded(monkeypatch):
    """With ``wide_naive_bayes`` each fit before the epochs and each refit gets the prior
    of its own rows (the refit's from training + validation); the part records it, and
    its saved graph predicts what numpy mixes (the weights are plain weights)."""
    from workbench.core.learning import wide

    x, y = _class_word_data(np.random.default_rng(3))
    config = TrainConfig(maxlen=10, wide_ngrams=1, wide_naive_bayes=True)
    calls = _recorded_fits(monkeypatch)  # (documents, keyword arguments) of each fit
    fits = wide.fit_wide((x[:100], y[:100], x[100:], y[100:]), config, vocab_size=40, num_classes=3)
    deep_val = np.full((60, 3), 1 / 3, dtype=np.float32)
    part = wide.choose_wide(fits, deep_val)
    assert part.info.naive_bayes is True
    assert part.info.to_dict()["naive_bayes"] is True
    before = [kwargs["scale"] for count, kwargs in calls if count == 100]
    after = [kwargs["scale"] for count, kwargs in calls if count == 160]
    assert len(before) == len(wide.L2_CHOICES)
    assert after
    assert all(kwargs["scale"].shape == (40, 3) for _, kwargs in calls)
    assert not np.allclose(before[0], after[0])  # the refit's prior is its own rows'
    uniform = _uniform_deep_model(10)
    graph = np.asarray(part.fused_model(uniform).predict(x[100:], verbose=0))
    np.testing.assert_allclose(graph, part.mix(deep_val, x[100:]), atol=1e-5)
    plain = wide.choose_wide(
        wide.fit_wide(
            (x[:100], y[:100], x[100:], y[100:]),
            replace(config, wide_naive_bayes=False),
            vocab_size=40,
            num_classes=3,
        ),
        deep_val,
    )
    assert "naive_bayes" not in plain.info.to_dict()
    assert calls[-1][1]["scale"] is None  # without the setting: no prior
    no_val = wide.fit_wide((x[:100], y[:100], x[:0], y[:0]), config, vocab_size=40, num_classes=3)
    assert calls[-1][1]["scale"] is not None
    assert wide.choose_wide(no_val, None).info.naive_bayes is True


def test_near_best_floor_is_one_standard_error_under_the_best():
    from workbench.core.learning.wide import near_best_floor

    assert near_best_floor(0.98, 223) == pytest.approx(0.98 - (0.98 * 0.02 / 223) ** 0.5)
    assert near_best_floor(1.0, 50) == pytest.approx(1.0)  # no spread: exact ties only


def _class_word_data(rng):
    """160 documents of 10 words; the first is the class's own word (2, 3 or 4), except
    in a quarter of them, where it is another class's: a linear part gets about 80 %."""
    y = rng.integers(0, 3, size=160).astype(np.int64)
    x = rng.integers(5, 40, size=(160, 10)).astype(np.int32)
    x[:, 0] = 2 + np.where(rng.random(160) < 0.25, rng.integers(0, 3, size=160), y)
    return x, y


def _uniform_deep_model(maxlen: int, classes: int = 3):
    """A Keras "deep part" that knows nothing: uniform probabilities."""
    import keras

    tokens = keras.Input(shape=(maxlen,), dtype="int32")
    return keras.Model(tokens, keras.ops.ones_like(tokens[:, :classes], dtype="float32") / classes)


def _assert_the_part_is_the_mean_of(expected, part, fits, x_val, y_val):
    """The part (numpy and its fused graph over a uniform deep part) gives the mean of
    ``weight * log p`` of the ``expected`` (order, penalty, weight) mixes on validation,
    and records that mix's accuracy; returns the uniform deep part."""
    from workbench.core.learning.wide import mix

    deep_val = np.full((len(y_val), 3), 1 / 3, dtype=np.float32)
    mixed = np.mean([w * fits.val_log_probs[n, l2] for n, l2, w in expected], axis=0)
    averaged = mix(deep_val, mixed, 1.0)
    assert np.allclose(part.mix(deep_val, x_val), averaged, atol=1e-5)
    assert part.info.val_accuracy == float(np.mean(averaged.argmax(1) == y_val))
    uniform = _uniform_deep_model(x_val.shape[1])
    graph = np.asarray(part.fused_model(uniform).predict(x_val, verbose=0))
    assert np.allclose(graph, averaged, atol=1e-5)
    return uniform


def test_the_near_best_mixes_are_averaged_into_one_linear_part():
    """Every (penalty, weight) of the best order within one standard error of the best
    validation accuracy is averaged; the part's single linear model and mean weight
    give the same probabilities as the average of those mixes, in numpy and in the
    saved graph; with the setting off the best mix alone is kept."""
    from workbench.core.learning.wide import (
        WEIGHTS,
        choose_wide,
        fit_wide,
        mix_scores,
        near_best_floor,
    )

    x, y = _class_word_data(np.random.default_rng(3))
    data = (x[:100], y[:100], x[100:], y[100:])
    config = TrainConfig(maxlen=10, wide_ngrams=1, wide_order_by_validation=False)
    fits = fit_wide(data, config, vocab_size=40, num_classes=3)
    deep_val = np.full((60, 3), 1 / 3, dtype=np.float32)

    table = [
        (accuracy, l2, weight)
        for (_, l2), wide_val in fits.val_log_probs.items()
        for weight, accuracy, _ in mix_scores(deep_val, wide_val, y[100:])
    ]
    floor = near_best_floor(max(row[0] for row in table), 60)
    expected = sorted((1, l2, w) for accuracy, l2, w in table if accuracy >= floor)
    assert 1 < len(expected) < len(table)

    part = choose_wide(fits, deep_val, refit=False)
    assert sorted(part.info.averaged) == expected
    assert part.info.weight == pytest.approx(np.mean([w for _, _, w in expected]))
    assert part.info.to_dict()["averaged"]
    assert len(part.models) == 1  # one order: one linear model
    _assert_the_part_is_the_mean_of(expected, part, fits, x[100:], y[100:])

    single = replace(fits, configs={1: replace(config, wide_average_near_best=False)})
    best = choose_wide(single, deep_val, refit=False)
    assert best.info.averaged == ()
    assert best.info.weight in WEIGHTS
    assert best.models[0].weight == best.info.weight
    np.testing.assert_array_equal(best.models[0].weights, fits.fits[1, best.info.l2][0])


def test_each_averaged_penalty_is_refitted_on_training_and_validation(monkeypatch):
    from workbench.core.learning import wide

    x, y = _class_word_data(np.random.default_rng(3))
    config = TrainConfig(maxlen=10, wide_ngrams=1, wide_order_by_validation=False)
    fits = wide.fit_wide((x[:100], y[:100], x[100:], y[100:]), config, vocab_size=40, num_classes=3)
    calls = _recorded_fits(monkeypatch)
    part = wide.choose_wide(fits, np.full((60, 3), 1 / 3, dtype=np.float32))
    refits = [(documents, kwargs["l2"]) for documents, kwargs in calls]
    assert part.info.refit is True
    kept = {l2 for _, l2, w in part.info.averaged if w > 0} or {part.info.l2}
    assert sorted(refits) == sorted((160, l2) for l2 in kept)


def _two_order_part(refit: bool):
    """A wide part fitted on class-word documents (seed 3) where mixes of both orders
    come within one standard error of the best: ``(part, fits, x, y)``."""
    from workbench.core.learning.wide import choose_wide, fit_wide

    x, y = _class_word_data(np.random.default_rng(3))
    config = TrainConfig(maxlen=10, wide_ngrams=2, wide_buckets=64)
    fits = fit_wide((x[:100], y[:100], x[100:], y[100:]), config, vocab_size=40, num_classes=3)
    part = choose_wide(fits, np.full((60, 3), 1 / 3, dtype=np.float32), refit=refit)
    return part, fits, x, y


def test_near_best_mixes_of_both_orders_are_averaged_into_two_linear_parts():
    """Mixes of words and of words and bigrams within one standard error are averaged:
    one linear model per order, weighted by its share of the weights; numpy and the
    saved graph give the average of the mixes, before and after the refit."""
    from workbench.core.learning.wide import mix_scores, near_best_floor

    part, fits, x, y = _two_order_part(refit=False)
    deep_val = np.full((60, 3), 1 / 3, dtype=np.float32)
    table = [
        (accuracy, order, l2, weight)
        for (order, l2), wide_val in fits.val_log_probs.items()
        for weight, accuracy, _ in mix_scores(deep_val, wide_val, y[100:])
    ]
    floor = near_best_floor(max(row[0] for row in table), 60)
    expected = sorted((n, l2, w) for accuracy, n, l2, w in table if accuracy >= floor)
    assert {n for n, _, _ in expected} == {1, 2}
    assert sorted(part.info.averaged) == expected
    assert part.info.kept == (2, 1)
    assert [m.ngrams for m in part.models] == [2, 1]
    assert part.models[1].weights.shape == (40, 3)  # the words alone
    share = {n: sum(w for m, _, w in expected if m == n) / len(expected) for n in (1, 2)}
    assert [m.weight for m in part.models] == pytest.approx([share[2], share[1]])
    assert part.info.weight == pytest.approx(share[1] + share[2])
    assert part.info.part_name() == (
        "bag-of-n-grams part (words and bigrams, averaged with words alone)"
    )
    assert part.info.to_dict()["ngrams_kept"] == [2, 1]
    uniform = _assert_the_part_is_the_mean_of(expected, part, fits, x[100:], y[100:])

    refitted, _, _, _ = _two_order_part(refit=True)
    assert refitted.info.refit is True
    assert [m.weight for m in refitted.models] == [m.weight for m in part.models]
    deep = np.full((160, 3), 1 / 3, dtype=np.float32)
    fused = refitted.fused_model(uniform)
    assert np.allclose(fused.predict(x, verbose=0), refitted.mix(deep, x), atol=1e-5)
    names = {layer.name for layer in fused.layers}
    assert {"wide_words_scores", "wide_words_bias", "wide_words_weight"} <= names
