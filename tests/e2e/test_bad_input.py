"""Rows that break the contract are kept out of every metric and listed
with their reasons; the build does not stop."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import build_ok, write_tables

GOOD = {"invoice_id": "i", "charge_type": "recurring", "currency": "USD",
        "period_start": "2024-01-01", "period_end": "2024-02-01",
        "invoice_date": "2024-01-01", "invoice_status": "paid", "amount": "100"}


def good(line_id, account="ok", **changes):
    return {**GOOD, "line_item_id": line_id, "account_id": account, **changes}


# line id -> (row, expected reasons)
BAD_LINES = {
    "null_amount": (good("b1", amount=None), ["null_amount"]),
    "comma_amount": (good("b2", amount="12,50"), ["invalid_amount"]),
    "exponent": (good("b3", amount="1e2"), ["invalid_amount"]),
    "slash_date": (good("b4", invoice_date="2024/01/01"), ["invalid_invoice_date"]),
    "feb_30": (good("b5", period_end="2024-02-30"), ["invalid_period_end"]),
    "charge": (good("b6", charge_type="subscription"), ["unknown_charge_type"]),
    "status": (good("b7", invoice_status="refunded"), ["unknown_invoice_status"]),
    "partial": (good("b8", period_end=None), ["partial_service_period"]),
    "backwards": (good("b9", period_end="2023-12-01"), ["service_period_not_positive"]),
    "no_period": (good("b10", period_start=None, period_end=None),
                  ["recurring_without_service_period"]),
    "committed_no_period": (good("b11", charge_type="usage", is_committed="TRUE",
                                 period_start=None, period_end=None),
                            ["recurring_without_service_period"]),
    "discount": (good("b12", discount_amount="-1"), ["negative_discount_amount"]),
    "no_rate": (good("b13", currency="JPY"), ["no_fx_rate"]),
    "unknown_account": (good("b14", account="ghost"), ["unknown_account_id"]),
    "quantity": (good("b15", quantity="1.5"), ["invalid_quantity"]),
    "committed_flag": (good("b16", is_committed="yes"), ["invalid_is_committed"]),
    "two_reasons": (good("b17", amount="abc", charge_type="other"),
                    ["invalid_amount", "unknown_charge_type"]),
    "dup_a": (good("dup"), ["duplicate_line_item_id"]),
    "dup_b": (good("dup", amount="5"), ["duplicate_line_item_id"]),
}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    lines = [good("g1"), good("g2", currency=" usd ", charge_type=" Recurring ",
                               invoice_status="PAID", amount=" 50.5 ")]
    lines += [row for row, _ in BAD_LINES.values()]
    write_tables(folder / "data", {
        "accounts": [{"account_id": "ok", "created_at": "2023-01-01"},
                     {"account_id": "dup_acct", "created_at": "2023-01-01"},
                     {"account_id": "dup_acct", "created_at": "2023-01-01"},
                     {"account_id": "bad_date", "created_at": "01/01/2023"}],
        "invoice_line_items": lines,
        "refunds": [
            {"refund_id": "r_ok", "line_item_id": "g1", "amount": "10", "refunded_at": "2024-01-05"},
            {"refund_id": "r_zero", "line_item_id": "g1", "amount": "0", "refunded_at": "2024-01-05"},
            {"refund_id": "r_ghost", "line_item_id": "nope", "amount": "1", "refunded_at": "2024-01-05"},
            {"refund_id": "r_rejected", "line_item_id": "b6", "amount": "1", "refunded_at": "2024-01-05"},
        ],
        "users": [
            {"user_id": "u_ok", "account_id": "ok", "created_at": "2023-06-01"},
            {"user_id": "u_ghost", "account_id": "ghost", "created_at": "2023-06-01"},
            {"user_id": "u_dup_acct", "account_id": "dup_acct", "created_at": "2023-06-01"},
        ],
        "fx_rates": [
            {"rate_date": "2023-01-01", "currency": "EUR", "rate_to_reporting": "0"},
            {"rate_date": "2023-01-01", "currency": "USD", "rate_to_reporting": "-5"},
        ],
    })
    return build_ok(folder / "data", folder / "arpu.duckdb")


def test_each_bad_line_is_rejected_with_exactly_its_reasons(build):
    rows = build.rows("select line_item_id, rejection_reasons from main.rejected_invoice_line_items")
    got = sorted((line_id or "", sorted(reasons.split(", "))) for line_id, reasons in rows)
    want = sorted((row["line_item_id"] or "", sorted(reasons)) for row, reasons in BAD_LINES.values())
    assert got == want


def test_rejected_lines_keep_their_original_values(build):
    rows = build.rows("select amount, invoice_date from main.rejected_invoice_line_items "
                      "where line_item_id in ('b2', 'b4') order by line_item_id")
    assert rows == [("12,50", "2024-01-01"), ("100", "2024/01/01")]


def test_only_good_lines_reach_the_metrics(build):
    # g1: 100 - refund 10; g2: 50.5 after trimming and case folding.
    rows = build.rows("select month, paying_accounts, mrr from main.mart_arpu_monthly")
    assert rows == [(dt.date(2024, 1, 1), 1, Decimal("140.5"))]


def test_other_tables_reject_with_reasons(build):
    rows = build.rows("select source_table, row_key, rejection_reasons from main.rejected_rows "
                      "where source_table != 'invoice_line_items' order by 1, 2, 3")
    assert rows == [
        ("accounts", "bad_date", "invalid_created_at"),
        ("accounts", "dup_acct", "duplicate_account_id"),
        ("accounts", "dup_acct", "duplicate_account_id"),
        ("fx_rates", "EUR 2023-01-01", "non_positive_rate"),
        ("refunds", "r_ghost", "unknown_line_item_id"),
        ("refunds", "r_rejected", "refunded_line_rejected"),
        ("refunds", "r_zero", "non_positive_amount"),
        ("users", "u_dup_acct", "unknown_account_id"),
        ("users", "u_ghost", "unknown_account_id"),
    ]


def test_the_summary_counts_rejections_by_reason(build):
    assert "rejected" in build.stdout
    assert "duplicate_line_item_id" in build.stdout


def test_text_is_trimmed_of_tabs_and_long_fractions_are_cut(tmp_path):
    data = write_tables(tmp_path / "data", {
        "accounts": [{"account_id": "\tok", "created_at": "2023-01-01T08:00:00.1234567"}],
        "invoice_line_items": [good("t1", amount="\t100 ", updated_at="2024-01-01 10:00:00.9999999")],
    })
    build = build_ok(data, tmp_path / "arpu.duckdb")
    assert build.rows("select count(*) from main.rejected_rows") == [(0,)]
    assert build.rows("select mrr from main.mart_arpu_monthly") == [(Decimal(100),)]
    (updated,), = build.rows("select updated_at from main.stg_billing__invoice_line_items", work=True)
    assert updated == dt.datetime(2024, 1, 1, 10, 0, 0, 999999)
