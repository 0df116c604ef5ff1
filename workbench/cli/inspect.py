"""The ``inspect`` command: describe a corpus, a vectors file or a saved bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workbench.cli.common import EXIT_OK, UsageError
from workbench.cli.output import counts_table, dumps, table

VECTOR_SUFFIXES = (".gz", ".zip", ".vec", ".bin", ".npy")
CORPUS_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".ndjson")


def looks_like_vectors_line(line: str) -> bool:
    """A word2vec header (``"400000 50"``) or a GloVe row (a word then numbers)."""
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return True
    if len(parts) < 3:
        return False
    try:
        [float(p) for p in parts[1:]]
    except ValueError:
        return False
    return True


def guess_kind(path: str) -> str:
    """``"corpus"``, ``"vectors"`` or ``"bundle"`` for ``path`` (CorpusError if missing)."""
    from workbench.core import CorpusError

    if path.strip().lower() == "bundled":
        return "vectors"
    file = Path(path)
    if not file.exists():
        from workbench.core import split_member

        if split_member(path)[1] is not None:
            return "vectors"  # FILE.zip:MEMBER
        raise CorpusError(f"no such file or folder: {path}")
    if file.is_dir():
        return "bundle" if (file / "bundle.json").is_file() else "corpus"
    name = file.name.lower()
    if name.endswith(VECTOR_SUFFIXES):
        return "vectors"
    if name.endswith(CORPUS_SUFFIXES):
        return "corpus"
    try:
        with open(file, "rb") as handle:
            first = handle.readline(65536).decode("utf-8", errors="replace")
    except OSError:
        return "corpus"  # the corpus loader reports the problem with the file's name
    return "vectors" if looks_like_vectors_line(first) else "corpus"


def cmd_inspect(args: argparse.Namespace) -> int:
    """``workbench inspect PATH``: print what PATH holds."""
    kind = guess_kind(args.path) if args.kind == "auto" else args.kind
    if kind == "bundle":
        if args.corpus or args.vectors:
            raise UsageError("--corpus/--vectors do not apply to a bundle")
        return _inspect_bundle(args)
    if kind == "vectors":
        if args.vectors:
            raise UsageError("PATH is a vectors file: use --corpus for coverage")
        return _inspect_vectors(args)
    if args.corpus:
        raise UsageError("PATH is a corpus: use --vectors for coverage")
    return _inspect_corpus(args)


def _phase() -> Any:
    from workbench.cli.progress import PhaseProgress, StatusLine

    return PhaseProgress(StatusLine(sys.stderr))


def _coverage(corpus: Any, vectors_source: str) -> tuple[Any, Any]:
    """Fit a tokenizer on the corpus and measure how much the vectors cover."""
    from workbench.cli.common import vectors_arg
    from workbench.core import Tokenizer, TrainConfig, coverage, load_vectors

    source = vectors_arg(vectors_source)
    if source is None:
        raise UsageError("coverage needs vectors: a file or 'bundled', not 'none'")
    config = TrainConfig()
    tokenizer = Tokenizer(max_words=config.max_words, min_count=config.min_count)
    tokenizer.fit(corpus.texts)
    vectors = load_vectors(source, vocabulary=set(tokenizer.word_counts), progress=_phase())
    return coverage(tokenizer, vectors), vectors


def _print_coverage(cov: Any) -> None:
    print(
        f"coverage: {cov.vocab_covered} of {cov.vocab_size} vocabulary words "
        f"({cov.vocab_share:.1%}), {cov.tokens_covered} of {cov.tokens_total} tokens "
        f"({cov.token_share:.1%})"
    )
    if cov.top_uncovered:
        words = ", ".join(f"{w} ({n})" for w, n in cov.top_uncovered)
        print(f"most frequent words without a vector: {words}")


def _inspect_corpus(args: argparse.Namespace) -> int:
    from workbench.cli.common import load_corpus_arg
    from workbench.core import corpus_stats

    corpus, report = load_corpus_arg(args, args.path, progress=_phase())
    stats = corpus_stats(corpus)
    cov = _coverage(corpus, args.vectors)[0] if args.vectors else None
    if args.json:
        data: dict[str, Any] = {
            "kind": "corpus",
            "source": str(corpus.source),
            "format": corpus.format,
            "documents": len(corpus),
            "class_counts": dict(corpus.class_counts()),
            "report": report.to_dict(),
            "stats": stats.to_dict(),
            "predefined_splits": _split_counts(corpus),
        }
        if cov is not None:
            data["coverage"] = cov.to_dict()
        print(dumps(data))
        return EXIT_OK
    print(f"corpus: {corpus.source}")
    print(f"format: {corpus.format}")
    print(f"documents: {len(corpus)} in {len(corpus.class_names)} classes")
    print(counts_table(corpus.class_counts()))
    splits = _split_counts(corpus)
    if splits:
        print("predefined splits: " + ", ".join(f"{k} {v}" for k, v in splits.items()))
    print(f"import: {report.summary()}")
    for title, issues in (("skipped", report.skipped), ("warnings", report.warnings)):
        if issues:
            print(f"{title}:")
            for issue in issues:
                print(f"  {issue}")
    pct = stats.percentiles
    order = ("min", "p50", "p90", "p95", "p99", "max", "mean")
    shown = "  ".join(f"{k} {pct[k]:.0f}" for k in order if k in pct)
    print(f"tokens per document: {shown}")
    print(f"suggested maxlen: {stats.suggested_maxlen}")
    if cov is not None:
        _print_coverage(cov)
    return EXIT_OK


def _split_counts(corpus: Any) -> dict[str, int] | None:
    if not corpus.splits:
        return None
    counts: dict[str, int] = {}
    for name in corpus.splits:
        counts[name] = counts.get(name, 0) + 1
    return counts


def _inspect_vectors(args: argparse.Namespace) -> int:
    from workbench.cli.common import load_corpus_arg, vectors_arg
    from workbench.core import load_vectors

    if vectors_arg(args.path) is None:
        raise UsageError("'none' is not a vectors file")
    cov = None
    if args.corpus:
        corpus, _ = load_corpus_arg(args, args.corpus, progress=_phase())
        cov, vectors = _coverage(corpus, args.path)
    else:
        vectors = load_vectors(vectors_arg(args.path), progress=_phase())
    report = vectors.report
    if args.json:
        data: dict[str, Any] = {"kind": "vectors", **report.to_dict()}
        if cov is not None:
            data["coverage"] = cov.to_dict()
        print(dumps(data))
        return EXIT_OK
    print(f"vectors: {report.source}")
    print(f"format: {report.format}")
    print(f"dimension: {report.dim}")
    print(f"rows: {report.rows_read}" + (f" ({report.rows_kept} kept)" if cov else ""))
    malformed = f"malformed lines: {report.malformed}"
    if report.malformed_lines:
        malformed += " (lines " + ", ".join(str(n) for n in report.malformed_lines) + ")"
    print(malformed)
    cached = ", from cache" if report.from_cache else ""
    print(f"loaded in {report.elapsed_s:.1f} s{cached}")
    if cov is not None:
        _print_coverage(cov)
    return EXIT_OK


def _inspect_bundle(args: argparse.Namespace) -> int:
    from workbench.core import read_bundle_info

    bundle = read_bundle_info(args.path)
    if args.json:
        print(dumps({"kind": "bundle", **bundle.to_dict()}))
        return EXIT_OK
    print(f"bundle: {bundle.name} ({bundle.path})")
    print(f"created: {bundle.created}")
    print(f"model: {bundle.summary()}")
    print(f"classes: {', '.join(bundle.class_names)}")
    acc = "-" if bundle.accuracy is None else f"{bundle.accuracy:.4f}"
    f1 = "-" if bundle.macro_f1 is None else f"{bundle.macro_f1:.4f}"
    print(f"test accuracy {acc}  macro F1 {f1}")
    rows = [[k, str(v)] for k, v in bundle.config.items()]
    if rows:
        print(table(["setting", "value"], rows))
    return EXIT_OK
