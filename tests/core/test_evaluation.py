"""evaluate(): metrics checked against small hand-computed cases; bad inputs; JSON round trip."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from workbench.core import BundleError, ConfigError, Evaluation, evaluate

NAMES = ["a", "b", "c"]
# true:      a    a    a    b    b    c
# predicted: a    a    b    b    a    a
Y_TRUE = [0, 0, 0, 1, 1, 2]
PROBS = np.array(
    [
        [0.8, 0.1, 0.1],
        [0.5, 0.3, 0.2],
        [0.3, 0.6, 0.1],  # a -> b, confidence 0.6
        [0.2, 0.7, 0.1],
        [0.9, 0.05, 0.05],  # b -> a, confidence 0.9
        [0.7, 0.2, 0.1],  # c -> a, confidence 0.7
    ]
)
TEXTS = ["t0", "t1", "t2", "t3", "t4", "t5"]


def test_hand_computed_metrics():
    result = evaluate(Y_TRUE, PROBS, NAMES, texts=TEXTS)
    assert result.confusion == [[2, 1, 0], [1, 1, 0], [1, 0, 0]]
    assert result.accuracy == pytest.approx(3 / 6)
    a, b, c = (result.per_class[name] for name in NAMES)
    assert a["precision"] == pytest.approx(2 / 4)
    assert a["recall"] == pytest.approx(2 / 3)
    assert a["f1"] == pytest.approx(4 / 7)
    assert b["precision"] == pytest.approx(1 / 2)
    assert b["recall"] == pytest.approx(1 / 2)
    assert b["f1"] == pytest.approx(1 / 2)
    assert (c["precision"], c["recall"], c["f1"]) == (0.0, 0.0, 0.0)
    assert [a["support"], b["support"], c["support"]] == [3, 2, 1]
    assert result.macro_f1 == pytest.approx((4 / 7 + 1 / 2 + 0) / 3)
    assert result.weighted_f1 == pytest.approx((3 * 4 / 7 + 2 * 1 / 2) / 6)


def test_hand_computed_averages():
    averages = evaluate(Y_TRUE, PROBS, NAMES).averages()
    macro, weighted = averages["macro"], averages["weighted"]
    assert macro["precision"] == pytest.approx((1 / 2 + 1 / 2 + 0) / 3)
    assert macro["recall"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    assert macro["f1"] == pytest.approx((4 / 7 + 1 / 2 + 0) / 3)
    assert weighted["precision"] == pytest.approx((3 * 1 / 2 + 2 * 1 / 2) / 6)
    assert weighted["recall"] == pytest.approx((3 * 2 / 3 + 2 * 1 / 2) / 6)
    assert weighted["f1"] == pytest.approx((3 * 4 / 7 + 2 * 1 / 2) / 6)
    assert macro["support"] == weighted["support"] == 6


def test_misclassified_most_confident_first():
    result = evaluate(Y_TRUE, PROBS, NAMES, texts=TEXTS)
    assert [item["index"] for item in result.misclassified] == [4, 5, 2]
    assert result.misclassified[0] == {
        "index": 4,
        "text": "t4",
        "true": "b",
        "predicted": "a",
        "confidence": pytest.approx(0.9),
    }
    assert [item["confidence"] for item in result.misclassified] == pytest.approx([0.9, 0.7, 0.6])
    without_texts = evaluate(Y_TRUE, PROBS, NAMES)
    assert all(item["text"] is None for item in without_texts.misclassified)


def test_correct_documents_least_confident_first_and_not_saved():
    result = evaluate(Y_TRUE, PROBS, NAMES, texts=TEXTS)
    wrong = {item["index"] for item in result.misclassified}
    right = [item["index"] for item in result.correct]
    assert sorted(right + sorted(wrong)) == list(range(len(TEXTS)))
    assert all(item["true"] == item["predicted"] for item in result.correct)
    confidences = [item["confidence"] for item in result.correct]
    assert confidences == sorted(confidences)
    assert "correct" not in result.to_dict()  # bundles keep errors only


def test_class_names_as_labels_give_same_result():
    by_name = evaluate([NAMES[i] for i in Y_TRUE], PROBS, NAMES)
    assert by_name == evaluate(Y_TRUE, PROBS, NAMES)


def test_perfect_predictions():
    y = np.array([0, 1, 2, 1])
    result = evaluate(y, np.eye(3)[y], NAMES)
    assert result.accuracy == 1.0
    assert result.macro_f1 == 1.0
    assert result.weighted_f1 == 1.0
    assert result.misclassified == []
    assert result.confusion == [[1, 0, 0], [0, 2, 0], [0, 0, 1]]


def test_class_never_seen_is_zero_without_warnings_and_left_out_of_macro():
    names = ["a", "b", "unused"]
    y = np.array([0, 1, 1])
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = evaluate(y, probs, names)
    assert result.per_class["unused"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    f1_a = 2 * 0.5 * 1.0 / 1.5
    f1_b = 2 * 1.0 * 0.5 / 1.5
    assert result.macro_f1 == pytest.approx((f1_a + f1_b) / 2)


def test_round_trip_through_json():
    result = evaluate(Y_TRUE, PROBS, NAMES, texts=TEXTS)
    data = json.loads(json.dumps(result.to_dict()))
    back = Evaluation.from_dict(data)
    assert back == result
    assert back.to_dict() == result.to_dict()
    assert isinstance(data["per_class"]["a"]["support"], int)


def test_from_dict_reports_missing_and_malformed():
    data = evaluate(Y_TRUE, PROBS, NAMES).to_dict()
    del data["confusion"]
    with pytest.raises(BundleError, match="evaluation data is missing 'confusion'"):
        Evaluation.from_dict(data)
    bad = evaluate(Y_TRUE, PROBS, NAMES).to_dict()
    bad["accuracy"] = "high"
    with pytest.raises(BundleError, match="evaluation data is malformed"):
        Evaluation.from_dict(bad)
    with pytest.raises(BundleError, match="must be a dict"):
        Evaluation.from_dict([1, 2])  # type: ignore[arg-type]


def test_summary_and_report():
    result = evaluate(Y_TRUE, PROBS, NAMES)
    assert result.summary() == "accuracy 50.0 %, macro F1 0.357 on 6 documents"
    report = result.report().splitlines()
    assert len(report) == 1 + len(NAMES) + 3
    assert report[1].split() == ["a", "0.500", "0.667", "0.571", "3"]


@pytest.mark.parametrize(
    ("y_true", "probs", "names", "texts", "message"),
    [
        (Y_TRUE, PROBS[:, :2], NAMES, None, r"probabilities must have shape \(6, 3\)"),
        (Y_TRUE[:5], PROBS, NAMES, None, r"probabilities must have shape \(5, 3\)"),
        ([0, 3, 1, 1, 1, 1], PROBS, NAMES, None, r"class ids must be in \[0, 3\), got 0\.\.3"),
        ([-1, 0, 1, 1, 1, 1], PROBS, NAMES, None, r"class ids must be in \[0, 3\), got -1\.\.1"),
        (["a", "b", "x", "a", "a", "a"], PROBS, NAMES, None, "label 'x' \\(item 2\\) is not one"),
        ([0.0, 1.0, 2.0, 0.0, 0.0, 0.0], PROBS, NAMES, None, "class ids or class names"),
        ([], np.zeros((0, 3)), NAMES, None, "y_true is empty"),
        ([[0, 1]], PROBS, NAMES, None, "y_true must be 1-D"),
        (Y_TRUE, PROBS, NAMES, TEXTS[:2], "texts has 2 items, expected 6"),
        (Y_TRUE, PROBS * np.nan, NAMES, None, "NaN or infinite"),
        (Y_TRUE, "not numbers", NAMES, None, "2-D array of numbers"),
        (Y_TRUE, PROBS, ["a", "a", "b"], None, "class_names has duplicates"),
        (Y_TRUE, PROBS, [], None, "class_names is empty"),
    ],
)
def test_bad_inputs(y_true, probs, names, texts, message):
    with pytest.raises(ConfigError, match=message):
        evaluate(y_true, probs, names, texts=texts)
