"""One reader per corpus format, format detection and predefined-split layouts.

Readers take ``(path, report, options, *, progress, cancel)``, add every skipped
item and warning to the :class:`~workbench.core.corpora.corpus.ImportReport` and return
the :class:`Records` they could read. ``load_corpus`` in ``corpus.py`` is the
public entry point.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.corpora.formats.base import FORMATS, Reader, ReadOptions, Records
from workbench.core.corpora.formats.delimited import read_csv
from workbench.core.corpora.formats.lines import (
    looks_like_fasttext,
    looks_like_jsonl,
    looks_sectioned,
    read_fasttext,
    read_jsonl,
    read_sectioned,
)
from workbench.core.corpora.textio import UnreadableFile, read_head_lines, read_text_file
from workbench.core.errors import CorpusError
from workbench.core.progress import CancelToken, ProgressCallback, Throttle, check_cancelled

if TYPE_CHECKING:
    from workbench.core.corpora.report import ImportReport

SPLIT_NAMES = {
    "train": "train",
    "valid": "valid",
    "val": "valid",
    "validation": "valid",
    "dev": "valid",
    "test": "test",
}
"""File stems / folder names of predefined splits and the split each one means."""

EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".tab": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
"""Extensions that fix the format; other text files are sniffed."""


def is_hidden(path: Path) -> bool:
    """Dot files and folders (``.DS_Store``, ``.git``) are never part of a corpus."""
    return path.name.startswith(".")


def _visible_entries(folder: Path) -> list[Path]:
    try:
        return sorted(entry for entry in folder.iterdir() if not is_hidden(entry))
    except OSError as error:
        raise CorpusError(f"{folder}: cannot list folder ({error.strerror or error})") from error


# --- folder-per-class ---------------------------------------------------------------------


def read_folder(
    path: Path,
    report: ImportReport,
    options: ReadOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Records:
    """``root/<label>/<file>``: each file in a class folder is one document.

    Files directly in ``root`` and folders inside class folders are ignored with
    a warning; hidden entries are ignored silently. Every file in a class folder
    is read, whatever its extension; binary, undecodable or empty files are
    skipped. Progress counts files.
    """
    del options  # nothing to configure
    class_dirs = []
    for entry in _visible_entries(path):
        if entry.is_dir():
            class_dirs.append(entry)
        elif entry.is_symlink() and not entry.exists():
            report.skip(entry, None, "broken or looping link")
        else:
            report.warn(entry, None, "file outside class folders ignored")
    if not class_dirs:
        raise CorpusError(f"{path}: no class subfolders (expected {path}/<label>/<files>)")

    files: list[tuple[Path, str]] = []
    for class_dir in class_dirs:
        count = 0
        for entry in _visible_entries(class_dir):
            if entry.is_dir():
                report.warn(entry, None, "nested folder ignored")
            elif entry.is_file():
                files.append((entry, class_dir.name))
                count += 1
            elif entry.is_symlink():
                report.skip(entry, None, "broken or looping link")
            else:
                report.skip(entry, None, "not a regular file")
        if count == 0:
            report.warn(class_dir, None, "empty class folder ignored")

    tell = Throttle(progress)
    records = Records()
    for done, (file, label) in enumerate(files, start=1):
        check_cancelled(cancel)
        try:
            text, encoding = read_text_file(file)
        except UnreadableFile as error:
            report.skip(file, None, error.reason)
            continue
        if encoding not in ("utf-8", "utf-16"):
            report.warn(file, None, f"decoded as {encoding}")
        text = text.strip()
        if text:
            records.add(text, label)
        else:
            report.skip(file, None, "empty file")
        tell(done / len(files), f"Reading {label}/{file.name}")
    return records


READERS: dict[str, Reader] = {
    "folder": read_folder,
    "csv": read_csv,
    "jsonl": read_jsonl,
    "fasttext": read_fasttext,
    "sectioned": read_sectioned,
}


def _cannot_tell(path: Path, why: str = "") -> CorpusError:
    choices = ", ".join(FORMATS)
    extra = f" ({why})" if why else ""
    return CorpusError(f"cannot tell the format of {path}{extra}; pass --format ({choices})")


def detect_file_format(path: Path) -> str:
    """The format of one file: by extension, else by sniffing its first lines."""
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None:
        return by_extension
    try:
        head = read_head_lines(path)
    except UnreadableFile as error:
        raise _cannot_tell(path, error.reason) from error
    if not head:
        raise _cannot_tell(path, "empty file")
    if looks_like_fasttext(head):
        return "fasttext"
    if looks_like_jsonl(head):
        return "jsonl"
    if looks_sectioned(head):
        return "sectioned"
    raise _cannot_tell(path)


# --- predefined splits --------------------------------------------------------------------


def _split_of(entry: Path) -> str | None:
    if entry.is_dir():
        split = SPLIT_NAMES.get(entry.name.lower())
        if split is None:
            return None
        try:
            has_classes = any(child.is_dir() and not is_hidden(child) for child in entry.iterdir())
        except OSError:
            return None
        return split if has_classes else None
    return SPLIT_NAMES.get(entry.name.split(".")[0].lower())


def find_split_parts(folder: Path, report: ImportReport | None = None) -> dict[str, Path] | None:
    """The ``train`` / ``valid`` / ``test`` parts of a predefined-split folder, else None.

    A part is a file named ``train.*``, ``valid.*`` (also ``val``, ``validation``,
    ``dev``) or ``test.*``, or a folder of that name holding class folders. The
    layout needs at least train and test. Other entries are reported as ignored.
    """
    parts: dict[str, list[Path]] = {}
    others: list[Path] = []
    for entry in _visible_entries(folder):
        split = _split_of(entry)
        if split is None:
            others.append(entry)
        else:
            parts.setdefault(split, []).append(entry)
    if "train" not in parts or "test" not in parts:
        return None
    for split, entries in parts.items():
        if len(entries) > 1:
            names = ", ".join(entry.name for entry in entries)
            raise CorpusError(f"{folder}: several parts for the {split} split: {names}")
    if report is not None:
        for entry in others:
            report.warn(entry, None, "not a train/valid/test part, ignored")
    order = ("train", "valid", "test")
    return {split: parts[split][0] for split in order if split in parts}


def detect_format(path: str | Path) -> str:
    """The format of a corpus path (one of :data:`FORMATS`); CorpusError if it cannot tell.

    A folder is folder-per-class, unless it holds predefined splits: then the
    format of its train part is returned.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    if path.is_dir():
        parts = find_split_parts(path)
        if parts is None:
            return "folder"
        return detect_format(parts["train"])
    return detect_file_format(path)


def read_source(
    path: Path,
    fmt: str,
    report: ImportReport,
    options: ReadOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Records:
    """Read one file or folder with the reader of ``fmt`` (not ``"auto"``).

    A file that cannot be read at all (binary, unreadable) is recorded as skipped.
    """
    if fmt == "folder" and not path.is_dir():
        raise CorpusError(f"{path} is a file; format 'folder' needs a folder of class folders")
    if fmt != "folder" and path.is_dir():
        raise CorpusError(f"{path} is a folder; format {fmt!r} needs a file")
    try:
        return READERS[fmt](path, report, options, progress=progress, cancel=cancel)
    except UnreadableFile as error:
        report.skip(path, None, error.reason)
        return Records()
