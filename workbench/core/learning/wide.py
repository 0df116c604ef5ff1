"""The "wide" part of a wide-and-deep classifier: a linear model over a bag of n-grams.

:func:`fit_wide` fits a TF-IDF-style linear softmax model on the token ids (words, and
with ``wide_ngrams=2`` word bigrams hashed into ``wide_buckets`` buckets), a convex
problem solved in seconds, once per L2 penalty (:data:`L2_CHOICES`) and, with
``wide_order_by_validation``, once per n-gram order up to ``wide_ngrams`` too (words;
words and bigrams). It does not depend on the recurrent ("deep") model, so the pipeline
fits it before the epochs. Once the deep model is final (trained, or stopped),
:func:`choose_wide` chooses the order, the penalty and the weight (:data:`WEIGHTS`)
together on the validation split, by the fused model's accuracy with ties going to the
lower log loss; with ``wide_average_near_best`` it averages every mix (of either order)
within one standard error of the best instead of keeping one. The mixes of one order
average into one linear model, so at most two are kept (:class:`LinearScores`: words
and bigrams, and words alone). It then fits them again on training + validation with
those penalties (as the baseline is; skipped after a Stop, which then has only the
choice left). The resulting :class:`WidePart` mixes their scores into the deep model's
probabilities (numpy) or builds one Keras model whose class scores are the deep
model's log-probabilities plus each linear model's weight times its log-probabilities.
The test split is never looked at. With ``wide_naive_bayes`` every fit puts a naive Bayes
prior on its weights (:func:`naive_bayes_scale`); the weights come out as plain weights,
so predicting is the same either way.

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

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from workbench.core.errors import Cancelled
from workbench.core.learning.baseline import SparseRows, fit_softmax, predict_proba, softmax
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


def wide_part_name(ngrams: int, *more: int) -> str:
    """What the run's note and the bundle's summary call a part of order ``ngrams``
    (with ``more``, the orders of the linear models averaged with it):
    ``"bag-of-words part"``, ``"bag-of-n-grams part (words and bigrams)"`` or
    ``"bag-of-n-grams part (words and bigrams, averaged with words alone)"``."""
    if ngrams < 2 and not more:
        return "bag-of-words part"
    names = [ORDER_NAMES.get(n, f"order {n}") for n in (ngrams, *more)]
    alone = "".join(f", averaged with {name} alone" for name in names[1:])
    return f"bag-of-n-grams part ({names[0]}{alone})"


@dataclass(frozen=True)
class WideInfo:
    """How the wide part was fitted and mixed in (stored in the run's provenance)."""

    ngrams: int  # the highest order kept (chosen on validation when several were fitted)
    buckets: int
    l2: float  # the best mix's penalty
    weight: float  # the mixing weight (the mean weight when mixes were averaged)
    val_accuracy: float | None
    val_loss: float | None
    refit: bool = True  # fitted again on training + validation (not after a Stop)
    orders: dict[int, float] | None = None  # order -> its best mix's validation accuracy
    averaged: tuple[tuple[int, float, float], ...] = ()  # (order, penalty, weight) averaged
    kept: tuple[int, ...] = ()  # the orders of the linear models kept, when more than one
    naive_bayes: bool = False  # fitted with the naive Bayes prior (``wide_naive_bayes``)

    def part_name(self) -> str:
        """The kept part's name (:func:`wide_part_name`)."""
        return wide_part_name(*(self.kept or (self.ngrams,)))

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
        if self.averaged:
            data["averaged"] = [{"ngrams": n, "l2": l2, "weight": w} for n, l2, w in self.averaged]
        if self.kept:
            data["ngrams_kept"] = list(self.kept)
        if self.naive_bayes:
            data["naive_bayes"] = True
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


CHUNK_ROWS = 1024
"""Documents turned into term ids at a time (bounds the int64 copies of big corpora)."""


@dataclass(frozen=True)
class TermCounts:
    """Each document's distinct term ids (ascending) and how often each occurs, as CSR
    rows: what the idf and the TF-IDF rows of every n-gram order are computed from."""

    indptr: np.ndarray  # [documents + 1]
    ids: np.ndarray  # int64 column ids
    counts: np.ndarray  # int64 occurrences
    columns: int  # words, then the hashed bigrams when counted

    @classmethod
    def count(cls, x: np.ndarray, vocab_size: int, buckets: int) -> TermCounts:
        """The terms of token ids ``x [n, L]``: words, and with ``buckets`` > 0 bigrams."""
        columns = vocab_size + max(buckets, 0)
        indptr = np.zeros(len(x) + 1, dtype=np.int64)
        ids: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        for start in range(0, len(x), CHUNK_ROWS):
            terms = np.concatenate(term_ids(x[start : start + CHUNK_ROWS], vocab_size, buckets), 1)
            rows = np.arange(len(terms), dtype=np.int64)[:, None] * columns
            keys, key_counts = np.unique((terms + rows)[terms >= 0], return_counts=True)
            row_of = keys // columns
            indptr[start + 1 : start + len(terms) + 1] = np.bincount(row_of, minlength=len(terms))
            ids.append(keys - row_of * columns)
            counts.append(key_counts)
        np.cumsum(indptr, out=indptr)
        return cls(indptr, _joined(ids, np.int64), _joined(counts, np.int64), columns)

    def words(self, vocab_size: int) -> TermCounts:
        """The same documents' word terms only (bigram columns dropped)."""
        keep = self.ids < vocab_size
        per_row = np.bincount(self._row_of()[keep], minlength=len(self.indptr) - 1)
        indptr = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
        return TermCounts(indptr, self.ids[keep], self.counts[keep], vocab_size)

    def idf(self) -> np.ndarray:
        """``1 + log((1 + n) / (1 + df))`` per column, over these documents."""
        df = np.bincount(self.ids, minlength=self.columns).astype(np.float64)
        n = len(self.indptr) - 1
        return (1.0 + np.log((1.0 + n) / (1.0 + df))).astype(np.float32)

    def rows(self, idf: np.ndarray) -> SparseRows:
        """Sublinear TF-IDF rows (``(1 + log c) * idf``), each scaled to unit L2 norm."""
        row_of = self._row_of()
        weights = (1.0 + np.log(self.counts)) * idf[self.ids]
        norms = np.sqrt(np.bincount(row_of, weights * weights, minlength=len(self.indptr) - 1))
        weights /= np.maximum(norms, 1e-12)[row_of]
        shape = (len(self.indptr) - 1, len(idf))
        return SparseRows(self.indptr, self.ids, weights.astype(np.float32), shape)

    def _row_of(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.indptr) - 1, dtype=np.int64), np.diff(self.indptr))


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


