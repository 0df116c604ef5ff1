"""Word-level explanations of a bundle's predictions (occlusion, integrated gradients)."""

from workbench.core.explain.aggregate import (
    ClassWord,
    batch_top_words,
    class_words,
    top_words_text,
)
from workbench.core.explain.explainer import Explainer
from workbench.core.explain.result import METHOD_TITLES, METHODS, Explanation, TokenWeight

__all__ = [
    "METHODS",
    "METHOD_TITLES",
    "ClassWord",
    "Explainer",
    "Explanation",
    "TokenWeight",
    "batch_top_words",
    "class_words",
    "top_words_text",
]
