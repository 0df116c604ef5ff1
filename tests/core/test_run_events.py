"""Event lines of a training run (``train --events``) and the Ray backend's checks.

Runnable without Ray: the event format, its replay into a listener, the bundle's
transport in pieces, address checks and how the corpus is staged for a job.
"""

from __future__ import annotations

import base64
import io
import json
import math
import random

import pytest

from workbench.core import (
    BundleError,
    ConfigError,
    Corpus,
    EventWriter,
    RayBackend,
    TrainingListener,
    VectorsSource,
    load_corpus,
    normalise_ray_address,
    parse_event_line,
    ray_missing_reason,
    replay_event,
)
from workbench.core.learning.training import AveragedEpochs, TrainResult
from workbench.core.runs.events import BundleAssembler
from workbench.core.runs.remote import _write_corpus


class Recorder(TrainingListener):
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_train_begin(self, epochs, steps_per_epoch):
        self.calls.append(("begin", epochs, steps_per_epoch))

    def on_batch_end(self, epoch, batch, logs):
        self.calls.append(("batch", epoch, batch, dict(logs)))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch", epoch, dict(logs)))

    def on_train_end(self, result):
        self.calls.append(("end", result))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_events_replay_into_the_same_listener_calls():
    out, clock = io.StringIO(), Clock()
    writer = EventWriter(out, clock=clock)
    writer.on_train_begin(2, 3)
    for epoch in range(2):
        for batch in range(3):
            clock.now += 1.0  # slower than the throttle: every batch goes out
            writer.on_batch_end(epoch, batch, {"loss": 0.5, "accuracy": 0.75})
        writer.on_epoch_end(epoch, {"loss": 0.4, "val_loss": 0.3, "val_accuracy": 0.9})
    writer.on_train_end(
        TrainResult("completed", "done", {"loss": [0.4, 0.3]}, best_epoch=1, epochs_run=2)
    )
    recorder = Recorder()
    for line in _lines(out):
        replay_event(parse_event_line(line), recorder)
    kinds = [call[0] for call in recorder.calls]
    assert kinds == ["begin"] + (["batch"] * 3 + ["epoch"]) * 2 + ["end"]
    assert recorder.calls[0] == ("begin", 2, 3)
    assert recorder.calls[1] == ("batch", 0, 0, {"loss": 0.5, "accuracy": 0.75})
    assert recorder.calls[4] == ("epoch", 0, {"loss": 0.4, "val_loss": 0.3, "val_accuracy": 0.9})
    end = recorder.calls[-1][1]
    assert (end.status, end.best_epoch, end.epochs_run, end.history) == (
        "completed",
        1,
        2,
        {"loss": [0.4, 0.3]},
    )


@pytest.mark.parametrize("averaged", [None, AveragedEpochs((3, 4, 7), 0.25, 0.2)])
def test_the_end_event_brings_back_the_averaged_epochs(averaged):
    out = io.StringIO()
    result = TrainResult("early_stopped", "done", {}, best_epoch=4, epochs_run=8)
    result.averaged = averaged
    EventWriter(out).on_train_end(result)
    recorder = Recorder()
    replay_event(parse_event_line(_lines(out)[0]), recorder)
    assert recorder.calls[-1][1].averaged == averaged


def test_batch_events_are_throttled_but_keep_each_epochs_last_batch():
    out, clock = io.StringIO(), Clock()
    writer = EventWriter(out, rate=5.0, clock=clock)
    writer.on_train_begin(1, 100)
    for batch in range(100):
        clock.now += 0.01  # 100 batches a second
        writer.on_batch_end(0, batch, {"loss": 1.0})
    batches = [parse_event_line(x) for x in _lines(out)]
    batches = [e["batch"] for e in batches if e["event"] == "batch"]
    assert 99 in batches  # the last one always
    assert 3 <= len(batches) <= 7  # ~1 s at 5 a second


def test_nan_metrics_travel_as_null_and_come_back_as_nan():
    out = io.StringIO()
    EventWriter(out).on_epoch_end(0, {"loss": float("nan"), "accuracy": 0.5})
    line = _lines(out)[0]
    assert json.loads(line)["logs"]["loss"] is None
    recorder = Recorder()
    replay_event(parse_event_line(line), recorder)
    logs = recorder.calls[0][2]
    assert math.isnan(logs["loss"])
    assert logs["accuracy"] == 0.5


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-29 03:38:33,233 INFO job_manager.py:581 -- Runtime env is setting up.",
        "epoch 1/2  loss 1.0889",
        '{"event": "begin", "epochs": 2, "steps": 3}',  # no version
        '{"event": "begin", "v": 99, "epochs": 2, "steps": 3}',  # another version
        '{"event": "lunch", "v": 1}',
        '{"event": "begin", "v": 1, "epochs": 2',  # cut short
        "[1, 2, 3]",
        "",
    ],
)
def test_other_log_lines_are_not_events(line):
    assert parse_event_line(line) is None


