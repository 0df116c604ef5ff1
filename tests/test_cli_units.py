"""Command-line tests that need no trained model: helpers, config, GUI launch, errors."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from workbench.cli import config as cli_config
from workbench.cli import entry as cli
from workbench.cli.entry import main
from workbench.cli.output import dumps, table
from workbench.cli.progress import (
    PhaseProgress,
    StatusLine,
    TrainProgress,
    sigint_sets,
)
from workbench.cli.stderr import _pump, is_native_log
from workbench.core import format_duration

from .cli_helpers import assert_one_error_line, run, subprocess_env


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_on_a_terminal_redraws_at_most_ten_times_a_second(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")  # the width of the terminal the line is cut to
    stream, clock = io.StringIO(), FakeClock()
    progress = TrainProgress(StatusLine(stream, tty=True), clock=clock)
    progress.on_train_begin(epochs=2, steps_per_epoch=100)
    for batch in range(100):  # 100 batches in 1 s of fake time
        clock.now += 0.01
        progress.on_batch_end(0, batch, {"loss": 0.5, "accuracy": 0.75})
    draws = stream.getvalue().count("\r")
    assert 9 <= draws <= 12  # ~10 redraws, plus the last batch of the epoch
    assert "epoch 1/2" in stream.getvalue()
    assert "batch 100/100" in stream.getvalue()
    assert "loss 0.5000" in stream.getvalue()
    assert "ETA 0:01" in stream.getvalue()  # half done after 1 s
    progress.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6})
    assert stream.getvalue().endswith("val_loss 0.6000  (1.0 s)\n")


@pytest.mark.parametrize(
    ("columns", "ends_with"), [(60, "batch 100/100  ETA 0:01"), (75, "ETA 0:01  loss 0.5000")]
)
def test_progress_on_a_narrow_terminal_keeps_the_eta_and_drops_whole_metrics(
    monkeypatch, columns, ends_with
):
    monkeypatch.setenv("COLUMNS", str(columns))
    stream, clock = io.StringIO(), FakeClock()
    progress = TrainProgress(StatusLine(stream, tty=True), clock=clock)
    progress.on_train_begin(epochs=2, steps_per_epoch=100)
    for batch in range(100):  # the last batch of an epoch is always drawn (half done, 1 s)
        clock.now += 0.01
        progress.on_batch_end(0, batch, {"loss": 0.5, "accuracy": 0.75})
    last = stream.getvalue().split("\r")[-1]
    assert len(last) < columns  # the line never wraps
    assert last.endswith(ends_with)  # no half field such as "accuracy 0.7"


def test_a_status_line_without_fields_is_cut_at_the_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    stream = io.StringIO()
    StatusLine(stream, tty=True).update("loading vectors from a file with a long name 40%")
    assert stream.getvalue() == "\rloading vectors from a file w"


def test_progress_without_terminal_prints_one_line_per_epoch():
    stream, clock = io.StringIO(), FakeClock()
    line = StatusLine(stream, tty=False)
    progress, phases = TrainProgress(line, clock=clock), PhaseProgress(line, clock=clock)
    phases(0.1, "loading vectors")
    progress.on_train_begin(epochs=3, steps_per_epoch=5)
    for epoch in range(3):
        for batch in range(5):
            clock.now += 1
            progress.on_batch_end(epoch, batch, {"loss": 1.0})
            phases(0.5, "training")
        progress.on_epoch_end(epoch, {"loss": 1.0, "accuracy": 0.5})
    progress.on_train_end(None)
    lines = stream.getvalue().splitlines()
    assert [x.split()[1] for x in lines] == ["1/3", "2/3", "3/3"]
    assert "\r" not in stream.getvalue()


def test_eta_and_durations():
    clock = FakeClock()
    progress = TrainProgress(StatusLine(io.StringIO(), tty=False), clock=clock)
    progress.on_train_begin(epochs=4, steps_per_epoch=10)
    clock.now += 20  # 10 batches in 20 s -> 30 batches left, 60 s
    assert progress.eta(0, 9) == pytest.approx(60.0)
    assert format_duration(75) == "1:15"
    assert format_duration(3725) == "1:02:05"


def test_first_ctrl_c_sets_the_event_and_the_second_aborts():
    event, noted = threading.Event(), threading.Event()
    before = signal.getsignal(signal.SIGINT)
    with sigint_sets(event, noted.set):
        signal.raise_signal(signal.SIGINT)
        assert event.is_set()
        assert noted.wait(timeout=10)
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


class _OneWriterStream(io.StringIO):
    """A stream that, like io.BufferedWriter, refuses a write from inside its own write."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._owner: int | None = None
        self.reentered = False
        self.got_message = threading.Event()

    def write(self, text: str) -> int:
        if self._owner == threading.get_ident():
            self.reentered = True
            raise RuntimeError("reentrant call inside the stream")
        with self._lock:
            self._owner = threading.get_ident()
            try:
                if text == "epoch line\n":
                    signal.raise_signal(signal.SIGINT)  # Ctrl-C arrives mid-write
                written = super().write(text)
            finally:
                self._owner = None
        if "stopping" in text:
            self.got_message.set()
        return written


