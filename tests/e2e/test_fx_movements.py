"""MRR movements split into an FX effect and a business change (metrics.md
section 10), worked out by hand. Reporting currency USD; every line is paid
and runs from the 1st to the 1st; the as-of date is Mar 1 2024.

Rates to USD, by invoice date:      Jan 1   Feb 1   Mar 1
    EUR                              1.08    1.10    1.12
    GBP                              1.25    1.27    1.30

    account    lines (in their currency)                  MRR in USD: Jan     Feb     Mar
    eur_flat   EUR 100 a month                                         108     110     112
    eur_seats  EUR 30 a seat: 10 seats, then 12 from Feb               324     396     403.2
    usd_up     USD 200, then 250 from Feb                              200     250     250
    eur_down   EUR 100, then 99 from Feb                               108     108.9   110.88
    blend      EUR 600 a year from Jan (54 a month at 1.08)           75.6    76      87.6
               + EUR 20 a month, + EUR 10 more in Mar
    two        EUR 100 a month + GBP 100 a month, GBP 50 in Mar        233     237     177
    annual     EUR 1,200 a year from Jan (108 a month at 1.08)         108     108     108
    switch     EUR 100 in Jan, then USD 120                            108     120     120
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from conftest import build_ok, write_tables

JAN, FEB, MAR = (dt.date(2024, m, 1) for m in (1, 2, 3))


def line(account, currency, amount, start, months=1, suffix=""):
    """One paid recurring line of `months` months from `start`."""
    end = dt.date(start.year + (start.month + months - 1) // 12, (start.month + months - 1) % 12 + 1, 1)
    return {
        "line_item_id": f"{account}_{start:%Y%m}{suffix}", "invoice_id": f"i_{account}_{start:%Y%m}",
        "account_id": account, "charge_type": "recurring", "amount": amount,
        "currency": currency, "period_start": str(start), "period_end": str(end),
        "invoice_date": str(start), "invoice_status": "paid",
    }


def each_month(account, currency, amounts, suffix=""):
    """A monthly line per month: amounts for Jan, Feb, Mar (None: no line)."""
    return [line(account, currency, amount, month, suffix=suffix)
            for month, amount in zip((JAN, FEB, MAR), amounts) if amount is not None]


LINES = (
    each_month("eur_flat", "EUR", ["100", "100", "100"])
    + each_month("eur_seats", "EUR", ["300", "360", "360"])
    + each_month("usd_up", "USD", ["200", "250", "250"])
    + each_month("eur_down", "EUR", ["100", "99", "99"])
    + [line("blend", "EUR", "600", JAN, months=12, suffix="y")]
    + each_month("blend", "EUR", ["20", "20", "20"])
    + each_month("blend", "EUR", [None, None, "10"], suffix="b")
    + each_month("two", "EUR", ["100", "100", "100"])
    + each_month("two", "GBP", ["100", "100", "50"], suffix="g")
    + [line("annual", "EUR", "1200", JAN, months=12)]
    + each_month("switch", "EUR", ["100", None, None])
    + each_month("switch", "USD", [None, "120", "120"])
)

RATES = [
    {"rate_date": date, "currency": currency, "rate_to_reporting": rate}
    for currency, rates in (("EUR", ("1.08", "1.10", "1.12")), ("GBP", ("1.25", "1.27", "1.30")))
    for date, rate in zip(("2024-01-01", "2024-02-01", "2024-03-01"), rates)
]

ACCOUNTS = ["eur_flat", "eur_seats", "usd_up", "eur_down", "blend", "two", "annual", "switch"]


def fx(orig_before, rep_before, orig_now, rep_now):
    """Section 10: rep_c(M) - orig_c(M) * rep_c(M-1) / orig_c(M-1), exact
    (numbers are taken as written: Decimal(str(108.9)) is 108.9)."""
    orig_before, rep_before, orig_now, rep_now = (
        Decimal(str(v)) for v in (orig_before, rep_before, orig_now, rep_now))
    return rep_now - orig_now * rep_before / orig_before


def rounded(value):
    return Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


MRR = {  # account: MRR in USD in Jan, Feb, Mar (see the table above)
    "eur_flat": ("108", "110", "112"),
    "eur_seats": ("324", "396", "403.2"),
    "usd_up": ("200", "250", "250"),
    "eur_down": ("108", "108.9", "110.88"),
    "blend": ("75.6", "76", "87.6"),
    "two": ("233", "237", "177"),
    "annual": ("108", "108", "108"),
    "switch": ("108", "120", "120"),
}

# account: (movement type, FX effect) in Feb and in Mar, each worked out with
# the formula and its value written out by hand.
FX_BY_HAND = {
    FEB: {
        # 110 - 100 * 108 / 100 = 2: the rate alone moved.
        "eur_flat": ("unchanged", fx(100, 108, 100, 110)),
        # 396 - 360 * 324 / 300 = 396 - 388.8 = 7.2; business 72 - 7.2 = 64.8,
        # the 2 new seats (EUR 60) at January's 1.08.
        "eur_seats": ("expansion", fx(300, 324, 360, 396)),
        # USD only: no FX effect, the whole +50 is expansion.
        "usd_up": ("expansion", Decimal(0)),
        # 108.9 - 99 * 108 / 100 = 108.9 - 106.92 = 1.98; business 0.9 - 1.98
        # = -1.08 (EUR 1 at 1.08): a contraction although MRR went up 0.9.
        "eur_down": ("contraction", fx(100, 108, 99, 108.9)),
        # EUR 70 both months, 75.6 -> 76 (the annual part keeps its 1.08):
        # 76 - 70 * 75.6 / 70 = 0.4 (= EUR 20 * (1.10 - 1.08)).
        "blend": ("unchanged", fx(70, 75.6, 70, 76)),
        # EUR 110 - 100 * 108 / 100 = 2, GBP 127 - 100 * 125 / 100 = 2: 4.
        "two": ("unchanged", fx(100, 108, 100, 110) + fx(100, 125, 100, 127)),
        # Converted once, keeps its rate: 108 - 100 * 108 / 100 = 0.
        "annual": ("unchanged", fx(100, 108, 100, 108)),
        # EUR in January only: no currency positive in both months; +12 is
        # business change.
        "switch": ("expansion", Decimal(0)),
    },
    MAR: {
        "eur_flat": ("unchanged", fx(100, 110, 100, 112)),            # 2
        "eur_seats": ("unchanged", fx(360, 396, 360, 403.2)),  # 7.2
        "usd_up": ("unchanged", Decimal(0)),
        "eur_down": ("unchanged", fx(99, 108.9, 99, 110.88)),  # 1.98
        # EUR 70 -> 80, USD 76 -> 87.6: 87.6 - 80 * 76 / 70 = 87.6 -
        # 86.857142857... = 0.742857142857... -> 0.742857; business 11.6 -
        # 0.742857 = 10.857143 (EUR 10 at February's blended 76 / 70).
        "blend": ("expansion", fx(70, 76, 80, 87.6)),
        # EUR 112 - 100 * 110 / 100 = 2; GBP 65 - 50 * 127 / 100 = 1.5: 3.5;
        # business 177 - 237 - 3.5 = -63.5 (GBP 50 at 1.27).
        "two": ("contraction", fx(100, 110, 100, 112) + fx(100, 127, 50, 65)),
        "annual": ("unchanged", fx(100, 108, 100, 108)),
        "switch": ("unchanged", Decimal(0)),
    },
}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fx")
    write_tables(folder / "data", {
        "accounts": [{"account_id": a, "created_at": "2023-12-01"} for a in ACCOUNTS],
        "invoice_line_items": LINES,
        "fx_rates": RATES,
    })
    return build_ok(folder / "data", folder / "arpu.duckdb")


def test_the_hand_worked_effects_are_what_the_comments_say():
    # The formula's values, checked against the arithmetic in the comments.
    feb, mar = FX_BY_HAND[FEB], FX_BY_HAND[MAR]
    assert feb["eur_flat"][1] == Decimal("2")
    assert feb["eur_seats"][1] == Decimal("7.2")
    assert feb["eur_down"][1] == Decimal("1.98")
    assert feb["blend"][1] == Decimal("0.4")
    assert feb["two"][1] == Decimal("4")
    assert feb["annual"][1] == 0
    assert rounded(mar["blend"][1]) == Decimal("0.742857")
    assert mar["two"][1] == Decimal("3.5")


def test_the_account_mrr_is_as_in_the_table(build):
    rows = build.rows("select account_id, month, mrr from main.dim_active_customers")
    got = {(account, month): mrr for account, month, mrr in rows}
    for account, values in MRR.items():
        for month, value in zip((JAN, FEB, MAR), values):
            assert got[(account, month)] == Decimal(value), (account, month)


@pytest.mark.parametrize("month", [FEB, MAR])
def test_each_account_splits_into_fx_and_business_change(build, month):
    rows = build.dicts("select * from main.int_account_mrr_movements "
                       f"where month = '{month}'", work=True)
    got = {row["account_id"]: row for row in rows}
    index = (JAN, FEB, MAR).index(month)
    for account, (movement_type, effect) in FX_BY_HAND[month].items():
        row = got[account]
        fx_mrr = rounded(effect)
        business = Decimal(MRR[account][index]) - Decimal(MRR[account][index - 1]) - fx_mrr
        assert row["movement_type"] == movement_type, account
        assert row["fx_mrr"] == fx_mrr, account
        assert row["expansion_mrr"] == max(business, 0), account
        assert row["contraction_mrr"] == max(-business, 0), account
        assert row["new_mrr"] == 0 and row["churned_mrr"] == 0


def test_an_fx_only_change_is_neither_expansion_nor_contraction(build):
    (row,) = build.dicts("select * from main.int_account_mrr_movements "
                         "where account_id = 'eur_flat' and month = '2024-02-01'", work=True)
    assert row["movement_type"] == "unchanged"
    assert row["expansion_mrr"] == 0 and row["contraction_mrr"] == 0
    assert row["fx_mrr"] == Decimal("2")          # 100 EUR: 1.08 -> 1.10


def test_a_seat_upgrade_in_eur_is_expansion_at_last_months_rate(build):
    (row,) = build.dicts("select * from main.int_account_mrr_movements "
                         "where account_id = 'eur_seats' and month = '2024-02-01'", work=True)
    assert row["fx_mrr"] == Decimal("7.2")         # 396 - 360 * 324 / 300
    assert row["expansion_mrr"] == Decimal("64.8")  # 72 - 7.2 = EUR 60 * 1.08
    assert row["contraction_mrr"] == 0


def test_the_movements_mart_by_hand(build):
    rows = {row["month"]: row for row in build.dicts("select * from main.mart_mrr_movements")}
    columns = ("opening_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr",
               "churned_mrr", "fx_mrr", "closing_mrr", "new_accounts", "reactivated_accounts",
               "churned_accounts")
    expected = {
        # Jan: every account new; 108 + 324 + 200 + 108 + 75.6 + 233 + 108 + 108.
        JAN: ("0", "1264.6", "0", "0", "0", "0", "0", "1264.6", 8, 0, 0),
        # Feb: expansion 64.8 (eur_seats) + 50 (usd_up) + 12 (switch) = 126.8;
        # contraction 1.08 (eur_down); fx 2 + 7.2 + 1.98 + 0.4 + 4 = 15.58;
        # 1264.6 + 126.8 - 1.08 + 15.58 = 1405.9.
        FEB: ("1264.6", "0", "126.8", "0", "1.08", "0", "15.58", "1405.9", 0, 0, 0),
        # Mar: expansion 10.857143 (blend); contraction 63.5 (two); fx 2 +
        # 7.2 + 1.98 + 0.742857 + 3.5 = 15.422857;
        # 1405.9 + 10.857143 - 63.5 + 15.422857 = 1368.68.
        MAR: ("1405.9", "0", "10.857143", "0", "63.5", "0", "15.422857", "1368.68", 0, 0, 0),
    }
    for month, values in expected.items():
        got = tuple(rows[month][c] for c in columns)
        want = tuple(Decimal(v) if isinstance(v, str) else v for v in values)
        assert got == want, month
    # The same totals from the per-account hand values.
    for month in (FEB, MAR):
        assert rows[month]["fx_mrr"] == sum(rounded(e) for _, e in FX_BY_HAND[month].values())
    for row in rows.values():
        assert row["closing_mrr"] == (
            row["opening_mrr"] + row["new_mrr"] + row["expansion_mrr"] + row["reactivation_mrr"]
            - row["contraction_mrr"] - row["churned_mrr"] + row["fx_mrr"])


def test_the_bridge_is_unchanged_by_fx(build):
    # Section 13 explains the whole change, FX included: Feb 1405.9 - 1264.6.
    (row,) = build.dicts("select * from main.mart_mrr_bridge where month = '2024-02-01'")
    assert float(row["mrr_change"]) == pytest.approx(141.3, abs=1e-9)
    assert row["customer_effect"] == pytest.approx(0, abs=1e-9)
    assert row["arpa_effect"] == pytest.approx(141.3, abs=1e-9)
