"""Training-time estimate before a run starts (issue 12, item 17)."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.core import (
    ConfigError,
    TrainConfig,
    estimate_training_time,
    measured_throughput,
    training_work,
)
from workbench.core.runs.estimate import DEFAULT_THROUGHPUT, format_estimate


def test_work_grows_with_documents_maxlen_units_and_layers():
    base = TrainConfig(maxlen=400, rnn_maxlen=0)  # the recurrent part reads every token
    work = training_work(base, 1000)
    assert training_work(base, 2000) == pytest.approx(2 * work)
    assert training_work(dataclasses.replace(base, maxlen=800), 1000) == pytest.approx(2 * work)
    assert training_work(dataclasses.replace(base, units=128), 1000) > 3 * work
    assert training_work(dataclasses.replace(base, layers=2), 1000) > 2 * work
    assert training_work(dataclasses.replace(base, bidirectional=False), 1000) == pytest.approx(
        work / 2
    )
    assert training_work(base, 1000, embedding_dim=300) > work  # wider vectors cost more
    assert training_work(base, 0) == 0


def test_estimate_scales_with_epochs_and_uses_measured_speed():
    config = dataclasses.replace(TrainConfig(), epochs=10)
    default = estimate_training_time(config, 2225)
    assert not default.measured
    assert default.total_s == pytest.approx(10 * default.seconds_per_epoch)
    # calibrated on the BBC default run: several seconds per epoch, not hours
    assert 3 < default.seconds_per_epoch < 60
    assert default.seconds_per_epoch == pytest.approx(
        training_work(config, 2225) / DEFAULT_THROUGHPUT
    )
    fast = estimate_training_time(config, 2225, throughput=2 * DEFAULT_THROUGHPUT)
    assert fast.measured
    assert fast.total_s == pytest.approx(default.total_s / 2)
    assert "on this computer" in fast.text()
    assert "10 epochs" in fast.text()


def test_measured_throughput_round_trips():
    work = training_work(TrainConfig(), 1000)
    speed = measured_throughput(work, 4, 20.0)
    assert estimate_training_time(TrainConfig(), 1000, throughput=speed).seconds_per_epoch == (
        pytest.approx(5.0)
    )
    assert measured_throughput(work, 0, 20.0) is None
    assert measured_throughput(work, 3, 0.0) is None


def test_format_estimate():
    assert format_estimate(20) == "under a minute"
    assert format_estimate(25 * 60) == "about 25 min"
    assert format_estimate(106 * 60 + 32) == "about 1 h 45 min"
    assert format_estimate(float("nan")) == "an unknown time"


@pytest.mark.parametrize(("config", "n"), [(None, 10), (TrainConfig(), -1), (TrainConfig(), "9")])
def test_bad_arguments_are_config_errors(config, n):
    with pytest.raises(ConfigError):
        training_work(config, n)
