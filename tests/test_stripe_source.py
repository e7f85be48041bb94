"""The Stripe input's checks before dbt runs (docs/stripe.md):
the tables it needs, the columns it reads, and the one list of contract
tables it replaces. The mapping itself is tested end to end in
tests/e2e/test_stripe_*.py."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from conftest import ROOT, run_build

from arpu.contract import load_input_tables


pytestmark = pytest.mark.unit

FIXTURE = ROOT / "tests" / "fixtures" / "stripe"


def test_the_replaced_tables_are_listed_once():
    """macros/stripe/stripe.sql (which dbt reads at parse time) and the Stripe
    source's meta (which `arpu build` reads) name the same tables."""
    macro = (ROOT / "macros" / "stripe" / "stripe.sql").read_text()
    listed = re.search(r"macro stripe_mapped_tables\(\) %\}\s*\{\{ return\((\[.*?\])\) \}\}",
                       macro, re.S).group(1)
    sources = yaml.safe_load((ROOT / "models/staging/stripe/_stripe__sources.yml").read_text())
    assert yaml.safe_load(listed) == sources["sources"][0]["meta"]["replaces"]


def test_stripe_input_reads_stripe_tables_and_the_contract_tables_beside():
    names = [table.name for table in load_input_tables(ROOT, "stripe")]
    assert {"customer", "invoice", "invoice_line_item", "users", "fx_rates",
            "acquisition_spend"} <= set(names)
    assert not {"accounts", "invoice_line_items", "refunds", "plans",
                "subscriptions"} & set(names)
    required = {table.name for table in load_input_tables(ROOT, "stripe") if table.required}
    assert required == {"customer", "invoice", "invoice_line_item"}


def test_a_missing_stripe_table_stops_the_run(tmp_path):
    data = tmp_path / "export"
    shutil.copytree(FIXTURE, data)
    (data / "invoice.csv").unlink()
    build = run_build(data, tmp_path / "arpu.duckdb", "--source", "stripe")
    assert build.returncode == 2
    assert f"Required table 'invoice' is missing: expected {data / 'invoice.csv'}" in build.stderr
    assert not (tmp_path / "arpu.duckdb").exists()


def test_a_missing_required_stripe_column_stops_the_run(tmp_path):
    data = tmp_path / "export"
    shutil.copytree(FIXTURE, data)
    path = data / "invoice_line_item.csv"
    header = path.read_text().splitlines()[0].split(",")
    path.write_text(",".join(name for name in header if name != "amount") + "\n")
    build = run_build(data, tmp_path / "arpu.duckdb", "--source", "stripe")
    assert build.returncode == 2
    assert f"{path}: required column 'amount' is missing." in build.stderr


def test_contract_files_are_not_a_stripe_export(tmp_path):
    build = run_build(ROOT / "demo_data", tmp_path / "arpu.duckdb", "--source", "stripe")
    assert build.returncode == 2
    assert "Required table 'customer' is missing" in build.stderr


def test_an_unknown_source_is_a_usage_error(tmp_path):
    build = run_build(FIXTURE, tmp_path / "arpu.duckdb", "--source", "chargebee")
    assert build.returncode == 2
    assert "'chargebee' is not one of 'contract', 'stripe'" in build.stderr


def test_fivetran_deleted_is_declared_on_every_table_that_carries_money():
    """Fivetran's soft deletes (`_fivetran_deleted`) are read on each table
    stripe_input_summary accounts for, so that a deleted row is left out
    and counted there, never read as live. The column is optional."""
    summary = (ROOT / "models/marts/audit/stripe_input_summary.sql").read_text()
    counted = set(re.findall(r"'(\w+)' as stripe_table", summary))
    assert counted == {"invoice", "invoice_line_item", "discount", "credit_note",
                       "credit_note_line_item", "refund"}
    sources = yaml.safe_load((ROOT / "models/staging/stripe/_stripe__sources.yml").read_text())
    declared = {table["name"]: {c["name"]: c.get("meta", {}) for c in table["columns"]}
                for table in sources["sources"][0]["tables"]}
    assert {name for name, columns in declared.items() if "_fivetran_deleted" in columns} == counted
    assert not any(declared[name]["_fivetran_deleted"].get("required") for name in counted)
