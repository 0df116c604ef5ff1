"""Vectors that lie: damaged cache entries, non-finite values, zip files with several members."""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.test_vectors import assert_rows, glove_text, load, write, write_as
from workbench.core import VectorsError, load_vectors


@pytest.mark.parametrize(
    "damage",
    [
        ("npy", b""),  # an empty file: numpy raised EOFError
        ("npy", b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3)"),
        ("json", b""),
        ("json", b'{"words": ["a"], "report": {}}'),  # disagrees with the matrix
        ("json", b"\xff\xfe not text"),
    ],
    ids=["empty-npy", "truncated-npy", "empty-json", "inconsistent-json", "binary-json"],
)
def test_a_damaged_cache_entry_is_rebuilt_and_said_so(tmp_path, damage):
    suffix, content = damage
    path = write(tmp_path / "g.txt", glove_text())
    cache = tmp_path / "cache"
    load_vectors(path, cache_dir=cache)
    for entry in cache.glob(f"*.{suffix}"):
        entry.write_bytes(content)
    vectors = load_vectors(path, cache_dir=cache)
    assert_rows(vectors)
    assert not vectors.report.from_cache
    assert "rebuilt" in vectors.report.cache_problem
    assert "rebuilt" in vectors.report.summary()
    again = load_vectors(path, cache_dir=cache)  # the rebuilt entry is whole again
    assert again.report.from_cache
    assert again.report.cache_problem is None
    assert_rows(again)


@pytest.mark.parametrize("kind", ["txt", "gz"])
@pytest.mark.parametrize("vocabulary", [None, ["the", "bad", "worse", ",", "huge"]])
def test_non_finite_and_overflowing_values_are_malformed_lines(tmp_path, kind, vocabulary):
    text = glove_text() + "bad 0.1 nan 0.3\nworse inf 0.2 0.3\nhuge 1e39 0.2 0.3\nok 1 2 3\n"
    vectors = load(write_as(tmp_path, text, kind), vocabulary=vocabulary)
    report = vectors.report
    assert report.malformed == 3
    assert report.malformed_lines == [6, 7, 8]
    assert np.isfinite(vectors.matrix).all()
    for word in ("bad", "worse", "huge"):
        assert word not in vectors
    assert "line 6, 7, 8" in report.summary()


def test_a_later_good_row_of_a_word_with_a_nan_row_is_kept(tmp_path):
    text = "w 1 nan 3\nw 1 2 3\nx 4 5 6\n"
    vectors = load(write(tmp_path / "g.txt", text), vocabulary=["w", "x"])
    assert vectors.report.malformed_lines == [1]
    assert vectors.matrix[vectors.index("w")].tolist() == [1.0, 2.0, 3.0]


def make_zip(path, members: dict[str, str]):
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_a_zip_with_a_readme_beside_the_vectors_picks_the_vectors(tmp_path):
    path = make_zip(
        tmp_path / "g.zip",
        {"README.txt": "These are vectors.\nUse them well, 2024.\n", "vecs.txt": glove_text()},
    )
    vectors = load(path)
    assert_rows(vectors)
    assert vectors.report.member == "vecs.txt"


def test_a_zip_with_several_vectors_files_lists_them_as_data(tmp_path):
    from workbench.core import ArchiveMemberError, vectors_members

    members = {f"glove.6B.{d}d.txt": glove_text() for d in (50, 100)}
    path = make_zip(tmp_path / "glove.6B.zip", {**members, "LICENSE": "free to use\n"})
    with pytest.raises(ArchiveMemberError) as error:
        load(path)
    assert error.value.members == ["glove.6B.50d.txt", "glove.6B.100d.txt"]
    assert "member=" not in str(error.value)
    assert "--" not in str(error.value)
    assert vectors_members(path) == ["glove.6B.50d.txt", "glove.6B.100d.txt"]


def test_file_colon_member_picks_a_member(tmp_path):
    members = {"a.txt": glove_text(), "b.txt": glove_text()}
    path = make_zip(tmp_path / "g.zip", members)
    vectors = load(f"{path}:b.txt")
    assert vectors.report.member == "b.txt"
    assert_rows(vectors)
    with pytest.raises(VectorsError, match=r"no member 'c\.txt' \(it holds a\.txt, b\.txt\)"):
        load(f"{path}:c.txt")


def test_non_finite_rows_of_the_bundled_vectors_are_malformed(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from workbench.core.text.vectors import loading

    matrix = np.arange(12, dtype=np.float32).reshape(4, 3)
    matrix[2, 1] = np.nan
    np.save(tmp_path / "emb.npy", matrix)
    pq.write_table(pa.table({"index": ["a", "b", "c", "d"]}), tmp_path / "index.parquet")
    monkeypatch.setattr(
        loading, "bundled_files", lambda: (tmp_path / "emb.npy", tmp_path / "index.parquet")
    )
    for vocabulary in (None, ["a", "c", "d"]):
        vectors = load("bundled", vocabulary=vocabulary)
        assert "c" not in vectors
        assert "d" in vectors
        assert (vectors.report.malformed, vectors.report.malformed_lines) == (1, [3])
        assert np.isfinite(vectors.matrix).all()
