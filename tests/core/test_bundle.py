"""Model bundles: atomic save, loading checks, listing, info without TensorFlow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench.core import BundleError
from workbench.core.bundles.bundle import (
    FORMAT_VERSION,
    MAX_MISCLASSIFIED,
    MAX_TEXT_CHARS,
    list_bundles,
    load_bundle,
    read_bundle_info,
    save_bundle,
    unique_bundle_path,
)

CONFIG = {"rnn": "lstm", "units": 64, "layers": 1, "bidirectional": True, "pooling": "max"}
CONFIG["maxlen"] = 400
PROVENANCE = {"vectors": {"source": "bundled", "dim": 50}, "corpus": {"source": "bbc"}}


EMPTY_ZIP = b"PK\x05\x06" + bytes(18)  # a whole (empty) zip archive: passes the file check


class FakeModel:
    """Stands in for a Keras model: ``save`` writes a marker, optionally failing midway."""

    def __init__(self, payload: bytes = b"model-v1", fail: bool = False) -> None:
        self.payload = payload
        self.fail = fail

    def save(self, path: str) -> None:
        with open(path, "wb") as handle:
            handle.write(self.payload[:3])
            if self.fail:
                raise RuntimeError("disk full")
            handle.write(self.payload[3:])


class FakeTokenizer:
    def to_dict(self) -> dict:
        return {"word_index": {"news": 2}}


def save_fake(path: Path, *, model: FakeModel | None = None, **overrides) -> Path:
    kwargs = {
        "model": model or FakeModel(),
        "tokenizer": FakeTokenizer(),
        "class_names": ["business", "sport"],
        "config": CONFIG,
        "history": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]},
        "metrics": {"accuracy": 0.9, "macro_f1": 0.85},
        "provenance": PROVENANCE,
    }
    kwargs.update(overrides)
    return save_bundle(path, **kwargs)


def hidden_entries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def edit_json(path: Path, **changes) -> None:
    data = json.loads((path / "bundle.json").read_text(encoding="utf-8"))
    data.update(changes)
    (path / "bundle.json").write_text(json.dumps(data), encoding="utf-8")


# ------------------------------------------------------------------------ saving


def test_save_writes_the_three_files_and_the_metadata(tmp_path):
    path = save_fake(tmp_path / "models" / "bbc")
    assert sorted(p.name for p in path.iterdir()) == [
        "bundle.json",
        "model.keras",
        "tokenizer.json",
    ]
    data = json.loads((path / "bundle.json").read_text(encoding="utf-8"))
    assert data["format_version"] == FORMAT_VERSION
    assert data["name"] == "bbc"
    assert data["class_names"] == ["business", "sport"]
    assert data["config"] == CONFIG
    assert data["history"]["val_loss"] == [1.1, 0.7]
    assert data["provenance"] == PROVENANCE
    assert set(data["versions"]) == {"python", "numpy", "tensorflow", "keras", "workbench"}
    assert data["versions"]["numpy"] == np.__version__
    info = read_bundle_info(path)
    assert info.accuracy == pytest.approx(0.9)
    assert info.macro_f1 == pytest.approx(0.85)
    assert info.epochs_run == 2
    assert hidden_entries(path.parent) == []


def test_misclassified_list_is_capped_and_texts_truncated(tmp_path):
    wrong = [
        {"index": i, "text": "x" * 5000, "true": "a", "predicted": "b", "confidence": 0.9}
        for i in range(MAX_MISCLASSIFIED + 50)
    ]
    path = save_fake(tmp_path / "m", metrics={"accuracy": 0.5, "misclassified": wrong})
    data = json.loads((path / "bundle.json").read_text(encoding="utf-8"))
    kept = data["metrics"]["misclassified"]
    assert len(kept) == MAX_MISCLASSIFIED
    assert data["metrics"]["misclassified_total"] == MAX_MISCLASSIFIED + 50
    assert all(len(item["text"]) <= MAX_TEXT_CHARS + 1 for item in kept)
    assert kept[0]["text"].startswith("x" * MAX_TEXT_CHARS)
    assert len(wrong[0]["text"]) == 5000  # the caller's data is left alone
    again = save_fake(tmp_path / "m2", metrics=data["metrics"])  # re-saving a loaded bundle
    data = json.loads((again / "bundle.json").read_text(encoding="utf-8"))
    assert data["metrics"]["misclassified_total"] == MAX_MISCLASSIFIED + 50
    assert len(data["metrics"]["misclassified"]) == MAX_MISCLASSIFIED


def test_saving_again_replaces_the_bundle_whole(tmp_path):
    path = save_fake(tmp_path / "m", model=FakeModel(b"model-v1"))
    (path / "stale.txt").write_text("left from the old bundle", encoding="utf-8")
    save_fake(path, model=FakeModel(b"model-v2"), class_names=["a", "b", "c"])
    assert (path / "model.keras").read_bytes() == b"model-v2"
    assert not (path / "stale.txt").exists()
    assert read_bundle_info(path).class_names == ["a", "b", "c"]
    assert hidden_entries(tmp_path) == []


def test_interrupted_save_leaves_previous_bundle_intact(tmp_path):
    path = save_fake(tmp_path / "m", model=FakeModel(b"model-v1"))
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    with pytest.raises(BundleError, match=r"cannot save bundle .*disk full"):
        save_fake(path, model=FakeModel(b"model-v2", fail=True), class_names=["x", "y"])
    after = {p.name: p.read_bytes() for p in path.iterdir()}
    assert after == before
    assert hidden_entries(tmp_path) == []


def test_failed_rename_puts_the_old_bundle_back(tmp_path, monkeypatch):
    path = save_fake(tmp_path / "m", model=FakeModel(b"model-v1"))
    real_replace = os.replace
    calls = []

    def flaky_replace(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:  # moving the new bundle in
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(BundleError, match="No space left"):
        save_fake(path, model=FakeModel(b"model-v2"))
    monkeypatch.undo()
    assert (path / "model.keras").read_bytes() == b"model-v1"
    assert hidden_entries(tmp_path) == []


def test_save_refuses_to_replace_a_folder_that_is_not_a_bundle(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"jpg")
    with pytest.raises(BundleError, match="photos exists and is not a model bundle"):
        save_fake(folder)
    assert (folder / "holiday.jpg").exists()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("notes", encoding="utf-8")
    with pytest.raises(BundleError, match=r"notes\.txt exists and is not a folder"):
        save_fake(a_file)


def test_unique_bundle_path_counts_up_and_sanitises(tmp_path):
    assert unique_bundle_path(tmp_path, "bbc") == tmp_path / "bbc"
    (tmp_path / "bbc").mkdir()
    assert unique_bundle_path(tmp_path, "bbc") == tmp_path / "bbc-2"
    (tmp_path / "bbc-2").mkdir()
    assert unique_bundle_path(tmp_path, "bbc") == tmp_path / "bbc-3"
    assert unique_bundle_path(tmp_path, "../news: run/1") == tmp_path / "news-run-1"
    assert unique_bundle_path(tmp_path, "...") == tmp_path / "model"


# ------------------------------------------------------------------------ reading


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(BundleError, match=r"no such bundle: .*nowhere"):
        read_bundle_info(tmp_path / "nowhere")


def test_folder_without_bundle_json(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match=r"not a model bundle: .*empty has no bundle.json"):
        read_bundle_info(tmp_path / "empty")


def test_bundle_missing_model_file(tmp_path):
    path = save_fake(tmp_path / "m")
    (path / "model.keras").unlink()
    with pytest.raises(BundleError, match=r"bundle .*m is missing model.keras"):
        read_bundle_info(path)
    with pytest.raises(BundleError, match=r"is missing model\.keras"):
        load_bundle(path)


def test_bundle_missing_tokenizer_file(tmp_path):
    path = save_fake(tmp_path / "m")
    (path / "tokenizer.json").unlink()
    with pytest.raises(BundleError, match=r"is missing tokenizer\.json"):
        read_bundle_info(path)


def test_newer_format_version_is_refused(tmp_path):
    path = save_fake(tmp_path / "m")
    edit_json(path, format_version=9)
    with pytest.raises(
        BundleError, match=rf"saved by format version 9; this Workbench reads {FORMAT_VERSION}"
    ):
        read_bundle_info(path)


def test_invalid_json_names_the_line(tmp_path):
    path = save_fake(tmp_path / "m")
    (path / "bundle.json").write_text('{\n  "name": "m",\n  "created": oops\n}\n', "utf-8")
    with pytest.raises(BundleError, match=r"bundle.json in .*m is not valid JSON \(line 3\)"):
        read_bundle_info(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format_version": "one"}, "no valid format_version: 'one'"),
        ({"class_names": ["only"]}, "no valid class_names"),
        ({"config": [1, 2]}, "'config' is not an object"),
    ],
)
def test_bad_fields_are_named(tmp_path, changes, message):
    path = save_fake(tmp_path / "m")
    edit_json(path, **changes)
    with pytest.raises(BundleError, match=message):
        read_bundle_info(path)


def test_json_that_is_not_an_object(tmp_path):
    path = save_fake(tmp_path / "m")
    (path / "bundle.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(BundleError, match="does not hold a JSON object"):
        read_bundle_info(path)


def test_summary_describes_the_model(tmp_path):
    info = read_bundle_info(save_fake(tmp_path / "m"))
    assert info.summary() == "BiLSTM 64, max-pool, maxlen 400, GloVe 50d"
    info.config = {**CONFIG, "rnn": "gru", "bidirectional": False, "layers": 2}
    info.provenance = {"vectors": {"source": None, "dim": 32}}
    assert info.summary() == "GRU 64 x2, max-pool, maxlen 400, random 32d embedding"
    assert json.loads(json.dumps(info.to_dict()))["summary"] == info.summary()
    # wide and deep: what the recurrent part reads, and the fused n-gram part
    info.config = {**CONFIG, "maxlen": 1500, "rnn_maxlen": 400}
    info.provenance = {"vectors": {"source": None, "dim": 32}, "wide": {"ngrams": 2, "weight": 1}}
    assert info.summary() == (
        "BiLSTM 64, max-pool, reads 400 of maxlen 1500, "
        "+ bag-of-n-grams part (words and bigrams), random 32d embedding"
    )
    info.provenance["wide"] = {"ngrams": 2, "weight": 1, "ngrams_kept": [2, 1]}
    assert "+ bag-of-n-grams part (words and bigrams, averaged with words alone), " in (
        info.summary()
    )
    info.provenance["wide"] = {"ngrams": 2, "weight": 1, "ngrams_kept": "bad"}  # hand-edited
    assert "+ bag-of-n-grams part (words and bigrams), " in info.summary()


def test_read_bundle_info_does_not_import_tensorflow(tmp_path):
    path = save_fake(tmp_path / "m")
    code = (
        "import sys\n"
        "from workbench.core.bundles.bundle import read_bundle_info, list_bundles\n"
        f"info = read_bundle_info({str(path)!r})\n"
        f"names = [i.name for i in list_bundles({str(tmp_path)!r})]\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
        "print(info.name, names, heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "m ['m'] []"


# ------------------------------------------------------------------------ listing


def test_list_bundles_newest_first_and_broken_ones_skipped(tmp_path):
    for name, created in [
        ("old", "2024-01-01T10:00:00+00:00"),
        ("new", "2024-03-01T10:00:00+00:00"),
        ("mid", "2024-02-01T10:00:00+00:00"),
    ]:
        edit_json(save_fake(tmp_path / name), created=created)
    (tmp_path / "not-a-bundle").mkdir()
    broken = save_fake(tmp_path / "broken")
    (broken / "model.keras").unlink()
    (tmp_path / ".old.tmp-1234").mkdir()  # a save in progress
    (tmp_path / "readme.txt").write_text("hi", encoding="utf-8")
    problems: list[str] = []
    infos = list_bundles(tmp_path, problems=problems)
    assert [info.name for info in infos] == ["new", "mid", "old"]
    assert [info.path for info in infos] == [tmp_path / "new", tmp_path / "mid", tmp_path / "old"]
    assert len(problems) == 2
    assert any("broken is missing model.keras" in p for p in problems)
    assert any("not-a-bundle has no bundle.json" in p for p in problems)
    assert list_bundles(tmp_path) == infos


def test_list_bundles_of_missing_folder_is_empty(tmp_path):
    assert list_bundles(tmp_path / "no-models-yet") == []


# ------------------------------------------------------------- with a real model


@pytest.fixture(scope="module")
def tiny_parts():
    """A small untrained Keras model with its tokenizer and config."""
    from workbench.core import Tokenizer, TrainConfig, build_model

    config = TrainConfig(units=4, maxlen=20, embedding_dim=8, max_words=100, epochs=1)
    texts = ["the market rose", "the team won the match", "a new phone was released"]
    tokenizer = Tokenizer(max_words=100, maxlen=20).fit(texts)
    model = build_model(config, vocab_size=tokenizer.vocab_size, num_classes=3)
    return config, tokenizer, model, texts


def test_round_trip_gives_identical_predictions(tmp_path, tiny_parts):
    from workbench.core import Predictor

    config, tokenizer, model, texts = tiny_parts
    path = save_bundle(
        tmp_path / "tiny",
        model=model,
        tokenizer=tokenizer,
        class_names=["business", "sport", "tech"],
        config=config,
        history={"loss": [1.0]},
        metrics=None,
        provenance={"vectors": {"source": None, "dim": 8}},
    )
    loaded = load_bundle(path)
    assert loaded.config == config
    assert loaded.tokenizer.word_index == tokenizer.word_index
    assert loaded.class_names == ["business", "sport", "tech"]
    assert loaded.history == {"loss": [1.0]}
    assert loaded.evaluation() is None  # saved without metrics
    ids = tokenizer.encode(texts, maxlen=20)
    expected = np.asarray(model.predict(ids, verbose=0))
    again = Predictor.from_path(path).predict_proba(texts)
    np.testing.assert_allclose(again, expected, rtol=1e-5, atol=1e-6)


def test_load_reports_a_corrupt_model_file(tmp_path, tiny_parts):
    config, tokenizer, _, _ = tiny_parts
    path = save_fake(tmp_path / "m", tokenizer=tokenizer, config=config.to_dict())
    with pytest.raises(BundleError, match=r"model.keras is truncated or damaged"):
        load_bundle(path)


def test_load_reports_an_incompatible_config(tmp_path, tiny_parts):
    _, tokenizer, _, _ = tiny_parts
    path = save_fake(
        tmp_path / "m", model=FakeModel(EMPTY_ZIP), tokenizer=tokenizer, config={"units": -1}
    )
    with pytest.raises(BundleError, match=r"incompatible config: .*units"):
        load_bundle(path)


def test_load_reports_a_bad_tokenizer_file(tmp_path, tiny_parts):
    config, _, _, _ = tiny_parts
    path = save_fake(tmp_path / "m", model=FakeModel(EMPTY_ZIP), config=config.to_dict())
    (path / "tokenizer.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BundleError, match=r"tokenizer.json in .*m is not valid JSON"):
        load_bundle(path)