def test_progress_events_reach_the_progress_callback():
    out, clock = io.StringIO(), Clock()
    writer = EventWriter(out, clock=clock)
    writer.progress(0.1, "loading vectors")
    writer.progress(0.2, "too soon")  # throttled
    clock.now += 1.0
    writer.progress(1.0, "done")
    seen = []
    for line in _lines(out):
        replay_event(parse_event_line(line), None, lambda f, m: seen.append((f, m)))
    assert seen == [(0.1, "loading vectors"), (1.0, "done")]


WEIGHTS = random.Random(0).randbytes(100_000)  # incompressible: several pieces


def _bundle_folder(tmp_path):
    folder = tmp_path / "src" / "my-model"
    (folder / "sub").mkdir(parents=True)
    (folder / "bundle.json").write_text('{"name": "my-model"}')
    (folder / "sub" / "weights.bin").write_bytes(WEIGHTS)
    return folder


def _bundle_events(folder):
    out = io.StringIO()
    EventWriter(out).send_bundle(folder)
    return [parse_event_line(line) for line in _lines(out)]


def test_a_bundle_comes_back_whole_from_its_pieces(tmp_path):
    folder = _bundle_folder(tmp_path)
    events = _bundle_events(folder)
    assert len(events) > 1
    assert all(e["event"] == "bundle" for e in events)
    assembler = BundleAssembler()
    for event in reversed(events):  # order does not matter
        assembler.add(event)
    assert assembler.complete
    got = assembler.extract(tmp_path / "out")
    assert got == tmp_path / "out" / "my-model"
    assert (got / "bundle.json").read_text() == '{"name": "my-model"}'
    assert (got / "sub" / "weights.bin").read_bytes() == WEIGHTS


def test_a_bundle_with_a_missing_piece_is_refused(tmp_path):
    events = _bundle_events(_bundle_folder(tmp_path))
    assembler = BundleAssembler()
    for event in events[1:]:
        assembler.add(event)
    assert not assembler.complete
    with pytest.raises(BundleError, match="did not arrive whole"):
        assembler.extract(tmp_path / "out")


def test_a_damaged_bundle_is_refused(tmp_path):
    events = _bundle_events(_bundle_folder(tmp_path))
    raw = bytearray(base64.b64decode(events[0]["data"]))
    raw[100] ^= 0xFF
    events[0]["data"] = base64.b64encode(bytes(raw)).decode()
    assembler = BundleAssembler()
    for event in events:
        assembler.add(event)
    with pytest.raises(BundleError, match="damaged"):
        assembler.extract(tmp_path / "out")


def test_a_bundle_escaping_its_folder_is_refused(tmp_path):
    import tarfile

    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "x.txt"
    payload.write_text("x")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(payload, arcname="my-model/../../escaped.txt")
    data = evil.read_bytes()
    import hashlib

    assembler = BundleAssembler()
    assembler.add(
        {
            "name": "my-model",
            "index": 0,
            "count": 1,
            "sha256": hashlib.sha256(data).hexdigest(),
            "data": base64.b64encode(data).decode(),
        }
    )
    with pytest.raises(BundleError, match="unexpected entry"):
        assembler.extract(tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:8265", "http://127.0.0.1:8265"),
        ("  http://head:8265/ ", "http://head:8265"),
        ("127.0.0.1:8265", "http://127.0.0.1:8265"),
        ("https://ray.example.org", "https://ray.example.org"),
    ],
)
def test_ray_addresses_as_ray_prints_them(given, expected):
    assert normalise_ray_address(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "empty"),
        ("ray://head:10001", "Ray Client address"),
        ("head:6379", "GCS address"),
        ("http://head:8265/api/jobs", "not a Ray job-submission address"),
        ("ftp://head:8265", "not a Ray job-submission address"),
    ],
)
def test_wrong_ray_addresses_say_what_is_expected(given, message):
    with pytest.raises(ConfigError, match=message):
        normalise_ray_address(given)


