"""Word tokens compatible with GloVe 6B, and the vocabulary that turns them into ids.

GloVe 6B was trained on Wikipedia + Gigaword tokenized the Penn-Treebank way and
lowercased, so :func:`tokenize` lowercases, splits punctuation off as tokens of
its own, splits ``n't`` and the clitics ``'s 're 've 'll 'd 'm`` off their word
("don't" -> "do", "n't"), keeps dotted abbreviations ("u.s.", "e.g."), decimal
and grouped numbers ("1.13", "1,000", "12:30") and ordinals/decades ("2nd",
"1960s") whole, splits other unit suffixes off numbers ("5bn" -> "5", "bn") and
splits hyphenated compounds ("net-based" -> "net", "-", "based"): on the BBC
corpus that covers more tokens with GloVe 6B than keeping compounds whole.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import chain, repeat
from typing import Any

import numpy as np

from workbench.core.errors import ConfigError

TOKENIZER_NAME = "glove6b-v1"
"""Saved with a fitted tokenizer so a bundle knows which rules made its ids."""

_TOKEN_RE = re.compile(
    "|".join(
        (
            r"[a-z]+(?![\w'.])",  # fast path: a plain word (most tokens)
            r"(?:[a-z]\.){2,}(?![a-z0-9])",  # u.s.  e.g.  a.m.
            r"\d+(?:[.,:/]\d+)*(?:(?:st|nd|rd|th|s)(?![a-z]))?",  # 1.13 1,000 12:30 2nd 1960s
            r"\w+(?=n't\b)",  # "do" of "don't", "ca" of "can't"
            r"n't\b",
            r"'(?:s|re|ve|ll|d|m)\b",  # clitics 's 're 've 'll 'd 'm
            r"[^\W\d]\w*(?:'(?!(?:s|re|ve|ll|d|m|t)\b)\w+)*",  # other words, o'neill
            r"-{2,}|\.{2,}",  # -- and ...
            r"[^\w\s]",  # any other punctuation or symbol, one character each
        )
    )
)
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})

PADDINGS = ("pre", "post")

CHUNK_CACHE_SIZE = 500_000
"""Whitespace-separated chunks remembered (their tokens / token counts) before a reset."""

# No token holds whitespace and every look-ahead of _TOKEN_RE reads whitespace and the
# end of the text alike, so the tokens of a text are the tokens of its whitespace-split
# chunks in order (str.split and the regex \s agree on what whitespace is). Real text
# repeats a few ten thousand chunks, so each chunk's tokens are looked up, not matched:
# the map/chain below run in C, at ~2x the speed of one findall over the text.


class _ChunkTokens(dict):
    """chunk -> tuple of its tokens, filled on first use, emptied when it grows too big."""

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        tokens = tuple(_TOKEN_RE.findall(_quotes_plain(chunk)))
        if len(self) >= CHUNK_CACHE_SIZE:
            self.clear()
        self[chunk] = tokens
        return tokens


class _ChunkCounts(dict):
    """chunk -> number of its tokens (same filling rule as :class:`_ChunkTokens`)."""

    def __missing__(self, chunk: str) -> int:
        count = len(_TOKEN_RE.findall(_quotes_plain(chunk)))
        if len(self) >= CHUNK_CACHE_SIZE:
            self.clear()
        self[chunk] = count
        return count


_CHUNK_TOKENS = _ChunkTokens()
_CHUNK_COUNTS = _ChunkCounts()


def _normalise(text: str) -> str:
    text = text.lower()
    if not text.isascii():
        text = text.translate(_QUOTES)
    return text


def _quotes_plain(text: str) -> str:
    return text if text.isascii() else text.translate(_QUOTES)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lowercase GloVe 6B style tokens.

    >>> tokenize("The U.S. didn't grow 1.13% in 2004, said O'Neill.")
    ['the', 'u.s.', 'did', "n't", 'grow', '1.13', '%', 'in', '2004', ',', 'said', "o'neill", '.']
    """
    # curly quotes become straight ones per chunk, when a chunk is first met (a whole
    # text's str.translate costs more than its lookups)
    return list(chain.from_iterable(map(_CHUNK_TOKENS.__getitem__, text.lower().split())))


