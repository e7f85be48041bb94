"""Incremental builds of Stripe data (docs/incremental.md): Stripe changes
an invoice's status, or adds a coupon to a line, without touching the
line's own row, so a line's updated_at is the latest _fivetran_synced of
the line, its invoice and its discounts. After such changes an incremental
build must equal a full build of the same files; and the changes must move
the marts, or the comparison would prove nothing."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT, build_ok, database_in

FIXTURE = ROOT / "tests" / "fixtures" / "stripe"
MARTS = ("mart_arpu_monthly", "mart_mrr_movements", "fct_revenue", "dim_active_customers")
LATER = "2025-06-01 03:00:00"


def edit(path: Path, change) -> None:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows = change(rows, fields)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def restate(folder: Path) -> None:
    """A's January invoice voided, and a 20.00 coupon on B's annual line
    (two old lines, whose own rows Fivetran does not sync again); C's March
    line soft-deleted."""
    def void(rows, fields):
        for row in rows:
            if row["id"] == "in_a1":
                row["status"], row["_fivetran_synced"] = "void", LATER
        return rows

    def coupon(rows, fields):
        if "_fivetran_synced" not in fields:
            fields.append("_fivetran_synced")
        return rows + [{"id": "di_late", "type": "PARENT_INVOICE_LINE_ITEM",
                        "type_id": "il_b1", "amount": "2000", "_fivetran_synced": LATER}]

    def soft_delete(rows, fields):
        # C's March line, marked deleted by Fivetran's soft delete; the
        # sync time is left as it was: the incremental build must not need it.
        fields.append("_fivetran_deleted")
        for row in rows:
            row["_fivetran_deleted"] = "true" if row["unique_id"] == "" and row["id"] == "il_c3" else ""
        return rows

    edit(folder / "invoice.csv", void)
    edit(folder / "discount.csv", coupon)
    edit(folder / "invoice_line_item.csv", soft_delete)


def marts(build) -> dict[str, list[tuple]]:
    """Every row of MARTS; money and counts exact, ratios (doubles, whose
    last bits depend on the order DuckDB sums in) to 12 significant
    digits."""
    def row(values: tuple) -> tuple:
        return tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in values)

    return {name: sorted((row(r) for r in build.rows(
        f"select * exclude (line_fingerprint) from main.{name}" if name == "fct_revenue"
        else f"select * from main.{name}")), key=repr)
            for name in MARTS}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripe_incremental") / "export"
    shutil.copytree(FIXTURE, folder)
    database = database_in(folder.parent / "incremental")
    before = marts(build_ok(folder, database, "--source", "stripe"))
    restate(folder)
    incremental = build_ok(folder, database, "--source", "stripe")
    full = build_ok(folder, database_in(folder.parent / "full"), "--source", "stripe")
    return before, incremental, full


def test_the_second_build_is_incremental(builds):
    _, incremental, _ = builds
    assert "Incremental build of" in incremental.stderr


def test_the_changes_move_the_marts(builds):
    before, _, full = builds
    after = marts(full)
    assert before["mart_arpu_monthly"] != after["mart_arpu_monthly"]
    assert before["fct_revenue"] != after["fct_revenue"]


def test_the_changes_reach_january_by_hand(builds):
    """January before (test_stripe_fixture): 4 paying accounts, MRR 353.5,
    B's 77.5 = (1200 - 150 coupons - 120 credit note) / 12. After: A's
    100 voided, B's (1200 - 170 - 120) / 12 = 75.833333 (6 places): MRR
    353.5 - 100 - 77.5 + 75.833333 = 251.833333 over 3 accounts."""
    _, incremental, _ = builds
    assert incremental.rows(
        "select paying_accounts, mrr from main.mart_arpu_monthly where month = '2025-01-01'"
    ) == [(3, Decimal("251.833333"))]


def test_the_soft_deleted_line_leaves_march(builds):
    """C's March line (15000 JPY) is gone from the incremental build's
    fact, as from the full build's."""
    before, incremental, _ = builds
    assert any(row[0] == "il_c3" for row in before["fct_revenue"])
    assert incremental.rows("select count(*) from main.fct_revenue where line_item_id = 'il_c3'") \
        == [(0,)]


def test_incremental_equals_full(builds):
    _, incremental, full = builds
    assert marts(incremental) == marts(full)
