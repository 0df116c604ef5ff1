"""run_training end to end (tiny corpus, tiny model) and evaluate_bundle."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from workbench.core import (
    BundleError,
    Cancelled,
    ConfigError,
    Corpus,
    CorpusError,
    Predictor,
    RunResult,
    TrainConfig,
    TrainingListener,
    TrainResult,
    evaluate_bundle,
    load_bundle,
    read_bundle_info,
    run_training,
)

TOPICS = {
    "business": "bank shares profit market economy firm sales growth investors trade",
    "sport": "match team goal coach season league cup players win final",
    "tech": "phone software chip internet computer users data network mobile web",
}
COMMON = ["the", "a", "of", "and", "in", "to", "on", "for"]
CONFIG = TrainConfig(
    units=4,
    bidirectional=False,  # traces much faster; the BiLSTM path is covered elsewhere
    maxlen=20,
    embedding_dim=8,
    max_words=200,
    epochs=2,
    batch_size=8,
    patience=0,
    dropout=0.0,
    learning_rate=0.01,
    wide_ngrams=0,  # the recurrent model alone (wide and deep: test_wide_model.py)
)


def make_corpus(per_class: int = 20, seed: int = 0, splits: bool = False) -> Corpus:
    """``per_class`` short documents per topic, built from topic and common words."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, words in TOPICS.items():
        vocab = words.split()
        for _ in range(per_class):
            picked = list(rng.choice(vocab, size=6)) + list(rng.choice(COMMON, size=3))
            rng.shuffle(picked)
            texts.append(" ".join(picked))
            labels.append(label)
    names = None
    if splits:
        names = [("test" if i % 5 == 0 else "train") for i in range(len(texts))]
    return Corpus.from_documents(
        texts, labels, source="synthetic/news", format="folder", splits=names
    )


