"""Loading each corpus format, format detection and predefined splits."""

from __future__ import annotations

import codecs
import json
import threading
from pathlib import Path

import numpy as np
import pytest

from workbench.core import Cancelled, Corpus, detect_format, load_corpus


def put(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def reasons(issues) -> list[tuple[str, int | None, str]]:
    return [(Path(issue.path).name, issue.line, issue.reason) for issue in issues]


# --- folder-per-class ---------------------------------------------------------------------


@pytest.fixture
def news_folder(tmp_path) -> Path:
    root = tmp_path / "news"
    put(root / "README.TXT", "about this corpus")
    put(root / "sport" / "001.txt", "Goal!\n\nA late goal won it.\r\n")
    put(root / "sport" / "002.txt", "Match report")
    put(root / "sport" / ".DS_Store", b"\x00\x00")
    put(root / "tech" / "001.txt", "New phone")
    put(root / "tech" / "002.txt", b"Costs \xa3300")
    put(root / "tech" / "003.txt", "   \n")
    put(root / "tech" / "004.txt", b"\x89PNG\x00\x00")
    put(root / "tech" / "extra" / "x.txt", "nested, not read")
    put(root / ".git" / "config", "hidden, not read")
    return root


def test_folder_loads_one_document_per_file(news_folder):
    corpus, report = load_corpus(news_folder)
    assert corpus.format == report.format == "folder"
    assert corpus.class_names == ("sport", "tech")
    assert corpus.class_counts() == {"sport": 2, "tech": 2}
    assert "Goal!\n\nA late goal won it." in corpus.texts
    assert "Costs £300" in corpus.texts
    assert corpus.splits is None
    assert report.loaded == 4


def test_folder_reports_ignored_and_skipped_items(news_folder):
    _, report = load_corpus(news_folder)
    assert reasons(report.skipped) == [
        ("003.txt", None, "empty file"),
        ("004.txt", None, "binary file"),
    ]
    assert reasons(report.warnings) == [
        ("README.TXT", None, "file outside class folders ignored"),
        ("extra", None, "nested folder ignored"),
        ("002.txt", None, "decoded as cp1252"),
    ]
    assert report.warnings[2].path == str(news_folder / "tech" / "002.txt")
    assert report.summary() == (
        "Loaded 4 documents, skipped 2 (1 empty file, 1 binary file); 3 warnings"
    )
    json.dumps(report.to_dict())


def test_folder_progress_counts_files_and_cancel_stops(news_folder):
    seen: list[float] = []
    load_corpus(news_folder, progress=lambda fraction, message: seen.append(fraction))
    assert seen[-1] == 1.0
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        load_corpus(news_folder, cancel=cancel)


# --- CSV / TSV ----------------------------------------------------------------------------


def test_csv_with_bom_quoted_newlines_and_skipped_rows(tmp_path):
    data = (
        "id,Title,Description,Category\r\n"
        '1,Big win,"Line one\nline two",sport\r\n'
        "2,,,tech\r\n"
        '3,"Multi\nline title",Body,\r\n'
        "4,Chips?,Faster chips,tech\r\n"
        "\r\n"
        "5,Vote,Results in,politics\r\n"
    )
    path = put(tmp_path / "news.csv", codecs.BOM_UTF8 + data.encode())
    corpus, report = load_corpus(path)
    assert corpus.format == "csv"
    assert corpus.texts == (
        "Big win. Line one\nline two",
        "Chips? Faster chips",
        "Vote. Results in",
    )
    assert corpus.labels == ("sport", "tech", "politics")
    # Each skipped row is reported at the physical line it starts on.
    assert reasons(report.skipped) == [
        ("news.csv", 4, "missing text"),
        ("news.csv", 5, "missing label"),
    ]


@pytest.mark.parametrize(("delimiter", "name"), [(";", "d.csv"), ("\t", "d.csv"), ("\t", "d.tsv")])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter, name):
    rows = [["text", "label"], ["a, b, c", "x"], ["d, e", "y"], ["f", "x"]]
    path = put(tmp_path / name, "\n".join(delimiter.join(row) for row in rows) + "\n")
    corpus, _ = load_corpus(path)
    assert corpus.texts == ("a, b, c", "d, e", "f")
    assert corpus.labels == ("x", "y", "x")


def test_tsv_format_alias_and_explicit_delimiter(tmp_path):
    path = put(tmp_path / "d.txt", "text\tlabel\nhello, world\ta\nbye; now\tb\n")
    corpus, report = load_corpus(path, format="tsv")
    assert report.format == "csv"
    assert corpus.texts == ("hello, world", "bye; now")
    corpus, _ = load_corpus(path, format="csv", delimiter="tab")
    assert corpus.labels == ("a", "b")


