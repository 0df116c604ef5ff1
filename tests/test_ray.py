"""Trainings submitted to a local Ray head (``ray_head`` fixture): slow, skipped without Ray.

From the command line: the epochs stream back, the bundle comes back into the
local models folder and classifies like a local one; Stop stops the job.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from workbench.core import (
    Cancelled,
    Predictor,
    RayBackend,
    TrainingListener,
    load_bundle,
    load_corpus,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample_corpus"
TWO_EPOCHS = ["--set", "epochs=2", "--set", "patience=5"]


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def test_cli_run_on_ray_streams_epochs_and_brings_the_bundle_back(ray_head, tmp_path):
    out_dir = tmp_path / "models"
    command = [sys.executable, "-m", "workbench", "train", "--corpus", str(SAMPLE)]
    command += [*TWO_EPOCHS, "--out", str(out_dir), "--ray", ray_head, "--json"]
    done = subprocess.run(
        command, capture_output=True, text=True, env=_cli_env(), timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # the progress display got each epoch from the job's log (one line per epoch off a tty)
    assert "epoch 1/2" in done.stderr
    assert "epoch 2/2" in done.stderr
    data = json.loads(done.stdout.splitlines()[-1])
    assert data["status"] == "completed"
    assert data["epochs_run"] == 2
    assert len(data["history"]["val_loss"]) == 2
    assert data["ray_job"].startswith("raysubmit_")
    bundle_path = Path(data["bundle"])
    assert bundle_path.parent == out_dir
    assert bundle_path.name.startswith("sample_corpus-")

    bundle = load_bundle(bundle_path)
    corpus, _ = load_corpus(SAMPLE)
    assert bundle.info.class_names == list(corpus.class_names)
    assert bundle.info.accuracy == pytest.approx(data["accuracy"])
    # the baseline trained on the cluster comes back in the JSON, as a local run's does
    assert data["baseline"]["accuracy"] == bundle.metrics["baseline"]["accuracy"]
    probs = Predictor(bundle).predict_proba(list(corpus.texts[:20]))
    assert probs.shape == (20, len(corpus.class_names))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_cli_sweep_on_ray_runs_trials_as_parallel_jobs_and_records_each(ray_head, tmp_path):
    from workbench.core import RunStore

    out_dir = tmp_path / "models"
    command = [sys.executable, "-m", "workbench", "sweep", "--corpus", str(SAMPLE)]
    command += ["--set", "epochs=1", "--grid", "units=8,12,16,20", "--out", str(out_dir)]
    command += ["--ray", ray_head, "--json"]
    done = subprocess.run(
        command, capture_output=True, text=True, env=_cli_env(), timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 at once" in done.stderr
    data = json.loads(done.stdout.splitlines()[-1])
    assert [t["status"] for t in data["trials"]] == ["completed"] * 4
    with RunStore(out_dir) as store:
        runs = store.list_runs(sweep_id=data["sweep"])
    assert len(runs) == 4
    assert sorted(r.config["units"] for r in runs) == [8, 12, 16, 20]
    assert all(r.source == "cli-ray" for r in runs)
    assert all(r.baseline_accuracy is not None for r in runs)  # the history keeps it
    for run in runs:  # every trial's bundle came back into the local models folder
        assert load_bundle(run.bundle).info.class_names


class StopOnFirstBatch(TrainingListener):
    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self.events: list[str] = []

    def on_train_begin(self, epochs, steps_per_epoch):
        self.events.append("begin")

    def on_batch_end(self, epoch, batch, logs):
        self.events.append("batch")
        self.cancel.set()

    def on_epoch_end(self, epoch, logs):
        self.events.append("epoch")


def test_stop_stops_the_job(ray_head, tmp_path):
    corpus, _ = load_corpus(SAMPLE)
    from workbench.core import PRESETS

    config = PRESETS["recommended"].with_overrides(["epochs=50"])
    cancel = threading.Event()
    listener = StopOnFirstBatch(cancel)
    backend = RayBackend(ray_head)
    run = backend.start(corpus, config, vectors="bundled")
    try:
        result = run.wait(listener=listener, cancel=cancel, out_dir=tmp_path / "models")
    except Cancelled:
        result = None
    assert listener.events[:2] == ["begin", "batch"]
    assert run.status() == "STOPPED"
    if result is not None:  # it ended within Ray's grace period: cancelled, as locally
        assert result.status == "cancelled"
        assert result.train.epochs_run < 50


def test_cli_ctrl_c_stops_the_job(ray_head, tmp_path):
    import signal

    command = [sys.executable, "-m", "workbench", "train", "--corpus", str(SAMPLE)]
    command += ["--set", "epochs=50", "--out", str(tmp_path / "m"), "--ray", ray_head]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_cli_env()
    )
    try:
        for line in process.stderr:  # one line per epoch: wait for the first
            if line.startswith("epoch 1/50"):
                break
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err[-2000:]
