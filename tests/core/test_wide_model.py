"""The wide-and-deep model: bag-of-n-grams branch beside the recurrent one; rnn_maxlen."""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.test_pipeline import CONFIG, make_corpus
from workbench.core import (
    ConfigError,
    Predictor,
    TrainConfig,
    build_model,
    load_bundle,
    run_training,
)


def test_wide_fields_are_checked():
    with pytest.raises(ConfigError, match="wide_ngrams must be 0, 1 or 2, got 3"):
        TrainConfig(wide_ngrams=3)
    with pytest.raises(ConfigError, match="wide_buckets must be >= 1, got 0"):
        TrainConfig(wide_buckets=0)
    with pytest.raises(ConfigError, match="rnn_maxlen must be >= 0, got -1"):
        TrainConfig().with_overrides(["rnn_maxlen=-1"])
    assert "wide_ngrams" in TrainConfig.field_help()
    assert "wide_ngrams = 2" in TrainConfig(wide_ngrams=2).to_toml()


@pytest.mark.parametrize("ngrams", [1, 2])
def test_wide_branch_builds_with_named_layers(ngrams):
    config = CONFIG.with_overrides([f"wide_ngrams={ngrams}", "wide_buckets=64", "rnn_maxlen=8"])
    model = build_model(config, vocab_size=50, num_classes=3)
    names = {layer.name for layer in model.layers}
    assert "wide_unigrams" in names
    assert ("wide_bigrams" in names) == (ngrams == 2)
    ids = np.zeros((2, config.maxlen), dtype=np.int32)
    ids[0, :12] = np.arange(2, 14)
    probs = np.asarray(model.predict(ids, verbose=0))
    assert probs.shape == (2, 3)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_wide_branch_sees_tokens_the_recurrent_layers_do_not():
    # the recurrent branch reads 4 tokens; the bag of words all 20: a word placed at
    # position 10 must change the prediction once its wide weights are set
    config = CONFIG.with_overrides(["wide_ngrams=1", "rnn_maxlen=4"])
    model = build_model(config, vocab_size=10, num_classes=3)
    layer = model.get_layer("wide_unigrams")
    weights = np.zeros((10, 3), dtype=np.float32)
    weights[7] = [0.0, 0.0, 5.0]
    layer.set_weights([weights])
    plain = np.zeros((1, config.maxlen), dtype=np.int32)
    plain[0, :11] = 2
    marked = plain.copy()
    marked[0, 10] = 7
    p_plain = np.asarray(model.predict(plain, verbose=0))[0]
    p_marked = np.asarray(model.predict(marked, verbose=0))[0]
    assert p_marked[2] > p_plain[2] + 0.1


def test_wide_and_deep_bundle_saves_loads_and_predicts_the_same(tmp_path):
    config = CONFIG.with_overrides(["wide_ngrams=2", "wide_buckets=128", "rnn_maxlen=10"])
    corpus = make_corpus()
    result = run_training(corpus, config, vectors=None, out_dir=tmp_path, name="wide")
    assert result.train.status == "completed"
    texts = list(corpus.texts[:5])
    before = Predictor(result.bundle).predict_proba(texts)
    loaded = load_bundle(result.bundle_path)
    assert loaded.config.wide_ngrams == 2
    after = Predictor(loaded).predict_proba(texts)
    assert np.allclose(before, after, atol=1e-5)
