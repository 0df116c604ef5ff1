"""Model bundles: one folder holding a trained model and everything needed to use it.

A bundle folder holds ``model.keras`` (the Keras model), ``tokenizer.json`` (the
tokeniser and its vocabulary) and ``bundle.json`` (format version, name, creation
time, class names, training config, history, test metrics, provenance and library
versions). :func:`save_bundle` (in :mod:`workbench.core.bundles.write`, re-exported
here) writes it atomically; :func:`read_bundle_info` reads the JSON part only,
without importing TensorFlow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.bundles.write import (
    FORMAT_VERSION,
    INFO_FILE,
    MAX_MISCLASSIFIED,
    MAX_TEXT_CHARS,
    MODEL_FILE,
    REQUIRED_FILES,
    TOKENIZER_FILE,
    build_info_dict,
    compact_metrics,
    library_versions,
    save_bundle,
    unique_bundle_path,
)
from workbench.core.errors import BundleError, ConfigError, WorkbenchError

if TYPE_CHECKING:
    from workbench.core.learning.config.schema import TrainConfig
    from workbench.core.learning.evaluation import Evaluation
    from workbench.core.text.tokenizer import Tokenizer

__all__ = [
    "FORMAT_VERSION",
    "INFO_FILE",
    "MAX_MISCLASSIFIED",
    "MAX_TEXT_CHARS",
    "MODEL_FILE",
    "REQUIRED_FILES",
    "TOKENIZER_FILE",
    "Bundle",
    "BundleInfo",
    "build_info_dict",
    "compact_metrics",
    "info_from_dict",
    "library_versions",
    "list_bundles",
    "load_bundle",
    "read_bundle_info",
    "save_bundle",
    "unique_bundle_path",
]


@dataclass
class BundleInfo:
    """What ``bundle.json`` says about a bundle (read without TensorFlow)."""

    path: Path | None
    name: str
    created: str
    class_names: list[str]
    accuracy: float | None
    macro_f1: float | None
    config: dict
    provenance: dict
    versions: dict
    format_version: int = FORMAT_VERSION
    epochs_run: int | None = None

    def summary(self) -> str:
        """One line describing the model, e.g. ``"BiLSTM 64, max-pool, maxlen 400, GloVe 50d"``."""
        from workbench.core.learning.architectures.registry import describe_model

        cfg = self.config
        vectors = self.provenance.get("vectors") or {}
        parts = describe_model(cfg, vectors.get("dim") or cfg.get("embedding_dim"))
        if cfg.get("maxlen"):
            parts.append(f"maxlen {cfg['maxlen']}")
        parts.append(_vectors_summary(vectors, cfg))
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {
            "path": None if self.path is None else str(self.path),
            "name": self.name,
            "created": self.created,
            "class_names": list(self.class_names),
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "config": self.config,
            "provenance": self.provenance,
            "versions": self.versions,
            "format_version": self.format_version,
            "epochs_run": self.epochs_run,
            "summary": self.summary(),
        }


def _vectors_summary(vectors: dict, cfg: dict) -> str:
    source = vectors.get("source")
    dim = vectors.get("dim") or cfg.get("embedding_dim", "?")
    if not source or str(source).lower() == "none":
        return f"random {dim}d embedding"
    text = str(source)
    if text == "bundled" or "glove" in text.lower():
        return f"GloVe {dim}d"
    return f"{Path(text).name} {dim}d"


@dataclass
class Bundle:
    """A loaded (or freshly trained) bundle: the model plus what is needed to use it."""

    info: BundleInfo
    model: Any
    tokenizer: Tokenizer
    config: TrainConfig
    history: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)

    @property
    def class_names(self) -> list[str]:
        return list(self.info.class_names)

    def save(self, path: str | Path, *, metrics: Any = None, name: str | None = None) -> Path:
        """Write this bundle to ``path`` with :func:`save_bundle` (``metrics``: its own)."""
        return save_bundle(
            path,
            model=self.model,
            tokenizer=self.tokenizer,
            class_names=list(self.info.class_names),
            config=self.config,
            history=self.history,
            metrics=self.metrics if metrics is None else metrics,
            provenance=self.info.provenance,
            name=name,
        )

    def evaluation(self) -> Evaluation | None:
        """The stored test metrics as an ``Evaluation`` (None when there are none)."""
        if not self.metrics:
            return None
        from workbench.core.learning.evaluation import Evaluation

        return Evaluation.from_dict(self.metrics)


# --------------------------------------------------------------------------- reading


def _read_info_dict(path: str | Path) -> tuple[Path, dict]:
    folder = Path(path).expanduser()
    if not folder.exists():
        raise BundleError(f"no such bundle: {folder}")
    if not folder.is_dir():
        raise BundleError(f"not a model bundle: {folder} is not a folder")
    info_path = folder / INFO_FILE
    if not info_path.is_file():
        raise BundleError(f"not a model bundle: {folder} has no {INFO_FILE}")
    try:
        text = info_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(f"{INFO_FILE} in {folder} is not valid UTF-8") from exc
    except OSError as exc:
        raise BundleError(f"cannot read {info_path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleError(f"{INFO_FILE} in {folder} is not valid JSON (line {exc.lineno})") from exc
    if not isinstance(data, dict):
        raise BundleError(f"{INFO_FILE} in {folder} does not hold a JSON object")
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise BundleError(f"{INFO_FILE} in {folder} has no valid format_version: {version!r}")
    if version > FORMAT_VERSION or version < 1:
        raise BundleError(
            f"bundle {folder} was saved by format version {version}; "
            f"this Workbench reads {FORMAT_VERSION}"
        )
    names = data.get("class_names")
    if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str) for n in names):
        raise BundleError(f"{INFO_FILE} in {folder} has no valid class_names: {names!r}")
    for key in ("config", "provenance", "versions", "metrics", "history"):
        if not isinstance(data.get(key, {}), dict):
            raise BundleError(f"{INFO_FILE} in {folder}: '{key}' is not an object")
    for required in (MODEL_FILE, TOKENIZER_FILE):
        if not (folder / required).is_file():
            raise BundleError(f"bundle {folder} is missing {required}")
    return folder, data


def _metric(metrics: dict, key: str) -> float | None:
    value = metrics.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def info_from_dict(data: dict, path: Path | None) -> BundleInfo:
    """A :class:`BundleInfo` from the content of ``bundle.json``."""
    metrics = data.get("metrics") or {}
    history = data.get("history") or {}
    lengths = [len(v) for v in history.values() if isinstance(v, list)]
    return BundleInfo(
        path=path,
        name=str(data.get("name") or (path.name if path else "model")),
        created=str(data.get("created") or ""),
        class_names=list(data["class_names"]),
        accuracy=_metric(metrics, "accuracy"),
        macro_f1=_metric(metrics, "macro_f1"),
        config=dict(data.get("config") or {}),
        provenance=dict(data.get("provenance") or {}),
        versions=dict(data.get("versions") or {}),
        format_version=int(data.get("format_version", FORMAT_VERSION)),
        epochs_run=max(lengths) if lengths else None,
    )


def read_bundle_info(path: str | Path) -> BundleInfo:
    """Read ``bundle.json`` (no TensorFlow); BundleError names what is missing or wrong."""
    folder, data = _read_info_dict(path)
    return info_from_dict(data, folder)


def load_bundle(path: str | Path) -> Bundle:
    """Load a bundle: model, tokeniser, config. BundleError names what is missing/incompatible."""
    from workbench.core.learning.config.schema import TrainConfig
    from workbench.core.text.tokenizer import Tokenizer

    folder, data = _read_info_dict(path)
    info = info_from_dict(data, folder)
    try:
        config = TrainConfig.from_dict(data.get("config") or {})
    except ConfigError as exc:
        raise BundleError(f"bundle {folder} has an incompatible config: {exc}") from exc
    try:
        tok_data = json.loads((folder / TOKENIZER_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{TOKENIZER_FILE} in {folder} is not valid JSON") from exc
    try:
        tokenizer = Tokenizer.from_dict(tok_data)
    except (WorkbenchError, KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{TOKENIZER_FILE} in {folder} cannot be read: {exc}") from exc
    model = _load_keras_model(folder / MODEL_FILE)
    outputs = _output_width(model)
    if outputs is not None and outputs != len(info.class_names):
        raise BundleError(
            f"bundle {folder}: model has {outputs} outputs but {len(info.class_names)} class names"
        )
    return Bundle(
        info=info,
        model=model,
        tokenizer=tokenizer,
        config=config,
        history=dict(data.get("history") or {}),
        metrics=dict(data.get("metrics") or {}),
    )


def _load_keras_model(path: Path) -> Any:
    import keras

    from workbench.core.learning.architectures import all_custom_objects

    try:
        return keras.models.load_model(path, compile=False, custom_objects=all_custom_objects())
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BundleError(f"bundle {path.parent}: {MODEL_FILE} cannot be loaded: {first}") from exc


def _output_width(model: Any) -> int | None:
    try:
        shape = model.output_shape
    except (AttributeError, ValueError, RuntimeError):
        return None
    if isinstance(shape, tuple) and shape and isinstance(shape[-1], int):
        return shape[-1]
    return None


def list_bundles(models_dir: str | Path, *, problems: list[str] | None = None) -> list[BundleInfo]:
    """Bundles in ``models_dir``, newest first; broken folders are skipped.

    Pass a list as ``problems`` to receive one message per skipped folder.
    Hidden folders (temp folders of saves in progress) are ignored.
    """
    base = Path(models_dir).expanduser()
    if not base.is_dir():
        return []
    found: list[tuple[float, BundleInfo]] = []
    for entry in sorted(base.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            info = read_bundle_info(entry)
        except BundleError as exc:
            if problems is not None:
                problems.append(str(exc))
            continue
        found.append((_created_key(info), info))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [info for _, info in found]


def _created_key(info: BundleInfo) -> float:
    try:
        stamp = datetime.fromisoformat(info.created)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    except ValueError:
        try:
            return (info.path / INFO_FILE).stat().st_mtime if info.path else 0.0
        except OSError:
            return 0.0