def test_ctrl_c_in_the_middle_of_a_write_to_the_same_stream_is_not_reentrant():
    # CI once failed this way: Ctrl-C came while the epoch line was being written, and the
    # handler's own message hit the same stream ("reentrant call inside BufferedWriter").
    stream, event = _OneWriterStream(), threading.Event()
    line = StatusLine(stream, tty=False)
    with sigint_sets(event, lambda: line.println("stopping after this batch")):
        line.println("epoch line")
        assert event.is_set()
        assert stream.got_message.wait(timeout=10)
    assert not stream.reentered
    assert stream.getvalue() == "epoch line\nstopping after this batch\n"


def test_native_tensorflow_log_lines_are_recognised():
    assert is_native_log(b"I0000 00:00:1795707305.981920   27149 port.cc:153] oneDNN custom")
    assert is_native_log(b"E0000 00:00:1795707314.817176   27149 cuda_platform.cc:52] failed")
    assert is_native_log(b"WARNING: All log messages before absl::InitializeLog() is called")
    assert not is_native_log(b"epoch 1/3  loss 0.1000")
    assert not is_native_log(b"workbench: error: I0000 happened")


def test_json_output_handles_numpy_paths_and_nan():
    import numpy as np

    value = {"a": np.float32(0.5), "b": np.arange(2), "c": Path("x"), "d": float("nan")}
    assert json.loads(dumps(value)) == {"a": 0.5, "b": [0, 1], "c": "x", "d": None}


def test_log_pump_drops_native_lines_and_keeps_the_rest():
    src_r, src_w = os.pipe()
    dst_r, dst_w = os.pipe()
    os.write(src_w, b"I0000 00:00:17.5   12 port.cc:153] noise\nepoch 1/2 ok\nlast, no newline")
    os.close(src_w)
    _pump(src_r, dst_w)  # returns at EOF
    os.close(dst_w)
    with open(dst_r, "rb") as handle:
        assert handle.read() == b"epoch 1/2 ok\nlast, no newline"


def test_table_aligns_numbers_right_and_text_left():
    lines = table(["class", "f1"], [["sport", 0.5], ["business", 0.25]]).splitlines()
    assert lines[0] == "class         f1"
    assert lines[2] == "sport     0.5000"
    assert lines[3] == "business  0.2500"


def test_config_prints_toml_with_overrides():
    code, out, err = run(["config", "--preset", "seed-article", "--set", "units=7"])
    assert code == 0, err
    settings = tomllib.loads(out)["train"]
    assert settings["units"] == 7
    assert settings["maxlen"] == 100  # from the seed-article preset
    code, out, _ = run(["config", "--keys", "--json"])
    assert "help" in json.loads(out)["units"]


def test_unexpected_error_suggests_debug(monkeypatch):
    def boom(args):
        raise RuntimeError("kaput\nsecond line")

    monkeypatch.setattr(cli_config, "cmd_config", boom)
    code, _, err = run(["config"])
    assert code == 1
    assert_one_error_line(err, "unexpected RuntimeError: kaput second line", "--debug")
    with pytest.raises(RuntimeError, match="kaput"):
        main(["config", "--debug"])


