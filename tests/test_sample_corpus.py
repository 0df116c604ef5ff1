"""The bundled sample corpus: layout, encoding, article shape, README counts, and loading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.core import sample_corpus_dir

CLASSES = ("business", "politics", "sport")
SENTENCE_END = re.compile(r"[.!?][\"”’]?(?:\s|$)")


def _articles(cls: str) -> list[Path]:
    return sorted((sample_corpus_dir() / cls).glob("*.txt"))


def _all_articles() -> list[Path]:
    return [path for cls in CLASSES for path in _articles(cls)]


def _split(path: Path) -> tuple[str, str, str]:
    """(headline, separator line, body) of one article, decoded strictly as UTF-8."""
    text = path.read_bytes().decode("utf-8")
    parts = text.split("\n", 2)
    if len(parts) < 3:
        pytest.fail(f"{path}: expected headline, blank line, body; got {len(parts)} line(s)")
    return parts[0], parts[1], parts[2]


def test_corpus_has_exactly_the_three_class_folders():
    root = sample_corpus_dir()
    assert root.is_dir(), f"{root} is missing"
    folders = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert folders == list(CLASSES)


@pytest.mark.parametrize("cls", CLASSES)
def test_each_class_has_at_least_40_numbered_txt_files_and_nothing_else(cls):
    folder = sample_corpus_dir() / cls
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) >= 40, f"{cls}: only {len(names)} files"
    assert all(re.fullmatch(r"\d{3}\.txt", name) for name in names), names
    expected = [f"{i:03d}.txt" for i in range(1, len(names) + 1)]
    assert names == expected, f"{cls}: files are not numbered 001.txt onwards without gaps"


def test_every_article_is_valid_utf8_without_bom_and_non_empty():
    paths = _all_articles()
    assert paths
    for path in paths:
        raw = path.read_bytes()
        assert raw.strip(), f"{path}: empty"
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{path}: starts with a byte-order mark"
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            pytest.fail(f"{path}: not valid UTF-8 ({exc})")
        assert b"\r" not in raw, f"{path}: carriage return in file"


def test_every_article_is_headline_blank_line_then_body():
    for path in _all_articles():
        headline, separator, body = _split(path)
        assert headline, f"{path}: empty headline"
        assert headline.strip() == headline, f"{path}: headline has edge spaces {headline!r}"
        assert len(headline) <= 100, f"{path}: headline longer than 100 characters"
        assert not headline.endswith("."), f"{path}: headline ends with a full stop"
        assert separator == "", f"{path}: second line is not blank"
        words = len(body.split())
        assert 60 <= words <= 150, f"{path}: body has {words} words"
        sentences = len(SENTENCE_END.findall(body.strip()))
        assert 3 <= sentences <= 6, f"{path}: body has {sentences} sentences"


def test_headlines_and_bodies_are_all_distinct():
    headlines: dict[str, Path] = {}
    bodies: dict[str, Path] = {}
    for path in _all_articles():
        headline, _, body = _split(path)
        assert headline not in headlines, f"{path}: same headline as {headlines[headline]}"
        assert body not in bodies, f"{path}: same body as {bodies[body]}"
        headlines[headline] = path
        bodies[body] = path


def test_corpus_uses_non_ascii_typography():
    text = "".join(path.read_text(encoding="utf-8") for path in _all_articles())
    for symbol in ("£", "€", "$", "%", "“", "”", "’"):
        assert symbol in text, f"no {symbol!r} anywhere in the corpus"


def test_readme_counts_match_the_files():
    readme = (sample_corpus_dir().parent / "sample_corpus.md").read_text(encoding="utf-8")
    assert "MIT" in readme
    total = 0
    for cls in CLASSES:
        match = re.search(rf"^\|\s*{cls}\s*\|\s*(\d+)\s*\|", readme, re.MULTILINE)
        assert match, f"sample_corpus.md has no count row for {cls}"
        count = len(_articles(cls))
        said = int(match.group(1))
        assert said == count, f"sample_corpus.md says {said} {cls}, found {count}"
        total += count
    match = re.search(r"^\|\s*total\s*\|\s*(\d+)\s*\|", readme, re.MULTILINE)
    assert match, "sample_corpus.md has no total row"
    assert int(match.group(1)) == total


def test_load_corpus_loads_every_article_without_skipping():
    from workbench.core import load_corpus

    corpus, report = load_corpus(sample_corpus_dir())
    expected = {cls: len(_articles(cls)) for cls in CLASSES}
    assert report.skipped == [], [str(issue) for issue in report.skipped]
    assert report.loaded == sum(expected.values())
    assert len(corpus) == sum(expected.values())
    assert corpus.format == "folder"
    assert corpus.class_names == CLASSES
    assert corpus.class_counts() == expected
    # the first thing a new user sees: a clean import report
    assert report.warnings == [], [str(w) for w in report.warnings]
    assert all(text.strip() for text in corpus.texts)
