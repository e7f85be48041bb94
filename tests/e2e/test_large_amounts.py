"""Large amounts: the contract's range for money and FX rates (issue 7,
items 8 and 9).

Money: |amount| < 1e13 (13 integer digits) in every money column, and the
refunds of one line add up to less than that; FX rates: rate_to_reporting <
1e6 (billing_contract.md, "Money: range and precision"). A value beyond the
range is quarantined with a reason, never a crash; a value inside it is
carried through, and the float identities the data tests check hold at any
size (relative tolerances)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import build_ok, monthly_lines, span, write_tables

D = Decimal
JAN = {"charge_type": "recurring", "currency": "USD", "period_start": "2024-01-01",
       "period_end": "2024-02-01", "invoice_date": "2024-01-01", "invoice_status": "paid"}

HUGE = "1234567890123456789012.99"      # 22 integer digits: castable, once crashed
LARGEST = "9999999999999.999999"        # the largest amount accepted
JUST_OVER = "10000000000000"            # 1e13: the smallest rejected


def line(line_id, account, amount, **changes):
    return {**JAN, "line_item_id": line_id, "invoice_id": f"i_{line_id}",
            "account_id": account, "amount": amount, **changes}


# line id -> (row, expected reasons); all but the first two are rejected.
LINES = {
    "good": (line("good", "a_good", "100"), None),
    "good_2": (line("good_2", "a_good", "50"), None),
    # 9999999999999.999999 - 0.499999 = 9999999999999.5, a value a double
    # holds exactly, so it reaches MRR exactly (normalization divides in
    # double precision: see the test of the maximum rate below).
    "at_bound": (line("at_bound", "a_bound", LARGEST, discount_amount="0.499999"), None),
    "huge": (line("huge", "a_good", HUGE), ["amount_out_of_range"]),
    "just_over": (line("just_over", "a_good", JUST_OVER), ["amount_out_of_range"]),
    "just_over_credit": (line("just_over_credit", "a_good", "-" + JUST_OVER),
                         ["amount_out_of_range"]),
    "huge_discount": (line("huge_discount", "a_good", "100", discount_amount=JUST_OVER),
                      ["discount_amount_out_of_range"]),
    # 23 integer digits do not cast at all (the form's limit, unchanged).
    "too_long": (line("too_long", "a_good", "12345678901234567890123"), ["invalid_amount"]),
    # 22 integer digits and a 7th place: rounded to 6 places it would carry
    # into a 23rd digit, so it does not cast (it once crashed the build).
    "carry": (line("carry", "a_good", "9999999999999999999999.9999995"), ["invalid_amount"]),
    # Its only rate is out of range, so rejected: no rate to convert with.
    "rate_rejected": (line("rate_rejected", "a_good", "100", currency="XXX"), ["no_fx_rate"]),
}

# The largest amount at the largest rate, in February, on an account of its own.
MAX_AT_MAX_RATE = {
    "line_item_id": "max_rate", "invoice_id": "i_max", "account_id": "a_max",
    "charge_type": "recurring", "amount": LARGEST, "currency": "ZZA",
    "period_start": "2024-02-01", "period_end": "2024-03-01",
    "invoice_date": "2024-02-01", "invoice_status": "paid"}
LARGEST_RATE = "999999.999999999999"

REFUNDS = [
    {"refund_id": "r_ok", "line_item_id": "good", "amount": "10", "refunded_at": "2024-01-05"},
    {"refund_id": "r_huge", "line_item_id": "good", "amount": JUST_OVER,
     "refunded_at": "2024-01-05"},
    # Each in range, together 1.2e13: both rejected.
    {"refund_id": "r_half_1", "line_item_id": "good_2", "amount": "6000000000000",
     "refunded_at": "2024-01-05"},
    {"refund_id": "r_half_2", "line_item_id": "good_2", "amount": "6000000000000",
     "refunded_at": "2024-01-06"},
]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("large")
    write_tables(folder / "data", {
        "accounts": [{"account_id": a, "created_at": "2023-06-01"}
                     for a in ("a_good", "a_bound", "a_max")],
        "invoice_line_items": [row for row, _ in LINES.values()] + [MAX_AT_MAX_RATE],
        "refunds": REFUNDS,
        "fx_rates": [
            {"rate_date": "2023-12-01", "currency": "XXX", "rate_to_reporting": "1000000"},
            # 17 integer digits: castable, but beyond the rate type (once crashed).
            {"rate_date": "2023-12-01", "currency": "YYY",
             "rate_to_reporting": "12345678901234567"},
            {"rate_date": "2023-12-01", "currency": "ZZA", "rate_to_reporting": LARGEST_RATE},
        ],
        "acquisition_spend": [
            {"month": "2024-01-01", "acquisition_channel": "ads", "amount": "500"},
            {"month": "2024-01-01", "acquisition_channel": "events", "amount": HUGE},
        ],
    })
    return build_ok(folder / "data", folder / "arpu.duckdb")


def test_out_of_range_lines_are_rejected_with_their_reasons(build):
    rows = build.rows("select line_item_id, rejection_reasons, amount "
                      "from main.rejected_invoice_line_items")
    got = {line_id: (sorted(reasons.split(", ")), amount) for line_id, reasons, amount in rows}
    want = {line_id: (sorted(reasons), row["amount"])
            for line_id, (row, reasons) in LINES.items() if reasons}
    assert got == want


def test_other_tables_reject_out_of_range_values(build):
    rows = build.rows("select source_table, row_key, rejection_reasons from main.rejected_rows "
                      "where source_table != 'invoice_line_items' order by 1, 2")
    assert rows == [
        ("acquisition_spend", "2024-01-01 events", "amount_out_of_range"),
        ("fx_rates", "XXX 2023-12-01", "rate_out_of_range"),
        ("fx_rates", "YYY 2023-12-01", "rate_out_of_range"),
        ("refunds", "r_half_1", "refund_total_out_of_range"),
        ("refunds", "r_half_2", "refund_total_out_of_range"),
        ("refunds", "r_huge", "amount_out_of_range"),
    ]


# Normalization (int_invoice_line_items_normalized) divides in double
# precision and casts the double back to decimal(38, 12); DuckDB does that
# cast in double arithmetic too (value * 1e12), so above ~1e9 a monthly
# amount is off in the 6th decimal: 123456789012.5 becomes
# 123456789012.500003, 9999999999999.5 becomes 9999999999999.500542. The
# exact tests below are expected to fail until it is fixed there.
NORMALIZATION_IS_INEXACT = pytest.mark.xfail(
    strict=True, reason="int_invoice_line_items_normalized: MRR goes through a double; "
                        "exact above ~1e9 only once that is fixed")


def test_good_lines_and_the_largest_amount_are_carried_through(build):
    # January: a_good 100 - refund 10 + 50 = 140 (the rejected refunds do not
    # count); a_bound 9999999999999.999999 - 0.499999 = 9999999999999.5.
    rows = build.rows("select account_id, mrr from main.dim_active_customers "
                      "where month = date '2024-01-01' order by 1")
    assert [r[0] for r in rows] == ["a_bound", "a_good"]
    assert rows[1][1] == D("140.000000")
    assert float(rows[0][1]) == pytest.approx(9999999999999.5, rel=1e-15)
    (jan,) = build.dicts("select * from main.mart_arpu_monthly where month = date '2024-01-01'")
    assert jan["paying_accounts"] == 2
    assert float(jan["mrr"]) == pytest.approx(10000000000139.5, rel=1e-15)
    # The accepted line keeps its exact amount and net through conversion.
    (row,) = build.rows("select amount, discount_amount, refunded_amount, net_amount "
                        "from main.int_invoice_line_items_converted "
                        "where line_item_id = 'at_bound'", work=True)
    assert row == (D(LARGEST), D("0.499999"), D(0), D("9999999999999.5"))


@NORMALIZATION_IS_INEXACT
def test_the_largest_amount_reaches_mrr_exactly(build):
    rows = build.rows("select account_id, mrr from main.dim_active_customers "
                      "where month = date '2024-01-01' order by 1")
    assert rows == [("a_bound", D("9999999999999.500000")), ("a_good", D("140.000000"))]
    (jan,) = build.dicts("select * from main.mart_arpu_monthly where month = date '2024-01-01'")
    assert jan["mrr"] == D("10000000000139.500000")
    assert jan["arr"] == D("120000000001674.000000")


def test_the_largest_amount_at_the_largest_rate_converts_without_overflow(build):
    # 9999999999999.999999 * 999999.999999999999 = (1e13 - 1e-6)(1e6 - 1e-12)
    # = 1e19 - 10 - 1 + 1e-18 = 9999999999999999989.000000000000000001,
    # kept to 12 places.
    (net,), = build.rows("select net_amount from main.int_invoice_line_items_converted "
                         "where line_item_id = 'max_rate'", work=True)
    assert net == D("9999999999999999989.000000000000")
    # February's MRR is that line's alone (to a double's precision, above).
    (feb,) = build.dicts("select * from main.mart_arpu_monthly where month = date '2024-02-01'")
    assert feb["paying_accounts"] == 1
    assert float(feb["mrr"]) == pytest.approx(9999999999999999989, rel=1e-15)


def test_huge_amounts_still_reconcile(build):
    (usd,) = build.dicts("select * from main.revenue_reconciliation where currency = 'USD'")
    # Every readable USD amount, accepted or rejected, by hand:
    accepted = D("100") + D("50") + D(LARGEST)
    rejected = D(HUGE) + D(JUST_OVER) - D(JUST_OVER) + D("100")
    assert usd["accepted_amount"] == accepted == D("10000000000149.999999")
    assert usd["rejected_amount"] == rejected == D("1234567890123456789112.99")
    assert usd["raw_amount"] == accepted + rejected
    assert usd["unexplained_amount"] == 0
    # The 23-digit amount and the one that would carry into a 23rd digit
    # cannot be read: counted, not summed.
    assert (usd["raw_rows"], usd["accepted_rows"], usd["rejected_rows"],
            usd["unreadable_rows"]) == (7, 3, 4, 2)


def test_spend_out_of_range_is_left_out(build):
    (spend,) = build.rows("select acquisition_spend from main.mart_unit_economics "
                          "where month = date '2024-01-01'")
    assert spend == (D(500),)


# Item 9: a valid large amount (a USD recurring line of 123456789012.50)
# beside normal accounts, over three months.
WHALE = "123456789012.50"


@pytest.fixture(scope="module")
def whale_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whale")
    write_tables(folder / "data", {
        "accounts": [
            {"account_id": "whale", "created_at": "2023-06-01", "employee_count": "5000",
             "country_code": "US"},
            {"account_id": "n1", "created_at": "2023-06-01", "employee_count": "20",
             "country_code": "DE"},
            {"account_id": "n2", "created_at": "2023-06-01", "employee_count": "200",
             "country_code": "US"},
            {"account_id": "n3", "created_at": "2023-06-01", "employee_count": "10",
             "country_code": "FR"},
        ],
        "invoice_line_items": (
            monthly_lines("whale", WHALE, span((2024, 1), (2024, 3)))
            + monthly_lines("n1", "100", span((2024, 1), (2024, 3)))
            + monthly_lines("n2", "250", span((2024, 2), (2024, 3)))
            + monthly_lines("n3", "80", [(2024, 1)])
        ),
    })
    return build_ok(folder / "data", folder / "arpu.duckdb")


def test_a_valid_large_amount_passes_every_data_test(whale_build):
    # build_ok: exit 0, so every dbt data test passed, the bridge and mix
    # identities included.
    assert whale_build.returncode == 0


JAN_MRR, FEB_MRR = D("123456789192.50"), D("123456789362.50")


def test_monthly_numbers_with_a_large_amount(whale_build):
    rows = whale_build.rows("select month, paying_accounts, mrr, arpa "
                            "from main.mart_arpu_monthly order by month")
    # Jan: whale + n1 100 + n3 80; Feb and Mar: whale + n1 100 + n2 250.
    assert [r[:2] for r in rows] == [(dt.date(2024, m, 1), 3) for m in (1, 2, 3)]
    expected = [JAN_MRR, FEB_MRR, FEB_MRR]
    assert [float(r[2]) for r in rows] == pytest.approx([float(m) for m in expected], rel=1e-15)
    # ARPA is a double: MRR / 3.
    assert [r[3] for r in rows] == pytest.approx([float(m / 3) for m in expected], rel=1e-15)


@NORMALIZATION_IS_INEXACT
def test_monthly_mrr_with_a_large_amount_is_exact(whale_build):
    rows = whale_build.rows("select mrr from main.mart_arpu_monthly order by month")
    assert rows == [(JAN_MRR,), (FEB_MRR,), (FEB_MRR,)]


def test_bridge_with_a_large_amount(whale_build):
    rows = whale_build.dicts("select * from main.mart_mrr_bridge order by month")
    assert [r["month"] for r in rows] == [dt.date(2024, m, 1) for m in (1, 2, 3)]
    jan, feb, mar = rows
    # January: everyone is new, the whole change is the customer effect.
    assert float(jan["mrr_change"]) == pytest.approx(float(JAN_MRR), rel=1e-15)
    assert jan["customer_effect"] == pytest.approx(float(JAN_MRR), rel=1e-15)
    assert (jan["arpa_effect"], jan["interaction"]) == (0, 0)
    # February: n3 (80) out, n2 (250) in, still 3 accounts: +170 exactly
    # (the whale's MRR is the same in both months), all of it ARPA effect:
    # (ARPA Feb - ARPA Jan) * 3 = 170/3 * 3. In doubles the ARPAs (4.1e10)
    # carry about 1e-5, so 170 comes out to about 1e-5: the reason the data
    # test's tolerance is relative (an absolute 1e-6 failed here).
    assert feb["mrr_change"] == D("170")
    assert feb["customer_effect"] == 0 and feb["interaction"] == 0
    assert feb["arpa_effect"] == pytest.approx(170, abs=1e-4)
    # March: nothing moves.
    assert mar["mrr_change"] == 0
    assert (mar["customer_effect"], mar["arpa_effect"], mar["interaction"]) == (0, 0, 0)
