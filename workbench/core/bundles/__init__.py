"""Bundles: a trained model saved as a folder, read back, listed, and used to predict."""

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
from workbench.core.bundles.predict import Prediction, Predictor

__all__ = [
    "Bundle",
    "BundleInfo",
    "Prediction",
    "Predictor",
    "build_info_dict",
    "info_from_dict",
    "list_bundles",
    "load_bundle",
    "read_bundle_info",
    "save_bundle",
    "unique_bundle_path",
]
