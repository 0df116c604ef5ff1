"""Keep TensorFlow's native log lines off the terminal (``--debug`` shows them).

TensorFlow writes C++ log lines (``I0000 00:00:... port.cc:153] oneDNN ...``,
``E0000 ... failed call to cuInit``) straight to file descriptor 2, before and
regardless of ``TF_CPP_MIN_LOG_LEVEL``. While :func:`quiet_native_logs` is
active, descriptor 2 is a pipe read by a thread that drops those lines and
passes everything else on; Python's ``sys.stderr`` writes to the real stderr
directly, so progress lines are not delayed.
"""

from __future__ import annotations

import io
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

NATIVE_LOG_LINE = re.compile(
    rb"^(?:[IWEF]\d{4} [\d:.]+\s+\d+\s+\S+:\d+\]"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called)"
)
"""An absl/glog line as TensorFlow writes it, or absl's pre-initialisation notice."""


def is_native_log(line: bytes) -> bool:
    """Whether ``line`` is one of TensorFlow's native log lines."""
    return NATIVE_LOG_LINE.match(line) is not None


def _pump(read_fd: int, write_fd: int) -> None:
    """Copy ``read_fd`` to ``write_fd`` line by line, dropping native log lines."""
    pending = b""
    with open(read_fd, "rb", buffering=0) as source:
        while True:
            chunk = source.read(65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            kept = b"".join(line + b"\n" for line in lines if not is_native_log(line))
            if kept:
                _write_all(write_fd, kept)
    if pending and not is_native_log(pending):
        _write_all(write_fd, pending)


def _write_all(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError:
        pass  # stderr went away; nothing sensible to do


def _real_stderr_fd() -> int | None:
    """2 when ``sys.stderr`` is the process's own stderr (not a pytest capture...)."""
    if os.name != "posix" or sys.stderr is None or sys.stderr is not sys.__stderr__:
        return None
    try:
        return 2 if sys.stderr.fileno() == 2 else None
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return None


@contextmanager
def quiet_native_logs(enabled: bool = True) -> Iterator[None]:
    """Filter TensorFlow's native log lines out of stderr while active."""
    if not enabled or _real_stderr_fd() is None:
        yield
        return
    old_stderr = sys.stderr
    old_stderr.flush()
    saved = os.dup(2)
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    thread = threading.Thread(target=_pump, args=(read_fd, saved), daemon=True)
    thread.start()
    sys.stderr = open(  # noqa: SIM115 - closed in the finally below
        saved,
        "w",
        buffering=1,
        encoding=old_stderr.encoding,
        errors="backslashreplace",
        closefd=False,
    )
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = old_stderr
        os.dup2(saved, 2)  # closes the pipe's write end: the pump sees EOF
        thread.join(timeout=5)
        os.close(saved)
