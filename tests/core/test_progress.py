"""The core progress toolkit: throttle, sub-ranges, the training clock, durations, and
the throttled training listener the training process uses."""

from __future__ import annotations

import math

import pytest

from workbench.core import (
    Throttle,
    ThrottledListener,
    TrainingClock,
    TrainingListener,
    format_duration,
    sub_range,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_throttle_forwards_at_most_every_interval_and_always_the_end():
    clock, seen = FakeClock(), []
    throttle = Throttle(lambda f, m: seen.append(f), interval=0.05, clock=clock)
    for step in range(100):  # 100 calls in 0.1 s
        clock.now += 0.001
        throttle(step / 100, "x")
    throttle(1.0, "done")
    assert 2 <= len(seen) <= 4
    assert seen[-1] == 1.0
    gate = Throttle(interval=1.0, clock=clock)
    assert gate.due()
    assert not gate.due()
    assert gate.due(force=True)


def test_sub_range_maps_a_part_and_keeps_unknown():
    seen: list[tuple[float, str]] = []
    part = sub_range(lambda f, m: seen.append((f, m)), 0.2, 0.6, "vectors: ")
    part(0.5, "half")
    part(2.0, "over")
    part(-1, "unknown")
    assert seen == [(0.4, "vectors: half"), (0.6, "vectors: over"), (-1, "vectors: unknown")]
    assert sub_range(None, 0, 1) is None


def test_training_clock_fraction_rates_eta_and_text():
    clock = FakeClock()
    training = TrainingClock(clock)
    training.begin(15, 56)
    assert training.eta(0.0) == math.inf
    clock.now += 42
    fraction = training.fraction(2, 19)  # 0-based: epoch 3, batch 20
    assert fraction == pytest.approx((2 * 56 + 20) / (15 * 56))
    assert training.eta(fraction) == pytest.approx(42 * (1 - fraction) / fraction)
    assert training.batch_seconds(fraction) == pytest.approx(42 / (2 * 56 + 20))
    assert training.epoch_seconds(fraction) == pytest.approx(42 / (2 * 56 + 20) * 56)
    text = training.text(2, 19)
    assert text.startswith("Epoch 3/15 · batch 20/56 · 0:42 elapsed · ETA ")
    assert format_duration(training.eta(fraction)) in text
    assert training.text(2, 19, 0.5).endswith("ETA 0:42")  # the fraction given wins
    clock.now += 3
    assert training.epoch_done() == pytest.approx(45)


def test_format_duration():
    assert format_duration(42) == "0:42"
    assert format_duration(75) == "1:15"
    assert format_duration(3725) == "1:02:05"
    assert format_duration(math.inf) == "–"
    assert format_duration(-1) == "–"


class Calls(TrainingListener):
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_train_begin(self, epochs, steps_per_epoch):
        self.calls.append(("begin", epochs, steps_per_epoch))

    def on_batch_end(self, epoch, batch, logs):
        self.calls.append(("batch", epoch, batch, logs))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch", epoch))

    def on_train_end(self, result):
        self.calls.append(("end", result))


def test_throttled_listener_keeps_epoch_ends_and_last_batches():
    clock, inner = FakeClock(), Calls()
    listener = ThrottledListener(inner, interval=0.05, clock=clock)
    listener.on_train_begin(2, 100)
    for epoch in range(2):
        for batch in range(100):
            clock.now += 0.001  # 1000 batches per second
            listener.on_batch_end(epoch, batch, {"loss": 1.0, "fraction": 0.5})
        listener.on_epoch_end(epoch, {"loss": 1.0})
    listener.on_train_end("result")
    batches = [c for c in inner.calls if c[0] == "batch"]
    assert inner.calls[0] == ("begin", 2, 100)
    assert len(batches) <= 2 * (0.1 / 0.05 + 1) + 2  # ~20 per second of (fake) time
    assert [c[2] for c in batches if c[2] == 99] == [99, 99]
    assert batches[0][3] == {"loss": 1.0, "fraction": 0.5}  # logs passed as they are
    assert [c[1] for c in inner.calls if c[0] == "epoch"] == [0, 1]
    assert inner.calls[-1] == ("end", "result")
