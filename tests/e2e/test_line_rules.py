"""One build of hand-made lines, each account exercising one rule of
metrics.md sections 1 to 5. Every expected number is worked out here, by
hand, from the definitions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import build_ok, span, write_tables

AS_OF = "2026-06-15"
DAYS_PER_MONTH = Decimal("365.25") / 12  # 30.4375

_line_number = 0


def line(account, start, end, amount, *, charge="recurring", invoice_date=None,
         status="paid", currency="USD", discount=None, committed=None, plan=None):
    global _line_number
    _line_number += 1
    return {
        "line_item_id": f"{account}_l{_line_number}",
        "invoice_id": f"{account}_i{_line_number}",
        "account_id": account,
        "plan_id": plan,
        "charge_type": charge,
        "is_committed": committed,
        "amount": amount,
        "discount_amount": discount,
        "currency": currency,
        "period_start": start,
        "period_end": end,
        "invoice_date": invoice_date or start,
        "invoice_status": status,
    }


ACCOUNTS = [
    "annual", "quarterly", "two_year", "anchor31", "short", "prorate", "discount",
    "refund_part", "refund_full", "eur", "void", "uncollectible", "tax", "usage",
    "users", "no_users", "asof_ends", "asof_covers", "asof_late",
]

LINES = [
    line("annual", "2024-01-15", "2025-01-15", "1200.00"),
    line("quarterly", "2024-02-01", "2024-05-01", "300"),
    line("two_year", "2024-03-10", "2026-03-10", "4800"),
    line("anchor31", "2025-01-31", "2025-02-28", "50"),
    line("anchor31", "2025-02-28", "2025-03-31", "50"),
    line("anchor31", "2025-03-31", "2025-04-30", "50"),
    # Feb 28 to Mar 27 is not whole months: 28 days.
    line("short", "2024-02-28", "2024-03-27", "56"),
    line("prorate", "2024-04-01", "2024-05-01", "100"),
    # A seat added on Apr 16: 15 of April's 30 days of a 50 seat, billed prorated.
    line("prorate", "2024-04-16", "2024-05-01", "25", invoice_date="2024-04-16"),
    line("discount", "2024-05-01", "2024-06-01", "100", discount="20"),
    line("refund_part", "2024-05-01", "2024-06-01", "100"),
    line("refund_full", "2024-05-01", "2024-06-01", "100"),
    line("eur", "2024-06-10", "2024-07-10", "100", currency="EUR"),
    line("eur", None, None, "10", charge="one_time", invoice_date="2024-06-05",
         currency="eur"),
    line("void", "2024-06-01", "2024-07-01", "100", status="void"),
    line("uncollectible", "2024-06-01", "2024-07-01", "100", status="uncollectible"),
    line("tax", "2024-06-01", "2024-07-01", "100"),
    line("tax", None, None, "20", charge="tax", invoice_date="2024-06-01"),
    line("usage", "2024-07-01", "2024-08-01", "40", charge="usage", committed="true"),
    line("usage", "2024-07-01", "2024-08-01", "60", charge="usage", committed="false"),
    line("users", "2024-01-01", "2024-04-01", "300"),
    line("no_users", "2024-01-01", "2024-02-01", "70"),
    # The as-of month (June 2026): its snapshot is the as-of date, June 15.
    line("asof_ends", "2026-06-01", "2026-06-15", "140"),
    line("asof_covers", "2026-06-10", "2026-07-10", "300"),
    line("asof_late", "2026-06-10", "2026-07-10", "300", invoice_date="2026-06-16"),
    # A real test account: paid, but never in a metric.
    line("test_acct", "2024-01-01", "2024-02-01", "999"),
]

REFUNDS = [
    {"refund_id": "r1", "line_item_id": LINES[10]["line_item_id"], "amount": "30",
     "refunded_at": "2024-05-20 10:00:00"},
    {"refund_id": "r2", "line_item_id": LINES[11]["line_item_id"], "amount": "60",
     "refunded_at": "2024-05-20"},
    {"refund_id": "r3", "line_item_id": LINES[11]["line_item_id"], "amount": "40",
     "refunded_at": "2025-01-02"},
]

USERS = [
    {"user_id": "u1", "account_id": "users", "created_at": "2024-01-01 09:00:00"},
    {"user_id": "u2", "account_id": "users", "created_at": "2024-01-10",
     "deactivated_at": "2024-03-31 00:00:00"},
    {"user_id": "u3", "account_id": "users", "created_at": "2024-02-29T10:00:00"},
    {"user_id": "u4", "account_id": "users", "created_at": "2024-04-02"},
]

FX = [
    {"rate_date": "2024-06-01", "currency": "EUR", "rate_to_reporting": "1.10"},
    {"rate_date": "2024-06-10", "currency": "EUR", "rate_to_reporting": "1.20"},
    {"rate_date": "2024-06-11", "currency": "EUR", "rate_to_reporting": "1.30"},
]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("line_rules")
    accounts = [{"account_id": a, "created_at": "2024-01-01"} for a in ACCOUNTS]
    accounts.append({"account_id": "test_acct", "created_at": "2024-01-01", "is_test": "TRUE"})
    write_tables(folder / "data", {
        "accounts": accounts, "invoice_line_items": LINES, "refunds": REFUNDS,
        "users": USERS, "fx_rates": FX,
    })
    return build_ok(folder / "data", folder / "arpu.duckdb", "--as-of", AS_OF)


def account_mrr(build, account):
    """{month: mrr} of one account, from the account-month model."""
    rows = build.rows(
        f"select month, mrr, is_paying, user_count from main.int_account_months "
        f"where account_id = '{account}' and has_mrr_contribution order by month", work=True,
    )
    return {month: mrr for month, mrr, _, _ in rows}


def months(*pairs):
    return [dt.date(y, m, 1) for y, m in pairs]


def month_range(first, last):
    return [dt.date(y, m, 1) for y, m in span(first, last)]


def test_annual_1200_is_100_in_each_of_12_month_ends(build):
    mrr = account_mrr(build, "annual")
    assert list(mrr) == month_range((2024, 1), (2024, 12))
    assert set(mrr.values()) == {Decimal("100")}


def test_quarterly_300_is_100_for_three_months(build):
    assert account_mrr(build, "quarterly") == dict.fromkeys(months((2024, 2), (2024, 3), (2024, 4)), Decimal(100))


def test_two_year_4800_is_200_for_24_months(build):
    mrr = account_mrr(build, "two_year")
    assert list(mrr) == month_range((2024, 3), (2026, 2))
    assert set(mrr.values()) == {Decimal(4800) / 24}


def test_monthly_billing_anchored_on_the_31st(build):
    # Jan 31-Feb 28, Feb 28-Mar 31 and Mar 31-Apr 30 are each one whole month.
    periods = build.rows(
        "select period_months from main.int_invoice_line_items_normalized "
        "where account_id = 'anchor31' order by period_start", work=True)
    assert [p for (p,) in periods] == [1, 1, 1]
    assert account_mrr(build, "anchor31") == dict.fromkeys(
        months((2025, 1), (2025, 2), (2025, 3)), Decimal(50))


def test_a_period_that_is_not_whole_months_counts_days(build):
    (period_months,), = build.rows(
        "select period_months from main.int_invoice_line_items_normalized "
        "where account_id = 'short'", work=True)
    assert period_months == pytest.approx(28 / 30.4375, abs=1e-12)
    # Snapshot Feb 29 2024 lies in [Feb 28, Mar 27): 56 / (28 / 30.4375).
    assert account_mrr(build, "short") == {dt.date(2024, 2, 1): Decimal("60.875")}


def test_mid_period_proration_adds_to_the_base_line(build):
    # 100 a month, plus 25 for Apr 16 - May 1: 15 days, so 25 / (15 / 30.4375).
    proration = Decimal(25) / (Decimal(15) / DAYS_PER_MONTH)
    expected = (Decimal(100) + proration).quantize(Decimal("0.000001"))
    assert expected == Decimal("150.729167")
    assert account_mrr(build, "prorate") == {dt.date(2024, 4, 1): expected}


def test_discount_and_refunds_reduce_the_net_amount(build):
    may = dt.date(2024, 5, 1)
    assert account_mrr(build, "discount") == {may: Decimal(80)}
    assert account_mrr(build, "refund_part") == {may: Decimal(70)}
    # Refunded in full (in two refunds, one a year later): no MRR, not paying.
    rows = build.rows("select mrr, is_paying from main.int_account_months "
                      "where account_id = 'refund_full' and has_mrr_contribution", work=True)
    assert rows == [(Decimal(0), False)]
    assert build.rows("select count(*) from main.dim_active_customers "
                      "where account_id = 'refund_full'") == [(0,)]


def test_gross_mrr_ignores_discounts_and_refunds(build):
    rows = build.rows("select account_id, gross_mrr from main.int_account_months "
                      "where account_id in ('discount', 'refund_part') "
                      "and has_mrr_contribution order by 1", work=True)
    assert rows == [("discount", Decimal(100)), ("refund_part", Decimal(100))]


def test_fx_uses_the_latest_rate_on_or_before_the_invoice_date(build):
    # Invoiced Jun 10: the Jun 10 rate 1.20, not Jun 1's 1.10 or Jun 11's 1.30.
    assert account_mrr(build, "eur") == {dt.date(2024, 6, 1): Decimal(120)}
    # The one-time line of Jun 5 converts at Jun 1's 1.10.
    rows = build.rows("select recognized_revenue from main.fct_revenue "
                      "where account_id = 'eur' and charge_type = 'one_time'")
    assert rows == [(Decimal("11"),)]


def test_void_uncollectible_and_test_lines_never_count(build):
    rows = build.rows("select distinct account_id from main.fct_revenue "
                      "where account_id in ('void', 'uncollectible', 'test_acct')")
    assert rows == []


def test_tax_is_never_revenue(build):
    rows = build.rows("select charge_type, month, recognized_revenue from main.fct_revenue "
                      "where account_id = 'tax'")
    assert rows == [("recurring", dt.date(2024, 6, 1), Decimal(100))]
    assert account_mrr(build, "tax") == {dt.date(2024, 6, 1): Decimal(100)}


def test_committed_usage_is_recurring_uncommitted_is_not(build):
    assert account_mrr(build, "usage") == {dt.date(2024, 7, 1): Decimal(40)}
    (revenue,), = build.rows("select sum(recognized_revenue) from main.fct_revenue "
                             "where account_id = 'usage' and month = '2024-07-01'")
    assert revenue == Decimal(100)


def test_user_counts_follow_creation_and_deactivation_dates(build):
    rows = build.rows("select month, active_users, user_count from main.int_account_months "
                      "where account_id = 'users' and has_mrr_contribution order by month",
                      work=True)
    # Jan 31: u1, u2.  Feb 29: u1, u2, u3 (created that day).
    # Mar 31: u1, u3 (u2 deactivated on the snapshot date). u4 comes in April.
    assert rows == [
        (dt.date(2024, 1, 1), 2, 2),
        (dt.date(2024, 2, 1), 3, 3),
        (dt.date(2024, 3, 1), 2, 2),
    ]


def test_an_account_without_users_counts_as_one(build):
    assert build.rows("select active_users, user_count from main.int_account_months "
                      "where account_id = 'no_users' and has_mrr_contribution",
                      work=True) == [(0, 1)]


def test_the_as_of_month_snapshot_is_the_as_of_date(build):
    june = dt.date(2026, 6, 1)
    # [Jun 1, Jun 15) ends on the as-of date: not covering it.
    assert account_mrr(build, "asof_ends") == {}
    assert account_mrr(build, "asof_covers") == {june: Decimal(300)}
    # Invoiced after the as-of date: does not count at all.
    assert build.rows("select count(*) from main.fct_revenue "
                      "where account_id = 'asof_late'") == [(0,)]
    # Recognized: Jun 10 to Jun 15 inclusive, 6 of 30 days; asof_ends: 14 of 14.
    rows = build.rows("select account_id, recognized_revenue from main.fct_revenue "
                      "where month = '2026-06-01' order by 1")
    assert rows == [("asof_covers", Decimal(300) * 6 / 30), ("asof_ends", Decimal(140))]
    (last_month,), = build.rows("select max(month) from main.mart_arpu_monthly")
    assert last_month == june


def test_months_reported_start_at_the_earliest_line_and_end_at_the_as_of_month(build):
    rows = build.rows("select min(month), max(month), count(*) from main.mart_arpu_monthly")
    # Jan 2024 (the earliest counting line) to Jun 2026: 30 months, no gaps.
    assert rows == [(dt.date(2024, 1, 1), dt.date(2026, 6, 1), 30)]


def test_annual_and_monthly_customers_both_have_100_mrr(build):
    # Worked check: 1,200 a year and 100 a month are both 100 MRR.
    jan = dt.date(2024, 1, 1)
    assert account_mrr(build, "annual")[jan] == Decimal(100)
    rows = build.rows("select monthly_amount from main.int_invoice_line_items_normalized "
                      "where account_id = 'users'", work=True)
    assert rows == [(Decimal(100),)]


def test_one_ancient_service_period_stretches_the_months_to_it(tmp_path):
    # A one-time line with a period in 1900: months run from 1900-01 to the
    # as-of month, every one of them reported (section 6).
    lines = [line("old", "2025-01-01", "2025-02-01", "100"),
             line("old", "1900-01-01", "1900-02-01", "5", charge="one_time",
                  invoice_date="2025-01-01")]
    write_tables(tmp_path / "data", {"accounts": [{"account_id": "old", "created_at": "2024-01-01"}],
                                     "invoice_line_items": lines})
    build = build_ok(tmp_path / "data", tmp_path / "arpu.duckdb")
    rows = build.rows("select min(month), max(month), count(*) from main.mart_arpu_monthly")
    assert rows == [(dt.date(1900, 1, 1), dt.date(2025, 1, 1), 125 * 12 + 1)]
    assert build.rows("select paying_accounts, mrr from main.mart_arpu_monthly "
                      "where month = '2025-01-01'") == [(1, Decimal(100))]
