"""Runs page with a big store: time to show 1,000 runs, and to overlay 10 of them.

Fills a temporary models folder with ``--runs`` finished runs (15 epochs each, a
per-batch curve of 30 points, full configs and metrics), then, offscreen:
opening the Runs page (construct, show, first read of the store, table filled),
selecting 10 runs (overlaid curves + comparison table), and a store poll with
nothing new. Also reports the longest gap between event-loop timer ticks while
the page is shown (how long the window would be unresponsive). Wall and process
CPU times are both given: on a shared machine the CPU time is the steadier one.

    QT_QPA_PLATFORM=offscreen python bench/bench_runs.py [--runs 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def fill_store(folder: Path, count: int) -> None:
    from workbench.core import RunStore, TrainConfig

    with RunStore(folder) as store:
        for i in range(count):
            config = TrainConfig(units=16 + i % 97, dropout=round((i % 7) / 10, 1)).to_dict()
            run_id = store.begin_run(
                name=f"bbc-bilstm-{i:04d}",
                config=config,
                corpus_path="/data/bbc",
                vectors="bundled",
            )
            for epoch in range(15):
                logs = {
                    "loss": 1 / (epoch + 1),
                    "accuracy": 0.6 + epoch / 40,
                    "val_loss": 1.2 / (epoch + 1),
                    "val_accuracy": 0.55 + epoch / 40,
                }
                store.add_epoch(run_id, epoch, logs)
            store.add_batches(run_id, [(p / 2, 1.0, 0.5) for p in range(30)])
            per_class = {
                c: {"precision": 0.9, "recall": 0.9, "f1": 0.9, "support": 89} for c in "abcde"
            }
            store.finish_run(
                run_id, status="completed",
                metrics={"accuracy": 0.9 + (i % 10) / 100, "macro_f1": 0.9, "per_class": per_class},
            )  # fmt: skip


def _tick(ticks: list[float]) -> None:
    ticks.append(time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from workbench.gui.pages.runs.page import RunsPage
    from workbench.gui.state import AppState
    from workbench.gui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="bench-runs-"))
    started = time.perf_counter()
    fill_store(folder, args.runs)
    print(f"filled a store of {args.runs} runs in {time.perf_counter() - started:.1f} s")

    show_s, overlay_s, poll_s, gaps = [], [], [], []
    show_cpu, overlay_cpu = [], []
    for _ in range(args.repeat):
        state = AppState(models_dir=folder)
        clock, cpu = time.perf_counter(), time.process_time()
        page = RunsPage(state, TaskRunner())
        page.resize(1300, 800)
        page.show()
        app.processEvents()
        assert page.model.rowCount() == args.runs
        show_s.append(time.perf_counter() - clock)
        show_cpu.append(time.process_time() - cpu)

        ids = [run.id for run in page.model.runs()[:10]]
        clock, cpu = time.perf_counter(), time.process_time()
        page.select_runs(ids)
        app.processEvents()
        overlay_s.append(time.perf_counter() - clock)
        overlay_cpu.append(time.process_time() - cpu)
        assert len(page.curves.shown) == 10

        clock = time.perf_counter()
        page.poll()
        poll_s.append(time.perf_counter() - clock)

        # event-loop gaps while the page polls and repaints for one second
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(functools.partial(_tick, ticks))
        timer.start()
        elapsed = QElapsedTimer()
        elapsed.start()
        while elapsed.elapsed() < 1000:
            app.processEvents()
        timer.stop()
        gaps.append(max(b - a for a, b in itertools.pairwise(ticks)))
        page.close()
        page.deleteLater()
        app.processEvents()

    def line(name: str, values: list[float]) -> None:
        print(
            f"{name}: median {1000 * statistics.median(values):.0f} ms, "
            f"max {1000 * max(values):.0f} ms"
        )

    line(f"Runs page shown with {args.runs} runs (wall)", show_s)
    line(f"Runs page shown with {args.runs} runs (process CPU)", show_cpu)
    line("overlay 10 runs, curves + comparison (wall)", overlay_s)
    line("overlay 10 runs, curves + comparison (process CPU)", overlay_cpu)
    line("poll with nothing new", poll_s)
    line("longest event-loop gap while shown", gaps)


if __name__ == "__main__":
    main()
