"""Stripe data the contract cannot express (README, "Using Stripe data", "Bad data"):
each defect is quarantined with its reason, the good rows still reach the
marts, nothing read disappears from stripe_input_summary, and the money
reconciles. One build of a small hand-made export, then a contract build
over the same database, which must start from scratch."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from conftest import ROOT, build_ok, write_tables

from arpu.contract import load_input_tables

D = Decimal
STRIPE = {table.name: table.columns for table in load_input_tables(ROOT, "stripe")}


def customer(cid, **extra):
    return {"id": cid, "name": cid, "created": "2025-01-01 00:00:00", "livemode": "true",
            "metadata": json.dumps({"employee_count": "10"}), **extra}


def invoice(iid, cid, **extra):
    return {"id": iid, "customer_id": cid, "currency": "usd", "status": "paid",
            "created": "2025-01-01 09:00:00", "tax": "0", **extra}


def line(lid, iid, amount="10000", **extra):
    return {"id": lid, "invoice_id": iid, "amount": amount, "currency": "usd",
            "type": "subscription", "price_id": "price_m", "period_start": "2025-01-01 00:00:00",
            "period_end": "2025-02-01 00:00:00", **extra}


TABLES = {
    "customer": [
        customer("cus_good"),
        customer("cus_meta", metadata="{not json"),
        customer("cus_mode", livemode="maybe"),
        customer("cus_list", metadata="[1, 2]"),
        customer("cus_bhd"),
    ],
    "invoice": [
        invoice("in_good", "cus_good"),
        invoice("in_mode", "cus_mode"),
        # An invoice whose only line is a credit: nothing to spread over.
        invoice("in_credit", "cus_good"),
        invoice("in_draft", "cus_good", status="draft"),
        invoice("in_gone", "cus_good", is_deleted="true"),
        # Two rows of one invoice id: whose account, date, status?
        invoice("in_twice", "cus_good"),
        invoice("in_twice", "cus_good", status="open"),
        invoice("in_bhd", "cus_bhd", currency="bhd"),
    ],
    "invoice_line_item": [
        line("il_good", "in_good"),
        line("il_half_cent", "in_good", amount="12.5"),
        line("il_bad_discount", "in_good"),
        line("il_bad_period", "in_good", period_start="yesterday"),
        line("il_strange_type", "in_good", type="bundle"),
        line("il_orphan", "in_missing"),
        line("il_mode", "in_mode"),
        line("il_credit", "in_credit", amount="-500", type="invoiceitem",
             period_start="2025-01-01 09:00:00", period_end="2025-01-01 09:00:00"),
        line("il_draft", "in_draft"),
        line("il_gone", "in_gone"),
        line("il_twice", "in_twice"),
        # Equal but unreadable: not a one-off item, a broken period.
        line("il_garbage_period", "in_good", period_start="soon", period_end="soon"),
        # Bahraini dinars have three decimals: 12345 fils = 12.345 BHD.
        line("il_bhd", "in_bhd", amount="12345", currency="bhd"),
    ],
    "discount": [
        {"id": "di_bad", "type": "PARENT_INVOICE_LINE_ITEM", "type_id": "il_bad_discount",
         "amount": "abc"},
        {"id": "di_invoice", "type": "INVOICE", "type_id": "in_good", "amount": "100"},
        {"id": "di_draft", "type": "PARENT_INVOICE_LINE_ITEM", "type_id": "il_draft",
         "amount": "100"},
    ],
    "price": [{"id": "price_m", "nickname": "Monthly", "product_id": "prod_m",
               "recurring_usage_type": "licensed"},
              # A second row of price_m: rejected as a plan, and no line
              # of it may appear twice.
              {"id": "price_m", "nickname": "Monthly", "product_id": "prod_m",
               "recurring_usage_type": "licensed"},
              {"id": "price_rank", "nickname": "Ranked", "product_id": "prod_rank",
               "recurring_usage_type": "licensed"}],
    "product": [{"id": "prod_m", "name": "M", "metadata": json.dumps({"tier": "pro"})},
                {"id": "prod_rank", "name": "R", "metadata": json.dumps({"tier_rank": "high"})}],
    "credit_note": [
        {"id": "cn_good", "invoice_id": "in_good", "status": "issued",
         "created": "2025-01-10 00:00:00"},
        {"id": "cn_void", "invoice_id": "in_good", "status": "void",
         "created": "2025-01-11 00:00:00"},
    ],
    "credit_note_line_item": [
        {"id": "cnli_custom", "credit_note_id": "cn_good", "type": "custom_line_item",
         "amount": "300", "discount_amount": "0"},
        {"id": "cnli_lost", "credit_note_id": "cn_missing", "type": "invoice_line_item",
         "amount": "300", "discount_amount": "0", "invoice_line_item": "il_good"},
        {"id": "cnli_void", "credit_note_id": "cn_void", "type": "invoice_line_item",
         "amount": "300", "discount_amount": "0", "invoice_line_item": "il_good"},
    ],
    "refund": [
        {"id": "re_nowhere", "charge_id": "ch_none", "amount": "100", "currency": "usd",
         "status": "succeeded", "created": "2025-01-12 00:00:00"},
        {"id": "re_credit", "charge_id": "ch_credit", "amount": "100", "currency": "usd",
         "status": "succeeded", "created": "2025-01-12 00:00:00"},
        {"id": "re_euro", "charge_id": "ch_good", "amount": "100", "currency": "eur",
         "status": "succeeded", "created": "2025-01-12 00:00:00"},
        {"id": "re_pending", "charge_id": "ch_good", "amount": "100", "currency": "usd",
         "status": "pending", "created": "2025-01-12 00:00:00"},
    ],
    "charge": [{"id": "ch_good", "invoice_id": "in_good"},
               {"id": "ch_credit", "invoice_id": "in_credit"},
               {"id": "ch_none", "invoice_id": None}],
}

EXPECTED_REASONS = {
    ("accounts", "cus_meta"): {"invalid_metadata"},
    ("accounts", "cus_mode"): {"invalid_is_test"},
    ("accounts", "cus_list"): {"invalid_metadata"},
    ("plans", "price_m"): {"duplicate_plan_id"},
    ("plans", "price_rank"): {"invalid_tier_rank"},
    ("invoice_line_items", "il_half_cent"): {"invalid_amount"},
    ("invoice_line_items", "il_bad_discount"): {"invalid_discount_amount"},
    ("invoice_line_items", "il_bad_period"): {"invalid_period_start"},
    ("invoice_line_items", "il_strange_type"): {"unknown_charge_type"},
    ("invoice_line_items", "il_orphan"): {
        "unknown_stripe_invoice", "null_account_id", "null_invoice_date",
        "null_invoice_status"},
    ("invoice_line_items", "il_mode"): {"unknown_account_id"},
    ("invoice_line_items", "il_twice"): {"duplicate_stripe_invoice"},
    ("invoice_line_items", "il_garbage_period"): {"invalid_period_start", "invalid_period_end"},
    ("refunds", "cnli_custom"): {"credit_note_line_not_of_an_invoice_line", "null_line_item_id"},
    ("refunds", "cnli_lost"): {"unknown_credit_note", "null_refunded_at"},
    ("refunds", "re_nowhere"): {"refund_without_invoice", "null_line_item_id"},
    ("refunds", "re_credit"): {"refund_invoice_without_lines", "null_line_item_id"},
    ("refunds", "re_euro"): {"refund_currency_differs", "null_line_item_id"},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripe_bad")
    write_tables(folder, TABLES, STRIPE)
    # The contract tables of the same folder, for the second build.
    write_tables(folder, {
        "fx_rates": [{"rate_date": "2025-01-01", "currency": "BHD",
                      "rate_to_reporting": "2.65"}],
        "accounts": [{"account_id": "A", "created_at": "2025-01-01"}],
        "invoice_line_items": [{
            "line_item_id": "L", "invoice_id": "I", "account_id": "A",
            "charge_type": "recurring", "amount": "70", "currency": "USD",
            "period_start": "2025-01-01", "period_end": "2025-02-01",
            "invoice_date": "2025-01-01", "invoice_status": "paid"}],
    })
    database = folder / "arpu.duckdb"
    stripe = build_ok(folder, database, "--source", "stripe")
    stripe_rows = {
        "rejected": stripe.rows("select source_table, row_key, rejection_reasons "
                                "from main.rejected_rows"),
        "summary": stripe.rows("select stripe_table, outcome, row_count "
                               "from main.stripe_input_summary"),
        "monthly": stripe.rows("select month, mrr, paying_accounts from main.mart_arpu_monthly"),
        "reconciliation": stripe.rows("select currency, raw_amount, accepted_amount, "
                                      "rejected_amount, unexplained_amount "
                                      "from main.revenue_reconciliation"),
    }
    contract = build_ok(folder, database)
    return stripe, stripe_rows, contract


def test_each_defect_is_quarantined_with_its_reasons(built):
    _, rows, _ = built
    found: dict[tuple[str, str], list[set[str]]] = {}
    for table, key, reasons in rows["rejected"]:
        found.setdefault((table, key), []).append(set(reasons.split(", ")))
    assert {key: copies[0] for key, copies in found.items()} == EXPECTED_REASONS
    # Both rows of the duplicated price; every other row once (a duplicated
    # invoice or price never duplicates a line).
    assert {key: len(copies) for key, copies in found.items() if len(copies) > 1} == {
        ("plans", "price_m"): 2}


def test_good_rows_still_count(built):
    _, rows, _ = built
    # il_good of cus_good, 10000 cents, and il_bhd of cus_bhd, 12.345 BHD
    # at 2.65 = 32.71425 USD, for January 2025.
    assert rows["monthly"] == [(dt.date(2025, 1, 1), D("132.71425"), 2)]


def test_nothing_read_disappears(built):
    _, rows, _ = built
    assert sorted(rows["summary"]) == sorted([
        ("invoice", "read", 6),
        ("invoice", "draft, not read", 1),
        ("invoice", "deleted, not read", 1),
        ("invoice_line_item", "read", 10),
        ("invoice_line_item", "invoice not found, rejected", 1),
        ("invoice_line_item", "on a draft invoice, not read", 1),
        ("invoice_line_item", "on a deleted invoice, not read", 1),
        ("discount", "read", 1),
        ("discount", "not a line discount, not read", 1),
        ("discount", "line not read", 1),
        ("credit_note", "read", 1),
        ("credit_note", "void, not read", 1),
        ("credit_note_line_item", "read", 1),
        ("credit_note_line_item", "credit note not found, rejected", 1),
        ("credit_note_line_item", "credit note not issued, not read", 1),
        ("refund", "read", 3),
        ("refund", "pending, not read", 1),
    ])


def test_the_money_reconciles(built):
    _, rows, _ = built
    # Readable amounts of the lines read: 8 lines of 100.00 and il_credit's
    # -5.00 (il_half_cent's 12.5 minor units does not read). Accepted:
    # il_good and il_credit, 95.00; rejected: the other seven, 700.00.
    assert sorted(rows["reconciliation"]) == [
        ("BHD", D("12.345"), D("12.345"), D("0"), D("0")),
        ("USD", D("795"), D("95"), D("700"), D("0"))]


def test_the_summary_counts_what_was_not_read(built):
    stripe, _, _ = built
    assert "Stripe rows not read, or read and rejected (table stripe_input_summary):" in (
        stripe.stdout)
    assert "draft, not read" in stripe.stdout


def test_switching_the_source_builds_from_scratch(built):
    _, _, contract = built
    assert "the published database was built from stripe input" in contract.stderr
    assert contract.rows("select billing_source from main.arpu_build_info") == [("contract",)]
    assert contract.rows("select month, mrr from main.mart_arpu_monthly") == [
        (dt.date(2025, 1, 1), D("70"))]
