"""Reading word vectors from GloVe / word2vec *text* files (plain, ``.gz`` or ``.zip``).

The fast path maps an uncompressed file into memory (compressed ones are read
in 16 MB chunks), finds each line's word with two ``find`` calls and parses
floats only for the lines whose word is wanted: a chunk's wanted lines in one
``np.loadtxt`` call, row by row only when that call meets a malformed line.

Fields are separated by spaces; a CR before the newline, trailing spaces and
blank lines are tolerated. A line with a value that is not a finite float32 (``nan``,
``inf``, ``1e39``) is malformed, like one with the wrong number of fields. With a
vocabulary only the lines of its words are parsed, so only those (and lines without
any space) can be reported as malformed; a full load checks every line.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.core.errors import VectorsError
from workbench.core.progress import CancelToken, ProgressCallback, Throttle, check_cancelled
from workbench.core.text.vectors.source import (
    BOM,
    Stream,
    describe,
    infer_layout,
    open_stream,
    read_chunk,
)

CHUNK_BYTES = 16 << 20
MAX_LINE_BYTES = 64 << 20
MAX_REPORTED_LINES = 10


@dataclass
class ParsedVectors:
    """What a reader found; :mod:`workbench.core.text.vectors.loading` wraps it in ``Vectors``."""

    words: list[str]
    matrix: np.ndarray
    format: str
    dim: int
    rows_read: int = 0
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)
    blank_lines: int = 0
    duplicates: int = 0
    duplicate_lines: list[int] = field(default_factory=list)
    member: str | None = None


class _Collector:
    """Scans chunks of complete lines and keeps (and later parses) the wanted rows."""

    def __init__(self, dim: int, wanted: Iterable[str] | None) -> None:
        self.dim = dim
        self.names: dict[bytes, str] | None = None
        self.wanted: set[bytes] | None = None
        if wanted is not None:
            self.names = {w.encode("utf-8"): w for w in wanted}
            self.wanted = set(self.names)
        self.seen: set[bytes] = set()
        self.words: list[str] = []
        self.blocks: list[np.ndarray] = []
        self.rows_read = 0
        self.blank = 0
        self.duplicates = 0
        self.duplicate_lines: list[int] = []
        self.malformed = 0
        self.malformed_lines: list[int] = []
        # per-chunk buffers
        self._keys: list[bytes] = []
        self._rows: list[bytes] = []
        self._line_nos: list[int] = []
        self._bad: list[int] = []

    @property
    def done(self) -> bool:
        return self.wanted is not None and not self.wanted

    def scan(self, buf: bytes, start: int, end: int, line_no: int) -> int:
        """Scan the lines of ``buf[start:end]`` (each ends with a newline); return the last line."""
        find = buf.find
        keys, rows, line_nos = self._keys, self._rows, self._line_nos
        wanted = self.wanted
        seen = self.seen
        pos = start
        n_lines = 0
        while pos < end:
            nl = find(b"\n", pos, end)
            sp = find(b" ", pos, nl)
            n_lines += 1
            if sp <= pos:
                self._odd_line(buf[pos:nl], line_no + n_lines)
            else:
                key = buf[pos:sp]
                if wanted is not None:
                    if key in wanted:
                        keys.append(key)
                        rows.append(buf[sp + 1 : nl])
                        line_nos.append(line_no + n_lines)
                elif key in seen:
                    self._duplicate(line_no + n_lines)
                else:
                    keys.append(key)
                    rows.append(buf[sp + 1 : nl])
                    line_nos.append(line_no + n_lines)
            pos = nl + 1
        self.rows_read += n_lines
        return line_no + n_lines

    def _odd_line(self, line: bytes, line_no: int) -> None:
        """A line with no space after its word: blank, one field, or other whitespace."""
        fields = line.split()
        if not fields:
            self.blank += 1
            self.rows_read -= 1
            return
        if len(fields) != self.dim + 1:
            self._bad.append(line_no)
            return
        key = fields[0]
        if self.wanted is not None and key not in self.wanted:
            return
        if self.wanted is None and key in self.seen:
            self._duplicate(line_no)
            return
        self._keys.append(key)
        self._rows.append(b" ".join(fields[1:]))
        self._line_nos.append(line_no)

    def flush(self) -> None:
        """Parse the rows collected from the current chunk; keep each word's first good row."""
        keys, rows, line_nos = self._keys, self._rows, self._line_nos
        if rows:
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    block = np.loadtxt(rows, dtype=np.float32, comments=None, ndmin=2)
            except ValueError:
                block = None
            if block is None or block.shape != (len(rows), self.dim):
                keys, line_nos, block = self._parse_each(keys, rows)
            else:
                finite = np.isfinite(block).all(axis=1)
                if not finite.all():  # nan, inf, or beyond float32's range (read as inf)
                    self._bad.extend(n for n, ok in zip(line_nos, finite, strict=True) if not ok)
                    keys = [k for k, ok in zip(keys, finite, strict=True) if ok]
                    line_nos = [n for n, ok in zip(line_nos, finite, strict=True) if ok]
                    block = block[finite]
            if len(set(keys)) != len(keys):
                first = sorted({k: i for i, k in reversed(list(enumerate(keys)))}.values())
                if self.wanted is None:
                    kept = set(first)
                    for index, line in enumerate(line_nos):
                        if index not in kept:
                            self._duplicate(line)
                keys, block = [keys[i] for i in first], block[first]
            if self.wanted is not None:
                self.wanted.difference_update(keys)
            else:
                self.seen.update(keys)
            self._keep(keys, block)
        if self._bad:
            self._bad.sort()
            self.malformed += len(self._bad)
            room = MAX_REPORTED_LINES - len(self.malformed_lines)
            self.malformed_lines.extend(self._bad[: max(room, 0)])
        self._keys, self._rows, self._line_nos, self._bad = [], [], [], []

    def _duplicate(self, line_no: int) -> None:
        self.duplicates += 1
        if len(self.duplicate_lines) < MAX_REPORTED_LINES:
            self.duplicate_lines.append(line_no)

    def _parse_each(
        self, keys: list[bytes], rows: list[bytes]
    ) -> tuple[list[bytes], list[int], np.ndarray]:
        """Slow path for a chunk holding a malformed row: parse row by row."""
        good_keys: list[bytes] = []
        good_lines: list[int] = []
        good_rows: list[np.ndarray] = []
        for key, row, line_no in zip(keys, rows, self._line_nos, strict=True):
            fields = row.split()
            values = None
            if len(fields) == self.dim:
                try:
                    with np.errstate(over="ignore", invalid="ignore"):
                        values = np.array(fields, dtype=np.float32)
                except ValueError:
                    values = None
                if values is not None and not np.isfinite(values).all():
                    values = None  # nan, inf, or beyond float32's range
            if values is None:
                self._bad.append(line_no)
                continue
            good_keys.append(key)
            good_lines.append(line_no)
            good_rows.append(values)
        block = np.array(good_rows, dtype=np.float32).reshape(len(good_rows), self.dim)
        return good_keys, good_lines, block

    def _keep(self, keys: list[bytes], block: np.ndarray) -> None:
        if self.names is not None:
            self.words.extend(self.names[k] for k in keys)
        else:
            self.words.extend(k.decode("utf-8", errors="replace") for k in keys)
        if len(block):
            self.blocks.append(block)

    def matrix(self) -> np.ndarray:
        if not self.blocks:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(self.blocks) == 1:
            return self.blocks[0]
        return np.concatenate(self.blocks)


