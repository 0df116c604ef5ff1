"""The built-in linear baseline: TF-IDF bag of words and word bigrams -> softmax regression.

Every training run can train this baseline on the same training split and score it on
the same test split, so the user sees whether the neural model earns its minutes
("LSTM 97.8 % - linear baseline 98.2 %").

Features (:class:`TfidfFeatures`): the tokens of :func:`~workbench.core.text.tokenizer.tokenize`
and their bigrams, kept when they occur in at least ``min_df`` training documents;
sublinear term frequency ``1 + log(tf)`` times the smoothed inverse document frequency
``1 + log((1 + n) / (1 + df))``, each document scaled to unit L2 norm.

Classifier (:func:`fit_softmax`): multinomial logistic regression with an L2 penalty,
fitted by full-batch Adam on a sparse matrix with TensorFlow (imported inside the
function). The penalty is chosen among :data:`L2_CHOICES` by validation accuracy when a
validation split is given (else the middle one), and the model refitted on training +
validation with it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.core.errors import ConfigError
from workbench.core.progress import CancelToken, check_cancelled
from workbench.core.text.tokenizer import tokenize

L2_CHOICES: tuple[float, ...] = (1e-4, 1e-5, 1e-6)
"""Candidate L2 penalties (per training document), strongest first."""

STEPS_PER_CALL = 25
"""Optimisation steps :func:`fit_softmax` runs per graph call (and between cancel checks)."""

BASELINE_NAME = "TF-IDF words+bigrams, linear softmax"
"""How reports name the baseline."""


_PAIR_SHIFT = 32
"""A bigram's term code is ``(first id + 1) << 32 | second id``; a word's is its id."""

_MERGE_EVERY = 1_000
"""Documents whose distinct term codes are merged into one partial count at a time."""


def _codes(ids: np.ndarray, ngrams: int) -> np.ndarray:
    """Term codes of one document's token ids (``-1``: a word the features do not know)."""
    words = ids[ids >= 0]
    if ngrams < 2 or len(ids) < 2:
        return words
    left, right = ids[:-1], ids[1:]
    pair = (left >= 0) & (right >= 0)
    return np.concatenate([words, ((left[pair] + 1) << _PAIR_SHIFT) | right[pair]])


