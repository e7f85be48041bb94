"""dbt docs: `dbt docs generate` runs on the demo build, and every model,
column, seed, source, macro, metric, semantic model and exposure of the
project has a description (issue 9). The catalog is what the database
really holds, so a column added to a model without docs fails here, and so
does a documented column that no longer exists."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, Build


@pytest.fixture(scope="module")
def docs(tmp_path_factory, demo_build: Build) -> tuple[dict, dict]:
    work = tmp_path_factory.mktemp("docs")
    # docs generate opens the file read-write: work on a copy.
    database = work / "demo.duckdb"
    shutil.copy(demo_build.database, database)
    profiles = work / "profiles"
    profiles.mkdir()
    shutil.copy(ROOT / "profiles.example.yml", profiles / "profiles.yml")
    target = work / "target"
    env = {**os.environ, "ARPU_DUCKDB_PATH": str(database)}
    done = subprocess.run(
        ["dbt", "docs", "generate", "--profiles-dir", str(profiles), "--target", "duckdb",
         "--target-path", str(target), "--log-path", str(work / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "index.html").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return manifest, catalog


def ours(items: dict) -> dict:
    return {key: item for key, item in items.items() if item.get("package_name") == "arpu"}


def undocumented(items: dict) -> list[str]:
    return sorted(item["name"] for item in ours(items).values()
                  if not (item.get("description") or "").strip())


def test_every_model_seed_and_source_is_described(docs):
    manifest, _ = docs
    nodes = {key: node for key, node in manifest["nodes"].items()
             if node["resource_type"] in ("model", "seed")}
    assert len(ours(nodes)) > 50
    assert undocumented(nodes) == []
    assert undocumented(manifest["sources"]) == []


def test_every_column_in_the_database_is_described(docs):
    manifest, catalog = docs
    missing, stale = [], []
    for key, node in ours({**manifest["nodes"], **manifest["sources"]}).items():
        if node["resource_type"] not in ("model", "seed", "source"):
            continue
        if key not in catalog["nodes"] and key not in catalog["sources"]:
            continue  # not built on DuckDB (an ephemeral or disabled node)
        actual = (catalog["nodes"].get(key) or catalog["sources"][key])["columns"]
        documented = {name.lower(): column for name, column in node["columns"].items()}
        for name in actual:
            column = documented.get(name.lower())
            if column is None or not (column.get("description") or "").strip():
                missing.append(f"{node['name']}.{name}")
        stale += [f"{node['name']}.{name}" for name in documented
                  if name not in {n.lower() for n in actual}]
    assert missing == [], "columns without a description"
    assert stale == [], "documented columns the database does not have"


def test_every_macro_and_its_arguments_are_described(docs):
    manifest, _ = docs
    macros = ours(manifest["macros"])
    assert len(macros) > 20
    assert undocumented(macros) == []
    bare = [f"{macro['name']}({argument['name']})" for macro in macros.values()
            for argument in macro.get("arguments", []) if not argument.get("description")]
    assert bare == []


def test_every_metric_semantic_model_and_exposure_is_described(docs):
    manifest, _ = docs
    metrics = ours(manifest["metrics"])
    assert {"mrr", "paying_accounts", "paying_users", "arpa", "arpu", "new_arpa"} <= {
        metric["name"] for metric in metrics.values()}
    assert undocumented(metrics) == []
    assert all(metric.get("label") for metric in metrics.values())
    # Each metric cites the definition it implements.
    assert [m["name"] for m in metrics.values() if "docs/metrics.md" not in m["description"]] == []
    assert undocumented(manifest["semantic_models"]) == []
    exposures = ours(manifest["exposures"])
    assert {"arpu_report", "bi_tools"} <= {exposure["name"] for exposure in exposures.values()}
    assert undocumented(exposures) == []
