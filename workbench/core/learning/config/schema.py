"""Training configuration: one frozen, validated dataclass with TOML and ``--set`` support.

``TrainConfig()`` is the recommended recipe (GloVe-initialised BiLSTM whose outputs are
max-pooled over time, reading the first 400 tokens, fused with a TF-IDF-style linear model
of the words and word bigrams of the first 1500 tokens: "wide and deep"). Every value is
checked in ``__post_init__``; a bad one raises
:class:`~workbench.core.errors.ConfigError` naming it (``"units must be >= 1, got 0"``).

TOML layout: :meth:`TrainConfig.to_toml` writes one ``[train]`` table, each key preceded
by a comment holding its help text. :meth:`TrainConfig.from_toml` reads either that
``[train]`` table or the same keys at the top level of the document. Keys left out take
their default values.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import numbers
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.errors import ConfigError
from workbench.core.learning.config import toml_io as config_toml

CHOICES: dict[str, tuple[str, ...]] = {
    "padding": ("pre", "post"),
    "truncating": ("pre", "post"),
    "rnn": ("lstm", "gru"),
    "pooling": ("max", "mean", "last"),
    "optimizer": ("adam", "sgd", "adagrad", "rmsprop"),
    "class_weight": ("none", "balanced"),
}
"""Allowed values of every string setting (GUI combo boxes use these)."""

FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "text": ("max_words", "min_count", "maxlen", "padding", "truncating"),
    "model": (
        "embedding_dim",
        "trainable_embedding",
        "rnn",
        "units",
        "layers",
        "bidirectional",
        "pooling",
        "dropout",
        "rnn_maxlen",
        "wide_ngrams",
        "wide_buckets",
    ),
    "training": (
        "optimizer",
        "learning_rate",
        "batch_size",
        "epochs",
        "seed",
        "patience",
        "class_weight",
        "baseline",
    ),
    "split": ("val_fraction", "test_fraction"),
}
"""Settings grouped as the GUI and the TOML comments present them."""

_HELP: dict[str, str] = {
    "max_words": "Vocabulary size: keep the most frequent words of the training split.",
    "min_count": "Ignore words seen fewer times than this in the training split.",
    "maxlen": "Tokens kept per document; longer ones are cut, shorter ones padded.",
    "padding": "Where padding goes in short documents: 'pre' or 'post'.",
    "truncating": "Which end of a long document is cut: 'pre' (start) or 'post' (end).",
    "embedding_dim": "Embedding width when no word vectors are used (else the vectors' width).",
    "trainable_embedding": "Fine-tune the word vectors while training.",
    "rnn": "Recurrent layer type: 'lstm' or 'gru'.",
    "units": "Units per recurrent layer (per direction when bidirectional).",
    "layers": "Number of stacked recurrent layers.",
    "bidirectional": "Read each document forwards and backwards.",
    "pooling": "Document vector: 'max' or 'mean' over time steps, or the 'last' state.",
    "dropout": "Dropout rate after the embedding and before the output layer (0 = off).",
    "optimizer": "Optimizer: 'adam', 'sgd', 'adagrad' or 'rmsprop'.",
    "learning_rate": "Optimizer step size.",
    "batch_size": "Documents per training step.",
    "epochs": "Maximum passes over the training split.",
    "seed": "Random seed for weights and shuffling (same seed, same run where TF allows).",
    "patience": "Stop after this many epochs without a lower validation loss (0 = never).",
    "class_weight": "'balanced' weighs rare classes up in the loss; 'none' weighs all equally.",
    "rnn_maxlen": "Tokens the recurrent layers read (the first ones; 0 = all maxlen).",
    "wide_ngrams": "Bag-of-n-grams branch beside the recurrent one over all maxlen tokens: "
    "0 = off, 1 = words, 2 = words and word bigrams.",
    "wide_buckets": "Hash buckets for the word bigrams of the bag-of-n-grams branch.",
    "baseline": "Also train a TF-IDF linear baseline (seconds) and report it beside the model.",
    "val_fraction": "Share of the whole corpus held out for validation.",
    "test_fraction": "Share of the whole corpus held out for the final test.",
}

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of one training run (text, model, optimisation, split)."""

    # text
    max_words: int = 20000
    min_count: int = 1
    maxlen: int = 1500
    padding: str = "post"
    truncating: str = "post"
    # model
    embedding_dim: int = 50
    trainable_embedding: bool = True
    rnn: str = "lstm"
    units: int = 64
    layers: int = 1
    bidirectional: bool = True
    pooling: str = "max"
    dropout: float = 0.3
    rnn_maxlen: int = 400
    wide_ngrams: int = 2
    wide_buckets: int = 262144
    # training
    optimizer: str = "adam"
    learning_rate: float = 2e-3
    batch_size: int = 32
    epochs: int = 15
    seed: int = 0
    patience: int = 3
    class_weight: str = "none"
    baseline: bool = True
    # split
    val_fraction: float = 0.1
    test_fraction: float = 0.2

    def __post_init__(self) -> None:
        for name in _field_names():
            value = _check_value(name, getattr(self, name))
            object.__setattr__(self, name, value)
        _check_combination(self)

    # ------------------------------------------------------------------ dicts
    def to_dict(self) -> dict[str, Any]:
        """All settings as a JSON-serialisable dict (field order kept)."""
        return {name: getattr(self, name) for name in _field_names()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> TrainConfig:
        """Build a config from a dict; missing keys take defaults.

        Unknown keys and bad values raise :class:`ConfigError`, prefixed with
        ``source`` (a file name) when given.
        """
        return _from_mapping(data, source=source, text=None)

    # ------------------------------------------------------------------- TOML
    def to_toml(self) -> str:
        """The settings as a commented ``[train]`` TOML table (standard library only)."""
        lines = ["# Workbench training settings (read back with TrainConfig.from_toml).", ""]
        lines.append("[train]")
        for group, names in FIELD_GROUPS.items():
            lines.append("")
            lines.append(f"# --- {group} ---")
            for name in names:
                lines.append(f"# {_HELP[name]}")
                choices = CHOICES.get(name)
                if choices:
                    lines.append("# one of: " + ", ".join(choices))
                lines.append(f"{name} = {config_toml.toml_value(getattr(self, name))}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text_or_path: str | Path) -> TrainConfig:
        """Read settings from a TOML file path or from TOML text.

        A :class:`~pathlib.Path`, or a one-line string without ``=``, is a file path;
        anything else is TOML text. Errors name the file (or ``TOML text``) and, where
        it can be found, the line of the offending key.
        """
        source, text = config_toml.read_toml_source(text_or_path)
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{source}: invalid TOML: {error}") from None
        table: Any = document
        if "train" in document and isinstance(document["train"], dict):
            extra = [key for key in document if key != "train"]
            if extra:
                line = config_toml.key_line(text, extra[0])
                raise ConfigError(
                    config_toml.where(source, line) + f"unexpected key '{extra[0]}' outside [train]"
                )
            table = document["train"]
        return _from_mapping(table, source=source, text=text)

    # -------------------------------------------------------------- overrides
    def with_overrides(self, items: Iterable[str]) -> TrainConfig:
        """A copy with ``KEY=VALUE`` items applied (``["units=128", "rnn=gru"]``).

        Values are parsed by the field's type: integers, floats (``1e-3``), booleans
        (``true/false/yes/no/on/off/1/0``) and strings (quotes optional).
        """
        if isinstance(items, str):
            items = [items]
        changes: dict[str, Any] = {}
        for item in items:
            if not isinstance(item, str) or "=" not in item:
                raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
            key, _, raw = item.partition("=")
            key = key.strip()
            if not key:
                raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
            if key not in _field_types():
                raise ConfigError(_unknown_message(key))
            changes[key] = _parse_text(key, raw.strip())
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------- help
    @classmethod
    def field_help(cls) -> dict[str, str]:
        """One line of help per setting (GUI tooltips, CLI ``--help``)."""
        return dict(_HELP)

    @classmethod
    def field_types(cls) -> dict[str, type]:
        """The Python type of every setting (``int``, ``float``, ``bool`` or ``str``)."""
        return dict(_field_types())


# ---------------------------------------------------------------- validation
_INT_MIN: dict[str, int] = {
    "max_words": 1,
    "min_count": 1,
    "maxlen": 1,
    "embedding_dim": 1,
    "units": 1,
    "layers": 1,
    "batch_size": 1,
    "epochs": 1,
    "seed": 0,
    "patience": 0,
    "rnn_maxlen": 0,
    "wide_ngrams": 0,
    "wide_buckets": 1,
}


@functools.cache
def _field_names() -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(TrainConfig))


@functools.cache
def _field_types() -> dict[str, type]:
    names = {"int": int, "float": float, "bool": bool, "str": str}
    return {field.name: names[str(field.type)] for field in dataclasses.fields(TrainConfig)}


def _check_value(name: str, value: Any) -> Any:
    """Check one setting's type and range; return it normalised (int -> float, lowercase)."""
    kind = _field_types()[name]
    is_bool = isinstance(value, bool | np.bool_)
    if kind is bool:
        if not is_bool:
            raise ConfigError(f"{name} must be true or false, got {value!r}")
        return bool(value)
    if kind is int:
        if is_bool or not isinstance(value, numbers.Integral):
            raise ConfigError(f"{name} must be an integer, got {value!r}")
        value = int(value)
        minimum = _INT_MIN[name]
        if value < minimum:
            raise ConfigError(f"{name} must be >= {minimum}, got {value}")
        return value
    if kind is float:
        if is_bool or not isinstance(value, numbers.Real):
            raise ConfigError(f"{name} must be a number, got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{name} must be a finite number, got {value}")
        return _check_float_range(name, value)
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a string, got {value!r}")
    normalised = value.strip().lower()
    choices = CHOICES[name]
    if normalised not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise ConfigError(f"{name} must be one of {allowed}, got {value!r}")
    return normalised


def _check_float_range(name: str, value: float) -> float:
    if name == "learning_rate" and value <= 0:
        raise ConfigError(f"learning_rate must be > 0, got {value}")
    if name == "dropout" and not 0 <= value < 1:
        raise ConfigError(f"dropout must be in [0, 1), got {value}")
    if name == "val_fraction" and not 0 < value < 1:
        raise ConfigError(f"val_fraction must be in (0, 1), got {value}")
    if name == "test_fraction" and not 0 <= value < 1:
        raise ConfigError(f"test_fraction must be in [0, 1), got {value}")
    return value


def _check_combination(config: TrainConfig) -> None:
    if config.wide_ngrams > 2:
        raise ConfigError(f"wide_ngrams must be 0, 1 or 2, got {config.wide_ngrams}")
    total = config.val_fraction + config.test_fraction
    if total >= 1:
        raise ConfigError(
            "val_fraction + test_fraction must be < 1, "
            f"got {config.val_fraction} + {config.test_fraction}"
        )


def _from_mapping(data: Any, *, source: str | None, text: str | None) -> TrainConfig:
    """Check every key and value of ``data`` and build the config.

    Messages are prefixed with ``source`` and, when ``text`` (the TOML) is given, the
    line of the offending key.
    """
    if not isinstance(data, Mapping):
        prefix = config_toml.where(source, None)
        raise ConfigError(f"{prefix}expected a table of settings, got {data!r}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = config_toml.key_line(text, str(key)) if text is not None else None
        prefix = config_toml.where(source, line)
        if key not in _field_types():
            raise ConfigError(prefix + _unknown_message(str(key)))
        try:
            values[key] = _check_value(key, value)
        except ConfigError as error:
            raise ConfigError(prefix + str(error)) from None
    try:
        return TrainConfig(**values)
    except ConfigError as error:
        raise ConfigError(config_toml.where(source, None) + str(error)) from None


def _unknown_message(key: str) -> str:
    close = difflib.get_close_matches(key, _field_names(), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown setting '{key}'{hint}"


def _parse_text(name: str, raw: str) -> Any:
    """Parse a ``--set`` value by the type of setting ``name``."""
    kind = _field_types()[name]
    if kind is bool:
        lowered = raw.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{name} must be true or false, got {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        raw = raw[1:-1]
    return raw


PRESETS: dict[str, TrainConfig] = {
    "recommended": TrainConfig(),
    "seed-article": TrainConfig(
        max_words=5000,
        maxlen=100,
        rnn_maxlen=0,
        wide_ngrams=0,
        units=150,
        bidirectional=False,
        pooling="last",
        dropout=0.0,
        optimizer="adam",
        learning_rate=1e-3,
        epochs=6,
        patience=0,
    ),
}
"""Named starting points: ``"recommended"`` (the defaults) and ``"seed-article"``."""