def test_without_ray_the_reason_says_how_to_install(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    reason = ray_missing_reason()
    assert reason is not None
    assert 'pip install -e ".[ray]"' in reason


def test_backend_checks_its_settings():
    with pytest.raises(ConfigError, match="num_cpus"):
        RayBackend("http://127.0.0.1:8265", num_cpus=0)
    with pytest.raises(ConfigError, match="Ray Client"):
        RayBackend("ray://127.0.0.1:10001")


def test_entrypoint_names_what_travels():
    backend = RayBackend("127.0.0.1:8265")
    entry = backend.entrypoint(VectorsSource.file("/data/my glove.zip", "g.txt"), "run 1", "c")
    assert entry.startswith("python -m workbench train --corpus c --format jsonl")
    assert "--vectors 'vectors/my glove.zip:g.txt'" in entry
    assert "--events --send-bundle" in entry
    assert "--name 'run 1'" in entry
    on_cluster = RayBackend("127.0.0.1:8265", vectors_on_cluster=True)
    entry = on_cluster.entrypoint(VectorsSource.file("/nfs/glove.txt"), None, "c")
    assert "--vectors /nfs/glove.txt" in entry
    assert "--name" not in entry
    entry = backend.entrypoint(VectorsSource.bundled(), None, "c")
    assert "--vectors bundled" in entry


def test_the_staged_corpus_loads_back_the_same(tmp_path):
    corpus = Corpus.from_documents(
        ["first text", 'a "quoted"\nline', "ünïcode"],
        ["b", "a", "b"],
        source="x",
        format="csv",
    )
    path = _write_corpus(corpus, tmp_path / "corpus")
    back, _ = load_corpus(tmp_path / path, format="jsonl")
    assert back.texts == corpus.texts
    assert back.labels == corpus.labels
    assert back.class_names == corpus.class_names


def test_the_staged_corpus_keeps_predefined_splits(tmp_path):
    corpus = Corpus.from_documents(
        ["one", "two", "three", "four"],
        ["a", "b", "a", "b"],
        source="x",
        format="folder",
        splits=["train", "test", "train", "test"],
    )
    path = _write_corpus(corpus, tmp_path / "corpus")
    back, _ = load_corpus(tmp_path / path)
    assert sorted(zip(back.texts, back.labels, back.splits, strict=True)) == sorted(
        zip(corpus.texts, corpus.labels, corpus.splits, strict=True)
    )


def test_a_job_failure_names_the_error_the_job_printed():
    from workbench.core import RayRun

    backend = RayBackend("127.0.0.1:8265", vectors_on_cluster=True)
    run = RayRun(backend, None, "raysubmit_x", vectors_on_cluster=True)
    run.handle_line("2026-11-29 INFO job_manager.py -- Runtime env is setting up.", None, None)
    run.handle_line("workbench: error: vectors file not found: /nfs/glove.txt", None, None)
    text = run._failure_text("FAILED")
    assert "raysubmit_x failed without a result" in text
    assert "vectors file not found: /nfs/glove.txt" in text
    assert "must exist on the cluster" in text
    assert "ray job logs raysubmit_x" in text


def test_a_job_log_line_by_line_drives_the_listener():
    from workbench.core import RayRun

    out = io.StringIO()
    writer = EventWriter(out)
    writer.on_train_begin(1, 2)
    writer.on_epoch_end(0, {"loss": 0.5})
    writer.emit("result", result={"status": "completed"})
    run = RayRun(RayBackend("127.0.0.1:8265"), None, "j", vectors_on_cluster=False)
    recorder = Recorder()
    for line in ["Running entrypoint for job j", *_lines(out)]:
        run.handle_line(line, recorder, None)
    assert [c[0] for c in recorder.calls] == ["begin", "epoch"]
    assert run._result == {"status": "completed"}


def test_too_much_to_upload_is_refused_before_anything_is_sent(tmp_path, monkeypatch):
    from workbench.core import RayJobError, TrainConfig
    from workbench.core.runs import remote

    vectors = tmp_path / "big.txt"
    vectors.write_text("word 0.1 0.2\n" * 2000)
    monkeypatch.setattr(remote, "UPLOAD_LIMIT_BYTES", 10_000)
    corpus = Corpus.from_documents(["a b", "c d"], ["x", "y"], source="s", format="csv")
    with pytest.raises(RayJobError, match="--ray-vectors-on-cluster"):
        RayBackend("127.0.0.1:8265").start(corpus, TrainConfig(), vectors=str(vectors))


class _Cluster:
    """A job client whose agent answers after ``busy`` refusals (``error`` otherwise)."""

    def __init__(self, busy: int, error: str = "") -> None:
        self.busy, self.error, self.calls = busy, error, []

    def submit_job(self, **job):
        self.calls.append(job)
        if self.error:
            raise RuntimeError(self.error)
        if len(self.calls) <= self.busy:
            raise RuntimeError(
                "Request failed with status code 500: No available agent to submit job, "
                "please try again later."
            )
        return "raysubmit_1"


def test_submission_waits_for_a_starting_job_agent_and_no_longer():
    from workbench.core.runs.remote import submit_when_agent_ready

    naps = []
    cluster = _Cluster(busy=2)
    job = submit_when_agent_ready(cluster, sleep=naps.append, entrypoint="true")
    assert job == "raysubmit_1"
    assert len(cluster.calls) == 3
    assert cluster.calls[-1] == {"entrypoint": "true"}
    assert naps == [1.0, 1.0]
    # another error is not waited for
    refused = _Cluster(busy=0, error="Request failed with status code 400: bad runtime_env")
    with pytest.raises(RuntimeError, match="bad runtime_env"):
        submit_when_agent_ready(refused, sleep=naps.append, entrypoint="true")
    assert len(refused.calls) == 1
    # an agent that never comes: the refusal is raised once the wait is over
    never = _Cluster(busy=10**9)
    with pytest.raises(RuntimeError, match="No available agent"):
        submit_when_agent_ready(never, wait_s=0.0, sleep=naps.append, entrypoint="true")
    assert len(never.calls) == 1
