"""Loading corpora from disk.

``load_corpus`` reads folder-per-class trees, CSV/TSV, JSON lines, fastText
lines and sectioned text, and folders of predefined ``train`` / ``valid`` /
``test`` parts in any of these. It returns the :class:`Corpus` with an
:class:`ImportReport` that names every skipped item and every warning.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from workbench.core.arguments import check_path
from workbench.core.corpora.corpus import Corpus
from workbench.core.corpora.formats.base import ColumnSpec, ReadOptions, normalise_format
from workbench.core.corpora.formats.registry import detect_format, find_split_parts, read_source
from workbench.core.corpora.report import ImportReport
from workbench.core.errors import ArgumentError, CorpusError
from workbench.core.progress import CancelToken, ProgressCallback, sub_range

__all__ = ["LABEL_VARIANTS", "MERGE_LABELS", "label_variants", "load_corpus"]

MERGE_LABELS = (None, "case")
"""Values of ``load_corpus(merge_labels=...)``: keep labels as they are, or merge variants."""

LABEL_VARIANTS = "labels differ only in case or spaces"
"""The import report's reason for such a group (front ends offer to merge them)."""
LABELS_MERGED = "labels merged"


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def label_variants(labels: Sequence[str]) -> list[list[tuple[str, int]]]:
    """Groups of labels that differ only in case or spaces, each ``[(label, count), ...]``.

    Within a group the most frequent label comes first (it is the one kept by a merge);
    groups with a single spelling are left out.
    """
    counts = Counter(labels)
    groups: dict[str, list[tuple[str, int]]] = {}
    for label, count in counts.items():
        groups.setdefault(_label_key(label), []).append((label, count))
    found = []
    for members in groups.values():
        if len(members) > 1:
            members.sort(key=lambda item: (-item[1], item[0]))
            found.append(members)
    return sorted(found, key=lambda members: members[0][0])


def _check_column_arguments(text_columns: object, delimiter: object, format: object) -> None:
    """ArgumentError naming a load_corpus argument of the wrong type."""
    columns_ok = text_columns is None or isinstance(text_columns, str | int | list | tuple)
    problems = [
        ("text_columns", text_columns, "a column name or index, or a list of them", columns_ok),
        ("delimiter", delimiter, "one character", delimiter is None or isinstance(delimiter, str)),
        ("format", format, "a format name", isinstance(format, str)),
    ]
    for name, value, wanted, ok in problems:
        if not ok:
            raise ArgumentError(
                f"load_corpus: {name} must be {wanted}, got {value!r} ({type(value).__name__})"
            )


def _check_labels(
    labels: list[str], merge: str | None, report: ImportReport, source: Path
) -> list[str]:
    """Warn about labels that differ only in case/spaces; merge them when asked."""
    groups = label_variants(labels)
    if not groups:
        return labels
    mapping: dict[str, str] = {}
    for members in groups:
        shown = ", ".join(f"{label!r} ({count})" for label, count in members)
        if merge == "case":
            kept = members[0][0]
            for label, _ in members[1:]:
                mapping[label] = kept
            report.warn(source, None, LABELS_MERGED, f"{shown} -> {kept!r}")
        else:
            report.warn(source, None, LABEL_VARIANTS, shown)
    return [mapping.get(label, label) for label in labels] if mapping else labels


def load_corpus(
    path: str | Path,
    *,
    format: str = "auto",
    text_columns: ColumnSpec | Sequence[ColumnSpec] | None = None,
    label_column: ColumnSpec | None = None,
    text_key: str | Sequence[str] = "text",
    label_key: str = "label",
    delimiter: str | None = None,
    merge_labels: str | None = None,
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

    Labels that differ only in case or surrounding/repeated spaces (``"sport"``,
    ``"Sport "``) are named in a report warning; ``merge_labels="case"`` merges each
    such group into its most frequent spelling (and says so in the report).

    Raises CorpusError for a missing path, an unknown format, a folder without
    class folders, a CSV column not found and when no document could be used;
    ``Cancelled`` when ``cancel`` is set.
    """
    started = time.perf_counter()
    path = check_path(path, "path", function="load_corpus")
    if merge_labels not in MERGE_LABELS:
        choices = " or ".join(repr(choice) for choice in MERGE_LABELS)
        raise ArgumentError(f"load_corpus: merge_labels must be {choices}, got {merge_labels!r}")
    _check_column_arguments(text_columns, delimiter, format)
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
            scaled = sub_range(progress, i / len(parts), (i + 1) / len(parts), f"{split}: ")
            records = read_source(
                part, part_format, report, options, progress=scaled, cancel=cancel
            )
            texts += records.texts
            labels += records.labels
            splits += [split] * len(records)
        report.format = ",".join(dict.fromkeys(formats))

    labels = _check_labels(labels, merge_labels, report, path)
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