def _chunks(stream: Stream, path: Path, *, skip_header: bool) -> Iterator[bytes]:
    """Non-empty chunks of the stream, without a leading BOM or (``skip_header``) first line."""
    head = b""
    while len(head) < len(BOM) or (skip_header and b"\n" not in head):
        piece = read_chunk(stream, CHUNK_BYTES, path)
        if not piece:
            break
        head += piece
    head = head.removeprefix(BOM)
    if skip_header:
        head = head[head.find(b"\n") + 1 :] if b"\n" in head else b""
    if head:
        yield head
    while chunk := read_chunk(stream, CHUNK_BYTES, path):
        yield chunk


def _too_long(name: str, line_no: int) -> VectorsError:
    return VectorsError(f"{name} line {line_no + 1}: longer than {MAX_LINE_BYTES:,} bytes")


def _scan_stream(
    stream: Stream, path: Path, collector: _Collector, line_no: int, has_header: bool,
    progress: Throttle, cancel: CancelToken | None,
) -> None:  # fmt: skip
    """Scan a (decompressed) stream chunk by chunk, carrying split lines over."""
    name = describe(path, stream.member)
    carry = b""
    for chunk in _chunks(stream, path, skip_header=has_header):
        check_cancelled(cancel)
        start = 0
        if carry:
            nl = chunk.find(b"\n")
            if nl < 0:
                carry += chunk
                if len(carry) > MAX_LINE_BYTES:
                    raise _too_long(name, line_no)
                continue
            line = carry + chunk[: nl + 1]
            line_no = collector.scan(line, 0, len(line), line_no)
            start = nl + 1
        end = chunk.rfind(b"\n") + 1
        if end > start:
            line_no = collector.scan(chunk, start, end, line_no)
            carry = chunk[end:]
        else:
            carry = chunk[start:]
        collector.flush()
        progress(min(stream.position() / stream.total, 1.0), f"Reading {name}")
        if collector.done:
            return
    if carry:
        collector.scan(carry + b"\n", 0, len(carry) + 1, line_no)
        collector.flush()


