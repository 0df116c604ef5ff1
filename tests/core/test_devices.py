"""Device plans: MirroredStrategy on two logical CPU devices, cuDNN notes, mixed precision."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.core import ConfigError, TrainConfig
from workbench.core.learning.devices import DevicePlan, cudnn_notes

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import dataclasses, json, sys
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    )
    from workbench.core import PRESETS, load_corpus, run_training, sample_corpus_dir

    corpus, _ = load_corpus(sample_corpus_dir())
    config = dataclasses.replace(
        PRESETS["recommended"], epochs=1, units=8, maxlen=60, batch_size=16,
        mixed_precision=sys.argv[2] == "mixed",
    )
    run = run_training(corpus, config, vectors=None, out_dir=sys.argv[1], name="mirrored")
    print("RESULT " + json.dumps({
        "status": run.train.status,
        "devices": run.train.devices,
        "documents_per_s": run.train.documents_per_s,
        "bundle": str(run.bundle_path),
        "texts": list(corpus.texts[:20]),
        "probs": run.bundle.model.predict(run.bundle.tokenizer.encode(list(corpus.texts[:20]),
                                          config.maxlen), verbose=0).tolist(),
    }))
    """
)


def run_child(tmp_path: Path, precision: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), precision],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT ") :])


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus_gives_a_loadable_bundle(tmp_path):
    import numpy as np

    from workbench.core import Predictor, read_bundle_info

    out = run_child(tmp_path, "float32")
    assert out["status"] == "completed"
    devices = out["devices"]
    assert devices["strategy"] == "mirrored"
    assert devices["replicas"] == 2
    assert len(devices["devices"]) == 2
    assert all("CPU" in name for name in devices["devices"])
    assert out["documents_per_s"] > 0
    info = read_bundle_info(out["bundle"])
    assert info.provenance["devices"]["strategy"] == "mirrored"
    predictor = Predictor.from_path(out["bundle"])  # loads here, on the one default device
    probs = predictor.predict_proba(out["texts"])
    np.testing.assert_allclose(probs, np.asarray(out["probs"]), atol=1e-4)


@pytest.mark.slow
def test_mixed_precision_trains_and_records_it(tmp_path):
    out = run_child(tmp_path, "mixed")
    assert out["status"] == "completed"
    assert out["devices"]["mixed_precision"] is True
    assert "mixed precision" in out["devices"]["description"]


def test_cudnn_notes_name_the_padding():
    assert cudnn_notes(TrainConfig()) == []
    notes = cudnn_notes(dataclasses.replace(TrainConfig(), padding="pre"))
    assert len(notes) == 1
    assert "padding='pre'" in notes[0]
    assert "post" in notes[0]


def test_mixed_precision_is_a_checked_config_field():
    assert TrainConfig().mixed_precision is False
    assert TrainConfig.from_dict({"mixed_precision": True}).mixed_precision is True
    with pytest.raises(ConfigError, match="mixed_precision"):
        TrainConfig.from_dict({"mixed_precision": "maybe"})


def test_device_plan_describes_itself():
    single = DevicePlan("default", ("/device:CPU:0",), 0)
    assert single.replicas == 1
    assert single.describe() == "/device:CPU:0"
    two = DevicePlan("mirrored", ("/device:GPU:0", "/device:GPU:1"), 2, mixed_precision=True)
    assert two.replicas == 2
    assert two.describe().startswith("2 GPUs (MirroredStrategy")
    assert "mixed precision" in two.describe()
    assert two.to_dict()["replicas"] == 2


def test_model_cudnn_notes_on_built_models():
    pytest.importorskip("keras")
    import keras

    from workbench.core.learning.architectures import build_model
    from workbench.core.learning.devices import model_cudnn_notes

    model = build_model(TrainConfig(maxlen=10, units=4), vocab_size=20, num_classes=2)
    assert model_cudnn_notes(model) == []
    inputs = keras.Input(shape=(5, 3))
    outputs = keras.layers.LSTM(2, recurrent_dropout=0.2, name="slow")(inputs)
    notes = model_cudnn_notes(keras.Model(inputs, outputs))
    assert notes == ["slow: recurrent_dropout is not 0"]


def test_replica_fit_splits_batches_evenly():
    from workbench.core.learning.devices import replica_fit

    one = DevicePlan("default", ("/device:CPU:0",), 0)
    assert replica_fit(one, 47, 15, 33) == (47, 15, 33)
    two = DevicePlan("mirrored", ("/device:CPU:0", "/device:CPU:1"), 0)
    assert replica_fit(two, 47, 15, 33) == (46, 14, 32)
    assert replica_fit(two, 47, 15, 1) == (46, 14, 2)
