"""The two attribution methods on token ids: occlusion and integrated gradients.

Both work on one row of ids ``[maxlen]`` as the model reads it and give one weight
per position, in log-odds of the explained class (see :mod:`.result`).

- Occlusion sets one position to padding (id 0) per variant: the model masks id 0,
  so the word is skipped as if deleted. All variants run as one batched call
  through the bundle's compiled :class:`~workbench.core.bundles.predict.ModelRunner`.
- Integrated gradients interpolate the embedding output between an all-padding
  baseline (the padding row of the embedding, at every position) and the text's
  embeddings, with the text's own mask. The model is cloned with its embedding
  layer replaced by one that returns the given embeddings (sharing every other
  layer and weight), and the gradients run in a compiled ``tf.function``. A fused
  wide-and-deep model also interpolates its n-gram part's feature values from none
  to the text's (see :class:`_GradientEngine`).

TensorFlow and Keras are imported inside the functions only.
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import Any

import numpy as np

from workbench.core.bundles.predict import runner_for
from workbench.core.errors import WorkbenchError
from workbench.core.learning.wide import (
    WIDE_AND_DEEP_NAME,
    WIDE_WEIGHT_LAYER,
    WORDS_ALONE_PREFIX,
    bigram_ids,
    mix,
    term_ids,
)

EPS = 1e-12
DEFAULT_STEPS = 16
MAX_STEPS = 1024
_ENGINES_LOCK = threading.Lock()


def log_odds(probabilities: np.ndarray, class_index: int) -> np.ndarray:
    """``log p_c - log(sum of the other p)`` per row (the sum taken directly, so it
    stays precise when ``p_c`` is close to 1)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    mine = probabilities[:, class_index]
    others = np.delete(probabilities, class_index, axis=1).sum(axis=1)
    return np.log(np.maximum(mine, EPS)) - np.log(np.maximum(others, EPS))


