"""Refunds larger than the line they restate (docs/billing_contract.md, "Bad
input"): the contract accepts them and applies them as given, so the
line's net goes negative; over_refunded_lines lists every line whose
accepted refunds add up to more than amount - discount_amount (in the
line's currency; equal is a full refund, not listed), and the summary
warns, which trips --fail-on-warnings. The rule lives in the shared
models, so it holds for contract refunds and Stripe credit notes and
charge refunds alike. Every number below is worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import ROOT, build_ok, run_build, write_tables

from arpu.contract import load_input_tables

D = Decimal
JAN = dt.date(2025, 1, 1)
COLUMNS = ("line_item_id", "invoice_id", "account_id", "invoice_status", "currency", "amount",
           "discount_amount", "refunded_amount", "excess_amount", "refund_count", "refund_ids")


def contract_line(line_item_id, account_id, amount, discount=None):
    return {"line_item_id": line_item_id, "invoice_id": f"i_{account_id}",
            "account_id": account_id, "charge_type": "recurring", "amount": amount,
            "discount_amount": discount, "currency": "USD", "period_start": "2025-01-01",
            "period_end": "2025-02-01", "invoice_date": "2025-01-01", "invoice_status": "paid"}


def refund(refund_id, line_item_id, amount):
    return {"refund_id": refund_id, "line_item_id": line_item_id, "amount": amount,
            "refunded_at": "2025-01-15 00:00:00"}


CONTRACT = {
    "accounts": [{"account_id": a, "created_at": "2024-12-01"} for a in ("A", "B", "C")],
    "invoice_line_items": [
        contract_line("A_seats", "A", "100"),
        # 20 + 20 = 40 > 30: over by 10.
        contract_line("A_addon", "A", "30"),
        # 200 = 200: a full refund, not listed.
        contract_line("B_plan", "B", "200"),
        # 30.000001 > 50 - 20 = 30: over by a millionth.
        contract_line("C_plan", "C", "50", discount="20"),
    ],
    "refunds": [refund("r_a2", "A_addon", "20"), refund("r_a1", "A_addon", "20"),
                refund("r_b", "B_plan", "200"), refund("r_c", "C_plan", "30.000001")],
}


@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    folder = write_tables(tmp_path_factory.mktemp("over_refunds") / "data", CONTRACT)
    build = run_build(folder, folder.parent / "arpu.duckdb", "--as-of", "2025-01-31",
                      "--fail-on-warnings")
    return build


def test_lines_refunded_beyond_their_net_are_listed(contract):
    rows = contract.rows(f"select {', '.join(COLUMNS)} from main.over_refunded_lines "
                         "order by line_item_id")
    assert rows == [
        ("A_addon", "i_A", "A", "paid", "USD", D("30"), D("0"), D("40"), D("10"), 2,
         "r_a1, r_a2"),
        ("C_plan", "i_C", "C", "paid", "USD", D("50"), D("20"), D("30.000001"),
         D("0.000001"), 1, "r_c"),
    ]


def test_they_are_still_applied_as_documented(contract):
    # A: 100 + (30 - 40) = 90, paying. B: 200 - 200 = 0 and C: 50 - 20 -
    # 30.000001 = -0.000001 are not paying (MRR <= 0). MRR 90 over 1.
    assert contract.rows("select account_id, mrr from main.dim_active_customers") == [
        ("A", D("90"))]
    assert contract.rows("select month, paying_accounts, mrr from main.mart_arpu_monthly") == [
        (JAN, 1, D("90"))]
    # Recognized revenue of every line that counts, January whole (as-of
    # Jan 31): 90 + 0 - 0.000001 = 89.999999.
    ((total,),) = contract.rows("select total_revenue from main.mart_arpu_monthly")
    assert abs(total - D("89.999999")) < D("1e-9")


def test_the_summary_warns_and_fail_on_warnings_trips(contract):
    assert contract.returncode == 4, contract.stdout + contract.stderr
    assert ("Warning: 2 invoice lines refunded more than amount - discount (3 refunds): "
            "applied as given, so the line's net is negative.\n"
            "  See table over_refunded_lines for the lines and their refund ids.") in (
        contract.stdout)
    assert "error: 1 warning(s) in the summary (--fail-on-warnings)." in contract.stderr
    # Published all the same: exit 4 means the marts are in place.
    assert contract.rows("select count(*) from main.arpu_build_info") == [(1,)]


STRIPE = {table.name: table.columns for table in load_input_tables(ROOT, "stripe")}


def stripe_line(line_id, invoice_id, amount):
    return {"id": line_id, "invoice_id": invoice_id, "amount": amount, "currency": "usd",
            "type": "subscription", "price_id": "price_m",
            "period_start": "2025-01-01 00:00:00", "period_end": "2025-02-01 00:00:00"}


STRIPE_TABLES = {
    "customer": [{"id": c, "name": c, "created": "2024-12-01 00:00:00", "livemode": "true"}
                 for c in ("cus_x", "cus_y", "cus_z")],
    "invoice": [{"id": f"in_{c}", "customer_id": f"cus_{c}", "currency": "usd",
                 "status": "paid", "created": "2025-01-01 00:00:00", "tax": "0"}
                for c in ("x", "y", "z")],
    "invoice_line_item": [
        stripe_line("il_x", "in_x", "10000"),
        stripe_line("il_y", "in_y", "5000"),
        stripe_line("il_w", "in_y", "4000"),
        stripe_line("il_z", "in_z", "10000"),
    ],
    "price": [{"id": "price_m", "nickname": "M", "product_id": "prod_m",
               "recurring_usage_type": "licensed"}],
    "product": [{"id": "prod_m", "name": "M", "metadata": "{}"}],
    "credit_note": [{"id": cn, "invoice_id": invoice, "status": "issued",
                     "created": "2025-01-15 00:00:00"}
                    for cn, invoice in (("cn_x", "in_x"), ("cn_y", "in_y"))],
    "credit_note_line_item": [
        # 950 times the line: 9,500,000 cents against 10,000.
        {"id": "cnli_x", "credit_note_id": "cn_x", "type": "invoice_line_item",
         "amount": "9500000", "discount_amount": "0", "invoice_line_item": "il_x"},
        # The whole line, no more: not listed.
        {"id": "cnli_w", "credit_note_id": "cn_y", "type": "invoice_line_item",
         "amount": "4000", "discount_amount": "0", "invoice_line_item": "il_w"},
    ],
    # A charge refund of 300.00 on in_z, whose only line is 100.00: the one
    # line takes it all.
    "refund": [{"id": "re_z", "charge_id": "ch_z", "amount": "30000", "currency": "usd",
                "status": "succeeded", "created": "2025-01-20 00:00:00"}],
    "charge": [{"id": "ch_z", "invoice_id": "in_z"}],
}


@pytest.fixture(scope="module")
def stripe(tmp_path_factory):
    folder = write_tables(tmp_path_factory.mktemp("over_refunds_stripe") / "data",
                          STRIPE_TABLES, STRIPE)
    return build_ok(folder, folder.parent / "arpu.duckdb", "--source", "stripe",
                    "--as-of", "2025-01-31")


def test_stripe_credit_notes_and_charge_refunds_are_listed(stripe):
    rows = stripe.rows(f"select {', '.join(COLUMNS)} from main.over_refunded_lines "
                       "order by line_item_id")
    assert rows == [
        # 95,000.00 against 100.00: over by 94,900.00.
        ("il_x", "in_x", "cus_x", "paid", "USD", D("100"), D("0"), D("95000"), D("94900"), 1,
         "cnli_x"),
        # The charge refund's one piece, 300.00 against 100.00.
        ("il_z", "in_z", "cus_z", "paid", "USD", D("100"), D("0"), D("300"), D("200"), 1,
         "re_z-il_z"),
    ]
    assert "Warning: 2 invoice lines refunded more than amount - discount (2 refunds)" in (
        stripe.stdout)


def test_stripe_over_refunds_are_applied(stripe):
    # cus_x: 100 - 95000 < 0 and cus_z: 100 - 300 < 0 are not paying; cus_y:
    # 50 + (40 - 40) = 50.
    assert stripe.rows("select month, paying_accounts, mrr from main.mart_arpu_monthly") == [
        (JAN, 1, D("50"))]
    # The refunds restate their lines as given: nets of -94,900 and -200.
    assert stripe.rows("select line_item_id, original_net_amount "
                       "from main.int_invoice_line_items_converted "
                       "where line_item_id in ('il_x', 'il_z') order by 1", work=True) == [
        ("il_x", D("-94900")), ("il_z", D("-200"))]
