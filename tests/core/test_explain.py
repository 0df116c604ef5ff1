"""Explainer: occlusion and integrated gradients on a bundle, spans, unread and unknown
tokens, class choice, aggregation over many texts, bad arguments."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from workbench.core import (
    Bundle,
    Cancelled,
    ConfigError,
    Explainer,
    Predictor,
    build_info_dict,
    class_words,
    info_from_dict,
    top_words_text,
)
from workbench.core.explain.engines import bucket_sizes, log_odds

CLASSES = ["business", "sport", "tech"]
MAXLEN = 12
TRAIN_TEXTS = [
    "shares in the bank rose after profits",
    "the team won the cup final match",
    "the new phone has a faster chip",
]


def make_bundle(**overrides) -> Bundle:
    """An in-memory bundle over a small untrained model (weights seeded)."""
    from workbench.core import Tokenizer, TrainConfig, build_model

    settings = {"units": 4, "maxlen": MAXLEN, "embedding_dim": 8, "max_words": 100, "seed": 3}
    settings.update(overrides)
    config = TrainConfig(**settings)
    tokenizer = Tokenizer(
        max_words=100, maxlen=config.maxlen, padding=config.padding, truncating=config.truncating
    ).fit(TRAIN_TEXTS)
    model = build_model(config, vocab_size=tokenizer.vocab_size, num_classes=len(CLASSES))
    data = build_info_dict(
        name="tiny", class_names=CLASSES, config=config, history={}, metrics=None, provenance={}
    )
    return Bundle(info_from_dict(data, None), model, tokenizer, config, {}, {})


@pytest.fixture(scope="module")
def explainer() -> Explainer:
    return Explainer(Predictor(make_bundle()))


def score(predictor: Predictor, text: str, class_index: int) -> float:
    return float(log_odds(predictor.predict_proba([text]), class_index)[0])


def test_occlusion_weight_is_the_change_when_the_word_is_deleted(explainer):
    text = "Shares in the BANK rose, after profits"
    e = explainer.explain(text)
    c = CLASSES.index(e.class_name)
    assert e.class_name == e.label  # default: the predicted class
    full = score(explainer.predictor, text, c)
    for token in e.tokens:
        without = text[: token.start] + " " + text[token.end :]
        expected = full - score(explainer.predictor, without, c)
        assert token.weight == pytest.approx(expected, abs=2e-4), token


def test_probabilities_are_those_of_plain_classification(explainer):
    text = "the team won the cup"
    e = explainer.explain(text, method="ig")
    plain = explainer.predictor.classify(text)[0]
    assert e.label == plain.label
    for name in CLASSES:
        assert e.probabilities[name] == pytest.approx(plain.probabilities[name], abs=1e-5)


def test_integrated_gradients_gap_shrinks_with_more_steps():
    ex = Explainer(Predictor(make_bundle(pooling="mean", seed=5)))
    text = "shares in the bank rose after the cup final"
    coarse = ex.explain(text, method="ig", steps=1)
    fine = ex.explain(text, method="ig", steps=256)
    assert fine.steps == 256
    assert fine.target_delta == pytest.approx(coarse.target_delta, abs=1e-5)
    total = sum(t.weight for t in fine.tokens)
    assert total - fine.target_delta == pytest.approx(fine.completeness_gap, abs=1e-6)
    assert abs(fine.completeness_gap) < abs(coarse.completeness_gap)
    assert abs(fine.completeness_gap) <= 0.02 * abs(fine.target_delta) + 1e-4


def test_weights_for_another_class(explainer):
    text = "the new phone has a faster chip"
    predicted = explainer.explain(text)
    other = next(c for c in CLASSES if c != predicted.label)
    e = explainer.explain(text, class_name=other)
    assert e.class_name == other
    assert e.label == predicted.label
    c = CLASSES.index(other)
    word = e.tokens[2]
    without = text[: word.start] + text[word.end :]
    full = score(explainer.predictor, text, c)
    assert word.weight == pytest.approx(full - score(explainer.predictor, without, c), abs=2e-4)


def test_unknown_class_and_method_and_steps_are_config_errors(explainer):
    with pytest.raises(ConfigError, match="unknown class 'politics'"):
        explainer.explain("x", class_name="politics")
    with pytest.raises(ConfigError, match="method must be one of occlusion, ig"):
        explainer.explain("x", method="lime")
    with pytest.raises(ConfigError, match="steps must be between 1 and"):
        explainer.explain("x", method="ig", steps=0)
    with pytest.raises(ConfigError, match="steps must be an integer"):
        explainer.explain("x", method="ig", steps=2.5)


@pytest.mark.parametrize("method", ["occlusion", "ig"])
def test_unknown_words_are_marked_and_still_weighed(explainer, method):
    e = explainer.explain("the zyzzyva rose", method=method)
    assert [t.known for t in e.tokens] == [True, False, True]
    assert all(t.read for t in e.tokens)


@pytest.mark.parametrize("method", ["occlusion", "ig"])
@pytest.mark.parametrize(("padding", "truncating"), [("post", "post"), ("pre", "pre")])
def test_tokens_past_maxlen_are_not_read(method, padding, truncating):
    ex = Explainer(Predictor(make_bundle(padding=padding, truncating=truncating)))
    words = [f"w{i}" for i in range(MAXLEN + 5)]
    text = " ".join(words)
    e = ex.explain(text, method=method)
    read = [t.read for t in e.tokens]
    if truncating == "post":
        assert read == [True] * MAXLEN + [False] * 5
    else:
        assert read == [False] * 5 + [True] * MAXLEN
    assert all(t.weight == 0.0 for t in e.tokens if not t.read)
    assert any("5 tokens past maxlen=12 were not read" in n for n in e.notes)
    assert [t.text for t in e.tokens] == words


def test_reading_matches_the_predictor_encoding():
    for padding, truncating in [("post", "post"), ("pre", "post"), ("post", "pre"), ("pre", "pre")]:
        ex = Explainer(Predictor(make_bundle(padding=padding, truncating=truncating)))
        for text in ["the bank rose", " ".join(["shares"] * 3 + ["cup"] * 14), ""]:
            assert (ex._read(text).ids == ex.predictor.encode(text)[0]).all()


@pytest.mark.parametrize("method", ["occlusion", "ig"])
def test_empty_text_has_no_tokens_and_a_note(explainer, method):
    e = explainer.explain("", method=method)
    assert e.tokens == []
    assert e.notes == ["empty text"]
    assert sum(e.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    e = explainer.explain("   ", method=method)
    assert e.tokens == []
    assert e.top_words() == []


def test_to_dict_is_json_with_offsets_into_the_text(explainer):
    text = "Don't 😀 the Bank"
    data = json.loads(json.dumps(explainer.explain(text, method="ig", steps=4).to_dict()))
    assert data["method"] == "ig"
    assert data["class"] in CLASSES
    assert data["steps"] == 4
    assert "completeness_gap" in data
    pieces = [text[t["start"] : t["end"]] for t in data["tokens"]]
    assert pieces == [t["text"] for t in data["tokens"]] == ["Do", "n't", "😀", "the", "Bank"]


def test_top_for_against_and_top_words(explainer):
    e = explainer.explain("shares in the bank rose after the cup final match")
    top = e.top_for(3)
    assert all(t.weight > 0 for t in top)
    assert [t.weight for t in top] == sorted((t.weight for t in top), reverse=True)
    against = e.top_against(3)
    assert all(t.weight < 0 for t in against)
    words = e.top_words(3)
    assert len(words) == len(set(words)) <= 3
    assert top_words_text(e, 3) == "; ".join(words)


def test_explain_many_reports_progress_and_cancels(explainer):
    seen = []
    out = explainer.explain_many(
        ["the bank", "the cup"], class_names=["sport", None], progress=lambda f, m: seen.append(f)
    )
    assert out[0].class_name == "sport"
    assert seen[-1] == 1.0
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        explainer.explain_many(["the bank"], cancel=stop)
    with pytest.raises(ConfigError, match="1 class names given for 2 texts"):
        explainer.explain_many(["a", "b"], class_names=["sport"])


def test_class_words_count_documents_per_predicted_class(explainer):
    texts = ["shares in the bank rose", "the bank rose", "the team won the cup"]
    predicted = [explainer.explain(t).label for t in texts]
    words = class_words(explainer, texts, per_document=2, per_class=5)
    assert set(words) == set(CLASSES)
    for name, items in words.items():
        assert len(items) <= 5
        for item in items:
            assert 1 <= item.documents <= predicted.count(name)
            assert item.mean_weight > 0
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        class_words(explainer, texts, cancel=stop)


def test_class_words_leave_punctuation_out(explainer):
    texts = ["shares , in the bank . rose !", "the team , won ; the cup ."]
    words = class_words(explainer, texts, per_document=20, per_class=50)
    listed = {item.word for items in words.values() for item in items}
    assert listed
    assert not listed & {",", ".", "!", ";"}


def test_bucket_sizes_cover_the_rows_with_little_padding():
    for rows in [1, 7, 8, 9, 33, 129, 401, 1000]:
        sizes = bucket_sizes(rows)
        assert sum(sizes) >= rows
        assert sum(sizes) - rows < 8


def test_a_trained_model_points_at_the_class_words(tmp_path):
    from tests.gui.tiny_model import WORDS, train_tiny

    _, result = train_tiny(tmp_path, epochs=6, units=8, wide_ngrams=0)
    ex = Explainer(Predictor.from_path(result.bundle_path))
    text = "the bread and the cheese of the soup in a salad"
    for method in ("occlusion", "ig"):
        e = ex.explain(text, method=method)
        assert e.label == "food"
        assert e.top_for(1)[0].token in WORDS["food"]


@pytest.mark.parametrize(("ngrams", "rnn_maxlen"), [(2, 0), (2, 5), (1, 5)])
def test_integrated_gradients_explain_a_fused_wide_and_deep_model_completely(
    tmp_path, ngrams, rnn_maxlen
):
    """Words and bigrams, or words only (the recommended recipe); also when the
    recurrent part reads only the first ``rnn_maxlen`` tokens."""
    from tests.gui.tiny_model import WORDS, train_tiny

    _, result = train_tiny(tmp_path, epochs=6, units=8, wide_ngrams=ngrams, rnn_maxlen=rnn_maxlen)
    assert result.provenance["wide"]["weight"] > 0  # the n-gram part takes part
    ex = Explainer(Predictor.from_path(result.bundle_path))
    text = "the bread and the cheese of the soup in a salad"
    e = ex.explain(text, method="ig", steps=64)
    assert e.label == "food"
    assert e.top_for(1)[0].token in WORDS["food"]
    # completeness over the whole model: recurrent and n-gram parts together
    assert abs(e.completeness_gap) <= 0.05 * max(1.0, abs(e.target_delta))
    # the rebuilt graph gives the saved model's own probabilities
    plain = ex.explain(text, method="occlusion").probabilities
    assert e.probabilities == pytest.approx(plain, abs=1e-4)
    if rnn_maxlen:  # words past what the recurrent part reads: the n-gram part's weight
        assert any(t.weight != 0 for t in e.tokens[rnn_maxlen:])


def test_integrated_gradients_of_a_recurrent_model_reading_part_of_maxlen(tmp_path):
    from tests.gui.tiny_model import train_tiny

    _, result = train_tiny(tmp_path, epochs=2, units=4, wide_ngrams=0, rnn_maxlen=5)
    ex = Explainer(Predictor.from_path(result.bundle_path))
    e = ex.explain("the bread and the cheese of the soup in a salad", method="ig", steps=32)
    assert all(t.weight == 0 for t in e.tokens[5:])  # never read by the model
    assert any(t.weight != 0 for t in e.tokens[:5])
    assert abs(e.completeness_gap) <= 0.05 * max(1.0, abs(e.target_delta))


def test_integrated_gradients_refuse_a_fused_model_without_its_mixing_weight(tmp_path):
    import keras

    from tests.gui.tiny_model import train_tiny
    from workbench.core import WorkbenchError
    from workbench.core.explain.engines import integrated_gradients

    _, result = train_tiny(tmp_path, epochs=1, units=4, wide_ngrams=2)
    fused = Predictor.from_path(result.bundle_path).bundle.model
    deep = next(x for x in fused.layers if isinstance(x, keras.Model))
    tokens = keras.Input(shape=(deep.input_shape[1],), dtype="int32")
    older = keras.Model(tokens, deep(tokens), name="workbench_wide_and_deep")  # no wide layers
    with pytest.raises(WorkbenchError, match=r"saved before.*\(occlusion\)"):
        integrated_gradients(older, np.array([2, 3, 0, 0]), 0)


def test_occlusion_past_the_recurrent_part_scores_the_ngram_part_alone_exactly(tmp_path):
    """Occlusion of a fused model runs the recurrent part only on the variants it can tell
    apart and scores the n-gram part in numpy; the weights equal those of running the
    whole model on every variant."""
    from tests.gui.tiny_model import train_tiny
    from workbench.core.bundles.predict import runner_for
    from workbench.core.explain import engines

    _, result = train_tiny(tmp_path, epochs=3, units=4, wide_ngrams=2, rnn_maxlen=5)
    predictor = Predictor.from_path(result.bundle_path)
    model = predictor.bundle.model
    # repeated words past the fifth token: their counts decide the n-gram part's score
    text = "the bread and the cheese goal goal goal match match striker bread bread laptop laptop"
    ids = predictor.bundle.tokenizer.encode([text])[0]
    parts = engines._fused_parts_for(model, len(ids))
    assert parts is not None
    assert parts.reach == 5
    weights, probabilities = engines.occlusion(model, ids)
    positions = np.flatnonzero(ids)
    assert len(positions[positions >= 5]) >= 8  # most variants take the numpy path
    batch = np.repeat(ids[None, :], len(positions) + 1, axis=0)
    batch[np.arange(1, len(positions) + 1), positions] = 0
    full = runner_for(model, len(ids))(batch)
    index = int(np.argmax(full[0]))
    expected = np.zeros(len(ids))
    expected[positions] = log_odds(full, index)[0] - log_odds(full, index)[1:]
    assert np.allclose(probabilities, full[0], atol=1e-5)
    assert np.allclose(weights, expected, atol=2e-4)


def test_both_explanations_of_a_fused_model_with_a_words_alone_part():
    """A fused model whose bag-of-n-grams part averages a words-and-bigrams model with a
    words-alone one: integrated gradients are complete over the whole model and give
    its probabilities, and occlusion's weights equal those of running the saved model on
    every variant."""
    from tests.core.test_wide_model import _two_order_part
    from workbench.core import TrainConfig, build_model
    from workbench.core.bundles.predict import runner_for
    from workbench.core.explain import engines

    part, _, x, _ = _two_order_part(refit=True)
    assert len(part.models) == 2
    config = TrainConfig(maxlen=10, units=4, embedding_dim=8, rnn_maxlen=6, seed=3)
    model = part.fused_model(build_model(config, vocab_size=40, num_classes=3))
    ids = x[7].copy()
    ids[2] = ids[5]  # a repeated word: its count matters to both linear models
    weights, probabilities, f_text, f_base = engines.integrated_gradients(model, ids, 1, 128)
    expected = runner_for(model, len(ids))(ids[None])[0]
    assert np.allclose(probabilities, expected, atol=1e-5)
    gap = float(weights.sum()) - (f_text - f_base)
    assert abs(gap) <= 0.02 * max(1.0, abs(f_text - f_base))

    occluded, probabilities = engines.occlusion(model, ids, 1)
    positions = np.flatnonzero(ids)
    batch = np.repeat(ids[None, :], len(positions) + 1, axis=0)
    batch[np.arange(1, len(positions) + 1), positions] = 0
    full = runner_for(model, len(ids))(batch)
    expected = np.zeros(len(ids))
    expected[positions] = log_odds(full, 1)[0] - log_odds(full, 1)[1:]
    assert np.allclose(probabilities, full[0], atol=1e-5)
    assert np.allclose(occluded, expected, atol=2e-4)
