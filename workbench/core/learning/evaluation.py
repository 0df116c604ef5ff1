"""Classification metrics from true labels and predicted probabilities (pure numpy).

Undefined ratios (a class never predicted, or absent from the data) count as 0 and
raise no warnings. Macro F1 averages over the classes that occur in the true labels or
in the predictions; weighted F1 weighs each class by its support.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.core.errors import BundleError, ConfigError

_KEYS = (
    "accuracy",
    "macro_f1",
    "weighted_f1",
    "class_names",
    "per_class",
    "confusion",
    "misclassified",
)


@dataclass
class Evaluation:
    """Metrics of one model on one labelled set."""

    accuracy: float
    macro_f1: float
    weighted_f1: float
    class_names: list[str]
    per_class: dict[str, dict[str, float]]  # precision, recall, f1, support
    confusion: list[list[int]]  # rows = true class, columns = predicted
    misclassified: list[dict[str, Any]] = field(default_factory=list)
    # {"index", "text", "true", "predicted", "confidence"}, most confident first
    correct: list[dict[str, Any]] = field(default_factory=list, compare=False)
    # the correctly classified documents, same keys, least confident first; kept in
    # memory only (not in to_dict(), so bundles stay small)

    @property
    def n_documents(self) -> int:
        return int(sum(sum(row) for row in self.confusion))

    def averages(self) -> dict[str, dict[str, float]]:
        """``{"macro": {...}, "weighted": {...}}`` with precision, recall, f1 and support.

        Macro averages weigh every class alike, weighted ones by support; f1 is
        :attr:`macro_f1` / :attr:`weighted_f1`, support the number of documents.
        """
        names = list(self.class_names)
        supports = [float(self.per_class.get(n, {}).get("support", 0)) for n in names]
        total = sum(supports)

        def mean(key: str, weights: list[float]) -> float:
            values = [float(self.per_class.get(n, {}).get(key, 0.0)) for n in names]
            weight = sum(weights)
            return (
                sum(v * w for v, w in zip(values, weights, strict=True)) / weight if weight else 0.0
            )

        result: dict[str, dict[str, float]] = {}
        for kind, weights, f1 in (
            ("macro", [1.0] * len(names), self.macro_f1),
            ("weighted", supports, self.weighted_f1),
        ):
            result[kind] = {
                "precision": mean("precision", weights),
                "recall": mean("recall", weights),
                "f1": float(f1),
                "support": total,
            }
        return result

    def summary(self) -> str:
        """One line: ``"accuracy 97.8 %, macro F1 0.977 on 445 documents"``."""
        return (
            f"accuracy {100 * self.accuracy:.1f} %, macro F1 {self.macro_f1:.3f} "
            f"on {self.n_documents} documents"
        )

    def report(self) -> str:
        """A per-class text table (precision, recall, F1, support) for the terminal."""
        width = max([len(name) for name in self.class_names] + [12])
        lines = [f"{'':{width}}  precision  recall     f1  support"]
        for name in self.class_names:
            row = self.per_class[name]
            lines.append(
                f"{name:{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
                f"{row['f1']:5.3f}  {int(row['support']):7d}"
            )
        lines.append(f"{'accuracy':{width}}  {self.accuracy:31.3f}  {self.n_documents:7d}")
        lines.append(f"{'macro F1':{width}}  {self.macro_f1:31.3f}")
        lines.append(f"{'weighted F1':{width}}  {self.weighted_f1:31.3f}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable copy of every field."""
        return {
            "accuracy": float(self.accuracy),
            "macro_f1": float(self.macro_f1),
            "weighted_f1": float(self.weighted_f1),
            "class_names": list(self.class_names),
            "per_class": {name: _row(row) for name, row in self.per_class.items()},
            "confusion": [[int(value) for value in row] for row in self.confusion],
            "misclassified": [dict(item) for item in self.misclassified],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        """Rebuild from :meth:`to_dict` output (BundleError naming a missing key)."""
        if not isinstance(data, dict):
            raise BundleError(f"evaluation data must be a dict, got {type(data).__name__}")
        missing = [key for key in _KEYS if key not in data]
        if missing:
            raise BundleError(f"evaluation data is missing '{missing[0]}'")
        try:
            return cls(
                accuracy=float(data["accuracy"]),
                macro_f1=float(data["macro_f1"]),
                weighted_f1=float(data["weighted_f1"]),
                class_names=[str(name) for name in data["class_names"]],
                per_class={str(name): _row(row) for name, row in data["per_class"].items()},
                confusion=[[int(value) for value in row] for row in data["confusion"]],
                misclassified=[dict(item) for item in data["misclassified"]],
            )
        except (TypeError, ValueError, AttributeError) as error:
            raise BundleError(f"evaluation data is malformed: {error}") from None


def mean_log_loss(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log probability of the true class ids ``labels`` (probabilities
    floored at 1e-7)."""
    picked = np.asarray(probabilities)[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.maximum(picked, 1e-7))))


def evaluate(
    y_true: Sequence[int] | Sequence[str] | np.ndarray,
    probabilities: np.ndarray,
    class_names: Sequence[str],
    texts: Sequence[str] | None = None,
) -> Evaluation:
    """Compare true labels with predicted probabilities ``[n, num_classes]``.

    ``y_true`` holds class ids (indices into ``class_names``) or class names. The
    prediction is the most probable class; its probability is the confidence reported for
    each document (with its text when ``texts`` is given): misclassified ones most
    confident first, correct ones least confident first.
    Raises :class:`ConfigError` for mismatched shapes or unknown labels.
    """
    names = [str(name) for name in class_names]
    truth = _true_ids(y_true, names)
    probs = _probabilities(probabilities, len(truth), len(names))
    if texts is not None and len(texts) != len(truth):
        raise ConfigError(f"texts has {len(texts)} items, expected {len(truth)} (one per label)")

    k = len(names)
    predicted = probs.argmax(axis=1)
    confidence = probs[np.arange(len(truth)), predicted]
    confusion = np.bincount(truth * k + predicted, minlength=k * k).reshape(k, k)

    true_positive = np.diag(confusion).astype(np.float64)
    support = confusion.sum(axis=1).astype(np.float64)
    predicted_count = confusion.sum(axis=0).astype(np.float64)
    precision = _ratio(true_positive, predicted_count)
    recall = _ratio(true_positive, support)
    f1 = _ratio(2 * precision * recall, precision + recall)

    seen = (support > 0) | (predicted_count > 0)
    macro_f1 = float(f1[seen].mean()) if seen.any() else 0.0
    weighted_f1 = float((f1 * support).sum() / support.sum())
    per_class = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(names)
    }

    def document(i: int) -> dict[str, Any]:
        return {
            "index": int(i),
            "text": None if texts is None else str(texts[i]),
            "true": names[truth[i]],
            "predicted": names[predicted[i]],
            "confidence": float(confidence[i]),
        }

    wrong = np.flatnonzero(predicted != truth)
    right = np.flatnonzero(predicted == truth)
    misclassified = [document(i) for i in wrong[np.argsort(-confidence[wrong], kind="stable")]]
    correct = [document(i) for i in right[np.argsort(confidence[right], kind="stable")]]
    return Evaluation(
        accuracy=float(true_positive.sum() / len(truth)),
        macro_f1=macro_f1,
        weighted_f1=weighted_f1,
        class_names=names,
        per_class=per_class,
        confusion=confusion.tolist(),
        misclassified=misclassified,
        correct=correct,
    )


def _row(row: dict[str, Any]) -> dict[str, Any]:
    """A per-class row with plain numbers: ``support`` an int, the rest floats."""
    return {key: int(value) if key == "support" else float(value) for key, value in row.items()}


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Elementwise ``numerator / denominator`` with 0 where the denominator is 0."""
    out = np.zeros_like(numerator, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _true_ids(y_true: Any, names: list[str]) -> np.ndarray:
    if len(names) < 1:
        raise ConfigError("class_names is empty")
    if len(set(names)) != len(names):
        raise ConfigError(f"class_names has duplicates: {names}")
    values = np.asarray(y_true)
    if values.ndim != 1:
        raise ConfigError(f"y_true must be 1-D, got shape {values.shape}")
    if len(values) == 0:
        raise ConfigError("y_true is empty: nothing to evaluate")
    if values.dtype.kind in "USO":
        index = {name: i for i, name in enumerate(names)}
        ids = np.empty(len(values), dtype=np.int64)
        for position, label in enumerate(values.tolist()):
            if label not in index:
                raise ConfigError(f"label {label!r} (item {position}) is not one of {names}")
            ids[position] = index[label]
        return ids
    if values.dtype.kind not in "iu":
        raise ConfigError(f"y_true must hold class ids or class names, got dtype {values.dtype}")
    if values.min() < 0 or values.max() >= len(names):
        raise ConfigError(
            f"y_true class ids must be in [0, {len(names)}), "
            f"got {int(values.min())}..{int(values.max())}"
        )
    return values.astype(np.int64)


def _probabilities(probabilities: Any, n: int, k: int) -> np.ndarray:
    try:
        probs = np.asarray(probabilities, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError("probabilities must be a 2-D array of numbers") from None
    if probs.ndim != 2 or probs.shape != (n, k):
        raise ConfigError(
            f"probabilities must have shape ({n}, {k}) (one row per label, one column "
            f"per class), got {probs.shape}"
        )
    if not np.isfinite(probs).all():
        raise ConfigError("probabilities contain NaN or infinite values")
    return probs
