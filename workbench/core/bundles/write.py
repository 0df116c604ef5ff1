"""Writing model bundles: the ``bundle.json`` content and the atomic folder save.

:func:`save_bundle` writes every file into a hidden temp folder beside the target,
fsyncs it, and renames it into place; a bundle already there is renamed aside first and
deleted only once the new one is in. Both hidden folders carry the saving process's id
(``.NAME.tmp-PID-TAG``, ``.NAME.old-PID-TAG``): when that process is gone,
:func:`recover_interrupted_saves` (run by every save and listing) puts an ``old`` folder
back where its bundle is missing and removes the leftovers, so a save killed at any
point leaves one whole bundle. With ``replace=False`` the name is reserved atomically
(``os.mkdir``) and the next free ``NAME-2``, ``NAME-3``... is taken when another
process got there first, so two saves never both claim one folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.errors import BundleError

if TYPE_CHECKING:
    from workbench.core.learning.training import AveragedEpochs
    from workbench.core.text.tokenizer import Tokenizer

FORMAT_VERSION = 1
MODEL_FILE = "model.keras"
TOKENIZER_FILE = "tokenizer.json"
INFO_FILE = "bundle.json"
REQUIRED_FILES = (INFO_FILE, MODEL_FILE, TOKENIZER_FILE)
MAX_MISCLASSIFIED = 200
MAX_TEXT_CHARS = 2000


def library_versions() -> dict[str, str | None]:
    """Versions of Python and of the libraries a bundle depends on."""
    from importlib import metadata

    import workbench

    def version_of(package: str) -> str | None:
        module = sys.modules.get(package)
        if module is not None and getattr(module, "__version__", None):
            return str(module.__version__)
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {
        "python": sys.version.split()[0],
        "numpy": version_of("numpy"),
        "tensorflow": version_of("tensorflow"),
        "keras": version_of("keras"),
        "workbench": workbench.__version__,
    }


def compact_metrics(metrics: Any) -> dict:
    """``Evaluation`` (or its dict) as stored in bundle.json: misclassified list capped."""
    if metrics is None:
        return {}
    data = metrics.to_dict() if hasattr(metrics, "to_dict") else dict(metrics)
    wrong = data.get("misclassified")
    if isinstance(wrong, list):
        capped = []
        for item in wrong[:MAX_MISCLASSIFIED]:
            item = dict(item)
            text = item.get("text")
            if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
                item["text"] = text[:MAX_TEXT_CHARS] + "…"
            capped.append(item)
        data["misclassified"] = capped
        total = data.get("misclassified_total")
        keep = isinstance(total, int) and not isinstance(total, bool) and total >= len(wrong)
        data["misclassified_total"] = total if keep else len(wrong)  # kept when re-saved
    return data


def _plain_history(history: Any) -> dict[str, list[float]]:
    return {str(key): [float(v) for v in values] for key, values in dict(history or {}).items()}


def build_info_dict(
    *,
    name: str,
    class_names: list[str],
    config: Any,
    history: Any,
    metrics: Any,
    provenance: dict | None,
    created: str | None = None,
    status: dict | None = None,
) -> dict:
    """The content of ``bundle.json`` (JSON-serialisable).

    ``status``: ``{"state": ..., "note": ...}`` from :func:`run_status` (complete when None).
    """
    return {
        "format_version": FORMAT_VERSION,
        "name": name,
        "created": created or datetime.now(UTC).isoformat(timespec="microseconds"),
        "class_names": [str(c) for c in class_names],
        "config": config.to_dict() if hasattr(config, "to_dict") else dict(config),
        "history": _plain_history(history),
        "metrics": compact_metrics(metrics),
        "provenance": dict(provenance or {}),
        "versions": library_versions(),
        "status": dict(status or {"state": "complete", "note": ""}),
    }


_STATES = {"completed": "complete", "cancelled": "stopped", "early_stopped": "early-stopped"}


def run_status(
    outcome: str,
    *,
    epochs_run: int,
    epochs: int,
    best_epoch: int | None,
    accuracy: float | None,
    reason: str = "",
    averaged: AveragedEpochs | None = None,
    part: str = "",
) -> dict:
    """``{"state", "note"}`` for ``bundle.json`` from how training ended.

    ``outcome`` is the training status (``"completed"``, ``"cancelled"``,
    ``"early_stopped"``, ``"failed"``); ``best_epoch`` is 0-based. The note says what was
    kept: ``"stopped after 1 of 15 epochs; best epoch 1 saved, 50.0 % on the test split"``,
    or, when the weights of several epochs were ``averaged``, ``"...; epochs 3, 4, 6
    averaged and saved, ..."``; with ``part`` (a fused part kept with them, such as
    ``"bag-of-words part"``): ``"best epoch 1 saved with the bag-of-words part, ..."``.
    """
    state = _STATES.get(outcome, "partial")
    if state == "complete":
        return {"state": state, "note": ""}
    kept = "" if best_epoch is None else f"best epoch {best_epoch + 1} saved"
    if averaged is not None:
        kept = f"{averaged.text()} and saved"
    if kept and part:
        kept += f" with the {part}"
    if kept and accuracy is not None:
        kept += f", {accuracy * 100:.1f} % on the test split"
    done = f"after {epochs_run} of {epochs} epochs"
    if state == "stopped":
        head = f"stopped {done}"
    elif state == "early-stopped":
        head = f"stopped early {done} (no further improvement)"
    else:
        head = f"training failed {done}" + (f" ({reason})" if reason else "")
    return {"state": state, "note": "; ".join(part for part in (head, kept) if part)}


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, allow_nan=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def save_bundle(
    path: str | Path,
    *,
    model: Any,
    tokenizer: Tokenizer,
    class_names: list[str],
    config: Any,
    history: Any,
    metrics: Any,
    provenance: dict | None,
    name: str | None = None,
    replace: bool = True,
    status: dict | None = None,
) -> Path:
    """Write a bundle folder at ``path`` atomically and return its path.

    Everything is written to a hidden temp folder beside ``path`` and renamed into
    place; an existing bundle there is renamed aside first and deleted only once the
    new one is in, so an interrupted save leaves the previous bundle whole.
    With ``replace=False`` an existing folder is never replaced: the first free name
    among ``path``, ``path-2``, ``path-3``... is reserved atomically and returned
    (so check the returned path). ``metrics`` may be an ``Evaluation`` or its dict;
    its misclassified list is capped.
    """
    from workbench.core.arguments import check_path

    target = check_path(path, "path").expanduser().absolute()
    if replace and target.exists() and not target.is_dir():
        raise BundleError(f"cannot save bundle: {target} exists and is not a folder")
    if replace and target.is_dir() and any(target.iterdir()) and not (target / INFO_FILE).is_file():
        raise BundleError(f"cannot save bundle: {target} exists and is not a model bundle")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BundleError(f"cannot create models folder {parent}: {exc.strerror}") from exc

    recover_interrupted_saves(parent)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temp = parent / f".{target.name}.tmp-{tag}"
    if not replace:
        target = _reserve(target)
    info = build_info_dict(
        name=name or target.name,
        class_names=class_names,
        config=config,
        history=history,
        metrics=metrics,
        provenance=provenance,
        status=status,
    )
    try:
        temp.mkdir()
        model.save(str(temp / MODEL_FILE))
        _fsync_file(temp / MODEL_FILE)
        _write_json(temp / TOKENIZER_FILE, tokenizer.to_dict())
        _write_json(temp / INFO_FILE, info)
        _fsync_dir(temp)
    except BaseException as exc:
        shutil.rmtree(temp, ignore_errors=True)
        if not replace:
            with contextlib.suppress(OSError):
                target.rmdir()  # the empty folder that reserved the name
        if isinstance(exc, Exception):
            raise BundleError(f"cannot save bundle {target}: {exc}") from exc
        raise
    if replace:
        _swap_in(temp, target, tag)
    else:
        _move_into_reserved(temp, target)
    return target


def _move_into_reserved(temp: Path, target: Path) -> None:
    """Rename ``temp`` over the empty folder that reserved ``target``."""
    try:
        os.replace(temp, target)  # POSIX: an empty folder is replaced atomically
    except OSError:
        try:
            target.rmdir()
            os.rename(temp, target)
        except OSError as exc:
            shutil.rmtree(temp, ignore_errors=True)
            raise BundleError(f"cannot save bundle {target}: {exc.strerror or exc}") from exc
    with contextlib.suppress(OSError):
        _fsync_dir(target.parent)


def _reserve(target: Path) -> Path:
    """Create ``target`` (or ``target-2``, ``-3``...) as an empty folder; first free one wins.

    ``os.mkdir`` fails when the name exists, so of two processes reserving one name
    only one gets it; the empty folder is then replaced by the finished bundle.
    """
    stem = target.name
    number = 1
    while True:
        candidate = target if number == 1 else target.with_name(f"{stem}-{number}")
        try:
            candidate.mkdir()
        except FileExistsError:
            number += 1
            continue
        except OSError as exc:
            raise BundleError(f"cannot save bundle {candidate}: {exc.strerror or exc}") from exc
        return candidate


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?:(?P<pid>\d+)-)?[0-9a-f]{8}$")
_UNOWNED_GRACE_S = 3600.0  # leftovers of saves that recorded no process id


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (owned by someone else) or cannot tell: leave it alone
    return True


def _abandoned(entry: Path, pid: str | None) -> bool:
    if pid is not None:
        return not _process_alive(int(pid))
    try:
        return time.time() - entry.stat().st_mtime > _UNOWNED_GRACE_S
    except OSError:
        return False


def recover_interrupted_saves(models_dir: str | Path) -> list[str]:
    """Repair what killed saves left in ``models_dir``; return one line per repair.

    A hidden ``.NAME.old-*`` folder whose save process is gone is put back as ``NAME``
    when ``NAME`` is missing (the save died between its two renames), else deleted; a
    hidden ``.NAME.tmp-*`` folder whose process is gone is deleted. Saves still running
    (their process is alive) are left alone.
    """
    folder = Path(models_dir)
    done: list[str] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return done
    for entry in entries:
        match = _LEFTOVER.match(entry.name)
        if match is None or not entry.is_dir() or not _abandoned(entry, match["pid"]):
            continue
        target = folder / match["name"]
        if match["kind"] == "old" and not target.exists():
            try:
                os.replace(entry, target)
            except OSError:
                continue
            done.append(f"restored {target} from an interrupted save")
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            done.append(f"removed {entry.name} left by an interrupted save")
    return done


def _swap_in(temp: Path, target: Path, tag: str) -> None:
    """Rename ``temp`` to ``target``, replacing an existing folder there safely."""
    old = None
    try:
        if target.exists():
            old = target.parent / f".{target.name}.old-{tag}"
            os.replace(target, old)
        os.replace(temp, target)
    except OSError as exc:
        if old is not None and old.exists() and not target.exists():
            with contextlib.suppress(OSError):
                os.replace(old, target)
        shutil.rmtree(temp, ignore_errors=True)
        raise BundleError(f"cannot save bundle {target}: {exc.strerror or exc}") from exc
    with contextlib.suppress(OSError):
        _fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def unique_bundle_path(models_dir: str | Path, stem: str) -> Path:
    """``models_dir/stem``, or ``stem-2``, ``stem-3``... if taken (``stem`` made file-safe)."""
    safe = re.sub(r"[^\w.-]+", "-", str(stem), flags=re.ASCII).strip("-.") or "model"
    base = Path(models_dir).expanduser()
    candidate = base / safe
    number = 2
    while candidate.exists():
        candidate = base / f"{safe}-{number}"
        number += 1
    return candidate
