"""File operations on bundle folders: validate a name, rename, copy, delete.

Used by the window's Models page and "Save model as…".

Each operation is atomic on one file system: work happens in a hidden temp
folder or file beside the target, then ``os.replace`` puts it in place.
Problems raise :class:`~workbench.core.errors.BundleError` naming the folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path

from workbench.core.bundles.bundle import INFO_FILE
from workbench.core.errors import BundleError

__all__ = [
    "bundle_containing",
    "check_new_bundle_path",
    "copy_bundle",
    "delete_bundle",
    "rename_bundle",
    "validate_bundle_name",
]

MAX_NAME = 100
_NAME_RE = re.compile(r"^[\w][\w .+=@()-]*$")


def validate_bundle_name(name: str) -> str:
    """The stripped name if it can be a folder name; BundleError saying why not."""
    stripped = name.strip()
    if not stripped:
        raise BundleError("model name must not be empty")
    if len(stripped) > MAX_NAME:
        raise BundleError(f"model name must be at most {MAX_NAME} characters, got {len(stripped)}")
    if "/" in stripped or "\\" in stripped:
        raise BundleError(f"model name must not contain / or \\: {stripped!r}")
    if not _NAME_RE.match(stripped) or stripped.endswith((".", " ")):
        raise BundleError(
            f"model name {stripped!r} may use letters, digits, spaces and _ . - + = @ ( ), "
            "starting with a letter, digit or _ and not ending with . or a space"
        )
    return stripped


def _write_info_name(folder: Path, name: str) -> None:
    """Set ``name`` in ``folder/bundle.json`` via a temp file and ``os.replace``."""
    info_path = folder / INFO_FILE
    try:
        data = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"cannot read {info_path}: {exc}") from exc
    if not isinstance(data, dict):
        raise BundleError(f"{info_path} does not hold a JSON object")
    data["name"] = name
    temp = folder / f".{INFO_FILE}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False, allow_nan=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, info_path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise BundleError(f"cannot write {info_path}: {exc.strerror or exc}") from exc


def rename_bundle(folder: str | Path, new_name: str) -> Path:
    """Rename a bundle folder and the name in its ``bundle.json``; returns the new path."""
    source = Path(folder)
    name = validate_bundle_name(new_name)
    if not (source / INFO_FILE).is_file():
        raise BundleError(f"not a model bundle: {source} has no {INFO_FILE}")
    target = source.parent / name
    if target.exists() and target.resolve() != source.resolve():
        raise BundleError(f"a model named {name!r} already exists in {source.parent}")
    _write_info_name(source, name)
    if target != source:
        try:
            os.rename(source, target)
        except OSError as exc:
            raise BundleError(f"cannot rename {source} to {name!r}: {exc.strerror}") from exc
    return target


def delete_bundle(folder: str | Path) -> None:
    """Delete a bundle folder (moved aside first, so a failure leaves nothing half-deleted)."""
    source = Path(folder)
    if not source.is_dir():
        raise BundleError(f"no such bundle folder: {source}")
    aside = source.parent / f".{source.name}.deleting-{uuid.uuid4().hex[:8]}"
    try:
        os.rename(source, aside)
    except OSError as exc:
        raise BundleError(f"cannot delete {source}: {exc.strerror}") from exc
    shutil.rmtree(aside, ignore_errors=True)


def bundle_containing(path: str | Path) -> Path | None:
    """The bundle folder that ``path`` is, or lies inside, if any (None otherwise)."""
    current = Path(path).expanduser().absolute()
    for folder in (current, *current.parents):
        if (folder / INFO_FILE).is_file():
            return folder
    return None


def check_new_bundle_path(destination: str | Path) -> Path:
    """``destination`` made absolute; BundleError if it exists or lies inside a bundle."""
    target = Path(destination).expanduser().absolute()
    if target.exists():
        raise BundleError(f"cannot save model: {target} already exists")
    inside = bundle_containing(target.parent)
    if inside is not None:
        raise BundleError(
            f"cannot save model: {target.parent} is inside the model {inside.name} "
            f"({inside}); save next to it, in {inside.parent}"
        )
    return target


def copy_bundle(folder: str | Path, destination: str | Path) -> Path:
    """Copy a bundle folder to ``destination`` (new, not inside a bundle) atomically."""
    source = Path(folder)
    if not (source / INFO_FILE).is_file():
        raise BundleError(f"not a model bundle: {source} has no {INFO_FILE}")
    target = check_new_bundle_path(destination)
    name = validate_bundle_name(target.name)
    temp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, temp)
        _write_info_name(temp, name)
        os.rename(temp, target)
    except (OSError, shutil.Error) as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise BundleError(f"cannot save model to {target}: {exc}") from exc
    except BundleError:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target
