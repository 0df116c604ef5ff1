"""``workbench classify --explain``: JSON explanations with offsets, readable top words,
a top_words CSV column, and one-line errors for bad options."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli_helpers import TINY, assert_one_error_line, run, write_tiny_corpus


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    corpus = write_tiny_corpus(tmp_path_factory.mktemp("tiny") / "corpus")
    models = tmp_path_factory.mktemp("models")
    # integrated gradients need the recurrent model alone (no fused n-gram part)
    argv = ["train", "--corpus", str(corpus), *TINY, "--set", "wide_ngrams=0"]
    argv += ["--out", str(models), "--name", "tiny"]
    code, out, err = run([*argv, "--json"])
    assert code == 0, err
    return Path(json.loads(out.splitlines()[-1])["bundle"])


TEXTS = ["Shares at the BANK don't rise 5bn 😀", "the team won the cup"]


@pytest.mark.parametrize("method", ["occlusion", "ig"])
def test_json_lines_carry_an_explanation_with_offsets(bundle, method):
    argv = ["classify", str(bundle), *TEXTS, "--explain", "--method", method, "--json"]
    code, out, err = run(argv)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    for text, record in zip(TEXTS, records, strict=True):
        explanation = record["explanation"]
        assert explanation["method"] == method
        assert explanation["class"] == record["label"]
        assert set(record["probabilities"]) == {"finance", "politics", "sport"}
        tokens = explanation["tokens"]
        assert [text[t["start"] : t["end"]] for t in tokens] == [t["text"] for t in tokens]
        assert all(isinstance(t["weight"], float) for t in tokens)
    assert [t["text"] for t in records[0]["explanation"]["tokens"]] == [
        "Shares", "at", "the", "BANK", "do", "n't", "rise", "5", "bn", "😀",
    ]  # fmt: skip


def test_class_option_explains_that_class(bundle, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("the minister won the vote\n", encoding="utf-8")
    code, out, err = run(
        ["classify", str(bundle), "--file", str(doc), "--explain", "--class", "sport", "--json"]
    )
    assert code == 0, err
    record = json.loads(out)
    assert record["explanation"]["class"] == "sport"
    assert record["explanation"]["tokens"][0]["start"] == 0


def test_readable_output_lists_words_for_and_against(bundle):
    code, out, err = run(["classify", str(bundle), "the team won the cup", "--explain"])
    assert code == 0, err
    assert "why " in out
    assert "  for " in out
    assert "  against " in out


def test_csv_gets_a_top_words_column(bundle, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,text\n1,"match goal team players"\n2,""\n', encoding="utf-8")
    target = tmp_path / "out.csv"
    argv = ["classify", str(bundle), "--csv", str(source), "--out", str(target), "--explain"]
    code, _, err = run(argv)
    assert code == 0, err
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows[0]["top_words"]
    assert set(rows[0]["top_words"].split("; ")) <= {"match", "goal", "team", "players"}
    assert rows[1]["top_words"] == ""


def test_without_explain_there_is_no_explanation_or_column(bundle, tmp_path):
    code, out, _ = run(["classify", str(bundle), "the cup", "--json"])
    assert code == 0
    assert "explanation" not in json.loads(out)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--explain", "--class", "weather"], "unknown class 'weather'"),
        (["--class", "sport"], "--method and --class only apply with --explain"),
        (["--explain", "--method", "ig", "--steps", "0"], "steps must be between 1 and"),
    ],
)
def test_bad_explain_options_are_one_line(bundle, extra, fragment):
    code, _, err = run(["classify", str(bundle), "the cup", *extra])
    assert code != 0
    assert_one_error_line(err, fragment)
