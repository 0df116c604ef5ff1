"""Vectors page: load a small file, coverage, malformed lines, neighbours, none, errors."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.core import Corpus, VectorsSource
from workbench.gui.pages.vectors.page import VectorsPage
from workbench.gui.state import AppState
from workbench.gui.tasks import TaskRunner

WORDS = ["football", "goal", "match", "team", "computer", "software", "chip", "phone"]


def write_vectors(path, words=WORDS, dim=4, malformed_at=None):
    """A tiny GloVe text file; sport words point one way, tech words another."""
    rng = np.random.default_rng(0)
    lines = []
    for i, word in enumerate(words):
        base = np.array([1.0, 0.0, 0.0, 0.0] if i < 4 else [0.0, 1.0, 0.0, 0.0])
        vec = base + 0.1 * rng.standard_normal(dim)
        lines.append(word + " " + " ".join(f"{v:.4f}" for v in vec))
    if malformed_at is not None:
        lines.insert(malformed_at, "zzzunknown 0.1 oops")  # a corpus word, so it is parsed
    path.write_text("\n".join(lines) + "\n")
    return path


def tiny_corpus():
    texts = ("football goal match zzzunknown", "computer software chip phone", "team goal goal")
    return Corpus.from_documents(texts, ("sport", "tech", "sport"), source="tiny", format="csv")


@pytest.fixture
def page(qtbot):
    state = AppState()
    tasks = TaskRunner()
    page = VectorsPage(state, tasks)
    qtbot.addWidget(page)
    yield page
    tasks.cancel_all()
    tasks.wait_all()


def load(qtbot, page, source):
    with qtbot.waitSignal(page.state.vectors_changed, timeout=20_000):
        page.load_source(str(source))


def test_file_vectors_show_dimension_rows_and_coverage(qtbot, page, tmp_path):
    page.state.set_corpus(tiny_corpus(), None, None)
    path = write_vectors(tmp_path / "vec.txt", malformed_at=2)
    load(qtbot, page, path)
    state = page.state
    assert state.vectors_source == VectorsSource.file(path)
    assert state.vectors.dim == 4
    assert page.dim_label.text() == "4"
    assert "1 skipped" in page.malformed_label.text()
    assert "line 3" in page.malformed_label.text()
    cov = state.coverage
    assert cov.vocab_size == 9  # 8 known words + zzzunknown
    assert cov.vocab_covered == 8
    assert f"{cov.vocab_share:.1%}" in page.vocab_label.text()
    assert page.uncovered.rowCount() == 1
    assert page.uncovered.item(0, 0).text() == "zzzunknown"


def test_file_is_filtered_to_the_corpus_vocabulary(qtbot, page, tmp_path):
    page.state.set_corpus(
        Corpus.from_documents(("football goal", "computer chip"), ("a", "b"), source="t"),
        None,
        None,
    )
    load(qtbot, page, write_vectors(tmp_path / "vec.txt"))
    assert sorted(page.state.vectors.words) == ["chip", "computer", "football", "goal"]


def test_without_corpus_the_whole_file_loads_and_no_coverage(qtbot, page, tmp_path):
    load(qtbot, page, write_vectors(tmp_path / "vec.txt"))
    assert len(page.state.vectors) == len(WORDS)
    assert page.state.coverage is None
    assert page.vocab_label.text() == "–"


def test_nearest_neighbours_and_unknown_word(qtbot, page, tmp_path):
    load(qtbot, page, write_vectors(tmp_path / "vec.txt"))
    page.word_edit.setText("football")
    task = page.show_neighbours()
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    top3 = {page.neighbours.item(r, 0).text() for r in range(3)}
    assert top3 == {"goal", "match", "team"}
    assert page.neighbours.rowCount() == len(WORDS) - 1
    page.word_edit.setText("qwertyuiop")
    assert page.show_neighbours() is None
    assert "not in the vectors" in page.neighbours_note.text()
    assert page.neighbours.rowCount() == 0


def test_none_clears_vectors(qtbot, page, tmp_path):
    load(qtbot, page, write_vectors(tmp_path / "vec.txt"))
    with qtbot.waitSignal(page.state.vectors_changed, timeout=1000):
        assert page.load_source("none") is None
    assert page.state.vectors is None
    assert page.state.vectors_source.is_none
    assert "from scratch" in page.summary_label.text()


def test_unreadable_file_is_an_inline_error(qtbot, page, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a vectors file at all\nnor this\n")
    task = page.load_source(str(bad))
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert page.message_bar.kind() == "error"
    assert "bad.txt" in page.message_bar.text()
    assert page.state.vectors is None


def test_missing_file_is_an_inline_error(qtbot, page, tmp_path):
    task = page.load_source(str(tmp_path / "missing.txt"))
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert page.message_bar.kind() == "error"
    assert "missing.txt" in page.message_bar.text()


def test_coverage_recomputed_when_corpus_changes(qtbot, page, tmp_path):
    load(qtbot, page, write_vectors(tmp_path / "vec.txt"))
    # a file source is reloaded filtered to the new corpus' vocabulary
    with qtbot.waitSignal(page.state.vectors_changed, timeout=10_000):
        page.state.set_corpus(tiny_corpus(), None, None)
    assert page.state.coverage is not None
    assert page.state.coverage.vocab_size == 9


def test_bundled_coverage_recomputed_in_place(qtbot, page, monkeypatch):
    from workbench.core import Vectors, VectorsReport

    matrix = np.eye(4, dtype=np.float32)
    report = VectorsReport("bundled", "bundled", 4, 4, 4)
    vectors = Vectors(["football", "goal", "computer", "chip"], matrix, report)
    page.state.set_vectors("bundled", vectors, None)
    with qtbot.waitSignal(page.state.vectors_changed, timeout=10_000):
        page.state.set_corpus(tiny_corpus(), None, None)
    assert page.state.vectors is vectors  # not reloaded
    assert page.state.coverage.vocab_covered == 4


def test_empty_file_choice_asks_for_a_file(qtbot, page):
    page.source_combo.setCurrentIndex(page.source_combo.findData("file"))
    page.path_edit.setText("")
    assert page.load_chosen() is None
    assert page.message_bar.kind() == "error"


@pytest.mark.slow
def test_real_glove_file(qtbot, page, shared_data):
    path = shared_data / "glove" / "glove.6B.50d.top20k.txt"
    with qtbot.waitSignal(page.state.vectors_changed, timeout=60_000):
        page.load_source(str(path))
    assert page.state.vectors.dim == 50
    page.word_edit.setText("football")
    task = page.show_neighbours()
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert page.neighbours.rowCount() == 10


def test_coverage_is_the_same_on_the_page_and_in_inspect(qtbot, page, tmp_path):
    import json

    from tests.cli_helpers import run
    from workbench.core import load_corpus

    corpus_file = tmp_path / "tiny.csv"
    corpus_file.write_text(
        "text,label\n"
        '"football goal match zzzunknown",sport\n'
        '"computer software chip phone",tech\n'
        '"team goal goal qqqother",sport\n',
        encoding="utf-8",
    )
    corpus, report = load_corpus(corpus_file)
    page.state.set_corpus(corpus, report, None)
    path = write_vectors(tmp_path / "vec.txt")
    load(qtbot, page, path)
    cov = page.state.coverage
    assert cov.texts == "whole corpus (3 documents)"
    assert page.scope_label.text().startswith("whole corpus (3 documents); max_words ")
    code, out, err = run(["inspect", str(corpus_file), "--vectors", str(path), "--json"])
    assert code == 0, err
    assert json.loads(out)["coverage"] == json.loads(json.dumps(cov.to_dict()))
    code, out, err = run(["inspect", str(corpus_file), "--vectors", str(path)])
    assert code == 0, err
    assert f"coverage of the vocabulary: {page.vocab_label.text()}" in out
    assert f"coverage of the tokens: {page.tokens_label.text()}" in out


def test_a_zip_with_several_vectors_files_asks_which_one(qtbot, page, tmp_path, monkeypatch):
    import zipfile

    small = write_vectors(tmp_path / "small.txt", words=WORDS[:4])
    full = write_vectors(tmp_path / "full.txt")
    path = tmp_path / "glove.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(small, "a.txt")
        archive.write(full, "b.txt")
        archive.writestr("README.txt", "Two sets of vectors.\n")
    asked = []

    def pick(zip_path, members):
        asked.append((zip_path, members))
        return "b.txt"

    monkeypatch.setattr(page, "pick_zip_member", pick)
    load(qtbot, page, path)
    assert asked == [(path, ["a.txt", "b.txt"])]
    assert str(page.state.vectors_source) == f"{path}:b.txt"
    assert len(page.state.vectors.words) == len(WORDS)

    monkeypatch.setattr(page, "pick_zip_member", lambda zip_path, members: None)
    assert page.load_source(str(path)) is None
    assert "none chosen" in page.message_bar.text()
