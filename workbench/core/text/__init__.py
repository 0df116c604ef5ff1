"""Tokens and word vectors: the tokenizer, GloVe/word2vec loading, coverage and embeddings."""

from workbench.core.text.tokenizer import Tokenizer, tokenize, tokenize_spans
from workbench.core.text.vectors import (
    BUNDLED,
    Coverage,
    Vectors,
    VectorsReport,
    coverage,
    embedding_matrix,
    load_vectors,
)

__all__ = [
    "BUNDLED",
    "Coverage",
    "Tokenizer",
    "Vectors",
    "VectorsReport",
    "coverage",
    "embedding_matrix",
    "load_vectors",
    "tokenize",
    "tokenize_spans",
]
