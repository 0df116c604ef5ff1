"""How fast one news article is classified by a default-config model.

Builds the recommended model (BiLSTM 64, max-pooled, maxlen 400, vocabulary 20000,
50-d embedding; untrained weights are enough for timing), then times
``Predictor.classify`` on a 1,000-word article against Keras' ``model.predict`` on
the same ids, both warm, in this process. Goal: median <= 50 ms per article.

    python bench/bench_classify.py [--calls 50] [--batch 256]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np


def synthetic_article(words: list[str], n_words: int, rng: np.random.Generator) -> str:
    """An article of ``n_words`` words drawn with a Zipf-like frequency."""
    weights = 1.0 / np.arange(1, len(words) + 1)
    picks = rng.choice(len(words), size=n_words, p=weights / weights.sum())
    sentences = []
    for start in range(0, n_words, 20):
        chunk = [words[i] for i in picks[start : start + 20]]
        sentences.append(" ".join(chunk).capitalize() + ".")
    return " ".join(sentences)


def timings_ms(func, calls: int) -> list[float]:
    func()  # warm-up (graph tracing / compilation)
    func()
    out = []
    for _ in range(calls):
        start = time.perf_counter()
        func()
        out.append((time.perf_counter() - start) * 1000)
    return out


def describe(name: str, values: list[float]) -> tuple[float, float]:
    median = statistics.median(values)
    p90 = float(np.percentile(values, 90))
    print(f"{name:<42} median {median:8.2f} ms   p90 {p90:8.2f} ms")
    return median, p90


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="timed calls per measurement")
    parser.add_argument("--batch", type=int, default=256, help="articles in the batch test")
    args = parser.parse_args()

    from workbench.core import (
        Bundle,
        Predictor,
        Tokenizer,
        TrainConfig,
        build_info_dict,
        build_model,
        info_from_dict,
    )

    rng = np.random.default_rng(0)
    config = TrainConfig()
    vocabulary = [f"w{i}" for i in range(config.max_words + 5000)]
    tokenizer = Tokenizer(max_words=config.max_words, maxlen=config.maxlen)
    tokenizer.fit([" ".join(vocabulary), " ".join(vocabulary[:5000])])
    classes = ["business", "entertainment", "politics", "sport", "tech"]
    model = build_model(config, vocab_size=tokenizer.vocab_size, num_classes=len(classes))
    data = build_info_dict(
        name="bench", class_names=classes, config=config, history={}, metrics=None, provenance={}
    )
    bundle = Bundle(info_from_dict(data, None), model, tokenizer, config, {}, {})

    start = time.perf_counter()
    predictor = Predictor(bundle)
    article = synthetic_article(vocabulary[:30000], 1000, rng)
    first = predictor.classify(article)[0]
    first_ms = (time.perf_counter() - start) * 1000
    ids = tokenizer.encode([article], maxlen=config.maxlen)

    print(
        f"model: {bundle.info.summary()}, vocab {tokenizer.vocab_size}, "
        f"article {len(article.split())} words ({first.total_tokens} tokens)"
    )
    print(f"first call (includes compilation): {first_ms:.0f} ms")
    ours, p90 = describe(
        "Predictor.classify (1 article)",
        timings_ms(lambda: predictor.classify(article), args.calls),
    )
    base, _ = describe(
        "model.predict (1 article, ids ready)",
        timings_ms(lambda: model.predict(ids, verbose=0), max(args.calls // 5, 5)),
    )
    print(f"speed-up vs model.predict: {base / ours:.1f}x")
    verdict = "meets" if ours <= 50 else "MISSES"
    print(f"goal <= 50 ms median per article: {verdict} ({ours:.1f} ms, p90 {p90:.1f} ms)")

    batch = [synthetic_article(vocabulary[:30000], 300, rng) for _ in range(args.batch)]
    batch_ms = timings_ms(lambda: predictor.predict_proba(batch), 3)
    batch_ids = tokenizer.encode(batch, maxlen=config.maxlen)
    base_batch = timings_ms(lambda: model.predict(batch_ids, verbose=0, batch_size=256), 3)
    med = statistics.median(batch_ms)
    print(
        f"batch of {args.batch} articles: Predictor {med:.0f} ms ({med / args.batch:.2f} ms each), "
        f"model.predict {statistics.median(base_batch):.0f} ms"
    )


if __name__ == "__main__":
    main()
