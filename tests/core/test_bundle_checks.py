"""A bundle's pieces are checked against each other on load; its run status is kept."""

from __future__ import annotations

import json

import pytest

from tests.core.test_bundle import FakeModel, edit_json, save_fake
from workbench.core import BundleError
from workbench.core.bundles.bundle import list_bundles, load_bundle, read_bundle_info, save_bundle
from workbench.core.bundles.write import run_status
from workbench.core.learning.training import AveragedEpochs


@pytest.fixture(scope="module")
def parts():
    from workbench.core import Tokenizer, TrainConfig, build_model

    config = TrainConfig(units=4, maxlen=20, embedding_dim=8, max_words=100, epochs=1)
    texts = ["the market rose", "the team won the match", "a new phone was released"]
    tokenizer = Tokenizer(max_words=100, maxlen=20).fit(texts)
    model = build_model(config, vocab_size=tokenizer.vocab_size, num_classes=3)
    return config, tokenizer, model, texts


def save_real(path, parts, **overrides):
    config, tokenizer, model, _ = parts
    kwargs = {
        "model": model,
        "tokenizer": tokenizer,
        "class_names": ["business", "sport", "tech"],
        "config": config,
        "history": {"loss": [1.0]},
        "metrics": None,
        "provenance": {"vectors": {"source": None, "dim": 8}},
    }
    kwargs.update(overrides)
    return save_bundle(path, **kwargs)


def one_line(error: pytest.ExceptionInfo) -> str:
    text = str(error.value)
    assert "\n" not in text
    assert "Traceback" not in text
    assert len(text) < 300
    return text


def test_tokenizer_ids_beyond_the_embedding_rows_are_refused(tmp_path, parts):
    path = save_real(tmp_path / "m", parts)
    data = json.loads((path / "tokenizer.json").read_text(encoding="utf-8"))
    extra = [f"extra{i}" for i in range(50)]
    data["words"].extend(extra)
    data["word_counts"].update(dict.fromkeys(extra, 1))
    (path / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BundleError) as error:
        load_bundle(path)
    assert "token ids but the model's embedding has only" in one_line(error)


def test_repeated_class_names_are_refused_on_read_and_load(tmp_path, parts):
    path = save_real(tmp_path / "m", parts, class_names=["sport", "tech", "sport"])
    with pytest.raises(BundleError, match=r"class_names repeat 'sport'"):
        load_bundle(path)
    problems: list[str] = []
    assert list_bundles(tmp_path, problems=problems) == []
    assert "class_names repeat 'sport'" in problems[0]


def test_output_size_that_disagrees_with_the_classes_is_refused(tmp_path, parts):
    path = save_real(tmp_path / "m", parts, class_names=["a", "b", "c", "d"])
    with pytest.raises(BundleError, match=r"model has 3 outputs but 4 class names"):
        load_bundle(path)


def test_maxlen_that_disagrees_with_the_model_gives_one_short_line(tmp_path, parts):
    config = parts[0]
    path = save_real(tmp_path / "m", parts, config={**config.to_dict(), "maxlen": 50})
    with pytest.raises(BundleError) as error:
        load_bundle(path)
    assert "config maxlen is 50 but the model takes 20 tokens" in one_line(error)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04truncated"], ids=["empty", "truncated"])
def test_a_truncated_model_file_is_named_as_such(tmp_path, parts, content):
    path = save_real(tmp_path / "m", parts)
    (path / "model.keras").write_bytes(content)
    with pytest.raises(BundleError) as error:
        load_bundle(path)
    text = one_line(error)
    assert "model.keras is truncated or damaged" in text
    assert "not found" not in text


def test_a_half_written_model_archive_is_named_as_such(tmp_path, parts):
    path = save_real(tmp_path / "m", parts)
    data = (path / "model.keras").read_bytes()
    (path / "model.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError) as error:
        load_bundle(path)
    assert "truncated or damaged" in one_line(error)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ["x"]}, "'name' is not text"),
        ({"created": 5}, "'created' is not text"),
        ({"history": {"loss": 3}}, "history 'loss' is not a list"),
        ({"status": "stopped"}, "'status' is not an object"),
    ],
)
def test_wrong_typed_fields_are_named(tmp_path, changes, message):
    path = save_fake(tmp_path / "m")
    edit_json(path, **changes)
    with pytest.raises(BundleError, match=message):
        read_bundle_info(path)


@pytest.mark.parametrize(
    "config", [{"layers": "x"}, {"layers": None, "units": [1]}, {"pooling": 3, "maxlen": "a"}]
)
def test_summary_of_odd_config_values_does_not_raise(tmp_path, config):
    path = save_fake(tmp_path / "m", config=config, provenance={"vectors": "glove.txt"})
    info = read_bundle_info(path)
    assert info.summary().startswith("LSTM")
    assert info.to_dict()["summary"] == info.summary()


def test_a_stopped_run_is_marked_in_bundle_json(tmp_path):
    status = run_status("cancelled", epochs_run=1, epochs=15, best_epoch=0, accuracy=0.5)
    assert status == {
        "state": "stopped",
        "note": "stopped after 1 of 15 epochs; best epoch 1 saved, 50.0 % on the test split",
    }
    fused = run_status(
        "cancelled", epochs_run=2, epochs=15, best_epoch=1, accuracy=0.9, part="bag-of-words part"
    )
    assert fused["note"] == (
        "stopped after 2 of 15 epochs; best epoch 2 saved with the bag-of-words part, "
        "90.0 % on the test split"
    )
    path = save_fake(tmp_path / "m", status=status)
    info = read_bundle_info(path)
    assert (info.status, info.is_complete) == ("stopped", False)
    assert info.status_note.startswith("stopped after 1 of 15 epochs")
    assert info.to_dict()["status"] == "stopped"
    copy = save_fake(tmp_path / "copy", model=FakeModel())  # a complete one for contrast
    assert read_bundle_info(copy).is_complete


def test_early_stopped_and_failed_runs_are_marked():
    early = run_status("early_stopped", epochs_run=4, epochs=10, best_epoch=1, accuracy=None)
    assert early["state"] == "early-stopped"
    assert early["note"] == (
        "stopped early after 4 of 10 epochs (no further improvement); best epoch 2 saved"
    )
    mean = AveragedEpochs(epochs=(4, 5, 8), best_val_loss=0.09, val_loss=0.08)
    averaged = run_status(
        "early_stopped", epochs_run=9, epochs=15, best_epoch=5, accuracy=0.98, averaged=mean
    )
    assert averaged["state"] == "early-stopped"
    assert averaged["note"] == (
        "stopped early after 9 of 15 epochs (no further improvement); "
        "epochs 5, 6, 9 averaged and saved, 98.0 % on the test split"
    )
    failed = run_status("failed", epochs_run=2, epochs=5, best_epoch=0, accuracy=0.4, reason="NaN")
    assert failed["state"] == "partial"
    assert failed["note"].startswith("training failed after 2 of 5 epochs (NaN); best epoch 1")
    assert run_status("completed", epochs_run=5, epochs=5, best_epoch=4, accuracy=0.9) == {
        "state": "complete",
        "note": "",
    }


def test_bundles_saved_before_status_existed_read_as_complete(tmp_path):
    path = save_fake(tmp_path / "m")
    data = json.loads((path / "bundle.json").read_text(encoding="utf-8"))
    del data["status"]
    (path / "bundle.json").write_text(json.dumps(data), encoding="utf-8")
    assert read_bundle_info(path).status == "complete"
