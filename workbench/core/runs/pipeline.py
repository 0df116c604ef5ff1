"""The training pipeline: corpus + config -> trained, evaluated, saved bundle.

:func:`run_training` chains split -> tokeniser -> word vectors -> embedding matrix ->
:func:`~workbench.core.learning.training.train` -> test evaluation -> :func:`save_bundle`.
:func:`evaluate_bundle` scores a saved bundle on another corpus.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.arguments import check_instance
from workbench.core.bundles.bundle import (
    Bundle,
    build_info_dict,
    info_from_dict,
    load_bundle,
    read_bundle_info,
    run_status,
    save_bundle,
    unique_bundle_path,
)
from workbench.core.bundles.predict import Predictor, runner_for
from workbench.core.corpora.corpus import Corpus
from workbench.core.corpora.split import split_corpus
from workbench.core.errors import BundleError, Cancelled, ConfigError, CorpusError
from workbench.core.learning.architectures.building import check_memory
from workbench.core.learning.baseline import BASELINE_SKIPPED, BaselineResult, train_baseline
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.evaluation import Evaluation, evaluate
from workbench.core.learning.training import TrainingListener, TrainResult, train
from workbench.core.learning.wide import choose_wide, fit_wide
from workbench.core.progress import (
    CancelToken,
    ProgressCallback,
    Throttle,
    check_cancelled,
    sub_range,
)
from workbench.core.runs.provenance import default_stem, run_provenance
from workbench.core.text.tokenizer import Tokenizer
from workbench.core.text.vectors.choice import VectorsSource
from workbench.core.text.vectors.loading import (
    Coverage,
    Vectors,
    VectorsReport,
    coverage,
    describe_texts,
    embedding_matrix,
)

# Share of the progress bar given to each stage (training takes the largest part).
_PREP_END = 0.3  # splitting, vocabulary, vectors, embedding, encoding
_TRAIN_END = 0.9  # epochs
_EVAL_END = 0.95  # test evaluation; saving takes the rest
_WIDE_REFIT = "refitting the bag-of-n-grams part on training + validation"
_WIDE_STOPPED = "stopped: mixing in the bag-of-n-grams part (fitted on the training split)"


@dataclass
class RunResult:
    """Everything one training run produced."""

    train: TrainResult
    evaluation: Evaluation | None
    bundle_path: Path | None
    bundle: Bundle | None
    splits: dict
    coverage: Coverage | None
    vectors_report: VectorsReport | None
    provenance: dict = field(default_factory=dict)
    elapsed_s: float = 0.0
    save_error: str | None = None  # why saving failed (the model is still in ``bundle``)
    run_id: int | None = None  # the run's id in the run store, when it was recorded
    baseline: BaselineResult | None = None  # the linear baseline on the same splits
    parts: dict | None = None  # wide and deep: each part's own test figures (part_figures)

    @property
    def status(self) -> str:
        return self.train.status

    def to_dict(self) -> dict:
        """JSON-serialisable summary (the CLI prints it with ``--json``)."""
        ev = self.evaluation
        return {
            "status": self.train.status,
            "message": self.train.message,
            "accuracy": ev.accuracy if ev else None,
            "macro_f1": ev.macro_f1 if ev else None,
            "weighted_f1": ev.weighted_f1 if ev else None,
            "per_class": ev.per_class if ev else None,
            "confusion": ev.confusion if ev else None,
            "class_names": list(ev.class_names) if ev else self.provenance.get("class_names"),
            "bundle": None if self.bundle_path is None else str(self.bundle_path),
            "best_epoch": self.train.best_epoch,
            "averaged": self.train.averaged.to_dict() if self.train.averaged else None,
            "epochs_run": self.train.epochs_run,
            "elapsed_s": float(self.elapsed_s or self.train.elapsed_s),
            "history": {k: [float(v) for v in vs] for k, vs in self.train.history.items()},
            "splits": self.splits,
            "coverage": self.coverage.to_dict() if self.coverage else None,
            "vectors": self.vectors_report.to_dict() if self.vectors_report else None,
            "save_error": self.save_error,
            "baseline": self.baseline.to_dict() if self.baseline else None,
            "parts": self.parts,
        }


class _Progress:
    """Stage messages go straight to the callback; fine-grained ones are throttled.

    Fractions never go backwards, so a progress bar only moves forward.
    """

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._throttled = Throttle(callback)
        self._last = 0.0

    def _clamp(self, fraction: float) -> float:
        self._last = max(self._last, min(max(float(fraction), 0.0), 1.0))
        return self._last

    def __call__(self, fraction: float, message: str) -> None:
        if self._callback is not None:
            self._callback(self._clamp(fraction), message)

    def fine(self, fraction: float, message: str) -> None:
        self._throttled(self._clamp(fraction), message)


class _ProgressListener(TrainingListener):
    """Forwards to the caller's listener and maps epochs/batches onto the progress bar."""

    def __init__(self, inner: TrainingListener | None, progress: _Progress) -> None:
        self._inner = inner
        self._progress = progress
        self._batches = sub_range(progress.fine, _PREP_END, _TRAIN_END)
        self._epochs_done = sub_range(progress, _PREP_END, _TRAIN_END)
        self._epochs = 1

    def on_train_begin(self, epochs: int, steps_per_epoch: int) -> None:
        self._epochs = max(int(epochs), 1)
        self._progress(_PREP_END, "training")
        if self._inner is not None:
            self._inner.on_train_begin(epochs, steps_per_epoch)

    def on_batch_end(self, epoch: int, batch: int, logs: dict[str, float]) -> None:
        fraction = float(logs.get("fraction", 0.0))  # of all batches, sent by train()
        self._batches(fraction, f"training: epoch {epoch + 1}/{self._epochs}")
        if self._inner is not None:
            self._inner.on_batch_end(epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        done = f"epoch {epoch + 1}/{self._epochs} done"
        self._epochs_done((epoch + 1) / self._epochs, done)
        if self._inner is not None:
            self._inner.on_epoch_end(epoch, logs)

    def on_train_end(self, result: TrainResult) -> None:
        if self._inner is not None:
            self._inner.on_train_end(result)


class _Scorer:
    """``on_best_epoch`` hook: the kept model's probabilities on the test split (and, for
    the wide part's choice, the validation split), computed during training.

    Compiling the prediction graph after the first epoch (~0.4 s) and, with
    ``every_best``, scoring each new best epoch take that work off the path from
    Stop (or the last epoch) to the saved model.
    """

    def __init__(self, splits: dict[str, np.ndarray], maxlen: int, *, every_best: bool) -> None:
        self._splits = {name: x for name, x in splits.items() if len(x)}
        self._maxlen = maxlen
        self._every_best = every_best
        self._scored: tuple[int, dict[str, np.ndarray]] | None = None
        self._warm = False

    def __call__(self, epoch: int, model: Any) -> None:
        runner = runner_for(model, self._maxlen)
        if self._every_best:
            self._scored = (epoch, {name: runner(x) for name, x in self._splits.items()})
        elif not self._warm:
            for x in self._splits.values():
                runner.warm_up(len(x))
        self._warm = True

    def probabilities(self, split: str, best_epoch: int | None, model: Any) -> np.ndarray:
        """``split``'s probabilities under the kept model (computed now unless scored already)."""
        if self._scored is not None and self._scored[0] == best_epoch:
            return self._scored[1][split]
        return runner_for(model, self._maxlen)(self._splits[split])


def _label_ids(labels: Sequence[str], class_names: Sequence[str], where: str) -> np.ndarray:
    index = {name: i for i, name in enumerate(class_names)}
    unknown = sorted({label for label in labels if label not in index})
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:10])
        raise CorpusError(f"{where}: labels not among the classes {list(class_names)}: {shown}")
    return np.array([index[label] for label in labels], dtype=np.int32)


