"""Helpers shared by the command-line tests (not a test module)."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from workbench.cli.entry import main

TINY = ["--vectors", "none", "--set", "epochs=1", "--set", "units=4", "--set", "maxlen=50"]
WORDS = {
    "finance": "shares market profit bank investors economy growth prices sales",
    "politics": "minister election party government vote labour parliament policy",
    "sport": "match goal team players season coach league win cup",
}


def write_tiny_corpus(root: Path, per_class: int = 10) -> Path:
    """A folder-per-class corpus of short distinctive texts, plus one empty file."""
    for label, words in WORDS.items():
        folder = root / label
        folder.mkdir(parents=True)
        vocab = words.split()
        for i in range(per_class):
            picked = [vocab[(i + k) % len(vocab)] for k in range(6)]
            (folder / f"{i:03d}.txt").write_text(f"News {i}: " + " ".join(picked) + ".\n")
    (root / "sport" / "empty.txt").write_text("")
    return root


def run(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_one_error_line(err: str, *fragments: str) -> None:
    """stderr is exactly one ``workbench: error:`` line holding every fragment."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("workbench: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env
