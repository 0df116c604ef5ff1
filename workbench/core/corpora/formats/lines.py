"""Line-based corpora, read as streams: JSON lines, fastText lines and sectioned text."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.corpora.formats.base import (
    ReadOptions,
    Records,
    join_text_parts,
    normalise_label,
)
from workbench.core.corpora.textio import TextLines
from workbench.core.progress import CancelToken, ProgressCallback

if TYPE_CHECKING:
    from workbench.core.corpora.report import ImportReport

FASTTEXT_PREFIX = "__label__"
_FASTTEXT_LINE = re.compile(r"^((?:__label__\S*\s*)+)(.*)$", re.DOTALL)
_HEADER_MAX_WORDS = 12
_ELLIPSIS_CHARS = frozenset(".…")
_NON_WORD = re.compile(r"[^\w-]+")


def _warn_encoding(report: ImportReport, path: Path, lines: TextLines) -> None:
    for number in lines.nul_lines:
        report.skip(path, number, "NUL byte in line")
    if lines.encoding not in ("utf-8", "utf-16"):
        report.warn(path, lines.fallback_line, f"decoded as {lines.encoding}")


def _finish(report: ImportReport, path: Path, lines: TextLines, seen_content: bool) -> None:
    _warn_encoding(report, path, lines)
    if not seen_content:
        report.skip(path, None, "empty file")


# --- JSON lines ---------------------------------------------------------------------------


def _text_value(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return join_text_parts([item for item in value if isinstance(item, str)])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _keys_of(record: dict) -> str:
    keys = ", ".join(list(record)[:10])
    return f"has: {keys}" if keys else "empty object"


def read_jsonl(
    path: Path,
    report: ImportReport,
    options: ReadOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Records:
    """One JSON object per line; ``options.text_keys`` are joined, ``label_key`` is the label.

    Blank lines are ignored. Malformed lines, lines that are not objects and
    objects without text or label are skipped with their line number. A list
    label keeps its first item, with a warning.
    """
    records = Records()
    lines = TextLines(path, progress=progress, cancel=cancel)
    seen = False
    for number, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        seen = True
        try:
            record = json.loads(stripped)
        except (ValueError, RecursionError) as error:
            report.skip(path, number, "malformed JSON", getattr(error, "msg", type(error).__name__))
            continue
        if not isinstance(record, dict):
            report.skip(path, number, "not a JSON object", type(record).__name__)
            continue
        present = [key for key in options.text_keys if key in record]
        if not present:
            keys = ", ".join(repr(key) for key in options.text_keys)
            report.skip(path, number, "missing text", f"no key {keys}; {_keys_of(record)}")
            continue
        text = join_text_parts([_text_value(record[key]) for key in present])
        raw_label = record.get(options.label_key)
        if isinstance(raw_label, list) and raw_label:
            if len(raw_label) > 1:
                report.warn(path, number, "several labels, kept the first", repr(raw_label[0]))
            raw_label = raw_label[0]
        label = normalise_label(raw_label)
        if not text:
            report.skip(path, number, "missing text")
        elif not label:
            detail = "" if options.label_key in record else f"no key {options.label_key!r}"
            report.skip(path, number, "missing label", detail)
        else:
            records.add(text, label)
    _finish(report, path, lines, seen)
    return records


def looks_like_jsonl(lines: Sequence[str]) -> bool:
    """Whether the first non-empty line is one whole JSON object."""
    if not lines:
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except (ValueError, RecursionError):
        return False


# --- fastText -----------------------------------------------------------------------------


def read_fasttext(
    path: Path,
    report: ImportReport,
    options: ReadOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Records:
    """``__label__sport some text`` lines; with several labels the first is kept (warning)."""
    del options  # nothing to configure
    records = Records()
    lines = TextLines(path, progress=progress, cancel=cancel)
    seen = False
    for number, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        seen = True
        match = _FASTTEXT_LINE.match(stripped)
        labels = [] if match is None else _fasttext_labels(match.group(1))
        if not labels:
            report.skip(path, number, "missing label")
            continue
        text = match.group(2).strip() if match else ""
        if not text:
            report.skip(path, number, "missing text")
            continue
        if len(labels) > 1:
            report.warn(path, number, "several labels, kept the first", ", ".join(labels))
        records.add(text, labels[0])
    _finish(report, path, lines, seen)
    return records


def _fasttext_labels(prefix_part: str) -> list[str]:
    tokens = prefix_part.split()
    return [token[len(FASTTEXT_PREFIX) :] for token in tokens if len(token) > len(FASTTEXT_PREFIX)]


def looks_like_fasttext(lines: Sequence[str]) -> bool:
    """Whether most non-empty lines start with ``__label__``."""
    lines = [line for line in lines if line.strip()]
    hits = sum(line.lstrip().startswith(FASTTEXT_PREFIX) for line in lines)
    return bool(lines) and hits > len(lines) / 2


# --- sectioned text -----------------------------------------------------------------------


def is_ellipsis(line: str) -> bool:
    """A line that is only ``...`` or ``…`` (a gap marker, not an article)."""
    stripped = line.strip()
    return bool(stripped) and set(stripped) <= _ELLIPSIS_CHARS


def is_section_header(line: str) -> bool:
    """A line ending in ``:`` of at most 12 words, such as ``Politics news:``."""
    stripped = line.strip()
    return stripped.endswith(":") and len(stripped.split()) <= _HEADER_MAX_WORDS


def section_label(line: str) -> str:
    """``"Politics news about the elections:"`` -> ``"politics"`` ("" when no word)."""
    words = line.strip().rstrip(":").split()
    return _NON_WORD.sub("", words[0]).lower() if words else ""


def read_sectioned(
    path: Path,
    report: ImportReport,
    options: ReadOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Records:
    """Category headers ending in ``:``, each followed by one article per non-empty line.

    Lines that are only ``...`` are ignored; articles before any header (or after
    a header without a name) are skipped with their line numbers.
    """
    del options  # nothing to configure
    records = Records()
    lines = TextLines(path, progress=progress, cancel=cancel)
    label: str | None = None
    seen = False
    for number, line in lines:
        if not line.strip() or is_ellipsis(line):
            continue
        seen = True
        if is_section_header(line):
            label = section_label(line) or None
            if label is None:
                report.skip(path, number, "header without a category name", line.strip())
        elif label is None:
            report.skip(path, number, "text before any category header")
        else:
            records.add(line.strip(), label)
    _finish(report, path, lines, seen)
    return records


def looks_sectioned(lines: Sequence[str]) -> bool:
    """Whether a header line is followed (later) by a content line."""
    header_seen = False
    for line in lines:
        if not line.strip() or is_ellipsis(line):
            continue
        if is_section_header(line):
            header_seen = bool(section_label(line)) or header_seen
        elif header_seen:
            return True
    return False
