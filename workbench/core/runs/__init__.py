"""Runs: the training pipeline, the child-process runner and what a run records."""

from workbench.core.runs.estimate import (
    TimeEstimate,
    estimate_training_time,
    measured_throughput,
    training_work,
)
from workbench.core.runs.isolated import TrainingProcessError, run_training_isolated
from workbench.core.runs.pipeline import RunResult, evaluate_bundle, run_training
from workbench.core.runs.remote import RayBackend, RayJobError, RayRun, submit_training

__all__ = [
    "RayBackend",
    "RayJobError",
    "RayRun",
    "RunResult",
    "TimeEstimate",
    "TrainingProcessError",
    "estimate_training_time",
    "evaluate_bundle",
    "measured_throughput",
    "run_training",
    "run_training_isolated",
    "submit_training",
    "training_work",
]
