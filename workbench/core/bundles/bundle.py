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

from workbench.core.arguments import check_path
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
    recover_interrupted_saves,
    run_status,
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
    "recover_interrupted_saves",
    "run_status",
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
    status: str = "complete"  # "complete", "stopped", "early-stopped" or "partial"
    status_note: str = ""  # e.g. "stopped after 1 of 15 epochs; best epoch 1 saved, ..."

    @property
    def is_complete(self) -> bool:
        """False for a run that was stopped, stopped early or ended by an error."""
        return self.status == "complete"

    @property
    def status_text(self) -> str:
        """What to show beside an incomplete model ("" for a complete one)."""
        if self.is_complete:
            return ""
        return self.status_note or self.status

    def summary(self) -> str:
        """One line describing the model, e.g. ``"BiLSTM 64, max-pool, maxlen 400, GloVe 50d"``
        (``"..., reads 400 of maxlen 1500, + bag-of-words part, ..."`` for wide and deep)."""
        from workbench.core.learning.architectures.registry import describe_model
        from workbench.core.learning.wide import wide_part_name

        cfg = self.config
        vectors = self.provenance.get("vectors")
        vectors = vectors if isinstance(vectors, dict) else {}
        dim = vectors.get("dim") or cfg.get("embedding_dim")
        parts = describe_model(cfg, dim if isinstance(dim, int) else None)
        maxlen, rnn_maxlen = cfg.get("maxlen"), cfg.get("rnn_maxlen")
        if maxlen and isinstance(rnn_maxlen, int) and 0 < rnn_maxlen < maxlen:
            parts.append(f"reads {rnn_maxlen} of maxlen {maxlen}")
        elif maxlen:
            parts.append(f"maxlen {maxlen}")
        wide = self.provenance.get("wide")
        if isinstance(wide, dict) and "weight" in wide:  # the n-gram part was fused in
            kept = wide.get("ngrams_kept")
            kept = kept if isinstance(kept, list) and kept else [wide.get("ngrams", 1)]
            orders = [n if isinstance(n, int) else 1 for n in kept]
            parts.append(f"+ {wide_part_name(*orders)}")
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
            "status": self.status,
            "status_note": self.status_note,
            "summary": self.summary(),
        }


def _vectors_summary(vectors: dict, cfg: dict) -> str:
    from workbench.core.text.vectors.choice import VectorsSource

    dim = vectors.get("dim") or cfg.get("embedding_dim", "?")
    source = vectors.get("source")
    parsed = VectorsSource.parse(source if isinstance(source, str) else None)
    if parsed.is_none:
        return f"random {dim}d embedding"
    if parsed.is_bundled or "glove" in str(parsed).lower():
        return f"GloVe {dim}d"
    return f"{parsed.label()} {dim}d"


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
            status={"state": self.info.status, "note": self.info.status_note},
        )

    def evaluation(self) -> Evaluation | None:
        """The stored test metrics as an ``Evaluation`` (None when there are none)."""
        if not self.metrics:
            return None
        from workbench.core.learning.evaluation import Evaluation

        return Evaluation.from_dict(self.metrics)


# --------------------------------------------------------------------------- reading


