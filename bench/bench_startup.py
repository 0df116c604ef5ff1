"""Benchmark: time from process start to the first show of the main window.

Launches ``python -m workbench`` (the real entry point) ``--runs`` times with
``WORKBENCH_REPORT_STARTUP=1``, which makes the app print "window shown after
X.XXX s" (measured from the process start time the kernel records) and quit
shortly after; it also prints when the pages (built after the first paint)
are ready. Prints every run, the median (goal: <= 1.5 s) and, as a baseline
measured the same way, the median start-up of a bare ``python -c "import PySide6.QtWidgets"``.

Usage: ``python bench/bench_startup.py [--runs 5]`` (offscreen unless $DISPLAY is set).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

PATTERN = re.compile(r"window shown after ([0-9.]+) s")
PAGES_PATTERN = re.compile(r"pages built after ([0-9.]+) s")
GOAL_S = 1.5


def run_once(env: dict[str, str]) -> tuple[float, float, float]:
    """``(window shown s, pages built s, wall s around the subprocess)`` of one launch."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "workbench"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - started
    match = PATTERN.search(out.stdout)
    pages = PAGES_PATTERN.search(out.stdout)
    if match is None or pages is None:
        raise SystemExit(f"no start-up report (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")
    return float(match.group(1)), float(pages.group(1)), wall


def baseline_once(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import PySide6.QtWidgets"], env=env, check=True, timeout=60
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    env = dict(os.environ, WORKBENCH_REPORT_STARTUP="1")
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    run_once(env)  # warm the file cache; not counted
    reported, built, walls = [], [], []
    for i in range(args.runs):
        seconds, pages, wall = run_once(env)
        reported.append(seconds)
        built.append(pages)
        walls.append(wall)
        print(
            f"run {i + 1}: window shown after {seconds:.3f} s, pages built after {pages:.3f} s "
            f"(process wall {wall:.3f} s)"
        )
    base = [baseline_once(env) for _ in range(args.runs)]
    median = statistics.median(reported)
    print(f"median time to window shown: {median:.3f} s (goal <= {GOAL_S} s)")
    print(f"median time to all pages built: {statistics.median(built):.3f} s")
    print(f"median whole process incl. quit: {statistics.median(walls):.3f} s")
    print(f"baseline: python + import PySide6.QtWidgets: {statistics.median(base):.3f} s")
    print(f"ratio window-shown / baseline: {median / statistics.median(base):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
