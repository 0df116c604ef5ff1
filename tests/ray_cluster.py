"""Start and stop a local Ray head for the tests marked ``slow`` that run on Ray."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT_S = 120.0


@dataclass
class Head:
    process: subprocess.Popen
    address: str
    temp_dir: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_head(tmp_path_factory: pytest.TempPathFactory) -> Head:
    """``ray start --head --num-cpus 2`` on loopback ports; skips where Ray is missing."""
    if importlib.util.find_spec("ray") is None:
        pytest.skip('Ray is not installed (pip install -e ".[ray]")')
    ray_cli = Path(sys.executable).with_name("ray")
    if not ray_cli.exists():
        found = shutil.which("ray")
        if found is None:
            pytest.skip(f"no 'ray' command beside {sys.executable} or on PATH")
        ray_cli = Path(found)
    # Ray's socket paths must stay short: a temp folder of its own, not pytest's
    temp_dir = Path(tempfile.mkdtemp(prefix="wbray-"))
    log = tmp_path_factory.mktemp("ray") / "head.log"
    dashboard = _free_port()
    env = dict(os.environ)
    # the job's ``python`` must be this interpreter, which has Workbench's dependencies
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    command = [
        str(ray_cli),
        "start",
        "--head",
        "--block",
        "--num-cpus",
        "2",
        "--node-ip-address",
        "127.0.0.1",
        "--port",
        str(_free_port()),
        "--dashboard-host",
        "127.0.0.1",
        "--dashboard-port",
        str(dashboard),
        # the agent that runs jobs listens on 52365 by default: a second head on this
        # machine (another test session, a user's cluster) would have no job agent
        "--dashboard-agent-listen-port",
        str(_free_port()),
        "--include-dashboard",
        "true",
        "--temp-dir",
        str(temp_dir),
        "--disable-usage-stats",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    head = Head(process, f"http://127.0.0.1:{dashboard}", temp_dir, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stop_head(head)
            pytest.fail(f"the Ray head exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{head.address}/api/version", timeout=2) as reply:
                if reply.status == 200:
                    return head
        except OSError:
            pass
        time.sleep(0.5)
    stop_head(head)
    pytest.fail(f"the Ray head did not answer within {START_TIMEOUT_S:.0f} s")


def stop_head(head: Head) -> None:
    """End the head's process group (SIGINT, then SIGKILL) and remove its temp folder.

    ``ray start --block`` stops its node on SIGINT (Ctrl-C) within seconds; on SIGTERM
    it waited out the whole 30 s here.
    """
    try:
        pgid = os.getpgid(head.process.pid)
    except ProcessLookupError:
        pgid = None
    if pgid is not None:
        os.killpg(pgid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            head.process.wait(timeout=30)
        time.sleep(1.0)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)  # whatever is left of the group
    head.process.wait(timeout=10)
    shutil.rmtree(head.temp_dir, ignore_errors=True)
