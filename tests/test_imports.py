"""The Python modules import one way: no module imports, at its top or
inside a function, one that imports it back (directly or through others)."""

from __future__ import annotations

import ast

import pytest

from conftest import ROOT

pytestmark = pytest.mark.unit

PACKAGE = ROOT / "src" / "arpu"


def imports(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "arpu":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("arpu."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("arpu.")}
    return found


def test_no_import_cycle():
    graph = {p.stem: imports(p) for p in PACKAGE.glob("*.py")}
    graph = {m: {d for d in deps if d in graph and d != "__init__"} for m, deps in graph.items()}

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
