"""The labelled corpus: texts with one label each, and optional predefined splits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.core.errors import CorpusError

__all__ = ["SPLIT_ORDER", "Corpus"]

SPLIT_ORDER = ("train", "valid", "test")


@dataclass(frozen=True, repr=False)
class Corpus:
    """Texts with one label each.

    ``class_names`` is sorted and holds every label; a :meth:`subset` keeps its
    parent's class names, so label ids stay comparable between splits.
    ``splits`` gives ``"train"``/``"valid"``/``"test"`` per document when the
    source had predefined splits. Lists passed in are stored as tuples.
    """

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    class_names: tuple[str, ...]
    source: str
    format: str
    splits: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("texts", "labels", "class_names"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if len(self.texts) != len(self.labels):
            raise CorpusError(
                f"texts and labels differ in length: {len(self.texts)} vs {len(self.labels)}"
            )
        if list(self.class_names) != sorted(set(self.class_names)):
            raise CorpusError(f"class_names must be sorted and unique, got {self.class_names!r}")
        missing = set(self.labels) - set(self.class_names)
        if missing:
            raise CorpusError(f"labels not in class_names: {', '.join(sorted(missing))}")
        if self.splits is not None:
            object.__setattr__(self, "splits", tuple(self.splits))
            if len(self.splits) != len(self.texts):
                raise CorpusError(
                    f"splits has {len(self.splits)} entries for {len(self.texts)} documents"
                )
            unknown = set(self.splits) - set(SPLIT_ORDER)
            if unknown:
                raise CorpusError(f"unknown split names: {', '.join(sorted(unknown))}")

    @classmethod
    def from_documents(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        source: str = "",
        format: str = "",
        splits: Sequence[str] | None = None,
    ) -> Corpus:
        """A corpus whose ``class_names`` are the sorted unique ``labels``."""
        return cls(
            texts=tuple(texts),
            labels=tuple(labels),
            class_names=tuple(sorted(set(labels))),
            source=source,
            format=format,
            splits=None if splits is None else tuple(splits),
        )

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        return (
            f"Corpus({len(self)} documents, {len(self.class_names)} classes, "
            f"format={self.format!r}, source={self.source!r})"
        )

    def label_ids(self) -> np.ndarray:
        """Each document's label as an int32 index into ``class_names``."""
        index = {name: i for i, name in enumerate(self.class_names)}
        return np.fromiter((index[label] for label in self.labels), np.int32, len(self.labels))

    def class_counts(self) -> dict[str, int]:
        """Documents per class, in ``class_names`` order (zero for classes absent here)."""
        counts = Counter(self.labels)
        return {name: counts.get(name, 0) for name in self.class_names}

    def subset(self, indices: Iterable[int] | np.ndarray) -> Corpus:
        """The documents at ``indices`` (ints in that order, or a boolean mask).

        The subset keeps this corpus's ``class_names``.
        """
        array = np.asarray(indices if isinstance(indices, np.ndarray) else list(indices))
        if array.dtype == np.bool_:
            array = np.flatnonzero(array)
        picked = array.astype(np.int64).ravel().tolist()
        return Corpus(
            texts=tuple(self.texts[i] for i in picked),
            labels=tuple(self.labels[i] for i in picked),
            class_names=self.class_names,
            source=self.source,
            format=self.format,
            splits=None if self.splits is None else tuple(self.splits[i] for i in picked),
        )

    def to_dict(self) -> dict:
        """Size, classes and counts (not the texts)."""
        return {
            "source": self.source,
            "format": self.format,
            "documents": len(self),
            "class_names": list(self.class_names),
            "class_counts": self.class_counts(),
            "predefined_splits": None
            if self.splits is None
            else {name: self.splits.count(name) for name in SPLIT_ORDER},
        }
