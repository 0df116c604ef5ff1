"""Build the Keras text classifier described by a :class:`TrainConfig`.

Layout: token ids -> Embedding (``mask_zero``) -> Dropout -> ``layers`` stacked
(Bi)LSTM/GRU -> pooling over time -> Dropout -> Dense softmax.

Padding: index 0 is padding and is masked. The recurrent layers skip masked steps
(so the ``"last"`` state is the state after the last real token, for "pre" and "post"
padding alike), and the ``"max"``/``"mean"`` pooling ignore padded steps: they are
computed with ``keras.ops`` on the mask derived from the token ids, so the model uses
built-in operations only and ``keras.models.load_model`` reads it back without custom
objects. A document with no tokens at all pools to a zero vector.

Keras is imported inside :func:`build_model` only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.core.errors import ConfigError
from workbench.core.learning.config.schema import TrainConfig

_NEG_LARGE = -1e9


def build_model(
    config: TrainConfig,
    *,
    vocab_size: int,
    num_classes: int,
    embedding_matrix: np.ndarray | None = None,
) -> Any:
    """Return a compiled ``keras.Model``: int token ids ``[n, maxlen]`` -> class probabilities.

    ``embedding_matrix`` (``[vocab_size, dim]``) initialises the embedding and sets its
    width (else ``config.embedding_dim``); ``config.trainable_embedding`` decides whether it
    is fine-tuned. Seeds Keras with ``config.seed`` first.

    Raises :class:`ConfigError` for a bad ``vocab_size``, ``num_classes`` or matrix.
    """
    if not isinstance(config, TrainConfig):
        raise ConfigError(f"config must be a TrainConfig, got {type(config).__name__}")
    _check_count("vocab_size", vocab_size, 2)
    _check_count("num_classes", num_classes, 2)
    matrix = _check_matrix(embedding_matrix, vocab_size)
    dim = matrix.shape[1] if matrix is not None else config.embedding_dim

    import keras
    from keras import layers, ops

    keras.utils.set_random_seed(config.seed)

    tokens = keras.Input(shape=(config.maxlen,), dtype="int32", name="tokens")
    embedding = layers.Embedding(
        vocab_size,
        dim,
        mask_zero=True,
        trainable=config.trainable_embedding,
        name="embedding",
    )
    sequence = _rnn_input(tokens, config)
    x = embedding(sequence)
    if matrix is not None:
        embedding.set_weights([matrix])
    if config.dropout > 0:
        x = layers.Dropout(config.dropout, name="embedding_dropout")(x)

    rnn_class = layers.LSTM if config.rnn == "lstm" else layers.GRU
    pooled_over_time = config.pooling in ("max", "mean")
    for index in range(config.layers):
        is_last = index == config.layers - 1
        return_sequences = pooled_over_time or not is_last
        name = f"{'bi' if config.bidirectional else ''}{config.rnn}_{index + 1}"
        if config.bidirectional:
            inner = rnn_class(config.units, return_sequences=return_sequences)
            x = layers.Bidirectional(inner, merge_mode="concat", name=name)(x)
        else:
            x = rnn_class(config.units, return_sequences=return_sequences, name=name)(x)

    if pooled_over_time:
        valid = ops.expand_dims(ops.not_equal(sequence, 0), axis=-1)  # [n, maxlen, 1]
        if config.pooling == "max":
            x = ops.max(ops.where(valid, x, _NEG_LARGE), axis=1)
        else:
            x = ops.sum(ops.where(valid, x, 0.0), axis=1)
            count = ops.sum(ops.cast(valid, x.dtype), axis=1)
            x = x / ops.maximum(count, 1.0)
        any_token = ops.any(valid, axis=1)  # [n, 1]
        x = ops.where(any_token, x, 0.0)

    if config.dropout > 0:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="classes")(x)
    model = keras.Model(tokens, outputs, name="workbench_classifier")
    model.compile(
        optimizer=_optimizer(keras, config),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _rnn_input(tokens: Any, config: TrainConfig) -> Any:
    """The token ids the recurrent branch reads: the first ``rnn_maxlen`` (0 = all)."""
    if config.rnn_maxlen and config.rnn_maxlen < config.maxlen:
        return tokens[:, : config.rnn_maxlen]
    return tokens


def _optimizer(keras: Any, config: TrainConfig) -> Any:
    classes = {
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "adagrad": keras.optimizers.Adagrad,
        "rmsprop": keras.optimizers.RMSprop,
    }
    return classes[config.optimizer](learning_rate=config.learning_rate)


def _check_count(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")


def _check_matrix(matrix: Any, vocab_size: int) -> np.ndarray | None:
    if matrix is None:
        return None
    try:
        array = np.asarray(matrix, dtype=np.float32)
    except (TypeError, ValueError):
        raise ConfigError("embedding_matrix must be a 2-D array of numbers") from None
    if array.ndim != 2 or array.shape[1] < 1:
        raise ConfigError(
            f"embedding_matrix must be 2-D [vocab_size, dim], got shape {array.shape}"
        )
    if array.shape[0] != vocab_size:
        raise ConfigError(
            f"embedding_matrix has {array.shape[0]} rows, expected vocab_size={vocab_size}"
        )
    if not np.isfinite(array).all():
        raise ConfigError("embedding_matrix contains NaN or infinite values")
    return array
