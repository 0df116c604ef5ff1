"""End-to-end tests of the ``workbench`` command line.

Most commands run in-process through ``main(argv)`` (fast); the Ctrl-C test and
``python -m workbench`` in a subprocess. Tests needing no model: test_cli_units.py.
"""

from __future__ import annotations

import contextlib
import csv
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from workbench.cli.inspect import guess_kind
from workbench.core import sample_corpus_dir

from .cli_helpers import TINY, WORDS, assert_one_error_line, run, subprocess_env, write_tiny_corpus


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory) -> Path:
    return write_tiny_corpus(tmp_path_factory.mktemp("tiny") / "corpus")


@pytest.fixture(scope="module")
def tiny_run(tiny_corpus, tmp_path_factory) -> dict:
    """One training on the tiny corpus (``train --json``), shared by the module."""
    models = tmp_path_factory.mktemp("models")
    argv = ["train", "--corpus", str(tiny_corpus), *TINY, "--out", str(models), "--name", "tiny"]
    code, out, err = run([*argv, "--json"])
    return {"code": code, "out": out, "err": err, "models": models}


@pytest.fixture(scope="module")
def bundle(tiny_run) -> Path:
    assert tiny_run["code"] == 0, tiny_run["err"]
    return Path(json.loads(tiny_run["out"].splitlines()[-1])["bundle"])


@pytest.fixture(scope="module")
def glove_file(tmp_path_factory) -> Path:
    """A tiny GloVe text file (4d) with one malformed line (line 3)."""
    path = tmp_path_factory.mktemp("vec") / "tiny.4d.txt"
    rows = ["the 0.1 0.2 0.3 0.4", "market 0.5 0.1 0.0 0.2", "broken 0.1 x", "goal 0.3 0.3 0.1 0.0"]
    rows += ["minister 0.0 0.4 0.2 0.1", "team 0.2 0.1 0.4 0.3"]
    path.write_text("\n".join(rows) + "\n")
    return path


# ------------------------------------------------------------------- train


def test_train_json_last_line_has_result(tiny_run, tiny_corpus):
    assert tiny_run["code"] == 0, tiny_run["err"]
    data = json.loads(tiny_run["out"].strip().splitlines()[-1])
    for key in ("accuracy", "macro_f1", "per_class", "bundle", "status", "best_epoch", "history"):
        assert key in data
    assert 0.0 <= data["accuracy"] <= 1.0
    assert set(data["per_class"]) == set(WORDS)
    assert data["status"] == "completed"
    assert data["corpus"]["skipped"] == 1  # the empty file
    assert data["devices"]["strategy"] == "default"  # one CPU: no MirroredStrategy
    assert data["devices"]["replicas"] == 1
    assert data["documents_per_s"] > 0
    bundle_dir = Path(data["bundle"])
    assert bundle_dir.parent == tiny_run["models"]
    assert (bundle_dir / "bundle.json").is_file()
    assert (bundle_dir / "model.keras").is_file()


def test_train_json_keeps_progress_off_stdout(tiny_run):
    assert len(tiny_run["out"].strip().splitlines()) == 1
    assert "epoch 1/1" in tiny_run["err"]  # stderr is not a TTY: one plain line per epoch


# ---------------------------------------------------------------- classify