def _resolve_vectors(
    vectors: Any, tokenizer: Tokenizer, progress: _Progress, cancel: CancelToken | None
) -> Vectors | None:
    if isinstance(vectors, Vectors):
        return vectors
    if vectors is not None and not isinstance(vectors, str | Path | VectorsSource):
        raise ConfigError(
            f"vectors must be 'bundled', a path, a Vectors object or None, got {vectors!r}"
        )
    source = VectorsSource.parse(vectors)
    if source.is_none:
        return None

    scaled = sub_range(progress.fine, 0.1, 0.25)

    def sub_progress(fraction: float, message: str) -> None:
        scaled(fraction, message or "loading vectors")

    return source.load(vocabulary=list(tokenizer.word_index), progress=sub_progress, cancel=cancel)


def run_training(
    corpus: Corpus,
    config: TrainConfig,
    *,
    vectors: Any = "bundled",
    listener: TrainingListener | None = None,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    out_dir: str | Path | None = None,
    name: str | None = None,
    save: bool = True,
    score_each_best: bool = False,
) -> RunResult:
    """Train a classifier on ``corpus`` and (when ``save``) write it as a bundle.

    ``vectors``: a :class:`VectorsSource`, ``"bundled"`` (GloVe 6B 50d), a vectors file
    path, a ``Vectors`` object, or ``None``/``"none"`` for a random embedding of
    ``config.embedding_dim``. Files are loaded filtered to the training vocabulary.
    Cancelling during preparation (which includes fitting the bag-of-n-grams part of
    wide and deep) raises ``Cancelled``; cancelling during training ends it and keeps
    (and saves) the best epoch so far, if any, with the bag-of-n-grams part mixed in
    (not refitted on training + validation); the linear baseline is then skipped.
    The bundle goes to ``out_dir`` (default models folder) as ``name`` (made unique).
    ``score_each_best`` scores the test split at every new best epoch while training
    (~0.5 s each for the default model on BBC), so a Stop leaves only the saving to
    do; otherwise the prediction graph is only compiled after the first epoch.
    """
    from workbench.core.paths import default_models_dir

    start = time.perf_counter()
    check_instance(corpus, Corpus, "corpus", function="run_training")
    if not isinstance(config, TrainConfig):
        raise ConfigError(f"config must be a TrainConfig, got {type(config).__name__}")
    report = _Progress(progress)
    report(0.0, "splitting corpus")
    splits = split_corpus(
        corpus,
        val_fraction=config.val_fraction,
        test_fraction=config.test_fraction,
        seed=config.seed,
    )
    check_cancelled(cancel)
    class_names = list(corpus.class_names)

    report(0.05, "building vocabulary")
    tokenizer = Tokenizer(
        max_words=config.max_words,
        min_count=config.min_count,
        maxlen=config.maxlen,
        padding=config.padding,
        truncating=config.truncating,
    ).fit(splits.train.texts)
    check_cancelled(cancel)

    report(0.1, "loading vectors")
    vecs = _resolve_vectors(vectors, tokenizer, report, cancel)
    check_cancelled(cancel)
    report(0.25, "building embedding matrix")
    train_texts = describe_texts("training split", len(splits.train))
    cover = coverage(tokenizer, vecs, texts=train_texts) if vecs is not None else None
    matrix = embedding_matrix(tokenizer, vecs, dim=config.embedding_dim, seed=config.seed)
    dim = int(matrix.shape[1])
    check_memory(config, vocab_size=tokenizer.vocab_size, num_classes=len(class_names), dim=dim)

    report(0.28, "encoding texts")
    x_train = tokenizer.encode(splits.train.texts, maxlen=config.maxlen)
    y_train = _label_ids(splits.train.labels, class_names, "train split")
    x_val = tokenizer.encode(splits.valid.texts, maxlen=config.maxlen)
    y_val = _label_ids(splits.valid.labels, class_names, "valid split")
    x_test = tokenizer.encode(splits.test.texts, maxlen=config.maxlen)
    y_test = _label_ids(splits.test.labels, class_names, "test split")
    check_cancelled(cancel)
    wide_fits = None
    if config.wide_ngrams:  # independent of the recurrent part: fitted before the epochs
        wide_fits = fit_wide(
            (x_train, y_train, x_val, y_val),
            config,
            vocab_size=tokenizer.vocab_size,
            num_classes=len(class_names),
            cancel=cancel,
            progress=lambda message: report(_PREP_END, message),
        )
    scored = {"test": x_test, "val": x_val if wide_fits is not None else x_val[:0]}
    scorer = _Scorer(scored, config.maxlen, every_best=score_each_best)

    result = train(
        x_train,
        y_train,
        x_val,
        y_val,
        config,
        vocab_size=tokenizer.vocab_size,
        num_classes=len(class_names),
        embedding_matrix=matrix,
        listener=_ProgressListener(listener, report),
        cancel=cancel,
        on_best_epoch=scorer if len(x_test) or wide_fits is not None else None,
    )
    provenance = run_provenance(corpus, splits, vecs, cover, dim)
    provenance["class_names"] = class_names
    provenance["devices"] = dict(result.devices)
    if result.averaged is not None:
        provenance["averaged_epochs"] = result.averaged.to_dict()
    kept = None if result.averaged else result.best_epoch  # averaged: not scored yet
    deep_model, wide = result.model, None
    if wide_fits is not None and deep_model is not None and result.epochs_run:
        # after a Stop only the choice is left (no refit), so the model keeps its wide part
        stopped = result.status == "cancelled"
        report(_TRAIN_END, _WIDE_STOPPED if stopped else _WIDE_REFIT)
        deep_val = scorer.probabilities("val", kept, deep_model) if len(x_val) else None
        wide = choose_wide(wide_fits, deep_val, refit=not stopped, cancel=cancel)
        provenance["wide"] = wide.info.to_dict()
        result.model = wide.fused_model(deep_model)
    run = RunResult(
        train=result,
        evaluation=None,
        bundle_path=None,
        bundle=None,
        splits=splits.to_dict(),
        coverage=cover,
        vectors_report=vecs.report if vecs is not None else None,
        provenance=provenance,
    )
    if result.model is None or result.epochs_run == 0:
        run.elapsed_s = time.perf_counter() - start
        report(1.0, f"training {result.status}: {result.message}")
        return run

    if len(splits.test):
        report(_TRAIN_END, "evaluating on the test split")
        probs = scorer.probabilities("test", kept, deep_model)
        if wide is not None:  # what the fused model predicts, without its graph
            deep_probs, (probs, wide_probs) = probs, wide.mix_with_part(probs, x_test)
            run.parts = part_figures(y_test, class_names, deep=deep_probs, ngrams=wide_probs)
        run.evaluation = evaluate(y_test, probs, class_names, texts=list(splits.test.texts))
        if config.baseline:
            labels = (y_train, y_val, y_test)
            run.baseline = _run_baseline(splits, labels, class_names, report, cancel)
    metrics = _stored_metrics(run.evaluation, run.baseline, run.parts)

    status = run_status(
        result.status,
        epochs_run=result.epochs_run,
        epochs=config.epochs,
        best_epoch=result.best_epoch,
        accuracy=run.evaluation.accuracy if run.evaluation else None,
        reason=result.message,
        averaged=result.averaged,
        part=wide.info.part_name() if wide is not None else "",
    )
    info = build_info_dict(
        name=name or "unsaved model",
        class_names=class_names,
        config=config,
        history=result.history,
        metrics=metrics,
        provenance=provenance,
        status=status,
    )
    bundle_info = info_from_dict(info, None)
    if save:
        report(_EVAL_END, "saving bundle")
        models_dir = Path(out_dir) if out_dir is not None else default_models_dir()
        target = unique_bundle_path(models_dir, name or default_stem(corpus, config, dim))
        try:
            run.bundle_path = save_bundle(
                target,
                model=result.model,
                tokenizer=tokenizer,
                class_names=class_names,
                config=config,
                history=result.history,
                metrics=metrics,
                provenance=provenance,
                replace=False,  # another run may take the same name meanwhile
                status=status,
            )
            bundle_info = read_bundle_info(run.bundle_path)
        except BundleError as exc:
            run.save_error = str(exc)
    run.bundle = Bundle(
        info=bundle_info,
        model=result.model,
        tokenizer=tokenizer,
        config=config,
        history=info["history"],
        metrics=info["metrics"],
    )
    run.elapsed_s = time.perf_counter() - start
    report(1.0, f"done: {result.message}")
    return run


