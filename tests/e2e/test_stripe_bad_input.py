"""Stripe data the contract cannot express (docs/stripe.md, "Bad data"):
each defect is quarantined with its reason, the good rows still reach the
marts, nothing read disappears from stripe_input_summary, and the money
reconciles. One build of a small hand-made export, then a contract build
over the same database, which must start from scratch.

Two forms a real export has: rows Fivetran marks deleted
(`_fivetran_deleted`, in every table that carries money) are left out and
counted; and whole numbers written as decimals (`10000.0`, what a DOUBLE
column gives) are read as those integers, while `10000.5` is rejected as
`12.5` is."""

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
        # tax 0.0: a DOUBLE column's zero, no tax line.
        invoice("in_good", "cus_good", tax="0.0"),
        # An old version of in_good, deleted by Fivetran: no second copy of
        # the id (its lines would be duplicate_stripe_invoice), not void.
        invoice("in_good", "cus_good", status="void", _fivetran_deleted="true"),
        # An invoice Fivetran marks deleted: its line is not read.
        invoice("in_fd", "cus_good", _fivetran_deleted="TRUE"),
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
        # Whole numbers as a DOUBLE column writes them: read as integers.
        line("il_whole", "in_good", amount="10000.0", quantity="3.0"),
        # Half a cent as a DOUBLE: no whole number of minor units.
        line("il_half_double", "in_good", amount="10000.5"),
        # A line Fivetran marks deleted, and a line of a deleted invoice.
        line("il_fd_line", "in_good", amount="99900", _fivetran_deleted="true"),
        line("il_on_fd", "in_fd"),
    ],
    "discount": [
        {"id": "di_bad", "type": "PARENT_INVOICE_LINE_ITEM", "type_id": "il_bad_discount",
         "amount": "abc"},
        {"id": "di_invoice", "type": "INVOICE", "type_id": "in_good", "amount": "100"},
        {"id": "di_draft", "type": "PARENT_INVOICE_LINE_ITEM", "type_id": "il_draft",
         "amount": "100"},
        {"id": "di_fd", "type": "PARENT_INVOICE_LINE_ITEM", "type_id": "il_good",
         "amount": "5000", "_fivetran_deleted": "true"},
        {"id": "di_whole", "type": "PARENT_INVOICE_LINE_ITEM", "type_id": "il_whole",
         "amount": "1000.0", "_fivetran_deleted": "false"},
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
        {"id": "cn_fd", "invoice_id": "in_good", "status": "issued",
         "created": "2025-01-12 00:00:00", "_fivetran_deleted": "true"},
    ],
    "credit_note_line_item": [
        {"id": "cnli_custom", "credit_note_id": "cn_good", "type": "custom_line_item",
         "amount": "300", "discount_amount": "0"},
        {"id": "cnli_lost", "credit_note_id": "cn_missing", "type": "invoice_line_item",
         "amount": "300", "discount_amount": "0", "invoice_line_item": "il_good"},
        {"id": "cnli_void", "credit_note_id": "cn_void", "type": "invoice_line_item",
         "amount": "300", "discount_amount": "0", "invoice_line_item": "il_good"},
        {"id": "cnli_fd", "credit_note_id": "cn_good", "type": "invoice_line_item",
         "amount": "300", "discount_amount": "0", "invoice_line_item": "il_good",
         "_fivetran_deleted": "true"},
        {"id": "cnli_on_fd", "credit_note_id": "cn_fd", "type": "invoice_line_item",
         "amount": "300", "discount_amount": "0", "invoice_line_item": "il_good"},
        {"id": "cnli_whole", "credit_note_id": "cn_good", "type": "invoice_line_item",
         "amount": "500.0", "discount_amount": "0.0", "invoice_line_item": "il_whole"},
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
        {"id": "re_fd", "charge_id": "ch_good", "amount": "100", "currency": "usd",
         "status": "succeeded", "created": "2025-01-12 00:00:00",
         "_fivetran_deleted": "true"},
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
    ("invoice_line_items", "il_half_double"): {"invalid_amount"},
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
        "accepted_lines": stripe.rows("select line_item_id, invoice_status, amount, "
                                      "discount_amount, quantity "
                                      "from main.int_invoice_line_items_checked "
                                      "where rejection_reasons is null", work=True),
        "checked_lines": stripe.rows("select line_item_id from main.int_invoice_line_items_checked", work=True),
        "refunds": stripe.rows("select refund_id, line_item_id, amount "
                               "from main.int_refunds_checked", work=True),
        "rejected_amounts": stripe.rows("select line_item_id, amount "
                                        "from main.rejected_invoice_line_items"),
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
    # cus_good: il_good 10000 cents = 100 (the deleted coupon di_fd, credit
    # note line cnli_fd, credit note cn_fd and refund re_fd take nothing
    # off), and il_whole 10000.0 - 1000.0 coupon - 500.0 credit note = 8500
    # cents = 85; il_credit is a one-off. cus_bhd: il_bhd, 12.345 BHD at
    # 2.65 = 32.71425 USD. January 2025: 100 + 85 + 32.71425 = 217.71425.
    assert rows["monthly"] == [(dt.date(2025, 1, 1), D("217.71425"), 2)]


def test_whole_decimals_read_as_integers(built):
    _, rows, _ = built
    # 10000.0 cents = 100, coupon 1000.0 = 10, quantity 3.0 = 3.
    assert [row for row in rows["accepted_lines"] if row[0] == "il_whole"] == [
        ("il_whole", "paid", D("100"), D("10"), 3)]
    # Credit note line 500.0 - 0.0 cents = 5.
    assert [row for row in rows["refunds"] if row[0] == "cnli_whole"] == [
        ("cnli_whole", "il_whole", D("5"))]
    # Half a cent is no whole number of minor units, as 12.5 is not.
    assert [row for row in rows["rejected_amounts"] if row[0] == "il_half_double"] == [
        ("il_half_double", "10000.5 (not a whole number of minor units)")]


def test_rows_fivetran_deleted_are_not_read(built):
    _, rows, _ = built
    checked = {line_item_id for (line_item_id,) in rows["checked_lines"]}
    assert not {"il_fd_line", "il_on_fd"} & checked
    refunds = {refund_id for refund_id, _, _ in rows["refunds"]}
    assert not {r for r in refunds if r in ("cnli_fd", "cnli_on_fd") or r.startswith("re_fd")}
    # The deleted copy of in_good neither duplicates nor voids it, and its
    # deleted coupon takes nothing off.
    assert [row for row in rows["accepted_lines"] if row[0] == "il_good"] == [
        ("il_good", "paid", D("100"), D("0"), 1)]  # no quantity: 1


def test_nothing_read_disappears(built):
    _, rows, _ = built
    assert sorted(rows["summary"]) == sorted([
        ("invoice", "read", 6),
        ("invoice", "draft, not read", 1),
        ("invoice", "deleted, not read", 1),
        ("invoice", "_fivetran_deleted, not read", 2),
        ("invoice_line_item", "read", 12),
        ("invoice_line_item", "invoice not found, rejected", 1),
        ("invoice_line_item", "on a draft invoice, not read", 1),
        ("invoice_line_item", "on a deleted invoice, not read", 1),
        ("invoice_line_item", "_fivetran_deleted, not read", 1),
        ("invoice_line_item", "on a _fivetran_deleted invoice, not read", 1),
        ("discount", "read", 2),
        ("discount", "not a line discount, not read", 1),
        ("discount", "line not read", 1),
        ("discount", "_fivetran_deleted, not read", 1),
        ("credit_note", "read", 1),
        ("credit_note", "void, not read", 1),
        ("credit_note", "_fivetran_deleted, not read", 1),
        ("credit_note_line_item", "read", 2),
        ("credit_note_line_item", "credit note not found, rejected", 1),
        ("credit_note_line_item", "credit note not issued, not read", 1),
        ("credit_note_line_item", "_fivetran_deleted, not read", 1),
        ("credit_note_line_item", "on a _fivetran_deleted credit note, not read", 1),
        ("refund", "read", 3),
        ("refund", "pending, not read", 1),
        ("refund", "_fivetran_deleted, not read", 1),
    ])


def test_the_money_reconciles(built):
    _, rows, _ = built
    # Readable amounts of the lines read: 9 lines of 100.00 (il_whole's
    # 10000.0 among them) and il_credit's -5.00 (12.5 and 10000.5 minor
    # units do not read; in_good's tax 0.0 makes no tax line). Accepted:
    # il_good, il_whole and il_credit, 195.00; rejected: the other seven,
    # 700.00.
    assert sorted(rows["reconciliation"]) == [
        ("BHD", D("12.345"), D("12.345"), D("0"), D("0")),
        ("USD", D("895"), D("195"), D("700"), D("0"))]


def test_the_summary_counts_what_was_not_read(built):
    stripe, _, _ = built
    assert "Stripe rows not read, or read and rejected (table stripe_input_summary):" in (
        stripe.stdout)
    assert "draft, not read" in stripe.stdout


def test_switching_the_source_builds_from_scratch(built):
    _, _, contract = built
    assert "the last build read stripe input" in contract.stderr
    assert contract.rows("select billing_source from main.arpu_build_info") == [("contract",)]
    assert contract.rows("select month, mrr from main.mart_arpu_monthly") == [
        (dt.date(2025, 1, 1), D("70"))]
