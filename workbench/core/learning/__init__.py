"""Learning: the training config, the model, the training loop and evaluation."""

from workbench.core.learning.config import CHOICES, FIELD_GROUPS, PRESETS, TrainConfig
from workbench.core.learning.devices import DevicePlan, cudnn_notes
from workbench.core.learning.evaluation import Evaluation, evaluate
from workbench.core.learning.model import build_model
from workbench.core.learning.training import TrainingListener, TrainResult, train

__all__ = [
    "CHOICES",
    "FIELD_GROUPS",
    "PRESETS",
    "DevicePlan",
    "Evaluation",
    "TrainConfig",
    "TrainResult",
    "TrainingListener",
    "build_model",
    "cudnn_notes",
    "evaluate",
    "train",
]
