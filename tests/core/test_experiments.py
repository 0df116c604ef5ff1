"""The run store, recording runs, sweeps and cross-validation (tiny corpora, 1-2 epochs)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import shutil
import sqlite3
import threading

import pytest

from tests.core.test_pipeline import CONFIG, make_corpus
from workbench.core import (
    Cancelled,
    ConfigError,
    CorpusError,
    RunStore,
    RunStoreError,
    SweepRunner,
    SweepSpec,
    TrainingListener,
    config_diff,
    corpus_fingerprint,
    cross_validate,
    parse_grid,
    parse_range,
    plan_sweep,
    stratified_folds,
    train_recorded,
)
from workbench.core.experiments.store import SCHEMA_VERSION


# --- store ------------------------------------------------------------------------------
def test_store_creates_schema_in_wal_mode(tmp_path):
    with RunStore(tmp_path) as store:
        assert store.path == tmp_path / "runs.sqlite"
        assert store.count() == 0
    db = sqlite3.connect(tmp_path / "runs.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_store_from_a_newer_workbench_is_refused(tmp_path):
    RunStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / "runs.sqlite")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(RunStoreError, match="schema version"):
        RunStore(tmp_path)


def test_a_file_that_is_not_a_database_gives_one_clear_error(tmp_path):
    (tmp_path / "runs.sqlite").write_text("not a database at all" * 100)
    with pytest.raises(RunStoreError, match=r"runs\.sqlite"):
        RunStore(tmp_path)


def test_run_rows_epochs_batches_and_metrics(tmp_path):
    with RunStore(tmp_path) as store:
        run_id = store.begin_run(name="r", config={"units": 4}, corpus_path="c", vectors="none")
        store.add_epoch(run_id, 0, {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.1})
        store.add_epoch(run_id, 1, {"loss": 0.5, "accuracy": 0.8, "val_loss": 0.9})
        store.add_batches(run_id, [(0.5, 1.2, 0.4), (1.0, 1.0, 0.5)])
        assert store.get_run(run_id).status == "running"
        store.finish_run(run_id, status="completed", metrics={"accuracy": 0.9, "macro_f1": 0.8})
        run = store.get_run(run_id, batches=True)
    assert run.status == "completed"
    assert run.epochs_run == 2
    assert (run.accuracy, run.macro_f1) == (0.9, 0.8)
    assert run.history["loss"] == [1.0, 0.5]
    assert run.history["val_accuracy"][0] != run.history["val_accuracy"][0]  # NaN: missing
    assert [b[0] for b in run.batches] == [0.5, 1.0]
    assert run.to_dict()["metrics"] == {"accuracy": 0.9, "macro_f1": 0.8, "baseline": None}


def test_the_linear_baseline_of_a_run_is_kept_beside_its_metrics(tmp_path):
    baseline = {"accuracy": 0.85, "macro_f1": 0.84, "l2": 1e-4}
    with RunStore(tmp_path) as store:
        run_id = store.begin_run(name="r", config={})
        metrics = {"accuracy": 0.9, "macro_f1": 0.8, "baseline": baseline}
        store.finish_run(run_id, status="completed", metrics=metrics)
        listed = store.list_runs()[0]  # the summary columns alone
        run = store.get_run(run_id)
        broken = store.begin_run(name="b", config={})
        store.finish_run(broken, status="completed", metrics={"accuracy": 0.9, "baseline": "?"})
        malformed = store.get_run(broken)
    assert (listed.baseline_accuracy, listed.baseline_macro_f1) == (0.85, 0.84)
    assert run.to_dict()["metrics"]["baseline"] == {"accuracy": 0.85, "macro_f1": 0.84}
    assert run.to_dict(full=True)["metrics"]["baseline"] == {"accuracy": 0.85, "macro_f1": 0.84}
    assert malformed.baseline_accuracy is None
    assert malformed.to_dict()["metrics"]["baseline"] is None


def test_each_part_alone_is_read_from_a_runs_metrics(tmp_path):
    parts = {"recurrent": {"accuracy": 0.9, "macro_f1": 0.89}, "ngrams": {"accuracy": 0.95}}
    with RunStore(tmp_path) as store:
        wide = store.begin_run(name="wide", config={})
        store.finish_run(wide, status="completed", metrics={"accuracy": 0.96, "parts": parts})
        deep = store.begin_run(name="deep", config={})
        store.finish_run(deep, status="completed", metrics={"accuracy": 0.9})
        running = store.begin_run(name="running", config={})
        half = store.begin_run(name="half", config={})
        store.finish_run(half, status="completed", metrics={"parts": {"recurrent": parts}})
        listed = {run.id: run for run in store.list_runs()}
        metrics = store.metrics_of([wide, deep, running, half, 99])
        full = store.get_run(wide)
    assert full.part_accuracies() == {"recurrent": 0.9, "ngrams": 0.95}
    assert listed[wide].part_accuracies() is None  # listed without their metrics
    assert metrics[wide]["parts"] == parts
    assert metrics[deep] == {"accuracy": 0.9}
    assert metrics[running] is None
    assert 99 not in metrics
    ids = (wide, deep, running, half)
    with_metrics = {i: dataclasses.replace(listed[i], metrics=metrics[i]) for i in ids}
    assert with_metrics[wide].part_accuracies() == {"recurrent": 0.9, "ngrams": 0.95}
    assert [with_metrics[i].part_accuracies() for i in (deep, running, half)] == [None] * 3


def test_a_store_of_the_first_schema_is_migrated_and_keeps_its_runs(tmp_path):
    from workbench.core.experiments.store import MIGRATIONS

    db = sqlite3.connect(tmp_path / "runs.sqlite")
    db.executescript(MIGRATIONS[1])
    db.execute(
        "INSERT INTO runs (name, status, started, config, metrics, accuracy, macro_f1) "
        "VALUES ('old', 'completed', 1.0, '{}', '{\"accuracy\": 0.7}', 0.7, 0.6)"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with RunStore(tmp_path) as store:
        (old,) = store.list_runs()
        new = store.begin_run(name="new", config={})
        store.finish_run(new, status="completed", metrics={"baseline": {"accuracy": 0.8}})
        fresh = store.get_run(new)
    assert (old.name, old.accuracy, old.baseline_accuracy) == ("old", 0.7, None)
    assert fresh.baseline_accuracy == 0.8
    db = sqlite3.connect(tmp_path / "runs.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_unknown_status_and_run_are_refused(tmp_path):
    with RunStore(tmp_path) as store:
        run_id = store.begin_run(name="r", config={})
        with pytest.raises(RunStoreError, match="status"):
            store.finish_run(run_id, status="exploded")
        with pytest.raises(RunStoreError, match="no run with id 99"):
            store.get_run(99)


def test_a_run_of_a_dead_process_is_marked_interrupted_on_open(tmp_path):
    with RunStore(tmp_path) as store:
        run_id = store.begin_run(name="r", config={})
        mine = store.begin_run(name="mine", config={})
    # pretend the first run belonged to a process that has ended
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=int)
    child.start()
    child.join()
    db = sqlite3.connect(tmp_path / "runs.sqlite")
    with db:
        db.execute("UPDATE runs SET pid = ? WHERE id = ?", (child.pid, run_id))
    db.close()
    with RunStore(tmp_path) as store:
        assert store.get_run(run_id).status == "interrupted"
        assert store.get_run(mine).status == "running"  # this process is alive


def test_deleting_a_run_keeps_others_and_deleting_a_bundle_keeps_the_run(tmp_path):
    corpus = make_corpus(per_class=8)
    result = train_recorded(None, corpus, CONFIG, vectors=None, out_dir=tmp_path)
    shutil.rmtree(result.bundle_path)
    with RunStore(tmp_path) as store:
        run = store.get_run(result.run_id)
        assert run.bundle == str(result.bundle_path)
        assert len(run.history["loss"]) == result.train.epochs_run
        other = store.begin_run(name="other", config={})
        assert store.delete_run(other)
        assert not store.delete_run(other)
        assert [r.id for r in store.list_runs()] == [result.run_id]


def _write_many(folder: str, count: int) -> None:
    with RunStore(folder) as store:
        for i in range(count):
            run_id = store.begin_run(name=f"w{i}", config={"i": i})
            for epoch in range(3):
                store.add_epoch(run_id, epoch, {"loss": 1.0 / (epoch + 1)})
            store.finish_run(run_id, status="completed", metrics={"accuracy": 0.5})


def test_two_processes_writing_at_once_both_succeed(tmp_path):
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_many, args=(str(tmp_path), 60)) for _ in range(2)]
    for writer in writers:
        writer.start()
    _write_many(str(tmp_path), 60)  # and this process too
    for writer in writers:
        writer.join(120)
    assert [w.exitcode for w in writers] == [0, 0]
    with RunStore(tmp_path) as store:
        assert store.count() == 180
        assert store.integrity_check() == "ok"


def test_config_diff_and_fingerprint():
    diff = config_diff([{"a": 1, "b": 2}, {"a": 1, "b": 3}, {"a": 1, "b": 2, "c": 0}])
    assert diff == {"b": [2, 3, 2], "c": [None, None, 0]}
    assert config_diff([{"a": 1}, {"a": 1}]) == {}
    assert corpus_fingerprint(["x", "y"], ["a", "b"]) == corpus_fingerprint(["x", "y"], ["a", "b"])
    assert corpus_fingerprint(["x", "y"], ["a", "b"]) != corpus_fingerprint(["x", "y"], ["b", "a"])


# --- recording --------------------------------------------------------------------------
class _Seen(TrainingListener):
    def __init__(self) -> None:
        self.epochs: list[int] = []

    def on_epoch_end(self, epoch, logs):
        self.epochs.append(epoch)


def test_train_recorded_writes_the_run_as_it_goes(tmp_path):
    corpus = make_corpus(per_class=8)
    seen = _Seen()
    rows_during: list[int] = []

    class Peek(TrainingListener):
        def on_epoch_end(self, epoch, logs):
            with RunStore(tmp_path) as other:  # another connection sees the epoch already
                rows_during.append(len(other.get_run(other.list_runs()[0].id).history["loss"]))

    result = train_recorded(
        None, corpus, CONFIG, vectors=None, out_dir=tmp_path, listeners=[seen, Peek()],
        source="test",
    )  # fmt: skip
    assert seen.epochs == [0, 1]
    assert rows_during == [1, 2]
    with RunStore(tmp_path) as store:
        run = store.get_run(result.run_id)
    assert run.status == result.train.status
    assert run.accuracy == pytest.approx(result.evaluation.accuracy)
    assert run.metrics["per_class"] == result.evaluation.per_class
    assert result.baseline is not None  # CONFIG keeps the default: the baseline is trained
    assert run.baseline_accuracy == pytest.approx(result.baseline.accuracy)
    assert run.baseline_macro_f1 == pytest.approx(result.baseline.macro_f1)
    assert run.config == CONFIG.to_dict()
    assert run.source == "test"
    assert run.vectors == "none"
    assert run.corpus_fingerprint == corpus_fingerprint(corpus.texts, corpus.labels)
    assert run.provenance["corpus"]["documents"] == len(corpus)
    assert run.name == result.bundle_path.name


def test_a_runs_vectors_are_recorded_by_what_they_are():
    from workbench.core import VectorsSource
    from workbench.core.experiments.recorder import vectors_label

    assert vectors_label(None) == "none"
    assert vectors_label("bundled") == "bundled"
    assert vectors_label(VectorsSource.none()) == "none"  # was the type's name
    assert vectors_label(VectorsSource.bundled()) == "bundled"
    assert vectors_label(VectorsSource.file("/v/glove.zip", "a.txt")) == "/v/glove.zip:a.txt"


def test_a_run_that_never_began_training_leaves_nothing(tmp_path):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        train_recorded(None, make_corpus(8), CONFIG, vectors=None, out_dir=tmp_path, cancel=cancel)
    one_class = make_corpus(8).subset(range(8))  # a corpus of one class cannot be split
    with pytest.raises(CorpusError):
        train_recorded(None, one_class, CONFIG, vectors=None, out_dir=tmp_path)
    assert not (tmp_path / "runs.sqlite").exists()


def test_a_broken_store_stops_the_recording_not_the_training(tmp_path, caplog):
    (tmp_path / "runs.sqlite").write_text("not a database at all" * 100)
    result = train_recorded(None, make_corpus(8), CONFIG, vectors=None, out_dir=tmp_path)
    assert result.train.status == "completed"
    assert result.bundle_path is not None
    assert result.run_id is None
    assert "no longer recorded" in caplog.text


def test_a_run_stopped_during_training_is_recorded_cancelled(tmp_path):
    cancel = threading.Event()

    class StopAfterFirstEpoch(TrainingListener):
        def on_epoch_end(self, epoch, logs):
            cancel.set()

    config = dataclasses.replace(CONFIG, epochs=5)
    result = train_recorded(
        None, make_corpus(8), config, vectors=None, out_dir=tmp_path, cancel=cancel,
        listener=StopAfterFirstEpoch(),
    )  # fmt: skip
    with RunStore(tmp_path) as store:
        run = store.get_run(result.run_id)
    assert run.status == "cancelled"
    assert run.epochs_run == 1
    assert run.bundle == str(result.bundle_path)


# --- sweeps -------------------------------------------------------------------------------
def test_parse_grid_and_range():
    assert parse_grid("units=4, 8,4") == ("units", (4, 8))
    assert parse_range("dropout=0.1:0.5") == ("dropout", (0.1, 0.5))
    for bad in ("units", "units=", "nosuch=1,2"):
        with pytest.raises(ConfigError):
            parse_grid(bad)
    for bad in ("dropout=0.1", "dropout=a:b", "dropout=0:inf"):
        with pytest.raises(ConfigError, match="dropout"):
            parse_range(bad)


def test_plan_grid_random_and_bad_specs():
    grid = plan_sweep(CONFIG, SweepSpec(grid={"units": (4, 8), "architecture": ("lstm", "gru")}))
    assert grid == [
        {"units": 4, "architecture": "lstm"},
        {"units": 4, "architecture": "gru"},
        {"units": 8, "architecture": "lstm"},
        {"units": 8, "architecture": "gru"},
    ]
    spec = SweepSpec(ranges={"units": (4, 6), "learning_rate": (1e-4, 1e-1)}, trials=5)
    trials = plan_sweep(CONFIG, spec)
    assert len(trials) == 5
    assert trials == plan_sweep(CONFIG, spec)
    assert all(4 <= t["units"] <= 6 and isinstance(t["units"], int) for t in trials)
    assert all(1e-4 <= t["learning_rate"] <= 1e-1 for t in trials)
    with pytest.raises(ConfigError, match="not numeric"):
        SweepSpec(ranges={"architecture": (0, 1)})
    with pytest.raises(ConfigError, match="at least one"):
        SweepSpec()
    with pytest.raises(ConfigError, match="units"):
        plan_sweep(CONFIG, SweepSpec(grid={"units": (-1,)}))


class _SkipFirst(TrainingListener):
    def __init__(self, runner_box: list) -> None:
        self.box = runner_box

    def on_epoch_end(self, epoch, logs):
        self.box[0].skip()


def test_sweep_trains_each_trial_as_a_run_and_skip_ends_only_that_trial(tmp_path):
    corpus = make_corpus(per_class=8)
    events: list[dict] = []
    box: list = []
    with RunStore(tmp_path) as store:
        runner = SweepRunner(
            store, corpus, dataclasses.replace(CONFIG, epochs=3), SweepSpec(grid={"units": (4, 6)}),
            vectors=None, out_dir=tmp_path, on_event=events.append,
            listener_for=lambda i: _SkipFirst(box) if i == 0 else None,
        )  # fmt: skip
        box.append(runner)
        result = runner.run()
        runs = {r.id: r for r in store.list_runs(sweep_id=result.sweep_id)}
    assert [t.status for t in result.trials] == ["skipped", "completed"]
    assert runs[result.trials[0].run_id].epochs_run == 1  # skipped after its first epoch
    assert runs[result.trials[1].run_id].config["units"] == 6
    assert result.best is not None
    assert result.to_dict()["best"] == result.best.run_id
    assert [e["event"] for e in events] == ["trial_begin", "trial_end"] * 2


def test_sweep_stop_ends_the_sweep_and_keeps_finished_trials(tmp_path):
    corpus = make_corpus(per_class=8)
    stop = threading.Event()

    def on_event(event):
        if event["event"] == "trial_end":
            stop.set()  # Stop pressed while the first trial finishes

    with RunStore(tmp_path) as store:
        runner = SweepRunner(
            store, corpus, CONFIG, SweepSpec(grid={"units": (4, 5, 6)}), vectors=None,
            out_dir=tmp_path, on_event=on_event,
        )  # fmt: skip
        result = runner.run(cancel=stop)
        assert store.count() == 1
    assert result.status == "stopped"
    assert [t.status for t in result.trials] == ["completed"]


def test_parallel_sweep_runs_trials_at_once_and_records_each(tmp_path):
    """parallel=2 (how trials go to a cluster): two trials train at the same time (a
    barrier only two concurrent trials can pass), and all four are recorded."""
    from workbench.core import run_training

    corpus = make_corpus(per_class=8)
    together = threading.Barrier(2, timeout=120)

    def meeting_runner(*args, **kwargs):
        together.wait()  # raises BrokenBarrierError (trial fails) if run one at a time
        return run_training(*args, **kwargs)

    with RunStore(tmp_path) as store:
        runner = SweepRunner(
            store, corpus, CONFIG, SweepSpec(grid={"units": (3, 4, 5, 6)}), vectors=None,
            out_dir=tmp_path, runner=meeting_runner, parallel=2,
        )  # fmt: skip
        result = runner.run()
        runs = store.list_runs(sweep_id=result.sweep_id)
    assert result.status == "completed"
    assert [t.status for t in result.trials] == ["completed"] * 4
    assert sorted(r.config["units"] for r in runs) == [3, 4, 5, 6]
    with pytest.raises(ConfigError, match="parallel must be an integer >= 1, got 0"):
        SweepRunner(None, corpus, CONFIG, SweepSpec(grid={"units": (3,)}), parallel=0)


# --- cross-validation ---------------------------------------------------------------------
def test_stratified_folds_partition_the_corpus_by_class():
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 3
    folds = stratified_folds(labels, 3, seed=1)
    assert sorted(i for fold in folds for i in fold) == list(range(18))
    for fold in folds:
        assert len(fold) == 6
        counts = {c: sum(labels[i] == c for i in fold) for c in "abc"}
        assert 3 <= counts["a"] <= 4
        assert 1 <= counts["b"] <= 2
        assert counts["c"] == 1
    assert folds == stratified_folds(labels, 3, seed=1)
    for bad in (1, 19, 2.5):
        with pytest.raises(ConfigError, match="folds"):
            stratified_folds(labels, bad)


def test_cross_validation_scores_every_fold_and_keeps_out_of_fold_predictions(tmp_path):
    corpus = make_corpus(per_class=8)
    config = dataclasses.replace(CONFIG, epochs=1)
    result = cross_validate(corpus, config, 3, vectors=None, out_dir=tmp_path)
    summary = result.summary()
    assert summary["k"] == 3
    assert len(summary["per_fold"]) == 3
    accs = [f["accuracy"] for f in summary["per_fold"]]
    assert summary["accuracy_mean"] == pytest.approx(sum(accs) / 3)
    assert summary["accuracy_sd"] >= 0
    assert sorted(item["index"] for item in result.oof) == list(range(len(corpus)))
    assert all(item["true"] == corpus.labels[item["index"]] for item in result.oof)
    with RunStore(tmp_path) as store:
        parent = store.get_run(result.run_id)
        assert parent.kind == "cv"
        assert parent.extra["folds"]["k"] == 3
        assert len(store.artifact(result.run_id, "oof")) == len(corpus)
        kinds = sorted(r.kind for r in store.list_runs())
    assert kinds == ["cv", "cv-fold", "cv-fold", "cv-fold"]
    assert not list(tmp_path.glob("*fold*"))  # fold models are not saved as bundles


def test_recording_works_with_the_child_process_runner(tmp_path):
    from workbench.core import run_training_isolated

    result = train_recorded(
        None, make_corpus(8), dataclasses.replace(CONFIG, epochs=1), vectors=None,
        out_dir=tmp_path, runner=run_training_isolated, load=False,
    )  # fmt: skip
    with RunStore(tmp_path) as store:
        run = store.get_run(result.run_id)
    assert run.status == result.train.status
    assert len(run.history["loss"]) == 1
    assert run.baseline_accuracy == pytest.approx(result.baseline.accuracy)  # crossed over
    assert run.source == ""
    assert run.bundle == str(result.bundle_path)
