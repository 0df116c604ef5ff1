"""tokenize_spans(): the tokens of tokenize() tied to the raw characters they came from,
and the explainer's reading of a text (known words, tokens past maxlen)."""

from __future__ import annotations

import pytest

from workbench.core import tokenize, tokenize_spans


def raw(text: str) -> list[str]:
    return [text[start:end] for _, start, end in tokenize_spans(text)]


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Hello, World!", ["Hello", ",", "World", "!"]),
        ("The U.S. Economy", ["The", "U.S.", "Economy"]),
        ("ShArEs ROSE", ["ShArEs", "ROSE"]),
        ("profits of 5bn", ["profits", "of", "5", "bn"]),
        ("£5.5bn or $10m", ["£", "5.5", "bn", "or", "$", "10", "m"]),
        ("up 1.13 to 76%", ["up", "1.13", "to", "76", "%"]),
        ("1,000 fans at 12:30", ["1,000", "fans", "at", "12:30"]),
        ("I Don't know", ["I", "Do", "n't", "know"]),
        ("isn\u2019t \u201cquoted\u201d", ["is", "n\u2019t", "\u201c", "quoted", "\u201d"]),
        ("Mr O'Neill's", ["Mr", "O'Neill", "'s"]),
        ("net-based -- wait...", ["net", "-", "based", "--", "wait", "..."]),
        ("Привет, Мир", ["Привет", ",", "Мир"]),
        ("東京 は 大きい", ["東京", "は", "大きい"]),
        ("great 😀 match 👍🏽!", ["great", "😀", "match", "👍", "🏽", "!"]),
        ("İstanbul wins", ["İ", "İ", "stanbul", "wins"]),  # 'İ'.lower() is two characters
        ("", []),
        (" \n\t ", []),
    ],
)  # fmt: skip
def test_spans_cut_the_raw_text_where_the_tokens_are(text, pieces):
    spans = tokenize_spans(text)
    assert [token for token, _, _ in spans] == tokenize(text)
    assert raw(text) == pieces


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. didn't grow 1.13% in 2004, said O'Neill.",
        "Ça coûte 5€ — naïve CAFÉ; ÆSIR ǅ ﬁne",
        "mixed\u00a0spaces\u2003and\ttabs\nnewlines",
        "İİ ẞ straße ΣΑΣ",
        "a" * 50 + " " + "b.c.d. e.g. x--y...z",
    ],
)
def test_spans_agree_with_tokenize_and_do_not_overlap(text):
    spans = tokenize_spans(text)
    assert [token for token, _, _ in spans] == tokenize(text)
    previous_end = 0
    for _, start, end in spans:
        assert 0 <= start < end <= len(text)
        assert start >= previous_end or text[start] == "İ"
        previous_end = end


def test_span_text_lowercased_is_the_token_for_ascii_text():
    text = "Shares in BANK rose 5bn, didn't they? 1.13% e.g."
    for token, start, end in tokenize_spans(text):
        assert text[start:end].lower() == token
