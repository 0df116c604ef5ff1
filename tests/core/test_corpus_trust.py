"""Corpora that lie: unclosed CSV quotes, labels differing in case, NUL bytes, odd names."""

from __future__ import annotations

import pytest

from tests.core.test_corpus_formats import put, reasons
from workbench.core import load_corpus, read_csv_table


def rows_csv(count: int, broken_at: int | None = None, closer_at: int | None = None) -> str:
    lines = ["text,label"]
    labels = ["sport", "tech", "business", "politics"]
    for i in range(count):
        text = f"document {i} about things"
        if i == broken_at:
            text = '"' + text  # opens a quote that is never closed
        if i == closer_at:
            text = f'"quoted {i}"'
        lines.append(f"{text},{labels[i % 4]}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("closer_at", [None, 10], ids=["to-the-end", "closed-by-a-later-quote"])
def test_an_unclosed_quote_in_a_corpus_is_reported_with_its_line(tmp_path, closer_at):
    path = put(tmp_path / "c.csv", rows_csv(20, broken_at=5, closer_at=closer_at))
    corpus, report = load_corpus(path)
    assert len(corpus) < 20  # the rows after the quote were read as one document
    issues = [w for w in report.warnings if w.reason == "unclosed quote"]
    assert [(w.line, w.path) for w in issues] == [(7, str(path))]
    assert "seems never to close" in str(issues[0])
    assert "1 warning" in report.summary()


def test_genuine_multi_line_texts_are_not_reported(tmp_path):
    text = 'text,label\n"first line\nsecond line, with a comma\nthird",sport\nplain,tech\n'
    corpus, report = load_corpus(put(tmp_path / "c.csv", text))
    assert len(corpus) == 2
    assert report.warnings == []


def test_an_unclosed_quote_in_a_table_to_classify_is_reported(tmp_path):
    path = put(tmp_path / "t.csv", rows_csv(20, broken_at=3))
    table = read_csv_table(path)
    assert len(table.rows) < 20
    assert len(table.warnings) == 1
    assert table.warnings[0].startswith("line 5: a quote opened in this record")
    clean = read_csv_table(put(tmp_path / "ok.csv", rows_csv(20)))
    assert clean.warnings == []


def case_variants_csv() -> str:
    rows = ["text,label"] + [f"match {i},sport" for i in range(5)]
    rows += [f"game {i},Sport" for i in range(2)] + ["race,SPORT", "phone,tech", "laptop,tech"]
    return "\n".join(rows) + "\n"


def test_labels_differing_only_in_case_are_named_in_the_report(tmp_path):
    path = put(tmp_path / "c.csv", case_variants_csv())
    corpus, report = load_corpus(path)
    assert corpus.class_names == ("SPORT", "Sport", "sport", "tech")
    issues = [w for w in report.warnings if w.reason == "labels differ only in case or spaces"]
    assert [w.detail for w in issues] == ["'sport' (5), 'Sport' (2), 'SPORT' (1)"]


def test_folder_labels_differing_in_surrounding_spaces_are_named(tmp_path):
    put(tmp_path / "f" / "sport" / "a.txt", "match report")
    put(tmp_path / "f" / "Sport " / "b.txt", "another match")
    put(tmp_path / "f" / "tech" / "c.txt", "phone")
    _, report = load_corpus(tmp_path / "f")
    assert any("'Sport ' (1)" in w.detail for w in report.warnings)


def test_merge_labels_case_merges_into_the_most_frequent_spelling(tmp_path):
    path = put(tmp_path / "c.csv", case_variants_csv())
    corpus, report = load_corpus(path, merge_labels="case")
    assert corpus.class_names == ("sport", "tech")
    assert corpus.class_counts() == {"sport": 8, "tech": 2}
    assert [w.reason for w in report.warnings] == ["labels merged"]
    assert report.warnings[0].detail.endswith("-> 'sport'")


def test_merge_labels_rejects_an_unknown_mode(tmp_path):
    from workbench.core import ArgumentError

    path = put(tmp_path / "c.csv", case_variants_csv())
    with pytest.raises(ArgumentError, match="merge_labels must be None or 'case', got 'upper'"):
        load_corpus(path, merge_labels="upper")


# --- NUL bytes, symlink loops, odd file names ----------------------------------------------


@pytest.mark.parametrize("early", [True, False], ids=["in-the-first-8k", "later"])
def test_a_nul_byte_skips_its_csv_row_wherever_it_is(tmp_path, early):
    rows = [f"document {i},{'sport' if i % 2 else 'tech'}" for i in range(400)]
    at = 3 if early else 350  # row 350 lies far past the first 8 KiB
    rows[at] = rows[at].replace("document", "doc\x00ument")
    path = put(tmp_path / "c.csv", "text,label\n" + "\n".join(rows) + "\n")
    corpus, report = load_corpus(path)
    assert len(corpus) == 399
    assert reasons(report.skipped) == [("c.csv", at + 2, "NUL byte in line")]


def test_a_nul_byte_skips_its_jsonl_line(tmp_path):
    lines = ['{"text": "a b", "label": "x"}', '{"text": "c\x00d", "label": "y"}']
    lines += ['{"text": "e f", "label": "y"}']
    corpus, report = load_corpus(put(tmp_path / "c.jsonl", "\n".join(lines) + "\n"))
    assert len(corpus) == 2
    assert reasons(report.skipped) == [("c.jsonl", 2, "NUL byte in line")]


def test_a_binary_file_is_still_binary(tmp_path):
    put(tmp_path / "f" / "a" / "x.txt", "text")
    put(tmp_path / "f" / "b" / "y.txt", "more text")
    put(tmp_path / "f" / "b" / "z.png", b"\x89PNG\x00\x00\x00\x0dIHDR\x00\x00" * 50)
    _, report = load_corpus(tmp_path / "f")
    assert reasons(report.skipped) == [("z.png", None, "binary file")]


@pytest.mark.parametrize("early", [True, False], ids=["in-the-first-8k", "later"])
def test_a_document_with_a_nul_byte_is_skipped_wherever_it_is(tmp_path, early):
    text = "".join(f"line {i} of words\n" for i in range(1000))
    at = 10 if early else 14000
    put(tmp_path / "f" / "a" / "x.txt", text[:at] + "\x00" + text[at:])
    put(tmp_path / "f" / "a" / "ok.txt", "fine")
    put(tmp_path / "f" / "b" / "y.txt", "more text")
    _, report = load_corpus(tmp_path / "f")
    assert [(name, reason.split(" in line")[0]) for name, _, reason in reasons(report.skipped)] == [
        ("x.txt", "NUL byte")
    ]


def test_a_nul_record_in_a_table_is_left_out_with_a_warning(tmp_path):
    path = put(tmp_path / "t.csv", "text,label\nok,a\nba\x00d,b\nfine,b\n")
    table = read_csv_table(path)
    assert [line for line, _ in table.rows] == [2, 4]
    assert table.warnings == ["line 3: NUL byte in the record, left out"]


def test_a_symlink_loop_in_a_class_folder_is_reported(tmp_path):
    put(tmp_path / "f" / "a" / "x.txt", "text")
    put(tmp_path / "f" / "b" / "y.txt", "more text")
    loop = tmp_path / "f" / "a" / "loop.txt"
    loop.symlink_to(loop)
    (tmp_path / "f" / "b" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    _, report = load_corpus(tmp_path / "f")
    found = {name: reason for name, _, reason in reasons(report.skipped)}
    assert found == {
        "loop.txt": "broken or looping link",
        "gone.txt": "broken or looping link",
    }


def test_a_file_name_with_a_newline_stays_on_one_report_line(tmp_path):
    put(tmp_path / "f" / "a" / "x.txt", "text")
    put(tmp_path / "f" / "b" / "y.txt", "more text")
    put(tmp_path / "f" / "b" / "two\nlines.txt", "")
    _, report = load_corpus(tmp_path / "f")
    (issue,) = report.skipped
    assert "\n" not in str(issue)
    assert "two\\nlines.txt" in str(issue)
    assert issue.path.endswith("two\nlines.txt")  # the data keeps the real name
