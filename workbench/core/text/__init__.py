"""Tokens and word vectors: the tokenizer, GloVe/word2vec loading, coverage and embeddings."""

from workbench.core.text.tokenizer import Tokenizer, tokenize, tokenize_spans
from workbench.core.text.vectors import (
    BUNDLED,
    COVERAGE_DEFINITION,
    Coverage,
    Vectors,
    VectorsReport,
    VectorsSource,
    coverage,
    coverage_tokenizer,
    describe_texts,
    embedding_matrix,
    load_vectors,
    split_member,
    vectors_members,
)

__all__ = [
    "BUNDLED",
    "COVERAGE_DEFINITION",
    "Coverage",
    "Tokenizer",
    "Vectors",
    "VectorsReport",
    "VectorsSource",
    "coverage",
    "coverage_tokenizer",
    "describe_texts",
    "embedding_matrix",
    "load_vectors",
    "split_member",
    "tokenize",
    "tokenize_spans",
    "vectors_members",
]
