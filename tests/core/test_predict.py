"""Predictor: probabilities for one or many texts, notes on odd inputs, batching."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core import Bundle, WorkbenchError, build_info_dict, info_from_dict
from workbench.core.bundles.predict import BATCH_SIZE, ModelRunner, Prediction, Predictor

CLASSES = ["business", "sport", "tech"]
MAXLEN = 20
TRAIN_TEXTS = [
    "shares in the bank rose after profits",
    "the team won the cup final match",
    "the new phone has a faster chip",
]


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    """An in-memory bundle over a small untrained model (weights seeded)."""
    from workbench.core import Tokenizer, TrainConfig, build_model

    config = TrainConfig(units=4, maxlen=MAXLEN, embedding_dim=8, max_words=100, seed=1)
    tokenizer = Tokenizer(max_words=100, maxlen=MAXLEN).fit(TRAIN_TEXTS)
    model = build_model(config, vocab_size=tokenizer.vocab_size, num_classes=len(CLASSES))
    data = build_info_dict(
        name="tiny", class_names=CLASSES, config=config, history={}, metrics=None, provenance={}
    )
    return Bundle(info_from_dict(data, None), model, tokenizer, config, {}, {})


@pytest.fixture(scope="module")
def predictor(bundle) -> Predictor:
    return Predictor(bundle)


def reference(bundle: Bundle, texts: list[str]) -> np.ndarray:
    """What Keras' own ``predict`` gives for ``texts``."""
    ids = bundle.tokenizer.encode(texts, maxlen=MAXLEN)
    return np.asarray(bundle.model.predict(ids, verbose=0, batch_size=64))


def test_probabilities_match_keras_predict(bundle, predictor):
    probs = predictor.predict_proba(TRAIN_TEXTS)
    assert probs.shape == (3, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probs, reference(bundle, TRAIN_TEXTS), rtol=1e-4, atol=1e-6)


def test_warm_up_compiles_the_single_text_path(bundle):
    fresh = Predictor(bundle)
    fresh._runner = ModelRunner(bundle.model, MAXLEN)  # not the shared, already-used one
    assert fresh._runner._xla.experimental_get_tracing_count() == 0
    fresh.warm_up()
    assert fresh._runner._xla.experimental_get_tracing_count() == 1
    fresh.classify("the team won the cup")
    assert fresh._runner._xla.experimental_get_tracing_count() == 1  # reused, not retraced


def test_one_string_gives_one_row_and_empty_list_none(predictor):
    assert predictor.predict_proba("the team won").shape == (1, 3)
    assert predictor.predict_proba([]).shape == (0, 3)
    assert predictor.classify([]) == []


def test_large_batches_match_small_ones(bundle, predictor):
    rng = np.random.default_rng(0)
    words = [*" ".join(TRAIN_TEXTS).split(), "unseen", "words"]
    texts = [" ".join(rng.choice(words, size=rng.integers(1, 30))) for _ in range(BATCH_SIZE + 45)]
    many = predictor.predict_proba(texts)
    assert many.shape == (len(texts), 3)
    np.testing.assert_allclose(many, reference(bundle, texts), rtol=1e-4, atol=1e-6)
    singles = np.concatenate([predictor.predict_proba(t) for t in texts[:5]])
    np.testing.assert_allclose(singles, many[:5], rtol=1e-4, atol=1e-6)


def test_classify_fields_agree_with_probabilities(predictor):
    texts = ["the bank rose", "the cup final"]
    predictions = predictor.classify(texts)
    probs = predictor.predict_proba(texts)
    assert all(isinstance(p, Prediction) for p in predictions)
    for prediction, row in zip(predictions, probs, strict=True):
        assert prediction.label == CLASSES[int(np.argmax(row))]
        assert prediction.confidence == pytest.approx(float(row.max()))
        assert list(prediction.probabilities) == CLASSES
        assert prediction.probabilities[prediction.label] == pytest.approx(prediction.confidence)
        assert prediction.known_tokens == prediction.total_tokens == 3
        assert prediction.note == ""
    assert predictions[0].to_dict()["label"] == predictions[0].label


