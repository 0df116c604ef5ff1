"""Loading corpora from disk.

``load_corpus`` reads folder-per-class trees, CSV/TSV, JSON lines, fastText
lines and sectioned text, and folders of predefined ``train`` / ``valid`` /
``test`` parts in any of these. It returns the :class:`Corpus` with an
:class:`ImportReport` that names every skipped item and every warning.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from workbench.core.corpora.corpus import Corpus
from workbench.core.corpora.formats.base import ColumnSpec, ReadOptions, normalise_format
from workbench.core.corpora.formats.registry import detect_format, find_split_parts, read_source
from workbench.core.corpora.report import ImportReport
from workbench.core.errors import CorpusError
from workbench.core.progress import CancelToken, ProgressCallback, sub_range

__all__ = ["load_corpus"]


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
            scaled = sub_range(progress, i / len(parts), (i + 1) / len(parts), f"{split}: ")
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