def _merge(partials: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """One ``(sorted distinct codes, counts)`` from several, counts of equal codes summed."""
    codes = np.concatenate([c for c, _ in partials])
    counts = np.concatenate([n for _, n in partials])
    order = np.argsort(codes, kind="stable")
    codes, counts = codes[order], counts[order]
    if len(codes) == 0:
        return codes, counts
    starts = np.concatenate([[0], np.flatnonzero(np.diff(codes)) + 1])
    return codes[starts], np.add.reduceat(counts, starts)


@dataclass
class SparseRows:
    """A CSR matrix (``indptr``, ``indices``, ``data``) of ``shape`` [documents, features]."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]


class TfidfFeatures:
    """Sublinear TF-IDF over words (and bigrams), fitted on the training texts only.

    Words get integer ids and bigrams integer codes, so counting never builds a
    string per bigram or a ``Counter`` per document: the document frequencies are
    merged from sorted code arrays of a thousand documents at a time.
    """

    def __init__(self, *, ngrams: int = 2, min_df: int = 2) -> None:
        if ngrams not in (1, 2):
            raise ConfigError(f"ngrams must be 1 or 2, got {ngrams!r}")
        if isinstance(min_df, bool) or not isinstance(min_df, int) or min_df < 1:
            raise ConfigError(f"min_df must be an integer >= 1, got {min_df!r}")
        self.ngrams = ngrams
        self.min_df = min_df
        self.idf = np.zeros(0, dtype=np.float32)
        self._word_ids: dict[str, int] = {}
        self._kept = np.zeros(0, dtype=np.int64)  # sorted codes of the feature columns

    @property
    def size(self) -> int:
        """How many features (columns) the fitted vocabulary has."""
        return len(self._kept)

    @property
    def vocabulary(self) -> dict[str, int]:
        """Each kept term (``"word"`` or ``"word word"``) and its column."""
        names = {i: word for word, i in self._word_ids.items()}
        mask = (1 << _PAIR_SHIFT) - 1
        terms = {}
        for column, code in enumerate(self._kept.tolist()):
            if code >> _PAIR_SHIFT:
                term = f"{names[(code >> _PAIR_SHIFT) - 1]} {names[code & mask]}"
            else:
                term = names[code]
            terms[term] = column
        return terms

    def fit_transform(self, texts: Sequence[str], cancel: CancelToken | None = None) -> SparseRows:
        """Learn the vocabulary and IDF from ``texts``; return their feature rows."""
        if not texts:
            raise ConfigError("cannot fit the baseline on 0 texts")
        # two passes over the texts (document frequencies, then rows), so the terms of
        # every document are never held at once (big corpora)
        word_ids: dict[str, int] = {}
        add = word_ids.setdefault
        partials: list[tuple[np.ndarray, np.ndarray]] = []
        chunk: list[np.ndarray] = []
        for number, text in enumerate(texts, 1):
            tokens = tokenize(text)
            ids = np.fromiter((add(t, len(word_ids)) for t in tokens), np.int64, len(tokens))
            chunk.append(np.unique(_codes(ids, self.ngrams)))
            if number % _MERGE_EVERY == 0 or number == len(texts):
                check_cancelled(cancel)
                partials.append(np.unique(np.concatenate(chunk), return_counts=True))
                chunk = []
                if len(partials) >= 16:
                    partials = [_merge(partials)]
        codes, df = _merge(partials)
        keep = df >= self.min_df
        self._kept = codes[keep]
        self.idf = (1.0 + np.log((1.0 + len(texts)) / (1.0 + df[keep]))).astype(np.float32)
        # words in no kept term are forgotten: transform sees them as unknown
        needed = np.zeros(len(word_ids), dtype=bool)
        pairs = self._kept >> _PAIR_SHIFT
        needed[self._kept[pairs == 0]] = True
        needed[pairs[pairs > 0] - 1] = True
        needed[self._kept[pairs > 0] & ((1 << _PAIR_SHIFT) - 1)] = True
        self._word_ids = {word: i for word, i in word_ids.items() if needed[i]}
        return self.transform(texts, cancel)

    def transform(self, texts: Sequence[str], cancel: CancelToken | None = None) -> SparseRows:
        """Feature rows of ``texts`` (terms outside the vocabulary are dropped)."""
        get = self._word_ids.get
        kept, idf = self._kept, self.idf
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        all_ids: list[np.ndarray] = []
        all_values: list[np.ndarray] = []
        for row, text in enumerate(texts):
            if row % _MERGE_EVERY == 0:
                check_cancelled(cancel)
            tokens = tokenize(text)
            ids = np.fromiter((get(t, -1) for t in tokens), np.int64, len(tokens))
            codes, tf = np.unique(_codes(ids, self.ngrams), return_counts=True)
            columns = np.searchsorted(kept, codes)
            hit = columns < len(kept)
            hit[hit] = kept[columns[hit]] == codes[hit]
            columns = columns[hit]
            values = (1.0 + np.log(tf[hit].astype(np.float32))) * idf[columns]
            norm = float(np.sqrt(np.dot(values, values)))
            if norm > 0:
                values /= norm
            all_ids.append(columns)
            all_values.append(values.astype(np.float32))
            indptr[row + 1] = indptr[row] + len(columns)
        indices = np.concatenate(all_ids) if all_ids else np.zeros(0, np.int64)
        data = np.concatenate(all_values) if all_values else np.zeros(0, np.float32)
        return SparseRows(indptr, indices, data, (len(texts), len(kept)))


def _sparse_tensor(rows: SparseRows) -> Any:
    import tensorflow as tf

    counts = np.diff(rows.indptr)
    row_ids = np.repeat(np.arange(rows.shape[0], dtype=np.int64), counts)
    coords = np.stack([row_ids, rows.indices], axis=1)
    return tf.sparse.SparseTensor(coords, rows.data, dense_shape=rows.shape)


def fit_softmax(
    rows: SparseRows,
    y: np.ndarray,
    num_classes: int,
    *,
    l2: float,
    steps: int = 300,
    learning_rate: float = 0.2,
    scale: np.ndarray | None = None,
    cancel: CancelToken | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``[features, classes]`` and bias of an L2-penalised softmax regression.

    ``scale`` (``[features, classes]``, positive) puts a prior on the weights: the model's
    weights are ``scale * w`` with the penalty on ``w``, so a weight whose scale is small
    costs more (:func:`~workbench.core.learning.wide.naive_bayes_scale`); the weights
    returned are ``scale * w``, used as any others.

    Only the columns some document holds are fitted: the others start at zero, their
    gradient (``l2 * w``) stays zero and Adam leaves them there, so they come back as
    zero rows, as a fit over every column would give them (hashed bigram buckets of a
    small corpus are mostly such columns). The steps run :data:`STEPS_PER_CALL` at a
    time inside one TensorFlow graph call; ``cancel`` is checked between calls.
    """
    import tensorflow as tf

    used = np.unique(rows.indices)
    # a monotone renumbering keeps every row's entries in their order
    compact = SparseRows(
        rows.indptr, np.searchsorted(used, rows.indices), rows.data, (rows.shape[0], len(used))
    )
    x = _sparse_tensor(compact)
    labels = tf.constant(np.asarray(y, dtype=np.int32))
    weights = tf.Variable(tf.zeros((len(used), num_classes), tf.float32))
    bias = tf.Variable(tf.zeros((num_classes,), tf.float32))
    optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.build([weights, bias])  # its slots exist before the loop that updates them
    prior = None if scale is None else tf.constant(np.asarray(scale, np.float32)[used])

    def step(done: Any) -> tuple[Any]:
        with tf.GradientTape() as tape:
            scaled = weights if prior is None else weights * prior
            logits = tf.sparse.sparse_dense_matmul(x, scaled) + bias
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            ) + 0.5 * l2 * tf.reduce_sum(tf.square(weights))
        grads = tape.gradient(loss, [weights, bias])
        optimizer.apply_gradients(zip(grads, [weights, bias], strict=True))
        return (done + 1,)

    @tf.function(autograph=False)
    def run(count: Any) -> Any:
        start = (tf.constant(0),)
        return tf.while_loop(lambda done: done < count, step, start, parallel_iterations=1)

    for done in range(0, steps, STEPS_PER_CALL):
        check_cancelled(cancel)
        run(tf.constant(min(STEPS_PER_CALL, steps - done)))
    full = np.zeros((rows.shape[1], num_classes), np.float32)
    full[used] = weights.numpy() if prior is None else weights.numpy() * prior.numpy()
    return full, bias.numpy()


