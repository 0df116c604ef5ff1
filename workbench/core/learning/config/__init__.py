"""The training config: a frozen, validated dataclass, its presets and its TOML form."""

from workbench.core.learning.config.schema import CHOICES, FIELD_GROUPS, PRESETS, TrainConfig

__all__ = ["CHOICES", "FIELD_GROUPS", "PRESETS", "TrainConfig"]
