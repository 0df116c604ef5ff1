"""TrainConfig: defaults, validation messages, dict/TOML round trips, --set overrides, presets."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import numpy as np
import pytest

from workbench.core import CHOICES, FIELD_GROUPS, PRESETS, ConfigError, TrainConfig


def test_defaults_are_the_recommended_recipe():
    config = TrainConfig()
    assert config.to_dict() == {
        "max_words": 20000,
        "min_count": 1,
        "maxlen": 1500,
        "padding": "post",
        "truncating": "post",
        "embedding_dim": 50,
        "trainable_embedding": True,
        "rnn": "lstm",
        "units": 64,
        "layers": 1,
        "bidirectional": True,
        "pooling": "max",
        "dropout": 0.3,
        "rnn_maxlen": 400,
        "wide_ngrams": 2,
        "wide_buckets": 262144,
        "optimizer": "adam",
        "learning_rate": 2e-3,
        "batch_size": 32,
        "epochs": 15,
        "seed": 0,
        "patience": 3,
        "class_weight": "none",
        "baseline": True,
        "val_fraction": 0.1,
        "test_fraction": 0.2,
    }
    assert PRESETS["recommended"] == config


def test_seed_article_preset():
    seed = PRESETS["seed-article"]
    assert (seed.rnn, seed.units, seed.bidirectional, seed.pooling) == ("lstm", 150, False, "last")
    assert (seed.maxlen, seed.max_words, seed.dropout, seed.epochs, seed.patience) == (
        100,
        5000,
        0.0,
        6,
        0,
    )
    assert (seed.optimizer, seed.learning_rate) == ("adam", 1e-3)
    assert (seed.wide_ngrams, seed.rnn_maxlen) == (0, 0)  # the seed article's plain LSTM


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().units = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_words", 0, "max_words must be >= 1, got 0"),
        ("min_count", 0, "min_count must be >= 1, got 0"),
        ("maxlen", -5, "maxlen must be >= 1, got -5"),
        ("padding", "middle", "padding must be one of 'pre', 'post', got 'middle'"),
        ("truncating", "both", "truncating must be one of 'pre', 'post', got 'both'"),
        ("embedding_dim", 0, "embedding_dim must be >= 1, got 0"),
        ("trainable_embedding", "yes", "trainable_embedding must be true or false, got 'yes'"),
        ("rnn", "rnnn", "rnn must be one of 'lstm', 'gru', got 'rnnn'"),
        ("units", 0, "units must be >= 1, got 0"),
        ("units", "64", "units must be an integer, got '64'"),
        ("units", 6.5, "units must be an integer, got 6.5"),
        ("units", True, "units must be an integer, got True"),
        ("layers", 0, "layers must be >= 1, got 0"),
        ("bidirectional", 1, "bidirectional must be true or false, got 1"),
        ("pooling", "min", "pooling must be one of 'max', 'mean', 'last', got 'min'"),
        ("dropout", 1.0, "dropout must be in [0, 1), got 1.0"),
        ("dropout", -0.1, "dropout must be in [0, 1), got -0.1"),
        ("dropout", "0.5", "dropout must be a number, got '0.5'"),
        ("optimizer", "adamw", "optimizer must be one of 'adam', 'sgd', 'adagrad', 'rmsprop'"),
        ("learning_rate", 0.0, "learning_rate must be > 0, got 0.0"),
        ("learning_rate", float("nan"), "learning_rate must be a finite number, got nan"),
        ("batch_size", 0, "batch_size must be >= 1, got 0"),
        ("epochs", 0, "epochs must be >= 1, got 0"),
        ("seed", -1, "seed must be >= 0, got -1"),
        ("patience", -1, "patience must be >= 0, got -1"),
        ("class_weight", "auto", "class_weight must be one of 'none', 'balanced', got 'auto'"),
        ("val_fraction", 0.0, "val_fraction must be in (0, 1), got 0.0"),
        ("test_fraction", 1.0, "test_fraction must be in [0, 1), got 1.0"),
    ],
)
def test_each_field_is_validated(field, value, message):
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        TrainConfig(**{field: value})


def test_fractions_must_leave_training_data():
    with pytest.raises(ConfigError, match=r"val_fraction \+ test_fraction must be < 1"):
        TrainConfig(val_fraction=0.5, test_fraction=0.5)


def test_values_are_normalised():
    config = TrainConfig(rnn=" GRU ", learning_rate=1, dropout=0)
    assert config.rnn == "gru"
    assert isinstance(config.learning_rate, float)
    assert isinstance(config.dropout, float)
    numpy_values = TrainConfig(units=np.int64(8), dropout=np.float32(0.5), bidirectional=np.True_)
    assert type(numpy_values.units) is int
    assert type(numpy_values.dropout) is float
    assert numpy_values.bidirectional is True
    assert numpy_values == TrainConfig(units=8, dropout=0.5)


def test_every_field_has_help_group_and_type():
    names = [field.name for field in dataclasses.fields(TrainConfig)]
    help_ = TrainConfig.field_help()
    assert sorted(help_) == sorted(names)
    assert all(text and "\n" not in text for text in help_.values())
    grouped = [name for group in FIELD_GROUPS.values() for name in group]
    assert sorted(grouped) == sorted(names)
    types = TrainConfig.field_types()
    assert types["units"] is int
    assert types["dropout"] is float
    assert types["bidirectional"] is bool
    assert types["rnn"] is str
    assert all(types[name] is str for name in CHOICES)


def test_dict_round_trip_and_unknown_key():
    config = TrainConfig(units=7, rnn="gru", dropout=0.0)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({"units": 9}) == TrainConfig(units=9)
    with pytest.raises(ConfigError, match=r"^unknown setting 'unit' \(did you mean 'units'\?\)"):
        TrainConfig.from_dict({"unit": 9})
    with pytest.raises(ConfigError, match=r"^bundle\.json: units must be >= 1, got 0"):
        TrainConfig.from_dict({"units": 0}, source="bundle.json")
    with pytest.raises(ConfigError, match="expected a table of settings"):
        TrainConfig.from_dict([("units", 3)])  # type: ignore[arg-type]


def test_toml_round_trip_text_and_file(tmp_path):
    config = TrainConfig(
        units=128, bidirectional=False, learning_rate=1e-5, pooling="last", seed=42
    )
    text = config.to_toml()
    assert "[train]" in text
    assert "# " + TrainConfig.field_help()["units"] in text
    assert tomllib.loads(text)["train"]["learning_rate"] == 1e-5
    assert TrainConfig.from_toml(text) == config
    path = tmp_path / "run.toml"
    path.write_text(text, encoding="utf-8")
    assert TrainConfig.from_toml(path) == config
    assert TrainConfig.from_toml(str(path)) == config


def test_toml_flat_table_and_missing_keys_take_defaults():
    assert TrainConfig.from_toml('units = 8\nrnn = "gru"\n') == TrainConfig(units=8, rnn="gru")
    assert TrainConfig.from_toml("[train]\n") == TrainConfig()


def test_toml_unknown_key_names_key_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[train]\nunits = 8\nunit = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        TrainConfig.from_toml(path)
    assert str(info.value) == f"{path} line 3: unknown setting 'unit' (did you mean 'units'?)"


def test_toml_wrong_type_names_line():
    with pytest.raises(
        ConfigError, match=r"^TOML text line 3: bidirectional must be true or false"
    ):
        TrainConfig.from_toml('[train]\nunits = 8\nbidirectional = "yes"\n')


def test_toml_other_tables_rejected():
    with pytest.raises(ConfigError, match="unexpected key 'model' outside \\[train\\]"):
        TrainConfig.from_toml("[train]\nunits = 8\n[model]\nx = 1\n")


def test_toml_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"^TOML text: invalid TOML"):
        TrainConfig.from_toml("units = [\n")
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        TrainConfig.from_toml(missing)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"units = \xff\xfe\n")
    with pytest.raises(ConfigError, match=r"bin\.toml: config file is not UTF-8 text"):
        TrainConfig.from_toml(binary)


def test_toml_cross_field_error_names_file():
    with pytest.raises(ConfigError, match=r"^TOML text: val_fraction \+ test_fraction"):
        TrainConfig.from_toml("val_fraction = 0.6\ntest_fraction = 0.6\n")


def test_with_overrides_parses_by_type():
    config = TrainConfig().with_overrides(
        ["units=128", "bidirectional=false", "learning_rate=1e-3", "rnn = 'gru'", "dropout=0"]
    )
    assert config.units == 128
    assert config.bidirectional is False
    assert config.learning_rate == 1e-3
    assert config.rnn == "gru"
    assert config.dropout == 0.0
    assert TrainConfig().with_overrides(["trainable_embedding=no"]).trainable_embedding is False
    assert TrainConfig().with_overrides([]) == TrainConfig()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("units", "--set expects KEY=VALUE, got 'units'"),
        ("=3", "--set expects KEY=VALUE, got '=3'"),
        ("unit=3", "unknown setting 'unit' (did you mean 'units'?)"),
        ("zzz=3", "unknown setting 'zzz'"),
        ("units=abc", "units must be an integer, got 'abc'"),
        ("units=0", "units must be >= 1, got 0"),
        ("learning_rate=fast", "learning_rate must be a number, got 'fast'"),
        ("bidirectional=maybe", "bidirectional must be true or false, got 'maybe'"),
        ("rnn=rnnn", "rnn must be one of 'lstm', 'gru', got 'rnnn'"),
    ],
)
def test_with_overrides_bad_items(item, message):
    with pytest.raises(ConfigError) as info:
        TrainConfig().with_overrides([item])
    assert str(info.value) == message
