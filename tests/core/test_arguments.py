"""Public core functions given wrong types raise ArgumentError naming the argument."""

from __future__ import annotations

import pytest

from workbench import core
from workbench.core import ArgumentError, WorkbenchError


@pytest.fixture(scope="module")
def corpus():
    loaded, _ = core.load_corpus(core.sample_corpus_dir())
    return loaded


CASES = [
    ("load_corpus(None)", lambda c: core.load_corpus(None), "load_corpus: path"),
    ("load_corpus(5)", lambda c: core.load_corpus(5), "load_corpus: path"),
    (
        "load_corpus(text_columns=5.5)",
        lambda c: core.load_corpus(core.sample_corpus_dir(), text_columns=5.5),
        "load_corpus: text_columns",
    ),
    (
        "load_corpus(delimiter=5)",
        lambda c: core.load_corpus(core.sample_corpus_dir(), delimiter=5),
        "load_corpus: delimiter",
    ),
    ("load_bundle(123)", lambda c: core.load_bundle(123), "bundle path"),
    ("read_bundle_info(None)", lambda c: core.read_bundle_info(None), "bundle path"),
    ("list_bundles(None)", lambda c: core.list_bundles(None), "list_bundles: models_dir"),
    ("split_corpus(seed='x')", lambda c: core.split_corpus(c, seed="x"), "split_corpus: seed"),
    ("split_corpus(None)", lambda c: core.split_corpus(None), "split_corpus: corpus"),
    ("corpus_stats(None)", lambda c: core.corpus_stats(None), "corpus_stats: corpus"),
    ("read_csv_table(None)", lambda c: core.read_csv_table(None), "read_csv_table: path"),
    ("load_vectors(3.5)", lambda c: core.load_vectors(3.5), "load_vectors: vectors source"),
    (
        "run_training(None)",
        lambda c: core.run_training(None, core.TrainConfig()),
        "run_training: corpus",
    ),
    ("evaluate_bundle(5, None)", lambda c: core.evaluate_bundle(5, None), "evaluate_bundle"),
    ("Predictor.from_path(5)", lambda c: core.Predictor.from_path(5), "Predictor.from_path"),
    ("coverage(None, None)", lambda c: core.coverage(None, None), "coverage: tokenizer"),
]


@pytest.mark.parametrize(
    ("call", "named"), [(fn, named) for _, fn, named in CASES], ids=[case[0] for case in CASES]
)
def test_wrong_types_raise_argument_error_naming_the_argument(corpus, call, named):
    with pytest.raises(ArgumentError) as error:
        call(corpus)
    assert named in str(error.value)
    assert "\n" not in str(error.value)
    assert isinstance(error.value, WorkbenchError)


def test_train_config_with_a_wrong_type_is_a_workbench_error():
    with pytest.raises(WorkbenchError, match="units"):
        core.TrainConfig(units="x")


class _FakePredictor(core.Predictor):
    def __init__(self) -> None:  # no model needed to check the argument
        pass


@pytest.mark.parametrize("texts", [5, 3.5, b"bytes", None, ["ok", 7]])
def test_classify_with_wrong_types_raises_argument_error(texts):
    with pytest.raises(ArgumentError, match="text"):
        _FakePredictor().classify(texts)
