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

from workbench.core.errors import ArchiveMemberError, VectorsError

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


_PROBE_BYTES = 64 << 10


def _member_files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Files of an archive, without folders and macOS/hidden extras."""
    return [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not Path(info.filename).name.startswith(".")
    ]


def _reads_as_vectors(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a member's first lines are ``word v1 v2 ...`` rows of one width."""
    try:
        with archive.open(info) as handle:
            head = handle.read(_PROBE_BYTES)
    except (OSError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error):
        return False
    lines = [line.split() for line in head.removeprefix(BOM).split(b"\n")[:-1]]
    lines = [fields for fields in lines if fields]
    if lines and _is_header(lines[0]):
        lines = lines[1:]
    lines = lines[:PROBE_LINES]
    if not lines:
        return False
    widths = Counter(len(f) for f in lines if len(f) >= 3 and _is_float_row(f[1:]))
    return bool(widths) and widths.most_common(1)[0][1] >= max(1, len(lines) * 0.8)


def vectors_members(path: str | Path) -> list[str]:
    """The members of the zip file at ``path`` whose first lines read as word vectors."""
    try:
        with zipfile.ZipFile(Path(path)) as archive:
            return [i.filename for i in _member_files(archive) if _reads_as_vectors(archive, i)]
    except (OSError, zipfile.BadZipFile) as exc:
        raise VectorsError(f"{path}: not a readable zip file ({exc})") from None


def choose_member(path: Path, archive: zipfile.ZipFile, member: str | None) -> str:
    """The member to read: ``member`` if given, else the only member that reads as vectors.

    ArchiveMemberError (with the candidate members) when ``member`` is not there, when
    no member reads as vectors, or when several do.
    """
    files = _member_files(archive)
    names = [info.filename for info in files]
    listed = ", ".join(names) or "nothing"
    if member is not None:
        if member not in {info.filename for info in archive.infolist()}:
            raise ArchiveMemberError(
                f"{path}: no member {member!r} (it holds {listed})", path=str(path), members=names
            )
        return member
    found = [info.filename for info in files if _reads_as_vectors(archive, info)]
    if len(found) == 1:
        return found[0]
    if not found and len(names) == 1 and Path(names[0]).suffix.lower() in (*TEXT_SUFFIXES, ""):
        return names[0]  # the only text file: reading it says what is wrong with it
    if not found:
        raise ArchiveMemberError(
            f"{path}: no vectors file in the archive (it holds {listed})",
            path=str(path),
            members=names,
        )
    raise ArchiveMemberError(
        f"{path} holds several vectors files ({', '.join(found)})", path=str(path), members=found
    )


def split_member(source: str | Path) -> tuple[Path, str | None]:
    """``"glove.zip:glove.6B.50d.txt"`` as ``(Path("glove.zip"), "glove.6B.50d.txt")``.

    Only when ``source`` itself is not an existing file and the part before the first
    ``.zip:`` is; anything else is ``(Path(source), None)``.
    """
    path = Path(source).expanduser()
    text = str(source)
    at = text.lower().find(".zip:")
    if at < 0 or path.exists():
        return path, None
    archive = Path(text[: at + 4]).expanduser()
    member = text[at + 5 :]
    if member and archive.is_file():
        return archive, member
    return path, None


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
