"""Vectors that lie: damaged cache entries, non-finite values, zip files with several members."""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.test_vectors import assert_rows, glove_text, load, write, write_as
from workbench.core import load_vectors


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