def predict_proba(rows: SparseRows, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Class probabilities ``[documents, classes]`` of feature rows."""
    logits = np.tile(bias.astype(np.float64), (rows.shape[0], 1))
    for row in range(rows.shape[0]):
        begin, end = rows.indptr[row], rows.indptr[row + 1]
        logits[row] += rows.data[begin:end] @ weights[rows.indices[begin:end]]
    return softmax(logits)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Each row of ``scores`` turned into probabilities (shifted by its maximum first)."""
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    return probs / probs.sum(axis=1, keepdims=True)


def _finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number read from JSON, else ``None``."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


@dataclass(frozen=True)
class BaselineResult:
    """The baseline's test figures (``None`` without a test split) and how it was fitted."""

    accuracy: float | None
    macro_f1: float | None
    val_accuracy: float | None
    l2: float
    features: int
    elapsed_s: float
    name: str = BASELINE_NAME

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable figures (the CLI's ``"baseline"`` object, bundle metrics)."""
        return {
            "name": self.name,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "val_accuracy": self.val_accuracy,
            "l2": self.l2,
            "features": self.features,
            "elapsed_s": round(self.elapsed_s, 3),
        }

    @classmethod
    def from_dict(cls, data: Any) -> BaselineResult | None:
        """Read back :meth:`to_dict`'s output; ``None`` for anything malformed."""
        if not isinstance(data, dict):
            return None

        def number(key: str) -> float | None:
            return _finite(data.get(key))

        return cls(
            accuracy=number("accuracy"),
            macro_f1=number("macro_f1"),
            val_accuracy=number("val_accuracy"),
            l2=number("l2") or 0.0,
            features=int(number("features") or 0),
            elapsed_s=number("elapsed_s") or 0.0,
            name=str(data.get("name", BASELINE_NAME)),
        )


def _macro_f1(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> float:
    scores = []
    for k in range(num_classes):
        tp = int(np.sum((y_pred == k) & (y_true == k)))
        fp = int(np.sum((y_pred == k) & (y_true != k)))
        fn = int(np.sum((y_pred != k) & (y_true == k)))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def train_baseline(
    train_texts: Sequence[str],
    y_train: np.ndarray,
    test_texts: Sequence[str],
    y_test: np.ndarray,
    num_classes: int,
    *,
    val_texts: Sequence[str] = (),
    y_val: np.ndarray | None = None,
    cancel: CancelToken | None = None,
    progress: Callable[[str], None] | None = None,
) -> BaselineResult:
    """Fit the baseline on the training split and score it on the test split.

    With a validation split the L2 penalty is chosen among :data:`L2_CHOICES` by
    validation accuracy (ties go to the stronger penalty), then the model is fitted
    again on training + validation with it; the test split is scored once. Raises
    :class:`~workbench.core.errors.Cancelled` soon after ``cancel`` is set (checked
    every thousand documents and every 25 fitting steps).
    """
    check_cancelled(cancel)
    start = time.perf_counter()
    y_train = np.asarray(y_train, dtype=np.int64)
    if len(train_texts) != len(y_train):
        raise ConfigError(f"{len(train_texts)} training texts but {len(y_train)} labels")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ConfigError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    say = progress or (lambda message: None)
    say("baseline: TF-IDF features")
    features = TfidfFeatures()
    x_train = features.fit_transform(list(train_texts), cancel)
    check_cancelled(cancel)
    candidates = L2_CHOICES if len(val_texts) else (L2_CHOICES[1],)
    x_val = features.transform(list(val_texts), cancel) if len(val_texts) else None
    best: tuple[float, float, np.ndarray, np.ndarray] | None = None
    for l2 in candidates:
        say(f"baseline: fitting (L2 {l2:g})")
        weights, bias = fit_softmax(x_train, y_train, num_classes, l2=l2, cancel=cancel)
        val_accuracy = math.nan
        if x_val is not None and y_val is not None:
            predicted = predict_proba(x_val, weights, bias).argmax(axis=1)
            val_accuracy = float(np.mean(predicted == np.asarray(y_val)))
        if best is None or val_accuracy > best[1]:
            best = (l2, val_accuracy, weights, bias)
    if best is None:  # unreachable: candidates is never empty
        raise ConfigError("no L2 penalty to try")
    l2, val_accuracy, weights, bias = best
    if x_val is not None and y_val is not None:
        # the penalty chosen: fit again on training + validation (more data, same choice)
        say(f"baseline: refitting on training + validation (L2 {l2:g})")
        features = TfidfFeatures()
        x_all = features.fit_transform([*train_texts, *val_texts], cancel)
        y_all = np.concatenate([y_train, np.asarray(y_val, dtype=np.int64)])
        weights, bias = fit_softmax(x_all, y_all, num_classes, l2=l2, cancel=cancel)
    accuracy = macro_f1 = None
    if len(test_texts):
        y_true = np.asarray(y_test, dtype=np.int64)
        predicted = predict_proba(features.transform(list(test_texts), cancel), weights, bias)
        labels = predicted.argmax(axis=1)
        accuracy = float(np.mean(labels == y_true))
        macro_f1 = _macro_f1(y_true, labels, num_classes)
    return BaselineResult(
        accuracy=accuracy,
        macro_f1=macro_f1,
        val_accuracy=None if math.isnan(val_accuracy) else val_accuracy,
        l2=l2,
        features=features.size,
        elapsed_s=time.perf_counter() - start,
    )


def model_label(config: Any) -> str:
    """Short name of the model a config builds: ``"BiLSTM"``, ``"GRU"``, ``"BiLSTM + n-grams"``."""
    data = config.to_dict() if hasattr(config, "to_dict") else dict(config or {})
    name = str(data.get("architecture", data.get("rnn", "lstm"))).upper()
    if data.get("bidirectional", False):
        name = "Bi" + name
    if data.get("wide_ngrams"):
        name += " + n-grams"
    return name


BASELINE_SKIPPED = "linear baseline skipped: the run was stopped"
"""What front ends show for a run whose baseline Stop skipped."""


BASELINE_ROW = "linear baseline"
"""What a comparison of runs calls the baseline's accuracy (the Runs page, ``runs compare``)."""

PART_ROWS = {"recurrent": "recurrent part alone", "ngrams": "n-gram part alone"}
"""The parts of a wide-and-deep run scored alone (``RunResult.parts``' keys), and what a
comparison of runs calls each one's accuracy."""


def part_accuracies(parts: Any) -> dict[str, float] | None:
    """``{"recurrent": ..., "ngrams": ...}`` test accuracies from a run's ``parts``
    figures (``RunResult.parts``, a bundle's or a stored run's ``metrics["parts"]``);
    ``None`` when they are missing or malformed."""
    if not isinstance(parts, dict):
        return None
    figures = {}
    for key in PART_ROWS:
        part = parts.get(key)
        value = _finite(part.get("accuracy")) if isinstance(part, dict) else None
        if value is None:
            return None
        figures[key] = value
    return figures


def _parts_text(config: Any, parts: Any) -> str:
    """``" (BiLSTM alone 97.3%, n-grams alone 98.4%)"`` from a run's ``parts`` figures
    ('' when they are missing or malformed)."""
    figures = part_accuracies(parts)
    if figures is None:
        return ""
    data = config.to_dict() if hasattr(config, "to_dict") else dict(config or {})
    recurrent = model_label({**data, "wide_ngrams": 0})
    return f" ({recurrent} alone {figures['recurrent']:.1%}, n-grams alone {figures['ngrams']:.1%})"


def baseline_comparison(
    config: Any,
    accuracy: float | None,
    baseline: Any,
    *,
    stopped: bool = False,
    parts: Any = None,
) -> str:
    """``"BiLSTM 97.8% - linear baseline 98.2%"`` ('' without figures to compare).

    ``config`` is a ``TrainConfig`` or its dict; ``baseline`` a :class:`BaselineResult`
    or its dict (as stored in a bundle's metrics). With ``stopped`` (the run was
    stopped) and no baseline although ``config`` asked for one: :data:`BASELINE_SKIPPED`.
    With ``parts`` (a wide-and-deep run's figures for each part alone, as in
    ``RunResult.parts`` or a bundle's ``metrics["parts"]``) the model's figure is
    followed by theirs: ``"BiLSTM + n-grams 98.9% (BiLSTM alone 97.3%, n-grams alone
    98.4%) - linear baseline 98.2%"``; without a baseline (switched off) the line stops
    before the dash, and without parts either it is ''.
    """
    if not isinstance(baseline, BaselineResult):
        baseline = BaselineResult.from_dict(baseline)
    data = config.to_dict() if hasattr(config, "to_dict") else dict(config or {})
    if baseline is None and stopped and data.get("baseline", False):
        return BASELINE_SKIPPED
    if accuracy is None:
        return ""
    alone = _parts_text(config, parts)
    model = f"{model_label(config)} {accuracy:.1%}{alone}"
    if baseline is None or baseline.accuracy is None:
        return model if alone else ""
    return f"{model} - linear baseline {baseline.accuracy:.1%}"
