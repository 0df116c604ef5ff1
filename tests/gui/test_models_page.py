"""Models page: listing, current model in bold, rename, delete, broken folders, loading."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QUrl

from workbench.core import copy_bundle, validate_bundle_name
from workbench.gui.pages.models.page import ModelsPage
from workbench.gui.state import AppState
from workbench.gui.tasks import TaskRunner


def fake_bundle(models_dir, name, accuracy=0.9, created=None, classes=("a", "b")):
    """A bundle folder readable without TensorFlow (the model file is a stub)."""
    folder = models_dir / name
    folder.mkdir(parents=True)
    info = {
        "format_version": 1,
        "name": name,
        "created": created or datetime.now(UTC).isoformat(),
        "class_names": list(classes),
        "config": {"rnn": "lstm", "units": 8, "bidirectional": True, "maxlen": 50},
        "history": {"loss": [1.0, 0.5]},
        "metrics": {"accuracy": accuracy, "macro_f1": accuracy - 0.1},
        "provenance": {"corpus": "tiny"},
        "versions": {"python": "3.11"},
    }
    (folder / "bundle.json").write_text(json.dumps(info))
    (folder / "model.keras").write_bytes(b"not really a model")
    (folder / "tokenizer.json").write_text("{}")
    return folder


@pytest.fixture
def models_dir(tmp_path):
    path = tmp_path / "models"
    path.mkdir()
    return path


@pytest.fixture
def page(qtbot, models_dir):
    state = AppState(models_dir=models_dir)
    tasks = TaskRunner()
    page = ModelsPage(state, tasks)
    qtbot.addWidget(page)
    yield page
    tasks.cancel_all()
    tasks.wait_all()


def names(page):
    return [page.table.item(r, 0).text() for r in range(page.table.rowCount())]


def test_lists_bundles_newest_first_with_details(page, models_dir):
    fake_bundle(models_dir, "old", accuracy=0.5, created="2024-01-01T10:00:00+00:00")
    fake_bundle(models_dir, "new", accuracy=0.875, created="2025-06-01T10:00:00+00:00")
    page.refresh()
    assert names(page) == ["new", "old"]
    assert page.table.item(0, 3).text() == "87.5%"
    assert page.table.item(0, 2).text() == "a, b"
    assert "BiLSTM 8" in page.table.item(0, 5).text()
    assert page.table.item(0, 1).text().startswith("2025-06-01")


def test_broken_folder_is_reported_not_listed(page, models_dir):
    fake_bundle(models_dir, "good")
    (models_dir / "broken").mkdir()
    (models_dir / "broken" / "bundle.json").write_text("{ not json")
    page.refresh()
    assert names(page) == ["good"]
    assert page.message_bar.kind() == "warning"
    assert "broken" in page.message_bar.text()


def test_missing_models_folder_lists_nothing(qtbot, tmp_path):
    page = ModelsPage(AppState(models_dir=tmp_path / "absent"), TaskRunner())
    qtbot.addWidget(page)
    assert page.table.rowCount() == 0
    assert not page.load_button.isEnabled()


def test_rename_changes_folder_and_json(page, models_dir, monkeypatch):
    fake_bundle(models_dir, "first")
    page.refresh()
    page.select_name("first")
    monkeypatch.setattr(page, "ask_new_name", lambda current: "better name")
    target = page.rename_selected()
    assert target == models_dir / "better name"
    assert not (models_dir / "first").exists()
    assert json.loads((target / "bundle.json").read_text())["name"] == "better name"
    assert names(page) == ["better name"]
    assert not list(models_dir.glob(".*"))  # no temp files left


@pytest.mark.parametrize("bad", ["", "a/b", "..", ".hidden", "x" * 101])
def test_rename_rejects_bad_names_inline(page, models_dir, bad):
    fake_bundle(models_dir, "first")
    page.refresh()
    page.select_name("first")
    assert page.rename_selected(bad) is None
    assert page.message_bar.kind() == "error"
    assert (models_dir / "first").is_dir()


def test_rename_onto_existing_name_is_refused(page, models_dir):
    fake_bundle(models_dir, "one")
    fake_bundle(models_dir, "two")
    page.refresh()
    page.select_name("one")
    assert page.rename_selected("two") is None
    assert "already exists" in page.message_bar.text()


def test_rename_cancelled_does_nothing(page, models_dir, monkeypatch):
    fake_bundle(models_dir, "first")
    page.refresh()
    page.select_name("first")
    monkeypatch.setattr(page, "ask_new_name", lambda current: None)
    assert page.rename_selected() is None
    assert names(page) == ["first"]


def test_delete_asks_and_removes(page, models_dir, monkeypatch):
    fake_bundle(models_dir, "doomed")
    fake_bundle(models_dir, "kept")
    page.refresh()
    page.select_name("doomed")
    asked = []
    monkeypatch.setattr(page, "confirm_delete", lambda name: asked.append(name) or False)
    assert not page.delete_selected()
    assert (models_dir / "doomed").is_dir()
    monkeypatch.setattr(page, "confirm_delete", lambda name: asked.append(name) or True)
    assert page.delete_selected()
    assert asked == ["doomed", "doomed"]
    assert not (models_dir / "doomed").exists()
    assert names(page) == ["kept"]


def test_open_folder_uses_desktop_url(page, models_dir, monkeypatch):
    folder = fake_bundle(models_dir, "m")
    page.refresh()
    page.select_name("m")
    opened = []
    monkeypatch.setattr(page, "open_url", lambda url: opened.append(url) or True)
    page.open_selected_folder()
    assert opened == [QUrl.fromLocalFile(str(folder))]


def test_bundles_changed_signal_refreshes(page, models_dir):
    assert names(page) == []
    fake_bundle(models_dir, "later")
    page.state.notify_bundles_changed()
    assert names(page) == ["later"]


def test_loading_a_broken_model_is_an_inline_error(qtbot, page, models_dir):
    fake_bundle(models_dir, "stub")
    page.refresh()
    page.select_name("stub")
    task = page.load_selected()
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass
    assert page.message_bar.kind() == "error"
    assert "stub" in page.message_bar.text()
    assert page.state.bundle is None


def test_copy_bundle_and_name_validation(models_dir, tmp_path):
    source = fake_bundle(models_dir, "src")
    copy = copy_bundle(source, tmp_path / "elsewhere" / "copy1")
    assert json.loads((copy / "bundle.json").read_text())["name"] == "copy1"
    assert (copy / "model.keras").read_bytes() == b"not really a model"
    from workbench.core import BundleError

    with pytest.raises(BundleError, match="already exists"):
        copy_bundle(source, copy)
    with pytest.raises(BundleError, match="empty"):
        validate_bundle_name("  ")


@pytest.fixture(scope="module")
def trained_bundle(tmp_path_factory):
    """One tiny real bundle (TensorFlow) shared by the tests that load it."""
    from tests.gui.tiny_model import train_tiny

    root = tmp_path_factory.mktemp("tiny")
    _, result = train_tiny(root)
    return result.bundle_path


def test_load_real_bundle_becomes_current_and_bold(qtbot, page, models_dir, trained_bundle):
    folder = copy_bundle(trained_bundle, models_dir / "real")
    page.refresh()
    page.select_name("real")
    with qtbot.waitSignal(page.state.bundle_changed, timeout=60_000):
        page.load_selected()
    assert page.state.bundle.info.path == folder
    assert page.current_row() == 0
    assert page.table.item(0, 0).font().bold()
    # renaming the current model keeps it current under its new path
    page.rename_selected("renamed")
    assert page.state.bundle.info.name == "renamed"
    assert page.table.item(0, 0).font().bold()


def test_provenance_is_shown_as_readable_lines():
    from workbench.gui.pages.models.page import provenance_lines

    lines = provenance_lines(
        {
            "corpus": {
                "source": "/data/bbc",
                "format": "folder",
                "documents": 10,
                "sizes": {"train": 7, "valid": 1, "test": 2},
                "class_counts": {"a": 6, "b": 4},
                "duplicates": {"valid": 0, "test": 1},
            },
            "vectors": {
                "source": "bundled",
                "dim": 50,
                "coverage": {"vocab_share": 0.5, "token_share": 0.75},
            },
            "class_names": ["a", "b"],
            "note": "x",
        }
    )
    assert lines == [
        "Corpus: /data/bbc (folder, 10 documents; train 7, valid 1, test 2)",
        "Classes: a 6, b 4",
        "Texts also in the training split: valid 0, test 1",
        "Vectors: bundled, 50d; coverage 50.0% of the vocabulary, 75.0% of tokens",
        "note: x",
    ]


def test_provenance_says_which_texts_coverage_counted():
    from workbench.gui.pages.models.page import provenance_lines

    cover = {"vocab_share": 0.5, "token_share": 0.75, "texts": "training split (7 documents)"}
    lines = provenance_lines({"vectors": {"source": "bundled", "dim": 50, "coverage": cover}})
    assert lines == [
        "Vectors: bundled, 50d; coverage 50.0% of the vocabulary, 75.0% of tokens, "
        "counted on the training split (7 documents)"
    ]


def test_a_stopped_model_is_marked_in_the_list_and_details(page, models_dir):
    folder = fake_bundle(models_dir, "halfway", accuracy=0.5)
    data = json.loads((folder / "bundle.json").read_text())
    note = "stopped after 1 of 15 epochs; best epoch 1 saved, 50.0 % on the test split"
    data["status"] = {"state": "stopped", "note": note}
    (folder / "bundle.json").write_text(json.dumps(data))
    fake_bundle(models_dir, "whole", accuracy=0.9, created="2020-01-01T00:00:00+00:00")
    page.refresh()
    assert names(page) == ["halfway", "whole"]
    assert page.table.item(0, 3).text() == "50.0% (stopped)"
    assert page.table.item(1, 3).text() == "90.0%"
    assert note in page.table.item(0, 0).toolTip()
    page.table.selectRow(0)
    assert f"Status: {note}" in page.details.toPlainText()
    page.table.selectRow(1)
    assert "Status:" not in page.details.toPlainText()
