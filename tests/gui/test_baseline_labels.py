"""The model-versus-baseline line of the Train and Evaluate pages."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from workbench.core import BaselineResult, TrainConfig, evaluate
from workbench.gui.pages.evaluate.page import stored_baseline_text
from workbench.gui.pages.train.page import _accuracy_text


def _evaluation(correct: int):
    y_true = np.array([0, 0, 1, 1])
    probs = np.zeros((4, 2))
    for i, label in enumerate(y_true):
        right = i < correct
        probs[i, label if right else 1 - label] = 1.0
    return evaluate(y_true, probs, ["a", "b"])


def test_evaluate_page_line_only_for_the_bundles_own_test_split():
    own = _evaluation(3)
    metrics = {**own.to_dict(), "baseline": {"accuracy": 1.0, "macro_f1": 1.0}}
    bundle = SimpleNamespace(metrics=metrics, config=TrainConfig())
    assert stored_baseline_text(bundle, own) == (
        "BiLSTM + n-grams 75.0% - linear baseline 100.0% (same test split)"
    )
    parts = {"recurrent": {"accuracy": 0.5}, "ngrams": {"accuracy": 0.625}}
    with_parts = SimpleNamespace(metrics={**metrics, "parts": parts}, config=TrainConfig())
    assert stored_baseline_text(with_parts, own) == (
        "BiLSTM + n-grams 75.0% (BiLSTM alone 50.0%, n-grams alone 62.5%)"
        " - linear baseline 100.0% (same test split)"
    )
    malformed = {"recurrent": {"accuracy": "high"}, "ngrams": {"accuracy": 0.6}}
    bundle.metrics = {**metrics, "parts": malformed}  # read from a file: no parts shown
    assert stored_baseline_text(bundle, own) == (
        "BiLSTM + n-grams 75.0% - linear baseline 100.0% (same test split)"
    )
    only_parts = SimpleNamespace(metrics={**own.to_dict(), "parts": parts}, config=TrainConfig())
    assert stored_baseline_text(only_parts, own) == (
        "BiLSTM + n-grams 75.0% (BiLSTM alone 50.0%, n-grams alone 62.5%) (same test split)"
    )
    other_corpus = _evaluation(2)
    assert stored_baseline_text(bundle, other_corpus) == ""
    without = SimpleNamespace(metrics=own.to_dict(), config=TrainConfig())
    assert stored_baseline_text(without, own) == ""
    assert stored_baseline_text(None, own) == ""


def test_train_page_summary_accuracy_text():
    evaluation = _evaluation(4)
    bundle = SimpleNamespace(config=TrainConfig(wide_ngrams=2))
    baseline = BaselineResult(0.75, 0.7, None, 1e-5, 10, 1.0)
    train = SimpleNamespace(status="completed")
    result = SimpleNamespace(evaluation=evaluation, bundle=bundle, baseline=baseline, train=train)
    assert _accuracy_text(result) == ": BiLSTM + n-grams 100.0% - linear baseline 75.0%"
    result.parts = {"recurrent": {"accuracy": 0.9}, "ngrams": {"accuracy": 0.95}}
    assert _accuracy_text(result) == (
        ": BiLSTM + n-grams 100.0% (BiLSTM alone 90.0%, n-grams alone 95.0%)"
        " - linear baseline 75.0%"
    )
    result.baseline = None  # switched off: the parts are still compared
    assert _accuracy_text(result) == (
        ": BiLSTM + n-grams 100.0% (BiLSTM alone 90.0%, n-grams alone 95.0%)"
    )
    result.parts = None
    assert _accuracy_text(result) == " 100.0%"
    result.train.status = "cancelled"  # Stop skipped the baseline
    assert _accuracy_text(result) == " 100.0% (linear baseline skipped: the run was stopped)"
