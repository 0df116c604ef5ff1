"""What a training run records about where its model came from.

:func:`run_provenance` is the ``provenance`` block of a bundle (corpus, splits,
vectors and coverage); :func:`default_stem` names a bundle after its corpus,
model kind and time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.core.corpora.corpus import Corpus
from workbench.core.corpora.split import Splits
from workbench.core.learning.architectures.registry import model_tag
from workbench.core.learning.config.schema import TrainConfig
from workbench.core.text.vectors.loading import Coverage, Vectors


def default_stem(corpus: Corpus, config: TrainConfig, dim: int | None = None) -> str:
    """``"<corpus>-<architecture tag>-<time>"``, e.g. ``"bbc-bilstm64-20260101-120000"``.

    ``dim`` (the embedding width) resolves settings that depend on it (``units=0``).
    """
    source = Path(str(corpus.source)).name.split(".")[0] or "corpus"
    kind = model_tag(config.to_dict(), dim or config.embedding_dim)
    return f"{source}-{kind}-{datetime.now():%Y%m%d-%H%M%S}"


def run_provenance(
    corpus: Corpus,
    splits: Splits,
    vectors: Vectors | None,
    cover: Coverage | None,
    dim: int,
) -> dict:
    split_info = splits.to_dict()
    vec: dict[str, Any] = {"source": None, "format": None, "dim": dim, "coverage": None}
    if vectors is not None:
        report = vectors.report
        vec.update(
            source=str(report.source),
            format=report.format,
            dim=int(vectors.dim),
            rows_kept=int(report.rows_kept),
        )
    if cover is not None:
        vec["coverage"] = {
            "vocab_share": float(cover.vocab_share),
            "token_share": float(cover.token_share),
            "vocab_size": int(cover.vocab_size),
            "vocab_covered": int(cover.vocab_covered),
            "texts": cover.texts,
        }
    return {
        "corpus": {
            "source": str(corpus.source),
            "format": corpus.format,
            "documents": len(corpus),
            "class_counts": dict(corpus.class_counts()),
            "sizes": {
                "train": len(splits.train),
                "valid": len(splits.valid),
                "test": len(splits.test),
            },
            "predefined_splits": bool(splits.predefined),
            "duplicates": dict(splits.duplicates),
            "splits": split_info,
        },
        "vectors": vec,
    }
