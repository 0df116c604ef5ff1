"""The "wide" part of a wide-and-deep classifier: a linear model over a bag of n-grams.

:func:`fit_wide` fits a TF-IDF-style linear softmax model on the token ids (words, and
with ``wide_ngrams=2`` word bigrams hashed into ``wide_buckets`` buckets), a convex
problem solved in seconds, once per L2 penalty (:data:`L2_CHOICES`) and, with
``wide_order_by_validation``, once per n-gram order up to ``wide_ngrams`` too (words;
words and bigrams). It does not depend on the recurrent ("deep") model, so the pipeline
fits it before the epochs. Once the deep model is final (trained, or stopped),
:func:`choose_wide` chooses the order, the penalty and the weight (:data:`WEIGHTS`)
together on the validation split, by the fused model's accuracy with ties going to the
lower log loss (:func:`choose_weight`), and fits the linear model again on training +
validation with that order and penalty (as the baseline is; skipped after a Stop, which
then has only the choice left). The resulting :class:`WidePart` mixes its scores into
the deep model's probabilities (numpy) or builds one Keras model whose class scores are
the deep model's log-probabilities plus ``weight`` times the linear model's
log-probabilities. The test split is never looked at.

Features, the same in numpy (fitting) and in the Keras graph (predicting): a term (word
or hashed bigram) seen ``c`` times in the document weighs ``(1 + log c) * idf`` with
``idf = 1 + log((1 + n) / (1 + df))``, and the document's vector is scaled to unit L2
norm. Padding (id 0) and out-of-vocabulary tokens (id 1) count for nothing. In the graph
each row of term ids is sorted to count repeats. The wide part reads all ``maxlen``
tokens, the deep part the first ``rnn_maxlen``. Built from Keras layers and ``keras.ops``
only, so a saved model loads without custom objects. Keras is imported inside the
functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from workbench.core.errors import Cancelled
from workbench.core.learning.baseline import SparseRows, fit_softmax, predict_proba
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.evaluation import mean_log_loss
from workbench.core.progress import CancelToken, check_cancelled, format_duration

HASH_MULTIPLIER = 7919  # a prime; (left * 7919 + right) mod buckets hashes a bigram
# computed in int64 everywhere: in int32, left * 7919 overflows once a word id passes
# 271,000 (2**31 / 7919), and the graph would no longer match the fitted features
WIDE_AND_DEEP_NAME = "workbench_wide_and_deep"
"""The fused model's name (how explanations recognise it)."""
WIDE_WEIGHT_LAYER = "wide_weight"
"""The layer holding the wide part's mixing weight (absent in bundles saved before it)."""
WEIGHTS: tuple[float, ...] = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
"""Candidate weights of the wide part's scores (0 = the deep model alone)."""
L2_CHOICES: tuple[float, ...] = (1e-4, 1e-5, 1e-6)
"""Candidate L2 penalties of the wide part (chosen with the weight, see :func:`choose_wide`)."""
ORDER_NAMES = {1: "words", 2: "words and bigrams"}
"""What each n-gram order reads (progress messages, the kept part's name)."""


@dataclass(frozen=True)
class WideInfo:
    """How the wide part was fitted and mixed in (stored in the run's provenance)."""

    ngrams: int  # the order kept (chosen on validation when several were fitted)
    buckets: int
    l2: float
    weight: float
    val_accuracy: float | None
    val_loss: float | None
    refit: bool = True  # fitted again on training + validation (not after a Stop)
    orders: dict[int, float] | None = None  # order -> its best mix's validation accuracy

    def part_name(self) -> str:
        """``"bag-of-words part"`` or ``"bag-of-n-grams part (words and bigrams)"``."""
        if self.ngrams < 2:
            return "bag-of-words part"
        return f"bag-of-n-grams part ({ORDER_NAMES[self.ngrams]})"

    def to_dict(self) -> dict[str, Any]:
        data = {
            "ngrams": self.ngrams,
            "buckets": self.buckets,
            "l2": self.l2,
            "weight": self.weight,
            "val_accuracy": self.val_accuracy,
            "val_loss": self.val_loss,
            "refit": self.refit,
        }
        if self.orders:
            data["val_accuracy_by_ngrams"] = {str(n): a for n, a in self.orders.items()}
        return data


