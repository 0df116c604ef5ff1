"""Argument checks for the public core functions: wrong types become ``ArgumentError``.

Each helper returns the checked (and, for paths, converted) value or raises
:class:`~workbench.core.errors.ArgumentError` naming the function and the argument,
so a caller passing ``None`` or ``"x"`` gets one clear line instead of a bare
``TypeError``/``AttributeError`` from deep inside.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.core.errors import ArgumentError

__all__ = [
    "check_bool",
    "check_instance",
    "check_int",
    "check_path",
    "check_str_list",
    "check_text_or_texts",
]


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _where(function: str | None, name: str) -> str:
    return f"{function}: {name}" if function else name


def check_path(value: Any, name: str, *, function: str | None = None) -> Path:
    """``value`` as a ``Path`` (a ``str`` or ``os.PathLike``; not empty)."""
    if isinstance(value, str | os.PathLike) and not isinstance(value, bytes):
        text = os.fspath(value)
        if isinstance(text, str) and text.strip():
            return Path(text)
    where = _where(function, name)
    raise ArgumentError(f"{where} must be a file or folder path, got {_shown(value)}")


def check_int(
    value: Any, name: str, *, function: str | None = None, minimum: int | None = None
) -> int:
    """``value`` as an ``int`` (bool refused; numpy integers accepted), ``>= minimum``."""
    try:
        import numpy as np

        integer_types: tuple[type, ...] = (int, np.integer)
    except ImportError:  # pragma: no cover - numpy is a dependency
        integer_types = (int,)
    if isinstance(value, bool) or not isinstance(value, integer_types):
        raise ArgumentError(f"{_where(function, name)} must be an integer, got {_shown(value)}")
    if minimum is not None and value < minimum:
        raise ArgumentError(f"{_where(function, name)} must be >= {minimum}, got {value}")
    return int(value)


def check_bool(value: Any, name: str, *, function: str | None = None) -> bool:
    """``value`` when it is a ``bool``."""
    if not isinstance(value, bool):
        raise ArgumentError(f"{_where(function, name)} must be True or False, got {_shown(value)}")
    return value


def check_str_list(value: Any, name: str, *, function: str | None = None) -> list[str]:
    """``value`` as a list of strings (a list, tuple or other iterable; not one string)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        where = _where(function, name)
        raise ArgumentError(f"{where} must be a list of strings, got {_shown(value)}")
    items = list(value)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise ArgumentError(
                f"{_where(function, name)} must hold strings; item {index} is {_shown(item)}"
            )
    return items


def check_text_or_texts(value: Any, name: str, *, function: str | None = None) -> list[str]:
    """One string as ``[value]``, or a list of strings (anything else: ArgumentError)."""
    if isinstance(value, str):
        return [value]
    return check_str_list(value, name, function=function)


def check_instance(
    value: Any, kind: type | tuple[type, ...], name: str, *, function: str | None = None
) -> Any:
    """``value`` when it is an instance of ``kind`` (a class or a tuple of classes)."""
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(k.__name__ for k in kinds)
        raise ArgumentError(f"{_where(function, name)} must be a {wanted}, got {_shown(value)}")
    return value
