"""Corpus file formats: one reader per format and the detection that picks one."""

from workbench.core.corpora.formats.base import FORMATS, ReadOptions, normalise_format
from workbench.core.corpora.formats.registry import detect_format, find_split_parts, read_source

__all__ = [
    "FORMATS",
    "ReadOptions",
    "detect_format",
    "find_split_parts",
    "normalise_format",
    "read_source",
]
