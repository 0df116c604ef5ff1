"""Word vectors: text/.gz/.zip/word2vec parsing, the bundled GloVe, the cache, coverage."""

from workbench.core.text.vectors.loading import (
    BUNDLED,
    Coverage,
    Vectors,
    VectorsReport,
    coverage,
    embedding_matrix,
    load_vectors,
)
from workbench.core.text.vectors.source import split_member, vectors_members

__all__ = [
    "BUNDLED",
    "Coverage",
    "Vectors",
    "VectorsReport",
    "coverage",
    "embedding_matrix",
    "load_vectors",
    "split_member",
    "vectors_members",
]
