"""Which word vectors a run uses: the bundled GloVe, a file (maybe a zip member) or none.

:class:`VectorsSource` is the one type for that choice in every layer: the
command line's ``--vectors``, the window's state and settings, the training
pipeline and its child process (it pickles), and bundles' provenance, whose
``bundle.json`` keeps :func:`str` of it (``"bundled"``, a path, ``"none"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.errors import ConfigError, VectorsError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from workbench.core.progress import CancelToken, ProgressCallback
    from workbench.core.text.vectors.loading import Vectors

__all__ = ["VECTORS_KINDS", "VectorsSource"]

VECTORS_KINDS = ("bundled", "file", "none")
BUNDLED_LABEL = "GloVe 6B 50d (bundled)"


@dataclass(frozen=True)
class VectorsSource:
    """``kind`` is ``"bundled"``, ``"file"`` (with ``path``, maybe ``member``) or ``"none"``."""

    kind: str = "none"
    path: str | None = None
    member: str | None = None  # a file inside a .zip archive

    def __post_init__(self) -> None:
        if self.kind not in VECTORS_KINDS:
            raise ConfigError(
                f"vectors kind must be one of {', '.join(VECTORS_KINDS)}, got {self.kind!r}"
            )
        if (self.kind == "file") != bool(self.path):
            raise ConfigError(f"vectors of kind {self.kind!r}: a path is needed for a file only")
        if self.member is not None and self.kind != "file":
            raise ConfigError("a zip member only applies to a vectors file")

    # --- making one --------------------------------------------------------------------
    @classmethod
    def bundled(cls) -> VectorsSource:
        return cls("bundled")

    @classmethod
    def none(cls) -> VectorsSource:
        return cls("none")

    @classmethod
    def file(cls, path: str | Path, member: str | None = None) -> VectorsSource:
        return cls("file", str(path), member or None)

    @classmethod
    def parse(cls, value: object) -> VectorsSource:
        """A source from ``None``/``""``/``"none"``, ``"bundled"``, a path or a source.

        Words are matched without regard to case or surrounding space. A path
        ``ARCHIVE.zip:MEMBER`` names a member of a zip archive (when no file of
        that full name exists). ConfigError for any other type.
        """
        if isinstance(value, VectorsSource):
            return value
        if value is None:
            return cls.none()
        if isinstance(value, Path):
            return cls.file(value)
        if not isinstance(value, str):
            raise ConfigError(
                f"vectors must be 'bundled', 'none' or a file path, got {type(value).__name__}"
            )
        word = value.strip().lower()
        if word in ("", "none"):
            return cls.none()
        if word == "bundled":
            return cls.bundled()
        head, sep, member = value.rpartition(":")
        if sep and head.lower().endswith(".zip") and member and not Path(value).exists():
            return cls.file(head, member)
        return cls.file(value)

    # --- reading one -------------------------------------------------------------------
    @property
    def is_none(self) -> bool:
        return self.kind == "none"

    @property
    def is_bundled(self) -> bool:
        return self.kind == "bundled"

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    def __str__(self) -> str:
        if self.kind != "file":
            return self.kind
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    def label(self) -> str:
        """A short name for people: ``"GloVe 6B 50d (bundled)"``, ``"glove.txt"``, ``"none"``."""
        if self.is_bundled:
            return BUNDLED_LABEL
        if self.is_none:
            return "none"
        name = Path(str(self.path)).name
        return f"{name}:{self.member}" if self.member else name

    def check(self) -> VectorsSource:
        """``self``; VectorsError when a file source does not exist."""
        if self.is_file and not Path(str(self.path)).expanduser().exists():
            raise VectorsError(f"vectors file not found: {self.path}")
        return self

    def load(
        self,
        *,
        vocabulary: Iterable[str] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Vectors | None:
        """The vectors (None for ``none``), via :func:`load_vectors`."""
        from workbench.core.text.vectors.loading import BUNDLED, load_vectors

        if self.is_none:
            return None
        target = BUNDLED if self.is_bundled else str(self.path)
        return load_vectors(
            target, vocabulary=vocabulary, member=self.member, progress=progress, cancel=cancel
        )
