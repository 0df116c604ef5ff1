"""tokenize() rules and the Tokenizer vocabulary / encoding."""

from __future__ import annotations

import collections
import json
import re

import numpy as np
import pytest

from workbench.core import ConfigError, Tokenizer, tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Hello, World!", ["hello", ",", "world", "!"]),
        ("The U.S. economy", ["the", "u.s.", "economy"]),
        ("e.g. at 9 a.m.", ["e.g.", "at", "9", "a.m."]),
        ("don't can't won't", ["do", "n't", "ca", "n't", "wo", "n't"]),
        ("it's we're I've you'll he'd I'm", ["it", "'s", "we", "'re", "i", "'ve", "you",
                                             "'ll", "he", "'d", "i", "'m"]),
        ("Mr O'Neill's", ["mr", "o'neill", "'s"]),
        ("up 1.13 to 76%", ["up", "1.13", "to", "76", "%"]),
        ("1,000 fans at 12:30", ["1,000", "fans", "at", "12:30"]),
        ("the 1960s, 2nd and 21st", ["the", "1960s", ",", "2nd", "and", "21st"]),
        ("£5.5bn or $10m", ["£", "5.5", "bn", "or", "$", "10", "m"]),
        ("net-based -- wait...", ["net", "-", "based", "--", "wait", "..."]),
        ("end of sentence.", ["end", "of", "sentence", "."]),
        ("\u201cQuoted\u201d isn\u2019t", ['"', "quoted", '"', "is", "n't"]),
        ("Café naïve", ["café", "naïve"]),
        ("", []),
        (" \n\t ", []),
    ],
)  # fmt: skip
def test_tokenize_follows_glove_6b_conventions(text, tokens):
    assert tokenize(text) == tokens


def test_tokenize_drops_no_characters_but_whitespace():
    text = "A (strange) text: with #tags, @names & 3/4 of [brackets]?!"
    tokens = tokenize(text)
    assert "".join(tokens) == re.sub(r"\s+", "", text.lower())
    assert all(t and not t.isspace() for t in tokens)


TEXTS = [
    "the cat sat on the mat",
    "the dog sat",
    "a cat and a dog",
]


def test_fit_orders_words_by_frequency_then_alphabet_from_index_2():
    tok = Tokenizer().fit(TEXTS)
    # the:3, a:2, cat:2, dog:2, sat:2, then the count-1 words alphabetically
    assert list(tok.word_index) == ["the", "a", "cat", "dog", "sat", "and", "mat", "on"]
    assert list(tok.word_index.values()) == list(range(2, 10))
    assert tok.vocab_size == 10
    assert tok.word_counts["the"] == 3
    assert tok.word_counts["on"] == 1


def test_ids_do_not_depend_on_text_order():
    assert Tokenizer().fit(TEXTS).word_index == Tokenizer().fit(TEXTS[::-1]).word_index


def test_max_words_cuts_the_vocabulary_but_not_the_counts():
    tok = Tokenizer(max_words=3).fit(TEXTS)
    assert list(tok.word_index) == ["the", "a", "cat"]
    assert tok.vocab_size == 5
    assert set(tok.word_counts) == {"the", "cat", "sat", "on", "mat", "dog", "a", "and"}


def test_min_count_drops_rare_words():
    tok = Tokenizer(min_count=2).fit(TEXTS)
    assert set(tok.word_index) == {"the", "a", "cat", "dog", "sat"}


def test_encode_maps_unknown_words_to_oov_and_pads_with_zero():
    tok = Tokenizer(maxlen=6).fit(TEXTS)
    ids = tok.encode(["the cat flew", ""])
    assert ids.dtype == np.int32
    assert ids.shape == (2, 6)
    wi = tok.word_index
    assert ids[0].tolist() == [wi["the"], wi["cat"], Tokenizer.OOV, 0, 0, 0]
    assert ids[1].tolist() == [0] * 6


