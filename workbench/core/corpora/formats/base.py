"""Pieces shared by the corpus readers: read options, record lists, label clean-up."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from workbench.core.errors import CorpusError
from workbench.core.progress import CancelToken, ProgressCallback

if TYPE_CHECKING:
    from workbench.core.corpora.report import ImportReport

FORMATS = ("folder", "csv", "jsonl", "fasttext", "sectioned")
"""The corpus formats ``load_corpus`` reads (``"tsv"`` is an alias of ``"csv"``)."""

FORMAT_ALIASES = {"tsv": "csv", "ndjson": "jsonl", "json": "jsonl"}

ColumnSpec = str | int
"""A CSV column given by header name or 0-based index."""

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
_SENTENCE_END = (".", "!", "?", ":", ";", "…")


def normalise_format(name: str) -> str:
    """``"auto"``, a name in :data:`FORMATS` or an alias; CorpusError otherwise."""
    key = str(name).strip().lower()
    key = FORMAT_ALIASES.get(key, key)
    if key != "auto" and key not in FORMATS:
        choices = ", ".join(("auto", *FORMATS, "tsv"))
        raise CorpusError(f"unknown format {name!r}; expected one of {choices}")
    return key


def normalise_delimiter(value: str | None) -> str | None:
    """A one-character CSV delimiter; also accepts "tab", "\\t", "comma", "semicolon"."""
    if value is None:
        return None
    value = _DELIMITER_NAMES.get(value.lower(), value) if isinstance(value, str) else value
    if not isinstance(value, str) or len(value) != 1 or value in '"\r\n':
        raise CorpusError(f"delimiter must be one character such as ',' ';' or tab, got {value!r}")
    return value


def _as_key_list(value: str | Sequence[str], name: str) -> tuple[str, ...]:
    keys = (value,) if isinstance(value, str) else tuple(value)
    if not keys or not all(isinstance(key, str) and key for key in keys):
        raise CorpusError(f"{name} must be a key or a list of keys, got {value!r}")
    return keys


def _check_column(column: object, name: str) -> ColumnSpec:
    if isinstance(column, bool) or not isinstance(column, str | int) or column == "":
        raise CorpusError(f"{name} must be a column name or 0-based index, got {column!r}")
    if isinstance(column, int) and column < 0:
        raise CorpusError(f"{name} index must be >= 0, got {column}")
    return column


def _as_column_list(value: ColumnSpec | Sequence[ColumnSpec] | None) -> tuple[ColumnSpec, ...]:
    if value is None:
        return ()
    columns = (value,) if isinstance(value, str | int) else tuple(value)
    if not columns:
        raise CorpusError("text_columns must name at least one column, got an empty list")
    return tuple(_check_column(column, "text_columns") for column in columns)


@dataclass(frozen=True)
class ReadOptions:
    """Reader settings taken from ``load_corpus``'s keyword arguments, validated."""

    text_columns: tuple[ColumnSpec, ...] = ()  # CSV; empty = guess from the header
    label_column: ColumnSpec | None = None  # CSV; None = guess from the header
    text_keys: tuple[str, ...] = ("text",)  # JSONL
    label_key: str = "label"  # JSONL
    delimiter: str | None = None  # CSV; None = sniff

    @classmethod
    def create(
        cls,
        *,
        text_columns: ColumnSpec | Sequence[ColumnSpec] | None = None,
        label_column: ColumnSpec | None = None,
        text_key: str | Sequence[str] = "text",
        label_key: str = "label",
        delimiter: str | None = None,
    ) -> ReadOptions:
        """Build options from the loose forms ``load_corpus`` accepts."""
        if label_column is not None:
            label_column = _check_column(label_column, "label_column")
        if not isinstance(label_key, str) or not label_key:
            raise CorpusError(f"label_key must be a non-empty string, got {label_key!r}")
        return cls(
            text_columns=_as_column_list(text_columns),
            label_column=label_column,
            text_keys=_as_key_list(text_key, "text_key"),
            label_key=label_key,
            delimiter=normalise_delimiter(delimiter),
        )


@dataclass
class Records:
    """Documents read so far: parallel lists of texts and labels."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, text: str, label: str) -> None:
        self.texts.append(text)
        self.labels.append(label)

    def __len__(self) -> int:
        return len(self.texts)


class Reader(Protocol):
    """What every format reader looks like."""

    def __call__(
        self,
        path: Path,
        report: ImportReport,
        options: ReadOptions,
        *,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> Records: ...


_INTEGRAL_FLOAT = re.compile(r"^[+-]?\d+\.0+$")


def normalise_label(value: object) -> str:
    """A label as a clean string: numbers become ``"1"``, ``"2.5"``; "" means missing.

    Strings are stripped (``"1.0"`` becomes ``"1"``); ``None`` and values that
    are not strings, numbers or booleans give ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        label = value.strip()
        if _INTEGRAL_FLOAT.match(label):
            label = label.split(".")[0].lstrip("+")
        return label
    return ""


def join_text_parts(parts: Sequence[str]) -> str:
    """Join text fields (title + description): ``"Title. Description"``.

    Empty parts are dropped; a ``"."`` is added only after a part that does not
    already end in sentence punctuation.
    """
    pieces = [part.strip() for part in parts if part and part.strip()]
    if not pieces:
        return ""
    joined = pieces[0]
    for piece in pieces[1:]:
        joined += (" " if joined.endswith(_SENTENCE_END) else ". ") + piece
    return joined
