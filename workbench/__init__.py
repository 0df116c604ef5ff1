"""Workbench: a desktop text-classification workbench (LSTM over GloVe)."""

__version__ = "0.1.0"
