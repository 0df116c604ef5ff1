"""What one training setting is: declared once, on its dataclass field.

:func:`setting` makes a ``dataclasses.field`` whose metadata holds a :class:`Setting`:
label, help, group, bounds, choices, unit and editor hints. Validation
(``TrainConfig.__post_init__``), the TOML comments, the Train form, the command line's
``--set`` help and ``workbench config --keys`` are all built from these objects.

Standard library only (the command line builds its help from here without numpy).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.core.errors import ConfigError

GROUP_TITLES: dict[str, str] = {
    "text": "Text",
    "model": "Model",
    "training": "Training",
    "split": "Split",
}
"""The groups settings belong to, in the order they are shown, with their titles."""

INT64_MAX = 2**63 - 1

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Setting:
    """Everything known about one setting besides its value.

    ``minimum``/``maximum`` bound numbers (``open_min``/``open_max``: the bound
    itself is not allowed); ``choices`` lists the allowed strings, or is a function
    returning them (for lists that grow, such as the registered architectures);
    ``special`` maps a value to its meaning (``{0: "half the embedding width"}``);
    ``step``, ``decimals`` and ``log_scale`` are editor hints.
    """

    label: str
    help: str
    group: str
    kind: type = object
    name: str = ""
    minimum: float | None = None
    maximum: float | None = None
    open_min: bool = False
    open_max: bool = False
    choices_source: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
    unit: str = ""
    special: tuple[tuple[Any, str], ...] = ()
    step: float = 1
    decimals: int = 0
    log_scale: bool = False

    @property
    def choices(self) -> tuple[str, ...]:
        """The allowed strings (empty for non-string settings)."""
        source = self.choices_source
        if source is None:
            return ()
        return tuple(source() if callable(source) else source)

    def range_text(self) -> str:
        """``"1 to 100000"``, ``"in (0, 1)"``, ``"one of 'pre', 'post'"`` or ``""``."""
        if self.kind is str:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.minimum is None and self.maximum is None:
            return ""
        if self._is_share():
            low = "(" if self.open_min else "["
            high = ")" if self.open_max else "]"
            return f"in {low}{_num(self.minimum)}, {_num(self.maximum)}{high}"
        low = f"more than {_num(self.minimum)}" if self.open_min else _num(self.minimum)
        return f"{low} to {_num(self.maximum)}"

    def describe(self) -> str:
        """The help line with a number's range, unit and special values (``--keys``, tooltips)."""
        limits = self.limits_text()
        return f"{self.help} ({limits})" if limits else self.help

    def limits_text(self) -> str:
        """Range, unit and special values of a number (``"0 to 100000; 0 = half ..."``)."""
        if self.kind not in (int, float):
            return ""
        extras = []
        bounds = self.range_text()
        if bounds:
            extras.append(bounds + (f" {self.unit}" if self.unit else ""))
        extras += [f"{_num(value)} = {meaning}" for value, meaning in self.special]
        return "; ".join(extras)

    # ------------------------------------------------------------------ checks
    def check(self, value: Any) -> Any:
        """Check a value's type and range; return it normalised (int -> float, lowercase).

        Raises :class:`ConfigError` naming the setting and the value.
        """
        name = self.name
        is_bool = isinstance(value, bool) or _is_numpy_bool(value)
        if self.kind is bool:
            if not is_bool:
                raise ConfigError(f"{name} must be true or false, got {value!r}")
            return bool(value)
        if self.kind is int:
            if is_bool or not isinstance(value, numbers.Integral):
                raise ConfigError(f"{name} must be an integer, got {value!r}")
            value = int(value)
            if abs(value) > INT64_MAX:
                raise ConfigError(f"{name} is too large (beyond a 64-bit integer), got {value}")
            return self._check_range(value)
        if self.kind is float:
            if is_bool or not isinstance(value, numbers.Real):
                raise ConfigError(f"{name} must be a number, got {value!r}")
            try:
                value = float(value)
            except OverflowError:
                raise ConfigError(f"{name} must be a finite number, got {value}") from None
            if not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value}")
            return self._check_range(value)
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a string, got {value!r}")
        normalised = value.strip().lower()
        choices = self.choices
        if normalised not in choices:
            allowed = ", ".join(repr(choice) for choice in choices)
            raise ConfigError(f"{name} must be one of {allowed}, got {value!r}")
        return normalised

    def _check_range(self, value: float) -> Any:
        low, high = self.minimum, self.maximum
        too_low = low is not None and (value <= low if self.open_min else value < low)
        too_high = high is not None and (value >= high if self.open_max else value > high)
        if not (too_low or too_high):
            return value
        if self._is_share():
            raise ConfigError(f"{self.name} must be {self.range_text()}, got {value}")
        if too_low and low is not None:
            sign = ">" if self.open_min else ">="
            special = "".join(f" ({_num(v)} = {m})" for v, m in self.special if v == low)
            raise ConfigError(f"{self.name} must be {sign} {_num(low)}{special}, got {value}")
        sign = "<" if self.open_max else "<="
        raise ConfigError(f"{self.name} must be {sign} {_num(high)}, got {value}")

    def _is_share(self) -> bool:
        """A fraction in [0, 1]: its bounds read best as an interval."""
        return self.kind is float and self.minimum == 0 and self.maximum == 1

    def parse(self, raw: str) -> Any:
        """Parse ``--set`` text by this setting's type (not yet range-checked)."""
        name = self.name
        if self.kind is bool:
            lowered = raw.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ConfigError(f"{name} must be true or false, got {raw!r}")
        if self.kind is int:
            try:
                return int(raw)
            except ValueError:
                raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
        if self.kind is float:
            try:
                return float(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number, got {raw!r}") from None
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
            raw = raw[1:-1]
        return raw


def setting(
    default: Any,
    *,
    label: str,
    help: str,
    group: str,
    minimum: float | None = None,
    maximum: float | None = None,
    open_min: bool = False,
    open_max: bool = False,
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None,
    unit: str = "",
    special: dict[Any, str] | None = None,
    step: float = 1,
    decimals: int = 0,
    log_scale: bool = False,
) -> Any:
    """A dataclass field with its :class:`Setting` (name and type are filled in later)."""
    if group not in GROUP_TITLES:
        raise ValueError(f"unknown setting group {group!r}")
    info = Setting(
        label=label,
        help=help,
        group=group,
        minimum=minimum,
        maximum=maximum,
        open_min=open_min,
        open_max=open_max,
        choices_source=choices,
        unit=unit,
        special=tuple((special or {}).items()),
        step=step,
        decimals=decimals,
        log_scale=log_scale,
    )
    return dataclasses.field(default=default, metadata={"setting": info})


def settings_of(cls: type) -> dict[str, Setting]:
    """Name -> :class:`Setting` of every field of dataclass ``cls`` (field order)."""
    kinds = {"int": int, "float": float, "bool": bool, "str": str}
    out: dict[str, Setting] = {}
    for field in dataclasses.fields(cls):
        info = field.metadata["setting"]
        kind = field.type if isinstance(field.type, type) else kinds[str(field.type)]
        out[field.name] = dataclasses.replace(info, name=field.name, kind=kind)
    return out


def _is_numpy_bool(value: Any) -> bool:
    dtype = getattr(value, "dtype", None)
    return getattr(dtype, "kind", None) == "b" and getattr(value, "ndim", 1) == 0


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
