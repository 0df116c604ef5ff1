"""Training configuration: one frozen, validated dataclass with TOML and ``--set`` support.

``TrainConfig()`` is the recommended recipe (GloVe-initialised BiLSTM whose outputs are
max-pooled over time, reading the first 400 tokens, mixed with a linear model of the
words of the first 1500 tokens fitted with a naive Bayes prior: "wide and deep"). Each
field declares its label, help, group, bounds and choices once
(:mod:`~workbench.core.learning.config.fields`); every value is checked against
them in ``__post_init__``, and a bad one raises
:class:`~workbench.core.errors.ConfigError` naming it (``"layers must be >= 1, got 0"``).

TOML layout: :meth:`TrainConfig.to_toml` writes one ``[train]`` table, each key preceded
by a comment holding its help text. :meth:`TrainConfig.from_toml` reads either that
``[train]`` table or the same keys at the top level of the document. Keys left out take
their default values.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.errors import ConfigError
from workbench.core.learning.config import toml_io as config_toml
from workbench.core.learning.config.fields import GROUP_TITLES, Setting, setting, settings_of


def _architecture_names() -> tuple[str, ...]:
    from workbench.core.learning.architectures.registry import architecture_names

    return architecture_names()


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of one training run (text, model, optimisation, split).

    Each field declares its label, help, group, bounds and choices once
    (:func:`~workbench.core.learning.config.fields.setting`); see :meth:`settings`.
    """

    # text
    max_words: int = setting(
        20000,
        label="Vocabulary size",
        help="Vocabulary size: keep the most frequent words of the training split.",
        group="text",
        minimum=1,
        maximum=10_000_000,
        unit="words",
        step=1000,
    )
    min_count: int = setting(
        1,
        label="Min word count",
        help="Ignore words seen fewer times than this in the training split.",
        group="text",
        minimum=1,
        maximum=1_000_000_000,
    )
    maxlen: int = setting(
        1500,
        label="Tokens per document",
        help="Tokens kept per document; longer ones are cut, shorter ones padded.",
        group="text",
        minimum=1,
        maximum=100_000,
        unit="tokens",
        step=10,
    )
    padding: str = setting(
        "post",
        label="Padding",
        help="Where padding goes in short documents: 'pre' or 'post'.",
        group="text",
        choices=("pre", "post"),
    )
    truncating: str = setting(
        "post",
        label="Truncating",
        help="Which end of a long document is cut: 'pre' (start) or 'post' (end).",
        group="text",
        choices=("pre", "post"),
    )
    # model
    embedding_dim: int = setting(
        50,
        label="Embedding size",
        help="Embedding width when no word vectors are used (else the vectors' width).",
        group="model",
        minimum=1,
        maximum=4096,
        step=10,
    )
    trainable_embedding: bool = setting(
        True,
        label="Fine-tune embedding",
        help="Fine-tune the word vectors while training.",
        group="model",
    )
    architecture: str = setting(
        "lstm",
        label="Architecture",
        help="Model architecture: 'lstm' or 'gru' (recurrent layers), or another registered one.",
        group="model",
        choices=_architecture_names,
    )
    units: int = setting(
        64,
        label="Units",
        help="Units per recurrent layer (per direction when bidirectional).",
        group="model",
        minimum=0,
        maximum=100_000,
        special={0: "half the embedding width"},
        step=8,
    )
    layers: int = setting(
        1,
        label="Layers",
        help="Number of stacked recurrent layers.",
        group="model",
        minimum=1,
        maximum=64,
    )
    bidirectional: bool = setting(
        True,
        label="Bidirectional",
        help="Read each document forwards and backwards.",
        group="model",
    )
    pooling: str = setting(
        "max",
        label="Pooling",
        help="Document vector: 'max' or 'mean' over time steps, or the 'last' state.",
        group="model",
        choices=("max", "mean", "last"),
    )
    dropout: float = setting(
        0.3,
        label="Dropout",
        help="Dropout rate after the embedding and before the output layer (0 = off).",
        group="model",
        minimum=0.0,
        maximum=1.0,
        open_max=True,
        step=0.05,
        decimals=2,
    )
    rnn_maxlen: int = setting(
        400,
        label="Tokens the RNN reads",
        help="Tokens the recurrent layers read (the first ones; 0 = all maxlen).",
        group="model",
        minimum=0,
        maximum=100_000,
        unit="tokens",
        step=50,
    )
    wide_ngrams: int = setting(
        2,
        label="Bag-of-n-grams part",
        help="A linear part over the words (1) or words and word bigrams (2) of all maxlen "
        "tokens, mixed with the recurrent part (0 = off).",
        group="model",
        minimum=0,
        maximum=2,
    )
    wide_order_by_validation: bool = setting(
        True,
        label="Validation picks the n-grams",
        help="Fit the linear part on words only and on words and bigrams (up to wide_ngrams) "
        "and keep the one whose mix is most accurate on the validation split.",
        group="model",
    )
    wide_average_near_best: bool = setting(
        True,
        label="Average the near-best mixes",
        help="Average every order, penalty and weight of the linear part whose mix is within "
        "one standard error of the best validation accuracy, instead of keeping the best alone.",
        group="model",
    )
    wide_naive_bayes: bool = setting(
        True,
        label="Naive Bayes prior",
        help="Penalise each weight of the linear part less the more its term's share of "
        "one class differs from its share of the others (the log-count ratio of naive "
        "Bayes, as in NBSVM), instead of all weights alike.",
        group="model",
    )
    wide_buckets: int = setting(
        262_144,
        label="Bigram hash buckets",
        help="Hash buckets for the word bigrams of the bag-of-n-grams part.",
        group="model",
        minimum=1,
        maximum=16_777_216,
        step=65_536,
    )
    # training
    optimizer: str = setting(
        "adam",
        label="Optimizer",
        help="Optimizer: 'adam', 'sgd', 'adagrad' or 'rmsprop'.",
        group="training",
        choices=("adam", "sgd", "adagrad", "rmsprop"),
    )
    learning_rate: float = setting(
        2e-3,
        label="Learning rate",
        help="Optimizer step size.",
        group="training",
        minimum=0.0,
        maximum=10.0,
        open_min=True,
        step=0.0,
        decimals=5,
        log_scale=True,
    )
    batch_size: int = setting(
        32,
        label="Batch size",
        help="Documents per training step.",
        group="training",
        minimum=1,
        maximum=65_536,
        unit="documents",
        step=8,
    )
    epochs: int = setting(
        15,
        label="Epochs",
        help="Maximum passes over the training split.",
        group="training",
        minimum=1,
        maximum=10_000,
    )
    seed: int = setting(
        0,
        label="Seed",
        help="Random seed for weights and shuffling (same seed, same run where TF allows).",
        group="training",
        minimum=0,
        maximum=2**31 - 1,
    )
    patience: int = setting(
        3,
        label="Early-stop patience",
        help="Stop after this many epochs without a lower validation loss (0 = never).",
        group="training",
        minimum=0,
        maximum=10_000,
        unit="epochs",
    )
    average_epochs: int = setting(
        3,
        label="Average best epochs",
        help="Average the weights of this many epochs with the lowest validation loss; "
        "kept only when the average has a lower validation loss than the best epoch "
        "(1 = the best epoch alone).",
        group="training",
        minimum=1,
        maximum=20,
        unit="epochs",
    )
    class_weight: str = setting(
        "none",
        label="Class weights",
        help="'balanced' weighs rare classes up in the loss; 'none' weighs all equally.",
        group="training",
        choices=("none", "balanced"),
    )
    label_smoothing: float = setting(
        0.0,
        label="Label smoothing",
        help="Share of each training target spread evenly over all classes in the recurrent "
        "part's loss, so it is less sure of itself; its loss curves then stay above zero "
        "(0 = off).",
        group="training",
        minimum=0.0,
        maximum=0.5,
        step=0.05,
        decimals=2,
    )
    mixed_precision: bool = setting(
        False,
        label="Mixed precision",
        help="Compute in float16 (weights stay float32): faster on recent GPUs.",
        group="training",
    )
    baseline: bool = setting(
        True,
        label="Linear baseline",
        help="Also train a TF-IDF linear baseline (seconds) and report it beside the model.",
        group="training",
    )
    # split
    val_fraction: float = setting(
        0.1,
        label="Validation share",
        help="Share of the whole corpus held out for validation.",
        group="split",
        minimum=0.0,
        maximum=1.0,
        open_min=True,
        open_max=True,
        step=0.05,
        decimals=3,
    )
    test_fraction: float = setting(
        0.2,
        label="Test share",
        help="Share of the whole corpus held out for the final test.",
        group="split",
        minimum=0.0,
        maximum=1.0,
        open_max=True,
        step=0.05,
        decimals=3,
    )

    def __post_init__(self) -> None:
        for name, info in _settings().items():
            object.__setattr__(self, name, info.check(getattr(self, name)))
        _check_combination(self)

    # ------------------------------------------------------------------ dicts
    def to_dict(self) -> dict[str, Any]:
        """All settings as a JSON-serialisable dict (field order kept)."""
        return {name: getattr(self, name) for name in _settings()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> TrainConfig:
        """Build a config from a dict; missing keys take defaults.

        Unknown keys and bad values raise :class:`ConfigError`, prefixed with
        ``source`` (a file name) when given. The old key ``rnn`` (configs written
        before the architecture registry) is read as ``architecture``.
        """
        return _from_mapping(data, source=source, text=None)

    # ------------------------------------------------------------------- TOML
    def to_toml(self) -> str:
        """The settings as a commented ``[train]`` TOML table (standard library only)."""
        lines = ["# Workbench training settings (read back with TrainConfig.from_toml).", ""]
        lines.append("[train]")
        for group, infos in settings_by_group().items():
            lines.append("")
            lines.append(f"# --- {group} ---")
            for info in infos:
                lines.append(f"# {info.help}")
                if info.choices:
                    lines.append("# one of: " + ", ".join(info.choices))
                elif info.limits_text():
                    lines.append(f"# range: {info.limits_text()}")
                lines.append(f"{info.name} = {config_toml.toml_value(getattr(self, info.name))}")
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
        """A copy with ``KEY=VALUE`` items applied (``["units=128", "architecture=gru"]``).

        Values are parsed by the field's type: integers, floats (``1e-3``), booleans
        (``true/false/yes/no/on/off/1/0``) and strings (quotes optional).
        """
        if isinstance(items, str):
            items = [items]
        settings = _settings()
        changes: dict[str, Any] = {}
        for item in items:
            if not isinstance(item, str) or "=" not in item:
                raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
            key, _, raw = item.partition("=")
            key = _ALIASES.get(key.strip(), key.strip())
            if not key:
                raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
            if key not in settings:
                raise ConfigError(_unknown_message(key))
            changes[key] = settings[key].parse(raw.strip())
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------- help
    @classmethod
    def settings(cls) -> dict[str, Setting]:
        """Name -> :class:`Setting` (label, help, group, bounds, choices) of every field."""
        return dict(_settings())

    @classmethod
    def field_help(cls) -> dict[str, str]:
        """One line of help per setting (its range: ``settings()[name].describe()``)."""
        return {name: info.help for name, info in _settings().items()}

    @classmethod
    def field_types(cls) -> dict[str, type]:
        """The Python type of every setting (``int``, ``float``, ``bool`` or ``str``)."""
        return {name: info.kind for name, info in _settings().items()}


# ---------------------------------------------------------------- validation
_ALIASES = {"rnn": "architecture"}
"""Keys of older configs and bundles, read under their current name."""


@functools.cache
def _settings() -> dict[str, Setting]:
    return settings_of(TrainConfig)


def settings_by_group() -> dict[str, list[Setting]]:
    """The settings of :class:`TrainConfig` by group, groups in display order."""
    out: dict[str, list[Setting]] = {group: [] for group in GROUP_TITLES}
    for info in _settings().values():
        out[info.group].append(info)
    return {group: infos for group, infos in out.items() if infos}


def _check_combination(config: TrainConfig) -> None:
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
    settings = _settings()
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = config_toml.key_line(text, str(key)) if text is not None else None
        prefix = config_toml.where(source, line)
        name = _ALIASES.get(key, key) if isinstance(key, str) else key
        if name not in settings:
            raise ConfigError(prefix + _unknown_message(str(key)))
        if name != key and name in data:
            continue  # the current key wins over its old alias
        try:
            values[name] = settings[name].check(value)
        except ConfigError as error:
            raise ConfigError(prefix + str(error)) from None
    try:
        return TrainConfig(**values)
    except ConfigError as error:
        raise ConfigError(config_toml.where(source, None) + str(error)) from None


def _unknown_message(key: str) -> str:
    close = difflib.get_close_matches(key, list(_settings()), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown setting '{key}'{hint}"


PRESETS: dict[str, TrainConfig] = {
    "recommended": TrainConfig(),
    "seed-article": TrainConfig(
        max_words=5000,
        maxlen=100,
        rnn_maxlen=0,
        wide_ngrams=0,
        embedding_dim=300,
        architecture="lstm",
        units=0,
        bidirectional=False,
        pooling="last",
        dropout=0.0,
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=32,
        epochs=10,
        patience=0,
        average_epochs=1,
    ),
}
"""Named starting points: ``"recommended"`` (the defaults) and ``"seed-article"``."""

PRESET_DESCRIPTIONS: dict[str, str] = {
    "recommended": (
        "The measured best default (wide and deep): a GloVe-initialised BiLSTM 64 reading "
        "the first 400 tokens, its outputs max-pooled over time, mixed with a TF-IDF "
        "linear model of the words, or words and bigrams, of the first 1500 tokens "
        "(validation picks which; a naive Bayes prior on its weights); vocabulary "
        "20000, up to 15 epochs with early stopping (patience 3), the weights of the 3 "
        "epochs of lowest validation loss averaged when that lowers it; a TF-IDF linear "
        "baseline is trained and reported beside it."
    ),
    "seed-article": (
        "The seed article's recipe: Embedding (random 300-d, or the vectors' width when "
        "vectors are given) -> one LSTM with half the embedding width in units (150 for "
        "300-d, 25 for 50-d vectors; units = 0) -> softmax on the last state; maxlen 100, "
        "vocabulary 5000, adam (learning rate 0.001), batch 32, 10 epochs, no dropout, "
        "no early stopping."
    ),
}
"""One line per preset: what it is (Train form tooltip, ``workbench config --preset``)."""