def term_ids(x: np.ndarray, vocab_size: int, buckets: int) -> tuple[np.ndarray, ...]:
    """Column ids of token ids ``x [n, L]`` (-1 = none): words ``[n, L]``, then, when
    ``buckets`` > 0, the bigrams hashed into the columns after the words ``[n, L - 1]``."""
    x = np.asarray(x, dtype=np.int64)
    words = np.where(x >= 2, x, -1)
    if buckets < 1 or x.shape[1] < 2:
        return (words,)
    left, right = x[:, :-1], x[:, 1:]
    pairs = (left * HASH_MULTIPLIER + right) % buckets + vocab_size
    pairs = np.where((left >= 2) & (right >= 2), pairs, -1)
    return words, pairs


def _term_ids(x: np.ndarray, config: TrainConfig, vocab_size: int) -> tuple[np.ndarray, ...]:
    """:func:`term_ids` with the n-gram settings of ``config``."""
    return term_ids(x, vocab_size, config.wide_buckets if config.wide_ngrams >= 2 else 0)


CHUNK_ROWS = 1024
"""Documents turned into term ids at a time (bounds the int64 copies of big corpora)."""


def _row_terms(x: np.ndarray, config: TrainConfig, vocab_size: int) -> Iterator[np.ndarray]:
    """Each document's term ids (words and bigrams, -1 dropped), a chunk at a time."""
    for start in range(0, len(x), CHUNK_ROWS):
        ids = np.concatenate(_term_ids(x[start : start + CHUNK_ROWS], config, vocab_size), axis=1)
        for terms in ids:
            yield terms[terms >= 0]


def _rows(x: np.ndarray, config: TrainConfig, vocab_size: int, idf: np.ndarray) -> SparseRows:
    indptr = np.zeros(len(x) + 1, dtype=np.int64)
    columns: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for row, terms in enumerate(_row_terms(x, config, vocab_size)):
        unique, counts = np.unique(terms, return_counts=True)
        weights = (1.0 + np.log(counts)) * idf[unique]  # sublinear term frequency
        weights /= max(float(np.sqrt(np.dot(weights, weights))), 1e-12)
        columns.append(unique)
        values.append(weights.astype(np.float32))
        indptr[row + 1] = indptr[row] + len(unique)
    return SparseRows(
        indptr,
        np.concatenate(columns) if columns else np.zeros(0, np.int64),
        np.concatenate(values) if values else np.zeros(0, np.float32),
        (len(x), len(idf)),
    )


def _idf(x: np.ndarray, config: TrainConfig, vocab_size: int) -> np.ndarray:
    columns = vocab_size + (config.wide_buckets if config.wide_ngrams >= 2 else 0)
    df = np.zeros(columns, dtype=np.float64)
    for terms in _row_terms(x, config, vocab_size):
        df[np.unique(terms)] += 1
    n = len(x)
    return (1.0 + np.log((1.0 + n) / (1.0 + df))).astype(np.float32)


