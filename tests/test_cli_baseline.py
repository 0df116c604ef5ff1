"""``workbench train`` reports the built-in linear baseline beside the model."""

from __future__ import annotations

import json

from .cli_helpers import TINY, run, write_tiny_corpus


def test_train_json_and_summary_carry_the_baseline(tmp_path):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    argv = ["train", "--corpus", str(corpus), *TINY, "--out", str(tmp_path / "models")]
    code, out, err = run([*argv, "--name", "json", "--json"])
    assert code == 0, err
    data = json.loads(out.strip().splitlines()[-1])
    baseline = data["baseline"]
    assert 0.0 <= baseline["accuracy"] <= 1.0
    assert 0.0 <= baseline["macro_f1"] <= 1.0
    stored = json.loads((tmp_path / "models" / "json" / "bundle.json").read_text())
    assert stored["metrics"]["baseline"]["accuracy"] == baseline["accuracy"]
    parts = data["parts"]  # the default is wide and deep: each part alone too
    assert set(parts) == {"recurrent", "ngrams"}
    assert stored["metrics"]["parts"] == parts

    code, out, err = run([*argv, "--name", "text"])
    assert code == 0, err
    assert "linear baseline accuracy" in out
    assert "- linear baseline" in out  # "BiLSTM 97.8% - linear baseline 98.2%"
    assert "(BiLSTM alone " in out
    assert "n-grams alone " in out


def test_train_without_baseline(tmp_path):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    argv = ["train", "--corpus", str(corpus), *TINY, "--set", "baseline=false"]
    code, out, err = run([*argv, "--out", str(tmp_path / "models"), "--json"])
    assert code == 0, err
    data = json.loads(out.strip().splitlines()[-1])
    assert data["baseline"] is None
    assert set(data["parts"]) == {"recurrent", "ngrams"}  # kept without the baseline
