"""Headless core of Workbench: the API both front ends use.

Nothing in this package imports Qt or pyqtgraph, and TensorFlow/Keras are only
imported inside the functions that build, train, load or run models. The names
below are loaded on first use (PEP 562), so ``import workbench.core`` stays fast
and ``from workbench.core import load_corpus`` imports only the corpora package.

Sub-packages, lowest layer first (a package imports only those below it):
``corpora`` (corpora, formats, splits, statistics) and ``text`` (tokenizer,
vectors); ``learning`` (config, architectures, training, evaluation); ``bundles``
(saved models, prediction); ``explain`` (word-level explanations); ``runs``
(pipeline, child-process runner, estimates); ``experiments`` (run store,
recording, sweeps, cross-validation).
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_API: dict[str, str] = {}


def _export(module: str, *names: str) -> None:
    for name in names:
        _API[name] = module


_export(
    "workbench.core.errors",
    "WorkbenchError",
    "CorpusError",
    "VectorsError",
    "ConfigError",
    "BundleError",
    "Cancelled",
    "ArgumentError",
    "ArchiveMemberError",
)
_export(
    "workbench.core.progress",
    "EVENT_INTERVAL_S",
    "CancelToken",
    "ProgressCallback",
    "Throttle",
    "TrainingClock",
    "check_cancelled",
    "format_duration",
    "sub_range",
)
_export(
    "workbench.core.paths",
    "default_models_dir",
    "sample_corpus_dir",
    "shared_data_dir",
    "cache_dir",
)
_export(
    "workbench.core.corpora",
    "LABEL_VARIANTS",
    "FORMATS",
    "SPLIT_ORDER",
    "Corpus",
    "CorpusStats",
    "ImportIssue",
    "ImportReport",
    "Splits",
    "auto_csv_columns",
    "corpus_stats",
    "CsvTable",
    "decode_text",
    "guess_label_column",
    "guess_text_column",
    "read_csv_header",
    "read_csv_table",
    "detect_format",
    "load_corpus",
    "read_text_file",
    "split_corpus",
)
_export(
    "workbench.core.text",
    "BUNDLED",
    "COVERAGE_DEFINITION",
    "Coverage",
    "Tokenizer",
    "Vectors",
    "VectorsReport",
    "VectorsSource",
    "coverage",
    "coverage_tokenizer",
    "describe_texts",
    "embedding_matrix",
    "load_vectors",
    "tokenize",
    "split_member",
    "vectors_members",
    "tokenize_spans",
)
_export(
    "workbench.core.learning",
    "GROUP_TITLES",
    "PRESETS",
    "PRESET_DESCRIPTIONS",
    "Architecture",
    "AveragedEpochs",
    "Evaluation",
    "MemoryEstimate",
    "MemoryPart",
    "Setting",
    "TrainConfig",
    "ThrottledListener",
    "TrainResult",
    "TrainingListener",
    "architecture_names",
    "build_model",
    "check_memory",
    "estimate_memory",
    "evaluate",
    "get_architecture",
    "register_architecture",
    "settings_by_group",
    "train",
    "unregister_architecture",
)
_export("workbench.core.learning", "DevicePlan", "cudnn_notes")
_export(
    "workbench.core.learning",
    "BASELINE_ROW",
    "BASELINE_SKIPPED",
    "PART_ROWS",
    "BaselineResult",
    "baseline_comparison",
    "train_baseline",
)
_export(
    "workbench.core.bundles",
    "BATCH_CHUNK",
    "PATH_KINDS",
    "BatchInput",
    "BatchItem",
    "BatchResult",
    "BatchRow",
    "Bundle",
    "BundleInfo",
    "Prediction",
    "Predictor",
    "build_info_dict",
    "bundle_containing",
    "check_new_bundle_path",
    "classify_batch",
    "copy_bundle",
    "delete_bundle",
    "guess_path_kind",
    "info_from_dict",
    "list_bundles",
    "load_bundle",
    "read_bundle_info",
    "read_csv_batch",
    "read_folder_batch",
    "rename_bundle",
    "save_bundle",
    "unique_bundle_path",
    "validate_bundle_name",
)
_export(
    "workbench.core.explain",
    "METHODS",
    "METHOD_TITLES",
    "ClassWord",
    "Explainer",
    "Explanation",
    "TokenWeight",
    "batch_top_words",
    "class_words",
    "top_words_text",
)
_export(
    "workbench.core.runs",
    "RunResult",
    "TrainingProcessError",
    "evaluate_bundle",
    "run_training",
    "run_training_isolated",
)
_export(
    "workbench.core.runs.estimate",
    "TimeEstimate",
    "estimate_training_time",
    "measured_throughput",
    "training_work",
)
_export(
    "workbench.core.experiments",
    "RUN_STATUSES",
    "CrossValResult",
    "ListenerChain",
    "RunRecord",
    "RunRecorder",
    "RunStore",
    "RunStoreError",
    "SweepResult",
    "SweepRunner",
    "SweepSpec",
    "TensorBoardListener",
    "TrialOutcome",
    "config_diff",
    "corpus_fingerprint",
    "cross_validate",
    "parse_grid",
    "parse_range",
    "plan_sweep",
    "stratified_folds",
    "train_recorded",
)
_export(
    "workbench.core.runs.events",
    "EventWriter",
    "parse_event_line",
    "replay_event",
)
_export(
    "workbench.core.runs.remote",
    "RAY_INSTALL_HINT",
    "RayBackend",
    "RayJobError",
    "RayRun",
    "normalise_ray_address",
    "ray_missing_reason",
    "submit_training",
)

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