class Recorder(TrainingListener):
    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.begun = False
        self.ended: TrainResult | None = None

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self.begun = True

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.epochs.append(epoch)

    def on_train_end(self, result: TrainResult) -> None:
        self.ended = result


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One small completed run, shared by the checks below."""
    out_dir = tmp_path_factory.mktemp("models")
    (out_dir / "news").mkdir()  # taken: the bundle must go to news-2
    events: list[tuple[float, str]] = []
    listener = Recorder()
    result = run_training(
        make_corpus(),
        CONFIG,
        vectors=None,
        listener=listener,
        progress=lambda f, m: events.append((f, m)),
        out_dir=out_dir,
        name="news",
    )
    return result, events, listener, out_dir


def test_run_training_end_to_end(trained):
    result, _, listener, out_dir = trained
    assert result.train.status == "completed"
    assert result.train.epochs_run == 2
    assert listener.begun
    assert listener.epochs == [0, 1]
    assert listener.ended is result.train
    assert result.bundle_path == out_dir / "news-2"
    assert result.coverage is None
    assert result.vectors_report is None
    ev = result.evaluation
    assert ev is not None
    assert 0.0 <= ev.accuracy <= 1.0
    support = sum(int(row["support"]) for row in ev.per_class.values())
    assert support == result.splits["sizes"]["test"] == 12
    assert result.provenance["corpus"]["sizes"]["test"] == support
    assert sum(result.provenance["corpus"]["sizes"].values()) == 60
    assert result.provenance["vectors"]["source"] is None
    assert result.provenance["vectors"]["dim"] == 8


def test_run_result_to_dict_is_json(trained):
    result = trained[0]
    data = json.loads(json.dumps(result.to_dict()))
    keys = "status message accuracy macro_f1 weighted_f1 per_class confusion class_names bundle"
    keys += " best_epoch epochs_run elapsed_s history splits coverage"
    assert set(keys.split()) <= set(data)
    assert data["bundle"] == str(result.bundle_path)
    assert data["class_names"] == list(TOPICS)
    assert data["accuracy"] == pytest.approx(result.evaluation.accuracy)
    assert len(data["history"]["loss"]) == 2


def test_progress_runs_through_the_stages_to_one(trained):
    events = trained[1]
    fractions = [f for f, _ in events]
    assert fractions[0] == 0.0
    assert fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert fractions == sorted(fractions)
    messages = " | ".join(m for _, m in events)
    for stage in ("splitting corpus", "building vocabulary", "training", "saving bundle"):
        assert stage in messages


def test_saved_bundle_matches_the_model_in_memory(trained):
    result = trained[0]
    saved = read_bundle_info(result.bundle_path)
    assert result.bundle.info == saved
    assert saved.name == "news-2"
    assert saved.accuracy == pytest.approx(result.evaluation.accuracy)
    assert saved.config == CONFIG.to_dict()
    stored = load_bundle(result.bundle_path).evaluation()
    assert stored is not None
    assert stored.accuracy == pytest.approx(result.evaluation.accuracy)
    assert stored.confusion == result.evaluation.confusion
    texts = ["bank shares profit", "team goal", "phone chip", ""]
    loaded = Predictor.from_path(result.bundle_path).predict_proba(texts)
    in_memory = Predictor(result.bundle).predict_proba(texts)
    np.testing.assert_allclose(loaded, in_memory, rtol=1e-5, atol=1e-7)


def test_evaluate_bundle_on_a_whole_corpus(trained):
    result = trained[0]
    corpus = make_corpus(per_class=5, seed=3)
    from_path = evaluate_bundle(result.bundle_path, corpus)
    from_memory = evaluate_bundle(result.bundle, corpus)
    assert sum(int(r["support"]) for r in from_path.per_class.values()) == 15
    assert from_path.accuracy == pytest.approx(from_memory.accuracy)
    predicted = Predictor(result.bundle).predict_proba(list(corpus.texts)).argmax(axis=1)
    expected = np.mean(predicted == corpus.label_ids())
    assert from_path.accuracy == pytest.approx(expected)


def test_evaluate_bundle_uses_a_predefined_test_split(trained):
    corpus = make_corpus(per_class=5, seed=4, splits=True)
    evaluation = evaluate_bundle(trained[0].bundle, corpus)
    assert sum(int(r["support"]) for r in evaluation.per_class.values()) == 3


def test_evaluate_bundle_names_unknown_labels(trained):
    corpus = Corpus.from_documents(
        ["bank profit", "vote election", "team goal"], ["business", "politics", "sport"]
    )
    with pytest.raises(BundleError, match="does not know: 'politics'"):
        evaluate_bundle(trained[0].bundle, corpus)


def test_vectors_file_and_a_failed_save(tmp_path):
    """Vectors from a tiny GloVe file; saving fails (out_dir under a file): reported, kept."""
    glove = tmp_path / "tiny.6d.txt"
    rng = np.random.default_rng(0)
    words = [*" ".join(TOPICS.values()).split()[:20], "the", "of"]
    lines = [w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=6)) for w in words]
    glove.write_text("\n".join(lines) + "\n", encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    config = TrainConfig(**{**CONFIG.to_dict(), "epochs": 1})
    result = run_training(make_corpus(per_class=8), config, vectors=glove, out_dir=blocker / "x")

    assert result.coverage is not None
    assert 0 < result.coverage.vocab_share < 1
    assert result.coverage.texts == f"training split ({result.splits['sizes']['train']} documents)"
    assert result.coverage.max_words == config.max_words
    assert result.vectors_report is not None
    assert result.vectors_report.dim == 6
    vectors = result.provenance["vectors"]
    assert vectors["dim"] == 6
    assert vectors["coverage"]["vocab_share"] == pytest.approx(result.coverage.vocab_share)
    assert vectors["coverage"]["texts"] == result.coverage.texts
    assert result.to_dict()["coverage"]["vocab_share"] == pytest.approx(
        vectors["coverage"]["vocab_share"]
    )

    assert result.bundle_path is None
    assert result.save_error is not None
    assert "cannot" in result.save_error
    assert result.to_dict()["save_error"] == result.save_error
    assert result.evaluation is not None
    assert result.bundle is not None
    assert result.bundle.info.summary().endswith("tiny.6d.txt 6d")
    assert result.bundle.model.get_layer("embedding").output_dim == 6


def run_stopped_in_second_epoch(corpus, config, out_dir, cancel):
    """``run_training`` with ``cancel`` set during the second epoch; returns the result and
    the progress messages."""
    messages = []

    class CancelInSecondEpoch(TrainingListener):
        def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
            if epoch == 1:
                cancel.set()

    result = run_training(
        corpus,
        config.with_overrides(["epochs=4"]),
        vectors=None,
        listener=CancelInSecondEpoch(),
        cancel=cancel,
        progress=lambda fraction, message: messages.append(message),
        out_dir=out_dir,
    )
    return result, messages


def test_cancel_during_training_saves_the_best_epoch(tmp_path, monkeypatch):
    """Stop keeps the best epoch, evaluates and saves it, and ends the run promptly: the
    linear baseline (minutes on a big corpus) is skipped, and the run says so."""
    from workbench.core.learning import baseline

    def no_fit(*args, **kwargs):
        raise AssertionError("the baseline was fitted after Stop")

    monkeypatch.setattr(baseline, "fit_softmax", no_fit)
    config = CONFIG
    result, messages = run_stopped_in_second_epoch(
        make_corpus(per_class=8), config, tmp_path, threading.Event()
    )
    assert result.train.status == "cancelled"
    assert result.train.epochs_run == 1
    assert config.baseline
    assert result.evaluation is not None
    assert result.baseline is None
    assert baseline.BASELINE_SKIPPED in messages
    assert result.bundle_path is not None
    assert result.bundle_path.parent == tmp_path
    loaded = load_bundle(result.bundle_path)
    assert len(loaded.history["loss"]) == 1
    assert "baseline" not in loaded.metrics
    texts = ["bank shares", "team goal"]
    np.testing.assert_allclose(
        Predictor(loaded).predict_proba(texts),
        Predictor(result.bundle).predict_proba(texts),
        rtol=1e-5,
        atol=1e-7,
    )


def test_cancel_before_training_raises_and_saves_nothing(tmp_path):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        run_training(
            make_corpus(per_class=8), CONFIG, vectors=None, cancel=cancel, out_dir=tmp_path
        )
    assert list(tmp_path.iterdir()) == []


def test_unsaved_run_keeps_the_bundle_in_memory_only(tmp_path):
    from workbench.core import Vectors, VectorsReport

    rng = np.random.default_rng(1)
    words = ["bank", "team", "phone", "the"]
    report = VectorsReport(source="memory", format="glove", dim=5, rows_read=4, rows_kept=4)
    vectors = Vectors(words, rng.normal(size=(4, 5)).astype(np.float32), report)
    config = TrainConfig(**{**CONFIG.to_dict(), "epochs": 1})
    result = run_training(
        make_corpus(per_class=8), config, vectors=vectors, out_dir=tmp_path, save=False
    )
    assert result.bundle_path is None
    assert result.bundle is not None
    assert result.bundle.info.path is None
    assert result.vectors_report is report
    assert result.provenance["vectors"]["dim"] == 5
    assert list(tmp_path.iterdir()) == []
    assert Predictor(result.bundle).predict_proba("bank").shape == (1, 3)


@pytest.mark.parametrize("score_each_best", [False, True])
def test_test_split_is_prepared_during_training(tmp_path, monkeypatch, score_each_best):
    """Compiled after epoch 1, or scored at each best epoch: then nothing is left after."""
    import workbench.core.runs.pipeline as pipeline

    real = pipeline.runner_for
    calls: list[tuple[str, int]] = []

    class Spy:
        def __init__(self, runner) -> None:
            self._runner = runner

        def warm_up(self, rows):
            calls.append(("warm_up", rows))
            self._runner.warm_up(rows)

        def __call__(self, ids):
            calls.append(("run", len(ids)))
            return self._runner(ids)

    monkeypatch.setattr(pipeline, "runner_for", lambda model, maxlen: Spy(real(model, maxlen)))
    config = TrainConfig(**{**CONFIG.to_dict(), "epochs": 4})
    result = run_training(
        make_corpus(), config, vectors=None, save=False, score_each_best=score_each_best
    )
    test_rows = result.splits["sizes"]["test"]
    losses = result.train.history["val_loss"]
    improvements = sum(losses[e] < min(losses[:e], default=np.inf) for e in range(len(losses)))
    if score_each_best:
        assert calls == [("run", test_rows)] * improvements  # nothing left after training
    else:
        assert calls == [("warm_up", test_rows), ("run", test_rows)]
    # the evaluation is that of the kept model, scored afresh
    from workbench.core import evaluate, split_corpus

    test = split_corpus(
        make_corpus(),
        val_fraction=config.val_fraction,
        test_fraction=config.test_fraction,
        seed=config.seed,
    ).test
    probs = Predictor(result.bundle).predict_proba(list(test.texts))
    names = list(result.bundle.info.class_names)
    expected = evaluate(np.array([names.index(y) for y in test.labels]), probs, names)
    assert result.evaluation.confusion == expected.confusion
    assert result.evaluation.accuracy == pytest.approx(expected.accuracy)


def test_bad_arguments_are_refused_before_training(tmp_path):
    corpus = make_corpus(per_class=8)
    with pytest.raises(ConfigError, match="vectors must be"):
        run_training(corpus, CONFIG, vectors=42, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="config must be a TrainConfig"):
        run_training(corpus, CONFIG.to_dict(), vectors=None, out_dir=tmp_path)
    one_class = Corpus.from_documents(["a b", "c d", "e f"], ["x", "x", "x"])
    with pytest.raises(CorpusError):
        run_training(one_class, CONFIG, vectors=None, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_failed_training_gives_a_result_without_bundle():
    failed = TrainResult(status="failed", message="loss became NaN")
    result = RunResult(failed, None, None, None, {}, None, None, {"class_names": ["a", "b"]})
    data = result.to_dict()
    assert data["status"] == "failed"
    assert data["message"] == "loss became NaN"
    assert data["accuracy"] is None
    assert data["bundle"] is None
    assert data["class_names"] == ["a", "b"]


@pytest.mark.slow
def test_bbc_with_bundled_glove(shared_data, tmp_path):
    """The real corpus and vectors: trains, saves, reloads, classifies above chance."""
    from workbench.core import load_corpus

    corpus, _ = load_corpus(shared_data / "bbc")
    config = TrainConfig(
        units=16,
        bidirectional=False,
        maxlen=120,
        epochs=2,
        batch_size=64,
        learning_rate=0.005,
        baseline=False,  # the baseline has tests of its own; here it would add ~20 s
    )
    result = run_training(corpus, config, vectors="bundled", out_dir=tmp_path)
    assert result.train.status == "completed"
    assert result.coverage is not None
    assert result.coverage.token_share > 0.9
    assert result.evaluation is not None
    assert result.evaluation.accuracy > 0.4  # chance is about 0.23
    info = read_bundle_info(result.bundle_path)
    wide = info.provenance["wide"]
    part = {  # validation's pick: one order, or both averaged
        (1,): "bag-of-words part",
        (2,): "bag-of-n-grams part (words and bigrams)",
        (2, 1): "bag-of-n-grams part (words and bigrams, averaged with words alone)",
    }[tuple(wide.get("ngrams_kept", [wide["ngrams"]]))]
    assert info.summary() == f"LSTM 16, max-pool, maxlen 120, + {part}, GloVe 50d"
    assert info.provenance["corpus"]["sizes"]["test"] == pytest.approx(445, abs=5)
    again = evaluate_bundle(result.bundle_path, corpus.subset(range(0, len(corpus), 10)))
    assert again.accuracy > 0.4
    (prediction,) = Predictor.from_path(result.bundle_path).classify(corpus.texts[0])
    assert prediction.label in corpus.class_names
    assert prediction.known_tokens > 0.9 * prediction.total_tokens