def test_no_arguments_opens_the_gui(monkeypatch):
    calls = []
    fake = type(sys)("workbench.gui.app")
    fake.main = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "workbench.gui.app", fake)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert main([]) == 0
    assert calls == [[]]  # no extra Qt arguments


def test_gui_missing_prints_one_error_and_help(monkeypatch):
    monkeypatch.setitem(sys.modules, "workbench.gui.app", None)  # import fails
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    code, _, err = run([])
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("workbench: error: cannot open the window")
    assert "usage:" in err
    assert "workbench train" in err
    assert "Traceback" not in err


def test_gui_without_display_prints_one_error_and_help(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli.sys, "platform", "linux")
    code, _, err = run([])
    assert code == 1
    assert err.startswith("workbench: error: cannot open the window: no display")
    assert "workbench classify" in err


def test_gui_without_xcb_cursor_library_says_what_to_install(monkeypatch):
    import ctypes.util

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(cli.sys, "platform", "linux")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    code, _, err = run([])
    assert code == 1
    assert err.startswith("workbench: error: cannot open the window: Qt's xcb platform plugin")
    assert "apt-get install libxcb-cursor0 libxcb-icccm4" in err
    assert "Traceback" not in err


def test_xcb_check_is_skipped_for_other_platforms(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(cli.sys, "platform", "linux")
    assert cli.missing_xcb_packages() == []


def test_python_m_workbench_help_and_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "train"],
        capture_output=True,
        text=True,
        timeout=60,
        env=subprocess_env(),
        check=False,
    )
    assert done.returncode == 2
    assert_one_error_line(done.stderr, "--corpus")


def test_train_summary_names_devices_speed_and_cudnn_notes(capsys):
    import dataclasses
    from types import SimpleNamespace

    from workbench.cli.train import _print_devices
    from workbench.core import TrainConfig

    devices = {"description": "2 GPUs (MirroredStrategy: a, b)", "notes": ["note one"]}
    train = SimpleNamespace(devices=devices, documents_per_s=1234.4)
    config = dataclasses.replace(TrainConfig(), padding="pre")
    _print_devices(SimpleNamespace(train=train, bundle=SimpleNamespace(config=config)))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "devices: 2 GPUs (MirroredStrategy: a, b), 1234 documents/s"
    assert out[1].strip() == "note: note one"
    assert "no fused cuDNN kernel: padding='pre'" in out[2]
    _print_devices(SimpleNamespace(train=train, bundle=SimpleNamespace(config=TrainConfig())))
    assert "cuDNN" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("averaged", "expected"),
    [(None, "status: completed after 3 epoch(s), best epoch 2, 2.0 s"), ((1, 2), None)],
    ids=["best-epoch", "averaged"],
)
def test_train_summary_names_what_was_kept(capsys, averaged, expected):
    from types import SimpleNamespace

    from workbench.cli.train import _print_train_summary
    from workbench.core import AveragedEpochs

    kept = AveragedEpochs(averaged, 0.5, 0.45) if averaged else None
    train = SimpleNamespace(
        status="completed",
        message="",
        epochs_run=3,
        best_epoch=1,
        elapsed_s=2.0,
        averaged=kept,
        devices={},
        documents_per_s=None,
    )
    result = SimpleNamespace(
        train=train,
        vectors_report=None,
        coverage=None,
        evaluation=None,
        bundle=None,
        baseline=None,
    )
    report = SimpleNamespace(summary=lambda: "3 documents", warnings=[], skipped=0)
    data = {"corpus": {"source": "c", "format": "folder"}, "splits": {}, "bundle": None}
    _print_train_summary(result, data, report)
    out = capsys.readouterr().out
    status = next(line for line in out.splitlines() if line.startswith("status:"))
    assert status == (expected or "status: completed after 3 epoch(s), epochs 2, 3 averaged, 2.0 s")
