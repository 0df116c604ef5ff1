"""``workbench runs``, ``sweep``, ``train --folds`` and ``--tensorboard``; a SIGKILLed training."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.core import RunStore

from .cli_helpers import TINY, assert_one_error_line, run, subprocess_env, write_tiny_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_tiny_corpus(tmp_path_factory.mktemp("corpus") / "news")


@pytest.fixture(scope="module")
def two_runs(corpus, tmp_path_factory) -> tuple[Path, list[dict]]:
    models = tmp_path_factory.mktemp("models")
    results = []
    for units in (4, 6):
        code, out, err = run(
            [
                "train",
                "--corpus",
                str(corpus),
                *TINY,
                "--set",
                f"units={units}",
                "--out",
                str(models),
                "--json",
            ]
        )
        assert code == 0, err
        results.append(json.loads(out.splitlines()[-1]))
    return models, results


def test_runs_json_lists_both_runs_newest_first(two_runs):
    models, results = two_runs
    code, out, err = run(["runs", "--models", str(models), "--json"])
    assert code == 0, err
    runs = json.loads(out)
    assert [r["id"] for r in runs] == [results[1]["run_id"], results[0]["run_id"]]
    for run_, result in zip(runs, reversed(results), strict=True):
        assert {"id", "name", "status", "started", "config", "metrics", "bundle"} <= set(run_)
        assert run_["status"] == result["status"]
        assert run_["metrics"]["accuracy"] == pytest.approx(result["accuracy"])
        assert run_["metrics"]["macro_f1"] == pytest.approx(result["macro_f1"])
        baseline = run_["metrics"]["baseline"]  # the run history keeps the baseline too
        assert baseline["accuracy"] == pytest.approx(result["baseline"]["accuracy"])
        assert baseline["macro_f1"] == pytest.approx(result["baseline"]["macro_f1"])
        assert run_["bundle"] == result["bundle"]
    assert [r["config"]["units"] for r in runs] == [6, 4]


def test_runs_human_list_show_and_compare(two_runs):
    models, results = two_runs
    first, second = (str(r["run_id"]) for r in results)
    baseline = f"{100 * results[0]['baseline']['accuracy']:.2f} %"
    code, out, _ = run(["runs", "--models", str(models)])
    assert code == 0
    assert "completed" in out
    header, row = out.splitlines()[0], out.splitlines()[-1]  # the oldest run comes last
    assert header.split()[4:6] == ["accuracy", "baseline"]
    assert baseline in row
    code, out, _ = run(["runs", "show", first, "--models", str(models)])
    assert code == 0
    assert f"run {first}:" in out
    assert "units=4" in out
    assert "epoch" in out
    assert f"linear baseline accuracy {baseline}" in out
    parts = results[0]["parts"]
    recurrent, ngrams = (f"{parts[k]['accuracy']:.1%}" for k in ("recurrent", "ngrams"))
    assert f"(BiLSTM alone {recurrent}, n-grams alone {ngrams}) - linear baseline" in out
    code, out, _ = run(["runs", "show", first, "--models", str(models), "--json"])
    shown = json.loads(out)
    assert len(shown["history"]["loss"]) == results[0]["epochs_run"]
    assert shown["metrics"]["per_class"] == results[0]["per_class"]
    assert shown["metrics"]["parts"] == results[0]["parts"]
    code, out, _ = run(["runs", "compare", first, second, "--models", str(models), "--json"])
    data = json.loads(out)
    assert data["config_diff"] == {"units": [4, 6]}
    assert [m["id"] for m in data["metrics"]] == [int(first), int(second)]
    assert data["metrics"][0]["baseline"]["accuracy"] == results[0]["baseline"]["accuracy"]
    for shown_parts, result in zip((m["parts"] for m in data["metrics"]), results, strict=True):
        assert shown_parts == {k: v["accuracy"] for k, v in result["parts"].items()}
    code, out, _ = run(["runs", "compare", first, second, "--models", str(models)])
    assert "units" in out
    lines = out.splitlines()
    (line,) = [line for line in lines if line.startswith("linear baseline")]
    assert baseline in line
    # each part alone, per run, in run order
    for row, key in (("recurrent part alone", "recurrent"), ("n-gram part alone", "ngrams")):
        (line,) = [line for line in lines if line.startswith(row)]
        cells = [f"{100 * r['parts'][key]['accuracy']:.2f} %" for r in results]
        assert line.index(cells[0]) < line.rindex(cells[1])


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["runs", "show"], "exactly one run id"),
        (["runs", "compare", "1"], "two or more"),
        (["runs", "show", "x"], "run ids are numbers"),
        (["runs", "show", "99"], "no run with id 99"),
    ],
)
def test_runs_bad_usage_is_one_line(argv, fragment, tmp_path):
    code, _, err = run([*argv, "--models", str(tmp_path)])
    assert code in (1, 2)
    assert_one_error_line(err, fragment)


def test_sweep_json_reports_trials_and_best(corpus, tmp_path):
    argv = ["sweep", "--corpus", str(corpus), *TINY, "--grid", "units=4,5"]
    argv += ["--random", "dropout=0.0:0.5", "--trials", "1", "--out", str(tmp_path), "--json"]
    argv += ["--tensorboard", str(tmp_path / "tb")]
    code, out, err = run(argv)
    assert code == 0, err
    data = json.loads(out.splitlines()[-1])
    assert [t["config"]["units"] for t in data["trials"]] == [4, 5]
    assert all(0.0 <= t["config"]["dropout"] <= 0.5 for t in data["trials"])
    scores = {t["id"]: t["metrics"]["accuracy"] for t in data["trials"]}
    assert scores[data["best"]] == max(scores.values())
    with RunStore(tmp_path) as store:
        assert sorted(r.id for r in store.list_runs()) == sorted(scores)
    assert len(list((tmp_path / "tb").glob("*/events.out.tfevents.*"))) == 2


def test_sweep_usage_errors(corpus, tmp_path):
    code, _, err = run(["sweep", "--corpus", str(corpus), "--out", str(tmp_path)])
    assert code == 2
    assert_one_error_line(err, "--grid")
    code, _, err = run(["sweep", "--corpus", str(corpus), "--random", "dropout=0.5"])
    assert code == 1
    assert_one_error_line(err, "KEY=LOW:HIGH")
    grid = ["--grid", "units=4,5", "--out", str(tmp_path)]
    code, _, err = run(["sweep", "--corpus", str(corpus), *grid, "--parallel", "2"])
    assert code == 2
    assert_one_error_line(err, "--parallel needs --ray ADDRESS")
    code, _, err = run(["sweep", "--corpus", str(corpus), *grid, "--ray", "head:6379"])
    assert code == 2
    assert_one_error_line(err, "GCS address")


def test_train_folds_json(corpus, tmp_path):
    argv = ["train", "--corpus", str(corpus), *TINY, "--folds", "2", "--out", str(tmp_path)]
    code, out, err = run([*argv, "--json"])
    assert code == 0, err
    folds = json.loads(out.splitlines()[-1])["folds"]
    assert folds["k"] == 2
    assert len(folds["per_fold"]) == 2
    accuracies = [f["accuracy"] for f in folds["per_fold"]]
    assert folds["accuracy_mean"] == pytest.approx(sum(accuracies) / 2)
    assert folds["accuracy_sd"] >= 0
    assert {"macro_f1_mean", "macro_f1_sd"} <= set(folds)
    code, _, err = run(["train", "--corpus", str(corpus), *TINY, "--folds", "1"])
    assert code == 2
    assert_one_error_line(err, "--folds")


def test_train_tensorboard_writes_scalar_events(corpus, tmp_path):
    import tensorflow as tf

    argv = ["train", "--corpus", str(corpus), *TINY, "--out", str(tmp_path / "m")]
    code, _, err = run([*argv, "--tensorboard", str(tmp_path / "tb")])
    assert code == 0, err
    (events,) = (tmp_path / "tb").glob("*/events.out.tfevents.*")
    tags = set()
    for record in tf.compat.v1.train.summary_iterator(str(events)):
        tags.update(value.tag for value in record.summary.value)
    assert {"epoch/loss", "epoch/val_accuracy", "test/accuracy", "hparams"} <= tags


def test_sigkill_mid_epoch_leaves_a_sound_store_and_an_interrupted_run(corpus, tmp_path):
    argv = [sys.executable, "-m", "workbench", "train", "--corpus", str(corpus), "--vectors"]
    argv += ["none", "--set", "epochs=500", "--set", "patience=0", "--set", "batch_size=1"]
    argv += ["--set", "units=4", "--set", "maxlen=50", "--out", str(tmp_path)]
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=subprocess_env()
    )
    db_path = tmp_path / "runs.sqlite"
    deadline = time.monotonic() + 180
    try:
        while True:  # wait until an epoch is recorded, then kill during a later one
            assert time.monotonic() < deadline, "no epoch recorded"
            assert proc.poll() is None
            if db_path.exists():
                db = sqlite3.connect(db_path, timeout=30)
                try:
                    batches = db.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
                    epochs = db.execute("SELECT COUNT(*) FROM epochs").fetchone()[0]
                except sqlite3.OperationalError:  # schema not created yet
                    batches = epochs = 0
                db.close()
                if epochs >= 1 and batches >= 1:  # training is under way: kill it now
                    break
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with RunStore(tmp_path) as store:
        assert store.integrity_check() == "ok"
        (run_,) = store.list_runs()
        assert run_.status == "interrupted"
        assert len(store.get_run(run_.id).history["loss"]) >= 1
    _, out, _ = run(["runs", "--models", str(tmp_path), "--json"])
    assert json.loads(out)[0]["status"] == "interrupted"
