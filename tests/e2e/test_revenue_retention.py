"""Revenue retention, the quick ratio and MRR concentration on a base worked
out by hand (metrics.md section 15). Every line runs from the 1st to the 1st
of the next month and is invoiced on the 1st; the as-of date is Feb 1 2025.

    account  Jan24  Feb24  Mar-May24  Jun24  Jul-Dec24  Jan25  Feb25
    a          100    100        100    100          -      -      -
    b          300    300        300    300        300    360    360
    r            -    200          -      -          -      -    250   churns Mar 24, back Feb 25
    c            -      -       1000   1000       1000    400      -   contracts, then churns
    n            -      -          -      -          -     50     80   new in Jan 25
    s1..s11      -      -          -  10..110        -      -      -   Jun 24 only

Jan 2025 is the section's worked check: a (100) and b (300) paid in Jan 2024,
a is gone and b pays 360, and the new account n (50) does not count.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import build_ok, monthly_lines, span, write_tables

JAN24, JUN24, JAN25, FEB25 = dt.date(2024, 1, 1), dt.date(2024, 6, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1)
SMALL = [f"s{n}" for n in range(1, 12)]

LINES = (
    monthly_lines("a", "100", span((2024, 1), (2024, 6)))
    + monthly_lines("b", "300", span((2024, 1), (2024, 12)))
    + monthly_lines("b", "360", span((2025, 1), (2025, 2)))
    + monthly_lines("r", "200", [(2024, 2)]) + monthly_lines("r", "250", [(2025, 2)])
    + monthly_lines("c", "1000", span((2024, 3), (2024, 12))) + monthly_lines("c", "400", [(2025, 1)])
    + monthly_lines("n", "50", [(2025, 1)]) + monthly_lines("n", "80", [(2025, 2)])
    + [line for n, account in enumerate(SMALL, start=1)
       for line in monthly_lines(account, str(10 * n), [(2024, 6)])]
    # Rejected (unknown account): counts nowhere.
    + monthly_lines("ghost", "5000", [(2025, 1)])
)


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retention")
    write_tables(folder / "data", {
        "accounts": [{"account_id": a, "created_at": "2023-12-01"}
                     for a in ["a", "b", "r", "c", "n", *SMALL]],
        "invoice_line_items": LINES,
    })
    build = build_ok(folder / "data", folder / "arpu.duckdb")
    return {row["month"]: row for row in build.dicts(
        "select * from main.mart_revenue_retention order by month")}


def test_every_reported_month_has_a_row(rows):
    assert list(rows) == [dt.date(2024, m, 1) for m in range(1, 13)] + [JAN25, FEB25]


def test_the_sections_worked_check(rows):
    row = rows[JAN25]
    assert row["accounts_12m_ago"] == 2
    assert row["nrr_12m"] == pytest.approx(360 / 400, rel=1e-12)  # 0.9
    assert row["grr_12m"] == pytest.approx(300 / 400, rel=1e-12)  # 0.75


def test_one_month_retention_and_the_quick_ratio(rows):
    jan, feb = rows[JAN25], rows[FEB25]
    # Jan 2025 over the payers of Dec 2024, b (300) and c (1000): b 360, c 400.
    assert jan["nrr_1m"] == pytest.approx((360 + 400) / (300 + 1000), rel=1e-12)
    assert jan["grr_1m"] == pytest.approx((300 + 400) / (300 + 1000), rel=1e-12)
    # New 50 (n) + expansion 60 (b) over contraction 600 (c).
    assert jan["quick_ratio"] == pytest.approx((50 + 60) / 600, rel=1e-12)
    # Feb 2025 over the payers of Jan 2025, b 360, c 400, n 50: c is gone,
    # n pays 80; r comes back from outside them and does not count.
    assert feb["nrr_1m"] == pytest.approx((360 + 0 + 80) / (360 + 400 + 50), rel=1e-12)
    assert feb["grr_1m"] == pytest.approx((360 + 0 + 50) / (360 + 400 + 50), rel=1e-12)
    # Expansion 30 (n) + reactivation 250 (r) over churn 400 (c).
    assert feb["quick_ratio"] == pytest.approx((30 + 250) / 400, rel=1e-12)


def test_an_account_that_churned_and_came_back_counts_with_its_mrr_now(rows):
    # Paying in Feb 2024: a 100, b 300, r 200. In Feb 2025: a 0, b 360, and
    # r, gone for eleven months, 250.
    row = rows[FEB25]
    assert row["accounts_12m_ago"] == 3
    assert row["nrr_12m"] == pytest.approx((0 + 360 + 250) / (100 + 300 + 200), rel=1e-12)
    assert row["grr_12m"] == pytest.approx((0 + 300 + 200) / (100 + 300 + 200), rel=1e-12)


def test_before_there_is_a_base_the_ratios_are_null(rows):
    first = rows[JAN24]
    assert first["nrr_1m"] is None and first["grr_1m"] is None
    # New MRR only, nothing lost.
    assert first["quick_ratio"] is None
    for month in [dt.date(2024, m, 1) for m in range(1, 13)]:
        assert rows[month]["nrr_12m"] is None and rows[month]["grr_12m"] is None
        assert rows[month]["accounts_12m_ago"] == 0


def test_concentration(rows):
    # Jun 2024: c 1000, b 300, s11 110, a 100, s10 100, s9 90 ... s1 10:
    # 14 paying accounts, MRR 1000 + 300 + 100 + (10 + 20 + ... + 110) = 2060.
    row = rows[JUN24]
    assert row["top10_mrr_share"] == pytest.approx(
        (1000 + 300 + 110 + 100 + 100 + 90 + 80 + 70 + 60 + 50) / 2060, rel=1e-12)
    # ceil(14 / 10) = 2 accounts: c and b.
    assert row["top_decile_mrr_share"] == pytest.approx((1000 + 300) / 2060, rel=1e-12)
    # Feb 2025: b 360, r 250, n 80; fewer than 10 pay, the decile is one.
    feb = rows[FEB25]
    assert feb["top10_mrr_share"] == pytest.approx(1.0, rel=1e-12)
    assert feb["top_decile_mrr_share"] == pytest.approx(360 / 690, rel=1e-12)
