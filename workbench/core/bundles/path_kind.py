"""What a path holds: a corpus, a word-vectors file or a saved model bundle.

One rule set for both front ends (a file dropped on the window, ``workbench
inspect PATH``):

- a folder with a ``bundle.json`` is a bundle; any other folder a corpus;
- a file named ``*.gz``, ``*.zip`` or ``*.vec`` is vectors,
  ``*.csv``, ``*.tsv``, ``*.json``, ``*.jsonl`` or ``*.ndjson`` a corpus;
- any other file is vectors when its first non-blank line (after an optional
  word2vec ``rows dim`` header) is a ``word v1 ... vN`` row and at least half of
  the next few rows have its width; else a corpus.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core.bundles.bundle import INFO_FILE
from workbench.core.errors import CorpusError

__all__ = ["PATH_KINDS", "guess_path_kind", "looks_like_vectors"]

PATH_KINDS = ("corpus", "vectors", "bundle")
VECTORS_SUFFIXES = (".gz", ".zip", ".vec")  # binary vectors are not supported
CORPUS_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".ndjson")
SNIFF_BYTES = 256 * 1024
SNIFF_LINES = 5


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def looks_like_vectors(path: str | Path) -> bool:
    """Whether the first lines of a text file are mostly ``word v1 ... vN`` rows of one width."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return False
    lines = [line for line in head.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if len(lines) > 1 and len(head) == SNIFF_BYTES and not head.endswith(b"\n"):
        lines = lines[:-1]  # the last line may be cut by the read limit
    lines = lines[: SNIFF_LINES + 1]
    if not lines:
        return False
    first = lines[0].split()
    if len(first) == 2 and all(part.isdigit() for part in first):  # word2vec "rows dim"
        lines = lines[1:]
        if not lines:
            return True  # a header alone: a (truncated) word2vec text file
    widths = [_row_width(line) for line in lines]
    if not widths[0]:
        return False
    # a stray malformed row is the vectors loader's to report: most rows decide
    return widths.count(widths[0]) * 2 >= len(widths)


def _row_width(line: str) -> int:
    """Number of fields of a ``word v1 ... vN`` row (N >= 2), else 0."""
    parts = line.split()
    if len(parts) < 3 or not all(_is_float(p) for p in parts[1:]):
        return 0
    return len(parts)


def guess_path_kind(path: str | Path, *, check_corpus: bool = False) -> str:
    """``"corpus"``, ``"vectors"`` or ``"bundle"`` for ``path`` (see the module's rules).

    CorpusError when ``path`` does not exist. With ``check_corpus``, a file
    taken for a corpus must also have a recognised corpus format (else
    CorpusError saying it is neither a corpus nor a vectors file).
    """
    target = Path(path)
    if not target.exists():
        raise CorpusError(f"{target}: no such file or folder")
    if target.is_dir():
        return "bundle" if (target / INFO_FILE).is_file() else "corpus"
    name = target.name.lower()
    if name.endswith(VECTORS_SUFFIXES):
        return "vectors"
    if not name.endswith(CORPUS_SUFFIXES) and looks_like_vectors(target):
        return "vectors"
    if check_corpus:
        from workbench.core.corpora import detect_format

        try:
            detect_format(target)
        except CorpusError as exc:
            raise CorpusError(
                f"{target.name} is neither a corpus nor a vectors file ({exc})"
            ) from None
    return "corpus"
