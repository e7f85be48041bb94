#!/usr/bin/env python3
"""The project's DAG as a Mermaid flowchart, from dbt's manifest, for
docs/incremental.md.

    python scripts/dag.py [--manifest target/manifest.json] [--write]

Prints the diagram; with --write, replaces the one between the markers
`<!-- dag:start -->` and `<!-- dag:end -->` of docs/incremental.md. Without
--manifest it parses the project first (`dbt parse`, in a scratch folder).
tests/test_docs.py checks that the page holds the diagram of the project as
it is.

One box per model and seed, in a column per layer (the contract's input,
staging, intermediate, marts, the semantic layer's time spine), and the
models a run keeps as incremental state drawn apart: the layers run one
way, left to right.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "incremental.md"
START, END = "<!-- dag:start -->", "<!-- dag:end -->"
LAYERS = [
    ("input", "input: contract files or warehouse tables"),
    ("staging", "staging: typed, with reasons"),
    ("intermediate", "intermediate: checked rows, state, aggregates"),
    ("marts", "marts: what BI tools read"),
    ("semantic", "semantic layer"),
]


def layer(node: dict) -> str:
    if node["resource_type"] == "source":
        return "input"
    if node["resource_type"] == "seed":
        return "intermediate"
    return node["original_file_path"].split("/")[1]


def mermaid(manifest: dict) -> str:
    """The flowchart of the enabled models and seeds of `manifest`, and of
    the sources they read (one box for all sources of a source name)."""
    nodes = {uid: node for uid, node in manifest["nodes"].items()
             if node["resource_type"] in ("model", "seed")}
    boxes: dict[str, tuple[str, str]] = {}  # uid -> (box id, label)
    for uid, node in nodes.items():
        boxes[uid] = (node["name"], node["name"])
    for uid, source in manifest["sources"].items():
        boxes[uid] = (f"source_{source['source_name']}",
                      f"source {source['source_name']} ({source['schema']}.*)")
    edges = set()
    for uid, node in nodes.items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent in boxes:
                edges.add((boxes[parent][0], boxes[uid][0]))
    state = sorted(node["name"] for node in nodes.values()
                   if node["config"].get("materialized") == "incremental")
    lines = ["```mermaid", "flowchart LR"]
    used = {box for edge in edges for box in edge} | {boxes[uid][0] for uid in nodes}
    for key, title in LAYERS:
        members = sorted({boxes[uid] for uid in boxes if boxes[uid][0] in used
                          and layer(manifest["nodes"].get(uid) or manifest["sources"][uid])
                          == key})
        if not members:
            continue
        lines.append(f'  subgraph {key}["{title}"]')
        for box, label in members:
            shape = f'[("{label}")]' if box in state else f'["{label}"]'
            lines.append(f"    {box}{shape}")
        lines.append("  end")
    for parent, child in sorted(edges):
        lines.append(f"  {parent} --> {child}")
    if state:
        lines.append("  classDef state fill:#fde68a,stroke:#92400e,stroke-width:2px")
        lines.append(f"  class {','.join(state)} state")
    lines.append("```")
    return "\n".join(lines) + "\n"


def parsed_manifest() -> dict:
    """Parse the project in a scratch folder and return its manifest."""
    with tempfile.TemporaryDirectory(prefix="arpu-dag-") as scratch:
        profiles = Path(scratch) / "profiles"
        profiles.mkdir()
        shutil.copy(ROOT / "profiles.example.yml", profiles / "profiles.yml")
        env = {**os.environ, "ARPU_DUCKDB_PATH": str(Path(scratch) / "parse.duckdb")}
        done = subprocess.run(
            ["dbt", "parse", "--quiet", "--profiles-dir", str(profiles), "--target", "duckdb",
             "--target-path", str(Path(scratch) / "target"),
             "--log-path", str(Path(scratch) / "logs")],
            cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"dbt parse failed:\n{done.stdout}{done.stderr}")
        return json.loads((Path(scratch) / "target" / "manifest.json").read_text())


def with_diagram(page: str, diagram: str) -> str:
    before, rest = page.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{diagram}{END}{after}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--write", action="store_true",
                        help=f"replace the diagram in {PAGE.relative_to(ROOT)}")
    args = parser.parse_args()
    manifest = (json.loads(args.manifest.read_text()) if args.manifest
                else parsed_manifest())
    diagram = mermaid(manifest)
    if args.write:
        PAGE.write_text(with_diagram(PAGE.read_text(), diagram))
    else:
        sys.stdout.write(diagram)


if __name__ == "__main__":
    main()
