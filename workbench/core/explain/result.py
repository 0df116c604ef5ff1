"""What an explanation holds: one weight per token, tied to the raw text it came from.

A weight is the token's evidence for the explained class in log-odds,
``log p(class) - log p(other classes)``: positive pushes the document into the
class, negative pushes it out. Log-odds rather than probability, so a word's
weight still shows when the model is 99.9 % sure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

METHODS = ("occlusion", "ig")
METHOD_TITLES = {"occlusion": "occlusion", "ig": "integrated gradients"}


@dataclass(frozen=True)
class TokenWeight:
    """One token: its raw ``text[start:end]``, its normalised form and its weight.

    ``read`` is False for tokens past ``maxlen`` (the model never saw them; weight 0),
    ``known`` is False for words outside the model's vocabulary.
    """

    text: str
    token: str
    start: int
    end: int
    weight: float
    read: bool = True
    known: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "weight": round(float(self.weight), 6),
            "read": self.read,
            "known": self.known,
        }


@dataclass
class Explanation:
    """Token weights for one text and one class, plus the prediction they explain."""

    method: str
    class_name: str
    label: str
    probabilities: dict[str, float]
    tokens: list[TokenWeight]
    steps: int = 0
    """Integration steps (integrated gradients only)."""
    completeness_gap: float | None = None
    """Integrated gradients: ``sum(weights) - (f(text) - f(all padding))`` in log-odds."""
    target_delta: float | None = None
    """Integrated gradients: ``f(text) - f(all padding)``, what the weights should sum to."""
    notes: list[str] = field(default_factory=list)

    @property
    def read_tokens(self) -> list[TokenWeight]:
        return [t for t in self.tokens if t.read]

    def top_for(self, n: int = 5) -> list[TokenWeight]:
        """The ``n`` read tokens with the largest positive weights, strongest first."""
        ranked = sorted((t for t in self.tokens if t.read and t.weight > 0), key=_neg_weight)
        return ranked[:n]

    def top_against(self, n: int = 5) -> list[TokenWeight]:
        """The ``n`` read tokens with the most negative weights, strongest first."""
        ranked = sorted((t for t in self.tokens if t.read and t.weight < 0), key=_weight)
        return ranked[:n]

    def top_words(self, n: int = 5) -> list[str]:
        """The raw text of the ``n`` strongest words for the class, each word once."""
        words: list[str] = []
        for token in sorted(self.read_tokens, key=_neg_weight):
            if token.weight <= 0 or len(words) >= n:
                break
            if token.text not in words:
                words.append(token.text)
        return words

    def max_abs_weight(self) -> float:
        return max((abs(t.weight) for t in self.tokens if t.read), default=0.0)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "method": self.method,
            "class": self.class_name,
            "tokens": [t.to_dict() for t in self.tokens],
        }
        if self.method == "ig":
            data["steps"] = self.steps
            data["completeness_gap"] = _rounded(self.completeness_gap)
            data["target_delta"] = _rounded(self.target_delta)
        if self.notes:
            data["notes"] = list(self.notes)
        return data


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _weight(token: TokenWeight) -> float:
    return token.weight


def _neg_weight(token: TokenWeight) -> float:
    return -token.weight
