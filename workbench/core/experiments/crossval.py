"""K-fold cross-validation: K models on K stratified folds, mean +- sd of the scores.

Fold ``i`` is the test split of model ``i``; the other folds are its train split
(``val_fraction`` of the corpus carved out of them for validation). Every document
is thus predicted once by a model that did not train on it: these out-of-fold
predictions are kept with the run (artifact ``"oof"``). Each fold is a run of the
store (kind ``cv-fold``, not saved as a bundle); the cross-validation itself is a
run of kind ``cv`` holding the summary.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.corpora.corpus import Corpus
from workbench.core.errors import Cancelled, ConfigError
from workbench.core.experiments.recorder import begin_recorded_run, train_recorded
from workbench.core.experiments.store import RunStore
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.learning.training import TrainingListener
from workbench.core.progress import CancelToken, ProgressCallback
from workbench.core.runs.pipeline import RunResult, run_training
from workbench.core.runs.provenance import default_stem


def stratified_folds(labels: Sequence[str], k: int, *, seed: int = 0) -> list[list[int]]:
    """Document indices of each of ``k`` folds (sorted), each class dealt evenly."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise ConfigError(f"folds must be an integer >= 2, got {k!r}")
    if k > len(labels):
        raise ConfigError(f"folds = {k} is more than the {len(labels)} documents")
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    by_class: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_class.setdefault(label, []).append(index)
    for label in sorted(by_class):
        members = np.array(by_class[label])
        rng.shuffle(members)
        for position, index in enumerate(members.tolist()):
            folds[(offset + position) % k].append(index)
        offset = (offset + len(members)) % k
    return [sorted(fold) for fold in folds]