def _run_baseline(
    splits: Any,
    labels: tuple[np.ndarray, ...],
    class_names: list[str],
    report: _Progress,
    cancel: CancelToken | None,
) -> BaselineResult | None:
    """The linear baseline on the run's splits (None when it cannot be fitted, or when
    the run was stopped: Stop ends the run promptly, and on a big corpus the baseline
    takes minutes)."""
    y_train, y_val, y_test = labels
    try:
        return train_baseline(
            splits.train.texts,
            y_train,
            splits.test.texts,
            y_test,
            len(class_names),
            val_texts=splits.valid.texts,
            y_val=y_val,
            progress=lambda message: report(_TRAIN_END, message),
            cancel=cancel,
        )
    except Cancelled:
        report(_TRAIN_END, BASELINE_SKIPPED)
        return None
    except (ConfigError, MemoryError):
        return None


def _stored_metrics(
    evaluation: Evaluation | None, baseline: BaselineResult | None, parts: dict | None
) -> Any:
    """The test metrics to store in the bundle, with the baseline's figures and each
    part's (wide and deep) beside them."""
    extra: dict[str, Any] = {}
    if baseline is not None:
        extra["baseline"] = baseline.to_dict()
    if parts:
        extra["parts"] = parts
    if evaluation is None or not extra:
        return evaluation
    return {**evaluation.to_dict(), **extra}


