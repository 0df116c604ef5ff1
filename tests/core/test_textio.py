"""Reading text files: encodings, BOMs, line endings, binary detection, streaming."""

from __future__ import annotations

import codecs
import threading

import pytest

from workbench.core import Cancelled, CorpusError
from workbench.core.corpora.textio import (
    TextLines,
    UnreadableFile,
    decode_bytes,
    looks_binary,
    read_head_lines,
    read_text_file,
)


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_file_read_with_bom_stripped_and_crlf_normalised(tmp_path):
    path = write(tmp_path, "a.txt", codecs.BOM_UTF8 + "café\r\nline two\rthree".encode())
    text, encoding = read_text_file(path)
    assert text == "café\nline two\nthree"
    assert encoding == "utf-8"


def test_cp1252_fallback_keeps_pound_and_quotes(tmp_path):
    path = write(tmp_path, "a.txt", b"price \xa35 \x93quoted\x94")
    text, encoding = read_text_file(path)
    assert encoding == "cp1252"
    assert text == "price £5 “quoted”"


def test_latin1_fallback_when_cp1252_cannot_decode(tmp_path):
    # 0x81 is undefined in cp1252 but is a (control) character in latin-1.
    path = write(tmp_path, "a.txt", b"abc \x81 def \xe9")
    text, encoding = read_text_file(path)
    assert encoding == "latin-1"
    assert text.endswith("é")


def test_utf16_with_bom_is_text_not_binary(tmp_path):
    path = write(tmp_path, "a.txt", "héllo\r\nworld".encode("utf-16"))
    assert read_text_file(path) == ("héllo\nworld", "utf-16")


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04\x00\x00binary", bytes(range(1, 9)) * 20 + b"some text"]
)
def test_binary_files_raise_unreadable(tmp_path, data):
    path = write(tmp_path, "b.txt", data)
    with pytest.raises(UnreadableFile) as info:
        read_text_file(path)
    assert info.value.reason == "binary file"
    assert str(path) in str(info.value)
    assert isinstance(info.value, CorpusError)


def test_looks_binary_accepts_tabs_newlines_and_empty():
    assert not looks_binary(b"")
    assert not looks_binary(b"a\tb\r\nc\x0cd")
    assert looks_binary(b"a\x00b")


def test_decode_bytes_drops_utf8_bom():
    assert decode_bytes(codecs.BOM_UTF8 + b"x") == ("x", "utf-8")


def test_empty_file_reads_as_empty_text(tmp_path):
    assert read_text_file(write(tmp_path, "e.txt", b"")) == ("", "utf-8")


def test_missing_file_and_folder_raise(tmp_path):
    with pytest.raises(UnreadableFile, match="no such file"):
        read_text_file(tmp_path / "nope.txt")
    with pytest.raises(UnreadableFile, match="is a folder"):
        read_text_file(tmp_path)


def test_text_lines_numbers_lines_across_line_endings(tmp_path):
    path = write(tmp_path, "l.txt", codecs.BOM_UTF8 + b"one\r\ntwo\n\nfour\rfive")
    assert list(TextLines(path)) == [(1, "one"), (2, "two"), (3, ""), (4, "four"), (5, "five")]


def test_text_lines_records_fallback_encoding_and_first_line(tmp_path):
    path = write(tmp_path, "l.txt", b"ok\nstill ok\n\xa3 10\nfine \x93\n")
    lines = TextLines(path)
    assert [text for _, text in lines] == ["ok", "still ok", "£ 10", "fine “"]
    assert lines.encoding == "cp1252"
    assert lines.fallback_line == 3


def test_text_lines_utf16(tmp_path):
    path = write(tmp_path, "l.txt", "a\nb\n".encode("utf-16"))
    lines = TextLines(path)
    assert list(lines) == [(1, "a"), (2, "b")]
    assert lines.encoding == "utf-16"


def test_text_lines_refuses_binary(tmp_path):
    path = write(tmp_path, "l.bin", b"\x00\x01\x02abc\n")
    with pytest.raises(UnreadableFile, match="binary file"):
        list(TextLines(path))


def test_text_lines_reports_byte_progress_up_to_one(tmp_path):
    path = write(tmp_path, "l.txt", b"".join(b"line %d\n" % i for i in range(500)))
    seen: list[float] = []
    list(TextLines(path, progress=lambda fraction, message: seen.append(fraction)))
    assert seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen)


def test_text_lines_stops_when_cancelled(tmp_path):
    path = write(tmp_path, "l.txt", b"x\n" * 1000)
    cancel = threading.Event()
    read: list[int] = []

    def consume() -> None:
        for number, _ in TextLines(path, cancel=cancel):
            read.append(number)
            if number == 10:
                cancel.set()

    with pytest.raises(Cancelled):
        consume()
    assert len(read) < 1000


def test_read_head_lines_skips_blank_lines_and_stops_at_limit(tmp_path):
    path = write(tmp_path, "h.txt", b"\n\na\n \nb\nc\nd\n")
    assert read_head_lines(path, limit=2) == ["a", "b"]