def test_classify_json_lines_give_label_and_all_probabilities(bundle):
    texts = ["the minister won the election vote", "the team scored a goal in the cup match"]
    code, out, err = run(["classify", str(bundle), *texts, "--json"])
    assert code == 0, err
    records = [json.loads(line) for line in out.strip().splitlines()]
    assert [r["text"] for r in records] == texts
    for record in records:
        assert record["label"] in WORDS
        assert set(record["probabilities"]) == set(WORDS)
        assert sum(record["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
        assert record["label"] == max(record["probabilities"], key=record["probabilities"].get)


def test_classify_text_and_file_human_output(bundle, tmp_path):
    doc = tmp_path / "article.txt"
    doc.write_text("bank profit and market shares rose")
    code, out, err = run(["classify", str(bundle), "goal for the team", "--file", str(doc)])
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 4  # header, rule, two rows
    assert str(doc) in lines[3]
    assert lines[2].split()[0] in WORDS


def test_classify_csv_writes_rows_with_predictions(bundle, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id,body\n1,"the team won the cup"\n2,"bank shares, profit"\n3,\n')
    target = tmp_path / "out.csv"
    argv = ["classify", str(bundle), "--csv", str(source), "--text-column", "body"]
    code, out, err = run([*argv, "--out", str(target)])
    assert code == 0, err
    assert "wrote 3 rows" in out
    with open(target, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert rows[1]["body"] == "bank shares, profit"
    for row in rows:
        assert row["predicted_label"] in WORDS
        probs = {name: float(row[f"prob_{name}"]) for name in WORDS}
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-4)
        assert float(row["confidence"]) == pytest.approx(max(probs.values()), abs=1e-5)


def test_classify_csv_warns_about_an_unclosed_quote(bundle, tmp_path):
    source = tmp_path / "in.csv"
    rows = [f"doc {i},{'sport' if i % 2 else 'tech'}" for i in range(8)]
    rows[2] = '"doc 2 never closed,tech'
    source.write_text("text,label\n" + "\n".join(rows) + "\n")
    argv = ["classify", str(bundle), "--csv", str(source), "--out", str(tmp_path / "o.csv")]
    code, out, err = run(argv)
    assert code == 0, err
    assert "wrote 3 rows" in out
    assert f"warning: {source} line 4: a quote opened in this record seems never" in err


def test_classify_csv_missing_column_is_one_error(bundle, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,body\n1,hello\n")
    argv = ["classify", str(bundle), "--csv", str(source), "--text-column", "text"]
    code, _, err = run([*argv, "--out", str(tmp_path / "o.csv")])
    assert code == 1
    assert_one_error_line(err, "column 'text' not found", "id, body")


# --------------------------------------------------------- evaluate/inspect


def test_evaluate_json_and_text(bundle, tiny_corpus):
    code, out, err = run(["evaluate", str(bundle), "--corpus", str(tiny_corpus), "--json"])
    assert code == 0, err
    data = json.loads(out.strip().splitlines()[-1])
    assert 0.0 <= data["accuracy"] <= 1.0
    assert len(data["confusion"]) == len(WORDS)
    assert sum(map(sum, data["confusion"])) == 30  # every loaded document, once
    code, out, err = run(["evaluate", str(bundle), "--corpus", str(tiny_corpus)])
    assert code == 0, err
    assert "accuracy" in out
    assert "true \\ predicted" in out


def test_evaluate_unknown_labels_is_one_error(bundle, tmp_path):
    corpus = write_tiny_corpus(tmp_path / "c")
    (corpus / "sport").rename(corpus / "weather")
    code, _, err = run(["evaluate", str(bundle), "--corpus", str(corpus)])
    assert code == 1
    assert_one_error_line(err, "weather")


def test_inspect_corpus_lists_counts_and_skipped_items(tiny_corpus):
    code, out, err = run(["inspect", str(tiny_corpus)])
    assert code == 0, err
    assert "format: folder" in out
    assert "documents: 30 in 3 classes" in out
    assert "empty.txt: empty file" in out
    assert "suggested maxlen:" in out
    code, out, _ = run(["inspect", str(tiny_corpus), "--json"])
    data = json.loads(out)
    assert data["class_counts"] == {"finance": 10, "politics": 10, "sport": 10}
    assert len(data["report"]["skipped"]) == 1
    assert data["stats"]["suggested_maxlen"] >= 1


def test_inspect_csv_with_named_columns_and_forced_format(tmp_path):
    data = tmp_path / "news.data"
    rows = [f'{k},"{w} {i}",x' for i in range(3) for k, w in (("sport", "goal"), ("tech", "chip"))]
    data.write_text("kind,words,other\n" + "\n".join(rows) + "\n")
    argv = ["inspect", str(data), "--format", "csv", "--text-column", "words"]
    code, out, err = run([*argv, "--label-column", "kind", "--json"])
    assert code == 0, err
    assert json.loads(out)["class_counts"] == {"sport": 3, "tech": 3}
    code, _, err = run([*argv, "--label-column", "nope"])
    assert code == 1
    assert_one_error_line(err, "nope")


def test_inspect_vectors_reports_dimension_and_malformed_lines(glove_file):
    code, out, err = run(["inspect", str(glove_file)])
    assert code == 0, err
    assert "dimension: 4" in out
    assert "malformed lines: 1 (lines 3)" in out
    code, out, _ = run(["inspect", str(glove_file), "--json"])
    data = json.loads(out)
    assert (data["kind"], data["dim"], data["malformed"]) == ("vectors", 4, 1)
    assert data["rows_kept"] == 5


def test_inspect_vectors_with_corpus_reports_coverage(glove_file, tiny_corpus):
    code, out, err = run(["inspect", str(glove_file), "--corpus", str(tiny_corpus), "--json"])
    assert code == 0, err
    cov = json.loads(out)["coverage"]
    assert 0 < cov["vocab_covered"] < cov["vocab_size"]
    assert cov["tokens_covered"] < cov["tokens_total"]


def test_inspect_a_zip_member_named_on_the_command_line(glove_file, tmp_path):
    import zipfile

    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(glove_file, "a.50d.txt")
        handle.writestr("b.2d.txt", "the 0.1 0.2\nof 0.3 0.4\n")
    code, out, err = run(["inspect", f"{archive}:b.2d.txt", "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert (data["kind"], data["dim"], data["rows_read"]) == ("vectors", 2, 2)
    code, out, err = run(["inspect", f"{archive}:a.50d.txt"])
    assert code == 0, err
    assert "dimension: 4" in out


def test_inspect_bundle(bundle):
    code, out, err = run(["inspect", str(bundle), "--json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "bundle"
    assert sorted(data["class_names"]) == sorted(WORDS)


def test_inspect_guesses_what_a_path_is(tmp_path, glove_file, tiny_corpus, bundle):
    header = tmp_path / "w2v.txt"
    header.write_text("2 3\nthe 0.1 0.2 0.3\nof 0.3 0.2 0.1\n")
    fasttext = tmp_path / "ft.txt"
    fasttext.write_text("__label__sport the team won\n")
    assert guess_kind("bundled") == "vectors"
    assert guess_kind(str(glove_file)) == "vectors"
    assert guess_kind(str(header)) == "vectors"
    assert guess_kind(str(fasttext)) == "corpus"
    assert guess_kind(str(tiny_corpus)) == "corpus"
    assert guess_kind(str(bundle)) == "bundle"


# ------------------------------------------------------------- user errors


def _bad_corpora(root: Path) -> dict[str, Path]:
    one = root / "one"
    (one / "only").mkdir(parents=True)
    for i in range(5):
        (one / "only" / f"{i}.txt").write_text(f"text number {i}")
    empty = root / "empty"
    for label in ("a", "b"):
        (empty / label).mkdir(parents=True)
        (empty / label / "x.txt").write_text("")
    garbage = root / "garbage.txt"
    garbage.write_text("this is not a vectors file\njust words\n")
    return {"one": one, "empty": empty, "garbage": garbage}


@pytest.mark.parametrize(
    ("case", "code", "fragment"),
    [
        ("missing-corpus", 1, "nope"),
        ("one-class", 1, ""),
        ("no-documents", 1, ""),
        ("vectors-missing", 1, "vectors file not found"),
        ("vectors-unreadable", 1, "garbage.txt"),
        ("bad-set-value", 1, "units"),
        ("bad-set-key", 1, "unitz"),
        ("bad-set-form", 1, "KEY=VALUE"),
        ("huge-maxlen", 1, "maxlen must be <= 100000, got 1000000000"),
        ("model-too-big", 1, "lower units (now 100000)"),
        ("config-missing", 1, "missing.toml"),
        ("no-corpus-option", 2, "--corpus"),
        ("bad-format", 2, "--format"),
    ],
)
def test_train_user_errors_are_one_line(case, code, fragment, tmp_path, tiny_corpus):
    bad = _bad_corpora(tmp_path)
    corpus = ["--corpus", str(tiny_corpus)]
    argv = {
        "missing-corpus": ["--corpus", str(tmp_path / "nope"), *TINY],
        "one-class": ["--corpus", str(bad["one"]), *TINY],
        "no-documents": ["--corpus", str(bad["empty"]), *TINY],
        "vectors-missing": [*corpus, "--vectors", str(tmp_path / "v.txt")],
        "vectors-unreadable": [*corpus, "--vectors", str(bad["garbage"])],
        "bad-set-value": [*corpus, *TINY, "--set", "units=abc"],
        "bad-set-key": [*corpus, *TINY, "--set", "unitz=3"],
        "bad-set-form": [*corpus, *TINY, "--set", "units"],
        "huge-maxlen": [*corpus, *TINY, "--set", "maxlen=1000000000"],
        "model-too-big": [*corpus, *TINY, "--set", "units=100000"],
        "config-missing": [*corpus, "--config", str(tmp_path / "missing.toml")],
        "no-corpus-option": [*TINY],
        "bad-format": [*corpus, "--format", "xml"],
    }[case]
    got, _out, err = run(["train", *argv, "--out", str(tmp_path / "models")])
    assert got == code
    assert_one_error_line(err, fragment)
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        (["classify", "{plain}", "hello"], 1, "not a model bundle"),
        (["classify", "{missing}", "hello"], 1, "no such bundle"),
        (["classify", "{bundle}"], 2, "nothing to classify"),
        (["classify", "{bundle}", "--csv", "x.csv"], 2, "--out"),
        (["classify", "{bundle}", "--file", "{missing}"], 1, "no such file"),
        (["evaluate", "{plain}", "--corpus", "{plain}"], 1, "not a model bundle"),
        (["inspect", "{missing}"], 1, "no such file or folder"),
        (["inspect", "{garbage}", "--kind", "vectors"], 1, "garbage.txt"),
        (["inspect", "{prose}"], 1, "prose.txt"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)
def test_other_user_errors_are_one_line(argv, code, fragment, tmp_path, bundle):
    bad = _bad_corpora(tmp_path)
    prose = tmp_path / "prose.txt"
    prose.write_text("Just a paragraph of ordinary prose.\nAnother line here.\n")
    names = {
        "plain": str(tmp_path),
        "missing": str(tmp_path / "missing"),
        "bundle": str(bundle),
        "garbage": str(bad["garbage"]),
        "prose": str(prose),
    }
    got, _, err = run([arg.format(**names) for arg in argv])
    assert got == code
    assert_one_error_line(err, fragment)


# ------------------------------------------------------------ subprocesses


def test_ctrl_c_stops_training_and_saves_the_best_model(tmp_path, glove_file):
    """Sample corpus, a vectors file, human output: SIGINT after epoch 1 keeps the model."""
    argv = [sys.executable, "-m", "workbench", "train", "--corpus", str(sample_corpus_dir())]
    argv += ["--vectors", str(glove_file), "--set", "epochs=500", "--set", "patience=0"]
    argv += ["--set", "units=4", "--set", "maxlen=50", "--out", str(tmp_path), "--name", "s"]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env()
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True)
    reader.start()
    seen, deadline = [], time.monotonic() + 120
    try:
        while not any(x.startswith("epoch 1/500") for x in seen):
            assert time.monotonic() < deadline, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)  # stdout is short: the pipe cannot fill up
        out = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=5)
    stderr = "".join(seen) + "".join(iter_queue(lines))
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "I0000" not in stderr  # TensorFlow's native log lines are filtered
    assert "stopping after this batch" in stderr
    assert "status: cancelled after" in out
    assert "devices: /device:CPU:0, " in out  # where it trained, and documents/s
    assert "documents/s" in out
    assert "test accuracy" in out
    assert "linear baseline skipped: the run was stopped" in out  # Stop ends the run now
    for name in ("business", "politics", "sport"):
        assert name in out  # per-class table
    assert f"bundle saved to: {tmp_path / 's'}" in out
    info = json.loads((tmp_path / "s" / "bundle.json").read_text())
    assert 1 <= len(info["history"]["loss"]) < 500
    assert info["provenance"]["vectors"]["dim"] == 4  # the vectors file was used
    assert info["provenance"]["vectors"]["source"] == str(glove_file)


def iter_queue(q: queue.Queue[str]) -> list[str]:
    items = []
    while True:
        try:
            items.append(q.get_nowait())
        except queue.Empty:
            return items