def test_csv_columns_by_name_index_and_number_labels(tmp_path):
    path = put(tmp_path / "d.csv", "Head,Sentence,Y\nh1,s1,1\nh2,s2,2.0\nh3,s3,1\n")
    corpus, _ = load_corpus(path, text_columns=["sentence", 0], label_column=2)
    assert corpus.texts == ("s1. h1", "s2. h2", "s3. h3")
    assert corpus.labels == ("1", "2", "1")
    assert corpus.class_names == ("1", "2")
    corpus, _ = load_corpus(path, text_columns="1", label_column="Y")
    assert corpus.texts == ("s1", "s2", "s3")


def test_csv_default_columns_are_found_case_insensitively(tmp_path):
    path = put(tmp_path / "d.csv", "ARTICLE,Topic,extra\nbody one,a,z\nbody two,b,z\n")
    corpus, _ = load_corpus(path)
    assert corpus.texts == ("body one", "body two")
    assert corpus.labels == ("a", "b")


def test_csv_reports_decoding_fallback(tmp_path):
    path = put(tmp_path / "d.csv", b"text,label\nok,a\nprice \xa35,b\n")
    corpus, report = load_corpus(path)
    assert corpus.texts[1] == "price £5"
    assert reasons(report.warnings) == [("d.csv", 3, "decoded as cp1252")]


# --- JSON lines ---------------------------------------------------------------------------


def test_jsonl_reads_objects_and_skips_bad_lines(tmp_path):
    lines = [
        {"text": "first", "label": "a"},
        "",
        {"text": "second", "label": 2},
        {"label": "a"},
        {"text": "third", "label": None},
        {"text": "fourth", "label": ["b", "c"]},
    ]
    content = "\n".join(json.dumps(line) if line != "" else "" for line in lines)
    path = put(tmp_path / "d.jsonl", content + "\n{not json\n[1, 2]\n")
    corpus, report = load_corpus(path)
    assert corpus.texts == ("first", "second", "fourth")
    assert corpus.labels == ("a", "2", "b")
    assert reasons(report.skipped) == [
        ("d.jsonl", 4, "missing text"),
        ("d.jsonl", 5, "missing label"),
        ("d.jsonl", 7, "malformed JSON"),
        ("d.jsonl", 8, "not a JSON object"),
    ]
    assert reasons(report.warnings) == [("d.jsonl", 6, "several labels, kept the first")]
    assert "has: label" in report.skipped[0].detail


def test_jsonl_custom_keys_and_joined_text_keys(tmp_path):
    records = [{"headline": "Up", "body": "Stocks rose", "category": "biz"}]
    path = put(tmp_path / "d.ndjson", "\n".join(json.dumps(r) for r in records))
    corpus, _ = load_corpus(path, text_key=["headline", "body"], label_key="category")
    assert corpus.texts == ("Up. Stocks rose",)
    assert corpus.labels == ("biz",)


# --- fastText and sectioned text ----------------------------------------------------------


def test_fasttext_lines(tmp_path):
    content = (
        "__label__sport A late goal\n"
        "no label here\n"
        "\n"
        "__label__tech __label__biz Chips and money\n"
        "__label__tech\n"
        "__label__sport Another match\n"
    )
    path = put(tmp_path / "d.txt", content)
    corpus, report = load_corpus(path)
    assert report.format == "fasttext"
    assert corpus.texts == ("A late goal", "Chips and money", "Another match")
    assert corpus.labels == ("sport", "tech", "sport")
    assert reasons(report.skipped) == [("d.txt", 2, "missing label"), ("d.txt", 5, "missing text")]
    assert reasons(report.warnings) == [("d.txt", 4, "several labels, kept the first")]


def test_sectioned_text(tmp_path):
    content = (
        "An orphan line\n"
        "Politics news about the elections:\n"
        "The vote is on Sunday.\n"
        "...\n"
        "\n"
        "Parties made promises.\n"
        "Sport, latest:\n"
        "…\n"
        "A late goal.\n"
    )
    path = put(tmp_path / "seed.txt", content)
    corpus, report = load_corpus(path)
    assert report.format == "sectioned"
    assert corpus.texts == ("The vote is on Sunday.", "Parties made promises.", "A late goal.")
    assert corpus.labels == ("politics", "politics", "sport")
    assert reasons(report.skipped) == [("seed.txt", 1, "text before any category header")]


