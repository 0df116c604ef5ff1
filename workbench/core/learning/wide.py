"""The "wide" branch of a wide-and-deep classifier: a linear model over a bag of n-grams.

Beside the recurrent ("deep") branch, :func:`wide_logits` adds per-class scores that are
a linear function of the document's bag of words (and, with ``wide_ngrams=2``, of its
word bigrams, hashed into ``wide_buckets`` buckets). Each token (and bigram) of the
``maxlen`` input ids contributes its own learned row of class scores; the sum is divided
by the square root of the number of terms, the L2 norm of a binary bag, so long and
short documents score on one scale. Padding (id 0) contributes nothing.

Built from Keras layers and ``keras.ops`` only, so a saved model loads without custom
objects. Keras is imported inside the function.
"""

from __future__ import annotations

from typing import Any

from workbench.core.learning.config.schema import TrainConfig

_HASH_MULTIPLIER = 7919  # a prime; (left * 7919 + right) mod buckets hashes a bigram


def bigram_buckets(left: Any, right: Any, buckets: int, ops: Any) -> Any:
    """Bucket ids in ``[0, buckets)`` of the bigrams ``(left, right)`` (int tensors)."""
    return ops.mod(left * _HASH_MULTIPLIER + right, buckets)


def wide_logits(tokens: Any, config: TrainConfig, *, vocab_size: int, num_classes: int) -> Any:
    """Class scores ``[n, num_classes]`` of the bag-of-n-grams branch over ``tokens``."""
    from keras import layers, ops

    valid = ops.cast(ops.not_equal(tokens, 0), "float32")
    unigrams = layers.Embedding(
        vocab_size, num_classes, embeddings_initializer="zeros", name="wide_unigrams"
    )(tokens)
    total = ops.sum(unigrams * ops.expand_dims(valid, -1), axis=1)
    count = ops.sum(valid, axis=1, keepdims=True)
    if config.wide_ngrams >= 2 and config.maxlen >= 2:
        left, right = tokens[:, :-1], tokens[:, 1:]
        pair_valid = valid[:, :-1] * valid[:, 1:]
        ids = bigram_buckets(left, right, config.wide_buckets, ops)
        bigrams = layers.Embedding(
            config.wide_buckets, num_classes, embeddings_initializer="zeros", name="wide_bigrams"
        )(ids)
        total = total + ops.sum(bigrams * ops.expand_dims(pair_valid, -1), axis=1)
        count = count + ops.sum(pair_valid, axis=1, keepdims=True)
    return total / ops.sqrt(ops.maximum(count, 1.0))