def count_tokens(text: str) -> int:
    """``len(tokenize(text))`` without building the token list (faster)."""
    return sum(map(_CHUNK_COUNTS.__getitem__, text.lower().split()))


def tokenize_plain(text: str) -> list[str]:
    """The same tokens as :func:`tokenize` by one regex pass (the reference rules)."""
    return _TOKEN_RE.findall(_normalise(text))


def tokenize_spans(text: str) -> list[tuple[str, int, int]]:
    """The tokens of :func:`tokenize` with their ``(start, end)`` in ``text``.

    ``text[start:end]`` is the raw text of each token (case, quotes and all), so a
    front end can highlight what the model read. Offsets count Python characters
    (code points). The token list is always ``tokenize(text)``.

    >>> tokenize_spans("Don't")
    [('do', 0, 2), ("n't", 2, 5)]
    """
    lowered = text.lower()
    if not lowered.isascii():
        lowered = lowered.translate(_QUOTES)
    if len(lowered) == len(text):
        return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(lowered)]
    # A character whose lowercase is longer (only U+0130 'İ'): map offsets back.
    origin: list[int] = []
    for index, char in enumerate(text):
        origin.extend([index] * len(char.lower()))
    origin.append(len(text))
    spans = []
    for m in _TOKEN_RE.finditer(lowered):
        start = origin[m.start()]
        end = origin[m.end() - 1] + 1 if m.end() > m.start() else start
        spans.append((m.group(), start, end))
    return spans


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_choice(name: str, value: Any) -> str:
    if value not in PADDINGS:
        raise ConfigError(f"{name} must be 'pre' or 'post', got {value!r}")
    return str(value)


def _as_texts(texts: Iterable[str] | str) -> list[str]:
    """The texts as a list, a single string counting as one text; ConfigError for non-strings."""
    if isinstance(texts, str):
        return [texts]
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise ConfigError(f"texts[{i}] must be a string, got {type(text).__name__}")
    return items


