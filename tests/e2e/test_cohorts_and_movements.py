"""Cohorts, MRR movements, the MRR bridge, plan tiers and segment changes on
a base worked out by hand (metrics.md sections 8, 9, 10 and 13). As-of date:
May 1 2024, the latest invoice; every line runs from the 1st to the 1st.

    account  Jan  Feb  Mar  Apr  May
    c1       100  160  160  160  160    cohort Jan: expands in Feb; 3 users
    c2       100  100  100  100   80    contracts in May; 2 users
    c3       100  100    -    -    -    lost in Mar
    r          -  200    -  250    -    new Feb, churns Mar, back Apr, churns May
    t          -    -    -    -  100    50 on starter + 50 on pro: a tie

Accounts without user rows (c3, r, t) count one user each.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import build_ok, monthly_lines, span, write_tables

JAN, FEB, MAR, APR, MAY = (dt.date(2024, m, 1) for m in range(1, 6))

LINES = (
    monthly_lines("c1", "100", [(2024, 1)]) + monthly_lines("c1", "160", span((2024, 2), (2024, 5)))
    + monthly_lines("c2", "100", span((2024, 1), (2024, 4))) + monthly_lines("c2", "80", [(2024, 5)])
    + monthly_lines("c3", "100", span((2024, 1), (2024, 2)))
    + monthly_lines("r", "200", [(2024, 2)]) + monthly_lines("r", "250", [(2024, 4)])
    + monthly_lines("t", "50", [(2024, 5)], plan="p_starter", suffix="a")
    + monthly_lines("t", "50", [(2024, 5)], plan="p_pro", suffix="b")
)

# Active from before the first month, never deactivated.
USERS = [
    {"user_id": f"{account}_u{n}", "account_id": account, "created_at": "2023-12-01"}
    for account, count in (("c1", 3), ("c2", 2)) for n in range(count)
]

PLANS = [
    {"plan_id": "p_starter", "tier": "Starter", "tier_rank": "1"},
    {"plan_id": "p_pro", "tier": " PRO ", "tier_rank": "2"},
]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohorts")
    write_tables(folder / "data", {
        "accounts": [{"account_id": a, "created_at": "2023-12-01"} for a in ("c1", "c2", "c3", "r", "t")],
        "invoice_line_items": LINES,
        "plans": PLANS,
        "users": USERS,
    })
    return build_ok(folder / "data", folder / "arpu.duckdb")


def by_month(build, sql):
    return {row["month"]: row for row in build.dicts(sql + " order by month")}


def test_three_account_cohort_expands_then_loses_one(build):
    rows = by_month(build, "select * from main.mart_arpu_by_cohort where cohort_month = '2024-01-01'")
    assert list(rows) == [JAN, FEB, MAR, APR, MAY]
    expected = {
        # month: (months since, paying, mrr, arpa)
        JAN: (0, 3, 300, 100),
        FEB: (1, 3, 360, 120),   # c1 expands to 160
        MAR: (2, 2, 260, 130),   # c3 is lost
        APR: (3, 2, 260, 130),
        MAY: (4, 2, 240, 120),   # c2 contracts to 80
    }
    for month, (since, paying, mrr, arpa) in expected.items():
        row = rows[month]
        assert row["months_since_cohort"] == since
        assert row["cohort_accounts"] == 3
        assert row["paying_accounts"] == paying
        assert row["mrr"] == mrr
        assert row["arpa"] == pytest.approx(arpa, abs=1e-9)
        assert row["arpa_expansion"] == pytest.approx(arpa / 100 - 1, abs=1e-9)
        assert row["logo_retention"] == pytest.approx(paying / 3, abs=1e-9)
        assert row["net_mrr_retention"] == pytest.approx(mrr / 300, abs=1e-9)


def test_a_cohort_month_without_payers_has_no_arpa(build):
    rows = by_month(build, "select * from main.mart_arpu_by_cohort where cohort_month = '2024-02-01'")
    assert rows[MAR]["paying_accounts"] == 0 and rows[MAR]["mrr"] == 0
    assert rows[MAR]["arpa"] is None and rows[MAR]["arpa_expansion"] is None
    assert rows[MAR]["logo_retention"] == 0 and rows[MAR]["net_mrr_retention"] == 0
    # r comes back in April at 250 against its 200.
    assert rows[APR]["arpa_expansion"] == pytest.approx(0.25, abs=1e-9)
    assert rows[APR]["net_mrr_retention"] == pytest.approx(1.25, abs=1e-9)


def test_mrr_movements_with_churn_and_reactivation(build):
    rows = by_month(build, "select * from main.mart_mrr_movements")
    columns = ("opening_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr",
               "churned_mrr", "fx_mrr", "closing_mrr", "new_accounts", "reactivated_accounts",
               "churned_accounts")
    # All in USD, the reporting currency: no FX effect.
    expected = {
        JAN: (0, 300, 0, 0, 0, 0, 0, 300, 3, 0, 0),
        FEB: (300, 200, 60, 0, 0, 0, 0, 560, 1, 0, 0),
        MAR: (560, 0, 0, 0, 0, 300, 0, 260, 0, 0, 2),      # c3 (100) and r (200) churn
        APR: (260, 0, 0, 250, 0, 0, 0, 510, 0, 1, 0),      # r reactivates, not new
        MAY: (510, 100, 0, 0, 20, 250, 0, 340, 1, 0, 1),   # t new, c2 -20, r churns
    }
    for month, values in expected.items():
        assert tuple(rows[month][c] for c in columns) == values, month


def test_mrr_bridge_by_hand(build):
    rows = by_month(build, "select * from main.mart_mrr_bridge")
    # Feb: N 3 -> 4, A 100 -> 140: 1 * 100 + 40 * 3 + 1 * 40 = 260.
    assert float(rows[FEB]["mrr_change"]) == 260
    assert rows[FEB]["customer_effect"] == pytest.approx(100, abs=1e-9)
    assert rows[FEB]["arpa_effect"] == pytest.approx(120, abs=1e-9)
    assert rows[FEB]["interaction"] == pytest.approx(40, abs=1e-9)
    # Jan: nobody paid before: the whole change is customer_effect.
    assert rows[JAN]["customer_effect"] == pytest.approx(300, abs=1e-9)
    assert rows[JAN]["arpa_effect"] == 0 and rows[JAN]["interaction"] == 0
    # Mar: N 4 -> 2, A 140 -> 130: -2 * 140 + -10 * 4 + -2 * -10 = -300.
    assert rows[MAR]["customer_effect"] == pytest.approx(-280, abs=1e-9)
    assert rows[MAR]["arpa_effect"] == pytest.approx(-40, abs=1e-9)
    assert rows[MAR]["interaction"] == pytest.approx(20, abs=1e-9)


def test_plan_tier_tie_goes_to_the_higher_rank(build):
    rows = build.rows("select top_plan_id, plan_tier from main.dim_active_customers "
                      "where account_id = 't'")
    assert rows == [("p_pro", "pro")]
    segment = build.rows("select segment_value, paying_accounts, mrr from main.mart_arpu_by_segment "
                         "where month = '2024-05-01' and segment_type = 'plan_tier' order by 1")
    assert segment == [("pro", 1, Decimal(100)), ("unknown", 2, Decimal(240))]


def test_segment_changes_against_the_same_segment_a_month_earlier(build):
    # plan_tier in April: c1, c2 and r have no plan, so all three are
    # `unknown`: mrr 160 + 100 + 250 = 510 over 3 accounts and 3 + 2 + 1 = 6
    # users: ARPA 170, ARPU 85. May: c1 and c2 only (r churned; t is `pro`):
    # mrr 160 + 80 = 240 over 2 accounts and 3 + 2 = 5 users: ARPA 120,
    # ARPU 48. Changes: ARPA 120 / 170 - 1 = -5/17 = -0.2941..., ARPU
    # 48 / 85 - 1 = -37/85 = -0.4352...
    rows = {row["segment_value"]: row for row in build.dicts(
        "select * from main.mart_arpu_by_segment "
        "where month = '2024-05-01' and segment_type = 'plan_tier'")}
    unknown = rows["unknown"]
    assert (unknown["paying_accounts"], unknown["paying_users"]) == (2, 5)
    assert unknown["mrr"] == Decimal(240)
    assert unknown["arpa"] == pytest.approx(120, abs=1e-9)
    assert unknown["arpu"] == pytest.approx(48, abs=1e-9)
    assert unknown["arpa_mom_change"] == pytest.approx(-5 / 17, abs=1e-12)
    assert unknown["arpu_mom_change"] == pytest.approx(-37 / 85, abs=1e-12)
    # `pro` (t alone, no user rows: 1 user) had no row in April: no change.
    pro = rows["pro"]
    assert (pro["paying_accounts"], pro["paying_users"]) == (1, 1)
    assert pro["arpu"] == pytest.approx(100, abs=1e-9)
    assert pro["arpa_mom_change"] is None and pro["arpu_mom_change"] is None
    # The whole base in May: 340 over 3 accounts and 3 + 2 + 1 = 6 users,
    # against 510 over 6 users in April: ARPU 340/6 / 85 - 1 = -1/3.
    (monthly,) = build.dicts("select * from main.mart_arpu_monthly where month = '2024-05-01'")
    assert monthly["arpu"] == pytest.approx(340 / 6, abs=1e-9)
    assert monthly["arpu_mom_change"] == pytest.approx(-1 / 3, abs=1e-12)


def test_tenure_bands_follow_the_cohort(build):
    rows = build.rows("select account_id, tenure_band from main.dim_active_customers "
                      "where month = '2024-05-01' order by 1")
    assert rows == [("c1", "3-5m"), ("c2", "3-5m"), ("t", "0-2m")]


@pytest.fixture(scope="module")
def tenure(tmp_path_factory):
    """One account paying 100 every month from Jan 2022 to Jan 2024: 25
    months, months_since_cohort 0 to 24."""
    folder = tmp_path_factory.mktemp("tenure")
    write_tables(folder / "data", {
        "accounts": [{"account_id": "long", "created_at": "2021-12-01"}],
        "invoice_line_items": monthly_lines("long", "100", span((2022, 1), (2024, 1))),
    })
    return build_ok(folder / "data", folder / "arpu.duckdb")


def test_tenure_band_boundaries(tenure):
    # Section 8: 0-2m, 3-5m, 6-11m, 12-23m, 24m+ months since the cohort month.
    expected = {
        0: "0-2m", 1: "0-2m", 2: "0-2m",
        3: "3-5m", 5: "3-5m",
        6: "6-11m", 11: "6-11m",
        12: "12-23m", 23: "12-23m",
        24: "24m+",
    }
    rows = tenure.rows("select month, months_since_cohort, tenure_band "
                       "from main.dim_active_customers where account_id = 'long' order by month")
    assert len(rows) == 25
    got = {since: band for _, since, band in rows}
    assert [since for _, since, _ in rows] == list(range(25))
    assert rows[3][0] == dt.date(2022, 4, 1) and rows[24][0] == dt.date(2024, 1, 1)
    for since, band in expected.items():
        assert got[since] == band, since
    # The segment mart groups by the same bands: in Apr 2022 (month 3) the
    # only paying account is in 3-5m.
    segment = tenure.rows("select month, segment_value from main.mart_arpu_by_segment "
                          "where segment_type = 'tenure_band' and month in "
                          "('2022-03-01', '2022-04-01', '2023-01-01', '2024-01-01') order by 1")
    assert segment == [(dt.date(2022, 3, 1), "0-2m"), (dt.date(2022, 4, 1), "3-5m"),
                       (dt.date(2023, 1, 1), "12-23m"), (dt.date(2024, 1, 1), "24m+")]
