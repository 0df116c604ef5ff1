"""Word vectors: text/.gz/.zip/word2vec parsing, the bundled GloVe, the cache, coverage."""

from workbench.core.text.vectors.choice import VectorsSource
from workbench.core.text.vectors.loading import (
    BUNDLED,
    COVERAGE_DEFINITION,
    Coverage,
    Vectors,
    VectorsReport,
    coverage,
    coverage_tokenizer,
    describe_texts,
    embedding_matrix,
    load_vectors,
)
from workbench.core.text.vectors.source import split_member, vectors_members

__all__ = [
    "BUNDLED",
    "COVERAGE_DEFINITION",
    "Coverage",
    "Vectors",
    "VectorsReport",
    "VectorsSource",
    "coverage",
    "coverage_tokenizer",
    "describe_texts",
    "embedding_matrix",
    "load_vectors",
    "split_member",
    "vectors_members",
]