def _log_probs(rows: SparseRows, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The linear part's log-probabilities (floored at 1e-12), as mixed by :func:`_mix`."""
    return np.log(np.maximum(predict_proba(rows, weights, bias), 1e-12))


def _mix(deep: np.ndarray, wide_logits: np.ndarray, weight: float) -> np.ndarray:
    scores = np.log(np.maximum(deep, 1e-7)) + weight * wide_logits
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    return probs / probs.sum(axis=1, keepdims=True)


def choose_weight(
    deep: np.ndarray, wide_log_probs: np.ndarray, y: np.ndarray
) -> tuple[float, float, float]:
    """The weight of :data:`WEIGHTS` whose mix is most accurate on ``y``, ties going to
    the lower log loss; returns ``(weight, accuracy, log loss)``.

    Accuracy, not log loss, decides: a linear model fitted with a weak penalty is less
    confident than it is right, and the log loss then picks a weight that lets the
    deep model overrule it too often (20 Newsgroups, validation: log loss picked 1.0,
    accuracy 6.0, which the test split agreed with).
    """
    scored = []
    for weight in WEIGHTS:
        probs = _mix(deep, wide_log_probs, weight)
        accuracy = float(np.mean(probs.argmax(1) == y))
        scored.append((-accuracy, mean_log_loss(probs, y), weight))
    accuracy, loss, weight = min(scored)
    return weight, -accuracy, loss


def wide_orders(config: TrainConfig) -> tuple[int, ...]:
    """The n-gram orders the wide part is fitted with: ``wide_ngrams`` alone, or with
    ``wide_order_by_validation`` every order up to it (validation picks one)."""
    if config.wide_ngrams < 1:
        return ()
    if config.wide_order_by_validation:
        return tuple(range(1, config.wide_ngrams + 1))
    return (config.wide_ngrams,)


@dataclass(frozen=True)
class WideFits:
    """The wide part's linear models fitted on the training split, one per n-gram order
    and L2 penalty, with their validation log-probabilities: everything that does not
    depend on the deep model, so it is fitted before the epochs and a Stop has only the
    choice left."""

    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    configs: dict[int, TrainConfig]  # order -> the config with that ``wide_ngrams``
    vocab_size: int
    num_classes: int
    idfs: dict[int, np.ndarray]  # order -> the idf of the training split
    fits: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]]  # (order, L2) -> fit
    val_log_probs: dict[tuple[int, float], np.ndarray]  # (order, L2) -> [val docs, classes]


def fit_wide(
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    config: TrainConfig,
    *,
    vocab_size: int,
    num_classes: int,
    cancel: CancelToken | None = None,
    progress: Callable[[str], None] | None = None,
) -> WideFits:
    """Fit the wide part on ``(x_train, y_train, x_val, y_val)`` for each order of
    :func:`wide_orders` and each penalty of :data:`L2_CHOICES` (without a validation
    split: ``wide_ngrams`` and ``L2_CHOICES[1]`` only); ``progress`` gets a message
    before each fit, with the time left once one fit has been timed."""
    x_train, y_train, x_val, _ = data
    has_val = len(x_val) > 0
    orders = wide_orders(config) if has_val else (config.wide_ngrams,)
    penalties = L2_CHOICES if has_val else L2_CHOICES[1:2]
    configs = {n: replace(config, wide_ngrams=n) for n in orders}
    idfs, fits, val_log_probs = {}, {}, {}
    total, started = len(orders) * len(penalties), time.perf_counter()
    for order in orders:
        check_cancelled(cancel)
        idfs[order] = _idf(x_train, configs[order], vocab_size)
        rows_train = _rows(x_train, configs[order], vocab_size, idfs[order])
        rows_val = _rows(x_val, configs[order], vocab_size, idfs[order]) if has_val else None
        for l2 in penalties:
            check_cancelled(cancel)
            if progress is not None:
                progress(_fit_message(len(fits), total, order, time.perf_counter() - started))
            fits[order, l2] = fit_softmax(rows_train, y_train, num_classes, l2=l2, cancel=cancel)
            if rows_val is not None:
                val_log_probs[order, l2] = _log_probs(rows_val, *fits[order, l2])
    return WideFits(data, configs, vocab_size, num_classes, idfs, fits, val_log_probs)


def _fit_message(done: int, total: int, order: int, elapsed: float) -> str:
    """``"fitting the bag-of-n-grams part (words, 2 of 6, about 0:12 left)"``."""
    left = f", about {format_duration(elapsed / done * (total - done))} left" if done else ""
    return f"fitting the bag-of-n-grams part ({ORDER_NAMES[order]}, {done + 1} of {total}{left})"


