"""``workbench train --events/--send-bundle/--ray``: argument checks and the event stream.

The runs on a real Ray head are in ``tests/test_ray.py`` (slow); these run without Ray.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.cli_helpers import TINY, run, write_tiny_corpus
from workbench.core import load_bundle, parse_event_line
from workbench.core.runs.events import BundleAssembler


@pytest.fixture
def corpus(tmp_path):
    return write_tiny_corpus(tmp_path / "corpus")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--send-bundle"], "--send-bundle needs --events"),
        (["--ray-vectors-on-cluster"], "--ray-vectors-on-cluster needs --ray"),
        (["--ray", "ray://head:10001"], "Ray Client address"),
        (["--ray", "head:6379"], "GCS address"),
        (["--ray", ""], "empty"),
    ],
)
def test_bad_ray_options_are_usage_errors(corpus, extra, message):
    code, out, err = run(["train", "--corpus", str(corpus), *TINY, *extra])
    assert code == 2, err
    assert message in err
    assert out == ""


def test_ray_without_ray_installed_says_how_to_install(corpus, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    code, _, err = run(["train", "--corpus", str(corpus), *TINY, "--ray", "127.0.0.1:8265"])
    assert code == 1
    assert 'pip install -e ".[ray]"' in err


def test_events_stream_a_run_and_its_bundle(corpus, tmp_path):
    out_dir = tmp_path / "models"
    code, out, err = run(
        [
            "train",
            "--corpus",
            str(corpus),
            *TINY,
            "--set",
            "epochs=2",
            "--out",
            str(out_dir),
            "--events",
            "--send-bundle",
            "--name",
            "tiny",
        ]
    )
    assert code == 0, err
    lines = out.splitlines()
    events = [parse_event_line(line) for line in lines]
    assert all(e is not None for e in events), "stdout holds event lines only"
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "result"
    training = [k for k in kinds if k in ("begin", "epoch", "end")]
    assert training == ["begin", "epoch", "epoch", "end"]
    assert "batch" in kinds
    assert "bundle" in kinds
    result = events[-1]["result"]
    assert result["status"] == "completed"
    assert result["epochs_run"] == 2
    assembler = BundleAssembler()
    for event in events:
        if event["event"] == "bundle":
            assembler.add(event)
    folder = assembler.extract(tmp_path / "back")
    assert folder.name == "tiny"
    bundle = load_bundle(folder)
    assert bundle.info.class_names == ["finance", "politics", "sport"]
    assert bundle.info.class_names == load_bundle(out_dir / "tiny").info.class_names


def test_sigterm_stops_an_events_run_and_keeps_the_best_epoch(corpus, tmp_path):
    """What Ray's stop_job sends: the run stops after the batch and still reports."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "workbench", "train", "--corpus", str(corpus), *TINY]
    command += ["--set", "epochs=500", "--out", str(tmp_path / "m"), "--events"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        events = []
        for line in process.stdout:
            events.append(parse_event_line(line))
            if events[-1] is not None and events[-1]["event"] == "epoch":
                process.send_signal(signal.SIGTERM)
                break
        rest, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    events += [parse_event_line(line) for line in rest.splitlines()]
    result = events[-1]
    assert result["event"] == "result"
    assert result["result"]["status"] == "cancelled"
    assert 1 <= result["result"]["epochs_run"] < 500
    assert load_bundle(result["result"]["bundle"]).info.class_names == [
        "finance",
        "politics",
        "sport",
    ]
