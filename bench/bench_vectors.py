"""Benchmark: filtered load of a large GloVe text file vs the naive loop.

Generates (once) a 400,000-word x 300-d GloVe-format text file (~1 GB) with
random words and ``%.5g`` floats in ``$WORKBENCH_BENCH_DIR`` (default
``/tmp/workbench-bench``), then loads it filtered to a 20,000-word vocabulary
(95 % of it in the file) and prints:

* naive seconds: a dict of every line via ``line.split()`` +
  ``np.asarray(values[1:], dtype="float32")``, then the vocabulary picked;
* ours seconds: ``load_vectors(path, vocabulary=..., use_cache=False)``;
* their ratio (both timed in this process, wall clock and CPU time: on a
  shared machine CPU time is the steadier figure), the peak RSS of a child
  process doing only each load, and the time of a repeat load from the cache.

Usage: ``python bench/bench_vectors.py [--words N --dim D --vocab V --dir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEED = 0
LETTERS = b"etaoinshrdlcumwfgypbvkjxqz"
LETTER_FREQ = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8]
LETTER_FREQ += [2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07]


def random_words(n: int, rng: np.random.Generator) -> list[bytes]:
    """``n`` distinct lowercase words, 2-13 letters, English letter frequencies."""
    letters = np.frombuffer(LETTERS, dtype="S1")
    p = np.array(LETTER_FREQ) / sum(LETTER_FREQ)
    words: list[bytes] = []
    seen: set[bytes] = set()
    while len(words) < n:
        lengths = rng.integers(2, 14, 50_000)
        chars = rng.choice(letters, size=(50_000, 13), p=p)
        for length, row in zip(lengths, chars, strict=True):
            word = b"".join(row[:length])
            if word not in seen:
                seen.add(word)
                words.append(word)
    return words[:n]


def generate(path: Path, n_words: int, dim: int) -> float:
    """Write a GloVe-format file (``%.5g`` values drawn from a pool); return seconds."""
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    pool = np.array([b"%.5g" % v for v in rng.normal(0.0, 0.4, 1_000_000)], dtype=object)
    words = random_words(n_words, rng)
    tmp = path.with_suffix(".partial")
    with open(tmp, "wb") as out:
        for start in range(0, n_words, 5000):
            block = words[start : start + 5000]
            values = pool[rng.integers(0, len(pool), (len(block), dim))]
            lines = zip(block, values, strict=True)
            out.write(b"".join(w + b" " + b" ".join(row) + b"\n" for w, row in lines))
    tmp.replace(path)
    return time.perf_counter() - started


def naive_load(path: Path, vocabulary: list[str]) -> dict[str, np.ndarray]:
    """The loop most tutorials show, then the vocabulary picked out."""
    table = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            values = line.split()
            table[values[0]] = np.asarray(values[1:], dtype="float32")
    return {w: table[w] for w in vocabulary if w in table}


def ours_load(path: Path, vocabulary: list[str], cache_dir: Path | None = None):
    from workbench.core import load_vectors

    if cache_dir is None:
        return load_vectors(path, vocabulary=vocabulary, use_cache=False)
    return load_vectors(path, vocabulary=vocabulary, cache_dir=cache_dir)


def timed(fn, *args):
    """``(result, wall seconds, CPU seconds of this process)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def child(kind: str, path: Path, vocab_file: Path) -> None:
    """Run one load and print its seconds and the process's peak RSS (MB) as JSON."""
    vocabulary = vocab_file.read_text(encoding="utf-8").split("\n")
    started = time.perf_counter()
    result = naive_load(path, vocabulary) if kind == "naive" else ours_load(path, vocabulary)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "rows": len(result)}))


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss where /proc is missing).

    ru_maxrss is not used on Linux: a child started by vfork + exec inherits
    its parent's high-water mark there, VmHWM belongs to the new image only.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(kind: str, path: Path, vocab_file: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--file", str(path), "--vocab-file",
         str(vocab_file)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=400_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--vocab", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours/cache (best kept)")
    default_dir = os.environ.get("WORKBENCH_BENCH_DIR", "/tmp/workbench-bench")
    parser.add_argument("--dir", type=Path, default=Path(default_dir))
    parser.add_argument("--child", choices=["naive", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--vocab-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.file, args.vocab_file)
        return 0

    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"glove_random_{args.words}x{args.dim}_seed{SEED}.txt"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        print(f"  generated in {generate(path, args.words, args.dim):.1f} s", flush=True)
    print(f"file: {path} ({path.stat().st_size / 1e9:.2f} GB)")

    rng = np.random.default_rng(SEED + 1)
    with open(path, "rb") as handle:
        words = [line[: line.index(b" ")].decode() for line in handle]
    present = int(args.vocab * 0.95)
    picked = rng.choice(len(words), present, replace=False)
    vocabulary = [words[i] for i in picked] + [f"absent{i}" for i in range(args.vocab - present)]
    del words
    print(f"vocabulary: {len(vocabulary):,} words ({present:,} in the file)")

    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        vocab_file = Path(tmp) / "vocab.txt"
        vocab_file.write_text("\n".join(vocabulary), encoding="utf-8")

        ours_times = [timed(ours_load, path, vocabulary) for _ in range(args.repeat)]
        naive, naive_s, naive_cpu = timed(naive_load, path, vocabulary)
        ours_times += [timed(ours_load, path, vocabulary) for _ in range(args.repeat)]
        vectors = ours_times[-1][0]
        same = set(naive) == set(vectors.words) and all(
            np.array_equal(naive[w], vectors.matrix[i]) for i, w in enumerate(vectors.words)
        )
        del naive
        ours_times = [(None, wall, cpu) for _, wall, cpu in ours_times]

        cache_dir = Path(tmp) / "cache"
        started = time.perf_counter()
        ours_load(path, vocabulary, cache_dir)
        first_s = time.perf_counter() - started
        cache_times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            cached = ours_load(path, vocabulary, cache_dir)
            cache_times.append(time.perf_counter() - started)
        if not cached.report.from_cache:
            print("WARNING: the repeat load did not come from the cache")

        ours_mem = run_child("ours", path, vocab_file)
        naive_mem = run_child("naive", path, vocab_file)

    ours_s = min(wall for _, wall, _ in ours_times)
    ours_cpu = min(cpu for _, _, cpu in ours_times)
    walls = ", ".join(f"{wall:.2f}" for _, wall, _ in ours_times)
    print(f"rows kept: {len(vectors):,} (same vectors as naive: {same})")
    print(
        f"naive loop:   wall {naive_s:7.2f} s  cpu {naive_cpu:7.2f} s  "
        f"peak RSS {naive_mem['peak_mb']:5.0f} MB"
    )
    print(
        f"load_vectors: wall {ours_s:7.2f} s  cpu {ours_cpu:7.2f} s  "
        f"peak RSS {ours_mem['peak_mb']:5.0f} MB  (best of {len(ours_times)}: {walls})"
    )
    print(
        f"speed-up:     wall {naive_s / ours_s:7.1f} x  cpu {naive_cpu / ours_cpu:7.1f} x"
        "  (goal >= 15 x)"
    )
    print(f"first load + cache write: {first_s:.2f} s")
    print(f"repeat load (cache): {min(cache_times):.3f} s  (goal <= 0.2 s)")
    print(f"child processes: naive {naive_mem['seconds']:.2f} s, ours {ours_mem['seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
