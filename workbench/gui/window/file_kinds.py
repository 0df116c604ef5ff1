"""Decide what a dropped or opened path is: a corpus, a vectors file or a model bundle."""

from __future__ import annotations

from pathlib import Path

from workbench.core import WorkbenchError

VECTOR_SUFFIXES = (".gz", ".zip", ".vec")
_SNIFF_BYTES = 256 * 1024
_SNIFF_LINES = 5


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def looks_like_vectors(path: str | Path) -> bool:
    """Whether the first lines of a text file are ``word v1 … vN`` (GloVe / word2vec text)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    lines = [line for line in head.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if len(lines) > 1 and not head.endswith(b"\n"):
        lines = lines[:-1]  # the last line may be cut by the read limit
    lines = lines[: _SNIFF_LINES + 1]
    if not lines:
        return False
    first = lines[0].split()
    if len(first) == 2 and all(part.isdigit() for part in first):  # word2vec header "rows dim"
        lines = lines[1:]
        if not lines:
            return False
    widths = set()
    for line in lines:
        parts = line.rstrip().split(" ")
        if len(parts) < 3 or not all(_is_float(p) for p in parts[1:]):
            return False
        widths.add(len(parts))
    return len(widths) == 1


def classify_path(path: str | Path) -> tuple[str | None, str]:
    """``("corpus" | "vectors" | "model", "")`` or ``(None, reason)`` for anything else."""
    target = Path(path)
    if not target.exists():
        return None, f"{target}: no such file or folder"
    if target.is_dir():
        if (target / "bundle.json").is_file():
            return "model", ""
        return "corpus", ""
    name = target.name.lower()
    if name.endswith(VECTOR_SUFFIXES):
        return "vectors", ""
    if looks_like_vectors(target):
        return "vectors", ""
    from workbench.core import detect_format

    try:
        detect_format(target)
    except WorkbenchError as exc:
        return None, f"{target.name} is neither a corpus nor a vectors file ({exc})"
    return "corpus", ""
