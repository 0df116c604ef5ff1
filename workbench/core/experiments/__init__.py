"""Experiments: the run store, recording runs, sweeps and cross-validation."""

from workbench.core.experiments.board import TensorBoardListener
from workbench.core.experiments.crossval import CrossValResult, cross_validate, stratified_folds
from workbench.core.experiments.recorder import ListenerChain, RunRecorder, train_recorded
from workbench.core.experiments.store import (
    RUN_STATUSES,
    RunRecord,
    RunStore,
    RunStoreError,
    config_diff,
    corpus_fingerprint,
)
from workbench.core.experiments.sweep import (
    SweepResult,
    SweepRunner,
    SweepSpec,
    TrialOutcome,
    parse_grid,
    parse_range,
    plan_sweep,
)

__all__ = [
    "RUN_STATUSES",
    "CrossValResult",
    "ListenerChain",
    "RunRecord",
    "RunRecorder",
    "RunStore",
    "RunStoreError",
    "SweepResult",
    "SweepRunner",
    "SweepSpec",
    "TensorBoardListener",
    "TrialOutcome",
    "config_diff",
    "corpus_fingerprint",
    "cross_validate",
    "parse_grid",
    "parse_range",
    "plan_sweep",
    "stratified_folds",
    "train_recorded",
]
