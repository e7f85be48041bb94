"""dbt docs: `dbt docs generate` runs on the demo build, and every model,
column, seed, source, macro, metric, semantic model and exposure of the
project has a description (issue 9). The catalog is what the database
really holds, so a column added to a model without docs fails here, and so
does a documented column that no longer exists.

The Stripe nodes (issue 11) are disabled unless the var arpu_billing_source is
`stripe`, so the demo build never checks them: every test runs a second
time on a Stripe build of tests/fixtures/stripe, which builds exactly the
nodes the contract build leaves disabled."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, Build

STRIPE_FIXTURE = ROOT / "tests" / "fixtures" / "stripe"


def dbt(work: Path, database: Path, *args: str) -> None:
    """Run one dbt command on `database`, with its own profile, target and
    log folders under `work` (never the project's target/ or arpu.duckdb)."""
    profiles = work / "profiles"
    if not profiles.exists():
        profiles.mkdir()
        shutil.copy(ROOT / "profiles.example.yml", profiles / "profiles.yml")
    env = {**os.environ, "ARPU_DUCKDB_PATH": str(database)}
    done = subprocess.run(
        ["dbt", *args, "--profiles-dir", str(profiles), "--target", "duckdb",
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def generate(work: Path, database: Path, *args: str) -> tuple[dict, dict]:
    dbt(work, database, "docs", "generate", *args)
    target = work / "target"
    assert (target / "index.html").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return manifest, catalog


@pytest.fixture(scope="module")
def contract_docs(tmp_path_factory, demo_build: Build) -> tuple[dict, dict]:
    work = tmp_path_factory.mktemp("docs")
    # The working database holds every model (the published one only the
    # marts); docs generate opens the file read-write: work on a copy.
    database = work / "demo.duckdb"
    shutil.copy(demo_build.work_database, database)
    return generate(work, database)


def stripe_only(contract_manifest: dict) -> dict[str, dict]:
    """The models, seeds and sources of ours the contract build disables:
    those enabled by arpu_billing_source 'stripe' (dbt_project.yml, the stripe
    source's config)."""
    return {key: versions[0] for key, versions in contract_manifest["disabled"].items()
            if versions[0].get("package_name") == "arpu"
            and versions[0]["resource_type"] in ("model", "seed", "source")}


@pytest.fixture(scope="module")
def stripe_docs(tmp_path_factory, contract_docs) -> tuple[dict, dict]:
    """docs generate with arpu_billing_source 'stripe', over a database where the
    Stripe nodes are built from the fixture export: the on-run-start hook
    loads its files (the Stripe sources), then one `dbt build` of the
    Stripe seed and models, data tests left out (not what this checks).
    docs generate does not compile again: the build just compiled them."""
    work = tmp_path_factory.mktemp("stripe_docs")
    database = work / "stripe.duckdb"
    variables = ["--vars", json.dumps(
        {"arpu_billing_source": "stripe", "arpu_billing_data_dir": str(STRIPE_FIXTURE)})]
    nodes = sorted(node["name"] for node in stripe_only(contract_docs[0]).values()
                   if node["resource_type"] != "source")
    dbt(work, database, "build", *variables, "--select", *nodes,
        "--exclude-resource-type", "test", "unit_test")
    return generate(work, database, *variables, "--no-compile")


@pytest.fixture(scope="module", params=["contract", "stripe"])
def docs(request) -> tuple[dict, dict]:
    return request.getfixturevalue(f"{request.param}_docs")


def ours(items: dict) -> dict:
    return {key: item for key, item in items.items() if item.get("package_name") == "arpu"}


def undocumented(items: dict) -> list[str]:
    return sorted(item["name"] for item in ours(items).values()
                  if not (item.get("description") or "").strip())


def test_every_model_seed_and_source_is_described(docs):
    manifest, _ = docs
    nodes = {key: node for key, node in manifest["nodes"].items()
             if node["resource_type"] in ("model", "seed")}
    assert len(ours(nodes)) > 40
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
    # Every argument of the signature is documented, in order, and nothing
    # else: an argument left out of the YAML would not be checked above.
    differ = {macro["name"]: (signature(macro["macro_sql"]),
                              [argument["name"] for argument in macro.get("arguments", [])])
              for macro in macros.values()}
    differ = {name: pair for name, pair in differ.items() if pair[0] != pair[1]}
    assert differ == {}, "macro arguments (signature, documented) that differ"


def signature(macro_sql: str) -> list[str]:
    """The argument names of a macro's (or generic test's) Jinja signature,
    defaults dropped: `name(a, b=[1, 2])` is [a, b]."""
    found = re.match(r"\s*\{%-?\s*(?:macro|test)\s+\w+\s*\((.*?)\)\s*-?%\}", macro_sql, re.S)
    assert found, macro_sql[:200]
    names, depth, current = [], 0, ""
    for char in found.group(1) + ",":
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            if current.strip():
                names.append(current.split("=")[0].strip())
            current = ""
        else:
            current += char
    return names


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


def test_every_stripe_node_is_enabled_built_and_checked(contract_docs, stripe_docs):
    """The Stripe build checks every node the contract build leaves out:
    each is enabled there, and each model, seed and source is in the
    catalog, so its columns were compared with the database above."""
    expected = {"billing_from_stripe__accounts", "billing_from_stripe__plans",
                "billing_from_stripe__subscriptions", "billing_from_stripe__invoice_line_items",
                "billing_from_stripe__refunds", "stg_stripe__invoices",
                "stripe_input_summary", "stripe_currency_exponents", "invoice_line_item"}
    only = stripe_only(contract_docs[0])
    assert expected <= {node["name"] for node in only.values()}
    manifest, catalog = stripe_docs
    assert [key for key in only if key not in manifest["nodes"]
            and key not in manifest["sources"]] == [], "not enabled with billing_source stripe"
    assert [key for key in only if key not in catalog["nodes"]
            and key not in catalog["sources"]] == [], "not built, so columns not checked"


def test_the_dag_in_the_docs_is_the_project_s(contract_docs):
    """docs/incremental.md draws the DAG from the manifest (scripts/dag.py):
    it is the project's as it is, every model in its layer."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("dag", ROOT / "scripts" / "dag.py")
    dag = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dag)
    manifest, _ = contract_docs
    diagram = dag.mermaid(manifest)
    page = (ROOT / "docs" / "incremental.md").read_text()
    assert dag.with_diagram(page, diagram) == page, (
        "docs/incremental.md: run `python scripts/dag.py --write`")
    for node in ours(manifest["nodes"]).values():
        if node["resource_type"] == "model":
            assert f"    {node['name']}[" in diagram
