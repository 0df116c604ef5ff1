"""The core stays headless and light: no Qt, no pyqtgraph, no TensorFlow at import.

Each check runs in a fresh interpreter (a subprocess) so modules imported by
other tests cannot hide a heavy import.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import workbench.core

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "tensorflow", "keras")

_PROBE = """
import importlib, json, sys
for name in {modules!r}:
    importlib.import_module(name)
roots = sorted({{m.split(".")[0] for m in sys.modules}})
print(json.dumps(roots))
"""


def _imported_roots(modules: list[str]) -> set[str]:
    """Top-level packages in sys.modules after importing ``modules`` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(modules=modules)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def core_modules() -> list[str]:
    """``workbench.core`` and every module in it, sub-packages included."""
    names = ["workbench.core"]
    for info in pkgutil.walk_packages(workbench.core.__path__, "workbench.core."):
        names.append(info.name)
    return names


def test_core_has_modules_to_check():
    names = core_modules()
    assert "workbench.core.errors" in names
    assert "workbench.core.progress" in names
    assert "workbench.core.learning.training" in names


def test_core_imports_no_qt_and_no_tensorflow():
    roots = _imported_roots(core_modules())
    leaked = sorted(set(FORBIDDEN) & roots)
    assert not leaked, f"importing workbench.core.* pulled in {leaked}"


def test_cli_imports_no_qt_and_no_tensorflow():
    modules = ["workbench", "workbench.cli.entry", "workbench.__main__"]
    roots = _imported_roots(modules)
    leaked = sorted(set(FORBIDDEN) & roots)
    assert not leaked, f"importing workbench.cli.entry pulled in {leaked}"


def test_cli_command_modules_import_no_qt_and_no_tensorflow():
    import workbench.cli

    modules = [info.name for info in pkgutil.iter_modules(workbench.cli.__path__, "workbench.cli.")]
    assert "workbench.cli.train" in modules
    roots = _imported_roots(modules)
    leaked = sorted(set(FORBIDDEN) & roots)
    assert not leaked, f"importing the CLI command modules pulled in {leaked}"


def test_help_runs_without_heavy_imports():
    probe = (
        "import sys, json\n"
        "from workbench.cli.entry import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "usage: workbench" in done.stdout
    roots = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not set(FORBIDDEN) & roots
