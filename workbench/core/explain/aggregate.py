"""Explanations over many texts: the words that push documents into each class, and
the short ``top_words`` summary of one explanation used by batch tables."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.core.explain import engines
from workbench.core.explain.explainer import Explainer
from workbench.core.explain.result import Explanation
from workbench.core.progress import CancelToken, ProgressCallback, Throttle, check_cancelled

if TYPE_CHECKING:
    from workbench.core.bundles import Predictor

TOP_WORDS_SEPARATOR = "; "


@dataclass(frozen=True)
class ClassWord:
    """A word that pushes documents into a class: in how many of the documents
    predicted as the class it was among the strongest words, and its mean weight there."""

    word: str
    documents: int
    mean_weight: float


def top_words_text(explanation: Explanation, n: int = 5) -> str:
    """The ``n`` strongest words for the explained class as one cell of text
    (``"profit; shares; bank"``); empty when no word speaks for the class."""
    return TOP_WORDS_SEPARATOR.join(explanation.top_words(n))


def batch_top_words(
    predictor: Predictor, *, method: str = "occlusion", n: int = 5
) -> Callable[[str], str]:
    """A ``text -> top words`` function for :func:`~workbench.core.classify_batch`:
    each text explained for its predicted class, its ``n`` strongest words joined."""
    explainer = Explainer(predictor)

    def words(text: str) -> str:
        return top_words_text(explainer.explain(text, method=method), n)

    return words


def class_words(
    explainer: Explainer,
    texts: Iterable[str],
    *,
    method: str = "occlusion",
    steps: int = engines.DEFAULT_STEPS,
    per_document: int = 10,
    per_class: int = 15,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, list[ClassWord]]:
    """For each class, the words most often among the ``per_document`` strongest words
    for the predicted class of the documents predicted as that class (lowercased
    tokens, punctuation left out, symbols such as ``$`` kept; ties broken by the
    larger mean weight). Every class is a key, possibly
    with an empty list. Cancellable; progress per document."""
    items = list(texts)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    report = Throttle(progress)
    for number, text in enumerate(items):
        check_cancelled(cancel)
        explanation = explainer.explain(text, method=method, steps=steps)
        seen: set[str] = set()
        for token in explanation.top_for(len(explanation.tokens)):
            if token.token in seen or _is_punctuation(token.token):
                continue
            seen.add(token.token)
            counts[explanation.class_name][token.token] += 1
            sums[explanation.class_name][token.token] += token.weight
            if len(seen) >= per_document:
                break
        report((number + 1) / max(1, len(items)), f"explained {number + 1} of {len(items)}")
    out: dict[str, list[ClassWord]] = {}
    for name in explainer.class_names:
        words = [
            ClassWord(word, n, sums[name][word] / n) for word, n in counts.get(name, {}).items()
        ]
        words.sort(key=lambda w: (-w.documents, -w.mean_weight, w.word))
        out[name] = words[:per_class]
    return out


def _is_punctuation(token: str) -> bool:
    return all(unicodedata.category(char).startswith("P") for char in token)
