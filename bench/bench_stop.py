"""Benchmark: how long Stop takes on the Train page during a real training run.

Opens the window offscreen, loads the BBC corpus and the bundled vectors, starts
training with the default config and presses Stop (a) at batch ``--batch`` of
epoch ``--epoch`` (mid-epoch) and (b) right after that epoch ends, each in its own
run. Prints the seconds from Stop to the page being idle again, the final status,
whether the best model was kept (goal: idle within 2 s, model kept) with its
bag-of-n-grams part, and its test accuracy, and when
each stage after Stop was reported (seconds after Stop, as seen on the GUI thread).

    python bench/bench_stop.py [--data DIR] [--epoch 2] [--batch 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["WORKBENCH_MODELS_DIR"] = tempfile.mkdtemp(prefix="wb-bench-stop-")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--epoch", type=int, default=2, help="1-based epoch to stop in")
    parser.add_argument("--batch", type=int, default=20, help="batch of that epoch (mid-epoch)")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from workbench.core import shared_data_dir

    data = args.data or shared_data_dir()
    if data is None or not (Path(data) / "bbc").is_dir():
        print("BBC corpus not found: pass --data DIR (holding bbc/) or set WORKBENCH_DATA")
        return 2
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = QApplication.instance() or QApplication(sys.argv[:1])
    import keras  # noqa: F401  (the app imports it in the background)

    from workbench.gui.tasks import run_until_finished
    from workbench.gui.window.main_window import MainWindow

    window = MainWindow()
    window.show()
    window.state.set_tf_ready(True)
    run_until_finished(window.open_corpus(Path(data) / "bbc"))
    run_until_finished(window.open_vectors("bundled"))
    page = window.page("Train")
    epoch = args.epoch - 1  # listener events count from 0

    for label, wanted in (
        (f"mid-epoch (epoch {args.epoch}, batch {args.batch})", "batch"),
        (f"end of epoch {args.epoch}", "epoch"),
    ):
        page.last_result = None
        task = page.start_training()
        if task is None:
            print(f"cannot train: {page.disabled_reason()}")
            return 1
        pressed: list[float] = []

        def on_partial(event: object, wanted: str = wanted, pressed: list = pressed) -> None:
            if pressed or not isinstance(event, dict) or event.get("event") != wanted:
                return
            if event.get("epoch") != epoch or (wanted == "batch" and event["batch"] < args.batch):
                return
            pressed.append(time.perf_counter())
            page.stop_training()

        stages: list[tuple[float, str]] = []

        def on_progress(
            fraction: float, message: str, stages: list = stages, pressed: list = pressed
        ) -> None:
            if pressed and message and (not stages or stages[-1][1] != message):
                stages.append((time.perf_counter(), message))

        def on_end(event: object, stages: list = stages, pressed: list = pressed) -> None:
            if pressed and isinstance(event, dict) and event.get("event") == "end":
                stages.append((time.perf_counter(), "training loop ended"))

        task.partial.connect(on_partial)
        task.partial.connect(on_end)
        task.progress.connect(on_progress)
        run_until_finished(task)
        if not pressed:
            print(f"{label}: training ended before the stop point")
            continue
        result = page.last_result
        kept = result is not None and result.bundle_path is not None
        wide = result.provenance.get("wide") if result is not None else None
        has_wide = isinstance(wide, dict) and "weight" in wide
        accuracy = result.evaluation.accuracy if result and result.evaluation else None
        print(
            f"stop {label}: idle after {time.perf_counter() - pressed[0]:.2f} s "
            f"(goal <= 2 s), status {page.status}, best model kept: {kept}, "
            f"n-gram part kept: {has_wide}, test accuracy {accuracy}",
            flush=True,
        )
        steps = ", ".join(f"{message} +{at - pressed[0]:.2f}" for at, message in stages)
        print(f"  after Stop: {steps}", flush=True)
    window.tasks.wait_all(10_000)
    window.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
