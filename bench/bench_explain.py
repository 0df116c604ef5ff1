"""Word explanations: how faithful they are and how fast, on a trained bundle.

Faithfulness ("comprehensiveness" as in the ERASER benchmark): for each test-split
document, delete the 10 % of read tokens with the highest weight for the predicted
class and measure how much that class's probability drops; compare with deleting
the same number of read tokens at random (mean over ``--draws`` draws). Goal: the
top-10 % drop is >= 3x the random drop on average, for each method. Tokens are
deleted by setting their ids to padding, which the model masks (the same as cutting
them out of the text, without letting unread tokens past ``maxlen`` move in).

Speed: median time to explain a 1,000-word article (test documents joined and cut
to 1,000 words) for each method, against plain classification of the same text,
all warm, in this process. Goal: <= 0.5 s for occlusion and for integrated
gradients at the default steps.

    python bench/bench_explain.py BUNDLE [--corpus /work/shared/data/bbc] [--limit N]
        [--calls 10] [--skip-faithfulness] [--skip-speed]
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
    args = parser.parse_args()

    from workbench.core import Explainer, Predictor

    predictor = Predictor.from_path(args.bundle)
    explainer = Explainer(predictor)
    texts, _ = test_texts(predictor.bundle, args.corpus)
    methods = args.methods.split(",")
    print(f"bundle {args.bundle}: maxlen {predictor.maxlen}, {len(texts)} test documents")

    if not args.skip_speed:
        words = " ".join(texts).split()[:1000]
        article = " ".join(words)
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
