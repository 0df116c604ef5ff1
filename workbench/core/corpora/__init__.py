"""Corpora: labelled texts read from disk, their import report, splits and statistics."""

from workbench.core.corpora.corpus import SPLIT_ORDER, Corpus
from workbench.core.corpora.formats import FORMATS, detect_format
from workbench.core.corpora.formats.delimited import auto_csv_columns
from workbench.core.corpora.loading import LABEL_VARIANTS, load_corpus
from workbench.core.corpora.report import ImportIssue, ImportReport
from workbench.core.corpora.split import Splits, split_corpus
from workbench.core.corpora.stats import CorpusStats, corpus_stats
from workbench.core.corpora.tables import (
    CsvTable,
    guess_label_column,
    guess_text_column,
    read_csv_header,
    read_csv_table,
)
from workbench.core.corpora.textio import decode_text, read_text_file

__all__ = [
    "FORMATS",
    "LABEL_VARIANTS",
    "SPLIT_ORDER",
    "Corpus",
    "CorpusStats",
    "CsvTable",
    "ImportIssue",
    "ImportReport",
    "Splits",
    "auto_csv_columns",
    "corpus_stats",
    "decode_text",
    "detect_format",
    "guess_label_column",
    "guess_text_column",
    "load_corpus",
    "read_csv_header",
    "read_csv_table",
    "read_text_file",
    "split_corpus",
]