def occlusion(
    model: Any, ids: np.ndarray, class_index: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``[maxlen]`` (0 at padding) and the text's probabilities, by leaving one
    token out at a time: ``f(text) - f(text without the token)``, for ``class_index``
    (None: the class the text is predicted as)."""
    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    positions = np.flatnonzero(ids)
    parts = _fused_parts_for(model, len(ids))
    if parts is not None:
        probabilities = parts.occluded(ids, positions)
    else:
        batch = np.repeat(ids[None, :], len(positions) + 1, axis=0)
        batch[np.arange(1, len(positions) + 1), positions] = 0
        probabilities = _occlusion_runner_for(model, len(ids))(batch)
    if class_index is None:
        class_index = int(np.argmax(probabilities[0]))
    scores = log_odds(probabilities, class_index)
    weights = np.zeros(len(ids), dtype=np.float64)
    weights[positions] = scores[0] - scores[1:]
    return weights, probabilities[0]


def _recurrent_part(model: Any) -> tuple[Any, Any]:
    """``(recurrent model, its Embedding layer)``: the model itself, or the recurrent
    part inside a fused wide-and-deep model."""
    import keras

    deep = model
    if getattr(model, "name", "") == WIDE_AND_DEEP_NAME:
        deep = next((x for x in model.layers if isinstance(x, keras.Model)), None)
        if deep is None:
            raise WorkbenchError("the wide-and-deep model has no recurrent part")
    layer = next((x for x in deep.layers if isinstance(x, keras.layers.Embedding)), None)
    if layer is None:
        raise WorkbenchError("explanations need a model with an Embedding layer")
    return deep, layer


class _FusedParts:
    """A fused wide-and-deep model taken apart for occlusion: its recurrent part, how
    many tokens that part reads, and its n-gram part in numpy."""

    def __init__(self, model: Any, maxlen: int) -> None:
        deep, layer = _recurrent_part(model)
        self.maxlen = int(maxlen)
        self.reach = int(layer.input.shape[1] or maxlen)  # tokens the recurrent part reads
        self.wide = _WideTerms(model, layer.input_dim)
        self._deep = deep  # run through its own compiled occlusion runner

    def occluded(self, ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Probabilities ``[1 + len(positions), classes]``: of ``ids``, then of ``ids`` with
        each of ``positions`` left out in turn. The recurrent part runs (compiled) only
        on the variants it can tell apart - those of the tokens it reads; the n-gram
        part is scored in numpy for every variant."""
        near = positions[positions < self.reach]
        batch = np.repeat(ids[None, :], len(positions) + 1, axis=0)
        batch[np.arange(1, len(positions) + 1), positions] = 0
        deep = np.empty((len(batch), self.wide.scores.shape[1]), dtype=np.float64)
        runner = _occlusion_runner_for(self._deep, self.maxlen)
        deep[: len(near) + 1] = runner(batch[: len(near) + 1])
        deep[len(near) + 1 :] = deep[0]  # past its reach the recurrent part sees the text
        return mix(deep, self.wide.leave_one_out(ids, positions)).astype(np.float32)


_FUSED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fused_parts_for(model: Any, maxlen: int) -> _FusedParts | None:
    """The parts of a fused wide-and-deep model (None for any other model, or for a
    fused one saved without its mixing weight)."""
    if getattr(model, "name", "") != WIDE_AND_DEEP_NAME:
        return None
    try:
        return _cached(_FUSED, model, maxlen, _FusedParts)
    except WorkbenchError:
        return None


def _cached(cache: weakref.WeakKeyDictionary, model: Any, maxlen: int, build: Any) -> Any:
    """``cache``'s entry for ``model`` (built by ``build(model, maxlen)`` when missing or
    made for another ``maxlen``): one per model, kept as long as the model lives."""
    with _ENGINES_LOCK:
        item = cache.get(model)
        if item is None or item.maxlen != int(maxlen):
            item = build(model, maxlen)
            cache[model] = item
        return item


OCCLUSION_BUCKETS = (8, 32, 128, 256)


def bucket_sizes(rows: int, buckets: tuple[int, ...] = OCCLUSION_BUCKETS) -> list[int]:
    """Batch sizes (from ``buckets``) that cover ``rows`` with little padding: the
    largest bucket that fits, repeatedly, then the smallest for what is left."""
    sizes = []
    while rows > 0:
        fitting = [b for b in buckets if b <= rows]
        size = fitting[-1] if fitting else buckets[0]
        sizes.append(size)
        rows -= size
    return sizes


class _OcclusionRunner:
    """The model XLA-compiled for a few batch sizes (each compiled once), so the
    hundreds of variants of a long text run in a handful of calls."""

    def __init__(self, model: Any, maxlen: int) -> None:
        import tensorflow as tf

        self.maxlen = int(maxlen)
        self._fallback = runner_for(model, maxlen)
        model_ref = weakref.ref(model)

        def call(x):
            return model_ref()(x, training=False)

        spec = [tf.TensorSpec([None, self.maxlen], tf.int32)]
        self._xla = tf.function(call, input_signature=spec, jit_compile=True)
        self._xla_ok = True

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        if not self._xla_ok:
            return self._fallback(batch)
        parts = []
        start = 0
        try:
            for size in bucket_sizes(len(batch)):
                chunk = batch[start : start + size]
                if len(chunk) < size:
                    padded = np.zeros((size, self.maxlen), dtype=np.int32)
                    padded[: len(chunk)] = chunk
                    parts.append(np.asarray(self._xla(padded))[: len(chunk)])
                else:
                    parts.append(np.asarray(self._xla(chunk)))
                start += size
        except Exception:
            # XLA unavailable for this model or platform: the plain graph from now on.
            self._xla_ok = False
            return self._fallback(batch)
        return np.concatenate(parts).astype(np.float32, copy=False)


_OCCLUDERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _occlusion_runner_for(model: Any, maxlen: int) -> _OcclusionRunner:
    return _cached(_OCCLUDERS, model, maxlen, _OcclusionRunner)


class _WideTerms:
    """The bag-of-n-grams part of a fused wide-and-deep model (learning/wide.py), read
    back from its layers: per-term IDF, then per linear model its class scores, bias
    and mixing weight (a second model, when there is one, reads the words alone)."""

    def __init__(self, model: Any, vocab_size: int) -> None:
        by_name = {layer.name: layer for layer in model.layers}
        if WIDE_WEIGHT_LAYER not in by_name:
            raise WorkbenchError(
                "this bundle's bag-of-n-grams part was saved before integrated gradients "
                "could read it; train it again, or use leave-one-word-out (occlusion)"
            )
        self.idf = by_name["wide_idf"].get_weights()[0][:, 0]
        self.scores = by_name["wide_scores"].get_weights()[0]
        self.bias = by_name["wide_bias"].get_weights()[0][0]
        self.weight = float(by_name[WIDE_WEIGHT_LAYER].get_weights()[0][0, 0])
        self.words_alone: tuple[np.ndarray, np.ndarray, float] | None = None
        if f"{WORDS_ALONE_PREFIX}_weight" in by_name:
            self.words_alone = (
                by_name[f"{WORDS_ALONE_PREFIX}_scores"].get_weights()[0],
                by_name[f"{WORDS_ALONE_PREFIX}_bias"].get_weights()[0][0],
                float(by_name[f"{WORDS_ALONE_PREFIX}_weight"].get_weights()[0][0, 0]),
            )
        self.vocab_size = int(vocab_size)
        self.buckets = len(self.idf) - self.vocab_size
        if self.buckets < 0:
            raise WorkbenchError("the bag-of-n-grams part does not match the vocabulary")

    def features(self, ids: Any) -> tuple[Any, ...]:
        """Per-position normalised feature values and term ids: words ``[L]`` and
        bigrams ``[L - 1]`` (value 0 where a position has no term), then the words'
        values normalised over the words alone (what a words-alone model reads). A term
        seen ``c`` times gives each occurrence ``1/c`` of its weight ``(1 + log c) * idf``."""
        import keras
        import tensorflow as tf

        idf = tf.constant(self.idf)

        def occurrences(terms: Any, ok: Any) -> tuple[Any, Any]:
            same = tf.logical_and(tf.equal(terms[:, None], terms[None, :]), ok[None, :])
            counts = tf.maximum(tf.reduce_sum(tf.cast(same, tf.float32), axis=1), 1.0)
            term = tf.gather(idf, terms) * (1.0 + tf.math.log(counts))
            term *= tf.cast(ok, tf.float32)
            return term / counts, tf.reduce_sum(term * term / counts)

        word_values, word_squares = occurrences(ids, ids >= 2)
        left, right = ids[:-1], ids[1:]
        pairs = tf.zeros_like(left)
        pair_values = tf.zeros(tf.shape(left), tf.float32)
        squares = word_squares
        if self.buckets:
            pairs = bigram_ids(keras.ops, left, right, self.buckets, self.vocab_size)
            pair_values, pair_squares = occurrences(pairs, tf.logical_and(left >= 2, right >= 2))
            squares += pair_squares
        norm = tf.sqrt(tf.maximum(squares, 1e-12))
        alone = word_values / tf.sqrt(tf.maximum(word_squares, 1e-12))
        return word_values / norm, ids, pair_values / norm, pairs, alone

    def leave_one_out(self, ids: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The weighted log-softmax of the linear scores ``[1 + len(positions), classes]``
        of ``ids``, then of ``ids`` with each of ``positions`` set to padding, in numpy
        (summed over the linear models)."""
        found = term_ids(np.asarray(ids).reshape(1, -1), self.vocab_size, self.buckets)
        words = found[0][0]
        pairs = found[1][0] if len(found) > 1 else np.full(max(len(words) - 1, 0), -1)
        out = self.weight * self._left_out(words, pairs, positions, self.scores, self.bias)
        if self.words_alone is not None:
            table, bias, weight = self.words_alone
            none = np.full_like(pairs, -1)
            out += weight * self._left_out(words, none, positions, table, bias)
        return out

    def _left_out(
        self,
        words: np.ndarray,
        pairs: np.ndarray,
        positions: np.ndarray,
        scores: np.ndarray,
        bias: np.ndarray,
    ) -> np.ndarray:
        """The log-softmax of one linear model's scores for the terms ``words`` and
        ``pairs`` (-1 = none), then with each of ``positions`` left out.

        Leaving one token out changes at most three terms (its word and the two bigrams
        it is part of), so each variant updates the text's sums instead of recounting."""
        terms = np.concatenate([words[words >= 0], pairs[pairs >= 0]])
        unique, counts = np.unique(terms, return_counts=True)
        seen = dict(zip(unique.tolist(), counts.tolist(), strict=True))
        where = {term: i for i, term in enumerate(unique.tolist())}
        # only the text's own rows, in float64: the tables span every word and bucket
        idf = self.idf[unique].astype(np.float64)
        table = scores[unique].astype(np.float64)
        values = (1.0 + np.log(counts)) * idf
        total = values @ table  # [classes]
        squares = float(values @ values)

        def term_value(term: int, count: int) -> float:
            return (1.0 + math.log(count)) * idf[where[term]] if count > 0 else 0.0

        out = np.empty((1 + len(positions), scores.shape[1]), dtype=np.float64)
        out[0] = total / math.sqrt(max(squares, 1e-12))
        for row, position in enumerate(positions, start=1):
            lost: dict[int, int] = {}
            for term in (words[position], *pairs[max(position - 1, 0) : position + 1]):
                if term >= 0:
                    lost[int(term)] = lost.get(int(term), 0) + 1
            sums, norm2 = total.copy(), squares
            for term, gone in lost.items():
                before = term_value(term, seen[term])
                after = term_value(term, seen[term] - gone)
                sums += (after - before) * table[where[term]]
                norm2 += after * after - before * before
            out[row] = sums / math.sqrt(max(norm2, 1e-12))
        out += bias
        out -= out.max(axis=1, keepdims=True)
        out -= np.log(np.exp(out).sum(axis=1, keepdims=True))
        return out

    def log_scores(self, words: Any, word_ids: Any, pairs: Any, pair_ids: Any, alone: Any) -> Any:
        """The weighted log-softmax of the linear scores, summed over the linear models,
        for rows of feature values ``words [S, L]``, ``pairs [S, L - 1]`` and the words'
        values normalised alone ``alone [S, L]``."""
        import tensorflow as tf

        table = tf.constant(self.scores)
        scores = words @ tf.gather(table, word_ids) + tf.constant(self.bias)[None]
        if self.buckets:
            scores += pairs @ tf.gather(table, pair_ids)
        out = self.weight * tf.nn.log_softmax(scores, axis=-1)
        if self.words_alone is not None:
            table, bias, weight = self.words_alone
            scores = alone @ tf.gather(tf.constant(table), word_ids) + tf.constant(bias)[None]
            out += weight * tf.nn.log_softmax(scores, axis=-1)
        return out


class _GradientEngine:
    """Integrated gradients for one model, its compiled graph built once.

    For a fused wide-and-deep model the path runs in the joint space of the recurrent
    part's embeddings and the n-gram part's normalised feature values, both from the
    all-padding document (padding embeddings, no features) to the text; a bigram's
    attribution is split between its two words. So completeness holds for the whole
    model, as for a recurrent model alone.
    """

    def __init__(self, model: Any, maxlen: int) -> None:
        import keras
        import tensorflow as tf

        deep, layer = _recurrent_part(model)
        self._wide: _WideTerms | None = None
        if deep is not model:
            self._wide = _WideTerms(model, layer.input_dim)
        self.maxlen = int(maxlen)
        self._embedding = layer
        injected = _injected_layer_class(keras)(layer.output_dim)
        self._clone = keras.models.clone_model(
            deep, clone_function=lambda x: injected if x is layer else x
        )
        self._injected = injected
        spec = [
            tf.TensorSpec([self.maxlen], tf.int32),
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([None], tf.float32),
        ]
        self._graph = tf.function(self._run, input_signature=spec)
        self._xla = tf.function(self._run, input_signature=spec, jit_compile=True)
        self._xla_ok = True
        self._lock = threading.Lock()

    def _run(self, ids, class_index, alphas):
        import tensorflow as tf

        table = tf.convert_to_tensor(self._embedding.embeddings)
        text = tf.gather(table, ids)  # [L, D]
        base = tf.broadcast_to(table[0], tf.shape(text))  # the padding row everywhere
        # rows: the path points, then the text (alpha 1) and the baseline (alpha 0)
        all_alphas = tf.concat([alphas, tf.constant([1.0, 0.0])], axis=0)
        path = base[None] + all_alphas[:, None, None] * (text - base)[None]
        rows = tf.tile(ids[None], [tf.shape(all_alphas)[0], 1])
        watched = [path]
        if self._wide is not None:
            words, word_ids, pairs, pair_ids, alone = self._wide.features(ids)
            watched += [all_alphas[:, None] * v[None] for v in (words, pairs, alone)]
        with tf.GradientTape() as tape:
            tape.watch(watched)
            self._injected.value = path
            probabilities = tf.cast(self._clone(rows, training=False), tf.float32)
            if self._wide is not None:
                scores = tf.math.log(tf.maximum(probabilities, 1e-7))
                scores += self._wide.log_scores(
                    watched[1], word_ids, watched[2], pair_ids, watched[3]
                )
                probabilities = tf.nn.softmax(scores, axis=-1)
            p = probabilities
            mine = p[:, class_index]
            mask = tf.one_hot(class_index, tf.shape(p)[1], on_value=0.0, off_value=1.0)
            others = tf.reduce_sum(p * mask[None], axis=1)
            f = tf.math.log(tf.maximum(mine, EPS)) - tf.math.log(tf.maximum(others, EPS))
            total = tf.reduce_sum(f[:-2])
        # without bigrams (wide_ngrams=1) the pair values feed nothing, nor without a
        # words-alone model the words' values normalised alone: zero gradients
        grads = tape.gradient(total, watched, unconnected_gradients="zero")
        mean_grad = tf.reduce_mean(grads[0][:-2], axis=0)  # [L, D]
        weights = tf.reduce_sum((text - base) * mean_grad, axis=-1)
        if self._wide is not None:
            weights += words * tf.reduce_mean(grads[1][:-2], axis=0)
            weights += alone * tf.reduce_mean(grads[3][:-2], axis=0)
            half = 0.5 * pairs * tf.reduce_mean(grads[2][:-2], axis=0)  # [L - 1]
            weights += tf.pad(half, [[0, 1]]) + tf.pad(half, [[1, 0]])
        return weights, f[-2], f[-1], probabilities[-2]

    def __call__(self, ids: np.ndarray, class_index: int, steps: int):
        alphas = ((np.arange(steps) + 0.5) / steps).astype(np.float32)  # midpoint rule
        args = (np.asarray(ids, dtype=np.int32), np.int32(class_index), alphas)
        with self._lock:  # one call at a time: tracing sets the injected layer's value
            if self._xla_ok:
                try:
                    return self._xla(*args)
                except Exception:
                    # XLA unavailable for this model or platform: the plain graph from now on.
                    self._xla_ok = False
            return self._graph(*args)


def _injected_layer_class(keras: Any) -> type:
    class InjectedEmbedding(keras.layers.Layer):
        """Stands in for the embedding: returns the embeddings set on it, masks id 0.

        The value covers all ``maxlen`` positions; a model whose recurrent part reads
        only the first ``rnn_maxlen`` tokens gets those positions."""

        def __init__(self, output_dim: int) -> None:
            super().__init__(name="injected_embedding")
            self.supports_masking = True
            self.output_dim = output_dim
            self.value = None

        def call(self, ids):
            return self.value[:, : ids.shape[1]]

        def compute_mask(self, ids, mask=None):
            return keras.ops.not_equal(ids, 0)

        def compute_output_shape(self, input_shape):
            return (*input_shape, self.output_dim)

    return InjectedEmbedding


_ENGINES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _engine_for(model: Any, maxlen: int) -> _GradientEngine:
    return _cached(_ENGINES, model, maxlen, _GradientEngine)


def integrated_gradients(
    model: Any, ids: np.ndarray, class_index: int, steps: int = DEFAULT_STEPS
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Weights ``[maxlen]``, the text's probabilities, ``f(text)`` and ``f(baseline)``.

    The weights sum to about ``f(text) - f(baseline)``; the gap shrinks with ``steps``.
    """
    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    engine = _engine_for(model, len(ids))
    weights, f_text, f_base, probabilities = engine(ids, class_index, steps)
    weights = np.asarray(weights, dtype=np.float64)
    weights[ids == 0] = 0.0
    return weights, np.asarray(probabilities), float(f_text), float(f_base)
