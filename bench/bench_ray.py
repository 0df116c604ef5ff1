"""Overhead of a run on a Ray cluster against the same run on this computer.

Runs ``workbench train`` on the sample corpus (the same tiny config) as a whole
process, alternately locally and with ``--ray ADDRESS``, and prints the median wall
time of each and their difference. Start a head first, e.g.::

    ray start --head --num-cpus 2 --node-ip-address 127.0.0.1 --dashboard-host 127.0.0.1
    python bench/bench_ray.py --ray http://127.0.0.1:8265 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "resources" / "sample_corpus"
CONFIG = ["--set", "epochs=2"]


def one_run(out: Path, ray: str | None) -> float:
    command = [sys.executable, "-m", "workbench", "train", "--corpus", str(CORPUS), *CONFIG]
    command += ["--out", str(out), "--json"]
    if ray:
        command += ["--ray", ray]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ray", required=True, metavar="ADDRESS")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    local, remote = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            local.append(one_run(Path(tmp) / f"local{i}", None))
            remote.append(one_run(Path(tmp) / f"ray{i}", args.ray))
            print(f"run {i + 1}: local {local[-1]:.1f} s, ray {remote[-1]:.1f} s", flush=True)
    lo, ra = statistics.median(local), statistics.median(remote)
    print(f"median of {args.repeats}: local {lo:.1f} s, ray {ra:.1f} s, overhead {ra - lo:+.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