def part_figures(
    y: np.ndarray, class_names: list[str], *, deep: np.ndarray, ngrams: np.ndarray
) -> dict[str, dict[str, float]]:
    """Test accuracy and macro F1 of each part of a wide-and-deep model alone:
    ``{"recurrent": {...}, "ngrams": {...}}`` (what the mix adds over either part)."""
    figures = {}
    for part, probs in (("recurrent", deep), ("ngrams", ngrams)):
        scored = evaluate(y, probs, class_names)
        figures[part] = {"accuracy": scored.accuracy, "macro_f1": scored.macro_f1}
    return figures


def evaluate_bundle(
    bundle_or_path: Bundle | str | Path,
    corpus: Corpus,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Evaluation:
    """Evaluate a bundle on ``corpus`` (its predefined test split when it has one).

    Labels the bundle does not know raise :class:`BundleError` naming them.
    """
    check_instance(corpus, Corpus, "corpus", function="evaluate_bundle")
    bundle = bundle_or_path if isinstance(bundle_or_path, Bundle) else load_bundle(bundle_or_path)
    if corpus.splits is not None and "test" in corpus.splits:
        indices = [i for i, split in enumerate(corpus.splits) if split == "test"]
        corpus = corpus.subset(indices)
    if len(corpus) == 0:
        raise CorpusError(f"{corpus.source}: no documents to evaluate on")
    known = set(bundle.info.class_names)
    unknown = sorted(set(corpus.labels) - known)
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:10])
        raise BundleError(
            f"corpus {corpus.source} has labels that bundle {bundle.info.name} does not know: "
            f"{shown} (it knows {', '.join(bundle.info.class_names)})"
        )
    check_cancelled(cancel)
    report = _Progress(progress)
    predictor = Predictor(bundle)
    texts = list(corpus.texts)
    y_true = _label_ids(corpus.labels, bundle.info.class_names, str(corpus.source))
    chunk = 1024
    parts = []
    for begin in range(0, len(texts), chunk):
        check_cancelled(cancel)
        report.fine(begin / len(texts), f"classifying {begin}/{len(texts)}")
        parts.append(predictor.predict_proba(texts[begin : begin + chunk]))
    probs = np.concatenate(parts)
    report(1.0, "evaluated")
    return evaluate(y_true, probs, list(bundle.info.class_names), texts=texts)
