"""run_training_isolated: the pipeline in a child process, reported back as if run here."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import threading
import time
import types

import numpy as np
import pytest

from workbench.core import (
    Cancelled,
    Corpus,
    Predictor,
    TrainingListener,
    TrainingProcessError,
    VectorsError,
    load_bundle,
    run_training_isolated,
)

from .test_pipeline import CONFIG, make_corpus


class Recorder(TrainingListener):
    """Keeps the calls, in the calling thread; can set ``cancel`` after an epoch."""

    def __init__(self, cancel_after_epoch: int | None = None) -> None:
        self.calls: list[tuple] = []
        self.threads: set[int] = set()
        self.cancel = threading.Event()
        self.cancel_after_epoch = cancel_after_epoch

    def on_train_begin(self, epochs, steps_per_epoch):
        self.threads.add(threading.get_ident())
        self.calls.append(("begin", epochs, steps_per_epoch))

    def on_batch_end(self, epoch, batch, logs):
        self.calls.append(("batch", epoch, batch, logs["loss"]))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch", epoch, logs["val_loss"]))
        if epoch == self.cancel_after_epoch:
            self.cancel.set()

    def on_train_end(self, result):
        self.calls.append(("end", result.status, result.model))

    def names(self) -> list[str]:
        return [call[0] for call in self.calls]


@pytest.fixture(autouse=True)
def no_child_left():
    yield
    assert multiprocessing.active_children() == []


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """The child makes its temporary folders here (it reads TMPDIR when it starts)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def test_result_listener_and_progress_come_back_as_from_run_training(tmp_path):
    listener = Recorder()
    progress: list[tuple[float, str]] = []
    config = CONFIG.with_overrides(["wide_ngrams=1"])  # wide and deep: its parts too
    result = run_training_isolated(
        make_corpus(),
        config,
        vectors=None,
        listener=listener,
        progress=lambda f, m: progress.append((f, m)),
        out_dir=tmp_path / "models",
        name="news",
    )
    assert result.status == "completed"
    names = listener.names()
    assert names[0] == "begin"
    assert names[-1] == "end"
    assert names.count("epoch") == CONFIG.epochs
    assert listener.calls[-1][1:] == ("completed", None)  # the model itself stays in the child
    assert listener.threads == {threading.get_ident()}
    assert progress[0] == (0.0, "starting the training process")
    assert progress[-1][0] == 1.0
    assert [f for f, _ in progress] == sorted(f for f, _ in progress)
    # the saved bundle is loaded back: same predictions as loading it again
    assert result.bundle_path == tmp_path / "models" / "news"
    assert result.bundle.info.path == result.bundle_path
    assert result.train.model is result.bundle.model
    texts = ["bank shares profit", "match team goal", "phone software chip"]
    again = Predictor(load_bundle(result.bundle_path)).predict_proba(texts)
    np.testing.assert_allclose(Predictor(result.bundle).predict_proba(texts), again, atol=1e-6)
    assert result.evaluation is not None
    assert len(result.evaluation.correct) > 0
    assert result.to_dict()["epochs_run"] == CONFIG.epochs
    assert set(result.parts) == {"recurrent", "ngrams"}  # came back from the child
    assert result.bundle.metrics["parts"] == result.parts


def test_unsaved_run_hands_the_model_over_and_cleans_up(tmp_path, private_tmp):
    result = run_training_isolated(
        make_corpus(), CONFIG, vectors=None, out_dir=tmp_path / "models", save=False
    )
    assert result.bundle_path is None
    assert result.bundle is not None
    assert result.bundle.info.path is None
    assert result.bundle.model is not None
    assert not (tmp_path / "models").exists()
    assert list(private_tmp.glob("workbench-handover-*")) == []  # the hand-over folder is gone


def test_without_load_the_model_stays_on_disk(tmp_path):
    result = run_training_isolated(
        make_corpus(), CONFIG, vectors=None, out_dir=tmp_path, name="m", load=False
    )
    assert result.bundle is None
    assert result.train.model is None
    assert load_bundle(result.bundle_path).info.name == "m"


def test_cancel_during_training_keeps_and_saves_the_best_epoch(tmp_path):
    listener = Recorder(cancel_after_epoch=0)
    config = dataclasses.replace(CONFIG, epochs=50)
    result = run_training_isolated(
        make_corpus(),
        config,
        vectors=None,
        listener=listener,
        cancel=listener.cancel,
        out_dir=tmp_path,
    )
    assert result.status == "cancelled"
    assert 1 <= result.train.epochs_run < 50
    assert result.bundle_path is not None
    assert result.bundle.model is not None


def test_cancel_before_training_ends_the_child_at_once(tmp_path):
    cancel = threading.Event()
    cancel.set()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run_training_isolated(
            make_corpus(), CONFIG, vectors=None, cancel=cancel, out_dir=tmp_path / "models"
        )
    assert time.monotonic() - started < 10  # not a whole training run
    assert not (tmp_path / "models").exists()


def test_expected_errors_are_raised_here_with_their_message(tmp_path):
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(VectorsError, match=r"nowhere\.txt"):
        run_training_isolated(make_corpus(), CONFIG, vectors=str(missing), out_dir=tmp_path)


class _BrokenCorpus(Corpus):
    """A corpus that fails with an unexpected TypeError once training splits it."""

    def label_ids(self):
        raise TypeError("broken corpus")


def test_unexpected_child_error_carries_the_child_traceback(tmp_path):
    corpus = make_corpus()
    broken = _BrokenCorpus(**{f.name: getattr(corpus, f.name) for f in dataclasses.fields(corpus)})
    with pytest.raises(TrainingProcessError, match="TypeError") as caught:
        run_training_isolated(broken, CONFIG, vectors=None, out_dir=tmp_path)
    assert "split_corpus" in str(caught.value.__cause__)


def test_a_wrong_corpus_type_is_named_by_the_child(tmp_path):
    from workbench.core import ArgumentError

    with pytest.raises(ArgumentError, match="run_training: corpus must be a Corpus"):
        run_training_isolated(types.SimpleNamespace(), CONFIG, vectors=None, out_dir=tmp_path)


def test_a_child_that_dies_is_reported(tmp_path):
    class Killer(TrainingListener):
        def on_train_begin(self, epochs, steps_per_epoch):
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)

    with pytest.raises(TrainingProcessError, match="killed by signal 9"):
        run_training_isolated(
            make_corpus(), CONFIG, vectors=None, listener=Killer(), out_dir=tmp_path
        )
