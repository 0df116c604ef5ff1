"""The tree shows the architecture: no import circles, packages instead of name prefixes,
no private name imported from another package (import-linter checks the layers)."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("workbench", exclude_type_checking_imports=True)


def _modules(graph) -> list[str]:
    return sorted(m for m in graph.modules if not m.endswith("__init__"))


def test_no_import_circle_between_modules(graph):
    circles = []
    for module in _modules(graph):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == module or imported.startswith(module + "."):
                continue
            # a package's __init__ re-exporting its modules is not a circle
            if module.startswith(imported + "."):
                continue
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain and not any(
                b.startswith(a + ".") or a.startswith(b + ".") for a, b in itertools.pairwise(chain)
            ):
                circles.append(" -> ".join((module, *chain)))
    assert not circles, "import circles:\n" + "\n".join(sorted(set(circles)))


def test_no_folder_has_three_modules_sharing_a_name_prefix():
    crowded = []
    for folder in [PACKAGE, *[p for p in PACKAGE.rglob("*") if p.is_dir()]]:
        stems = [p.stem for p in folder.glob("*.py") if p.stem != "__init__"]
        prefixes = {s.split("_")[0] for s in stems if "_" in s}
        for prefix in sorted(prefixes):
            sharing = [s for s in stems if s == prefix or s.startswith(prefix + "_")]
            if len(sharing) >= 3:
                crowded.append(f"{folder.relative_to(PACKAGE.parent)}: {sorted(sharing)}")
    assert not crowded, "a package waiting to be born:\n" + "\n".join(crowded)


def _package_of(module: str) -> str:
    return module.rsplit(".", 1)[0]


def test_no_private_name_is_imported_from_another_package():
    offences = []
    roots = [PACKAGE, PACKAGE.parent / "bench"]
    for root in roots:
        for path in root.rglob("*.py"):
            rel = path.relative_to(PACKAGE.parent).with_suffix("")
            here = ".".join(rel.parts)
            if here.endswith(".__init__"):
                here = here[: -len(".__init__")] + ".__init__"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom) or not node.module:
                    continue
                if not node.module.startswith("workbench"):
                    continue
                if _package_of(node.module) == _package_of(here):
                    continue
                private = [
                    a.name
                    for a in node.names
                    if a.name.startswith("_") and not a.name.endswith("__")
                ]
                if private:
                    offences.append(f"{rel}: {node.module} {private}")
    assert not offences, "private names used across packages:\n" + "\n".join(offences)


def test_front_ends_use_the_core_api_only():
    """gui/ and cli/ import core names from ``workbench.core`` itself (bench/ may measure
    a public name of a sub-package; the private-name check covers it)."""
    import workbench.core as core

    offences = []
    for root in (PACKAGE / "gui", PACKAGE / "cli"):
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "workbench.core"
                ):
                    if node.module != "workbench.core":
                        offences.append(f"{path.name}: from {node.module}")
                    offences += [
                        f"{path.name}: {a.name} is not in workbench.core.__all__"
                        for a in node.names
                        if a.name not in core.__all__
                    ]
    assert not offences, "\n".join(offences)


def test_the_command_line_offers_every_corpus_format():
    """``cli/entry.py`` lists the formats without importing the core (``--help`` stays
    instant); this keeps its list equal to the core's format table."""
    from workbench.cli.entry import FORMAT_CHOICES
    from workbench.core import FORMATS
    from workbench.core.corpora.formats.registry import READERS

    assert ("auto", *FORMATS) == FORMAT_CHOICES
    assert set(READERS) == set(FORMATS)
