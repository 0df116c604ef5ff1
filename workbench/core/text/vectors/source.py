"""Opening vectors text files (plain, gzip, zip member) and inferring their layout.

Used by :mod:`workbench.core.text.vectors.parse`; gzip and zip are recognised by
their magic bytes, so a misnamed file still opens.
"""

from __future__ import annotations

import gzip
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from workbench.core.errors import VectorsError

PROBE_LINES = 100
TEXT_SUFFIXES = (".txt", ".vec")
BOM = b"\xef\xbb\xbf"


@dataclass
class Stream:
    """A decompressed byte stream plus what progress needs: raw bytes done / total."""

    data: BinaryIO
    closers: list[BinaryIO]
    position: Callable[[], int]  # bytes of the file (or zip member) consumed so far
    total: int
    member: str | None
    plain: bool = False  # an uncompressed file: ``data`` is the file itself

    def close(self) -> None:
        for item in (self.data, *self.closers):
            item.close()


def describe(path: Path, member: str | None) -> str:
    return f"{path}:{member}" if member else str(path)


def zip_text_members(archive: zipfile.ZipFile) -> list[str]:
    """Names of the ``.txt`` / ``.vec`` files in an archive."""
    return [
        info.filename
        for info in archive.infolist()
        if not info.is_dir() and info.filename.lower().endswith(TEXT_SUFFIXES)
    ]


def choose_member(path: Path, archive: zipfile.ZipFile, member: str | None) -> str:
    """The member to read: ``member`` if given, else the only text member."""
    names = [i.filename for i in archive.infolist() if not i.is_dir()]
    if member is not None:
        if member not in names:
            listed = ", ".join(names) or "nothing"
            raise VectorsError(f"{path}: no member {member!r} (it holds {listed})")
        return member
    texts = zip_text_members(archive)
    if not texts:
        listed = ", ".join(names) or "nothing"
        raise VectorsError(f"{path}: no .txt vectors file in the archive (it holds {listed})")
    if len(texts) > 1:
        raise VectorsError(
            f"{path} holds several vectors files ({', '.join(texts)}); choose one with member="
        )
    return texts[0]


def open_stream(path: Path, member: str | None) -> Stream:
    """Open ``path`` as a decompressed binary stream, sniffing gzip/zip by their magic bytes."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by Stream.close
    except OSError as exc:
        raise VectorsError(f"{path}: cannot open ({exc.strerror or exc})") from None
    try:
        magic = raw.read(4)
        raw.seek(0)
        total = path.stat().st_size
        if magic[:2] == b"\x1f\x8b":
            if member is not None:
                raise VectorsError(f"{path}: member={member!r} needs a .zip file")
            data = gzip.GzipFile(fileobj=raw, mode="rb")
            return Stream(data, [raw], raw.tell, total, None)
        if magic == b"PK\x03\x04" or path.suffix.lower() == ".zip":
            try:
                archive = zipfile.ZipFile(raw)
            except zipfile.BadZipFile as exc:
                raise VectorsError(f"{path}: not a valid zip file ({exc})") from None
            name = choose_member(path, archive, member)
            info = archive.getinfo(name)
            try:
                data = archive.open(info)
            except (NotImplementedError, RuntimeError, zipfile.BadZipFile) as exc:
                archive.close()
                raise VectorsError(f"{path}: cannot read member {name!r} ({exc})") from None
            return Stream(data, [archive, raw], data.tell, max(info.file_size, 1), name)
        if member is not None:
            raise VectorsError(f"{path}: member={member!r} needs a .zip file")
        return Stream(raw, [], raw.tell, total, None, plain=True)
    except BaseException:
        raw.close()
        raise


def read_chunk(stream: Stream, size: int, path: Path) -> bytes:
    try:
        return stream.data.read(size)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise VectorsError(f"{path}: cannot read compressed data ({exc})") from None


def _iter_probe_lines(stream: Stream, path: Path) -> Iterator[bytes]:
    """Lines (without their newline) of the start of a stream, for dimension inference."""
    rest = b""
    first = True
    while True:
        chunk = read_chunk(stream, 1 << 20, path)
        if first:
            if b"\x00" in chunk:
                raise VectorsError(
                    f"{path}: looks like a binary file; only text vectors are supported"
                )
            chunk = chunk.removeprefix(BOM)
            first = False
        if not chunk:
            if rest:
                yield rest
            return
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines


def _is_float_row(fields: list[bytes]) -> bool:
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.array(fields, dtype=np.float32)
    except ValueError:
        return False
    return bool(np.isfinite(values).all())


def _is_header(fields: list[bytes]) -> bool:
    return len(fields) == 2 and fields[0].isdigit() and fields[1].isdigit()


def infer_layout(path: Path, member: str | None) -> tuple[int, bool]:
    """``(dim, has_header)``: the most common field count of the first well-formed lines."""
    stream = open_stream(path, member)
    try:
        counts: Counter[int] = Counter()
        header: int | None = None
        seen = 0
        for index, line in enumerate(_iter_probe_lines(stream, path)):
            fields = line.split()
            if not fields:
                continue
            seen += 1
            if index == 0 and _is_header(fields):
                header = int(fields[1])
                continue
            if len(fields) >= 2 and _is_float_row(fields[1:]):
                counts[len(fields) - 1] += 1
            if counts and seen >= PROBE_LINES:
                break
    finally:
        stream.close()
    if seen == 0:
        raise VectorsError(f"{describe(path, member)}: empty file")
    if not counts:
        if header is not None and seen == 1:
            raise VectorsError(f"{describe(path, member)}: only a header line, no vectors")
        raise VectorsError(f"{describe(path, member)}: no parsable vector line")
    dim = counts.most_common(1)[0][0]
    return dim, header == dim