@pytest.mark.parametrize(
    ("padding", "truncating", "short", "long"),
    [
        ("post", "post", [2, 4, 0, 0], [2, 3, 4, 5]),
        ("pre", "post", [0, 0, 2, 4], [2, 3, 4, 5]),
        ("post", "pre", [2, 4, 0, 0], [4, 5, 6, 7]),
        ("pre", "pre", [0, 0, 2, 4], [4, 5, 6, 7]),
    ],
)
def test_padding_and_truncating(padding, truncating, short, long):
    tok = Tokenizer(maxlen=4, padding=padding, truncating=truncating)
    tok.fit(["a b c d e f"] * 2 + ["a"])  # a:3 then b..f alphabetically: a=2 b=3 ... f=7
    out = tok.encode(["a c", "a b c d e f"])
    assert out[0].tolist() == short
    assert out[1].tolist() == long


def test_encode_maxlen_argument_overrides_the_setting():
    tok = Tokenizer(maxlen=10).fit(TEXTS)
    assert tok.encode(TEXTS, maxlen=3).shape == (3, 3)
    assert tok.encode(TEXTS).shape == (3, 10)


def test_encode_accepts_a_single_string_as_one_text():
    tok = Tokenizer(maxlen=3).fit(TEXTS)
    assert tok.encode("the cat").tolist() == tok.encode(["the cat"]).tolist()


def test_sequences_are_unpadded():
    tok = Tokenizer().fit(TEXTS)
    assert tok.sequences(["the zebra"]) == [[tok.word_index["the"], Tokenizer.OOV]]


