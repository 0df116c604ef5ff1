"""The training config: a frozen, validated dataclass, its presets and its TOML form."""

from workbench.core.learning.config.fields import GROUP_TITLES, Setting
from workbench.core.learning.config.schema import (
    PRESET_DESCRIPTIONS,
    PRESETS,
    TrainConfig,
    settings_by_group,
)

__all__ = [
    "GROUP_TITLES",
    "PRESETS",
    "PRESET_DESCRIPTIONS",
    "Setting",
    "TrainConfig",
    "settings_by_group",
]
