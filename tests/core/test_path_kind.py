"""guess_path_kind: one rule set for the window's drops and ``workbench inspect``."""

from __future__ import annotations

import pytest

from workbench.core import CorpusError, guess_path_kind


def test_folders_bundles_and_suffixes(tmp_path):
    bundle = tmp_path / "model"
    bundle.mkdir()
    (bundle / "bundle.json").write_text("{}")
    assert guess_path_kind(bundle) == "bundle"
    assert guess_path_kind(tmp_path) == "corpus"
    for name in ("v.zip", "v.vec", "v.txt.gz"):
        (tmp_path / name).write_bytes(b"")
        assert guess_path_kind(tmp_path / name) == "vectors", name
    numbers = tmp_path / "numbers.csv"  # looks like vectors, but named as a table
    numbers.write_text("a 0.1 0.2\nb 0.3 0.4\n")
    assert guess_path_kind(numbers) == "corpus"


def test_text_files_are_sniffed(tmp_path):
    glove = tmp_path / "glove.txt"
    glove.write_text("the 0.1 0.2 0.3\nof -1e-3 2 3\n")
    assert guess_path_kind(glove) == "vectors"
    one_bad_row = tmp_path / "one_bad.txt"
    one_bad_row.write_text("the 0.1 0.2 0.3\nof 1 2\nand 0.5 0.6 0.7\n")
    assert guess_path_kind(one_bad_row) == "vectors"
    prose = tmp_path / "prose.txt"
    prose.write_text("1 2 3\nhello there world\nfoo bar baz\n")
    assert guess_path_kind(prose) == "corpus"
    fasttext = tmp_path / "ft.txt"
    fasttext.write_text("__label__sport the team won\n")
    assert guess_path_kind(fasttext) == "corpus"
    header_only = tmp_path / "w2v.txt"
    header_only.write_text("400000 50\n")
    assert guess_path_kind(header_only) == "vectors"


def test_missing_and_unknown_files_are_one_error(tmp_path):
    with pytest.raises(CorpusError, match="nope: no such file or folder"):
        guess_path_kind(tmp_path / "nope")
    odd = tmp_path / "notes.xyz"
    odd.write_text("just some words\n")
    binary = tmp_path / "vectors.bin"  # binary word2vec is not read: not taken for vectors
    binary.write_bytes(b"\x00\x01\x02" * 50)
    with pytest.raises(CorpusError, match=r"vectors\.bin is neither"):
        guess_path_kind(binary, check_corpus=True)
    assert guess_path_kind(odd) == "corpus"  # the corpus loader reports the problem
    with pytest.raises(CorpusError, match=r"notes\.xyz is neither a corpus nor a vectors file"):
        guess_path_kind(odd, check_corpus=True)