class Tokenizer:
    """Vocabulary of the training split: ids from 2, most frequent first.

    Id 0 (``PAD``) fills short sequences, id 1 (``OOV``) stands for every word
    outside the vocabulary. ``max_words`` caps the number of vocabulary words
    (so ``vocab_size <= max_words + 2``); words seen fewer than ``min_count``
    times are left out. Ties in frequency are ordered alphabetically, so the
    ids do not depend on the order of the training texts.
    """

    PAD = 0
    OOV = 1

    def __init__(
        self,
        *,
        max_words: int = 20000,
        min_count: int = 1,
        maxlen: int = 400,
        padding: str = "post",
        truncating: str = "post",
    ) -> None:
        self.max_words = _check_int("max_words", max_words, 1)
        self.min_count = _check_int("min_count", min_count, 1)
        self.maxlen = _check_int("maxlen", maxlen, 1)
        self.padding = _check_choice("padding", padding)
        self.truncating = _check_choice("truncating", truncating)
        self.word_index: dict[str, int] = {}
        self.word_counts: dict[str, int] = {}
        self.n_documents = 0

    @property
    def vocab_size(self) -> int:
        """Number of ids, PAD and OOV included."""
        return len(self.word_index) + 2

    @property
    def fitted(self) -> bool:
        return self.n_documents > 0

    def __repr__(self) -> str:
        return (
            f"Tokenizer(max_words={self.max_words}, min_count={self.min_count}, "
            f"maxlen={self.maxlen}, padding={self.padding!r}, truncating={self.truncating!r}, "
            f"vocab_size={self.vocab_size})"
        )

    def fit(self, texts: Iterable[str]) -> Tokenizer:
        """Count the words of ``texts`` (the training split only) and build ``word_index``."""
        items = _as_texts(texts)
        if not items:
            raise ConfigError("cannot fit a tokenizer on 0 texts")
        counts: Counter[str] = Counter()
        for text in items:
            counts.update(tokenize(text))
        self.word_counts = dict(counts)
        self.n_documents = len(items)
        self._build_index()
        return self

    def _build_index(self) -> None:
        kept = [(w, c) for w, c in self.word_counts.items() if c >= self.min_count]
        kept.sort(key=lambda item: (-item[1], item[0]))
        self.word_index = {w: i + 2 for i, (w, _) in enumerate(kept[: self.max_words])}

    def sequences(self, texts: Iterable[str] | str) -> list[list[int]]:
        """Ids of every token of each text, unpadded and untruncated (OOV for unknown words)."""
        if not self.fitted:
            raise ConfigError("the tokenizer is not fitted: call fit(texts) first")
        get = self.word_index.get
        oov = self.OOV
        return [[get(t, oov) for t in tokenize(text)] for text in _as_texts(texts)]

    def encode(self, texts: Iterable[str] | str, maxlen: int | None = None) -> np.ndarray:
        """``int32 [n, maxlen]`` ids, padded with 0 and truncated as configured."""
        length = self.maxlen if maxlen is None else _check_int("maxlen", maxlen, 1)
        if not self.fitted:
            raise ConfigError("the tokenizer is not fitted: call fit(texts) first")
        items = _as_texts(texts)
        out = np.zeros((len(items), length), dtype=np.int32)
        pre_pad = self.padding == "pre"
        keep_end = self.truncating == "pre"
        get = self.word_index.get
        oov = repeat(self.OOV)
        # one text at a time, cut before the lookup: no list of every sequence is held
        # (100,000 documents of ~450 tokens would be ~1.6 GB of Python ints)
        for row, text in enumerate(items):
            tokens = tokenize(text)
            if len(tokens) > length:
                tokens = tokens[-length:] if keep_end else tokens[:length]
            if not tokens:
                continue
            ids = np.fromiter(map(get, tokens, oov), np.int32, len(tokens))
            if pre_pad:
                out[row, length - len(ids) :] = ids
            else:
                out[row, : len(ids)] = ids
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable state (settings, words in id order, training counts)."""
        return {
            "tokenizer": TOKENIZER_NAME,
            "max_words": self.max_words,
            "min_count": self.min_count,
            "maxlen": self.maxlen,
            "padding": self.padding,
            "truncating": self.truncating,
            "n_documents": self.n_documents,
            "words": sorted(self.word_index, key=self.word_index.__getitem__),
            "word_counts": dict(self.word_counts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tokenizer:
        """Rebuild a tokenizer saved by :meth:`to_dict`; ConfigError naming what is wrong."""
        if not isinstance(data, dict):
            raise ConfigError(f"tokenizer data must be a mapping, got {type(data).__name__}")
        name = data.get("tokenizer", TOKENIZER_NAME)
        if name != TOKENIZER_NAME:
            raise ConfigError(
                f"tokenizer rules {name!r} are not supported (this is {TOKENIZER_NAME})"
            )
        settings = {
            k: data[k]
            for k in ("max_words", "min_count", "maxlen", "padding", "truncating")
            if k in data
        }
        tok = cls(**settings)
        words = data.get("words")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ConfigError("tokenizer data: 'words' must be a list of strings")
        if len(set(words)) != len(words):
            raise ConfigError("tokenizer data: 'words' holds duplicates")
        counts = data.get("word_counts", {})
        if not isinstance(counts, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            for k, v in counts.items()
        ):
            raise ConfigError("tokenizer data: 'word_counts' must map words to integers")
        tok.word_index = {w: i + 2 for i, w in enumerate(words)}
        tok.word_counts = dict(counts)
        tok.n_documents = _check_int("n_documents", data.get("n_documents", 1), 1)
        return tok
