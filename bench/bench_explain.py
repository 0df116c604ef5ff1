"""Word explanations: how faithful they are and how fast, on a trained bundle.

Faithfulness ("comprehensiveness" as in the ERASER benchmark): for each test-split
document, delete the 10 % of read tokens with the highest weight for the predicted
class and measure how much that class's probability drops; compare with deleting
the same number of read tokens at random (mean over ``--draws`` draws). Goal: the
top-10 % drop is >= 3x the random drop on average, for each method. Tokens are
deleted by setting their ids to padding, which the model masks (the same as cutting
them out of the text, without letting unread tokens past ``maxlen`` move in).

Speed: median time to explain a 1,000-word article (test documents joined, with
their paragraphs, and cut to 1,000 words) for each method, against plain
classification of the same text,
all warm, in this process. Goal: <= 0.5 s for occlusion and for integrated
gradients at the default steps.

Responsiveness (``--gui``): the Classify page explains the same article (worker
task, then the highlighting on the GUI thread) while a 10 ms timer on the GUI thread
records its ticks; the largest gap between ticks is the longest stall a user would
feel, against the same page idle for as long. Goal: max gap <= 50 ms.

    python bench/bench_explain.py BUNDLE [--corpus /work/shared/data/bbc] [--limit N]
        [--calls 10] [--skip-faithfulness] [--skip-speed] [--gui]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np


def test_texts(bundle, corpus_path: str) -> tuple[list[str], list[str]]:
    """The bundle's test split of the corpus (re-split with the bundle's own settings)."""
    from workbench.core import load_corpus, split_corpus

    corpus, _ = load_corpus(corpus_path)
    config = bundle.config
    splits = split_corpus(
        corpus,
        val_fraction=config.val_fraction,
        test_fraction=config.test_fraction,
        seed=config.seed,
    )
    return list(splits.test.texts), list(splits.test.labels)


def first_words(texts: list[str], n: int) -> str:
    """The first ``n`` words of ``texts`` joined, paragraphs kept (a long news article)."""
    paragraphs: list[str] = []
    count = 0
    for text in texts:
        for paragraph in text.split("\n"):
            words = paragraph.split()[: n - count]
            if words:
                paragraphs.append(" ".join(words))
                count += len(words)
            if count >= n:
                return "\n\n".join(paragraphs)
    return "\n\n".join(paragraphs)


def comprehensiveness(explainer, texts, method: str, draws: int, seed: int) -> dict:
    from workbench.core.explain.engines import runner_for

    predictor = explainer.predictor
    runner = runner_for(predictor.bundle.model, predictor.maxlen)
    rng = np.random.default_rng(seed)
    top_drops, random_drops, gaps = [], [], []
    start = time.perf_counter()
    for text in texts:
        e = explainer.explain(text, method=method)
        reading = explainer._read(text)
        read = [(p, t.weight) for p, t in zip(reading.positions, e.tokens, strict=True) if t.read]
        if not read:
            continue
        k = max(1, math.ceil(0.1 * len(read)))
        c = explainer.class_names.index(e.class_name)
        order = sorted(read, key=lambda item: -item[1])
        rows = [reading.ids.copy()]
        top = reading.ids.copy()
        top[[p for p, _ in order[:k]]] = 0
        rows.append(top)
        positions = np.array([p for p, _ in read])
        for _ in range(draws):
            rand = reading.ids.copy()
            rand[rng.choice(positions, size=k, replace=False)] = 0
            rows.append(rand)
        probs = runner(np.stack(rows))[:, c]
        top_drops.append(float(probs[0] - probs[1]))
        random_drops.append(float(np.mean(probs[0] - probs[2:])))
        if e.completeness_gap is not None and e.target_delta:
            gaps.append(abs(e.completeness_gap) / abs(e.target_delta))
    top_mean, random_mean = float(np.mean(top_drops)), float(np.mean(random_drops))
    return {
        "method": method,
        "documents": len(top_drops),
        "top": top_mean,
        "random": random_mean,
        "ratio": top_mean / random_mean if random_mean > 0 else float("inf"),
        "gap": float(np.median(gaps)) if gaps else None,
        "seconds": time.perf_counter() - start,
    }


def median_s(func, calls: int) -> tuple[float, float]:
    """Median wall-clock and median CPU time (all threads of this process) per call.

    On a shared machine the CPU time is the steadier figure: with two idle cores the
    wall-clock time of a call is at most its CPU time."""
    func()
    func()
    wall, cpu = [], []
    for _ in range(calls):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def gui_gaps(bundle, article: str, methods: list[str], rounds: int) -> None:
    """Max / p99 GUI-thread gaps while the Classify page explains ``article``."""
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from workbench.gui.pages.classify.page import EXPLAIN_KIND, ClassifyPage
    from workbench.gui.state import AppState
    from workbench.gui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    tasks = TaskRunner()
    page = ClassifyPage(AppState(), tasks)
    page.resize(1300, 850)
    page.show()
    page.state.set_bundle(bundle)
    page.editor.setPlainText(article)

    clock = QElapsedTimer()
    stamps: list[float] = []
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(10)
    ticker.timeout.connect(lambda: stamps.append(clock.nsecsElapsed() / 1e6))

    def run_loop(condition, timeout_s: float) -> None:
        loop = QEventLoop()
        deadline = time.monotonic() + timeout_s
        poll = QTimer()
        poll.setInterval(5)
        poll.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
        poll.start()
        loop.exec()
        poll.stop()

    def measured(action, condition, timeout_s: float) -> tuple[float, float, float]:
        stamps.clear()
        clock.start()
        ticker.start()
        started = time.perf_counter()
        action()
        run_loop(condition, timeout_s)
        ticker.stop()
        gaps = np.diff(stamps) if len(stamps) > 1 else np.zeros(1)
        return float(gaps.max()), float(np.percentile(gaps, 99)), time.perf_counter() - started

    def idle_done() -> bool:
        return tasks.current(EXPLAIN_KIND) is None and page.explanation_view.text.explanation

    run_loop(idle_done, 300)  # the first explanation (compiles the graphs)
    print("| what | max gap | p99 gap | seconds |")
    print("|---|---|---|---|")
    for method in methods:
        view = page.explanation_view
        view.method_combo.setCurrentIndex(view.method_combo.findData(method))
        for _ in range(rounds):
            view.text.explanation = None
            gap, p99, seconds = measured(page.explain_text, idle_done, 120)
            print(f"| explaining, {method} | {gap:.1f} ms | {p99:.1f} ms | {seconds:.2f} |")
            until = time.monotonic() + seconds
            gap, p99, seconds = measured(lambda: None, lambda u=until: time.monotonic() > u, 120)
            print(f"| idle, as long | {gap:.1f} ms | {p99:.1f} ms | {seconds:.2f} |", flush=True)
    tasks.wait_all(60_000)
    page.close()
    app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", help="trained bundle folder")
    parser.add_argument("--corpus", default="/work/shared/data/bbc", help="its corpus")
    parser.add_argument("--limit", type=int, default=0, help="first N test documents (0 = all)")
    parser.add_argument("--draws", type=int, default=5, help="random deletions per document")
    parser.add_argument("--calls", type=int, default=10, help="timed calls per speed figure")
    parser.add_argument("--methods", default="occlusion,ig")
    parser.add_argument("--skip-faithfulness", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--gui", action="store_true", help="measure GUI-thread gaps too")
    parser.add_argument("--rounds", type=int, default=3, help="--gui rounds per method")
    args = parser.parse_args()

    from workbench.core import Explainer, Predictor

    predictor = Predictor.from_path(args.bundle)
    explainer = Explainer(predictor)
    texts, _ = test_texts(predictor.bundle, args.corpus)
    methods = args.methods.split(",")
    print(f"bundle {args.bundle}: maxlen {predictor.maxlen}, {len(texts)} test documents")

    article = first_words(texts, 1000)
    words = article.split()
    if args.gui:
        print(f"\nGUI thread while the Classify page explains the {len(words)}-word article")
        gui_gaps(predictor.bundle, article, methods, args.rounds)

    if not args.skip_speed:
        print(f"\nspeed: one {len(words)}-word article, median of {args.calls} warm calls")
        print("| what | median wall | median CPU | wall / plain |")
        print("|---|---|---|---|")
        base, base_cpu = median_s(lambda: predictor.classify(article), args.calls)
        print(f"| plain classification | {base:.3f} s | {base_cpu:.3f} s | 1x |")
        for method in methods:
            t, cpu = median_s(lambda m=method: explainer.explain(article, method=m), args.calls)
            print(f"| explain, {method} | {t:.3f} s | {cpu:.3f} s | {t / base:.0f}x |", flush=True)

    if not args.skip_faithfulness:
        chosen = texts[: args.limit] if args.limit else texts
        print(f"\nfaithfulness on {len(chosen)} test documents (top-10 % vs random deletion)")
        print("| method | documents | drop, top 10 % | drop, random 10 % | ratio | IG gap | time |")
        print("|---|---|---|---|---|---|---|")
        for method in methods:
            r = comprehensiveness(explainer, chosen, method, args.draws, seed=0)
            gap = "-" if r["gap"] is None else f"{r['gap']:.2f}"
            print(
                f"| {method} | {r['documents']} | {r['top']:.4f} | {r['random']:.4f} | "
                f"{r['ratio']:.1f}x | {gap} | {r['seconds']:.0f} s |",
                flush=True,
            )


if __name__ == "__main__":
    main()
