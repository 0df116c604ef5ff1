"""Labelled text corpora and loading them from disk.

``load_corpus`` reads folder-per-class trees, CSV/TSV, JSON lines, fastText
lines and sectioned text, and folders of predefined ``train`` / ``valid`` /
``test`` parts in any of these. It returns the :class:`Corpus` with an
:class:`ImportReport` that names every skipped item and every warning.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.core.cancel import CancelToken, ProgressCallback
from workbench.core.errors import CorpusError
from workbench.core.formats import detect_format, find_split_parts, read_source
from workbench.core.formats_base import FORMATS, ColumnSpec, ReadOptions, normalise_format

__all__ = [
    "FORMATS",
    "SPLIT_ORDER",
    "Corpus",
    "ImportIssue",
    "ImportReport",
    "detect_format",
    "load_corpus",
]

SPLIT_ORDER = ("train", "valid", "test")


@dataclass(frozen=True)
class ImportIssue:
    """One item skipped or warned about while loading, with where it is."""

    path: str  # file the problem is in
    line: int | None  # 1-based line number, None for whole files
    reason: str  # short and groupable: "empty file", "binary file", "missing label"...
    detail: str = ""  # specifics: the parser message, the keys present...

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        extra = f" ({self.detail})" if self.detail else ""
        return f"{where}: {self.reason}{extra}"

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "reason": self.reason, "detail": self.detail}


def _count_phrase(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


@dataclass
class ImportReport:
    """What a load did: documents loaded, items skipped and warnings, each with its place."""

    source: str
    format: str
    loaded: int = 0
    skipped: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    elapsed_s: float = 0.0

    def skip(self, path: str | Path, line: int | None, reason: str, detail: str = "") -> None:
        """Record an item that was not loaded."""
        self.skipped.append(ImportIssue(str(path), line, reason, detail))

    def warn(self, path: str | Path, line: int | None, reason: str, detail: str = "") -> None:
        """Record something loaded (or ignored on purpose) that the user should know about."""
        self.warnings.append(ImportIssue(str(path), line, reason, detail))

    def skipped_by_reason(self) -> dict[str, int]:
        """Skipped counts per reason, most frequent first."""
        return dict(Counter(issue.reason for issue in self.skipped).most_common())

    def summary(self) -> str:
        """One line: ``"Loaded 2225 documents, skipped 1 (1 binary file); 1 warning"``."""
        text = f"Loaded {_count_phrase(self.loaded, 'document')}"
        if self.skipped:
            reasons = ", ".join(f"{n} {reason}" for reason, n in self.skipped_by_reason().items())
            text += f", skipped {len(self.skipped)} ({reasons})"
        if self.warnings:
            text += f"; {_count_phrase(len(self.warnings), 'warning')}"
        return text

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.format,
            "loaded": self.loaded,
            "skipped": [issue.to_dict() for issue in self.skipped],
            "warnings": [issue.to_dict() for issue in self.warnings],
            "summary": self.summary(),
            "elapsed_s": self.elapsed_s,
        }


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


def _part_progress(
    progress: ProgressCallback | None, start: float, end: float, prefix: str
) -> ProgressCallback | None:
    if progress is None:
        return None

    def scaled(fraction: float, message: str) -> None:
        progress(start + (end - start) * max(0.0, min(fraction, 1.0)), f"{prefix}{message}")

    return scaled


def load_corpus(
    path: str | Path,
    *,
    format: str = "auto",
    text_columns: ColumnSpec | Sequence[ColumnSpec] | None = None,
    label_column: ColumnSpec | None = None,
    text_key: str | Sequence[str] = "text",
    label_key: str = "label",
    delimiter: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[Corpus, ImportReport]:
    """Load a corpus and report what was skipped and why.

    ``format`` is ``"auto"`` (detected, see :func:`detect_format`) or one of
    :data:`FORMATS`; ``"tsv"`` means csv with a tab delimiter. CSV options:
    ``text_columns`` (names or 0-based indices, joined), ``label_column``,
    ``delimiter`` (sniffed among ``, ; tab`` when None). JSONL options:
    ``text_key`` (a key or list of keys, joined) and ``label_key``. A folder
    holding ``train.*`` / ``valid.*`` (or ``val.*``) / ``test.*`` parts keeps
    those splits in ``Corpus.splits``.

    Raises CorpusError for a missing path, an unknown format, a folder without
    class folders, a CSV column not found and when no document could be used;
    ``Cancelled`` when ``cancel`` is set.
    """
    started = time.perf_counter()
    fmt = normalise_format(format)
    if delimiter is None and str(format).strip().lower() == "tsv":
        delimiter = "\t"
    options = ReadOptions.create(
        text_columns=text_columns,
        label_column=label_column,
        text_key=text_key,
        label_key=label_key,
        delimiter=delimiter,
    )
    path = Path(path).expanduser()
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    report = ImportReport(source=str(path), format=fmt)

    parts = find_split_parts(path, report) if path.is_dir() else None
    texts: list[str] = []
    labels: list[str] = []
    splits: list[str] | None = None
    if parts is None:
        report.format = detect_format(path) if fmt == "auto" else fmt
        records = read_source(
            path, report.format, report, options, progress=progress, cancel=cancel
        )
        texts, labels = records.texts, records.labels
    else:
        splits = []
        formats: list[str] = []
        for i, (split, part) in enumerate(parts.items()):
            part_format = detect_format(part) if fmt == "auto" else fmt
            formats.append(part_format)
            scaled = _part_progress(progress, i / len(parts), (i + 1) / len(parts), f"{split}: ")
            records = read_source(
                part, part_format, report, options, progress=scaled, cancel=cancel
            )
            texts += records.texts
            labels += records.labels
            splits += [split] * len(records)
        report.format = ",".join(dict.fromkeys(formats))

    report.loaded = len(texts)
    report.elapsed_s = time.perf_counter() - started
    if not texts:
        if report.skipped:
            raise CorpusError(
                f"{path}: no usable documents (skipped {len(report.skipped)}; "
                f"first: {report.skipped[0]})"
            )
        raise CorpusError(f"{path}: no documents found")
    corpus = Corpus.from_documents(
        texts, labels, source=str(path), format=report.format, splits=splits
    )
    if progress is not None:
        progress(1.0, report.summary())
    return corpus, report