# --- detection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", "text,label\nx,y\n", "csv"),
        ("a.TSV", "text\tlabel\nx\ty\n", "csv"),
        ("a.jsonl", '{"text": "x", "label": "y"}\n', "jsonl"),
        ("a.ndjson", '{"text": "x", "label": "y"}\n', "jsonl"),
        ("a.json", '{"text": "x", "label": "y"}\n{"text": "z", "label": "y"}\n', "jsonl"),
        ("a.txt", "__label__a x\n__label__b y\n", "fasttext"),
        ("cooking.train", "__label__a x\n", "fasttext"),
        ("a.txt", "Sport:\nA goal.\n", "sectioned"),
    ],
)
def test_detect_format_by_extension_or_content(tmp_path, name, content, expected):
    assert detect_format(put(tmp_path / name, content)) == expected


def test_detect_format_of_folders(news_folder, tmp_path):
    assert detect_format(news_folder) == "folder"
    put(tmp_path / "splits" / "train.jsonl", '{"text": "x", "label": "a"}\n')
    put(tmp_path / "splits" / "test.jsonl", '{"text": "y", "label": "b"}\n')
    assert detect_format(tmp_path / "splits") == "jsonl"


# --- predefined splits --------------------------------------------------------------------


def test_predefined_split_files_are_kept(tmp_path):
    root = tmp_path / "splits"
    put(root / "train.csv", "text,label\nt1,a\nt2,b\nt3,a\n")
    put(root / "val.csv", "text,label\nv1,b\n")
    put(root / "test.csv", "text,label\ns1,a\ns2,b\n")
    put(root / "notes.md", "ignore me")
    corpus, report = load_corpus(root)
    assert corpus.format == "csv"
    assert corpus.texts == ("t1", "t2", "t3", "v1", "s1", "s2")
    assert corpus.splits == ("train", "train", "train", "valid", "test", "test")
    assert reasons(report.warnings) == [("notes.md", None, "not a train/valid/test part, ignored")]
    assert corpus.to_dict()["predefined_splits"] == {"train": 3, "valid": 1, "test": 2}


def test_predefined_split_folders_in_folder_per_class_layout(tmp_path):
    root = tmp_path / "splits"
    put(root / "train" / "a" / "1.txt", "alpha one")
    put(root / "train" / "b" / "1.txt", "beta one")
    put(root / "test" / "a" / "2.txt", "alpha two")
    put(root / "test" / "b" / "2.txt", "beta two")
    corpus, _ = load_corpus(root)
    assert corpus.format == "folder"
    assert dict(zip(corpus.texts, corpus.splits, strict=True)) == {
        "alpha one": "train",
        "beta one": "train",
        "alpha two": "test",
        "beta two": "test",
    }


def test_split_progress_is_scaled_over_parts(tmp_path):
    root = tmp_path / "splits"
    put(root / "train.txt", "__label__a x\n__label__b y\n")
    put(root / "test.txt", "__label__a z\n")
    seen: list[tuple[float, str]] = []
    load_corpus(root, progress=lambda fraction, message: seen.append((fraction, message)))
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert any(message.startswith("test: ") for _, message in seen)


# --- Corpus -------------------------------------------------------------------------------


def test_corpus_label_ids_counts_and_subset_keep_class_names():
    corpus = Corpus.from_documents(["a", "b", "c"], ["y", "x", "y"], source="s", format="csv")
    assert corpus.class_names == ("x", "y")
    assert corpus.label_ids().tolist() == [1, 0, 1]
    assert corpus.label_ids().dtype == np.int32
    part = corpus.subset([1])
    assert part.class_names == ("x", "y")
    assert part.class_counts() == {"x": 1, "y": 0}
    assert corpus.subset(np.array([True, False, True])).texts == ("a", "c")
    assert len(corpus.subset([])) == 0
    assert "3 documents" in repr(corpus)


@pytest.mark.parametrize(
    ("name", "line"),
    [("d.csv", "x,a\n"), ("d.jsonl", '{"text": "x", "label": "a"}\n'), ("d.txt", "__label__a x\n")],
)
def test_line_formats_report_bytes_and_stop_when_cancelled(tmp_path, name, line):
    header = "text,label\n" if name.endswith(".csv") else ""
    path = put(tmp_path / name, header + line * 300)
    seen: list[float] = []
    corpus, _ = load_corpus(path, progress=lambda fraction, message: seen.append(fraction))
    assert len(corpus) == 300
    assert seen[-1] == 1.0
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        load_corpus(path, cancel=cancel)


def test_auto_csv_columns_names_what_a_load_picks():
    from workbench.core import auto_csv_columns

    assert auto_csv_columns(["id", "Title", "body", "Category"]) == (["Title", "body"], "Category")
    assert auto_csv_columns(["a", "b"]) == ([], None)
    assert auto_csv_columns(["text", "label"]) == (["text"], "label")
