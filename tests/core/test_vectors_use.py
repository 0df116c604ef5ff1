"""Vectors lookups, nearest(), coverage() and embedding_matrix()."""

from __future__ import annotations

import json

import numpy as np
import pytest

from workbench.core import (
    ConfigError,
    Tokenizer,
    Vectors,
    VectorsError,
    VectorsReport,
    coverage,
    embedding_matrix,
)


def make_vectors(rows: dict[str, list[float]]) -> Vectors:
    matrix = np.array(list(rows.values()), dtype=np.float32)
    report = VectorsReport(
        source="test", format="glove", dim=matrix.shape[1], rows_read=len(rows),
        rows_kept=len(rows),
    )  # fmt: skip
    return Vectors(list(rows), matrix, report)


VECS = make_vectors(
    {
        "east": [1.0, 0.0],
        "north": [0.0, 2.0],
        "northeast": [3.0, 3.0],
        "west": [-1.0, 0.0],
        "nearly_east": [1.0, 0.1],
    }
)


def test_lookup_contains_and_get_copy():
    assert "east" in VECS
    assert "south" not in VECS
    assert VECS.get("south") is None
    vec = VECS.get("north")
    assert vec.tolist() == [0.0, 2.0]
    vec[0] = 99.0
    assert VECS.get("north").tolist() == [0.0, 2.0]
    assert (VECS.dim, len(VECS), VECS.index("west")) == (2, 5, 3)


def test_nearest_ranks_by_cosine_similarity_without_the_word_itself():
    result = VECS.nearest("east", k=3)
    assert [w for w, _ in result] == ["nearly_east", "northeast", "north"]
    assert result[0][1] == pytest.approx(1 / np.sqrt(1.01))
    assert result[1][1] == pytest.approx(np.sqrt(0.5))
    assert result[2][1] == pytest.approx(0.0, abs=1e-7)
    everything = VECS.nearest("east", k=50)
    assert len(everything) == 4
    assert everything[-1] == ("west", pytest.approx(-1.0))


def test_nearest_rejects_unknown_words_and_bad_k():
    with pytest.raises(VectorsError, match="'south' is not in the loaded vectors"):
        VECS.nearest("south")
    with pytest.raises(ConfigError, match="k must be an integer >= 1, got 0"):
        VECS.nearest("east", k=0)


def test_nearest_copes_with_zero_vectors_and_a_single_row():
    vecs = make_vectors({"zero": [0.0, 0.0], "one": [1.0, 0.0]})
    assert vecs.nearest("zero") == [("one", 0.0)]
    assert make_vectors({"alone": [1.0, 1.0]}).nearest("alone") == []


def test_words_and_matrix_must_agree():
    report = VECS.report
    with pytest.raises(VectorsError, match=r"2 words do not match a matrix of shape \(3, 2\)"):
        Vectors(["a", "b"], np.zeros((3, 2)), report)


def test_report_to_dict_is_json_and_summary_names_malformed_lines():
    report = VectorsReport(
        source="/data/glove.txt", format="glove", dim=50, rows_read=100, rows_kept=40,
        malformed=12, malformed_lines=list(range(3, 13)), requested=50,
    )  # fmt: skip
    assert json.loads(json.dumps(report.to_dict()))["malformed_lines"][0] == 3
    text = report.summary()
    assert text.startswith("Kept 40 of 50 words (50d) from glove.txt")
    assert "skipped 12 malformed lines (line 3, 4" in text
    assert text.endswith(", ...)")


def fitted_tokenizer() -> Tokenizer:
    # counts: east 4, west 3, north 2, south 2, up 1
    return Tokenizer().fit(["east east west north", "east west south", "east west north south up"])


def test_coverage_counts_words_and_tokens():
    cov = coverage(fitted_tokenizer(), VECS)
    assert (cov.vocab_size, cov.vocab_covered) == (5, 3)
    assert cov.vocab_share == pytest.approx(3 / 5)
    assert (cov.tokens_total, cov.tokens_covered) == (12, 9)
    assert cov.token_share == pytest.approx(9 / 12)
    assert cov.top_uncovered == [("south", 2), ("up", 1)]
    assert json.loads(json.dumps(cov.to_dict()))["top_uncovered"] == [["south", 2], ["up", 1]]
    assert "60.0% of 5 words" in cov.summary()


def test_coverage_keeps_the_twenty_most_frequent_uncovered_words():
    texts = [" ".join(f"w{i}" for _ in range(i)) for i in range(1, 31)]
    cov = coverage(Tokenizer().fit(texts), VECS)
    assert cov.vocab_covered == 0
    assert [w for w, _ in cov.top_uncovered] == [f"w{i}" for i in range(30, 10, -1)]


def test_coverage_without_vectors_or_vocabulary():
    cov = coverage(fitted_tokenizer(), None)
    assert (cov.vocab_covered, cov.tokens_covered, cov.token_share) == (0, 0, 0.0)
    empty = coverage(Tokenizer(), VECS)
    assert (empty.vocab_size, empty.vocab_share, empty.token_share) == (0, 0.0, 0.0)


def test_embedding_matrix_uses_vectors_and_seeded_noise():
    tok = fitted_tokenizer()
    matrix = embedding_matrix(tok, VECS, dim=7, seed=3)
    assert matrix.shape == (tok.vocab_size, 2)  # the vectors' dim wins
    assert matrix.dtype == np.float32
    assert not matrix[0].any()
    for word in ("east", "west", "north"):
        assert matrix[tok.word_index[word]].tolist() == VECS.get(word).tolist()
    noise_rows = [1, tok.word_index["south"], tok.word_index["up"]]
    assert np.all(matrix[noise_rows] != 0)
    assert np.array_equal(matrix, embedding_matrix(tok, VECS, seed=3))
    assert not np.array_equal(matrix[noise_rows], embedding_matrix(tok, VECS, seed=4)[noise_rows])


def test_embedding_noise_has_the_std_of_the_vectors():
    rng = np.random.default_rng(0)
    words = [f"v{i}" for i in range(2000)]
    vecs = make_vectors({w: (rng.normal(size=8) * 0.7).tolist() for w in words[:1000]})
    tok = Tokenizer().fit([" ".join(words)])
    matrix = embedding_matrix(tok, vecs, seed=0)
    uncovered = [tok.word_index[w] for w in words[1000:]]
    assert matrix[uncovered].std() == pytest.approx(vecs.matrix.std(), rel=0.05)


def test_embedding_is_the_same_from_a_full_or_a_filtered_load():
    rng = np.random.default_rng(1)
    table = {f"w{i}": rng.normal(size=4).tolist() for i in range(300)}
    table.update({f"x{i}": (rng.normal(size=4) * 5).tolist() for i in range(300)})  # not in vocab
    full = make_vectors(table)
    tok = Tokenizer().fit([" ".join(f"w{i}" for i in range(0, 300, 2)) + " unseen words"])
    filtered = make_vectors({w: v for w, v in table.items() if w in tok.word_index})
    assert len(full) > len(filtered)
    from_full = embedding_matrix(tok, full, seed=0)
    assert np.array_equal(from_full, embedding_matrix(tok, filtered, seed=0))


def test_embedding_without_vectors():
    tok = Tokenizer().fit([" ".join(f"w{i}" for i in range(3000))])
    matrix = embedding_matrix(tok, None, dim=16, seed=1)
    assert matrix.shape == (3002, 16)
    assert not matrix[0].any()
    assert matrix[1:].std() == pytest.approx(0.05, rel=0.05)
    with pytest.raises(ConfigError, match="dim must be an integer >= 1, got 0"):
        embedding_matrix(tok, None, dim=0)
