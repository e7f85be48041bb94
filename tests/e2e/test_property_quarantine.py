"""Property: on random valid contract data with random corruptions, the
build never crashes, exactly the corrupted rows are rejected (with their
reasons), and the money reconciles.

Hypothesis draws 50 examples. Each lives in its own namespace (ids and a
currency of its own), so all of them go into one folder and one build: one
dbt run instead of fifty."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build_ok, write_tables

EXAMPLES = 50

# Each corruption: (table it breaks, the reason expected).
LINE_CORRUPTIONS = {
    "null_amount": "null_amount",
    "bad_amount": "invalid_amount",
    "bad_date": "invalid_invoice_date",
    "charge_type": "unknown_charge_type",
    "status": "unknown_invoice_status",
    "partial_period": "partial_service_period",
    "empty_period": "service_period_not_positive",
    "negative_discount": "negative_discount_amount",
    "no_rate": "no_fx_rate",
    "ghost_account": "unknown_account_id",
    "duplicate": "duplicate_line_item_id",
}


@dataclass
class Example:
    tables: dict[str, list[dict]] = field(default_factory=dict)
    # (table, key) -> reasons the row must carry
    expected: dict[tuple[str, str], set[str]] = field(default_factory=dict)


@st.composite
def examples(draw, index):
    ns, currency = f"e{index:02d}_", f"C{index:02d}"
    example = Example()
    accounts = [f"{ns}a{n}" for n in range(draw(st.integers(1, 3)))]
    example.tables["accounts"] = [{"account_id": a, "created_at": "2023-06-01"} for a in accounts]
    example.tables["fx_rates"] = [
        {"rate_date": "2023-12-01", "currency": currency,
         "rate_to_reporting": str(draw(st.decimals("0.5", "2", places=4)))}]
    lines = []
    for n in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["monthly", "annual", "one_time", "tax", "usage"]))
        month = draw(st.integers(1, 12))
        start = dt.date(2024, month, draw(st.sampled_from([1, 15, 28])))
        end = {"monthly": dt.date(2024 + (month == 12), month % 12 + 1, start.day),
               "annual": dt.date(2025, month, start.day)}.get(kind)
        lines.append({
            "line_item_id": f"{ns}l{n}", "invoice_id": f"{ns}i{n}",
            "account_id": draw(st.sampled_from(accounts)),
            "charge_type": {"monthly": "recurring", "annual": "recurring"}.get(kind, kind),
            "is_committed": "true" if kind == "usage" and draw(st.booleans()) else None,
            "amount": str(draw(st.decimals("1", "5000", places=2))),
            "discount_amount": draw(st.sampled_from([None, "0", "5.5"])),
            "currency": draw(st.sampled_from([currency, "USD"])),
            "period_start": str(start) if end else None,
            "period_end": str(end) if end else None,
            "invoice_date": str(start),
            "invoice_status": draw(st.sampled_from(["paid", "paid", "open", "void"])),
        })
    # Committed usage must carry a period to be valid.
    for line in lines:
        if line["is_committed"] and not line["period_start"]:
            line["is_committed"] = None
    refunds = []
    for n, line in enumerate(draw(st.lists(st.sampled_from(lines), max_size=2, unique_by=id))):
        refunds.append({"refund_id": f"{ns}r{n}", "line_item_id": line["line_item_id"],
                        "amount": "1.25", "refunded_at": "2024-12-31"})
    users = [{"user_id": f"{ns}u{n}", "account_id": draw(st.sampled_from(accounts)),
              "created_at": "2023-07-01"} for n in range(draw(st.integers(0, 3)))]

    # Corrupt some lines, one way each.
    broken = draw(st.lists(st.sampled_from(range(len(lines))), max_size=3, unique=True))
    extra_lines = []
    for position in broken:
        line = lines[position]
        how = draw(st.sampled_from(sorted(LINE_CORRUPTIONS)))
        if how == "partial_period" and not line["period_start"]:
            how = "bad_date"
        if how == "empty_period" and not line["period_start"]:
            how = "charge_type"
        apply_line_corruption(line, how, extra_lines)
        example.expected[("invoice_line_items", line["line_item_id"])] = {LINE_CORRUPTIONS[how]}
    lines += extra_lines
    rejected_lines = {key for table, key in example.expected if table == "invoice_line_items"}
    for refund in refunds:
        if refund["line_item_id"] in rejected_lines:
            example.expected[("refunds", refund["refund_id"])] = {"refunded_line_rejected"}
    if draw(st.booleans()):
        refunds.append({"refund_id": f"{ns}r_zero", "line_item_id": lines[0]["line_item_id"],
                        "amount": "0", "refunded_at": "2024-12-31"})
        reasons = {"non_positive_amount"}
        if lines[0]["line_item_id"] in rejected_lines:
            reasons.add("refunded_line_rejected")
        example.expected[("refunds", f"{ns}r_zero")] = reasons
    if draw(st.booleans()):
        users.append({"user_id": f"{ns}u_ghost", "account_id": f"{ns}ghost", "created_at": "2023-07-01"})
        example.expected[("users", f"{ns}u_ghost")] = {"unknown_account_id"}
    if draw(st.booleans()):
        example.tables["fx_rates"].append(
            {"rate_date": "2024-01-01", "currency": currency, "rate_to_reporting": "-1"})
        example.expected[("fx_rates", f"{currency} 2024-01-01")] = {"non_positive_rate"}

    example.tables.update(invoice_line_items=lines, refunds=refunds, users=users)
    return example


def apply_line_corruption(line, how, extra_lines):
    if how == "null_amount":
        line["amount"] = None
    elif how == "bad_amount":
        line["amount"] = "1e3"
    elif how == "bad_date":
        line["invoice_date"] = line["invoice_date"].replace("-", "/")
    elif how == "charge_type":
        line["charge_type"] = "subscription"
    elif how == "status":
        line["invoice_status"] = "refunded"
    elif how == "partial_period":
        line["period_end"] = None
    elif how == "empty_period":
        line["period_end"] = line["period_start"]
    elif how == "negative_discount":
        line["discount_amount"] = "-2"
    elif how == "no_rate":
        line["currency"] = "ZZZ"
    elif how == "ghost_account":
        line["account_id"] = "ghost"
    elif how == "duplicate":
        extra_lines.append({**line, "amount": "7.77"})


@pytest.fixture(scope="module")
def drawn():
    collected: list[Example] = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def draw(data):
        collected.append(data.draw(examples(len(collected))))

    draw()
    return collected[:EXAMPLES] if len(collected) >= EXAMPLES else collected


@pytest.fixture(scope="module")
def build(drawn, tmp_path_factory):
    folder = tmp_path_factory.mktemp("property")
    tables: dict[str, list[dict]] = {}
    for example in drawn:
        for name, rows in example.tables.items():
            tables.setdefault(name, []).extend(rows)
    write_tables(folder / "data", tables)
    return build_ok(folder / "data", folder / "arpu.duckdb", "--as-of", "2025-12-31")


def test_at_least_50_examples_were_drawn(drawn):
    assert len(drawn) == EXAMPLES


def test_exactly_the_corrupted_rows_are_rejected_with_their_reasons(drawn, build):
    expected: dict[tuple[str, str], set[str]] = {}
    for example in drawn:
        expected.update(example.expected)
    actual: dict[tuple[str, str], set[str]] = {}
    for table, key, reasons in build.rows(
            "select source_table, row_key, rejection_reasons from main.rejected_rows"):
        actual.setdefault((table, key), set()).update(reasons.split(", "))
    assert set(actual) == set(expected)
    for key, reasons in expected.items():
        assert reasons <= actual[key], key


def test_money_reconciles_per_currency(drawn, build):
    rows = build.dicts("select * from main.revenue_reconciliation")
    assert rows
    for row in rows:
        assert abs(row["unexplained_amount"]) < Decimal("0.005"), row
        assert abs(row["unrecognized_amount"]) < Decimal("0.005"), row
    # And against the input itself, computed here from the rows written.
    raw: dict[str, Decimal] = {}
    for example in drawn:
        for line in example.tables["invoice_line_items"]:
            amount = line["amount"]
            if amount and amount.replace(".", "").isdigit():
                raw[line["currency"]] = raw.get(line["currency"], Decimal(0)) + Decimal(amount)
    got = {row["currency"]: row["raw_amount"] for row in rows if row["raw_rows"]}
    assert got == raw