def test_empty_text_is_answered_with_a_note(predictor):
    for text in ("", "   \n\t "):
        (prediction,) = predictor.classify(text)
        assert prediction.note == "empty text"
        assert prediction.total_tokens == 0
        assert sum(prediction.probabilities.values()) == pytest.approx(1.0, rel=1e-5)


def test_text_without_known_words_is_answered_with_a_note(predictor):
    (prediction,) = predictor.classify("zyzzyva quokka xylophone")
    assert prediction.note == "no known words"
    assert (prediction.known_tokens, prediction.total_tokens) == (0, 3)
    assert prediction.label in CLASSES


def test_few_known_words_are_noted(predictor):
    (prediction,) = predictor.classify("bank zyzzyva quokka xylophone aardvark marmot")
    assert (prediction.known_tokens, prediction.total_tokens) == (1, 6)
    assert prediction.note == "few known words (1 of 6)"


def test_very_long_text_is_truncated_to_maxlen(bundle, predictor):
    text = ("shares in the bank rose " * 20000)[:100_000]
    (prediction,) = predictor.classify(text)
    assert prediction.total_tokens > 19_000
    assert prediction.note == f"truncated to the first {MAXLEN} of {prediction.total_tokens} tokens"
    first = " ".join(text.split()[:MAXLEN])
    np.testing.assert_allclose(
        predictor.predict_proba(text), predictor.predict_proba(first), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("text", ["机器学习改变了新闻分类", "التعلم الآلي يغير تصنيف الأخبار"])
def test_non_latin_text_is_answered_with_a_note(predictor, text):
    (prediction,) = predictor.classify(text)
    assert prediction.total_tokens >= 1
    assert prediction.known_tokens == 0
    assert prediction.note == "no known words"
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize(("texts", "message"), [(None, "got None"), (["ok", 3], "text 1 is not")])
def test_non_text_input_is_refused(predictor, texts, message):
    with pytest.raises(WorkbenchError, match=message):
        predictor.classify(texts)


def test_runner_falls_back_to_the_plain_graph_when_xla_fails(bundle):
    runner = ModelRunner(bundle.model, MAXLEN)
    ids = bundle.tokenizer.encode(TRAIN_TEXTS[:2], maxlen=MAXLEN)
    expected = runner(ids)

    def broken(_):
        raise RuntimeError("XLA not available")

    runner._xla = broken
    again = runner(ids)
    assert runner._xla_ok is False
    np.testing.assert_allclose(again, expected, rtol=1e-5, atol=1e-7)


def test_runner_rejects_ids_of_the_wrong_width(bundle):
    runner = ModelRunner(bundle.model, MAXLEN)
    with pytest.raises(WorkbenchError, match=r"shape \[n, 20\], got \(2, 7\)"):
        runner(np.zeros((2, 7), dtype=np.int32))


def test_large_call_with_a_short_last_chunk_uses_only_the_plain_graph(bundle):
    runner = ModelRunner(bundle.model, MAXLEN)
    ids = np.tile(bundle.tokenizer.encode(TRAIN_TEXTS[:2], maxlen=MAXLEN), (21, 1))  # 42 rows
    calls = []

    def xla(x):
        calls.append(len(x))
        raise AssertionError("XLA used for a bulk call")

    runner._xla = xla
    out = runner(ids, batch_size=40)  # chunks of 40 and 2 rows
    assert calls == []
    assert runner._xla_ok is True
    assert out.shape == (42, len(bundle.info.class_names))


@pytest.mark.parametrize(("rows", "expected"), [(1, 1), (5, 5), (32, 32), (444, 33)])
def test_warm_up_runs_the_smallest_batch_on_the_same_path(bundle, rows, expected):
    runner = ModelRunner(bundle.model, MAXLEN)
    seen = []
    real = runner._batch

    def spy(ids, **kwargs):
        seen.append(len(ids))
        return real(ids, **kwargs)

    runner._batch = spy
    runner.warm_up(rows)
    assert seen == [expected]
