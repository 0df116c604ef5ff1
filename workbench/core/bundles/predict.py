"""Classifying texts with a bundle: class probabilities plus a note on odd inputs.

Keras 3 runs recurrent layers as a Python loop when a model is called eagerly,
and ``model.predict`` has a large fixed cost per call, so the model is run through
a compiled ``tf.function``: XLA-compiled for small batches (padded to a few fixed
sizes so each size compiles once), a plain graph for large ones.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.arguments import check_path
from workbench.core.bundles.bundle import Bundle, load_bundle
from workbench.core.errors import ArgumentError, WorkbenchError

BATCH_SIZE = 256
SMALL_BUCKETS = (1, 8, 32)  # batch sizes run through XLA; larger batches use a plain graph
FEW_KNOWN_SHARE = 0.25


@dataclass
class Prediction:
    """The classification of one text."""

    label: str
    confidence: float
    probabilities: dict[str, float]
    known_tokens: int
    total_tokens: int
    note: str = ""

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "confidence": self.confidence,
            "probabilities": dict(self.probabilities),
            "known_tokens": self.known_tokens,
            "total_tokens": self.total_tokens,
            "note": self.note,
        }


class ModelRunner:
    """Runs a Keras model on int32 id batches of a fixed width, fast for any batch size."""

    def __init__(self, model: Any, maxlen: int) -> None:
        import tensorflow as tf

        self._model_ref = weakref.ref(model)
        self.maxlen = int(maxlen)
        self.output_width = _output_width(model)
        spec = [tf.TensorSpec([None, self.maxlen], tf.int32)]
        model_ref = self._model_ref  # weak, so a cached runner does not keep its model alive

        def call(x):
            return model_ref()(x, training=False)

        self._graph = tf.function(call, input_signature=spec)
        self._xla = tf.function(call, jit_compile=True)
        self._xla_ok = True
        self._lock = threading.Lock()

    def __call__(self, ids: np.ndarray, *, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Model outputs for ``ids`` [n, maxlen], computed ``batch_size`` rows at a time."""
        ids = np.asarray(ids, dtype=np.int32)
        if ids.ndim != 2 or ids.shape[1] != self.maxlen:
            raise WorkbenchError(f"expected token ids of shape [n, {self.maxlen}], got {ids.shape}")
        # A large call runs every chunk through the one plain graph, so a short last chunk
        # does not compile an XLA bucket of its own.
        small = len(ids) <= SMALL_BUCKETS[-1]
        parts = [
            self._batch(ids[i : i + batch_size], small=small)
            for i in range(0, len(ids), batch_size)
        ]
        if not parts:
            return np.zeros((0, self.output_width), dtype=np.float32)
        return np.concatenate(parts).astype(np.float32, copy=False)

    def warm_up(self, rows: int) -> None:
        """Build the graph that a call with ``rows`` rows uses, so that call starts at once.

        It runs the smallest batch that takes the same path (one bucket's size, or one
        row over the largest bucket for the plain graph).
        """
        rows = max(1, int(rows))
        if rows > SMALL_BUCKETS[-1]:
            rows = SMALL_BUCKETS[-1] + 1
        self(np.zeros((rows, self.maxlen), dtype=np.int32))

    def _batch(self, ids: np.ndarray, *, small: bool = True) -> np.ndarray:
        n = len(ids)
        bucket = next((b for b in SMALL_BUCKETS if n <= b), None) if small else None
        if bucket is not None and self._xla_ok:
            padded = ids
            if bucket > n:
                padded = np.zeros((bucket, self.maxlen), dtype=np.int32)
                padded[:n] = ids
            try:
                return np.asarray(self._xla(padded))[:n]
            except Exception:
                # XLA unavailable for this model or platform: use the plain graph from now on.
                with self._lock:
                    self._xla_ok = False
        return np.asarray(self._graph(ids))


def _output_width(model: Any) -> int:
    try:
        return int(model.output_shape[-1])
    except (AttributeError, TypeError, ValueError, IndexError):
        return 0


_RUNNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_RUNNERS_LOCK = threading.Lock()


def runner_for(model: Any, maxlen: int) -> ModelRunner:
    """The (cached) :class:`ModelRunner` of ``model``, so compiled graphs are reused."""
    with _RUNNERS_LOCK:
        try:
            runner = _RUNNERS.get(model)
        except TypeError:
            return ModelRunner(model, maxlen)
        if runner is None or runner.maxlen != int(maxlen):
            runner = ModelRunner(model, maxlen)
            _RUNNERS[model] = runner
        return runner


def _as_text_list(texts: str | Iterable[str]) -> list[str]:
    if isinstance(texts, str):
        return [texts]
    if texts is None:
        raise ArgumentError("no texts given to classify (got None)")
    if isinstance(texts, bytes) or not isinstance(texts, Iterable):
        raise ArgumentError(
            f"texts must be a string or a list of strings, got {type(texts).__name__}"
        )
    items = list(texts)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise ArgumentError(f"text {index} is not a string: {type(item).__name__}")
    return items


class Predictor:
    """Classifies texts with a bundle's model and tokeniser."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.class_names: list[str] = list(bundle.info.class_names)
        self.maxlen = int(bundle.config.maxlen)
        self.truncating = str(getattr(bundle.config, "truncating", "post"))
        self.tokenizer = bundle.tokenizer
        self._runner = runner_for(bundle.model, self.maxlen)

    @classmethod
    def from_path(cls, path: str | Path) -> Predictor:
        """Load the bundle at ``path`` and make a predictor for it."""
        return cls(load_bundle(check_path(path, "path", function="Predictor.from_path")))

    def warm_up(self) -> None:
        """Compile the single-text path now (about a second), e.g. in a worker after loading."""
        self.predict_proba("")

    def encode(self, texts: str | Iterable[str]) -> np.ndarray:
        """Token ids [n, maxlen] of ``texts`` as the model sees them."""
        items = _as_text_list(texts)
        if not items:
            return np.zeros((0, self.maxlen), dtype=np.int32)
        return np.asarray(self.tokenizer.encode(items, maxlen=self.maxlen), dtype=np.int32)

    def predict_proba(self, texts: str | Iterable[str]) -> np.ndarray:
        """Class probabilities [n, n_classes] for one text or many."""
        probabilities = self._runner(self.encode(texts))
        if probabilities.shape[0] == 0:
            return np.zeros((0, len(self.class_names)), dtype=np.float32)
        return probabilities

    def classify(self, texts: str | Iterable[str]) -> list[Prediction]:
        """One :class:`Prediction` per text (a single string gives a list of one).

        Odd inputs are answered too, with a ``note``: ``"empty text"`` (no tokens: the
        model sees only padding), ``"no known words"`` (every token out of vocabulary),
        ``"truncated to the first N of M tokens"``, ``"few known words (k of n)"``.
        """
        items = _as_text_list(texts)
        probabilities = self.predict_proba(items)
        sequences = self.tokenizer.sequences(items) if items else []
        predictions = []
        for ids, row in zip(sequences, probabilities, strict=True):
            known = sum(1 for i in ids if i >= 2)
            best = int(np.argmax(row))
            predictions.append(
                Prediction(
                    label=self.class_names[best],
                    confidence=float(row[best]),
                    probabilities={
                        name: float(p) for name, p in zip(self.class_names, row, strict=True)
                    },
                    known_tokens=known,
                    total_tokens=len(ids),
                    note=self._note(len(ids), known),
                )
            )
        return predictions

    def _note(self, total: int, known: int) -> str:
        if total == 0:
            return "empty text"
        if known == 0:
            return "no known words"
        notes = []
        if total > self.maxlen:
            part = "last" if self.truncating == "pre" else "first"
            notes.append(f"truncated to the {part} {self.maxlen} of {total} tokens")
        if known / total < FEW_KNOWN_SHARE:
            notes.append(f"few known words ({known} of {total})")
        return "; ".join(notes)
