"""TrainConfig: defaults, validation messages, dict/TOML round trips, --set overrides, presets."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import numpy as np
import pytest

from workbench.core import PRESETS, ConfigError, TrainConfig


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
        "architecture": "lstm",
        "units": 64,
        "layers": 1,
        "bidirectional": True,
        "pooling": "max",
        "dropout": 0.3,
        "rnn_maxlen": 400,
        "wide_ngrams": 2,
        "wide_order_by_validation": True,
        "wide_average_near_best": True,
        "wide_naive_bayes": True,
        "wide_buckets": 262144,
        "optimizer": "adam",
        "learning_rate": 2e-3,
        "batch_size": 32,
        "epochs": 15,
        "seed": 0,
        "patience": 3,
        "average_epochs": 3,
        "class_weight": "none",
        "label_smoothing": 0.0,
        "mixed_precision": False,
        "baseline": True,
        "val_fraction": 0.1,
        "test_fraction": 0.2,
    }
    assert PRESETS["recommended"] == config


def test_seed_article_preset_is_the_articles_recipe():
    from workbench.core import PRESET_DESCRIPTIONS

    seed = PRESETS["seed-article"]
    assert (seed.architecture, seed.bidirectional, seed.pooling, seed.layers) == (
        "lstm",
        False,
        "last",
        1,
    )
    assert seed.units == 0  # half the embedding width
    assert (seed.embedding_dim, seed.maxlen, seed.max_words, seed.dropout) == (300, 100, 5000, 0.0)
    assert (seed.optimizer, seed.learning_rate, seed.batch_size) == ("adam", 1e-3, 32)
    assert (seed.epochs, seed.patience) == (10, 0)
    description = PRESET_DESCRIPTIONS["seed-article"]
    assert "half the embedding width" in description
    assert "10 epochs" in description
    assert set(PRESET_DESCRIPTIONS) == set(PRESETS)
    assert (seed.wide_ngrams, seed.rnn_maxlen) == (0, 0)  # the seed article's plain LSTM
    assert seed.average_epochs == 1  # one epoch's weights, no averaging


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
        ("architecture", "rnnn", "architecture must be one of 'lstm', 'gru', got 'rnnn'"),
        ("units", -1, "units must be >= 0 (0 = half the embedding width), got -1"),
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
        ("average_epochs", 0, "average_epochs must be >= 1, got 0"),
        ("label_smoothing", -0.1, "label_smoothing must be >= 0, got -0.1"),
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
    config = TrainConfig(architecture=" GRU ", learning_rate=1, dropout=0)
    assert config.architecture == "gru"
    assert isinstance(config.learning_rate, float)
    assert isinstance(config.dropout, float)
    numpy_values = TrainConfig(units=np.int64(8), dropout=np.float32(0.5), bidirectional=np.True_)
    assert type(numpy_values.units) is int
    assert type(numpy_values.dropout) is float
    assert numpy_values.bidirectional is True
    assert numpy_values == TrainConfig(units=8, dropout=0.5)


def test_every_field_has_help_group_and_type():
    from workbench.core import GROUP_TITLES, settings_by_group

    names = [field.name for field in dataclasses.fields(TrainConfig)]
    help_ = TrainConfig.field_help()
    assert sorted(help_) == sorted(names)
    assert all(text and "\n" not in text for text in help_.values())
    grouped = [info.name for infos in settings_by_group().values() for info in infos]
    assert grouped == names
    assert set(settings_by_group()) <= set(GROUP_TITLES)
    settings = TrainConfig.settings()
    assert all(info.label and info.help for info in settings.values())
    types = TrainConfig.field_types()
    assert types["units"] is int
    assert types["dropout"] is float
    assert types["bidirectional"] is bool
    assert types["architecture"] is str
    assert all(info.choices for info in settings.values() if info.kind is str)
    numbers = [info for info in settings.values() if info.kind in (int, float)]
    assert all(info.minimum is not None and info.maximum is not None for info in numbers)


def test_dict_round_trip_and_unknown_key():
    config = TrainConfig(units=7, architecture="gru", dropout=0.0)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({"units": 9}) == TrainConfig(units=9)
    with pytest.raises(ConfigError, match=r"^unknown setting 'unit' \(did you mean 'units'\?\)"):
        TrainConfig.from_dict({"unit": 9})
    with pytest.raises(ConfigError, match=r"^bundle\.json: layers must be >= 1, got 0"):
        TrainConfig.from_dict({"layers": 0}, source="bundle.json")
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
    assert TrainConfig.from_toml('units = 8\narchitecture = "gru"\n') == TrainConfig(
        units=8, architecture="gru"
    )
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
        [
            "units=128",
            "bidirectional=false",
            "learning_rate=1e-3",
            "architecture = 'gru'",
            "dropout=0",
        ]
    )
    assert config.units == 128
    assert config.bidirectional is False
    assert config.learning_rate == 1e-3
    assert config.architecture == "gru"
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
        ("layers=0", "layers must be >= 1, got 0"),
        ("learning_rate=fast", "learning_rate must be a number, got 'fast'"),
        ("bidirectional=maybe", "bidirectional must be true or false, got 'maybe'"),
        ("architecture=rnnn", "architecture must be one of 'lstm', 'gru', got 'rnnn'"),
    ],
)
def test_with_overrides_bad_items(item, message):
    with pytest.raises(ConfigError) as info:
        TrainConfig().with_overrides([item])
    assert str(info.value) == message


# --------------------------------------------------------------- bounds and memory
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("units", 100_001, "units must be <= 100000, got 100001"),
        ("layers", 65, "layers must be <= 64, got 65"),
        ("maxlen", 1_000_000_000, "maxlen must be <= 100000, got 1000000000"),
        ("max_words", 10**8, "max_words must be <= 10000000, got 100000000"),
        ("batch_size", 10**6, "batch_size must be <= 65536, got 1000000"),
        ("epochs", 10**5, "epochs must be <= 10000, got 100000"),
        ("embedding_dim", 5000, "embedding_dim must be <= 4096, got 5000"),
        ("learning_rate", 11.0, "learning_rate must be <= 10, got 11.0"),
        ("seed", 2**31, "seed must be <= 2147483647, got 2147483648"),
        ("patience", 10**5, "patience must be <= 10000, got 100000"),
        ("average_epochs", 21, "average_epochs must be <= 20, got 21"),
        ("label_smoothing", 0.6, "label_smoothing must be <= 0.5, got 0.6"),
        ("min_count", 10**10, "min_count must be <= 1000000000, got 10000000000"),
    ],
)
def test_every_number_has_an_upper_bound(field, value, message):
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        TrainConfig(**{field: value})
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        TrainConfig().with_overrides([f"{field}={value}"])


def test_toml_integer_beyond_64_bits_names_setting_and_line():
    text = "[train]\nepochs = 2\nunits = 123456789012345678901234567890\n"
    message = "TOML text line 3: units is too large (beyond a 64-bit integer)"
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        TrainConfig.from_toml(text)
    with pytest.raises(ConfigError, match=r"^TOML text line 2: dropout must be a finite number"):
        TrainConfig.from_toml("[train]\ndropout = " + "9" * 400 + "\n")


def test_memory_estimate_counts_the_parameters_keras_builds():
    from workbench.core import build_model, estimate_memory

    for config in (
        TrainConfig(maxlen=10, units=6),
        TrainConfig(maxlen=10, units=5, architecture="gru", bidirectional=False, layers=2),
    ):
        model = build_model(config, vocab_size=40, num_classes=3)
        estimate = estimate_memory(config, vocab_size=40, num_classes=3)
        assert estimate.parameters == model.count_params()
        assert estimate.bytes > estimate.parameters * 4


@pytest.mark.parametrize(
    ("overrides", "lower"),
    [
        ({"units": 100_000}, "lower units (now 100000) or layers (now 1)"),
        ({"max_words": 10_000_000, "embedding_dim": 4096}, "lower max_words"),
        (
            {"maxlen": 100_000, "rnn_maxlen": 0, "batch_size": 4096},
            "lower maxlen (now 100000) or batch_size",
        ),
    ],
)
def test_a_model_too_big_for_memory_is_refused_naming_the_settings(overrides, lower):
    from workbench.core import build_model, check_memory

    config = TrainConfig(**overrides)
    vocab = min(config.max_words, 10_000_000)
    with pytest.raises(ConfigError, match=r"^the model would need about [\d,.]+ GiB") as caught:
        check_memory(config, vocab_size=vocab, num_classes=5, limit_bytes=8 * 1024**3)
    assert lower in str(caught.value)
    with pytest.raises(ConfigError, match=re.escape(lower)):
        build_model(config, vocab_size=vocab, num_classes=5)  # refused before building
    small = TrainConfig()
    assert check_memory(small, vocab_size=20000, num_classes=5).bytes < 1024**3
