"""Remembered settings: a thin, typed wrapper over ``QSettings``.

Organisation and application are both "Workbench"; keys are "section/key";
every read passes ``type=``; ``meta/version`` holds :data:`SETTINGS_VERSION` and
:meth:`Settings.migrate` upgrades older files. Lists are stored as JSON strings
(INI files turn one-item lists into plain strings otherwise).
"""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger(__name__)

ORGANIZATION = "Workbench"
APPLICATION = "Workbench"
SETTINGS_VERSION = 1
MAX_RECENT = 8
RECENT_KINDS = ("corpora", "vectors", "models")

# keys (all "section/key")
VERSION = "meta/version"
GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
PAGE = "window/page"
LAST_CORPUS = "data/last_corpus"
LAST_FORMAT = "data/last_format"
LAST_VECTORS = "vectors/last_source"
LAST_CONFIG = "train/config"
LAST_DIALOG_DIR = "paths/last_dialog_dir"
MODELS_DIR = "paths/models_dir"


def qsettings() -> QSettings:
    """The application's settings store (INI format, user scope)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


class Settings:
    """Typed access to the remembered settings."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else qsettings()
        self.migrate()

    # --- typed reads / writes ---------------------------------------------------
    def get_str(self, key: str, default: str = "") -> str:
        value = self.store.value(key, default, type=str)
        return value if isinstance(value, str) else default

    def get_int(self, key: str, default: int = 0) -> int:
        try:
            return int(self.store.value(key, default, type=int))
        except (TypeError, ValueError):
            return default

    def get_bytes(self, key: str) -> QByteArray:
        value = self.store.value(key, QByteArray(), type=QByteArray)
        return value if isinstance(value, QByteArray) else QByteArray()

    def get_json(self, key: str, default: object = None) -> object:
        text = self.get_str(key, "")
        if not text:
            return default
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            log.warning("settings %s is not valid JSON; ignored", key)
            return default

    def set(self, key: str, value: object) -> None:
        self.store.setValue(key, value)

    def set_json(self, key: str, value: object) -> None:
        self.store.setValue(key, json.dumps(value))

    def remove(self, key: str) -> None:
        self.store.remove(key)

    def sync(self) -> None:
        self.store.sync()

    # --- recent lists -------------------------------------------------------------
    def recent(self, kind: str) -> list[str]:
        """Most recent first, at most :data:`MAX_RECENT` paths."""
        items = self.get_json(f"recent/{_check_kind(kind)}", [])
        if not isinstance(items, list):
            return []
        return [str(item) for item in items if isinstance(item, str) and item][:MAX_RECENT]

    def add_recent(self, kind: str, path: str) -> list[str]:
        """Put ``path`` first in the ``kind`` list (no duplicates); returns the list."""
        items = [path, *[p for p in self.recent(kind) if p != path]][:MAX_RECENT]
        self.set_json(f"recent/{_check_kind(kind)}", items)
        return items

    def remove_recent(self, kind: str, path: str) -> None:
        items = [p for p in self.recent(kind) if p != path]
        self.set_json(f"recent/{_check_kind(kind)}", items)

    def clear_recent(self, kind: str) -> None:
        self.set_json(f"recent/{_check_kind(kind)}", [])

    # --- versioning ---------------------------------------------------------------
    def migrate(self) -> None:
        """Upgrade settings written by older versions; drop ones from a newer version."""
        version = self.get_int(VERSION, 0)
        if version > SETTINGS_VERSION:
            log.warning("settings version %d is newer than %d; reset", version, SETTINGS_VERSION)
            self.store.clear()
        # version 0 (no version key) -> 1: nothing to convert yet
        self.store.setValue(VERSION, SETTINGS_VERSION)


def _check_kind(kind: str) -> str:
    if kind not in RECENT_KINDS:
        raise ValueError(f"recent list kind must be one of {RECENT_KINDS}, got {kind!r}")
    return kind
