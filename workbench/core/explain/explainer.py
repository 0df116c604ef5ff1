"""Explain a bundle's predictions word by word.

>>> explainer = Explainer(Predictor.from_path("models/bbc"))  # doctest: +SKIP
>>> e = explainer.explain("Shares in the bank rose 5bn.")      # doctest: +SKIP
>>> [(t.text, round(t.weight, 2)) for t in e.top_for(3)]       # doctest: +SKIP

Tokens come from :func:`~workbench.core.text.tokenizer.tokenize_spans`, so each weight
is tied to the raw characters it came from; tokens the model never read (past
``maxlen``) are kept with ``read=False`` and weight 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from workbench.core.bundles.predict import Predictor
from workbench.core.errors import ConfigError, WorkbenchError
from workbench.core.explain import engines
from workbench.core.explain.result import METHODS, Explanation, TokenWeight
from workbench.core.progress import CancelToken, ProgressCallback, Throttle, check_cancelled
from workbench.core.text.tokenizer import tokenize_spans


@dataclass(frozen=True)
class _Reading:
    """How the model reads one text: its spans, ids, and where each token sits in the row."""

    spans: list[tuple[str, int, int]]
    ids: np.ndarray  # [maxlen], as the model sees it
    positions: list[int | None]  # row position of each token, None when not read
    known: list[bool]


class Explainer:
    """Word weights for a :class:`Predictor`'s classifications, by occlusion or
    integrated gradients (``method="ig"``)."""

    def __init__(self, predictor: Predictor) -> None:
        if not isinstance(predictor, Predictor):
            raise WorkbenchError(f"expected a Predictor, got {type(predictor).__name__}")
        self.predictor = predictor
        self.class_names = list(predictor.class_names)
        self.maxlen = predictor.maxlen
        self.tokenizer = predictor.tokenizer

    def class_index(self, class_name: str | None) -> int | None:
        """Index of ``class_name`` (None stays None: the predicted class)."""
        if class_name is None:
            return None
        if class_name not in self.class_names:
            choices = ", ".join(self.class_names)
            raise ConfigError(f"unknown class {class_name!r}; the model's classes are {choices}")
        return self.class_names.index(class_name)

    def explain(
        self,
        text: str,
        *,
        method: str = "occlusion",
        class_name: str | None = None,
        steps: int = engines.DEFAULT_STEPS,
    ) -> Explanation:
        """Explain the classification of ``text`` for ``class_name`` (default: the
        predicted class). ``steps`` is the integration steps of ``method="ig"``."""
        if not isinstance(text, str):
            raise WorkbenchError(f"text must be a string, got {type(text).__name__}")
        method = _check_method(method)
        steps = _check_steps(steps)
        wanted = self.class_index(class_name)
        reading = self._read(text)
        notes: list[str] = []
        gap = delta = None
        if not reading.ids.any():
            probabilities = self.predictor.predict_proba([text])[0]
            weights = np.zeros(self.maxlen)
            notes.append("empty text" if not reading.spans else "nothing the model can read")
        else:
            if method == "occlusion":
                weights, probabilities = engines.occlusion(
                    self.predictor.bundle.model, reading.ids, wanted
                )
            else:
                index = wanted if wanted is not None else self._predicted(reading.ids)
                weights, probabilities, f_text, f_base = engines.integrated_gradients(
                    self.predictor.bundle.model, reading.ids, index, steps
                )
                delta = f_text - f_base
                gap = float(weights.sum()) - delta
        probabilities = np.asarray(probabilities, dtype=np.float64)
        best = int(np.argmax(probabilities))
        index = wanted if wanted is not None else best
        unread = sum(1 for p in reading.positions if p is None)
        if unread:
            notes.append(f"{unread} tokens past maxlen={self.maxlen} were not read by the model")
        tokens = [
            TokenWeight(
                text=text[start:end],
                token=token,
                start=start,
                end=end,
                weight=0.0 if position is None else float(weights[position]),
                read=position is not None,
                known=known,
            )
            for (token, start, end), position, known in zip(
                reading.spans, reading.positions, reading.known, strict=True
            )
        ]
        return Explanation(
            method=method,
            class_name=self.class_names[index],
            label=self.class_names[best],
            probabilities={
                name: float(p) for name, p in zip(self.class_names, probabilities, strict=True)
            },
            tokens=tokens,
            steps=steps if method == "ig" else 0,
            completeness_gap=gap,
            target_delta=delta,
            notes=notes,
        )

    def explain_many(
        self,
        texts: Iterable[str],
        *,
        method: str = "occlusion",
        class_names: Iterable[str | None] | None = None,
        steps: int = engines.DEFAULT_STEPS,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
    ) -> list[Explanation]:
        """:meth:`explain` for each text (``class_names``: one per text, None = predicted)."""
        items = list(texts)
        wanted = list(class_names) if class_names is not None else [None] * len(items)
        if len(wanted) != len(items):
            raise ConfigError(f"{len(wanted)} class names given for {len(items)} texts")
        report = Throttle(progress)
        out = []
        for number, (text, name) in enumerate(zip(items, wanted, strict=True)):
            check_cancelled(cancel)
            out.append(self.explain(text, method=method, class_name=name, steps=steps))
            report((number + 1) / max(1, len(items)), f"explained {number + 1} of {len(items)}")
        return out

    def _predicted(self, ids: np.ndarray) -> int:
        runner = engines.runner_for(self.predictor.bundle.model, self.maxlen)
        return int(np.argmax(runner(ids[None, :])[0]))

    def _read(self, text: str) -> _Reading:
        spans = tokenize_spans(text)
        ids = np.zeros(self.maxlen, dtype=np.int32)
        index = self.tokenizer.word_index
        seq = [index.get(token, self.tokenizer.OOV) for token, _, _ in spans]
        n = len(seq)
        kept = min(n, self.maxlen)
        first = n - kept if self.tokenizer.truncating == "pre" else 0
        offset = self.maxlen - kept if self.tokenizer.padding == "pre" else 0
        positions: list[int | None] = [None] * n
        for k in range(first, first + kept):
            positions[k] = offset + k - first
            ids[offset + k - first] = seq[k]
        return _Reading(spans, ids, positions, [i != self.tokenizer.OOV for i in seq])


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


def _check_steps(steps: int) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise ConfigError(f"steps must be an integer, got {steps!r}")
    if not 1 <= steps <= engines.MAX_STEPS:
        raise ConfigError(f"steps must be between 1 and {engines.MAX_STEPS}, got {steps}")
    return int(steps)