def _read_info_dict(path: str | Path) -> tuple[Path, dict]:
    folder = check_path(path, "bundle path").expanduser()
    if not folder.exists() and folder.parent.is_dir():
        recover_interrupted_saves(folder.parent)  # a save killed between its renames
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
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        shown = ", ".join(repr(name) for name in repeated)
        raise BundleError(f"{INFO_FILE} in {folder}: class_names repeat {shown}")
    for key in ("config", "provenance", "versions", "metrics", "history"):
        if not isinstance(data.get(key, {}) or {}, dict):
            raise BundleError(f"{INFO_FILE} in {folder}: '{key}' is not an object")
    for key in ("name", "created"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise BundleError(f"{INFO_FILE} in {folder}: '{key}' is not text: {data[key]!r}")
    for key, value in (data.get("history") or {}).items():
        if not isinstance(value, list):
            raise BundleError(f"{INFO_FILE} in {folder}: history '{key}' is not a list")
    status = data.get("status")
    if status is not None and not isinstance(status, dict):
        raise BundleError(f"{INFO_FILE} in {folder}: 'status' is not an object")
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
    status = data.get("status") if isinstance(data.get("status"), dict) else {}
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
        status=str(status.get("state") or "complete"),
        status_note=str(status.get("note") or ""),
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
    _check_model_file(folder / MODEL_FILE)
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
    _check_pieces(folder, model, tokenizer, config, info.class_names)
    return Bundle(
        info=info,
        model=model,
        tokenizer=tokenizer,
        config=config,
        history=dict(data.get("history") or {}),
        metrics=dict(data.get("metrics") or {}),
    )


def _check_model_file(path: Path) -> None:
    """BundleError when the model file cannot be read or is not a whole Keras archive."""
    import zipfile

    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        why = exc.strerror or exc
        raise BundleError(f"bundle {path.parent}: cannot read {MODEL_FILE}: {why}") from exc
    if not zipfile.is_zipfile(path):
        raise BundleError(
            f"bundle {path.parent}: {MODEL_FILE} is truncated or damaged "
            "(not a complete Keras archive); save or train the model again"
        )


def _load_keras_model(path: Path) -> Any:
    import keras

    from workbench.core.learning.architectures import all_custom_objects

    try:
        return keras.models.load_model(path, compile=False, custom_objects=all_custom_objects())
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if len(first) > 200:
            first = first[:200] + "..."
        raise BundleError(f"bundle {path.parent}: {MODEL_FILE} cannot be loaded: {first}") from exc


def _shape(model: Any, attribute: str) -> tuple | None:
    try:
        shape = getattr(model, attribute)
    except (AttributeError, ValueError, RuntimeError):
        return None
    if isinstance(shape, list) and len(shape) == 1:
        shape = shape[0]
    return shape if isinstance(shape, tuple) else None


def _embedding_rows(model: Any) -> int | None:
    for layer in getattr(model, "layers", []):
        rows = getattr(layer, "input_dim", None)
        if type(layer).__name__ == "Embedding" and isinstance(rows, int):
            return rows
    return None


def _check_pieces(
    folder: Path, model: Any, tokenizer: Tokenizer, config: TrainConfig, class_names: list[str]
) -> None:
    """BundleError naming the first way the model, tokeniser, config and classes disagree."""
    output = _shape(model, "output_shape")
    outputs = output[-1] if output and isinstance(output[-1], int) else None
    if outputs is not None and outputs != len(class_names):
        raise BundleError(
            f"bundle {folder}: model has {outputs} outputs but {len(class_names)} class names"
        )
    rows = _embedding_rows(model)
    if rows is not None and tokenizer.vocab_size > rows:
        raise BundleError(
            f"bundle {folder}: {TOKENIZER_FILE} has {tokenizer.vocab_size} token ids but the "
            f"model's embedding has only {rows} rows"
        )
    given = _shape(model, "input_shape")
    length = given[1] if given and len(given) == 2 and isinstance(given[1], int) else None
    if length is not None and length != config.maxlen:
        raise BundleError(
            f"bundle {folder}: config maxlen is {config.maxlen} but the model takes {length} tokens"
        )


def list_bundles(models_dir: str | Path, *, problems: list[str] | None = None) -> list[BundleInfo]:
    """Bundles in ``models_dir``, newest first; broken folders are skipped.

    Pass a list as ``problems`` to receive one message per skipped folder.
    Hidden folders (temp folders of saves in progress) are ignored.
    """
    base = check_path(models_dir, "models_dir", function="list_bundles").expanduser()
    if not base.is_dir():
        return []
    recover_interrupted_saves(base)
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
