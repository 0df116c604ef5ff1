"""Building blocks shared by architectures: token input + embedding, masked pooling, head.

Padding: index 0 is padding. The embedding masks it (``mask_zero``), and
:func:`masked_pool` computes ``"max"``/``"mean"`` over the real tokens only with
``keras.ops`` on the mask derived from the token ids, so models use built-in
operations only and load back without custom objects. A document with no tokens at
all pools to a zero vector.

Keras is imported inside the functions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from workbench.core.learning.config.schema import TrainConfig

_NEG_LARGE = -1e9


def embedding_width(config: TrainConfig, matrix: np.ndarray | None) -> int:
    """The embedding width: the vectors' when a matrix is given, else ``embedding_dim``."""
    return int(matrix.shape[1]) if matrix is not None else int(config.embedding_dim)


def embedded_tokens(
    config: TrainConfig, vocab_size: int, matrix: np.ndarray | None
) -> tuple[Any, Any]:
    """``(tokens input, embedded and dropped-out sequence)`` for a model's start.

    The embedding is initialised from ``matrix`` when given and fine-tuned when
    ``config.trainable_embedding``; dropout follows when ``config.dropout`` > 0. The
    sequence holds the first ``config.rnn_maxlen`` tokens (all when 0); the rest is
    read by the bag-of-n-grams part only (:mod:`workbench.core.learning.wide`).
    """
    import keras
    from keras import layers

    tokens = keras.Input(shape=(config.maxlen,), dtype="int32", name="tokens")
    embedding = layers.Embedding(
        vocab_size,
        embedding_width(config, matrix),
        mask_zero=True,
        trainable=config.trainable_embedding,
        name="embedding",
    )
    read = getattr(config, "rnn_maxlen", 0)
    x = embedding(tokens[:, :read] if read and read < config.maxlen else tokens)
    if matrix is not None:
        embedding.set_weights([matrix])
    if config.dropout > 0:
        x = layers.Dropout(config.dropout, name="embedding_dropout")(x)
    return tokens, x


def masked_pool(tokens: Any, x: Any, how: str) -> Any:
    """``"max"`` or ``"mean"`` of sequence ``x`` ``[n, maxlen, d]`` over the non-padding steps."""
    from keras import ops

    steps = x.shape[1]
    if steps is not None and steps < tokens.shape[1]:  # the sequence read only the start
        tokens = tokens[:, :steps]
    valid = ops.expand_dims(ops.not_equal(tokens, 0), axis=-1)  # [n, steps, 1]
    if how == "max":
        x = ops.max(ops.where(valid, x, _NEG_LARGE), axis=1)
    else:
        x = ops.sum(ops.where(valid, x, 0.0), axis=1)
        count = ops.sum(ops.cast(valid, x.dtype), axis=1)
        x = x / ops.maximum(count, 1.0)
    any_token = ops.any(valid, axis=1)  # [n, 1]
    return ops.where(any_token, x, 0.0)


def softmax_model(config: TrainConfig, tokens: Any, x: Any, num_classes: int) -> Any:
    """Dropout (when ``config.dropout`` > 0) and a Dense softmax on document vector ``x``."""
    import keras
    from keras import layers

    if config.dropout > 0:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    # under mixed precision the probabilities stay float32 (a float16 softmax loses them)
    dtype = "float32" if getattr(config, "mixed_precision", False) else None
    outputs = layers.Dense(num_classes, activation="softmax", name="classes", dtype=dtype)(x)
    return keras.Model(tokens, outputs, name="workbench_classifier")
