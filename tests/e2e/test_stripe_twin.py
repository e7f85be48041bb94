"""The Stripe twin of the demo (issue 11, "Stripe as a source").

`scripts/generate_billing.py --shape stripe` (arpu.demo.generate_stripe)
writes the default demo as Fivetran's Stripe connector lands it (see
`arpu.demo.stripe.to_stripe` for every choice). Built with `arpu build
--source stripe`, it must publish the same ARPU marts and
dim_active_customers as the contract files, row for row: then the Stripe
models map Stripe into the contract exactly as docs/stripe.md says, at
least for everything the demo holds. Two builds of the default demo (what
users see), one per shape, shared by the tests here.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, Build, build_ok, database_in

from arpu.demo import generate, generate_stripe

# Every mart a BI tool reads for ARPU, plus the dimension they are built on.
COMPARED = sorted(p.stem for p in (ROOT / "models" / "marts" / "arpu").glob("*.sql")) \
    + ["dim_active_customers"]
# Why the contract build rejects the broken demo lines that Stripe cannot
# hold, so that the twin leaves them out (arpu.demo.stripe.to_stripe).
NOT_IN_STRIPE = ("unknown_charge_type", "invalid_amount", "invalid_invoice_date",
                 "duplicate_line_item_id")

@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Build]:
    folder = tmp_path_factory.mktemp("twin")
    contract, stripe = folder / "contract", folder / "stripe"
    generate(contract)
    generate_stripe(stripe)
    return {
        "contract": build_ok(contract, database_in(folder / "contract_build")),
        "stripe": build_ok(stripe, database_in(folder / "stripe_build"), "--source", "stripe"),
    }


def differences(contract: Path, stripe: Path, table: str) -> list[str]:
    """Where the Stripe build's `table` is not the contract build's: the
    same columns and types, the same rows (sorted by every column that is
    not a double), every decimal, integer, text and date equal.

    Doubles (ratios and the decompositions built from them) are equal to
    1e-9 relative, as in test_incremental: the two builds read their
    inputs through different staging models, so a sum of doubles may add
    the same terms in another order and differ in its last bits. Every
    amount of money is a decimal and is compared exactly."""
    connection = duckdb.connect()
    try:
        connection.execute(f"attach '{contract}' as contract_db (read_only)")
        connection.execute(f"attach '{stripe}' as stripe_db (read_only)")
        columns = {}
        for side in ("contract_db", "stripe_db"):
            columns[side] = connection.execute(
                "select column_name, data_type from information_schema.columns"
                f" where table_catalog = '{side}' and table_schema = 'main'"
                f" and table_name = '{table}' order by ordinal_position").fetchall()
        if not columns["contract_db"] or columns["contract_db"] != columns["stripe_db"]:
            return [f"{table}: columns {columns['stripe_db']} != {columns['contract_db']}"]
        names = [name for name, _ in columns["contract_db"]]
        doubles = {name for name, kind in columns["contract_db"] if kind in ("DOUBLE", "FLOAT")}
        keys = ", ".join(f'"{name}"' for name in names if name not in doubles)
        rows = {side: connection.execute(
            f'select * from {side}.main."{table}" order by {keys}').fetchall()
            for side in ("contract_db", "stripe_db")}
    finally:
        connection.close()

    if len(rows["stripe_db"]) != len(rows["contract_db"]):
        return [f"{table}: {len(rows['stripe_db'])} rows, contract build "
                f"{len(rows['contract_db'])}"]
    found = []
    for got, want in zip(rows["stripe_db"], rows["contract_db"]):
        for name, a, b in zip(names, got, want):
            if name in doubles and a is not None and b is not None:
                same = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
            else:
                same = a == b and type(a) is type(b)
            if not same:
                found.append(f"{table}.{name}: {a!r} != {b!r} (contract build)\n"
                             f"  stripe:   {dict(zip(names, got))}\n"
                             f"  contract: {dict(zip(names, want))}")
    return found


def test_the_stripe_twin_publishes_the_same_marts(builds):
    contract, stripe = builds["contract"].database, builds["stripe"].database
    found = []
    for table in COMPARED:
        found += differences(contract, stripe, table)
    assert not found, f"{len(found)} differences:\n" + "\n".join(found[:30])
    # Not vacuous: the demo fills every compared table.
    for table in COMPARED:
        assert builds["contract"].rows(f"select count(*) from main.{table}")[0][0] > 0, table


def test_the_stripe_build_reconciles(builds):
    rows = builds["stripe"].dicts("select * from main.revenue_reconciliation order by currency")
    assert {row["currency"] for row in rows} >= {"USD", "EUR", "GBP"}
    assert [(row["currency"], row["unexplained_amount"]) for row in rows] == [
        (row["currency"], 0) for row in rows]


def test_the_bad_lines_stripe_can_hold_are_rejected_alike(builds):
    """The broken demo lines the twin carries are rejected for the same
    reasons as in the contract build, and no other line is."""
    sql = ("select line_item_id, rejection_reasons from main.rejected_invoice_line_items"
           " order by all")
    contract = builds["contract"].rows(sql)
    expected = [(line, reasons) for line, reasons in contract
                if not any(reason in str(reasons) for reason in NOT_IN_STRIPE)]
    assert 0 < len(expected) < len(contract)
    assert builds["stripe"].rows(sql) == expected
