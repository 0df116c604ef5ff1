"""Bundles: a trained model saved as a folder, read back, listed, and used to predict."""

from workbench.core.bundles.batch import (
    BATCH_CHUNK,
    BatchInput,
    BatchItem,
    BatchResult,
    BatchRow,
    classify_batch,
    read_csv_batch,
    read_folder_batch,
)
from workbench.core.bundles.bundle import (
    Bundle,
    BundleInfo,
    build_info_dict,
    info_from_dict,
    list_bundles,
    load_bundle,
    read_bundle_info,
    save_bundle,
    unique_bundle_path,
)
from workbench.core.bundles.files import (
    bundle_containing,
    check_new_bundle_path,
    copy_bundle,
    delete_bundle,
    rename_bundle,
    validate_bundle_name,
)
from workbench.core.bundles.path_kind import PATH_KINDS, guess_path_kind
from workbench.core.bundles.predict import Prediction, Predictor

__all__ = [
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
]
