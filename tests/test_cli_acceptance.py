"""Accuracy acceptance: the default recipe on the full BBC corpus (slow, runs in CI).

``workbench train --corpus <data>/bbc --vectors bundled --json`` with the default
config (wide and deep, see bench/RESULTS.md) must reach at least MIN_ACCURACY test
accuracy (5 classes, seed 0) and beat the built-in linear baseline on the same split.
Takes a few minutes on a CPU; skipped where the reference data is absent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MIN_ACCURACY = 0.984  # the goal; 98.87 % measured at seed 0 (bench/RESULTS.md, issue 10)


@pytest.mark.slow
def test_default_recipe_reaches_target_accuracy_on_bbc(shared_data, tmp_path):
    corpus = shared_data / "bbc"
    if not corpus.is_dir():
        pytest.skip(f"{corpus} not present")
    argv = [sys.executable, "-m", "workbench", "train", "--corpus", str(corpus)]
    argv += ["--vectors", "bundled", "--out", str(tmp_path), "--json"]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    history = result.get("history") or {}
    print(
        f"\nBBC acceptance: accuracy {result['accuracy']:.4f}, macro F1 {result['macro_f1']:.4f}, "
        f"status {result['status']}, epochs {result.get('epochs_run')}, "
        f"best epoch {result['best_epoch']}, {result.get('elapsed_s', 0):.0f} s"
    )
    for name, metrics in result["per_class"].items():
        print(f"  {name:14s} f1 {metrics['f1']:.4f}  support {metrics['support']}")
    if "val_accuracy" in history:
        print("  val_accuracy per epoch: " + " ".join(f"{v:.3f}" for v in history["val_accuracy"]))
    assert result["status"] in ("completed", "early_stopped")
    assert result["bundle"] is not None
    assert result["corpus"]["documents"] >= 2220  # all 2,225 articles, bar broken files
    assert result["accuracy"] >= MIN_ACCURACY
    baseline = result["baseline"]
    print(f"  linear baseline: accuracy {baseline['accuracy']:.4f}, F1 {baseline['macro_f1']:.4f}")
    assert result["accuracy"] > baseline["accuracy"]