def test_to_dict_from_dict_round_trip_through_json():
    tok = Tokenizer(max_words=5, min_count=1, maxlen=7, padding="pre", truncating="pre")
    tok.fit(TEXTS)
    data = json.loads(json.dumps(tok.to_dict()))
    back = Tokenizer.from_dict(data)
    assert back.word_index == tok.word_index
    assert back.word_counts == tok.word_counts
    assert (back.maxlen, back.padding, back.truncating) == (7, "pre", "pre")
    probe = [*TEXTS, "unknown words"]
    assert np.array_equal(back.encode(probe), tok.encode(probe))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"max_words": 0}, "max_words must be an integer >= 1, got 0"),
        ({"max_words": 2.5}, "max_words must be an integer >= 1, got 2.5"),
        ({"min_count": 0}, "min_count must be an integer >= 1, got 0"),
        ({"maxlen": -3}, "maxlen must be an integer >= 1, got -3"),
        ({"maxlen": True}, "maxlen must be an integer >= 1, got True"),
        ({"padding": "middle"}, "padding must be 'pre' or 'post', got 'middle'"),
        ({"truncating": None}, "truncating must be 'pre' or 'post', got None"),
    ],
)
def test_constructor_rejects_bad_values_naming_them(kwargs, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        Tokenizer(**kwargs)


def test_encode_rejects_bad_maxlen_and_non_string_texts():
    tok = Tokenizer().fit(TEXTS)
    with pytest.raises(ConfigError, match="maxlen must be an integer >= 1, got 0"):
        tok.encode(TEXTS, maxlen=0)
    with pytest.raises(ConfigError, match=r"texts\[1\] must be a string, got NoneType"):
        tok.encode(["fine", None])
    with pytest.raises(ConfigError, match=r"texts\[0\] must be a string, got int"):
        Tokenizer().fit([3])


def test_fit_needs_texts_and_encode_needs_fit():
    with pytest.raises(ConfigError, match="cannot fit a tokenizer on 0 texts"):
        Tokenizer().fit([])
    with pytest.raises(ConfigError, match="not fitted"):
        Tokenizer().encode(["hello"])


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "tokenizer data must be a mapping, got list"),
        ({"tokenizer": "bert", "words": []}, "tokenizer rules 'bert' are not supported"),
        ({"words": "the cat"}, "'words' must be a list of strings"),
        ({"words": ["a", "a"]}, "'words' holds duplicates"),
        ({"words": ["a"], "word_counts": {"a": "3"}}, "'word_counts' must map words to integers"),
        ({"words": ["a"], "maxlen": 0}, "maxlen must be an integer >= 1, got 0"),
        ({"words": ["a"], "n_documents": 0}, "n_documents must be an integer >= 1, got 0"),
    ],
)
def test_from_dict_rejects_bad_data(data, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        Tokenizer.from_dict(data)


def _read_bbc(root):
    texts = []
    for path in sorted(root.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            texts.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            texts.append(raw.decode("cp1252"))
    return texts


@pytest.mark.slow
def test_bbc_tokens_are_better_covered_by_glove_than_a_naive_split(shared_data):
    from workbench.core import load_vectors

    texts = _read_bbc(shared_data / "bbc")
    assert len(texts) == 2225
    glove = set(load_vectors("bundled").words)

    def uncovered_share(token_lists):
        counts = collections.Counter(t for tokens in token_lists for t in tokens)
        total = sum(counts.values())
        return sum(n for w, n in counts.items() if w not in glove) / total

    ours = uncovered_share(tokenize(t) for t in texts)
    naive = uncovered_share(re.findall(r"\w+", t.lower()) for t in texts)
    assert ours < naive
    tok = Tokenizer().fit(texts[:1780])
    ids = tok.encode(texts[:1780])
    assert ids.shape == (1780, 400)
    assert ids.max() < tok.vocab_size


# --- the chunk-cache fast path gives exactly the one-pass regex tokens ---------------

_WHITESPACE = [chr(c) for c in range(0x3000 + 1) if chr(c).isspace()]
_PIECES = [
    "don't", "O'Neill's", "U.S.", "e.g.", "1,000", "12:30", "1960s", "2nd", "5bn", "net-based",
    "--", "...", "end.", "\u2019s", "\u201cq\u201d", "Café", "ΣΑΣ", "x'", "'", "n't", "a.b",
    "3/4", "£5.5", "can't", "it'll", "ab'cd", "-", ".", "'s", "Ω", "ǅ", "_", "a_b", "x.y.z",
]  # fmt: skip


def test_fast_tokenize_matches_one_regex_pass_on_random_texts():
    from workbench.core.text.tokenizer import count_tokens, tokenize_plain

    rng = np.random.default_rng(0)
    for _ in range(3000):
        parts = []
        for _ in range(int(rng.integers(0, 12))):
            parts.append(_PIECES[int(rng.integers(len(_PIECES)))])
            parts.append(_WHITESPACE[int(rng.integers(len(_WHITESPACE)))] * int(rng.integers(0, 3)))
        text = "".join(parts)
        assert tokenize(text) == tokenize_plain(text), repr(text)
        assert count_tokens(text) == len(tokenize_plain(text)), repr(text)


def test_every_whitespace_character_separates_tokens_like_the_regex():
    from workbench.core.text.tokenizer import tokenize_plain

    for space in [*_WHITESPACE, "\x1c", "\x85", "\u200b", "\ufeff"]:
        text = f"don't{space}u.s.{space}end."
        assert tokenize(text) == tokenize_plain(text), repr(space)


def test_chunk_cache_is_bounded(monkeypatch):
    from workbench.core.text import tokenizer as module

    monkeypatch.setattr(module, "CHUNK_CACHE_SIZE", 5)
    module._CHUNK_TOKENS.clear()
    text = " ".join(f"w{i}," for i in range(40))
    assert tokenize(text) == module.tokenize_plain(text)
    assert len(module._CHUNK_TOKENS) <= 5
    assert module.count_tokens(text) == 80
    assert len(module._CHUNK_COUNTS) <= 5


@pytest.mark.slow
def test_fast_tokenize_matches_one_regex_pass_on_bbc():
    from workbench.core import shared_data_dir
    from workbench.core.text.tokenizer import count_tokens, tokenize_plain

    data = shared_data_dir()
    if data is None or not (data / "bbc").is_dir():
        pytest.skip("BBC corpus not available")
    for path in sorted((data / "bbc").glob("*/*.txt")):
        text = path.read_text(encoding="latin-1")
        assert tokenize(text) == tokenize_plain(text), path
        assert count_tokens(text) == len(tokenize(text)), path


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_encode_matches_padded_sequences(padding, truncating):
    texts = ["a b c d e f g", "b", "", "zz a a unknown words here", "c d"]
    tok = Tokenizer(maxlen=4, padding=padding, truncating=truncating).fit(texts[:2])
    encoded = tok.encode(texts)
    for row, seq in zip(encoded.tolist(), tok.sequences(texts), strict=True):
        cut = seq[-4:] if truncating == "pre" and len(seq) > 4 else seq[:4]
        pad = [0] * (4 - len(cut))
        assert row == (pad + cut if padding == "pre" else cut + pad)
