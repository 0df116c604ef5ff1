"""load_vectors(): text formats, malformed lines, filtering, cache, progress, cancel, errors."""

from __future__ import annotations

import gzip
import os
import re
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from workbench.core import Cancelled, ConfigError, VectorsError, WorkbenchError, load_vectors
from workbench.core.text.vectors import parse as vectors_text

ROWS = {
    "the": [0.418, 0.24968, -0.41242],
    ",": [0.013441, 0.23682, -0.16899],
    "u.s.": [-1.5, 2.0, 3.25e-05],
    "n't": [1.0, -1.0, 0.5],
    "café": [0.1, 0.2, 0.3],
}


def glove_text(rows=ROWS, *, newline="\n", trailing=""):
    return (
        newline.join(
            f"{w} {' '.join(repr(float(x)) for x in v)}{trailing}" for w, v in rows.items()
        )
        + newline
    )


def write(path, text):
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def write_as(folder, text, kind):
    """A plain (memory-mapped) or gzip (streamed) file holding ``text``."""
    if kind == "gz":
        path = folder / "g.txt.gz"
        path.write_bytes(gzip.compress(text.encode("utf-8")))
        return path
    return write(folder / "g.txt", text)


KINDS = pytest.mark.parametrize("kind", ["txt", "gz"])


def assert_rows(vectors, rows=ROWS):
    assert vectors.words == list(rows)
    assert vectors.matrix.dtype == np.float32
    assert np.array_equal(vectors.matrix, np.array(list(rows.values()), dtype=np.float32))


def load(path, **kwargs):
    kwargs.setdefault("use_cache", False)
    return load_vectors(path, **kwargs)


def test_plain_text_full_load(tmp_path):
    vectors = load(write(tmp_path / "g.txt", glove_text()))
    assert_rows(vectors)
    report = vectors.report
    assert (report.format, report.dim, report.rows_read, report.rows_kept) == ("glove", 3, 5, 5)
    assert (report.malformed, report.malformed_lines, report.from_cache) == (0, [], False)
    assert vectors.dim == 3


def test_gzip(tmp_path):
    path = tmp_path / "g.txt.gz"
    path.write_bytes(gzip.compress(glove_text().encode("utf-8")))
    assert_rows(load(path))


def test_zip_with_one_text_member(tmp_path):
    path = tmp_path / "g.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", "not vectors")
        archive.writestr("glove.6B.3d.txt", glove_text())
    vectors = load(path)
    assert_rows(vectors)
    assert vectors.report.member == "glove.6B.3d.txt"


def test_zip_with_several_members_needs_member(tmp_path):
    path = tmp_path / "g.zip"
    small = dict(list(ROWS.items())[:2])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", glove_text())
        archive.writestr("b.txt", glove_text(small))
    with pytest.raises(
        VectorsError, match=re.escape("g.zip holds several vectors files (a.txt, b.txt)")
    ):
        load(path)
    assert_rows(load(path, member="b.txt"), small)
    with pytest.raises(
        VectorsError, match=re.escape("g.zip: no member 'c.txt' (it holds a.txt, b.txt)")
    ):
        load(path, member="c.txt")


