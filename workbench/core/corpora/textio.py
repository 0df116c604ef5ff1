"""Reading text files whatever their encoding, and telling text from binary.

Text is decoded as UTF-8 (a byte-order mark is dropped), falling back to cp1252
and then latin-1, which never fails. Files that start with a UTF-16 byte-order
mark are read as UTF-16. Line endings are normalised to ``"\\n"``.

One rule for NUL bytes: a file whose first 8 KiB is mostly control characters, or has
NUL bytes in most of its lines, is binary and is never decoded. Otherwise a NUL byte
belongs to one line: a line of a line-based file (CSV, JSON lines...) holding one is
left out and its number kept (:attr:`TextLines.nul_lines`) for the import report, and
a one-document file holding one is refused, wherever the byte is.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import BinaryIO

from workbench.core.errors import CorpusError
from workbench.core.progress import CancelToken, ProgressCallback, Throttle, check_cancelled

SNIFF_BYTES = 8192
"""How much of a file's start is looked at to tell text from binary."""

_ENCODING_RANK = {"utf-8": 0, "utf-16": 0, "cp1252": 1, "latin-1": 2}
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Bytes below 0x20 that are not whitespace, and DEL.
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_CHECK_EVERY = 64  # lines between cancel checks and progress reports


class UnreadableFile(CorpusError):
    """A file that cannot be read as text; ``reason`` is the short cause ("binary file")."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a file look like binary data rather than text.

    Binary: mostly control characters, or NUL bytes in most lines. A text file with a
    stray NUL byte in one line is text (that line is dealt with on its own).
    """
    if not head or head.startswith(_UTF16_BOMS):
        return False
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if control > len(head) * 0.3:
        return True
    if b"\x00" not in head:
        return False
    lines = [line for line in head.split(b"\n") if line]
    return sum(b"\x00" in line for line in lines) * 2 > len(lines)


def first_nul_line(data: bytes) -> int | None:
    """The 1-based line number of the first NUL byte in ``data`` (None without one).

    UTF-16 text (with its byte-order mark) is full of NUL bytes and has none here.
    """
    if data.startswith(_UTF16_BOMS):
        return None
    at = data.find(b"\x00")
    return None if at < 0 else data.count(b"\n", 0, at) + 1


def normalise_newlines(text: str) -> str:
    """Turn Windows (CRLF) and old Mac (CR) line endings into ``"\\n"``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``; newlines are not touched.

    ``encoding`` is ``"utf-8"`` (BOM dropped), ``"utf-16"`` (BOM present),
    ``"cp1252"`` or ``"latin-1"``.
    """
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise UnreadableFile(path, "no such file")
    if path.is_dir():
        raise UnreadableFile(path, "is a folder, not a file")
    try:
        return path.read_bytes()
    except OSError as error:
        raise UnreadableFile(path, f"cannot read ({error.strerror or error})") from error


def read_text_file(path: str | Path, *, allow_nul: bool = False) -> tuple[str, str]:
    """Read a whole text file and return ``(text, encoding)`` with newlines normalised.

    Raises :class:`UnreadableFile` (a ``CorpusError``) for a missing, unreadable
    or binary file, and for a NUL byte anywhere in it unless ``allow_nul`` (a table
    whose caller drops the records holding one). An empty file gives ``("", "utf-8")``.
    """
    path = Path(path)
    data = _read_bytes(path)
    if looks_binary(data[:SNIFF_BYTES]):
        raise UnreadableFile(path, "binary file")
    line = None if allow_nul else first_nul_line(data)
    if line is not None:
        raise UnreadableFile(path, f"NUL byte in line {line}, not text")
    text, encoding = decode_bytes(data)
    return normalise_newlines(text), encoding


def decode_text(data: bytes, source: str) -> str:
    """Text from raw bytes (stdin, an upload) as :func:`read_text_file` reads a file.

    Raises :class:`UnreadableFile` naming ``source`` for binary data.
    """
    if looks_binary(data[:SNIFF_BYTES]):
        raise UnreadableFile(source, "binary data, not text")
    line = first_nul_line(data)
    if line is not None:
        raise UnreadableFile(source, f"NUL byte in line {line}, not text")
    return normalise_newlines(decode_bytes(data)[0])


