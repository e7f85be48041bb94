"""mart_arpu_monthly on a small base whose every column is worked out by
hand (metrics.md section 7). No --as-of: the as-of date is the latest paid
or open invoice date of a real account (2025-01-10)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal

import pytest

from conftest import build_ok, monthly_lines, span, write_tables

D = Decimal


# A: 100 a month, Jan-May 2024, then Jul 2024-Jan 2025 (2 users).
# B: 300 a month, Jan-May 2024 (no users: counts as 1).
# C: list 300, discount 40 = 260 net, Mar-May 2024 and Jul-Dec 2024 (4 users).
# D: annual 6,000 from Jul 1 2024 (500 a month) plus a 1,000 setup fee (no users).
# Nobody pays in June 2024.
LINES = (
    monthly_lines("A", "100", span((2024, 1), (2024, 5)) + span((2024, 7), (2025, 1)))
    + monthly_lines("B", "300", span((2024, 1), (2024, 5)))
    + monthly_lines("C", "300", span((2024, 3), (2024, 5)) + span((2024, 7), (2024, 12)),
                    discount="40")
    + [
        {"line_item_id": "D_annual", "invoice_id": "iD1", "account_id": "D",
         "charge_type": "recurring", "amount": "6000", "currency": "USD",
         "period_start": "2024-07-01", "period_end": "2025-07-01",
         "invoice_date": "2024-07-01", "invoice_status": "paid"},
        {"line_item_id": "D_setup", "invoice_id": "iD1", "account_id": "D",
         "charge_type": "one_time", "amount": "1000", "currency": "USD",
         "invoice_date": "2024-07-01", "invoice_status": "paid"},
        # The latest paid/open invoice of a real account sets the as-of date.
        {"line_item_id": "A_extra", "invoice_id": "iA9", "account_id": "A",
         "charge_type": "one_time", "amount": "50", "currency": "USD",
         "invoice_date": "2025-01-10", "invoice_status": "open"},
        # Later, but void, or of a test account: they do not move it.
        {"line_item_id": "A_void", "invoice_id": "iA10", "account_id": "A",
         "charge_type": "one_time", "amount": "70", "currency": "USD",
         "invoice_date": "2025-01-20", "invoice_status": "void"},
        {"line_item_id": "T_1", "invoice_id": "iT1", "account_id": "T",
         "charge_type": "one_time", "amount": "70", "currency": "USD",
         "invoice_date": "2025-01-25", "invoice_status": "paid"},
    ]
)

USERS = (
    [{"user_id": f"a{i}", "account_id": "A", "created_at": "2023-12-01"} for i in range(2)]
    + [{"user_id": f"c{i}", "account_id": "C", "created_at": "2024-03-01"} for i in range(4)]
)

# MRR per account and month, by hand.
MRR = {}
for ym in span((2024, 1), (2024, 5)) + span((2024, 7), (2025, 1)):
    MRR.setdefault(ym, {})["A"] = D(100)
for ym in span((2024, 1), (2024, 5)):
    MRR[ym]["B"] = D(300)
for ym in span((2024, 3), (2024, 5)) + span((2024, 7), (2024, 12)):
    MRR[ym]["C"] = D(260)
for ym in span((2024, 7), (2025, 1)):
    MRR[ym]["D"] = D(500)
USER_COUNT = {"A": 2, "B": 1, "C": 4, "D": 1}
GROSS = {"A": D(100), "B": D(300), "C": D(300), "D": D(500)}
COHORT = {"A": (2024, 1), "B": (2024, 1), "C": (2024, 3), "D": (2024, 7)}
MONTHS = span((2024, 1), (2025, 1))


def days_in(year, month):
    return (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.date(year, month, 1)).days


def total_revenue(ym):
    """Recognized revenue, section 5: monthly lines whole in their month;
    D's annual line by days of 365; one-time lines in their invoice month.
    January 2025 stops at the as-of date, Jan 10: 10 of 31 days."""
    if ym == (2025, 1):
        return D(100) * 10 / 31 + D(6000) * 10 / 365 + D(50)
    total = sum((v for a, v in MRR.get(ym, {}).items() if a != "D"), D(0))
    if ym >= (2024, 7):
        total += D(6000) * days_in(*ym) / 365
    if ym == (2024, 7):
        total += D(1000)
    return total


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("monthly")
    write_tables(folder / "data", {
        "accounts": [{"account_id": a, "created_at": "2023-12-01"} for a in "ABCD"]
        + [{"account_id": "T", "created_at": "2023-12-01", "is_test": "true"}],
        "invoice_line_items": LINES,
        "users": USERS,
    })
    return build_ok(folder / "data", folder / "arpu.duckdb")


def by_month(build, table):
    rows = build.dicts(f"select * from main.{table} order by month")
    return {(r["month"].year, r["month"].month): r for r in rows}


@pytest.fixture(scope="module")
def mart(build):
    return by_month(build, "mart_arpu_monthly")


def test_one_row_per_month_through_the_as_of_month(mart):
    assert list(mart) == MONTHS


def test_counts_mrr_and_ratios(mart):
    for ym in MONTHS:
        row, paying = mart[ym], MRR.get(ym, {})
        accounts, users = len(paying), sum(USER_COUNT[a] for a in paying)
        mrr = sum(paying.values(), D(0))
        assert row["paying_accounts"] == accounts, ym
        assert row["paying_users"] == users, ym
        assert row["mrr"] == mrr, ym
        assert row["arr"] == 12 * mrr, ym
        if accounts:
            assert row["arpa"] == pytest.approx(float(mrr / accounts), abs=1e-6)
            assert row["annual_arpa"] == pytest.approx(float(12 * mrr / accounts), abs=1e-6)
            assert row["arpu"] == pytest.approx(float(mrr / users), abs=1e-6)
            assert row["annual_arpu"] == pytest.approx(float(12 * mrr / users), abs=1e-6)
        else:
            assert row["arpa"] is None and row["arpu"] is None and row["annual_arpa"] is None


def test_a_month_in_which_nobody_pays(mart):
    june = mart[(2024, 6)]
    assert (june["paying_accounts"], june["paying_users"], june["mrr"]) == (0, 0, 0)
    assert june["total_revenue"] == 0
    for column in ("arpa", "arpu", "arpa_period_avg", "new_arpa", "gross_arpa", "total_arpa",
                   "arpa_stddev", "arpa_median", "arpa_mom_change"):
        assert june[column] is None, column
    # July compares with June, which has no ARPA.
    assert mart[(2024, 7)]["arpa_mom_change"] is None


def test_arpa_period_avg(mart):
    # Jan: 400 / ((0 + 2) / 2); Mar: 660 / ((2 + 3) / 2); Jul: 860 / ((0 + 3) / 2).
    assert mart[(2024, 1)]["arpa_period_avg"] == pytest.approx(400.0, abs=1e-6)
    assert mart[(2024, 3)]["arpa_period_avg"] == pytest.approx(660 / 2.5, abs=1e-6)
    assert mart[(2024, 7)]["arpa_period_avg"] == pytest.approx(860 / 1.5, abs=1e-6)
    # Jan 2025: 600 / ((3 + 2) / 2).
    assert mart[(2025, 1)]["arpa_period_avg"] == pytest.approx(600 / 2.5, abs=1e-6)


def test_new_accounts_are_those_in_their_first_paying_month(mart):
    expected = {(2024, 1): ["A", "B"], (2024, 3): ["C"], (2024, 7): ["D"]}
    for ym in MONTHS:
        new = expected.get(ym, [])
        row = mart[ym]
        assert row["new_accounts"] == len(new), ym
        if new:
            mrr = sum(MRR[ym][a] for a in new)
            assert row["new_arpa"] == pytest.approx(float(mrr / len(new)), abs=1e-6)
            assert row["new_arpu"] == pytest.approx(
                float(mrr / sum(USER_COUNT[a] for a in new)), abs=1e-6)
        else:
            assert row["new_arpa"] is None and row["new_arpu"] is None
    # A paying again in July after June is a reactivation, not new.
    assert mart[(2024, 7)]["new_arpa"] == pytest.approx(500.0)


def test_gross_mrr_and_arpa(mart):
    for ym in MONTHS:
        paying = MRR.get(ym, {})
        gross = sum((GROSS[a] for a in paying), D(0))
        assert mart[ym]["gross_mrr"] == gross, ym
        if paying:
            assert mart[ym]["gross_arpa"] == pytest.approx(float(gross / len(paying)), abs=1e-6)


def test_total_revenue_and_total_arpa(mart):
    for ym in MONTHS:
        expected = total_revenue(ym)
        assert abs(mart[ym]["total_revenue"] - expected) < D("0.000001"), ym
        if MRR.get(ym):
            assert mart[ym]["total_arpa"] == pytest.approx(
                float(expected / len(MRR[ym])), abs=1e-6)


def test_dispersion_population_stddev_and_percentiles(mart):
    # March 2024: 100, 260, 300.  July 2024: 100, 260, 500.
    for ym, values in (((2024, 3), [100, 260, 300]), ((2024, 7), [100, 260, 500])):
        row = mart[ym]
        mean = sum(values) / 3
        stddev = math.sqrt(sum((v - mean) ** 2 for v in values) / 3)
        assert row["arpa_stddev"] == pytest.approx(stddev, abs=1e-6)
        assert row["arpa_stddev"] == pytest.approx(statistics.pstdev(values), abs=1e-6)
        assert row["arpa_cv"] == pytest.approx(stddev / mean, abs=1e-6)
        low, mid, high = sorted(values)
        # Linear interpolation at (n - 1) * p: 0.5, 1, 1.5 and 1.8.
        assert float(row["arpa_p25"]) == pytest.approx(low + 0.5 * (mid - low), abs=1e-6)
        assert float(row["arpa_median"]) == pytest.approx(mid, abs=1e-6)
        assert float(row["arpa_p75"]) == pytest.approx(mid + 0.5 * (high - mid), abs=1e-6)
        assert float(row["arpa_p90"]) == pytest.approx(mid + 0.8 * (high - mid), abs=1e-6)


def test_month_over_month_changes(mart):
    # Feb: 200 -> 200.  Mar: ARPA 660 / 3 = 220 against 200: +10%.
    assert mart[(2024, 1)]["arpa_mom_change"] is None
    assert mart[(2024, 2)]["arpa_mom_change"] == pytest.approx(0.0, abs=1e-9)
    assert mart[(2024, 3)]["arpa_mom_change"] == pytest.approx(0.1, abs=1e-6)
    # ARPU: Feb 400 / 3; Mar 660 / 7.
    assert mart[(2024, 3)]["arpu_mom_change"] == pytest.approx((660 / 7) / (400 / 3) - 1, abs=1e-6)
    # Jan 2025: A + D = 600 over 2 against Dec's 860 over 3.
    assert mart[(2025, 1)]["arpa_mom_change"] == pytest.approx(300 / (860 / 3) - 1, abs=1e-6)


def test_t12m_revenue_appears_from_the_12th_month(mart):
    for index, ym in enumerate(MONTHS, start=1):
        row = mart[ym]
        if index < 12:
            assert row["t12m_revenue"] is None, ym
            assert row["t12m_revenue_per_account"] is None, ym
            continue
        window = MONTHS[index - 12:index]
        expected = sum(total_revenue(m) for m in window)
        assert abs(row["t12m_revenue"] - expected) < D("0.000001"), ym
        average_accounts = sum(len(MRR.get(m, {})) for m in window) / 12
        assert row["t12m_revenue_per_account"] == pytest.approx(
            float(expected) / average_accounts, abs=1e-6)


def months_before(ym, k):
    year, month = ym
    index = year * 12 + month - 1 - k
    return (index // 12, index % 12 + 1)


def test_revenue_retention_from_the_mrr_by_hand(build):
    """metrics.md section 15, applied to the MRR table above: a month in
    which nobody pays (June), a base that all churned (June over May), an
    account back from outside the base (A in July), a test account."""
    retention = by_month(build, "mart_revenue_retention")
    assert list(retention) == MONTHS
    for ym in MONTHS:
        row = retention[ym]
        for k in (1, 12):
            base = MRR.get(months_before(ym, k), {})
            now = MRR.get(ym, {})
            if base:
                net = sum(now.get(a, D(0)) for a in base) / sum(base.values())
                gross = sum(min(now.get(a, D(0)), v) for a, v in base.items()) / sum(base.values())
                assert row[f"nrr_{k}m"] == pytest.approx(float(net), rel=1e-12), (ym, k)
                assert row[f"grr_{k}m"] == pytest.approx(float(gross), rel=1e-12), (ym, k)
            else:
                assert row[f"nrr_{k}m"] is None and row[f"grr_{k}m"] is None, (ym, k)
        assert row["accounts_12m_ago"] == len(MRR.get(months_before(ym, 12), {}))
        paying = sorted(MRR.get(ym, {}).values(), reverse=True)
        if paying:
            top_decile = paying[:math.ceil(len(paying) / 10)]
            assert row["top10_mrr_share"] == pytest.approx(
                float(sum(paying[:10]) / sum(paying)), rel=1e-12)
            assert row["top_decile_mrr_share"] == pytest.approx(
                float(sum(top_decile) / sum(paying)), rel=1e-12)
        else:
            assert row["top10_mrr_share"] is None and row["top_decile_mrr_share"] is None
    # The worked values: June over May (A, B, C all gone), July (nobody paid
    # in June), January 2025 over January 2024 (A 100 of A 100 and B 300).
    assert retention[(2024, 6)]["nrr_1m"] == 0
    assert retention[(2024, 7)]["nrr_1m"] is None
    assert retention[(2025, 1)]["nrr_12m"] == pytest.approx(0.25, rel=1e-12)
    # Quick ratio of March: new 260 (C) and nothing lost; of June: 660 lost.
    assert retention[(2024, 3)]["quick_ratio"] is None
    assert retention[(2024, 6)]["quick_ratio"] == 0
    # July: new D 500, A back with 100, C back with 260; nothing lost.
    assert retention[(2024, 7)]["quick_ratio"] is None
