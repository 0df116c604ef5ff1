"""What a load did: every skipped item and warning, each with its file and line."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ImportIssue", "ImportReport"]


@dataclass(frozen=True)
class ImportIssue:
    """One item skipped or warned about while loading, with where it is."""

    path: str  # file the problem is in
    line: int | None  # 1-based line number, None for whole files
    reason: str  # short and groupable: "empty file", "binary file", "missing label"...
    detail: str = ""  # specifics: the parser message, the keys present...

    def __str__(self) -> str:
        """One line: ``path:line: reason (detail)``; control characters in it are escaped."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        extra = f" ({self.detail})" if self.detail else ""
        return _one_line(f"{where}: {self.reason}{extra}")

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "reason": self.reason, "detail": self.detail}


def _one_line(text: str) -> str:
    """``text`` with newlines, tabs and other control characters shown escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _count_phrase(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


@dataclass
class ImportReport:
    """What a load did: documents loaded, items skipped and warnings, each with its place."""

    source: str
    format: str
    loaded: int = 0
    skipped: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    elapsed_s: float = 0.0

    def skip(self, path: str | Path, line: int | None, reason: str, detail: str = "") -> None:
        """Record an item that was not loaded."""
        self.skipped.append(ImportIssue(str(path), line, reason, detail))

    def warn(self, path: str | Path, line: int | None, reason: str, detail: str = "") -> None:
        """Record something loaded (or ignored on purpose) that the user should know about."""
        self.warnings.append(ImportIssue(str(path), line, reason, detail))

    def skipped_by_reason(self) -> dict[str, int]:
        """Skipped counts per reason, most frequent first."""
        return dict(Counter(issue.reason for issue in self.skipped).most_common())

    def summary(self) -> str:
        """One line: ``"Loaded 2225 documents, skipped 1 (1 binary file); 1 warning"``."""
        text = f"Loaded {_count_phrase(self.loaded, 'document')}"
        if self.skipped:
            reasons = ", ".join(f"{n} {reason}" for reason, n in self.skipped_by_reason().items())
            text += f", skipped {len(self.skipped)} ({reasons})"
        if self.warnings:
            text += f"; {_count_phrase(len(self.warnings), 'warning')}"
        return text

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "format": self.format,
            "loaded": self.loaded,
            "skipped": [issue.to_dict() for issue in self.skipped],
            "warnings": [issue.to_dict() for issue in self.warnings],
            "summary": self.summary(),
            "elapsed_s": self.elapsed_s,
        }
