"""The command line: ``workbench COMMAND ...`` (no command opens the window).

``main`` parses and dispatches; each command lives in a module of its own
(``train``, ``evaluate``, ``classify``, ``inspect``, ``config``), sharing
``common`` (exit codes, loading arguments), ``output`` (tables, JSON) and
``progress`` (status line, Ctrl-C).
"""

from workbench.cli.entry import main

__all__ = ["main"]