@dataclass(frozen=True)
class WidePart:
    """A fitted wide part and its mixing weight: mixes it into a deep model's
    probabilities (numpy) or builds the fused Keras model."""

    config: TrainConfig  # with the kept order as ``wide_ngrams``
    vocab_size: int
    idf: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    info: WideInfo

    def mix(self, deep: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The fused model's probabilities for token ids ``x``, given the deep model's."""
        rows = _rows(x, self.config, self.vocab_size, self.idf)
        return _mix(deep, _log_probs(rows, self.weights, self.bias), self.info.weight)

    def fused_model(self, deep_model: Any) -> Any:
        """One Keras model: the deep model's scores plus the weighted wide part's."""
        return _fused_model(
            deep_model, self.config, self.idf, self.weights, self.bias, self.info.weight
        )


def choose_wide(
    fits: WideFits,
    deep_val: np.ndarray | None,
    *,
    refit: bool = True,
    cancel: CancelToken | None = None,
) -> WidePart:
    """The n-gram order, penalty and weight whose mix with ``deep_val`` (the deep
    model's validation probabilities) is most accurate on validation (ties: lower log
    loss); with ``refit`` the wide part is then fitted again on training + validation
    with that order and penalty (as the baseline is). Without a validation split:
    weight 1, no refit.

    A cancel during the refit keeps the training-split fit (``info.refit`` says which).
    """
    x_train, y_train, x_val, y_val = fits.data
    vocab_size = fits.vocab_size
    if not fits.val_log_probs:
        order, l2 = next(iter(fits.fits))
        config = fits.configs[order]
        weights, bias = fits.fits[order, l2]
        info = WideInfo(order, config.wide_buckets, l2, 1.0, None, None, False)
        return WidePart(config, vocab_size, fits.idfs[order], weights, bias, info)
    scored = []  # (accuracy, -log loss) of the best mix per order and penalty
    for (order, l2), wide_val in fits.val_log_probs.items():
        weight, accuracy, loss = choose_weight(deep_val, wide_val, y_val)
        scored.append(((accuracy, -loss), order, l2, weight))
    (val_accuracy, minus_loss), order, l2, chosen = max(scored, key=lambda item: item[0])
    orders = {n: max(score[0][0] for score in scored if score[1] == n) for n in fits.idfs}
    config = fits.configs[order]
    idf = fits.idfs[order]
    weights, bias = fits.fits[order, l2]
    refitted = False
    if refit:
        x_all = np.concatenate([x_train, x_val])
        y_all = np.concatenate([y_train, y_val])
        try:
            idf_all = _idf(x_all, config, vocab_size)
            rows_all = _rows(x_all, config, vocab_size, idf_all)
            weights, bias = fit_softmax(rows_all, y_all, fits.num_classes, l2=l2, cancel=cancel)
            idf, refitted = idf_all, True
        except Cancelled:
            pass
    info = WideInfo(
        order,
        config.wide_buckets,
        l2,
        chosen,
        val_accuracy,
        -minus_loss,
        refitted,
        orders if len(orders) > 1 else None,
    )
    return WidePart(config, vocab_size, idf, weights, bias, info)


def bigram_ids(ops: Any, left: Any, right: Any, buckets: int, vocab_size: int) -> Any:
    """Column ids of the bigrams ``(left, right)`` in a graph (Keras ops, or TensorFlow
    tensors through them): hashed in int64 as :func:`term_ids` does, returned as int32
    (an id is below ``vocab_size + buckets``)."""
    left64, right64 = ops.cast(left, "int64"), ops.cast(right, "int64")
    hashed = ops.mod(left64 * HASH_MULTIPLIER + right64, buckets) + vocab_size
    return ops.cast(hashed, "int32")


def _sorted_counts(ops: Any, ids: Any) -> tuple[Any, Any]:
    """Each row of ``ids [n, steps]`` sorted, and beside every entry how often its value
    occurs in its row (float), from Keras ops only (the batch size may be unknown)."""
    steps = ids.shape[1]
    terms = ops.sort(ids, axis=-1)
    first = ops.ones_like(terms[:, :1], dtype="bool")
    starts = ops.concatenate([first, ops.not_equal(terms[:, 1:], terms[:, :-1])], axis=1)
    runs = ops.cumsum(ops.cast(starts, "int32"), axis=1) - 1  # run number within the row
    rows = ops.cumsum(ops.ones_like(terms[:, :1]), axis=0) - 1  # [n, 1]: the row number
    flat = ops.reshape(runs + rows * steps, (-1,))  # non-decreasing: segments in order
    lengths = ops.segment_sum(ops.ones_like(flat, dtype="float32"), flat, sorted=True)
    counts = ops.reshape(ops.take(lengths, flat), (-1, steps))
    return terms, counts


def _fused_model(
    deep_model: Any,
    config: TrainConfig,
    idf: np.ndarray,
    weights: np.ndarray,
    bias: np.ndarray,
    weight: float,
) -> Any:
    """``softmax(log p_deep + weight * log_softmax(wide scores))`` as one Keras model."""
    import keras
    from keras import layers, ops

    tokens = keras.Input(shape=(config.maxlen,), dtype="int32", name="tokens")
    deep = deep_model(tokens)
    columns = len(idf)
    vocab_size = columns - (config.wide_buckets if config.wide_ngrams >= 2 else 0)
    term_weight = layers.Embedding(columns, 1, trainable=False, name="wide_idf")
    term_scores = layers.Embedding(columns, weights.shape[1], trainable=False, name="wide_scores")
    parts = [ops.where(ops.greater_equal(tokens, 2), tokens, -1)]
    if config.wide_ngrams >= 2 and config.maxlen >= 2:
        left, right = tokens[:, :-1], tokens[:, 1:]
        pairs = bigram_ids(ops, left, right, config.wide_buckets, vocab_size)
        both = ops.logical_and(ops.greater_equal(left, 2), ops.greater_equal(right, 2))
        parts.append(ops.where(both, pairs, -1))
    total = None
    squares = None
    for ids in parts:
        terms, counts = _sorted_counts(ops, ids)  # [n, steps] each; -1 = no term
        valid = ops.cast(ops.greater_equal(terms, 0), "float32")
        terms = ops.maximum(terms, 0)
        sublinear = ops.squeeze(term_weight(terms), -1) * (1.0 + ops.log(counts)) * valid
        # every occurrence carries 1/count of its term's weight: the sum is the term's
        w = sublinear / counts
        s = ops.sum(term_scores(terms) * ops.expand_dims(w, -1), axis=1)  # [n, classes]
        q = ops.sum(sublinear * sublinear / counts, axis=1, keepdims=True)
        total = s if total is None else total + s
        squares = q if squares is None else squares + q
    constant = ops.zeros_like(tokens[:, :1])  # [n, 1]: looks up the one bias row
    wide_bias = layers.Embedding(1, weights.shape[1], trainable=False, name="wide_bias")
    wide = total / ops.sqrt(ops.maximum(squares, 1e-12)) + ops.squeeze(wide_bias(constant), 1)
    wide = wide - ops.logsumexp(wide, axis=1, keepdims=True)
    # the mixing weight as a layer's weight, so explanations can read it back
    mix = layers.Embedding(1, 1, trainable=False, name=WIDE_WEIGHT_LAYER)
    scores = ops.log(ops.maximum(deep, 1e-7)) + ops.squeeze(mix(constant), 1) * wide
    outputs = layers.Activation("softmax", name="classes")(scores)
    model = keras.Model(tokens, outputs, name=WIDE_AND_DEEP_NAME)
    mix.set_weights([np.full((1, 1), weight, dtype=np.float32)])
    term_weight.set_weights([idf.reshape(-1, 1)])
    term_scores.set_weights([weights.astype(np.float32)])
    wide_bias.set_weights([bias.reshape(1, -1).astype(np.float32)])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
