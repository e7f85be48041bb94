"""The Python modules import one way: no module imports, at its top or
inside a function, one that imports it back (directly or through others)."""

from __future__ import annotations

import ast

import pytest

from conftest import ROOT

pytestmark = pytest.mark.unit

PACKAGE = ROOT / "src" / "arpu"


def module_name(path) -> str:
    """arpu.report for src/arpu/report.py, arpu.demo for its __init__.py."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path, modules) -> set[str]:
    """The arpu modules path imports: `from arpu.demo import model` names
    the module arpu.demo.model, `from arpu.demo.model import COLUMNS` the
    module arpu.demo.model."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "arpu":
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in modules else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "arpu"}
    return found


def test_no_import_cycle():
    # Subpackages included (engines/, demo/). The top package's __init__
    # (`from arpu import __version__`) is left out, as it imports nothing.
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    assert "arpu.demo.generator" in modules
    graph = {m: {d for d in imports(p, modules) if d in modules and d not in (m, "arpu")}
             for m, p in modules.items()}

    def reaches(start, goal, seen):
        for nxt in graph[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert [m for m in graph if reaches(m, m, {m})] == []


def test_no_module_is_over_400_lines():
    long = {p.name: n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