def _sd(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


@dataclass
class CrossValResult:
    """Scores per fold, their mean and sample standard deviation, and OOF predictions."""

    k: int
    run_id: int | None
    per_fold: list[dict[str, Any]]
    oof: list[dict[str, Any]] = field(default_factory=list)  # one per document, corpus order
    status: str = "completed"

    def _scores(self, key: str) -> list[float]:
        return [f[key] for f in self.per_fold if f.get(key) is not None]

    def summary(self) -> dict[str, Any]:
        acc, f1 = self._scores("accuracy"), self._scores("macro_f1")
        return {
            "k": self.k,
            "accuracy_mean": statistics.fmean(acc) if acc else None,
            "accuracy_sd": _sd(acc) if acc else None,
            "macro_f1_mean": statistics.fmean(f1) if f1 else None,
            "macro_f1_sd": _sd(f1) if f1 else None,
            "per_fold": [dict(f) for f in self.per_fold],
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "run_id": self.run_id, "status": self.status}


def cross_validate(
    corpus: Corpus,
    config: TrainConfig,
    k: int,
    *,
    store: RunStore | str | Path | None = None,
    runner: Callable[..., RunResult] = run_training,
    vectors: Any = "bundled",
    out_dir: str | Path | None = None,
    name: str | None = None,
    source: str = "",
    listener_for: Callable[[int], TrainingListener | None] | None = None,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    tensorboard: str | Path | None = None,
) -> CrossValResult:
    """Train ``k`` models on ``k`` stratified folds of ``corpus`` (seed ``config.seed``).

    Cancelling ends the fold in training and skips the rest; the scores of the
    finished folds are kept. ``listener_for(fold)`` may give a listener per fold.
    """
    from workbench.core.paths import default_models_dir

    folds = stratified_folds(list(corpus.labels), k, seed=config.seed)
    models_dir = Path(out_dir) if out_dir is not None else default_models_dir()
    name = name or f"{default_stem(corpus, config)}-cv{k}"
    target = store if isinstance(store, RunStore) else (store or models_dir)
    opened: list[RunStore] = []
    parents: list[int] = []

    def db() -> RunStore:  # opened when the first fold begins training
        if isinstance(store, RunStore):
            return store
        if not opened:
            opened.append(RunStore(target))
        return opened[0]

    def parent(_fold_run: int | None = None) -> int:
        if not parents:
            parents.append(
                begin_recorded_run(
                    db(), corpus, config, name=name, vectors=vectors, source=source, kind="cv"
                )
            )
        return parents[0]

    result = CrossValResult(k=k, run_id=None, per_fold=[])
    oof: list[dict[str, Any] | None] = [None] * len(corpus)
    try:
        try:
            for i, fold in enumerate(folds):
                if cancel is not None and cancel.is_set():
                    result.status = "cancelled"
                    break
                result.per_fold.append(
                    _run_fold(target, db, parent, corpus, config, i, k, fold, oof, runner=runner,
                              vectors=vectors, models_dir=models_dir, name=name, source=source,
                              listener_for=listener_for, cancel=cancel, progress=progress,
                              tensorboard=tensorboard)
                )  # fmt: skip
                if result.per_fold[-1]["status"] == "cancelled":
                    result.status = "cancelled"
                    break
        except BaseException as exc:
            if parents:
                failed = "cancelled" if isinstance(exc, Cancelled | KeyboardInterrupt) else "failed"
                db().finish_run(
                    parents[0], status=failed, message=str(exc)[:500], extra=result.summary()
                )
            raise
        result.oof = [item for item in oof if item is not None]
        if not parents:
            return result  # cancelled before any fold began training: nothing recorded
        result.run_id = parents[0]
        summary = result.summary()
        db().set_artifact(result.run_id, "oof", result.oof)
        metrics = {
            "accuracy": summary["accuracy_mean"],
            "macro_f1": summary["macro_f1_mean"],
            "accuracy_sd": summary["accuracy_sd"],
            "macro_f1_sd": summary["macro_f1_sd"],
        }
        message = f"{len(result.per_fold)}/{k} folds"
        db().finish_run(
            result.run_id, status=result.status, message=message, metrics=metrics,
            extra={"folds": summary}, epochs_run=0,
        )  # fmt: skip
        return result
    finally:
        for item in opened:
            item.close()


def _run_fold(
    target: RunStore | str | Path,
    db: Callable[[], RunStore],
    parent: Callable[[int | None], int],
    corpus: Corpus,
    config: TrainConfig,
    i: int,
    k: int,
    fold: list[int],
    oof: list[dict[str, Any] | None],
    *,
    runner: Callable[..., RunResult],
    vectors: Any,
    models_dir: Path,
    name: str,
    source: str,
    listener_for: Callable[[int], TrainingListener | None] | None,
    cancel: CancelToken | None,
    progress: ProgressCallback | None,
    tensorboard: str | Path | None,
) -> dict[str, Any]:
    in_fold = np.zeros(len(corpus), dtype=bool)
    in_fold[fold] = True
    fold_corpus = dataclasses.replace(
        corpus, splits=tuple("test" if flag else "train" for flag in in_fold.tolist())
    )

    def fold_progress(fraction: float, message: str) -> None:
        if progress is not None:
            share = (i + max(0.0, min(fraction, 1.0))) / k
            progress(share, f"fold {i + 1}/{k}: {message}")

    try:
        run = train_recorded(
            target, fold_corpus, config, runner=runner, on_begin=parent,
            listener=listener_for(i) if listener_for is not None else None,
            vectors=vectors, out_dir=models_dir, name=f"{name}-fold{i + 1}", source=source,
            kind="cv-fold", tensorboard=tensorboard, cancel=cancel, progress=fold_progress,
            save=False,
        )  # fmt: skip
    except Cancelled:
        return {"fold": i + 1, "status": "cancelled", "accuracy": None, "macro_f1": None}
    db().update_run(run.run_id, extra={"cv_run": parent(None), "fold": i + 1, "k": k})
    ev = run.evaluation
    if ev is not None:
        # the test split lists the fold's documents in corpus order
        for item in [*ev.misclassified, *ev.correct]:
            doc = fold[int(item["index"])]
            oof[doc] = {
                "index": doc,
                "fold": i + 1,
                "true": item["true"],
                "predicted": item["predicted"],
                "confidence": float(item["confidence"]),
            }
    return {
        "fold": i + 1,
        "run_id": run.run_id,
        "status": run.train.status,
        "documents": len(fold),
        "accuracy": None if ev is None else float(ev.accuracy),
        "macro_f1": None if ev is None else float(ev.macro_f1),
    }
