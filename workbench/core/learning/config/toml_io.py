"""TOML helpers for the training config: read a source, write values (stdlib only)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from workbench.core.errors import ConfigError


def where(source: str | None, line: int | None) -> str:
    """Message prefix ``"file line 3: "`` / ``"file: "`` (empty without a source)."""
    if source is None:
        return ""
    return f"{source} line {line}: " if line else f"{source}: "


def read_toml_source(text_or_path: str | Path) -> tuple[str, str]:
    """Return ``(name for messages, TOML text)``."""
    if isinstance(text_or_path, Path) or (
        isinstance(text_or_path, str) and "\n" not in text_or_path and "=" not in text_or_path
    ):
        path = Path(text_or_path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except OSError as error:
            raise ConfigError(f"{path}: cannot read config file ({error.strerror})") from None
        try:
            return str(path), data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: config file is not UTF-8 text") from None
    if not isinstance(text_or_path, str):
        raise ConfigError(f"expected TOML text or a file path, got {text_or_path!r}")
    return "TOML text", text_or_path


def key_line(text: str, key: str) -> int | None:
    """1-based line of the first ``key = ...`` assignment in ``text`` (None if not found)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def toml_value(value: Any) -> str:
    """Format a bool, int, float or string as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return toml_string(str(value))


def toml_string(text: str) -> str:
    """A TOML basic string: backslash, quote and control characters escaped."""
    escapes = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n"}
    escapes.update({"\f": "\\f", "\r": "\\r"})
    out = []
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
