"""The architecture registry: a test architecture registered here is picked up by the
config, the bundle summary and name, saving/loading (custom Keras objects) and the
Train form (tests/gui/test_train_page.py); the built-ins keep their networks;
units = 0 resolves to half the embedding width."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from tests.core.test_pipeline import make_corpus
from workbench.core import (
    Architecture,
    ConfigError,
    MemoryPart,
    Predictor,
    TrainConfig,
    architecture_names,
    build_model,
    get_architecture,
    load_bundle,
    read_bundle_info,
    register_architecture,
    run_training,
    unregister_architecture,
)

NAME = "meanemb"


def _custom_objects() -> dict[str, Any]:
    return {"MeanOfEmbeddings": _mean_layer_class()}


_LAYER: list[type] = []


def _mean_layer_class() -> type:
    """A custom Keras layer (so loading needs the architecture's custom objects)."""
    if not _LAYER:
        import keras

        class MeanOfEmbeddings(keras.layers.Layer):
            def call(self, x, mask=None):
                from keras import ops

                if mask is None:
                    return ops.mean(x, axis=1)
                weights = ops.expand_dims(ops.cast(mask, x.dtype), -1)
                total = ops.sum(x * weights, axis=1)
                return total / ops.maximum(ops.sum(weights, axis=1), 1.0)

            def compute_mask(self, inputs, mask=None):
                return None

        _LAYER.append(MeanOfEmbeddings)
    return _LAYER[0]


def _build(config: Any, vocab_size: int, num_classes: int, matrix: np.ndarray | None) -> Any:
    from workbench.core.learning.architectures import embedded_tokens, softmax_model

    tokens, x = embedded_tokens(config, vocab_size, matrix)
    x = _mean_layer_class()(name="mean_of_embeddings")(x)
    return softmax_model(config, tokens, x, num_classes)


def _memory(config: Any, vocab_size: int, num_classes: int, dim: int) -> list[MemoryPart]:
    return [
        MemoryPart(("max_words", "embedding_dim"), vocab_size * dim, config.maxlen * dim),
        MemoryPart(("embedding_dim",), dim * num_classes + num_classes),
    ]


def _describe(config: Mapping[str, Any], dim: int | None) -> list[str]:
    return [f"mean of embeddings {dim}d"]


TEST_ARCHITECTURE = Architecture(
    name=NAME,
    title="Mean of embeddings (test)",
    build=_build,
    describe=_describe,
    tag=lambda config, dim: "meanemb",
    memory=_memory,
    fields=(),
    custom_objects=_custom_objects,
)


@pytest.fixture
def registered():
    register_architecture(TEST_ARCHITECTURE)
    try:
        yield TEST_ARCHITECTURE
    finally:
        unregister_architecture(NAME)


def test_builtins_are_registered_and_unknown_names_refused():
    assert architecture_names()[:2] == ("lstm", "gru")
    assert get_architecture("LSTM").name == "lstm"
    with pytest.raises(ConfigError, match=r"unknown architecture 'cnn' \(registered: 'lstm'"):
        get_architecture("cnn")
    with pytest.raises(ConfigError, match="already registered"):
        register_architecture(get_architecture("lstm"))
    with pytest.raises(ConfigError, match="lower-case"):
        register_architecture(Architecture("Bad Name", "x", _build, _describe, str, _memory))


def test_registered_architecture_is_a_config_choice(registered):
    assert NAME in architecture_names()
    assert TrainConfig(architecture=NAME).architecture == NAME
    assert TrainConfig.settings()["architecture"].choices[-1] == NAME
    assert f"one of: lstm, gru, {NAME}" in TrainConfig().to_toml()
    assert TrainConfig().with_overrides([f"architecture={NAME}"]).architecture == NAME


def test_unregistered_architecture_is_refused():
    message = "architecture must be one of 'lstm', 'gru', got 'meanemb'"
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        TrainConfig(architecture=NAME)


def test_registered_architecture_trains_saves_loads_and_predicts(registered, tmp_path):
    config = TrainConfig(
        architecture=NAME,
        maxlen=20,
        embedding_dim=8,
        max_words=200,
        epochs=1,
        batch_size=8,
        wide_ngrams=0,  # the registered model alone, not fused with the n-gram part
    )
    corpus = make_corpus(per_class=10)
    result = run_training(corpus, config, vectors=None, out_dir=tmp_path)
    assert result.train.status == "completed", result.train.message
    assert result.bundle_path is not None
    assert "-meanemb-" in result.bundle_path.name  # the default name comes from the registry
    layer_names = [layer.name for layer in result.bundle.model.layers]
    assert "mean_of_embeddings" in layer_names

    info = read_bundle_info(result.bundle_path)
    assert info.summary().startswith("mean of embeddings 8d, maxlen 20")
    bundle = load_bundle(result.bundle_path)  # needs the custom layer from the registry
    assert bundle.config.architecture == NAME
    assert type(bundle.model.get_layer("mean_of_embeddings")).__name__ == "MeanOfEmbeddings"
    predictor = Predictor.from_path(result.bundle_path)
    probabilities = predictor.predict_proba(["bank shares profit", "match team goal"])
    assert probabilities.shape == (2, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    expected = result.bundle.model.predict(bundle.tokenizer.encode(["bank shares profit"]))
    np.testing.assert_allclose(predictor.predict_proba(["bank shares profit"]), expected, rtol=1e-5)


def test_default_config_builds_the_same_network():
    """The recurrent builder moved into the registry: same layers, same weights."""
    config = TrainConfig(maxlen=12, units=6)
    model = build_model(config, vocab_size=30, num_classes=3)
    assert [layer.name for layer in model.layers] == [
        "tokens",
        "embedding",
        "embedding_dropout",
        "bilstm_1",
        "dropout",
        "classes",
    ]
    again = build_model(config, vocab_size=30, num_classes=3)
    for first, second in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(("dim", "units"), [(50, 25), (300, 150)])
def test_units_zero_is_half_the_embedding_width(dim, units):
    config = TrainConfig(units=0, maxlen=10, bidirectional=False, pooling="last", embedding_dim=dim)
    model = build_model(config, vocab_size=20, num_classes=2)
    assert model.get_layer("lstm_1").units == units
    matrix = np.random.default_rng(0).normal(size=(20, 50)).astype("float32")
    from_vectors = build_model(config, vocab_size=20, num_classes=2, embedding_matrix=matrix)
    assert from_vectors.get_layer("lstm_1").units == 25  # the vectors' width decides


def test_summary_and_tag_of_old_and_half_width_configs():
    from workbench.core.learning.architectures import describe_model, model_tag

    old = {"rnn": "gru", "units": 32, "bidirectional": True, "pooling": "mean", "layers": 2}
    assert describe_model(old, 50) == ["BiGRU 32 x2", "mean-pool"]
    seed = {"architecture": "lstm", "units": 0, "bidirectional": False, "pooling": "last"}
    assert describe_model(seed, 300) == ["LSTM 150", "last-pool"]
    assert describe_model(seed, None) == ["LSTM half the embedding width", "last-pool"]
    assert model_tag(seed, 50) == "lstm25"
    assert describe_model({"architecture": "nonesuch"}) == ["nonesuch"]


def test_old_bundle_config_with_rnn_still_loads():
    config = TrainConfig.from_dict({"rnn": "gru", "units": 8}, source="bundle.json")
    assert config.architecture == "gru"
    assert TrainConfig().with_overrides(["rnn=gru"]).architecture == "gru"
    assert TrainConfig.from_toml('rnn = "gru"\n').architecture == "gru"