def _decode_line(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


class TextLines:
    """Stream a text file as ``(line_number, line)`` pairs without reading it whole.

    Line numbers are 1-based; lines come without their line ending (CRLF and CR
    count as line ends). Each line is decoded on its own (UTF-8, else cp1252,
    else latin-1); after iterating, :attr:`encoding` is the least exact encoding
    used and :attr:`fallback_line` the first line that was not UTF-8. Progress is
    reported by bytes read; the cancel token is checked every 64 lines.

    Raises :class:`UnreadableFile` when iteration starts on a missing or binary file.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        message: str = "",
        nul_as_blank: bool = False,
    ) -> None:
        self.path = Path(path)
        self._nul_as_blank = nul_as_blank  # yield "" for a NUL line (keeps a CSV's numbering)
        self.encoding = "utf-8"
        self.fallback_line: int | None = None
        self.nul_lines: list[int] = []  # lines left out because they hold a NUL byte
        self.size = 0
        self._progress = Throttle(progress)
        self._cancel = cancel
        self._message = message or f"Reading {self.path.name}"

    def __iter__(self) -> Generator[tuple[int, str], None, None]:
        if not self.path.exists():
            raise UnreadableFile(self.path, "no such file")
        if self.path.is_dir():
            raise UnreadableFile(self.path, "is a folder, not a file")
        try:
            handle = self.path.open("rb")
        except OSError as error:
            raise UnreadableFile(self.path, f"cannot read ({error.strerror or error})") from error
        with handle:
            self.size = self.path.stat().st_size
            head = handle.read(SNIFF_BYTES)
            if looks_binary(head):
                raise UnreadableFile(self.path, "binary file")
            handle.seek(0)
            if head.startswith(_UTF16_BOMS):
                self.encoding = "utf-16"
                yield from self._utf16_lines(handle)
            else:
                yield from self._byte_lines(handle)
        self._progress(1.0, self._message)

    def _tick(self, number: int, done: int) -> None:
        if number % _CHECK_EVERY == 0:
            check_cancelled(self._cancel)
            if self.size:
                self._progress(min(done / self.size, 1.0), self._message)

    def _byte_lines(self, handle: BinaryIO) -> Iterator[tuple[int, str]]:
        number = 0
        done = 0
        for index, raw in enumerate(handle):
            done += len(raw)
            if index == 0 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            text, encoding = _decode_line(raw)
            if _ENCODING_RANK[encoding] > _ENCODING_RANK[self.encoding]:
                self.encoding = encoding
            if encoding != "utf-8" and self.fallback_line is None:
                self.fallback_line = number + 1
            for piece in _split_line(text):
                number += 1
                if "\x00" in piece:
                    self.nul_lines.append(number)
                    if not self._nul_as_blank:
                        continue
                    piece = ""
                yield number, piece
                self._tick(number, done)
        check_cancelled(self._cancel)

    def _utf16_lines(self, handle: BinaryIO) -> Iterator[tuple[int, str]]:
        reader = io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline=None)
        for number, line in enumerate(reader, start=1):
            yield number, line.rstrip("\n")
            self._tick(number, handle.tell())
        check_cancelled(self._cancel)


def _split_line(text: str) -> list[str]:
    """Drop the line ending; a line holding bare CRs (old Mac endings) becomes several."""
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    if "\r" in text:
        return text.split("\r")
    return [text]


def read_head_lines(path: str | Path, limit: int = 200) -> list[str]:
    """The first ``limit`` non-empty lines of a text file (for format sniffing)."""
    lines: list[str] = []
    iterator = iter(TextLines(path))
    try:
        for _, line in iterator:
            if line.strip():
                lines.append(line)
                if len(lines) >= limit:
                    break
    finally:
        iterator.close()  # closes the file when stopping early
    return lines
