"""What every command shares: exit codes, usage errors and the arguments that load things."""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.core import Corpus, ImportReport, TrainConfig, VectorsSource

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """The command line is wrong (exit code 2)."""


def load_config(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig from ``--config``/``--preset`` plus every ``--set``."""
    from workbench.core import PRESETS, ConfigError, TrainConfig

    config_path = getattr(args, "config", None)
    if config_path:
        config = TrainConfig.from_toml(Path(config_path))
    else:
        preset = getattr(args, "preset", None) or "recommended"
        if preset not in PRESETS:
            raise ConfigError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
        config = PRESETS[preset]
    sets = list(getattr(args, "sets", None) or [])
    return config.with_overrides(sets) if sets else config


def load_corpus_arg(
    args: argparse.Namespace, path: str, *, progress: Any = None, cancel: Any = None
) -> tuple[Corpus, ImportReport]:
    """Load ``path`` with the command's --format/--text-column/--label-column/--merge-labels."""
    from workbench.core import load_corpus

    return load_corpus(
        path,
        format=getattr(args, "format", "auto") or "auto",
        text_columns=getattr(args, "text_columns", None) or None,
        label_column=getattr(args, "label_column", None),
        merge_labels="case" if getattr(args, "merge_labels", False) else None,
        progress=progress,
        cancel=cancel,
    )


MAX_WARNINGS_SHOWN = 10


def report_lines(report: ImportReport) -> list[str]:
    """The import report's warnings as lines to print, with command-line advice."""
    lines = [f"warning: {issue}" for issue in report.warnings[:MAX_WARNINGS_SHOWN]]
    if len(report.warnings) > MAX_WARNINGS_SHOWN:
        lines.append(f"... and {len(report.warnings) - MAX_WARNINGS_SHOWN} more warnings")
    from workbench.core import LABEL_VARIANTS

    if any(issue.reason == LABEL_VARIANTS for issue in report.warnings):
        lines.append("  (add --merge-labels to merge such labels into one class)")
    return lines


def vectors_arg(value: str | None) -> VectorsSource:
    """``--vectors`` (``bundled``, ``none``, FILE or FILE.zip:MEMBER) as a checked source.

    A zip holding several vectors files without a member is refused with the list and
    how to choose one on the command line.
    """
    from workbench.core import VectorsError, VectorsSource, vectors_members

    source = VectorsSource.parse(value).check()
    if source.is_file and source.member is None:
        path = Path(str(source.path)).expanduser()
        if path.is_file() and zipfile.is_zipfile(path):
            found = vectors_members(path)
            if len(found) > 1:
                raise VectorsError(
                    f"{path} holds several vectors files ({', '.join(found)}); choose one with "
                    f"--vectors {path}:{found[0]}"
                )
    return source


def corpus_dict(corpus: Corpus, report: ImportReport) -> dict[str, Any]:
    """A short JSON description of a loaded corpus."""
    return {
        "source": str(corpus.source),
        "format": corpus.format,
        "documents": len(corpus),
        "class_counts": dict(corpus.class_counts()),
        "skipped": len(report.skipped),
        "warnings": len(report.warnings),
    }


def ray_address_arg(args: argparse.Namespace) -> str | None:
    """The checked ``--ray`` address (None without it); usage errors for bad combinations."""
    from workbench.core import ConfigError, RayJobError, normalise_ray_address, ray_missing_reason

    if getattr(args, "send_bundle", False) and not getattr(args, "events", False):
        raise UsageError("--send-bundle needs --events")
    address = getattr(args, "ray", None)
    if address is None:
        if getattr(args, "ray_vectors_on_cluster", False):
            raise UsageError("--ray-vectors-on-cluster needs --ray ADDRESS")
        return None
    try:
        address = normalise_ray_address(address)
    except ConfigError as exc:
        raise UsageError(f"--ray: {exc}") from exc
    reason = ray_missing_reason()
    if reason is not None:
        raise RayJobError(f"--ray: {reason}")
    return address


def run_vectors_arg(args: argparse.Namespace, address: str | None) -> Any:
    """``--vectors`` for a run: checked here, unless it names a file on the Ray cluster."""
    if address is not None and getattr(args, "ray_vectors_on_cluster", False):
        from workbench.core import VectorsSource

        return VectorsSource.parse(args.vectors)  # a path on the cluster: not checked here
    return vectors_arg(args.vectors)
