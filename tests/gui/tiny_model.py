"""Tiny corpus, config and trained model shared by the Train/Evaluate/Classify page tests."""

from __future__ import annotations

import random
from pathlib import Path

from workbench.core import TrainConfig

WORDS = {
    "food": [
        "bread",
        "cheese",
        "soup",
        "pasta",
        "garlic",
        "onion",
        "butter",
        "salad",
        "pepper",
        "lemon",
    ],
    "sport": [
        "goal",
        "match",
        "striker",
        "keeper",
        "league",
        "referee",
        "penalty",
        "stadium",
        "coach",
        "season",
    ],
    "tech": [
        "laptop",
        "software",
        "chip",
        "server",
        "robot",
        "browser",
        "network",
        "battery",
        "screen",
        "cloud",
    ],
}
COMMON = ["the", "a", "of", "and", "to", "in", "is", "was", "for", "on"]


def make_corpus_dir(root: Path, per_class: int = 20, seed: int = 0) -> Path:
    """A folder-per-class corpus of short documents made of each class's own words."""
    rng = random.Random(seed)
    corpus = root / "corpus"
    for label, words in WORDS.items():
        folder = corpus / label
        folder.mkdir(parents=True)
        for i in range(per_class):
            tokens = [rng.choice(words if rng.random() < 0.7 else COMMON) for _ in range(12)]
            (folder / f"{i:03d}.txt").write_text(" ".join(tokens) + "\n", encoding="utf-8")
    return corpus


def tiny_config(**overrides: object) -> TrainConfig:
    """Units 4, maxlen 20, batch 8, one epoch, no early stopping."""
    values: dict[str, object] = {
        "max_words": 200,
        "maxlen": 20,
        "embedding_dim": 8,
        "units": 4,
        "bidirectional": False,
        "dropout": 0.0,
        "batch_size": 8,
        "epochs": 1,
        "patience": 0,
        "learning_rate": 0.01,
    }
    values.update(overrides)
    return TrainConfig(**values)


def load_tiny_corpus(root: Path):
    """``(corpus, report)`` of a fresh tiny corpus under ``root``."""
    from workbench.core import load_corpus

    return load_corpus(make_corpus_dir(root))


def train_tiny(root: Path, **overrides: object):
    """Train and save a tiny model with the core pipeline; returns ``(corpus, RunResult)``."""
    from workbench.core import run_training

    corpus, _ = load_tiny_corpus(root)
    config = tiny_config(**overrides)
    result = run_training(corpus, config, vectors=None, out_dir=root / "models")
    return corpus, result
