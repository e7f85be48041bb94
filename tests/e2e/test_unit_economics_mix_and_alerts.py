"""Unit economics, the ARPA mix decomposition and alerts, each on a base
made to match the seed articles' worked checks (metrics.md sections 11, 12
and 14)."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import build_ok, monthly_lines, span, write_tables

JAN, FEB, MAR = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


def accounts(names, **attributes):
    return [{"account_id": n, "created_at": "2023-12-01", **attributes} for n in names]


@pytest.fixture(scope="module")
def economics(tmp_path_factory):
    """25 accounts at 200 in January; in February one churns and one new
    account joins at 200, bought with 1,000 of spend: ARPA 200 both months,
    12-month churn 1 / 25 = 0.04. In March two of the 24 stayers churn and
    one more account joins at 200, with an accepted spend row of 0: 24
    paying, logo churn 2 / 25 = 0.08 but 12-month churn (0 + 1 + 2) / (25 +
    25) = 0.06. January has no spend row at all."""
    folder = tmp_path_factory.mktemp("economics")
    stay = [f"s{n:02d}" for n in range(24)]
    lines = []
    for name in stay:
        last = (2024, 2) if name in ("s00", "s01") else (2024, 3)
        lines += monthly_lines(name, "200", span((2024, 1), last))
    lines += monthly_lines("leaver", "200", [(2024, 1)])
    lines += monthly_lines("joiner", "200", span((2024, 2), (2024, 3)))
    lines += monthly_lines("joiner2", "200", [(2024, 3)])
    write_tables(folder / "data", {
        "accounts": accounts(stay + ["leaver", "joiner", "joiner2"]),
        "invoice_line_items": lines,
        "acquisition_spend": [
            {"month": "2024-02-01", "acquisition_channel": "paid", "amount": "600"},
            {"month": "2024-02-01", "amount": "400"},
            {"month": "2024-03-01", "acquisition_channel": "paid", "amount": "0"},
        ],
    })
    build = build_ok(folder / "data", folder / "arpu.duckdb")
    return {r["month"]: r for r in build.dicts("select * from main.mart_unit_economics")}


def test_ltv_4000_from_arpa_200_margin_08_churn_004(economics):
    february = economics[FEB]
    assert february["arpa"] == pytest.approx(200, abs=1e-9)
    assert february["churned_accounts"] == 1
    assert february["logo_churn_rate"] == pytest.approx(1 / 25, abs=1e-12)
    # Churned over Mar 2023..Feb 2024 / paying over Feb 2023..Jan 2024 = 1 / 25.
    assert february["churn_rate_12m"] == pytest.approx(0.04, abs=1e-12)
    assert february["gross_margin"] == pytest.approx(0.8)
    assert february["ltv"] == pytest.approx(200 * 0.8 / 0.04, abs=1e-6)
    assert february["ltv"] == pytest.approx(4000, abs=1e-6)


def test_cac_1000_with_new_arpa_200_pays_back_in_6_25_months(economics):
    february = economics[FEB]
    assert float(february["acquisition_spend"]) == 1000
    assert february["new_accounts"] == 1
    assert february["cac"] == pytest.approx(1000, abs=1e-9)
    assert february["cac_payback_months"] == pytest.approx(1000 / (200 * 0.8), abs=1e-9)
    assert february["cac_payback_months"] == pytest.approx(6.25, abs=1e-9)
    assert february["ltv_to_cac"] == pytest.approx(4.0, abs=1e-9)


def test_first_month_has_no_churn_rate(economics):
    january = economics[JAN]
    assert january["logo_churn_rate"] is None and january["churn_rate_12m"] is None
    assert january["ltv"] is None
    # 25 new accounts, no spend row: no data is not zero spend, CAC NULL.
    assert january["acquisition_spend"] is None
    assert january["cac"] is None and january["cac_payback_months"] is None
    assert january["ltv_to_cac"] is None


def test_ltv_uses_the_pooled_12_month_churn_not_the_logo_churn(economics):
    march = economics[MAR]
    assert march["paying_accounts"] == 24 and march["churned_accounts"] == 2
    assert march["arpa"] == pytest.approx(200, abs=1e-9)
    # Logo churn: 2 churned / 25 paying in February = 0.08.
    assert march["logo_churn_rate"] == pytest.approx(0.08, abs=1e-12)
    # Pooled: churned over Apr 2023..Mar 2024 = 0 + 1 + 2 = 3, over paying
    # in Mar 2023..Feb 2024 = 25 + 25 = 50: 0.06.
    assert march["churn_rate_12m"] == pytest.approx(0.06, abs=1e-12)
    # LTV = 200 * 0.8 / 0.06 = 2,666.67 (with the logo churn it would be 2,000).
    assert march["ltv"] == pytest.approx(8000 / 3, abs=1e-6)


def test_an_accepted_spend_of_0_is_a_cac_of_0(economics):
    march = economics[MAR]
    assert march["acquisition_spend"] == 0 and march["new_accounts"] == 1
    assert march["cac"] == 0
    # 0 / (200 * 0.8) = 0 months; LTV / 0 has no value.
    assert march["cac_payback_months"] == 0
    assert march["ltv_to_cac"] is None


@pytest.fixture(scope="module")
def mix(tmp_path_factory):
    """SMB (10 employees) at 100 and mid-market (200 employees) at 500:
    7 and 3 accounts in January, 5 and 5 in February. The two SMB accounts
    that leave (smb5, smb6) are in country DE, every other one in none."""
    folder = tmp_path_factory.mktemp("mix")
    smb_jan, smb_feb = [f"smb{n}" for n in range(7)], [f"smb{n}" for n in range(5)]
    mm_jan, mm_feb = [f"mm{n}" for n in range(3)], [f"mm{n}" for n in range(5)]
    lines = []
    for name in smb_jan:
        lines += monthly_lines(name, "100", [(2024, 1)] + ([(2024, 2)] if name in smb_feb else []))
    for name in mm_feb:
        lines += monthly_lines(name, "500", ([(2024, 1)] if name in mm_jan else []) + [(2024, 2)])
    write_tables(folder / "data", {
        "accounts": accounts(smb_feb, employee_count="10")
        + accounts(smb_jan[5:], employee_count="10", country_code="DE")
        + accounts(mm_feb, employee_count="200"),
        "invoice_line_items": lines,
    })
    build = build_ok(folder / "data", folder / "arpu.duckdb")
    return build


def test_mix_shift_70_30_to_50_50_is_a_mix_effect_of_80(mix):
    monthly = {r[0]: r[1] for r in mix.rows("select month, arpa from main.mart_arpu_monthly")}
    assert monthly[JAN] == pytest.approx(0.7 * 100 + 0.3 * 500)  # 220
    assert monthly[FEB] == pytest.approx(0.5 * 100 + 0.5 * 500)  # 300
    (row,) = mix.dicts("select * from main.mart_arpa_mix "
                       "where month = '2024-02-01' and segment_type = 'company_size'")
    assert row["arpa_change"] == pytest.approx(80, abs=1e-9)
    assert row["mix_effect"] == pytest.approx((0.5 - 0.7) * 100 + (0.5 - 0.3) * 500, abs=1e-9)
    assert row["mix_effect"] == pytest.approx(80, abs=1e-9)
    assert row["rate_effect"] == pytest.approx(0, abs=1e-9)
    assert row["interaction"] == pytest.approx(0, abs=1e-9)
    # January has no month before it: NULLs.
    (first,) = mix.dicts("select * from main.mart_arpa_mix "
                         "where month = '2024-01-01' and segment_type = 'company_size'")
    assert first["arpa_change"] is None and first["mix_effect"] is None


def test_a_segment_that_stops_paying_is_mix(mix):
    # country: January DE = smb5, smb6 (2 of 10, w 0.2, ARPA 100) and unknown
    # = 5 SMB + 3 MM (w 0.8, ARPA (500 + 1500) / 8 = 250); February unknown
    # only (w 1, ARPA 300). DE, paying in January only: mix -0.2 * 100 = -20.
    # unknown: rate 0.8 * (300 - 250) = 40, mix (1 - 0.8) * 250 = 50,
    # interaction 0.2 * 50 = 10. 40 + (50 - 20) + 10 = 80.
    (row,) = mix.dicts("select * from main.mart_arpa_mix "
                       "where month = '2024-02-01' and segment_type = 'country'")
    assert row["arpa_change"] == pytest.approx(80, abs=1e-9)
    assert row["rate_effect"] == pytest.approx(40, abs=1e-9)
    assert row["mix_effect"] == pytest.approx(30, abs=1e-9)
    assert row["interaction"] == pytest.approx(10, abs=1e-9)
    # DE has no February row in the segment mart.
    assert mix.rows("select month from main.mart_arpu_by_segment "
                    "where segment_type = 'country' and segment_value = 'DE'") == [(JAN,)]


def test_no_acquisition_spend_file_means_no_cac(mix):
    # The mix data has no acquisition_spend file at all. February: 2 new
    # accounts (mm3, mm4) and an LTV (300 * 0.8 / (2 / 10) = 1,200), but no
    # spend data: CAC, payback and LTV:CAC are NULL, not 0.
    rows = {r["month"]: r for r in mix.dicts("select * from main.mart_unit_economics")}
    february = rows[FEB]
    assert february["new_accounts"] == 2
    assert february["ltv"] == pytest.approx(1200, abs=1e-6)
    for month in (JAN, FEB):
        assert rows[month]["acquisition_spend"] is None
        assert rows[month]["cac"] is None
        assert rows[month]["cac_payback_months"] is None
        assert rows[month]["ltv_to_cac"] is None


def test_mix_of_one_segment_type_is_all_rate(mix):
    # Every account has industry unknown: one segment, so the change is rate.
    (row,) = mix.dicts("select * from main.mart_arpa_mix "
                       "where month = '2024-02-01' and segment_type = 'industry'")
    assert row["rate_effect"] == pytest.approx(80, abs=1e-9)
    assert row["mix_effect"] == pytest.approx(0, abs=1e-9)


@pytest.fixture(scope="module")
def alerts(tmp_path_factory):
    """Industry `big` has 10 accounts, `small` 9. All pay 100 in Jan and Mar,
    94.9 in Feb (-5.1%) and 95.1 in Apr (-4.9%). In May one new account
    joins at 10 (below the blended ARPA)."""
    folder = tmp_path_factory.mktemp("alerts")
    big, small = [f"big{n}" for n in range(10)], [f"small{n}" for n in range(9)]
    lines = []
    for name in big + small:
        lines += monthly_lines(name, "100", [(2024, 1)])
        lines += monthly_lines(name, "94.9", [(2024, 2)])
        lines += monthly_lines(name, "100", [(2024, 3)])
        lines += monthly_lines(name, "95.1", [(2024, 4), (2024, 5)])
    lines += monthly_lines("newbie", "10", [(2024, 5)])
    write_tables(folder / "data", {
        "accounts": accounts(big, industry="Big") + accounts(small, industry="small")
        + accounts(["newbie"], industry="other"),
        "invoice_line_items": lines,
    })
    return build_ok(folder / "data", folder / "arpu.duckdb")


def test_an_alert_fires_at_minus_5_1_and_not_at_minus_4_9(alerts):
    rows = alerts.rows("select month, alert_type, segment_type, segment_value, metric_value, threshold "
                       "from main.mart_arpu_alerts where month < '2024-05-01'")
    # Only February. Every segment type holds all 19 accounts in one value,
    # except industry, where `small` (9 accounts) is below the minimum of 10.
    single_values = {"company_size": "unknown", "plan_tier": "unknown", "tenure_band": "0-2m",
                     "region": "unknown", "country": "unknown", "acquisition_channel": "unknown"}
    expected = set()
    for metric in ("arpa", "arpu"):
        expected.add((FEB, f"{metric}_decline", "all", "all"))
        expected.add((FEB, f"{metric}_decline", "industry", "big"))
        for segment_type, value in single_values.items():
            expected.add((FEB, f"{metric}_decline", segment_type, value))
    assert {row[:4] for row in rows} == expected
    for row in rows:
        assert row[4] == pytest.approx(94.9 / 100 - 1, abs=1e-9)
        assert row[5] == pytest.approx(-0.05)


def test_new_customers_below_blended_arpa(alerts):
    rows = alerts.rows("select metric_value, threshold from main.mart_arpu_alerts "
                       "where alert_type = 'new_below_blended'")
    # May: new ARPA 10 against (19 * 95.1 + 10) / 20.
    assert rows == [(pytest.approx(10.0), pytest.approx((19 * 95.1 + 10) / 20))]


def test_the_summary_shows_segments_and_alerts(alerts):
    out = alerts.stdout
    assert "Segments by ARPA (at least 10 paying accounts), top and bottom:" in out
    # May: `big` has 10 accounts at 95.1; `small` (9) is too small to show.
    assert "industry=big" in out and "95.10  (10 accounts)" in out
    assert "industry=small" not in out
    assert "Alerts (1, whole base first, then the largest falls):" in out
    assert "new_below_blended  all accounts" in out
    assert "new ARPA 10.00 < blended 90.85" in out