def _counts(x: np.ndarray, config: TrainConfig, vocab_size: int) -> TermCounts:
    """:meth:`TermCounts.count` with the n-gram settings of ``config``."""
    buckets = config.wide_buckets if config.wide_ngrams >= 2 else 0
    return TermCounts.count(x, vocab_size, buckets)


NAIVE_BAYES_FLOOR = 1e-3
"""The smallest scale :func:`naive_bayes_scale` gives a weight (a term no class favours)."""


def naive_bayes_scale(rows: SparseRows, y: np.ndarray, num_classes: int) -> np.ndarray:
    """``[columns, classes]``: for each term and class, ``|log r|`` with ``r`` the ratio of
    the term's share of the class's documents to its share of the other classes'
    documents (each document counts a term once; add-one smoothing), floored at
    :data:`NAIVE_BAYES_FLOOR`. :func:`fit_softmax`'s ``scale``: terms that tell a class
    apart are penalised less (Wang and Manning's NBSVM, as a prior on the weights)."""
    columns = rows.shape[1]
    row_of = np.repeat(np.arange(rows.shape[0], dtype=np.int64), np.diff(rows.indptr))
    labels = np.asarray(y, dtype=np.int64)[row_of]
    held = np.bincount(rows.indices * num_classes + labels, minlength=columns * num_classes)
    held = held.reshape(columns, num_classes).astype(np.float64)
    inside = held + 1.0
    outside = held.sum(axis=1, keepdims=True) - held + 1.0
    ratio = np.log(inside / inside.sum(axis=0)) - np.log(outside / outside.sum(axis=0))
    return np.maximum(np.abs(ratio), NAIVE_BAYES_FLOOR).astype(np.float32)


