"""Exceptions raised by the core for problems a user can fix.

Every message names the bad value or the file (and line) it came from, so the
CLI can print ``str(error)`` as one line and the GUI can show it as it is.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every expected, user-facing error."""


class CorpusError(WorkbenchError):
    """A corpus cannot be read or used (missing path, unknown format, no documents...)."""


class VectorsError(WorkbenchError):
    """A word-vectors file cannot be read or used."""


class ConfigError(WorkbenchError, ValueError):
    """A configuration value is invalid ("units must be >= 1, got 0")."""


class BundleError(WorkbenchError):
    """A saved model bundle is missing, incomplete or incompatible."""


class Cancelled(WorkbenchError):
    """Raised by long core functions when their cancel token is set."""


class ArgumentError(WorkbenchError, TypeError):
    """A public core function got an argument of the wrong type or value.

    The message names the function's argument: ``"load_corpus: path must be a file or
    folder path, got None"``. Also a ``TypeError``, so code that catches that still works.
    """


class ArchiveMemberError(VectorsError):
    """A vectors ``.zip`` whose member cannot be chosen for the caller.

    ``members`` are the candidates (the members that read as vectors, or every file
    when none does); each front end words its own advice from them (a picker in the
    window, ``FILE.zip:MEMBER`` on the command line).
    """

    def __init__(self, message: str, *, path: str, members: list[str]) -> None:
        super().__init__(message)
        self.path = path
        self.members = list(members)
