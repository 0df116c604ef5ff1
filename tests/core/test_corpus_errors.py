"""Bad input to load_corpus: one-line CorpusErrors naming the value, file or line."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core import (
    Corpus,
    CorpusError,
    ImportIssue,
    ImportReport,
    detect_format,
    load_corpus,
)


def put(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def one_line_error(call, match: str) -> str:
    with pytest.raises(CorpusError, match=match) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_path(tmp_path):
    message = one_line_error(lambda: load_corpus(tmp_path / "nope"), "no such file or folder")
    assert "nope" in message
    one_line_error(lambda: detect_format(tmp_path / "nope"), "no such file or folder")


def test_unknown_format_name(tmp_path):
    path = put(tmp_path / "d.csv", "text,label\nx,y\n")
    message = one_line_error(lambda: load_corpus(path, format="xml"), "unknown format 'xml'")
    assert "fasttext" in message


def test_folder_without_class_subfolders(tmp_path):
    put(tmp_path / "only.txt", "hello")
    message = one_line_error(lambda: load_corpus(tmp_path), "no class subfolders")
    assert str(tmp_path) in message


def test_format_that_does_not_fit_the_path(tmp_path):
    path = put(tmp_path / "d.csv", "text,label\nx,y\n")
    one_line_error(lambda: load_corpus(path, format="folder"), "needs a folder")
    put(tmp_path / "c" / "a.txt", "x")
    one_line_error(lambda: load_corpus(tmp_path, format="csv"), "needs a file")


def test_no_usable_documents_says_how_many_were_skipped_and_why(tmp_path):
    path = put(tmp_path / "d.csv", "text,label\nx,\ny,\n")
    message = one_line_error(lambda: load_corpus(path), "no usable documents")
    assert "skipped 2" in message
    assert "d.csv:2: missing label" in message


def test_empty_and_binary_single_files(tmp_path):
    empty = put(tmp_path / "e.jsonl", "\n\n")
    assert "empty file" in one_line_error(lambda: load_corpus(empty), "no usable documents")
    binary = put(tmp_path / "b.csv", b"\x00\x01\x02\x03")
    assert "binary file" in one_line_error(lambda: load_corpus(binary), "no usable documents")
    header_only = put(tmp_path / "h.csv", "text,label\n")
    one_line_error(lambda: load_corpus(header_only), "no documents found")


def test_folder_whose_files_are_all_unusable(tmp_path):
    put(tmp_path / "a" / "1.txt", "")
    put(tmp_path / "b" / "1.txt", b"\x00binary")
    message = one_line_error(lambda: load_corpus(tmp_path), "no usable documents")
    assert "skipped 2" in message


def test_csv_column_not_found_lists_available(tmp_path):
    path = put(tmp_path / "d.csv", "id,body,cat\n1,x,y\n")
    message = one_line_error(
        lambda: load_corpus(path, text_columns="txt", label_column="cat"), "column 'txt' not found"
    )
    assert "'id', 'body', 'cat'" in message
    one_line_error(
        lambda: load_corpus(path, text_columns=[5], label_column="cat"), "column 5 not found"
    )
    one_line_error(lambda: load_corpus(path, text_columns="body"), "cannot tell the label column")


def test_csv_without_recognisable_columns(tmp_path):
    path = put(tmp_path / "d.csv", "a,b\n1,2\n")
    message = one_line_error(lambda: load_corpus(path), "cannot tell the text column")
    assert "'a', 'b'" in message


def test_csv_same_column_for_text_and_label(tmp_path):
    path = put(tmp_path / "d.csv", "text,label\nx,y\n")
    one_line_error(
        lambda: load_corpus(path, text_columns="text", label_column=0), "both text and label"
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"delimiter": "::"}, "delimiter must be one character"),
        ({"text_columns": [-1]}, "index must be >= 0"),
        ({"text_columns": []}, "at least one column"),
        ({"label_column": 1.5}, "label_column must be a column name"),
        ({"text_key": []}, "text_key must be"),
        ({"label_key": ""}, "label_key must be"),
    ],
)
def test_bad_options(tmp_path, kwargs, match):
    path = put(tmp_path / "d.csv", "text,label\nx,y\n")
    one_line_error(lambda: load_corpus(path, **kwargs), match)


def test_malformed_csv_row_is_skipped_with_its_line(tmp_path):
    # An unbalanced quote runs past the csv module's field limit; reading goes on after it.
    runaway = '"' + "x" * 140_000
    path = put(tmp_path / "d.csv", f"text,label\nok,a\n{runaway},b\nfine,b\n")
    corpus, report = load_corpus(path)
    assert corpus.texts == ("ok", "fine")
    assert [(issue.line, issue.reason) for issue in report.skipped] == [(3, "malformed CSV row")]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("notes.txt", "just a plain document\nwith two lines\n", "cannot tell the format"),
        ("data.bin", b"\x00\x01\x02", "binary file"),
        ("empty.txt", "", "empty file"),
        ("list.json", "[1, 2, 3]\n", "cannot tell the format"),
    ],
)
def test_cannot_tell_the_format(tmp_path, name, content, match):
    path = put(tmp_path / name, content)
    message = one_line_error(lambda: load_corpus(path), match)
    assert "pass --format" in message
    assert name in message


def test_ambiguous_split_parts(tmp_path):
    put(tmp_path / "train.csv", "text,label\nx,a\n")
    put(tmp_path / "test.csv", "text,label\ny,b\n")
    put(tmp_path / "val.csv", "text,label\nz,a\n")
    put(tmp_path / "valid.jsonl", '{"text": "z", "label": "a"}\n')
    one_line_error(lambda: load_corpus(tmp_path), "several parts for the valid split")


def test_one_class_loads_without_error(tmp_path):
    path = put(tmp_path / "d.txt", "__label__sport a\n__label__sport b\n")
    corpus, _ = load_corpus(path)
    assert corpus.class_names == ("sport",)


def test_sectioned_header_without_a_name(tmp_path):
    path = put(tmp_path / "s.txt", "Sport:\nA goal.\n!!! :\nOrphan line.\n")
    corpus, report = load_corpus(path, format="sectioned")
    assert corpus.texts == ("A goal.",)
    assert [(i.line, i.reason) for i in report.skipped] == [
        (3, "header without a category name"),
        (4, "text before any category header"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"texts": ("a",), "labels": ("x", "y"), "class_names": ("x", "y")}, "differ in length"),
        ({"texts": ("a",), "labels": ("x",), "class_names": ("y", "x")}, "sorted and unique"),
        ({"texts": ("a",), "labels": ("z",), "class_names": ("x",)}, "not in class_names: z"),
        (
            {"texts": ("a",), "labels": ("x",), "class_names": ("x",), "splits": ("dev",)},
            "unknown split names: dev",
        ),
        (
            {"texts": ("a",), "labels": ("x",), "class_names": ("x",), "splits": ()},
            "splits has 0 entries",
        ),
    ],
)
def test_corpus_validates_its_fields(kwargs, match):
    with pytest.raises(CorpusError, match=match):
        Corpus(source="s", format="csv", **kwargs)


def test_issue_and_summary_text():
    issue = ImportIssue("d.csv", 12, "missing label")
    assert str(issue) == "d.csv:12: missing label"
    assert str(ImportIssue("a.txt", None, "binary file", "PNG")) == "a.txt: binary file (PNG)"
    report = ImportReport(source="x", format="csv", loaded=1)
    assert report.summary() == "Loaded 1 document"
    report.warn("a", None, "decoded as cp1252")
    assert report.summary() == "Loaded 1 document; 1 warning"