def _prior(
    rows: SparseRows, y: np.ndarray, config: TrainConfig, num_classes: int
) -> np.ndarray | None:
    """The scale of :func:`fit_softmax` for the wide part's ``rows``: the naive Bayes
    prior when ``config.wide_naive_bayes``, else none."""
    return naive_bayes_scale(rows, y, num_classes) if config.wide_naive_bayes else None


def _log_probs(rows: SparseRows, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """The linear part's log-probabilities (floored at 1e-12), as mixed by :func:`mix`."""
    return np.log(np.maximum(predict_proba(rows, weights, bias), 1e-12))


def mix(deep: np.ndarray, wide_logits: np.ndarray, weight: float = 1.0) -> np.ndarray:
    """The fused model's probabilities: the softmax of the deep part's log-probabilities
    (floored at 1e-7) plus ``weight`` times the linear part's scores."""
    return softmax(np.log(np.maximum(deep, 1e-7)) + weight * wide_logits)


def mix_scores(
    deep: np.ndarray, wide_log_probs: np.ndarray, y: np.ndarray
) -> list[tuple[float, float, float]]:
    """``(weight, accuracy, log loss)`` on ``y`` of the mix at every weight of
    :data:`WEIGHTS`."""
    scored = []
    for weight in WEIGHTS:
        probs = mix(deep, wide_log_probs, weight)
        scored.append((weight, float(np.mean(probs.argmax(1) == y)), mean_log_loss(probs, y)))
    return scored


def near_best_floor(accuracy: float, documents: int) -> float:
    """The lowest validation accuracy still within one standard error,
    ``sqrt(a (1 - a) / n)``, of the best one ``accuracy`` on ``documents`` documents."""
    return accuracy - math.sqrt(accuracy * (1.0 - accuracy) / max(documents, 1)) - 1e-12


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
    # the terms are counted once, for the highest order; the words order keeps its words
    highest = configs[max(orders)]
    counted = (_counts(x_train, highest, vocab_size), _counts(x_val, highest, vocab_size))
    words = (counted[0].words(vocab_size), counted[1].words(vocab_size))
    counts = {n: counted if n == highest.wide_ngrams else words for n in orders}
    for order in orders:
        check_cancelled(cancel)
        idfs[order] = counts[order][0].idf()
        rows_train = counts[order][0].rows(idfs[order])
        rows_val = counts[order][1].rows(idfs[order]) if has_val else None
        scale = _prior(rows_train, y_train, config, num_classes)
        for l2 in penalties:
            check_cancelled(cancel)
            if progress is not None:
                progress(_fit_message(len(fits), total, order, time.perf_counter() - started))
            fits[order, l2] = fit_softmax(
                rows_train, y_train, num_classes, l2=l2, scale=scale, cancel=cancel
            )
            if rows_val is not None:
                val_log_probs[order, l2] = _log_probs(rows_val, *fits[order, l2])
    return WideFits(data, configs, vocab_size, num_classes, idfs, fits, val_log_probs)


def _fit_message(done: int, total: int, order: int, elapsed: float) -> str:
    """``"fitting the bag-of-n-grams part (words, 2 of 6, about 0:12 left)"``."""
    left = f", about {format_duration(elapsed / done * (total - done))} left" if done else ""
    return f"fitting the bag-of-n-grams part ({ORDER_NAMES[order]}, {done + 1} of {total}{left})"


@dataclass(frozen=True)
class LinearScores:
    """One linear model of the wide part: what it reads (``ngrams``: 1 words, 2 words and
    hashed bigrams), its class scores per column and bias, and its mixing weight."""

    ngrams: int
    weights: np.ndarray  # [columns of its order, classes]
    bias: np.ndarray  # [classes]
    weight: float


@dataclass(frozen=True)
class WidePart:
    """A fitted wide part, one or two linear models with their mixing weights (the
    highest order first): mixes them into a deep model's probabilities (numpy) or
    builds the fused Keras model."""

    config: TrainConfig  # with the highest order kept as ``wide_ngrams``
    vocab_size: int
    idf: np.ndarray  # of that order's columns (the words' come first, the same in both)
    models: tuple[LinearScores, ...]
    info: WideInfo

    def log_scores(self, x: np.ndarray) -> np.ndarray:
        """``sum of weight * log p`` of the linear models for token ids ``x``."""
        counted = _counts(x, self.config, self.vocab_size)
        total = np.zeros((len(x), len(self.models[0].bias)))
        for model in self.models:
            top = model.ngrams == self.config.wide_ngrams
            counts = counted if top else counted.words(self.vocab_size)
            rows = counts.rows(self.idf[: counts.columns])
            total += model.weight * _log_probs(rows, model.weights, model.bias)
        return total

    def mix(self, deep: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The fused model's probabilities for token ids ``x``, given the deep model's."""
        return mix(deep, self.log_scores(x), 1.0)

    def mix_with_part(self, deep: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`mix`'s probabilities and those of this part alone (the softmax of its
        weighted log-probabilities: what the fused model predicts without the deep one)."""
        scores = self.log_scores(x)
        return mix(deep, scores, 1.0), softmax(scores)

    def fused_model(self, deep_model: Any) -> Any:
        """One Keras model: the deep model's scores plus the weighted linear models'."""
        return _fused_model(deep_model, self.config, self.idf, self.models)


def choose_wide(
    fits: WideFits,
    deep_val: np.ndarray | None,
    *,
    refit: bool = True,
    cancel: CancelToken | None = None,
) -> WidePart:
    """The n-gram order, penalty and weight whose mix with ``deep_val`` (the deep
    model's validation probabilities) is most accurate on validation, ties going to the
    lower log loss. Accuracy, not log loss, decides: a linear model fitted with a weak
    penalty is less confident than it is right, and the log loss then picks a weight
    that lets the deep model overrule it too often (20 Newsgroups, validation: log loss
    picked 1.0, accuracy 6.0, which the test split agreed with).

    With ``wide_average_near_best`` every mix within one standard error of the best
    accuracy (:func:`near_best_floor`), of either order, is averaged instead: the mean
    of their weighted log-probabilities. The mixes of one order are one linear model
    (:func:`_penalty_shares`) whose weight is their share of the sum of weights, so at
    most one model per order is kept. With ``refit`` each penalty kept is fitted again
    on training + validation (as the baseline is). Without a validation split: weight
    1, no refit.

    A cancel during the refits keeps the training-split fits (``info.refit`` says which).
    """
    x_train, y_train, x_val, y_val = fits.data
    vocab_size = fits.vocab_size
    if not fits.val_log_probs:
        order, l2 = next(iter(fits.fits))
        config = fits.configs[order]
        weights, bias = fits.fits[order, l2]
        info = WideInfo(
            order,
            config.wide_buckets,
            l2,
            1.0,
            None,
            None,
            False,
            naive_bayes=config.wide_naive_bayes,
        )
        model = LinearScores(order, weights, bias, 1.0)
        return WidePart(config, vocab_size, fits.idfs[order], (model,), info)
    table = []  # ((accuracy, -log loss), order, penalty, weight) of every mix
    for (order, l2), wide_val in fits.val_log_probs.items():
        for weight, accuracy, loss in mix_scores(deep_val, wide_val, y_val):
            table.append(((accuracy, -loss), order, l2, weight))
    (best_accuracy, _), best_order, best_l2, best_weight = max(table, key=lambda row: row[0])
    orders = {n: max(row[0][0] for row in table if row[1] == n) for n in fits.idfs}
    members = [(best_order, best_l2, best_weight)]
    if fits.configs[best_order].wide_average_near_best:
        floor = near_best_floor(best_accuracy, len(y_val))
        members = [(n, l2, w) for (a, _), n, l2, w in table if a >= floor]
    mixed = np.mean([w * fits.val_log_probs[n, l2] for n, l2, w in members], axis=0)
    probs = mix(deep_val, mixed, 1.0)
    val_accuracy, val_loss = float(np.mean(probs.argmax(1) == y_val)), mean_log_loss(probs, y_val)
    # order -> (its share of the mean weight, penalty -> share of its linear model)
    kept: dict[int, tuple[float, dict[float, float]]] = {}
    for n in sorted({n for n, _, w in members if w > 0}, reverse=True):
        own = [(l2, w) for m, l2, w in members if m == n]
        kept[n] = (sum(w for _, w in own) / len(members), _penalty_shares(own))
    kept = kept or {best_order: (0.0, {best_l2: 1.0})}  # every weight 0: the deep model alone
    config = fits.configs[max(kept)]
    penalty_fits = {(n, l2): fits.fits[n, l2] for n, (_, shares) in kept.items() for l2 in shares}
    idf, refitted = fits.idfs[config.wide_ngrams], False
    if refit:
        # counted again rather than kept from before the epochs: the counts of a big
        # corpus would otherwise stay in memory for the whole training
        counted = _counts(np.concatenate([x_train, x_val]), config, vocab_size)
        y_all = np.concatenate([y_train, y_val])
        try:
            idf_all = counted.idf()
            rows, scales = {}, {}  # order -> its TF-IDF rows and prior, once for its penalties
            for n in kept:
                counts = counted if n == config.wide_ngrams else counted.words(vocab_size)
                rows[n] = counts.rows(idf_all[: counts.columns])
                scales[n] = _prior(rows[n], y_all, config, fits.num_classes)
            refits = {
                (n, l2): fit_softmax(
                    rows[n], y_all, fits.num_classes, l2=l2, scale=scales[n], cancel=cancel
                )
                for n, l2 in penalty_fits
            }
            penalty_fits, idf, refitted = refits, idf_all, True
        except Cancelled:
            pass
    models = []
    for n, (weight, shares) in kept.items():
        weights = sum(share * penalty_fits[n, l2][0] for l2, share in shares.items())
        bias = sum(share * penalty_fits[n, l2][1] for l2, share in shares.items())
        models.append(LinearScores(n, np.asarray(weights), np.asarray(bias), weight))
    info = WideInfo(
        config.wide_ngrams,
        config.wide_buckets,
        best_l2,
        float(np.mean([w for _, _, w in members])),
        val_accuracy,
        val_loss,
        refitted,
        orders if len(orders) > 1 else None,
        tuple(members) if len(members) > 1 else (),
        tuple(kept) if len(kept) > 1 else (),
        config.wide_naive_bayes,
    )
    return WidePart(config, vocab_size, idf, tuple(models), info)


def _penalty_shares(members: list[tuple[float, float]]) -> dict[float, float]:
    """Each penalty's share of one order's averaged linear model: the sum of ``weight *
    log p(penalty)`` over ``members`` is ``sum of weights * log p`` of the model whose
    weights and bias are the penalties' own, mixed in these shares (log-softmax differs
    from the scores by a per-document constant, which the final softmax cancels).
    Empty when every weight is 0."""
    total = sum(w for _, w in members)
    shares: dict[float, float] = {}
    for l2, w in members:
        if w > 0:
            shares[l2] = shares.get(l2, 0.0) + w / total
    return shares


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


WORDS_ALONE_PREFIX = "wide_words"
"""Prefix of the layers of the words-alone linear model averaged with a words-and-bigrams
one (``wide_words_scores``, ``wide_words_bias``, ``wide_words_weight``)."""


def _fused_model(
    deep_model: Any, config: TrainConfig, idf: np.ndarray, models: tuple[LinearScores, ...]
) -> Any:
    """``softmax(log p_deep + sum of weight * log_softmax(linear scores))`` as one Keras
    model. The first linear model reads ``config.wide_ngrams``; a second one reads the
    words alone, normalised over them alone, from the same sorted counts."""
    import keras
    from keras import layers, ops

    tokens = keras.Input(shape=(config.maxlen,), dtype="int32", name="tokens")
    deep = deep_model(tokens)
    columns = len(idf)
    vocab_size = columns - (config.wide_buckets if config.wide_ngrams >= 2 else 0)
    term_weight = layers.Embedding(columns, 1, name="wide_idf")
    parts = [ops.where(ops.greater_equal(tokens, 2), tokens, -1)]
    if config.wide_ngrams >= 2 and config.maxlen >= 2:
        left, right = tokens[:, :-1], tokens[:, 1:]
        pairs = bigram_ids(ops, left, right, config.wide_buckets, vocab_size)
        both = ops.logical_and(ops.greater_equal(left, 2), ops.greater_equal(right, 2))
        parts.append(ops.where(both, pairs, -1))
    counted = []  # (terms, each occurrence's share of its term's value, squared norm)
    for ids in parts:
        terms, counts = _sorted_counts(ops, ids)  # [n, steps] each; -1 = no term
        valid = ops.cast(ops.greater_equal(terms, 0), "float32")
        terms = ops.maximum(terms, 0)
        sublinear = ops.squeeze(term_weight(terms), -1) * (1.0 + ops.log(counts)) * valid
        # every occurrence carries 1/count of its term's weight: the sum is the term's
        squares = ops.sum(sublinear * sublinear / counts, axis=1, keepdims=True)
        counted.append((terms, sublinear / counts, squares))
    constant = ops.zeros_like(tokens[:, :1])  # [n, 1]: looks up a one-row table
    scores = ops.log(ops.maximum(deep, 1e-7))
    named = []  # (layer, its value)
    for model in models:
        prefix = "wide" if model is models[0] else WORDS_ALONE_PREFIX
        reads = counted if model is models[0] else counted[:1]
        classes = model.weights.shape[1]
        table = layers.Embedding(len(model.weights), classes, name=f"{prefix}_scores")
        bias = layers.Embedding(1, classes, name=f"{prefix}_bias")
        # the mixing weight as a layer's weight, so explanations can read it back
        weight_name = WIDE_WEIGHT_LAYER if model is models[0] else f"{prefix}_weight"
        weighing = layers.Embedding(1, 1, name=weight_name)
        total = sum(ops.sum(table(t) * ops.expand_dims(w, -1), axis=1) for t, w, _ in reads)
        squares = sum(q for _, _, q in reads)
        wide = total / ops.sqrt(ops.maximum(squares, 1e-12)) + ops.squeeze(bias(constant), 1)
        wide = wide - ops.logsumexp(wide, axis=1, keepdims=True)
        scores = scores + ops.squeeze(weighing(constant), 1) * wide
        named += [
            (table, model.weights.astype(np.float32)),
            (bias, model.bias.reshape(1, -1).astype(np.float32)),
            (weighing, np.full((1, 1), model.weight, dtype=np.float32)),
        ]
    outputs = layers.Activation("softmax", name="classes")(scores)
    fused = keras.Model(tokens, outputs, name=WIDE_AND_DEEP_NAME)
    for layer, value in [(term_weight, idf.reshape(-1, 1)), *named]:
        layer.trainable = False  # fitted outside Keras; a later fit must not move them
        layer.set_weights([value])
    fused.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return fused
