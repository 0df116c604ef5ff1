"""Batch classification in core: folder / CSV inputs, chunks, progress, cancel, one CSV."""

from __future__ import annotations

import csv
import io
import threading

import pytest

from tests.core.test_predict import CLASSES, bundle  # noqa: F401 - the module's fixture
from workbench.core import (
    Cancelled,
    CorpusError,
    Predictor,
    classify_batch,
    read_csv_batch,
    read_folder_batch,
)


@pytest.fixture(scope="module")
def predictor(bundle):  # noqa: F811 - the imported fixture
    return Predictor(bundle)


def test_folder_input_has_a_source_column(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("the team won", encoding="utf-8")
    (tmp_path / "sub" / "a.txt").write_text("bank profits", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01binary\x00" * 30)
    (tmp_path / "skip.md").write_text("not a text file", encoding="utf-8")
    batch = read_folder_batch(tmp_path)
    assert batch.columns == ("source",)
    assert [item.source for item in batch.items] == ["b.txt", "sub/a.txt"]
    assert [item.cells for item in batch.items] == [("b.txt",), ("sub/a.txt",)]
    assert batch.skipped == ("bad.txt: binary file",)
    assert not batch.has_labels


def test_csv_input_keeps_columns_and_guesses_the_label(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text('id,title,body,Category\n1,Cup,"team, won",sport\n2,Bank\n', encoding="utf-8")
    batch = read_csv_batch(path, ["title", "body"])
    assert batch.columns == ("id", "title", "body", "Category")
    assert batch.text_columns == ("title", "body")
    assert batch.label_column == "Category"
    first, second = batch.items
    assert first.text == "Cup\nteam, won"
    assert first.label == "sport"
    assert first.source == "line 2"
    assert second.cells == ("2", "Bank", "", "")
    assert second.label == ""
    assert read_csv_batch(path, ["body"], guess_label=False).label_column is None
    assert read_csv_batch(path, ["Category"]).label_column is None  # the text is not a label
    with pytest.raises(CorpusError, match="column 'nope' not found"):
        read_csv_batch(path, ["body"], label_column="nope")


def test_classify_batch_chunks_progress_and_one_csv(tmp_path, predictor):
    path = tmp_path / "in.csv"
    texts = ["shares in the bank rose", "the team won the cup", "a faster chip"] * 3
    path.write_text("text,label\n" + "".join(f"{t},sport\n" for t in texts), encoding="utf-8")
    batch = read_csv_batch(path)
    seen: list[tuple[float, str]] = []
    result = classify_batch(predictor, batch, progress=lambda f, m: seen.append((f, m)), chunk=4)
    assert [f for f, _ in seen] == [0.0, 4 / 9, 8 / 9, 1.0]
    assert seen[1][1] == "Classifying 4/9"
    expected = predictor.classify(texts)
    assert [row.label for row in result.rows] == [p.label for p in expected]
    sport = sum(p.label == "sport" for p in expected) / len(expected)
    assert result.accuracy() == pytest.approx(sport)
    buffer = io.StringIO()
    result.write_csv(buffer)
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[0] == ["text", "label", "predicted_label", "confidence"] + [
        f"prob_{name}" for name in CLASSES
    ]
    assert len(rows) == 10
    assert rows[1][:3] == [texts[0], "sport", expected[0].label]
    assert float(rows[1][3]) == pytest.approx(expected[0].confidence, abs=1e-6)
    written = result.write_csv(tmp_path / "out.csv")
    assert written.read_text(encoding="utf-8").splitlines() == buffer.getvalue().splitlines()


def test_classify_batch_honours_cancel(tmp_path, predictor):
    (tmp_path / "a.txt").write_text("bank", encoding="utf-8")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        classify_batch(predictor, read_folder_batch(tmp_path), cancel=cancel)


def test_unwritable_csv_is_one_error(tmp_path, predictor):
    (tmp_path / "a.txt").write_text("bank", encoding="utf-8")
    result = classify_batch(predictor, read_folder_batch(tmp_path))
    from workbench.core import WorkbenchError

    with pytest.raises(WorkbenchError, match="cannot write"):
        result.write_csv(tmp_path / "missing" / "out.csv")
