"""`arpu build --source stripe` on a hand-made Stripe export
(tests/fixtures/stripe/, Fivetran's table and column names), with every
expected number worked out by hand below from docs/metrics.md and the
Stripe mapping (docs/stripe.md). Nothing here is read back from the
pipeline.

Reporting currency USD; amounts in the files are integer minor units
(USD cents, JPY whole yen). JPY rates (fx_rates.csv): 0.0064 from Jan 1,
0.0066 from Feb 1, 0.0068 from Apr 1 2025. No --as-of: the as-of date is
the latest paid or open invoice date of a real account, 2025-05-01 (A, C,
D); the test customer's invoice of May 20 and A's draft of May 20 do not
move it. Months reported: Jan to May 2025.

  customer          invoices (date = finalized_at)      what it carries
  cus_a Acme (US)   monthly seats, 1st of the month     5 seats x $20 = $100 Jan-Feb; seat change
                    in_a1..in_a5; in_a2p Feb 15         5 -> 8 on Feb 15: proration -$50 (unused)
                                                        and +$80 (remaining) for [Feb 15, Mar 1);
                                                        8 seats = $160 Mar-May; a metered usage
                                                        line $12.50 for Feb on in_a3; a void
                                                        credit note on in_a1 (not read); a draft
                                                        invoice in_a_draft of $999 (not read)
  cus_b Beta (DE)   in_b1 Jan 10 (annual)               $1,200 a year [2025-01-10, 2026-01-10),
                                                        two coupons on the line ($100 + $50), a
                                                        $250 setup fee (invoiceitem, start = end),
                                                        tax $247; credit note cn_b (issued) on the
                                                        annual line: 13200 - 1200 = $120, paid by
                                                        refund re_b (named by the credit note, so
                                                        not spread again)
  cus_c Chiyoda     in_c1..in_c5 monthly, JPY           15,000 yen a month + 1,500 yen tax;
        (JP)        in_c4 created Mar 31 23:00,         charge refund re_c4 of 1,000 yen on in_c4
                    finalized Apr 1 00:30               (no credit note), spread over its 2 lines;
                    in_c5 open                          FX movements
  cus_d Delta (US)  in_d2 Feb 1, in_d3 Mar 1, in_d5     $30 starter + $7 add-on + $3.33 tax; charge
                    May 1 (nothing in April)            refund re_d3 of $10 on in_d3 spread over 3
                                                        lines; a failed refund (not read); churns
                                                        in Apr, reactivates in May
  cus_e Echo (GB)   in_e1 Jan 1, in_e2 Feb 1;           soft-deleted customer (is_deleted): still
                    in_e3 Mar 1 is_deleted (not read)   counts; $80 a month (plan_id only, no
                                                        price_id); churns in Mar
  cus_t Test (US)   in_t1 Jan 1, in_t6 May 20           livemode false: a test account, excluded
  (no customer)     refund re_orphan on ch_orphan       a charge without an invoice: quarantined

Line ids are coalesce(unique_id, id): A's subscription lines all have the
(legacy) id `sub_a`, told apart by unique_id; C's and E's have no unique_id.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import ROOT, build_ok

D = Decimal
FIXTURE = ROOT / "tests" / "fixtures" / "stripe"
JAN, FEB, MAR, APR, MAY = (dt.date(2025, m, 1) for m in range(1, 6))
MONTHS = [JAN, FEB, MAR, APR, MAY]

# --- Hand arithmetic -------------------------------------------------------
#
# Period months (metrics.md section 2): monthly lines [1st, 1st) are 1 whole
# month; B's [2025-01-10, 2026-01-10) is 12 whole months; the proration
# [Feb 15, Mar 1) is 14 days, not whole: 14 / 30.4375 months.
#
# A's proration lines (reading 4 of metrics.md: normalized literally):
#   unused  -50 / (14 / 30.4375) = -50 * 30.4375 / 14 = -1521.875 / 14 = -108.705357142857...
#   remain  +80 / (14 / 30.4375) =  80 * 30.4375 / 14 =  2435 / 14    =  173.928571428571...
#   together 30 * 30.4375 / 14 = 913.125 / 14 = 65.2232142857... ; they cover
#   Feb's snapshot (Feb 15 <= Feb 28 < Mar 1) and no other.
PRORATION_UNUSED = D("-1521.875") / 14
PRORATION_REMAINING = D("2435") / 14
# A in Feb: 100 + 65.2232142857... = 165.2232142857..., rounded to 6 places.
A_FEB = D("165.223214")

# B: 1,200 list - 150 discount (two coupons, 10000 + 5000 cents) - 120
# credit note (13200 - 1200 cents) = 930 net for 12 months = 77.5 a month.
# Gross (list): 1200 / 12 = 100. Refund re_b is named by cn_b: not read again.
B_MRR, B_GROSS = D("77.5"), D(100)

# C (JPY, monthly, 15,000 yen), converted at the rate on or before the
# invoice date: Jan 15000 * 0.0064 = 96; Feb and Mar 15000 * 0.0066 = 99;
# in_c4 is finalized Apr 1 (created Mar 31): rate 0.0068. Refund re_c4 of
# 1,000 yen over in_c4's lines il_c4 (15,000) and in_c4-tax (1,500), net
# 16,500, in line_item_id order: il_c4 floor(1000 * 15000 / 16500) =
# floor(909.09) = 909 yen; the tax line, last, the remainder 1000 - 909 = 91.
# Apr: (15000 - 909) * 0.0068 = 14091 * 0.0068 = 95.8188. May: 15000 *
# 0.0068 = 102.
C_MRR = {JAN: D("96"), FEB: D("99"), MAR: D("99"), APR: D("95.8188"), MAY: D("102")}
C_GROSS = {JAN: D("96"), FEB: D("99"), MAR: D("99"), APR: D("102"), MAY: D("102")}

# D: 30 starter + 7 add-on a month (Feb, Mar, May). Refund re_d3 of 1000
# cents over in_d3's lines with positive net, in line_item_id order:
#   il_d3a     3000   floor(1000 * 3000 / 4033) = floor(743.86) = 743
#   il_d3b      700   floor(1000 *  700 / 4033) = floor(173.57) = 173
#   in_d3-tax   333   last: 1000 - 743 - 173 = 84   (pro rata would be 82.57)
# (Ordered by the raw Stripe ids instead - in_d3-tax, sli_d_addon,
# sli_d_basic - the split would be 82, 173, 745.)
# Mar: 30 - 7.43 = 22.57 and 7 - 1.73 = 5.27: 27.84. The failed refund
# re_d3_failed is not read.
D_MRR = {FEB: D("37"), MAR: D("27.84"), MAY: D("37")}

# MRR per account and month (snapshot = month end; May's is the as-of
# date May 1, which [May 1, Jun 1) lines and B's annual line cover).
MRR = {
    JAN: {"cus_a": D(100), "cus_b": B_MRR, "cus_c": C_MRR[JAN], "cus_e": D(80)},
    FEB: {"cus_a": A_FEB, "cus_b": B_MRR, "cus_c": C_MRR[FEB], "cus_d": D_MRR[FEB],
          "cus_e": D(80)},
    MAR: {"cus_a": D(160), "cus_b": B_MRR, "cus_c": C_MRR[MAR], "cus_d": D_MRR[MAR]},
    APR: {"cus_a": D(160), "cus_b": B_MRR, "cus_c": C_MRR[APR]},
    MAY: {"cus_a": D(160), "cus_b": B_MRR, "cus_c": C_MRR[MAY], "cus_d": D_MRR[MAY]},
}
# Totals:
#   Jan 100 + 77.5 + 96 + 80                = 353.5       over 4: ARPA 88.375
#   Feb 165.223214 + 77.5 + 99 + 37 + 80     = 458.723214  over 5: ARPA 91.7446428
#   Mar 160 + 77.5 + 99 + 27.84              = 364.34      over 4: ARPA 91.085
#   Apr 160 + 77.5 + 95.8188                 = 333.3188    over 3: ARPA 111.1062666...
#   May 160 + 77.5 + 102 + 37                = 376.5       over 4: ARPA 94.125
MONTHLY = {
    JAN: (4, D("353.5")),
    FEB: (5, D("458.723214")),
    MAR: (4, D("364.34")),
    APR: (3, D("333.3188")),
    MAY: (4, D("376.5")),
}
# Gross MRR (list amounts: no discounts, no refunds), over the paying accounts:
#   Jan 100 + 100 + 96 + 80                        = 376
#   Feb 165.223214 + 100 + 99 + 37 + 80            = 481.223214 (A's lines have no discount)
#   Mar 160 + 100 + 99 + 37                        = 396
#   Apr 160 + 100 + 102                            = 362
#   May 160 + 100 + 102 + 37                       = 399
GROSS_MRR = {JAN: D("376"), FEB: D("481.223214"), MAR: D("396"), APR: D("362"),
             MAY: D("399")}
NEW_ACCOUNTS = {JAN: 4, FEB: 1, MAR: 0, APR: 0, MAY: 0}  # D comes back in May: reactivation

# Movements (section 10):
#   Jan: A, B, C, E new: 353.5.
#   Feb: D new 37. A 100 -> 165.223214: expansion 65.223214. C 96 -> 99:
#        FX = rep(Feb) - orig(Feb) * rep(Jan) / orig(Jan) = 99 - 15000 * 96 / 15000 = 3,
#        business change 99 - 96 - 3 = 0. Closing 353.5 + 37 + 65.223214 + 3 = 458.723214.
#   Mar: E churns (80). A 165.223214 -> 160: contraction 5.223214; D 37 -> 27.84:
#        contraction 9.16; together 14.383214. C 99 -> 99 at the same rate.
#        Closing 458.723214 - 80 - 14.383214 = 364.34.
#   Apr: D churns (27.84). C 99 -> 95.8188: FX = 95.8188 - 14091 * 99 / 15000
#        = 95.8188 - 93.0006 = 2.8182; business -3.1812 - 2.8182 = -5.9994:
#        contraction 5.9994 (= 909 yen at the old rate 0.0066).
#        Closing 364.34 - 27.84 - 5.9994 + 2.8182 = 333.3188.
#   May: D reactivates (37). C 95.8188 -> 102: FX = 102 - 15000 * 95.8188 / 14091
#        = 102 - 15000 * 0.0068 = 0; expansion 6.1812.
#        Closing 333.3188 + 37 + 6.1812 = 376.5.
MOVEMENT_COLUMNS = ("opening_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr",
                    "contraction_mrr", "churned_mrr", "fx_mrr", "closing_mrr",
                    "new_accounts", "reactivated_accounts", "churned_accounts")
MOVEMENTS = {
    JAN: ("0", "353.5", "0", "0", "0", "0", "0", "353.5", 4, 0, 0),
    FEB: ("353.5", "37", "65.223214", "0", "0", "0", "3", "458.723214", 1, 0, 0),
    MAR: ("458.723214", "0", "0", "0", "14.383214", "80", "0", "364.34", 0, 0, 1),
    APR: ("364.34", "0", "0", "0", "5.9994", "27.84", "2.8182", "333.3188", 0, 0, 1),
    MAY: ("333.3188", "0", "6.1812", "37", "0", "0", "0", "376.5", 0, 1, 0),
}

# Recognized revenue (section 5): service periods by days, one-off lines
# whole in their invoice month, tax never, days after the as-of date (May 1)
# not recognized. B's 930 net over the 365 days of [2025-01-10, 2026-01-10).
#   Jan: A 100 + B 930 * 22 / 365 + setup fee 250 + C 96 + E 80
#   Feb: A 100 + proration (-50 + 80, all 14 days in Feb) + usage 12.50 (for Feb)
#        + B 930 * 28 / 365 + C 99 + D 37 + E 80
#   Mar: A 160 + B 930 * 31 / 365 + C 99 + D 27.84
#   Apr: A 160 + B 930 * 30 / 365 + C 95.8188
#   May: one day (May 1) of 31 for A 160, C 102, D 37; B 930 * 1 / 365
TOTAL_REVENUE = {
    JAN: D(100) + D(930) * 22 / 365 + D(250) + D(96) + D(80),
    FEB: D(100) + D(30) + D("12.5") + D(930) * 28 / 365 + D(99) + D(37) + D(80),
    MAR: D(160) + D(930) * 31 / 365 + D(99) + D("27.84"),
    APR: D(160) + D(930) * 30 / 365 + D("95.8188"),
    MAY: (D(160) + D(102) + D(37)) / 31 + D(930) / 365,
}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripe")
    return build_ok(FIXTURE, folder / "arpu.duckdb", "--source", "stripe")


@pytest.fixture(scope="module")
def monthly(build):
    rows = build.dicts("select * from main.mart_arpu_monthly order by month")
    return {r["month"]: r for r in rows}


def close(value, expected, tolerance=D("1e-9")) -> bool:
    """fct_revenue's amounts are divided in double precision (billing
    contract, "Money"): equal to the hand value within 1e-9."""
    return value is not None and abs(value - D(str(expected))) < tolerance


def count(build, table, where):
    ((n,),) = build.rows(f"select count(*) from main.{table} where {where}")
    return n


def revenue_rows(build, line_item_id):
    return build.dicts("select * from main.fct_revenue where line_item_id = "
                       f"'{line_item_id}' order by month")


def test_as_of_date_and_months(build, monthly):
    # The latest paid/open invoice of a real account: May 1 (not the test
    # customer's May 20, not the draft's May 20).
    assert build.rows("select as_of_date from main.arpu_build_info") == [(MAY,)]
    assert list(monthly) == MONTHS


def test_mrr_paying_accounts_and_arpa(monthly):
    for month, (accounts, mrr) in MONTHLY.items():
        row = monthly[month]
        assert row["paying_accounts"] == accounts, month
        assert row["mrr"] == mrr, month
        assert sum(MRR[month].values()) == mrr  # the hand table agrees with itself
        assert row["arpa"] == pytest.approx(float(mrr / accounts), abs=1e-9), month
        # No users.csv: every paying account counts one user, ARPU = ARPA.
        assert row["paying_users"] == accounts, month
        assert row["new_accounts"] == NEW_ACCOUNTS[month], month
    # Spelled out: Jan 353.5 / 4 = 88.375; Apr 333.3188 / 3 = 111.10626666...
    assert monthly[JAN]["arpa"] == pytest.approx(88.375, abs=1e-9)
    assert monthly[APR]["arpa"] == pytest.approx(111.1062666666667, abs=1e-9)


def test_gross_mrr(monthly):
    for month, gross in GROSS_MRR.items():
        assert monthly[month]["gross_mrr"] == gross, month


def test_total_revenue(monthly):
    for month, expected in TOTAL_REVENUE.items():
        assert abs(monthly[month]["total_revenue"] - expected) < D("0.000001"), month
    # Jan by hand: 100 + 56.0547945... + 250 + 96 + 80 = 582.0547945...
    assert abs(monthly[JAN]["total_revenue"] - D("582.054794520548")) < D("0.000001")


def test_account_mrr(build):
    rows = build.rows("select month, account_id, mrr, gross_mrr from main.dim_active_customers")
    got = {(month, account): mrr for month, account, mrr, _ in rows}
    expected = {(month, account): mrr for month, accounts in MRR.items()
                for account, mrr in accounts.items()}
    assert got == expected


def test_mrr_movements(build):
    rows = {r["month"]: r for r in build.dicts("select * from main.mart_mrr_movements")}
    assert sorted(rows) == MONTHS
    for month, values in MOVEMENTS.items():
        expected = tuple(D(v) if isinstance(v, str) else v for v in values)
        assert tuple(rows[month][c] for c in MOVEMENT_COLUMNS) == expected, month


def test_charge_refund_split_in_cents_over_a_three_line_invoice(build):
    # il_d3a: 3000 - 743 cents = 22.57; il_d3b: 700 - 173 = 5.27 (see D_MRR).
    (basic,) = revenue_rows(build, "il_d3a")
    (addon,) = revenue_rows(build, "il_d3b")
    assert basic["month"] == MAR and addon["month"] == MAR
    assert close(basic["mrr_amount"], "22.57")
    assert close(addon["mrr_amount"], "5.27")
    assert close(basic["gross_mrr_amount"], 30) and close(addon["gross_mrr_amount"], 7)
    assert close(basic["recognized_revenue"], "22.57")  # 31 of 31 days
    # The refund restates March only: February's lines are whole.
    (feb,) = revenue_rows(build, "il_d2a")
    assert feb["month"] == FEB and close(feb["mrr_amount"], 30)
    # Tax lines are never revenue: no row in fct_revenue.
    assert count(build, "fct_revenue", "line_item_id like '%-tax'") == 0


def test_charge_refund_split_in_whole_yen(build):
    # il_c4: (15000 - 909) yen * 0.0068 = 95.8188; gross 15000 * 0.0068 = 102.
    (row,) = revenue_rows(build, "il_c4")
    assert row["month"] == APR
    assert close(row["mrr_amount"], "95.8188")
    assert close(row["gross_mrr_amount"], 102)
    assert close(row["recognized_revenue"], "95.8188")  # 30 of 30 days
    # Zero-decimal currency: 15000 yen is 15000 yen, not 150.
    (jan,) = revenue_rows(build, "il_c1")
    assert close(jan["mrr_amount"], 96)  # 15000 * 0.0064


def test_proration_after_a_seat_change(build):
    unused, remaining = revenue_rows(build, "il_a2p_unused"), revenue_rows(build, "il_a2p_rem")
    # One row each, February: [Feb 15, Mar 1) covers Feb's snapshot only.
    assert [r["month"] for r in unused] == [FEB]
    assert [r["month"] for r in remaining] == [FEB]
    (unused,), (remaining,) = unused, remaining
    for row in (unused, remaining):
        assert row["charge_type"] == "recurring"  # invoiceitem with proration true
        assert row["is_mrr_contribution"] is True
        assert row["recognized_days"] == 14  # Feb 15..28
        assert row["plan_id"] == "price_seat_monthly"
    assert close(unused["mrr_amount"], PRORATION_UNUSED)        # -108.705357142857
    assert close(remaining["mrr_amount"], PRORATION_REMAINING)  # 173.928571428571
    assert close(unused["recognized_revenue"], -50)
    assert close(remaining["recognized_revenue"], 80)


def test_annual_price_with_two_coupons_and_a_credit_note(build):
    rows = revenue_rows(build, "il_b1")
    assert [r["month"] for r in rows] == MONTHS
    for row in rows:
        # (120000 - 10000 - 5000 - (13200 - 1200)) cents / 12 = 930 / 12 = 77.5
        assert close(row["mrr_amount"], "77.5"), row["month"]
        assert close(row["gross_mrr_amount"], 100), row["month"]  # 1200 / 12
    # 930 * 22 / 365 in January.
    assert close(rows[0]["recognized_revenue"], D(930) * 22 / 365)


def test_setup_fee_and_usage_are_revenue_not_mrr(build):
    (setup,) = revenue_rows(build, "il_b1_setup")
    # invoiceitem, period_start = period_end: one_time, no service period,
    # whole in the invoice month.
    assert (setup["month"], setup["charge_type"], setup["is_recurring"]) == (JAN, "one_time", False)
    assert setup["mrr_amount"] == 0 and setup["recognized_days"] is None
    assert close(setup["recognized_revenue"], 250)
    usage = revenue_rows(build, "il_a3_api")
    assert [(r["month"], r["charge_type"], r["is_recurring"]) for r in usage] == [
        (FEB, "usage", False)]
    assert usage[0]["mrr_amount"] == 0 and close(usage[0]["recognized_revenue"], "12.5")


def test_draft_and_deleted_invoices_are_not_read(build):
    for invoice in ("in_a_draft", "in_e3"):
        assert count(build, "fct_revenue", f"invoice_id = '{invoice}'") == 0
        assert count(build, "rejected_invoice_line_items", f"invoice_id = '{invoice}'") == 0
    # The void credit note on in_a1 is not read either: A's January is whole.
    (a1,) = revenue_rows(build, "il_a1")
    assert a1["month"] == JAN and close(a1["mrr_amount"], 100)


def test_test_customer_excluded_and_soft_deleted_customer_counted(build):
    assert count(build, "fct_revenue", "account_id = 'cus_t'") == 0
    assert count(build, "dim_active_customers", "account_id = 'cus_t'") == 0
    echo = build.rows("select month, mrr from main.dim_active_customers "
                      "where account_id = 'cus_e' order by month")
    assert echo == [(JAN, D(80)), (FEB, D(80))]


def test_account_attributes_from_customer_metadata(build):
    rows = {r["account_id"]: r for r in build.dicts(
        "select * from main.dim_active_customers where month = '2025-02-01'")}
    acme = rows["cus_a"]
    assert (acme["account_name"], acme["employee_count"], acme["company_size"], acme["country"],
            acme["industry"], acme["acquisition_channel"]) == (
        "Acme Inc", 40, "smb", "US", "software", "paid search")
    assert (rows["cus_b"]["company_size"], rows["cus_b"]["country"]) == ("enterprise", "DE")
    assert (rows["cus_c"]["company_size"], rows["cus_c"]["country"]) == ("mid_market", "JP")
    assert (rows["cus_d"]["company_size"], rows["cus_d"]["industry"]) == ("unknown", "unknown")
    assert rows["cus_e"]["industry"] == "media"


def test_plan_tiers_from_product_metadata(build):
    # Feb: A pro (price_seat_monthly: 100 + proration), B business, C and E
    # team (E's lines carry plan_id only), D starter (30 against the add-on's 7).
    rows = build.rows("select segment_value, paying_accounts, mrr from main.mart_arpu_by_segment "
                      "where month = '2025-02-01' and segment_type = 'plan_tier' order by 1")
    assert rows == [("business", 1, D("77.5")), ("pro", 1, A_FEB),
                    ("starter", 1, D(37)), ("team", 2, D(179))]  # 99 + 80


def reasons(text):
    return [code.strip() for code in text.split(",")]


def test_refund_without_invoice_is_quarantined(build):
    rows = {key: (table, reasons(codes)) for table, key, codes in build.rows(
        "select source_table, row_key, rejection_reasons from main.rejected_rows")}
    # re_orphan: a succeeded refund of a charge without an invoice.
    table, codes = rows.pop("re_orphan")
    assert table == "refunds"
    assert "refund_without_invoice" in codes
    assert ("refunds", "refund_without_invoice") in build.rows(
        "select source_table, rejection_reason from main.rejected_rows_by_reason "
        "where row_key = 're_orphan'")
    # The only other rejected row: cn_b's custom line (not a refund of an
    # invoice line, so it cannot restate one; kept visible, out of revenue:
    # B's MRR above is 77.5 with it).
    assert {key: table for key, (table, _) in rows.items()} == {"cnli_b_custom": "refunds"}
    # Every Stripe line maps to a contract line that passes.
    assert count(build, "rejected_invoice_line_items", "true") == 0