def _scan_mapped(
    mapped: mmap.mmap, path: Path, collector: _Collector, line_no: int, has_header: bool,
    progress: Throttle, cancel: CancelToken | None,
) -> None:  # fmt: skip
    """Scan an uncompressed file in place, ``CHUNK_BYTES`` of whole lines at a time.

    Pages already scanned are released (``MADV_DONTNEED``) so the mapping does
    not count a whole 1 GB file in the process's resident memory.
    """
    size = len(mapped)
    pos = len(BOM) if mapped[: len(BOM)] == BOM else 0
    if has_header:
        nl = mapped.find(b"\n", pos)
        pos = size if nl < 0 else nl + 1
    released = 0
    can_release = hasattr(mapped, "madvise") and hasattr(mmap, "MADV_DONTNEED")
    while pos < size and not collector.done:
        check_cancelled(cancel)
        limit = min(pos + CHUNK_BYTES, size)
        end = mapped.rfind(b"\n", pos, limit) + 1
        if end > pos:
            line_no = collector.scan(mapped, pos, end, line_no)
        else:  # one line longer than a chunk, or the last line without a newline
            nl = mapped.find(b"\n", limit)
            end = size if nl < 0 else nl + 1
            if end - pos > MAX_LINE_BYTES:
                raise _too_long(path.name, line_no)
            line = mapped[pos:end] if nl >= 0 else mapped[pos:end] + b"\n"
            line_no = collector.scan(line, 0, len(line), line_no)
        collector.flush()
        done = end - end % mmap.PAGESIZE
        if can_release and done > released:
            mapped.madvise(mmap.MADV_DONTNEED, released, done - released)
            released = done
        pos = end
        progress(pos / size, f"Reading {path.name}")


def _map(stream: Stream) -> mmap.mmap | None:
    """A read-only mapping of an uncompressed file, or None (compressed, or mmap unsupported)."""
    if not stream.plain:
        return None
    try:
        return mmap.mmap(stream.data.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def read_text_vectors(
    path: Path,
    *,
    vocabulary: Iterable[str] | None = None,
    member: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ParsedVectors:
    """Read a GloVe / word2vec text file, keeping only ``vocabulary`` (all rows when None)."""
    check_cancelled(cancel)
    dim, has_header = infer_layout(path, member)
    collector = _Collector(dim, vocabulary)
    throttle = Throttle(progress)
    line_no = 1 if has_header else 0
    stream = open_stream(path, member)
    try:
        mapped = _map(stream)
        if mapped is None:
            _scan_stream(stream, path, collector, line_no, has_header, throttle, cancel)
        else:
            with mapped:
                _scan_mapped(mapped, path, collector, line_no, has_header, throttle, cancel)
    finally:
        stream.close()
    if progress is not None:
        progress(1.0, f"Read {describe(path, stream.member)}")
    return ParsedVectors(
        words=collector.words,
        matrix=collector.matrix(),
        format="word2vec" if has_header else "glove",
        dim=dim,
        rows_read=collector.rows_read,
        malformed=collector.malformed,
        malformed_lines=collector.malformed_lines,
        blank_lines=collector.blank,
        duplicates=collector.duplicates,
        duplicate_lines=sorted(collector.duplicate_lines),
        member=stream.member,
    )
