"""Learning: the training config, the model architectures, the training loop and evaluation."""

from workbench.core.learning.architectures import (
    Architecture,
    MemoryEstimate,
    MemoryPart,
    architecture_names,
    build_model,
    check_memory,
    estimate_memory,
    get_architecture,
    register_architecture,
    unregister_architecture,
)
from workbench.core.learning.baseline import (
    BASELINE_ROW,
    BASELINE_SKIPPED,
    PART_ROWS,
    BaselineResult,
    baseline_comparison,
    train_baseline,
)
from workbench.core.learning.config import (
    GROUP_TITLES,
    PRESET_DESCRIPTIONS,
    PRESETS,
    Setting,
    TrainConfig,
    settings_by_group,
)
from workbench.core.learning.devices import DevicePlan, cudnn_notes
from workbench.core.learning.evaluation import Evaluation, evaluate
from workbench.core.learning.training import (
    AveragedEpochs,
    ThrottledListener,
    TrainingListener,
    TrainResult,
    train,
)

__all__ = [
    "BASELINE_ROW",
    "BASELINE_SKIPPED",
    "GROUP_TITLES",
    "PART_ROWS",
    "PRESETS",
    "PRESET_DESCRIPTIONS",
    "Architecture",
    "AveragedEpochs",
    "BaselineResult",
    "DevicePlan",
    "Evaluation",
    "MemoryEstimate",
    "MemoryPart",
    "Setting",
    "ThrottledListener",
    "TrainConfig",
    "TrainResult",
    "TrainingListener",
    "architecture_names",
    "baseline_comparison",
    "build_model",
    "check_memory",
    "cudnn_notes",
    "estimate_memory",
    "evaluate",
    "get_architecture",
    "register_architecture",
    "settings_by_group",
    "train",
    "train_baseline",
    "unregister_architecture",
]