def test_member_needs_a_zip_and_a_readable_member(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    with pytest.raises(VectorsError, match=re.escape("g.txt: member='a.txt' needs a .zip file")):
        load(path, member="a.txt")
    archive_path = tmp_path / "g.zip"
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", glove_text())
    data = bytearray(archive_path.read_bytes())
    data[8:10] = (99).to_bytes(2, "little")  # local header: compression method 99 (AES)
    central = data.rfind(b"PK\x01\x02")
    data[central + 10 : central + 12] = (99).to_bytes(2, "little")
    archive_path.write_bytes(bytes(data))
    with pytest.raises(VectorsError, match=re.escape("g.zip: cannot read member 'a.txt'")):
        load(archive_path)


def test_word2vec_header(tmp_path):
    vectors = load(write(tmp_path / "w.txt", "5 3\n" + glove_text()))
    assert_rows(vectors)
    assert vectors.report.format == "word2vec"
    assert vectors.report.rows_read == 5


def test_malformed_lines_are_skipped_and_numbered(tmp_path):
    lines = glove_text().splitlines()
    lines.insert(1, "short 0.5 0.5")  # line 2: wrong field count
    lines.insert(3, "bad 0.1 x 0.3")  # line 4: not a number
    lines.insert(5, "long 1 2 3 4")  # line 6: wrong field count
    vectors = load(write(tmp_path / "g.txt", "\n".join(lines) + "\n"))
    assert_rows(vectors)
    assert vectors.report.malformed == 3
    assert vectors.report.malformed_lines == [2, 4, 6]


def test_only_the_first_ten_malformed_line_numbers_are_kept(tmp_path):
    text = glove_text() + "".join(f"bad{i} 1 x 3\n" for i in range(12))
    report = load(write(tmp_path / "g.txt", text)).report
    assert report.malformed == 12
    assert report.malformed_lines == list(range(6, 16))


def test_crlf_trailing_spaces_and_blank_lines_are_tolerated(tmp_path):
    text = "\r\n" + glove_text(newline="\r\n", trailing="  ") + "\n   \n"
    vectors = load(write(tmp_path / "g.txt", text))
    assert_rows(vectors)
    assert vectors.report.malformed == 0
    assert vectors.report.blank_lines == 3


def test_missing_final_newline_and_utf8_bom(tmp_path):
    vectors = load(write(tmp_path / "g.txt", "\ufeff" + glove_text().rstrip("\n")))
    assert_rows(vectors)


def test_dimension_is_the_most_common_field_count(tmp_path):
    text = "odd 1 2 3 4 5\n" + glove_text()  # first line has 5 values, the rest 3
    vectors = load(write(tmp_path / "g.txt", text))
    assert vectors.dim == 3
    assert_rows(vectors)
    assert vectors.report.malformed_lines == [1]


def test_vocabulary_keeps_only_its_words_in_file_order(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    vectors = load(path, vocabulary=["café", "the", "missing"])
    assert_rows(vectors, {"the": ROWS["the"], "café": ROWS["café"]})
    assert (vectors.report.rows_kept, vectors.report.requested) == (2, 3)
    assert "missing" not in vectors
    assert len(load(path, vocabulary=[])) == 0


def test_filtered_load_checks_only_the_rows_it_keeps(tmp_path):
    text = glove_text() + "junk 1 2\nkeep 1 oops 3\n"
    vectors = load(write(tmp_path / "g.txt", text), vocabulary=["the", "keep"])
    assert vectors.words == ["the"]
    assert vectors.report.malformed_lines == [7]


def test_duplicate_words_keep_the_first(tmp_path):
    text = glove_text() + "the 9 9 9\n"
    full = load(write(tmp_path / "g.txt", text))
    assert_rows(full)
    assert full.report.duplicates == 1
    assert_rows(load(tmp_path / "g.txt", vocabulary=["the"]), {"the": ROWS["the"]})


def test_malformed_first_row_gives_way_to_a_later_duplicate(tmp_path):
    text = "the 1 x 3\n" + glove_text()
    assert_rows(load(write(tmp_path / "g.txt", text), vocabulary=["the"]), {"the": ROWS["the"]})


@KINDS
@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_chunk_boundaries_do_not_change_the_result(tmp_path, monkeypatch, chunk, kind):
    rng = np.random.default_rng(0)
    rows = {f"w{i}": rng.normal(size=3).round(5).tolist() for i in range(200)}
    text = "2 0\n" + glove_text(rows, newline="\r\n") + "x 1"
    path = write_as(tmp_path, text, kind)
    monkeypatch.setattr(vectors_text, "CHUNK_BYTES", chunk)
    vectors = load(path)
    assert_rows(vectors, rows)
    assert vectors.report.malformed_lines == [1, 202]
    picked = load(path, vocabulary=["w5", "w150", "w199"])
    assert_rows(picked, {w: rows[w] for w in ["w5", "w150", "w199"]})


@KINDS
@pytest.mark.parametrize("chunk", [50, 1 << 20])
def test_filtered_load_agrees_with_the_full_load(tmp_path, monkeypatch, chunk, kind):
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(150)] + ["x" * 31, "y" * 32, "z" * 45, "the", "there"]
    lines = []
    for i, word in enumerate(words):
        values = " ".join(f"{v:.5g}" for v in rng.normal(size=4))
        lines.append(f"{word}\t{values}" if i % 37 == 6 else f"{word} {values}")
        if i % 23 == 0:
            lines.append(["", "   ", "short 1 2", f"{word} 9 9 9 9"][i % 4])
    path = write_as(tmp_path, "\r\n".join(lines) + "\r\n", kind)
    monkeypatch.setattr(vectors_text, "CHUNK_BYTES", chunk)
    full = load(path)
    vocab = {*words[::3], "y" * 32, "z" * 45, "the", "absent", "x" * 40}
    picked = load(path, vocabulary=vocab)
    expected = [i for i, w in enumerate(full.words) if w in vocab]
    assert picked.words == [full.words[i] for i in expected]
    assert np.array_equal(picked.matrix, full.matrix[expected])
    assert {"y" * 32, "z" * 45, "the"} <= set(picked.words)
    assert "there" not in picked
    assert "w6" not in full  # fields are separated by spaces: a tab makes a malformed line


@KINDS
@pytest.mark.parametrize("chunk", [1, 5, 4096])
def test_word2vec_header_and_bom_split_across_chunks(tmp_path, monkeypatch, chunk, kind):
    monkeypatch.setattr(vectors_text, "CHUNK_BYTES", chunk)
    vectors = load(write_as(tmp_path, "\ufeff5 3\n" + glove_text(), kind))
    assert vectors.report.format == "word2vec"
    assert_rows(vectors)


@KINDS
def test_overlong_line_is_an_error(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(vectors_text, "CHUNK_BYTES", 8)
    monkeypatch.setattr(vectors_text, "MAX_LINE_BYTES", 40)
    text = glove_text() + "long " + " ".join(["0.123456"] * 20) + "\n"
    with pytest.raises(VectorsError, match=r"g\.txt(\.gz)? line 6: longer than 40 bytes"):
        load(write_as(tmp_path, text, kind))


def test_repeat_load_comes_from_the_cache(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    cache = tmp_path / "cache"
    first = load_vectors(path, vocabulary=["the", "n't"], cache_dir=cache)
    again = load_vectors(path, vocabulary=["n't", "the"], cache_dir=cache)
    assert (first.report.from_cache, again.report.from_cache) == (False, True)
    assert again.words == first.words
    assert np.array_equal(again.matrix, first.matrix)
    assert again.report.rows_read == first.report.rows_read
    other = load_vectors(path, vocabulary=["the"], cache_dir=cache)
    assert not other.report.from_cache
    write(path, glove_text() + "new 1 2 3\n")
    changed = load_vectors(path, vocabulary=["the", "n't"], cache_dir=cache)
    assert not changed.report.from_cache


def test_default_cache_lives_under_the_workbench_cache_dir(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    assert not load_vectors(path).report.from_cache
    assert load_vectors(path).report.from_cache
    folder = Path(os.environ["WORKBENCH_CACHE_DIR"]) / "vectors"
    assert len(list(folder.glob("*.npy"))) == 1


def test_use_cache_false_writes_nothing(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    load_vectors(path, cache_dir=tmp_path / "cache", use_cache=False)
    assert not (tmp_path / "cache").exists()


def test_corrupt_cache_is_ignored(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    cache = tmp_path / "cache"
    load_vectors(path, cache_dir=cache)
    for npy in cache.glob("*.npy"):
        npy.write_bytes(b"garbage")
    vectors = load_vectors(path, cache_dir=cache)
    assert not vectors.report.from_cache
    assert_rows(vectors)


def test_progress_reaches_one(tmp_path, monkeypatch):
    monkeypatch.setattr(vectors_text, "CHUNK_BYTES", 32)
    path = write(tmp_path / "g.txt", glove_text())
    seen = []
    load(path, progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [f for f, _ in seen]
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(isinstance(m, str) and m for _, m in seen)


def test_cancel_before_and_during_a_load(tmp_path, monkeypatch):
    path = write(tmp_path / "g.txt", glove_text())
    event = threading.Event()
    event.set()
    with pytest.raises(Cancelled):
        load(path, cancel=event)
    monkeypatch.setattr(vectors_text, "CHUNK_BYTES", 16)
    event.clear()
    with pytest.raises(Cancelled):
        load(path, cancel=event, progress=lambda fraction, message: event.set())


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        ("none.txt", None, r"none\.txt: file not found"),
        ("empty.txt", b"", r"empty\.txt: empty file"),
        ("blank.txt", b"\n  \n\r\n", r"blank\.txt: empty file"),
        ("words.txt", b"hello world\nfoo bar\n", r"words\.txt: no parsable vector line"),
        ("head.txt", b"10 50\n", r"head\.txt: only a header line, no vectors"),
        ("bin.bin", b"3 2\nthe \x00\x01\x02\x03", r"bin\.bin: looks like a binary file"),
        ("bad.gz", b"\x1f\x8b\x08\x00garbage", r"bad\.gz: cannot read compressed data"),
        ("bad.zip", b"PK\x03\x04garbage", r"bad\.zip: not a valid zip file"),
    ],
)
def test_unreadable_files_raise_one_line_vectors_errors(tmp_path, name, content, pattern):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(VectorsError, match=pattern) as info:
        load(path)
    assert "\n" not in str(info.value)


def test_empty_gzip_and_folder(tmp_path):
    path = tmp_path / "e.txt.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(VectorsError, match=r"e\.txt\.gz: empty file"):
        load(path)
    with pytest.raises(VectorsError, match="is a folder"):
        load(tmp_path)


def test_zip_without_a_text_member(tmp_path):
    path = tmp_path / "g.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("vectors.npy", b"\x93NUMPY")
    with pytest.raises(VectorsError, match=r"g\.zip: no vectors file in the archive"):
        load(path)


def test_bad_vocabulary_and_source_arguments(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    with pytest.raises(ConfigError, match="not a single string"):
        load(path, vocabulary="the")
    with pytest.raises(ConfigError, match="vocabulary words must be strings, got 3"):
        load(path, vocabulary=["the", 3])
    with pytest.raises(WorkbenchError, match="vectors source must be a path or 'bundled', got 42"):
        load(42)


def test_bundled_glove_6b_50d(tmp_path):
    vectors = load_vectors("bundled", vocabulary=["the", "king", "qwzxq"], cache_dir=tmp_path)
    assert vectors.words == ["the", "king"]
    assert vectors.dim == 50
    assert np.allclose(vectors.matrix[0][:4], [0.418, 0.24968, -0.41242, 0.1217])
    assert (vectors.report.format, vectors.report.rows_read) == ("bundled", 400_000)
    again = load_vectors("bundled", vocabulary=["the", "king", "qwzxq"], cache_dir=tmp_path)
    assert again.report.from_cache
    assert np.array_equal(again.matrix, vectors.matrix)


def test_bundled_package_missing(monkeypatch):
    import workbench.core.text.vectors.loading as vectors_module

    monkeypatch.setattr(vectors_module, "BUNDLED_PACKAGE", "no_such_package_4f7a")
    monkeypatch.setattr(vectors_module, "BUNDLED_DISTRIBUTION", "no-such-package-4f7a")
    with pytest.raises(VectorsError, match=re.escape("need the no-such-package-4f7a package")):
        load_vectors("bundled")
