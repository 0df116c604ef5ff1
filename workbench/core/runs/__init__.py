"""Runs: the training pipeline, the child-process runner and what a run records."""

from workbench.core.runs.isolated import TrainingProcessError, run_training_isolated
from workbench.core.runs.pipeline import RunResult, evaluate_bundle, run_training

__all__ = [
    "RunResult",
    "TrainingProcessError",
    "evaluate_bundle",
    "run_training",
    "run_training_isolated",
]
