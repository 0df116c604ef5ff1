"""Learning: the training config, the model, the training loop and evaluation."""

from workbench.core.learning.baseline import (
    BaselineResult,
    baseline_comparison,
    train_baseline,
)
from workbench.core.learning.config import CHOICES, FIELD_GROUPS, PRESETS, TrainConfig
from workbench.core.learning.evaluation import Evaluation, evaluate
from workbench.core.learning.model import build_model
from workbench.core.learning.training import TrainingListener, TrainResult, train

__all__ = [
    "CHOICES",
    "FIELD_GROUPS",
    "PRESETS",
    "BaselineResult",
    "Evaluation",
    "TrainConfig",
    "TrainResult",
    "TrainingListener",
    "baseline_comparison",
    "build_model",
    "evaluate",
    "train",
    "train_baseline",
]
