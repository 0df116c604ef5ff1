"""Stratified train / valid / test splits, and predefined ones kept as they are.

How a class of ``n`` documents is divided (``split_corpus``):

* ``n >= 3``: ``round(n * test_fraction)`` to test and ``round(n * val_fraction)``
  to valid, at least one in each requested split and at least one left for train;
* ``n == 2``: one to train, one to test (to valid when ``test_fraction`` is 0);
* ``n == 1``: the document goes to train.

Which documents go where is drawn with ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from workbench.core.arguments import check_instance, check_int
from workbench.core.corpora.corpus import SPLIT_ORDER, Corpus
from workbench.core.errors import ConfigError, CorpusError


@dataclass
class Splits:
    """The three parts of a corpus; every part keeps the whole corpus's class names."""

    train: Corpus
    valid: Corpus
    test: Corpus
    predefined: bool
    duplicates: dict[str, int] = field(default_factory=dict)  # {"valid": n, "test": n}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(getattr(self, name))}" for name in SPLIT_ORDER)
        return f"Splits({sizes}, predefined={self.predefined}, duplicates={self.duplicates})"

    def sizes(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in SPLIT_ORDER}

    def to_dict(self) -> dict:
        """Sizes, per-class counts of each part, duplicates and whether predefined."""
        return {
            "predefined": self.predefined,
            "sizes": self.sizes(),
            "class_counts": {name: getattr(self, name).class_counts() for name in SPLIT_ORDER},
            "duplicates": dict(self.duplicates),
        }


def _round(value: float) -> int:
    """Round half up (Python's ``round`` rounds half to even)."""
    return math.floor(value + 0.5)


def allocate(n: int, first_fraction: float, second_fraction: float) -> tuple[int, int]:
    """How many of a class of ``n`` go to the first and second held-out parts.

    See the module docstring for the rules; the rest stays in train.
    """
    if n <= 1:
        return 0, 0
    if n == 2:
        if first_fraction > 0:
            return 1, 0
        return 0, (1 if second_fraction > 0 else 0)
    first = _round(n * first_fraction)
    second = _round(n * second_fraction)
    if first_fraction > 0:
        first = max(first, 1)
    if second_fraction > 0:
        second = max(second, 1)
    while first + second > n - 1:  # keep one for train; never drop a part below one
        if first >= second and first > 1:
            first -= 1
        elif second > 1:
            second -= 1
        else:
            first -= 1
    return first, second


def _check_fraction(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ConfigError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _describe_classes(names: Sequence[str]) -> str:
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return f"{len(names)} ({shown})" if names else "0"


def _require_classes(corpus: Corpus, what: str) -> None:
    present = [name for name, count in corpus.class_counts().items() if count > 0]
    if len(present) < 2:
        raise CorpusError(f"{what} needs at least 2 classes, found {_describe_classes(present)}")


def normalise_whitespace(text: str) -> str:
    """Text with runs of whitespace made single spaces (for duplicate checks)."""
    return " ".join(text.split())


def count_duplicates(train: Corpus, others: dict[str, Corpus]) -> dict[str, int]:
    """Per part, how many texts also appear in ``train`` (whitespace-normalised)."""
    seen = {normalise_whitespace(text) for text in train.texts}
    return {
        name: sum(normalise_whitespace(text) in seen for text in part.texts)
        for name, part in others.items()
    }


def _stratified(
    label_ids: np.ndarray, indices: np.ndarray, first: float, second: float, seed: int
) -> tuple[list[int], list[int], list[int]]:
    """Divide ``indices`` per class into (rest, first part, second part), each sorted."""
    rng = np.random.default_rng(seed)
    rest: list[int] = []
    part_one: list[int] = []
    part_two: list[int] = []
    for class_id in np.unique(label_ids[indices]):
        members = indices[label_ids[indices] == class_id]
        members = members[rng.permutation(len(members))]
        n_one, n_two = allocate(len(members), first, second)
        part_one += members[:n_one].tolist()
        part_two += members[n_one : n_one + n_two].tolist()
        rest += members[n_one + n_two :].tolist()
    return sorted(rest), sorted(part_one), sorted(part_two)


def _check_not_empty(parts: dict[str, list[int]], wanted: Sequence[str], corpus: Corpus) -> None:
    for name in wanted:
        if not parts[name]:
            raise CorpusError(
                f"too few documents to split: {len(corpus)} documents in "
                f"{len(corpus.class_names)} classes leave the {name} split empty; "
                "classes need at least 3 documents each"
            )


def split_corpus(
    corpus: Corpus, *, val_fraction: float = 0.1, test_fraction: float = 0.2, seed: int = 0
) -> Splits:
    """Split ``corpus`` into train / valid / test, stratified by class.

    ``test_fraction`` and ``val_fraction`` are shares of the whole corpus. With
    predefined splits (``corpus.splits``) those are used; when there is no valid
    part, ``val_fraction`` of the corpus is carved out of train, stratified.

    Raises CorpusError with fewer than 2 classes or when a requested split (or
    train) would be empty; ConfigError for fractions outside [0, 1) or summing
    to 1 or more.
    """
    check_instance(corpus, Corpus, "corpus", function="split_corpus")
    seed = check_int(seed, "seed", function="split_corpus", minimum=0)
    val_fraction = _check_fraction("val_fraction", val_fraction)
    test_fraction = _check_fraction("test_fraction", test_fraction)
    if val_fraction + test_fraction >= 1:
        raise ConfigError(
            f"val_fraction + test_fraction must be < 1, got {val_fraction} + {test_fraction}"
        )
    if len(corpus) == 0:
        raise CorpusError("cannot split an empty corpus")
    _require_classes(corpus, "splitting")
    label_ids = corpus.label_ids()

    if corpus.splits is None:
        everything = np.arange(len(corpus))
        train, test, valid = _stratified(label_ids, everything, test_fraction, val_fraction, seed)
        parts = {"train": train, "valid": valid, "test": test}
        wanted = ["train"] + ["valid"] * (val_fraction > 0) + ["test"] * (test_fraction > 0)
        _check_not_empty(parts, wanted, corpus)
        predefined = False
    else:
        names = np.asarray(corpus.splits)
        parts = {name: np.flatnonzero(names == name).tolist() for name in SPLIT_ORDER}
        if not parts["valid"] and val_fraction > 0 and parts["train"]:
            share = min(val_fraction * len(corpus) / len(parts["train"]), 0.5)
            train_idx = np.asarray(parts["train"])
            rest, valid, _ = _stratified(label_ids, train_idx, share, 0.0, seed)
            parts["train"], parts["valid"] = rest, valid
        for name in ["train", "test"] + ["valid"] * (val_fraction > 0):
            if not parts[name]:
                raise CorpusError(f"the predefined {name} split of {corpus.source} is empty")
        predefined = True

    result = {name: corpus.subset(indices) for name, indices in parts.items()}
    _require_classes(result["train"], "the train split")
    return Splits(
        train=result["train"],
        valid=result["valid"],
        test=result["test"],
        predefined=predefined,
        duplicates=count_duplicates(
            result["train"], {"valid": result["valid"], "test": result["test"]}
        ),
    )
