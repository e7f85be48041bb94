#!/usr/bin/env python3
"""Generate a deterministic folder of demo billing CSV files.

The files follow the billing input contract (billing-contract.md): one
``<table>.csv`` per contract table, header row, ``\\n`` line endings, empty
field = NULL, booleans ``true``/``false``, dates ``YYYY-MM-DD`` and
timestamps ``YYYY-MM-DD HH:MM:SS``.

The data is synthetic but shaped like a real B2B SaaS ledger: accounts that
sign up over the whole range, free plans and trials, monthly / quarterly /
annual / two-year billing, per-seat plans with prorated mid-period seat
upgrades, committed and metered usage, setup fees, tax lines, discounts,
credits, refunds, void and uncollectible invoices, churn and reactivation,
three currencies with moving FX rates, and acquisition spend.

A handful of deliberately broken rows is appended at the end (see
``_bad_rows``) so that the quarantine (rejected-rows model) has something to
show. Everything else is valid under the contract.

Usage::

    python scripts/generate_billing.py [--out DIR] [--seed N] [--accounts N]
                                       [--start-month YYYY-MM] [--months N]
                                       [--format csv|parquet] [--jobs N]
                                       [--shape contract|stripe]

With ``--shape stripe`` the same demo is written as Fivetran's Stripe tables
instead (see ``to_stripe``), for ``arpu build --source stripe``: it must
give the same marts as the contract files.

About 850,000 accounts over 36 months make about 10M invoice lines (see
CHUNK_ACCOUNTS for how large runs are split).

The output depends only on the arguments: the same arguments give
byte-identical files. Besides the standard library it reads only the
contract's columns, from the project (arpu.contract); all randomness comes
from one ``random.Random(seed)`` and all money is computed with ``Decimal``.
"""

import argparse
import calendar
import csv
import json
import os
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

# The contract's columns, in contract order, as the dbt project declares
# them (models/staging/billing/_billing__sources.yml, read by arpu.contract):
# the generator keeps no copy of its own.
PROJECT = Path(__file__).resolve().parents[1]
try:
    from arpu.contract import load_contract
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(PROJECT / "src"))
    from arpu.contract import load_contract

COLUMNS: dict[str, list[str]] = {
    table.name: list(table.columns) for table in load_contract(PROJECT)
}

CENT = Decimal("0.01")
ZERO = Decimal("0")
FX_QUANT = Decimal("0.000001")

# An account id that is never generated (numbering starts at 1): used by
# the deliberately bad rows that point at an unknown account.
UNKNOWN_ACCOUNT_ID = "acc_0000"
# A line item id that is never generated: used by the bad refund row.
UNKNOWN_LINE_ITEM_ID = "li_0000000"

MIN_ACCOUNTS = 40
MIN_MONTHS = 12

# --------------------------------------------------------------------------
# Catalogue.
# --------------------------------------------------------------------------
# plan_id, plan_name, tier, tier_rank, pricing_model.  The tier column keeps
# a little case variation on purpose (segments are lower-cased downstream).
PLANS = [
    ("plan_free", "Free", "free", 0, "flat"),
    ("plan_starter", "Starter", "starter", 1, "flat"),
    ("plan_starter_seat", "Starter Team", "Starter", 1, "per_seat"),
    ("plan_pro", "Pro", "pro", 2, "per_seat"),
    ("plan_pro_usage", "Pro Usage", "pro", 2, "usage"),
    ("plan_enterprise_seat", "Enterprise Seats", "enterprise", 3, "per_seat"),
    ("plan_enterprise", "Enterprise Platform", "Enterprise", 3, "hybrid"),
]
# A retired plan that still appears on a few subscriptions and lines but is
# no longer in the catalogue (plan tier "unknown" downstream; not an error).
LEGACY_PLAN = "plan_legacy_2023"


def _p(usd: str, eur: str, gbp: str) -> dict[str, Decimal]:
    return {"USD": Decimal(usd), "EUR": Decimal(eur), "GBP": Decimal(gbp)}


# Monthly list prices per component and currency.
#   flat   - fixed recurring fee per month
#   seat   - per seat per month
#   commit - committed usage minimum per month (usage line, is_committed)
#   unit   - metered overage price per unit (usage line, not committed)
PRICES: dict[str, dict[str, dict[str, Decimal]]] = {
    "plan_starter": {"flat": _p("49", "45", "39")},
    LEGACY_PLAN: {"flat": _p("79", "72", "62")},
    "plan_starter_seat": {"seat": _p("12", "11", "9.50")},
    "plan_pro": {"seat": _p("35", "32", "28")},
    "plan_pro_usage": {"commit": _p("400", "370", "320"),
                       "unit": _p("0.015", "0.014", "0.012")},
    "plan_enterprise_seat": {"seat": _p("65", "60", "52")},
    "plan_enterprise": {"flat": _p("1200", "1100", "950"),
                        "seat": _p("40", "37", "32"),
                        "commit": _p("800", "740", "640"),
                        "unit": _p("0.010", "0.0095", "0.008")},
}
ADDON_PRICE = _p("99", "90", "79")  # "priority support" add-on, no plan_id

SEAT_PLANS = ("plan_starter_seat", "plan_pro", "plan_enterprise_seat",
              "plan_enterprise")

# country, weight, billing currency, share billed in that currency
COUNTRIES = [
    ("US", 34, "USD"), ("GB", 14, "GBP"), ("DE", 12, "EUR"), ("FR", 8, "EUR"),
    ("NL", 6, "EUR"), ("CA", 6, "USD"), ("AU", 5, "USD"), ("ES", 4, "EUR"),
    ("IE", 4, "EUR"), ("SE", 4, "EUR"), ("IN", 3, "USD"),
]
INDUSTRIES = ["SaaS", "saas", "Fintech", "FinTech", "Healthcare",
              "healthcare ", "E-commerce", "e-commerce", "Education",
              "Manufacturing", "Media", "Logistics", None]
INDUSTRY_WEIGHTS = [14, 4, 8, 3, 8, 1, 9, 3, 6, 6, 5, 5, 6]
CHANNELS = ["Organic", "organic", " Organic", "Paid Search", "paid search",
            "Paid Social", "Referral", "Partner", "Outbound", "Events", None]
CHANNEL_WEIGHTS = [16, 5, 1, 14, 4, 9, 9, 7, 9, 5, 8]
# Channels with spend rows (lower-case, as they are grouped downstream).
SPEND_CHANNELS = [("events", 3000), ("outbound", 9000), ("paid search", 12000),
                  ("paid social", 7000), ("partner", 4000)]

NAME_A = ["Acme", "Blue", "Bright", "Cedar", "Delta", "Ember", "Falcon",
          "Granite", "Harbor", "Indigo", "Juniper", "Kite", "Lumen", "Maple",
          "Nimbus", "Orbit", "Pioneer", "Quartz", "River", "Summit", "Tidal",
          "Vertex", "Willow", "Zenith"]
NAME_B = ["Analytics", "Labs", "Logistics", "Health", "Foods", "Robotics",
          "Media", "Capital", "Learning", "Systems", "Studios", "Works",
          "Networks", "Retail", "Energy", "Software"]
NAME_C = ["Inc", "Ltd", "GmbH", "LLC", "SAS", "BV", "Co", "Group"]


# --------------------------------------------------------------------------
# Small helpers.
# --------------------------------------------------------------------------
def money(x: Decimal | int | str) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(d: date, n: int) -> date:
    """d + n calendar months, the day clamped to the month's length."""
    y, m0 = divmod(d.month - 1 + n, 12)
    y += d.year
    m = m0 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def fmt_date(d: date | None) -> str:
    return "" if d is None else d.strftime("%Y-%m-%d")


def fmt_ts(t: datetime | None) -> str:
    return "" if t is None else t.strftime("%Y-%m-%d %H:%M:%S")


def fmt_money(x: Decimal | None) -> str:
    if x is None:
        return ""
    q = money(x)
    if q == 0:
        q = abs(q)  # never write "-0.00"
    return format(q, "f")


def at_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0, 0, 0))


# --------------------------------------------------------------------------
# Domain objects.
# --------------------------------------------------------------------------
@dataclass
class Account:
    created_at: datetime
    segment: str
    employee_count: int | None
    country_raw: str | None
    currency: str
    industry: str | None
    channel: str | None
    is_test: str
    name: str | None
    journey: str
    plan: str
    interval: int
    seats: int
    churn_hazard: float
    tax_rate: Decimal | None = None
    tax_with_period: bool = False
    no_users: bool = False
    flags: dict = field(default_factory=dict)
    key: str = ""  # name of the fixed scenario, if any
    account_id: str = ""
    num: int = 0
    final_end: date | None = None


@dataclass
class Sub:
    seq: int
    account: Account
    plan_id: str | None
    started_at: datetime
    trial_ends_at: datetime | None = None
    ended_at: datetime | None = None
    sub_id: str = ""


@dataclass
class Line:
    charge_type: str
    amount: Decimal
    plan_id: str | None = None
    is_committed: str = ""  # "true" / "false" / "" (NULL)
    discount: Decimal | None = None
    quantity: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    main: bool = False  # the subscription fee line of its invoice
    line_id: str = ""

    def net(self) -> Decimal:
        return self.amount - (self.discount or ZERO)


@dataclass
class Invoice:
    seq: int
    account: Account
    sub: Sub | None
    inv_date: date
    currency: str
    lines: list[Line] = field(default_factory=list)
    force_status: str | None = None
    status: str = ""
    updated_at: datetime | None = None
    invoice_id: str = ""
    # refunds requested while generating: (line, "full" | "partial", pct)
    refund_requests: list[tuple[Line, str, int]] = field(default_factory=list)


# --------------------------------------------------------------------------
# Generator.
# --------------------------------------------------------------------------
class Generator:
    def __init__(self, seed: int, n_accounts: int, start: date, months: int):
        if n_accounts < MIN_ACCOUNTS:
            raise ValueError(f"accounts must be >= {MIN_ACCOUNTS}")
        if months < MIN_MONTHS:
            raise ValueError(f"months must be >= {MIN_MONTHS}")
        self.rng = random.Random(seed)
        self.n_accounts = n_accounts
        self.start = date(start.year, start.month, 1)
        self.months = months
        self.last_month = add_months(self.start, months - 1)
        self.range_end = add_months(self.start, months)  # exclusive
        # No invoice is dated after the cutoff: the latest paid invoice falls
        # in the last month, on or before its 20th.
        self.cutoff = self.last_month.replace(day=20)
        self.cutoff_end = datetime.combine(self.cutoff, time(23, 59, 59))
        self.recent_from = self.cutoff - timedelta(days=20)
        self.accounts: list[Account] = []
        self.subs: list[Sub] = []
        self.invoices: list[Invoice] = []
        self._inv_index: dict[tuple, Invoice] = {}
        self.refunds: list[tuple[Line, Invoice, Decimal, datetime]] = []
        self.users: list[tuple[str, datetime, datetime | None]] = []

    # -- random helpers ---------------------------------------------------
    def rand_time(self, d: date, lo_hour: int = 7, hi_hour: int = 20) -> datetime:
        r = self.rng
        return datetime.combine(
            d, time(r.randint(lo_hour, hi_hour), r.randint(0, 59), r.randint(0, 59)))

    def cap(self, t: datetime) -> datetime:
        return min(t, self.cutoff_end)

    # -- accounts -----------------------------------------------------------
    def forced_profiles(self) -> list[dict]:
        """Accounts with fixed scenarios, so that every feature of the data
        exists whatever the seed.  Their signup dates are relative to the
        start month (MIN_MONTHS keeps them all in range)."""
        s = self.start

        def day(month_offset: int, dom: int) -> date:
            m = add_months(s, month_offset)
            return m.replace(day=min(dom, calendar.monthrange(m.year, m.month)[1]))

        # first 31st of a month at least one month after the start
        m = add_months(s, 1)
        while calendar.monthrange(m.year, m.month)[1] != 31:
            m = add_months(m, 1)
        first_31 = m.replace(day=31)
        m = add_months(m, 1)
        while calendar.monthrange(m.year, m.month)[1] != 31:
            m = add_months(m, 1)
        second_31 = m.replace(day=31)

        paid = dict(journey="paid", is_test="false")
        return [
            # monthly, anchored on the 31st: Jan 31 -> Feb 28 -> Mar 31 ...
            dict(paid, key="anchor31", created=first_31, plan="plan_starter",
                 interval=1, segment="smb", currency="USD", country="US",
                 flags=dict(no_churn=True)),
            dict(paid, key="anchor31_seat", created=second_31, plan="plan_pro",
                 interval=1, seats=6, segment="smb", currency="EUR",
                 country="DE", flags=dict(no_churn=True)),
            # annual per-seat with a setup fee and a prorated seat upgrade
            dict(paid, key="annual_seat", created=day(0, 5),
                 plan="plan_enterprise_seat", interval=12, seats=120,
                 segment="enterprise", currency="USD", country="US",
                 flags=dict(no_churn=True, setup_fee=True, upgrade_period=0,
                            annual_discount=True)),
            # two-year hybrid: platform + seats + committed usage + overage
            dict(paid, key="two_year", created=day(0, 12),
                 plan="plan_enterprise", interval=24, seats=80,
                 segment="enterprise", currency="EUR", country="FR",
                 flags=dict(no_churn=True, setup_fee=True,
                            overage_mode="mixed", overage_every=True)),
            # quarterly, GBP, VAT tax lines carrying the invoice's period;
            # exported by a source with sloppy casing (valid after trimming)
            dict(paid, key="quarterly", created=day(1, 3), plan="plan_pro",
                 interval=3, seats=9, segment="mid_market", currency="GBP",
                 country="GB", tax=("0.20", True),
                 flags=dict(no_churn=True, case_variant=True)),
            # monthly per-seat with a seat upgrade, paying but no user rows
            dict(paid, key="monthly_upgrade", created=day(0, 9), plan="plan_pro",
                 interval=1, seats=4, segment="smb", currency="USD",
                 country="US", no_users=True,
                 flags=dict(no_churn=True, upgrade_period=2)),
            # churns after 4 months, comes back 3 months later on Pro
            dict(paid, key="reactivated", created=day(1, 8), plan="plan_starter",
                 interval=1, segment="smb", currency="USD", country="CA",
                 flags=dict(no_churn=True, churn_after=4, reactivate_days=95)),
            # asks for a full refund of the first invoice and cancels
            dict(paid, key="full_refund", created=day(2, 14), plan="plan_starter",
                 interval=1, segment="smb", currency="USD", country="US",
                 flags=dict(full_refund=True, no_reactivation=True)),
            # partial refunds (one line with two partial refunds)
            dict(paid, key="partial_refund", created=day(1, 17), plan="plan_pro",
                 interval=1, seats=5, segment="smb", currency="EUR",
                 country="NL", flags=dict(no_churn=True,
                                          partial_refunds={1: 1, 3: 2})),
            # an invoice voided and reissued
            dict(paid, key="void", created=day(2, 6), plan="plan_pro", interval=1,
                 seats=7, segment="mid_market", currency="USD", country="US",
                 flags=dict(no_churn=True, void_period=2)),
            # an uncollectible invoice, then churn
            dict(paid, key="uncollectible", created=day(2, 22),
                 plan="plan_starter", interval=1, segment="smb", currency="GBP",
                 country="GB", flags=dict(no_churn=True, uncollectible_period=3,
                                          no_reactivation=True)),
            # trial that converts / trial that does not / free plan only
            dict(key="trial_paid", journey="trial_paid", is_test="false",
                 created=day(3, 2), plan="plan_pro", interval=1, seats=3,
                 segment="smb", currency="USD", country="US",
                 flags=dict(no_churn=True)),
            dict(key="trial_lost", journey="trial_lost", is_test="false",
                 created=day(3, 11), plan="plan_starter", interval=1,
                 segment="smb", currency="USD", country="AU"),
            dict(key="free", journey="free", is_test="false", created=day(2, 1),
                 plan="plan_free", interval=1, segment="smb", currency="USD",
                 country="US"),
            # usage plan: committed minimum + overage without a period;
            # US sales tax lines without a period
            dict(paid, key="usage", created=day(1, 10), plan="plan_pro_usage",
                 interval=1, segment="mid_market", currency="USD", country="US",
                 tax=("0.0725", False),
                 flags=dict(no_churn=True, overage_mode="none",
                            overage_every=True)),
            # internal test accounts with real-looking paid invoices
            dict(key="test1", journey="paid", is_test="true", created=day(0, 2),
                 plan="plan_starter", interval=1, segment="smb", currency="USD",
                 country="US", name="Internal QA",
                 flags=dict(no_churn=True, partial_refunds={2: 1})),
            dict(key="test2", journey="paid", is_test="true", created=day(4, 15),
                 plan="plan_pro", interval=1, seats=3, segment="smb",
                 currency="EUR", country="DE", name="Sandbox Test GmbH",
                 flags=dict(no_churn=True)),
            dict(key="test3", journey="paid", is_test="true", created=day(8, 20),
                 plan="plan_starter", interval=12, segment="smb",
                 currency="USD", country="US", name="Demo Account (internal)",
                 flags=dict(no_churn=True)),
            # a retired plan that is not in plans.csv
            dict(paid, key="legacy", created=day(0, 3), plan=LEGACY_PLAN,
                 interval=1, segment="smb", currency="USD", country="US",
                 flags=dict(no_churn=True)),
        ]

    def make_account(self, forced: dict | None) -> Account:
        r = self.rng
        f = forced or {}
        # signups grow over time: denser towards the end of the range
        span = (self.cutoff - timedelta(days=1) - self.start).days
        created_day = self.start + timedelta(days=int(span * (r.random() ** 0.8)))
        created_day = f.get("created", created_day)
        created_at = self.rand_time(created_day)

        segment = f.get("segment") or r.choices(
            ["smb", "mid_market", "enterprise", "unknown"], [56, 29, 10, 5])[0]
        if segment == "smb":
            emp = r.choice([r.randint(0, 9), r.randint(1, 49), r.randint(5, 49)])
        elif segment == "mid_market":
            emp = r.randint(50, 999)
        elif segment == "enterprise":
            emp = r.choice([r.randint(1000, 4999), r.randint(1000, 40000)])
        else:
            emp = None if r.random() < 0.85 else -1  # missing or junk

        if "country" in f:
            country, currency = f["country"], f["currency"]
            country_raw = country
        else:
            country, _, cur = r.choices(COUNTRIES, [c[1] for c in COUNTRIES])[0]
            currency = cur if r.random() < 0.9 else "USD"
            x = r.random()
            if x < 0.03:
                country_raw = None
            elif x < 0.08:
                country_raw = country.lower()
            elif x < 0.11:
                country_raw = r.choice([f" {country}", f"{country} ",
                                        f" {country.lower()} "])
            else:
                country_raw = country
            if country_raw is None:
                currency = "USD"

        industry = r.choices(INDUSTRIES, INDUSTRY_WEIGHTS)[0]
        channel = r.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        if "is_test" in f:
            is_test = f["is_test"]
        else:
            is_test = "" if r.random() < 0.04 else "false"  # NULL = false
        name = f.get("name")
        if name is None and r.random() > 0.02:
            name = f"{r.choice(NAME_A)} {r.choice(NAME_B)} {r.choice(NAME_C)}"

        journey = f.get("journey") or r.choices(
            ["free", "free_upgrade", "trial_lost", "trial_paid", "paid"],
            [11, 4, 10, 17, 58])[0]
        if segment == "enterprise" and journey in ("trial_lost", "trial_paid"):
            journey = "paid"
        plan, interval, seats = self.pick_plan(segment)
        plan = f.get("plan", plan)
        interval = f.get("interval", interval)
        seats = f.get("seats", seats)
        if plan not in SEAT_PLANS:
            seats = 1
        hazard = {"smb": 0.035, "mid_market": 0.02, "enterprise": 0.01,
                  "unknown": 0.03}[segment]

        tax_rate, tax_with_period = None, False
        if "tax" in f:
            tax_rate, tax_with_period = Decimal(f["tax"][0]), f["tax"][1]
        elif "country" not in f:
            if country == "GB" and currency == "GBP":
                tax_rate, tax_with_period = Decimal("0.20"), r.random() < 0.5
            elif country == "US" and r.random() < 0.3:
                tax_rate = Decimal(r.choice(["0.06", "0.0625", "0.07", "0.0725",
                                             "0.08", "0.0875"]))
                tax_with_period = r.random() < 0.5
            elif country == "CA" and r.random() < 0.6:
                tax_rate, tax_with_period = Decimal("0.05"), r.random() < 0.5

        no_users = f.get("no_users", journey != "free" and r.random() < 0.07)
        return Account(
            created_at=created_at, segment=segment, employee_count=emp,
            country_raw=country_raw, currency=currency, industry=industry,
            channel=channel, is_test=is_test, name=name, journey=journey,
            plan=plan, interval=interval, seats=seats, churn_hazard=hazard,
            tax_rate=tax_rate, tax_with_period=tax_with_period,
            no_users=no_users, flags=dict(f.get("flags", {})), key=f.get("key", ""))

    def pick_plan(self, segment: str) -> tuple[str, int, int]:
        r = self.rng
        if segment in ("smb", "unknown"):
            plan = r.choices(["plan_starter", "plan_starter_seat", "plan_pro",
                              "plan_pro_usage"], [45, 25, 20, 10])[0]
            seats = r.randint(2, 12)
        elif segment == "mid_market":
            plan = r.choices(["plan_starter_seat", "plan_pro", "plan_pro_usage",
                              "plan_enterprise_seat"], [15, 50, 20, 15])[0]
            seats = r.randint(5, 60)
        else:
            plan = r.choices(["plan_pro", "plan_enterprise_seat",
                              "plan_enterprise"], [20, 35, 45])[0]
            seats = r.randint(25, 300)
        if plan in ("plan_starter", "plan_starter_seat"):
            interval = r.choices([1, 12], [80, 20])[0]
        elif plan == "plan_pro":
            interval = r.choices([1, 3, 12], [60, 15, 25])[0]
        elif plan == "plan_pro_usage":
            interval = 1
        elif plan == "plan_enterprise_seat":
            interval = r.choices([3, 12, 24], [20, 65, 15])[0]
        else:
            interval = r.choices([3, 12, 24], [10, 70, 20])[0]
        return plan, interval, seats

    # -- invoices -----------------------------------------------------------
    def invoice(self, acc: Account, sub: Sub | None, d: date) -> Invoice:
        key = (acc.num, sub.seq if sub else -1, d)
        inv = self._inv_index.get(key)
        if inv is None:
            inv = Invoice(seq=len(self.invoices), account=acc, sub=sub,
                          inv_date=d, currency=acc.currency)
            self.invoices.append(inv)
            self._inv_index[key] = inv
        return inv

    def new_sub(self, acc: Account, plan: str | None, started_at: datetime,
                trial_ends_at: datetime | None = None) -> Sub:
        sub = Sub(seq=len(self.subs), account=acc, plan_id=plan,
                  started_at=started_at, trial_ends_at=trial_ends_at)
        self.subs.append(sub)
        return sub

    # -- simulation -----------------------------------------------------------
    def simulate_account(self, acc: Account) -> None:
        r = self.rng
        t0 = acc.created_at
        if acc.journey in ("free", "free_upgrade"):
            free = self.new_sub(acc, "plan_free", t0)
            if acc.journey == "free":
                return
            up = t0.date() + timedelta(days=r.randint(30, 240))
            if up > self.cutoff:
                return
            free.ended_at = at_midnight(up)
            self.paid_chain(acc, up, None)
            return
        if acc.journey in ("trial_lost", "trial_paid"):
            trial_end = t0 + timedelta(days=14)
            sub = self.new_sub(acc, acc.plan, t0, trial_end)
            if trial_end > self.cutoff_end:
                return  # still trialing
            if acc.journey == "trial_lost":
                sub.ended_at = trial_end
                return
            self.paid_chain(acc, trial_end.date(), sub)
            return
        self.paid_chain(acc, t0.date(), None)

    def paid_chain(self, acc: Account, start: date, sub: Sub | None) -> None:
        """Run the account's paid subscriptions: upgrades, churn, reactivation."""
        r = self.rng
        plan, interval, seats = acc.plan, acc.interval, acc.seats
        episode = 0
        first_sub = True
        while True:
            if sub is None:
                started = acc.created_at if first_sub and start == acc.created_at.date() \
                    else at_midnight(start)
                sub = self.new_sub(acc, plan, started)
            first_sub = False
            outcome, end, new_plan = self.run_sub(acc, sub, plan, interval, start,
                                                  seats, episode)
            if outcome == "running":
                acc.final_end = None
                return
            acc.final_end = end
            if outcome == "upgraded":
                plan, start, sub = new_plan, end, None
                seats = max(seats, 2)
                continue
            # churned
            f = acc.flags
            if episode > 0 or f.get("no_reactivation"):
                return
            gap = f.get("reactivate_days")
            if gap is None:
                if not r.random() < 0.25:
                    return
                gap = r.randint(60, 270)
            back = end + timedelta(days=gap)
            if back > self.cutoff - timedelta(days=7):
                return
            episode += 1
            start, sub = back, None
            if acc.segment in ("smb", "unknown"):
                plan = r.choice(["plan_starter", "plan_pro", "plan_starter_seat"])
            if "reactivate_days" in f:
                plan = "plan_pro"
            interval = 1
            seats = max(2, seats) if plan in SEAT_PLANS else 1

    def run_sub(self, acc: Account, sub: Sub, plan: str, interval: int,
                start: date, seats: int, episode: int):
        """Bill one subscription period by period until it ends or the
        cutoff.  Returns (outcome, end_date, new_plan)."""
        r = self.rng
        f = acc.flags
        cur = acc.currency
        prices = PRICES[plan]
        promo = interval == 1 and episode == 0 and r.random() < 0.15
        if interval == 12:
            annual_disc = Decimal(r.choice(["0.1667", "0.10", "0.15"])) \
                if (f.get("annual_discount") or r.random() < 0.7) else None
        elif interval == 24:
            annual_disc = Decimal("0.20")
        elif interval == 3:
            annual_disc = Decimal("0.05") if r.random() < 0.3 else None
        else:
            annual_disc = None
        negotiated = Decimal(r.choice(["0.10", "0.15", "0.25"])) \
            if plan == "plan_enterprise" and r.random() < 0.5 else None
        addon = plan not in ("plan_starter", "plan_starter_seat", LEGACY_PLAN) \
            and r.random() < 0.08
        overage_mode = f.get("overage_mode") or r.choices(
            ["period", "none", "mixed"], [70, 20, 10])[0]
        monthly_h = acc.churn_hazard
        period_h = 1 - (1 - monthly_h) ** interval
        partial = f.get("partial_refunds", {}) if episode == 0 else {}

        k = 0
        while True:
            ps = add_months(start, k * interval)
            pe = add_months(start, (k + 1) * interval)
            inv_date = ps
            if k > 0 and interval >= 3 and r.random() < 0.4:
                inv_date = ps - timedelta(days=7)  # renewal invoiced in advance
            if inv_date > self.cutoff:
                return "running", None, None
            inv = self.invoice(acc, sub, inv_date)

            # -- the period's subscription fee lines
            main: Line | None = None
            if "flat" in prices:
                amt = prices["flat"][cur] * interval
                main = Line("recurring", money(amt), plan, quantity=r.choice([None, 1]),
                            period_start=ps, period_end=pe, main=True)
                inv.lines.append(main)
            if "seat" in prices:
                amt = prices["seat"][cur] * seats * interval
                ln = Line("recurring", money(amt), plan, quantity=seats,
                          period_start=ps, period_end=pe, main=main is None)
                if negotiated is not None:
                    ln.discount = money(ln.amount * negotiated)
                inv.lines.append(ln)
                main = main or ln
            if plan == "plan_pro_usage":
                main = Line("usage", money(prices["commit"][cur]), plan,
                            is_committed="true", period_start=ps, period_end=pe,
                            main=True)
                inv.lines.append(main)
            assert main is not None
            if annual_disc is not None:
                main.discount = money(main.amount * annual_disc)
            elif promo and k < 3:
                main.discount = money(main.amount * Decimal("0.20"))
            elif main.discount is None and r.random() < 0.3:
                main.discount = ZERO  # explicit zero discount
            if addon:
                inv.lines.append(Line("recurring", money(ADDON_PRICE[cur] * interval),
                                      None, quantity=1, period_start=ps,
                                      period_end=pe))
            if k == 0 and episode == 0:
                want_fee = f.get("setup_fee") or (
                    plan in ("plan_enterprise", "plan_enterprise_seat") and r.random() < 0.8
                ) or (plan == "plan_pro" and r.random() < 0.15)
                if want_fee:
                    base = 1500 if plan.startswith("plan_enterprise") else 250
                    fee = Decimal(base + 250 * r.randint(0, 12))
                    inv.lines.append(Line("one_time", money(fee), plan, quantity=1))
            if plan.startswith("plan_enterprise") and k > 0 and r.random() < 0.05:
                inv.lines.append(Line("one_time",
                                      money(Decimal(2000 + 500 * r.randint(0, 12))),
                                      None, quantity=r.randint(2, 10)))
            if plan != "plan_starter" and k > 0 and r.random() < 0.006:
                # service credit (negative one-time line)
                inv.lines.append(Line("one_time", money(-Decimal(r.randint(5, 30) * 10)),
                                      None))

            # -- forced / random events on this period
            if f.get("full_refund") and k == 0 or (
                    k == 0 and interval == 1 and episode == 0 and not f
                    and r.random() < 0.015):
                inv.force_status = "paid"
                inv.refund_requests.append((main, "full", 100))
                end = ps + timedelta(days=r.randint(2, 6))
                sub.ended_at = at_midnight(end)
                return "churned", end, None
            uncoll = f.get("uncollectible_period") == k or (
                k > 0 and not f and r.random() < 0.004)
            if uncoll:
                inv.force_status = "uncollectible"
                end = min(ps + timedelta(days=30), pe)
                sub.ended_at = at_midnight(end)
                return "churned", end, None
            if k in partial:
                inv.force_status = "paid"
                for _ in range(partial[k]):
                    inv.refund_requests.append((main, "partial", r.randint(10, 40)))
            if f.get("void_period") == k:
                inv.force_status = "void"

            # -- committed usage (monthly) and metered overage (in arrears)
            if plan == "plan_enterprise" or plan == "plan_pro_usage":
                for j in range(interval):
                    cs = add_months(start, k * interval + j)
                    ce = add_months(start, k * interval + j + 1)
                    if plan == "plan_enterprise" and cs <= self.cutoff:
                        self.invoice(acc, sub, cs).lines.append(
                            Line("usage", money(prices["commit"][cur]), plan,
                                 is_committed="true", period_start=cs,
                                 period_end=ce))
                    if ce > self.cutoff:
                        continue
                    if not (f.get("overage_every") or r.random() < 0.5):
                        continue
                    units = 1000 * r.randint(5, 60)
                    with_period = overage_mode == "period" or (
                        overage_mode == "mixed" and j % 2 == 0)
                    self.invoice(acc, sub, ce).lines.append(
                        Line("usage", money(prices["unit"][cur] * units), plan,
                             is_committed=r.choice(["false", "false", ""]),
                             quantity=units,
                             period_start=cs if with_period else None,
                             period_end=ce if with_period else None))

            # -- mid-period seat upgrade: a separate prorated recurring line
            if "seat" in prices:
                forced_up = f.get("upgrade_period") == k and episode == 0
                if forced_up or r.random() < min(0.5, 0.04 * interval):
                    days = (pe - ps).days
                    up = ps + timedelta(days=r.randint(max(1, days // 4),
                                                       max(1, days * 3 // 4)))
                    if up <= self.cutoff:
                        added = r.randint(1, max(1, seats // 5))
                        remaining = (pe - up).days
                        amt = prices["seat"][cur] * added * interval * remaining / days
                        self.invoice(acc, sub, up).lines.append(
                            Line("recurring", money(amt), plan, quantity=added,
                                 period_start=up, period_end=pe))
                        seats += added

            # -- end of period: churn, tier upgrade, seat changes
            if f.get("churn_after") == k + 1 and episode == 0:
                sub.ended_at = at_midnight(pe)
                return "churned", pe, None
            if not f.get("no_churn") and r.random() < period_h:
                sub.ended_at = at_midnight(pe)
                return "churned", pe, None
            if (plan in ("plan_starter", "plan_starter_seat") and interval == 1
                    and not f and r.random() < 0.02):
                sub.ended_at = at_midnight(pe)
                return "upgraded", pe, "plan_pro"
            if "seat" in prices:
                x = r.random()
                if x < 0.10:
                    seats += r.randint(1, max(1, seats // 6))
                elif x < 0.15:
                    seats = max(1, seats - r.randint(1, max(1, seats // 8)))
            k += 1

    # -- taxes, statuses, refunds --------------------------------------------
    def add_taxes(self) -> None:
        for inv in self.invoices:
            rate = inv.account.tax_rate
            if rate is None:
                continue
            base = sum((ln.net() for ln in inv.lines if ln.charge_type != "tax"), ZERO)
            if base <= 0:
                continue
            ln = Line("tax", money(base * rate), None)
            if inv.account.tax_with_period:
                mains = [x for x in inv.lines if x.period_start is not None]
                if mains:
                    ln.period_start = mains[0].period_start
                    ln.period_end = mains[0].period_end
            inv.lines.append(ln)

    def assign_statuses(self) -> None:
        r = self.rng
        reissued: list[Invoice] = []
        for inv in list(self.invoices):
            if not inv.lines:
                continue
            st = inv.force_status
            if st is None:
                if inv.inv_date > self.recent_from:
                    st = "open" if r.random() < 0.5 else "paid"
                elif r.random() < 0.004:
                    st = "open"  # long overdue
                elif r.random() < 0.012 and not inv.account.flags:
                    st = "void"
                else:
                    st = "paid"
            inv.status = st
            t_inv = self.rand_time(inv.inv_date, 0, 6)
            if st == "void":
                # voided and reissued the next day with the same lines
                new_date = min(inv.inv_date + timedelta(days=1), self.cutoff)
                copy = Invoice(seq=len(self.invoices) + len(reissued),
                               account=inv.account, sub=inv.sub, inv_date=new_date,
                               currency=inv.currency, status="paid")
                for ln in inv.lines:
                    copy.lines.append(Line(ln.charge_type, ln.amount, ln.plan_id,
                                           ln.is_committed, ln.discount, ln.quantity,
                                           ln.period_start, ln.period_end, ln.main))
                copy.updated_at = self.cap(self.rand_time(new_date + timedelta(
                    days=r.randint(0, 10))))
                reissued.append(copy)
                inv.updated_at = self.cap(self.rand_time(new_date, 0, 6))
            elif st == "paid":
                inv.updated_at = self.cap(self.rand_time(
                    inv.inv_date + timedelta(days=r.choice([0, 0, 1, 3, 7, 14]))))
            elif st == "uncollectible":
                inv.updated_at = self.cap(self.rand_time(
                    inv.inv_date + timedelta(days=r.randint(30, 60))))
            else:
                inv.updated_at = t_inv
            if r.random() < 0.06 and st != "void":
                inv.updated_at = None  # NULL = invoice_date
        self.invoices.extend(reissued)

        # the latest paid invoice must fall in the last month
        def counted(i: Invoice) -> bool:
            return i.account.is_test.lower() != "true" and i.lines != []
        paid = [i for i in self.invoices if counted(i) and i.status == "paid"]
        if not paid or max(i.inv_date for i in paid) < self.last_month:
            late = [i for i in self.invoices if counted(i) and i.status == "open"
                    and i.inv_date >= self.last_month]
            if not late:
                raise RuntimeError("no invoice in the last month")
            late.sort(key=lambda i: (i.inv_date, i.seq))
            late[-1].status = "paid"

    def make_refunds(self) -> None:
        r = self.rng
        for inv in self.invoices:
            reqs = list(inv.refund_requests)
            if (not reqs and inv.status == "paid" and not inv.account.flags
                    and inv.inv_date < self.cutoff - timedelta(days=10)
                    and r.random() < 0.01):
                target = max((ln for ln in inv.lines if ln.charge_type != "tax"),
                             key=lambda ln: ln.net())
                reqs.append((target, "partial", r.randint(10, 60)))
            when = inv.inv_date
            for line, kind, pct in reqs:
                if kind == "full":
                    amt = line.net()
                else:
                    amt = money(line.net() * pct / 100)
                if amt <= 0:
                    continue
                when = when + timedelta(days=r.randint(2, 20))
                t = self.cap(self.rand_time(when))
                self.refunds.append((line, inv, amt, t))

    # -- users --------------------------------------------------------------
    def make_users(self) -> None:
        r = self.rng
        for acc in self.accounts:
            if acc.no_users:
                continue
            if acc.plan in SEAT_PLANS and acc.journey != "free":
                n = max(1, min(150, acc.seats * r.randint(50, 100) // 100))
            elif acc.journey in ("free", "trial_lost"):
                n = r.randint(1, 3)
            else:
                n = r.randint(1, 6)
            for i in range(n):
                if i == 0:
                    c = acc.created_at + timedelta(minutes=r.randint(0, 30))
                else:
                    c = acc.created_at + timedelta(
                        days=int(r.random() ** 2 * 300), minutes=r.randint(0, 1440))
                if c > self.cutoff_end:
                    continue
                deact = None
                if r.random() < 0.12:
                    deact = c + timedelta(days=r.randint(10, 400),
                                          minutes=r.randint(0, 1440))
                if acc.final_end is not None and r.random() < 0.5:
                    end_t = at_midnight(acc.final_end) + timedelta(hours=r.randint(1, 240))
                    if end_t > c and (deact is None or end_t < deact):
                        deact = end_t
                if deact is not None and deact > self.cutoff_end:
                    deact = None
                self.users.append((acc.account_id, c, deact))

    # -- fx and spend -------------------------------------------------------
    def fx_rows(self) -> list[list[str]]:
        r = self.rng
        rows = []
        first = add_months(self.start, -1)
        # EUR: business days only; GBP: weekly, on Mondays
        for cur, rate, target, step, weekly in (
                ("EUR", Decimal("1.085000"), Decimal("1.10"), 45, False),
                ("GBP", Decimal("1.265000"), Decimal("1.28"), 90, True)):
            d = first
            while d < self.range_end:
                if (weekly and d.weekday() == 0) or (not weekly and d.weekday() < 5):
                    rows.append([fmt_date(d), cur, format(rate, "f")])
                    drift = (target - rate) * Decimal("0.02")
                    shock = Decimal(r.randint(-step, step)) / Decimal(10000)
                    rate = (rate + drift + shock).quantize(FX_QUANT, ROUND_HALF_UP)
                d += timedelta(days=1)
        rows.sort(key=lambda x: (x[0], x[1]))
        return rows

    def spend_rows(self) -> list[list[str]]:
        r = self.rng
        rows = []
        for i in range(self.months):
            m = add_months(self.start, i)
            growth = Decimal(100 + 3 * i) / 100
            for ch, base in SPEND_CHANNELS:
                amt = Decimal(base) * growth * Decimal(r.randint(70, 130)) / 100
                if ch == "events" and r.random() < 0.6:
                    amt = Decimal(r.randint(300, 1500))  # quiet month
                rows.append([fmt_date(m), ch, fmt_money(amt)])
            if r.random() < 0.6:  # brand / agency spend, no channel
                rows.append([fmt_date(m), "", fmt_money(Decimal(r.randint(1500, 6000)))])
        rows.sort(key=lambda x: (x[0], x[1] == "", x[1]))
        return rows

    # -- run ------------------------------------------------------------------
    def run(self) -> dict[str, list[list[str]]]:
        forced = self.forced_profiles()
        for i in range(self.n_accounts):
            self.accounts.append(self.make_account(forced[i] if i < len(forced) else None))
        # ids follow signup order
        order = sorted(range(len(self.accounts)),
                       key=lambda i: (self.accounts[i].created_at, i))
        width = max(4, len(str(self.n_accounts)))
        self.accounts = [self.accounts[i] for i in order]
        for n, acc in enumerate(self.accounts, start=1):
            acc.num = n
            acc.account_id = f"acc_{n:0{width}d}"
        for acc in self.accounts:
            self.simulate_account(acc)
        self.add_taxes()
        self.assign_statuses()
        self.make_refunds()
        self.make_users()

        # ids: invoices by date then account; lines in invoice order
        invs = [i for i in self.invoices if i.lines]
        invs.sort(key=lambda i: (i.inv_date, i.account.num, i.seq))
        li = 0
        for n, inv in enumerate(invs, start=1):
            inv.invoice_id = f"inv_{n:06d}"
            # tax lines last
            inv.lines.sort(key=lambda ln: ln.charge_type == "tax")
            for ln in inv.lines:
                li += 1
                ln.line_id = f"li_{li:07d}"
        self.subs.sort(key=lambda s: (s.started_at, s.account.num, s.seq))
        for n, s in enumerate(self.subs, start=1):
            s.sub_id = f"sub_{n:05d}"

        tables: dict[str, list[list[str]]] = {}
        tables["accounts"] = [[
            a.account_id, a.name or "", fmt_ts(a.created_at),
            "" if a.employee_count is None else str(a.employee_count),
            a.country_raw or "", a.industry or "", a.channel or "", a.is_test,
        ] for a in self.accounts]
        tables["plans"] = [[p[0], p[1], p[2], str(p[3]), p[4]] for p in PLANS]
        tables["subscriptions"] = [[
            s.sub_id, s.account.account_id, s.plan_id or "", fmt_ts(s.started_at),
            fmt_ts(s.trial_ends_at), fmt_ts(s.ended_at)] for s in self.subs]

        line_rows = []
        for inv in invs:
            variant = inv.account.flags.get("case_variant")
            for ln in inv.lines:
                ct, st, cur = ln.charge_type, inv.status, inv.currency
                if variant:  # valid after trimming and case folding
                    ct, st, cur = ct.capitalize(), st.upper(), f" {cur.lower()}"
                line_rows.append([
                    ln.line_id, inv.invoice_id, inv.account.account_id,
                    inv.sub.sub_id if inv.sub else "",
                    ln.plan_id or "", ct, ln.is_committed, fmt_money(ln.amount),
                    fmt_money(ln.discount), cur,
                    "" if ln.quantity is None else str(ln.quantity),
                    fmt_date(ln.period_start), fmt_date(ln.period_end),
                    fmt_date(inv.inv_date), st, fmt_ts(inv.updated_at)])
        ref_rows = []
        self.refunds.sort(key=lambda x: (x[3], x[0].line_id))
        for n, (ln, inv, amt, t) in enumerate(self.refunds, start=1):
            ref_rows.append([f"ref_{n:05d}", ln.line_id, fmt_money(amt), fmt_ts(t)])
        self.users.sort(key=lambda u: (u[1], u[0]))
        user_rows = [[f"usr_{n:06d}", a, fmt_ts(c), fmt_ts(d)]
                     for n, (a, c, d) in enumerate(self.users, start=1)]

        bad_lines, bad_user, bad_refund = self._bad_rows(
            next_line=li + 1, next_invoice=len(invs) + 1,
            next_user=len(user_rows) + 1, next_refund=len(ref_rows) + 1)
        line_rows.extend(bad_lines)
        user_rows.append(bad_user)
        ref_rows.append(bad_refund)

        tables["users"] = sorted(user_rows)
        tables["invoice_line_items"] = sorted(line_rows, key=lambda x: (x[0], x[15]))
        tables["refunds"] = sorted(ref_rows)
        tables["fx_rates"] = self.fx_rows()
        tables["acquisition_spend"] = self.spend_rows()
        return tables

    # -- deliberately bad rows ----------------------------------------------
    def _bad_rows(self, next_line: int, next_invoice: int, next_user: int,
                  next_refund: int):
        """A handful of rows that break the contract, one kind each, so that
        the quarantine (rejected rows) has something to show.  They are
        appended after every valid row, so their ids are the highest ones."""
        host = next(a for a in self.accounts if a.key == "anchor31")
        hsub = next(s for s in self.subs if s.account is host)
        acc, sid, plan = host.account_id, hsub.sub_id, host.plan
        m6 = add_months(self.start, 6)
        m7 = add_months(self.start, 7)
        m8 = add_months(self.start, 8)

        rows = []
        li, inv = next_line, next_invoice

        def row(*, charge="recurring", amount="49.00", discount="", currency="USD",
                quantity="1", ps: date | None = m6, pe: date | None = m7,
                inv_date: str = fmt_date(m6), account=acc, line_id=None,
                invoice_id=None, updated: str | None = None):
            nonlocal li, inv
            if updated is None:
                day = inv_date.replace("/", "-")
                updated = f"{day} 09:00:00"
            if line_id is None:
                line_id = f"li_{li:07d}"
                li += 1
            if invoice_id is None:
                invoice_id = f"inv_{inv:06d}"
                inv += 1
            rows.append([line_id, invoice_id, account, sid if account == acc else "",
                         plan, charge, "", amount, discount, currency, quantity,
                         fmt_date(ps), fmt_date(pe), inv_date, "paid", updated])

        # BAD 1: unknown charge_type
        row(charge="subscription_fee")
        # BAD 2: negative discount_amount
        row(discount="-5.00")
        # BAD 3: recurring line without a service period
        row(ps=None, pe=None)
        # BAD 4: period_end <= period_start (the two dates swapped)
        row(ps=m7, pe=m6)
        # BAD 5: amount that is not a decimal (comma as decimal separator)
        row(charge="one_time", amount="12,50", ps=None, pe=None)
        # BAD 6: invoice_date not in YYYY-MM-DD form
        row(charge="one_time", amount="75.00", ps=None, pe=None,
            inv_date=m6.strftime("%Y/%m/%d"))
        # BAD 7 + 8: duplicated line_item_id, both copies (exported twice)
        dup_id, dup_inv = f"li_{li:07d}", f"inv_{inv:06d}"
        li += 1
        inv += 1
        for hour in (9, 10):
            row(charge="one_time", amount="250.00", ps=None, pe=None,
                inv_date=fmt_date(m8), line_id=dup_id, invoice_id=dup_inv,
                updated=fmt_ts(datetime.combine(m8, time(hour, 0))))
        # BAD 9: a line for an account that does not exist
        row(account=UNKNOWN_ACCOUNT_ID, amount="99.00", ps=m7, pe=m8,
            inv_date=fmt_date(m7))
        # BAD 10: a currency with no rate at all
        row(charge="one_time", amount="15000.00", currency="JPY", ps=None, pe=None,
            inv_date=fmt_date(m7))

        # BAD user: belongs to an account that does not exist
        bad_user = [f"usr_{next_user:06d}", UNKNOWN_ACCOUNT_ID,
                    fmt_ts(datetime.combine(m6, time(12, 0))), ""]
        # BAD refund: refunds a line that does not exist
        bad_refund = [f"ref_{next_refund:05d}", UNKNOWN_LINE_ITEM_ID, "10.00",
                      fmt_ts(datetime.combine(m8, time(12, 0)))]
        return rows, bad_user, bad_refund


# --------------------------------------------------------------------------
# Stripe shape: the same demo as Fivetran's Stripe connector lands it.
# --------------------------------------------------------------------------
# Columns of each Stripe table, as models/staging/stripe/_stripe__sources.yml
# reads them (Fivetran's names).
STRIPE_COLUMNS: dict[str, list[str]] = {
    "customer": ["id", "name", "created", "address_country", "metadata",
                 "livemode", "is_deleted", "_fivetran_synced"],
    "invoice": ["id", "customer_id", "currency", "status", "created",
                "status_transitions_finalized_at", "tax", "is_deleted",
                "_fivetran_synced"],
    "invoice_line_item": [
        "id", "unique_id", "invoice_id", "amount", "currency", "type",
        "proration", "price_id", "plan_id", "subscription_id", "quantity",
        "period_start", "period_end", "_fivetran_synced"],
    "discount": ["id", "type", "type_id", "amount"],
    "price": ["id", "nickname", "product_id", "recurring_usage_type"],
    "plan": ["id", "nickname", "product_id", "usage_type"],
    "product": ["id", "name", "metadata"],
    "subscription_history": ["id", "customer_id", "start_date", "created",
                             "trial_end", "ended_at", "_fivetran_active"],
    "subscription": ["id", "customer_id", "start_date", "created", "trial_end",
                     "ended_at"],
    "subscription_item": ["id", "subscription_id", "price_id", "plan_id",
                          "created"],
    "credit_note": ["id", "invoice_id", "status", "created", "refund_id"],
    "credit_note_line_item": ["id", "credit_note_id", "type", "amount",
                              "discount_amount", "invoice_line_item"],
    "refund": ["id", "charge_id", "amount", "currency", "status", "created"],
    "charge": ["id", "invoice_id"],
}
# Contract tables Stripe has no object for: written beside the Stripe ones,
# in contract format, unchanged.
STRIPE_CONTRACT_TABLES = ("users", "fx_rates", "acquisition_spend")
# Tables every chunk of a large run would convert alike: written once.
STRIPE_SHARED_TABLES = ("price", "plan", "product", "fx_rates")
# Catalogue plans written as Stripe's legacy `plan` objects instead of
# prices (the free plan: never billed, so only subscriptions name it). A
# fixed list, not "plans no line bills", so that every chunk of a large run
# writes the same catalogue.
STRIPE_LEGACY_PLANS = ("plan_free",)
# Stripe's currencies whose minor unit is not a hundredth, from the
# project's seed (the one list the models read too); every other currency
# has two decimals (cents).
with (Path(__file__).resolve().parents[1] / "seeds" / "stripe_currency_exponents.csv").open(
        newline="") as _seed:
    CURRENCY_EXPONENTS = {row["currency"]: int(row["exponent"])
                          for row in csv.DictReader(_seed)}
CHARGE_TYPES = ("recurring", "usage", "one_time", "tax")
# What the contract reads as a decimal (billing-contract.md).
_CONTRACT_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


def minor_exponent(currency: str) -> int:
    """Decimals of the currency's minor unit, as Stripe counts them."""
    return CURRENCY_EXPONENTS.get(currency.strip().upper(), 2)


def to_minor_units(amount: str | Decimal, currency: str) -> int:
    """A contract amount as Stripe's integer in minor units. Refuses an
    amount with more decimals than the currency has: the twin must hold
    exactly the contract's money, never a rounded copy of it."""
    scaled = Decimal(amount).scaleb(minor_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than the currency")
    return int(scaled)


def _is_iso_date(value: str) -> bool:
    if len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _whole_months(start: date, end: date) -> bool:
    """metrics.md section 2: [start, end) is k >= 1 whole months of one
    billing anchor day (a plain subscription period, not a proration)."""
    k = (end.year - start.year) * 12 + end.month - start.month
    if k < 1:
        return False

    def last(d: date) -> bool:
        return d.day == calendar.monthrange(d.year, d.month)[1]

    return add_months(start, k) == end or (
        last(start) and (last(end) or end.day >= start.day))


def _json(values: dict[str, str | int | None]) -> str:
    return json.dumps({k: v for k, v in values.items() if v is not None})


def to_stripe(tables: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    """Convert one Generator's contract tables into Fivetran's Stripe tables.

    The inverse of the mapping in models/staging/stripe (docs/stripe.md):
    built from the Stripe tables, the project must read back the same
    accounts, plans and ledger, so that every ARPU mart and
    dim_active_customers equal the contract build's, row for row
    (tests/e2e/test_stripe_twin.py). Returns the Stripe tables plus the
    contract tables Stripe has no object for (users, fx_rates,
    acquisition_spend), unchanged. Money is an integer in the currency's
    minor unit, currencies lower-case, timestamps UTC.

    Decisions (each keeps the marts identical):

    - accounts -> customer: is_test true/false/NULL -> livemode
      false/true/NULL; employee_count (a JSON number, a JSON string for
      every fifth customer), industry and acquisition_channel go into the
      metadata JSON exactly as the contract text has them (stray spaces
      and case included: staging trims and folds them alike). A customer
      whose every subscription has ended is soft-deleted every third time
      (is_deleted true): still an account.
    - plans -> one product per plan (tier, tier_rank, pricing_model in its
      metadata; tier_rank a JSON number or string, alternately) and one
      price whose id is the plan_id (its nickname the plan name on every
      other price, else NULL so that the product's name is read). Every
      price is `licensed`: the demo's usage plans carry committed and
      uncommitted usage lines on the same plan_id, and a metered price
      would make both `usage` lines, losing the committed ones' recurring
      revenue. STRIPE_LEGACY_PLANS are `plan` rows instead (read because no
      price has their id).
    - invoice_line_items -> invoice + invoice_line_item: account, currency,
      status and date are invoice-level in Stripe; the demo's are the same
      on every line of an invoice (checked here; a ValueError otherwise).
      The invoice date is the date of status_transitions_finalized_at,
      which is NULL on every fourth invoice (then `created` gives it) and
      on every fourth falls the day after `created`. Line types:
      `recurring` and committed `usage` -> `subscription` lines, or
      `invoiceitem` lines with proration true where the period is not
      whole months (the seat upgrades); uncommitted `usage` and `one_time`
      -> `invoiceitem` without proration (false or NULL), which the
      project reads back as `one_time`: the marts depend only on
      recurring or not, tax or not, and the service period
      (macros/metrics/line_rules.sql). Stripe has no committed usage, hence the
      change of charge type. A service period is kept (at the
      subscription's time of day); a line without one gets period_start =
      period_end = the invoice's `created`, which reads as no period. Line
      ids: the contract's line_item_id is `unique_id` where set; `id` is
      the same id, or `ii_...`/`sli_...`, or the subscription's id (as
      older API versions reuse it) where no other line of the invoice
      takes it. A plan in `price` is the line's price_id; any other plan
      (the retired one) its plan_id.
    - tax lines -> invoice.tax (their sum; 0 or NULL without tax). Stripe's
      tax has no service period: the contract's tax lines that have one
      copy it from another line of the same invoice, which sets the same
      first reported month (metrics.md section 6) and tax is never
      revenue, so no mart changes.
    - discount_amount -> `PARENT_INVOICE_LINE_ITEM` discount rows keyed by
      the line id (every third discount split over two rows; an explicit
      zero discount is a zero row on every other line), plus one ignored
      `INVOICE` row per discounted invoice.
    - refunds -> an issued credit note with one `invoice_line_item` line
      per refund (refund_id = `cn_<refund>`'s line `cnli_<refund>`,
      refunded_at = the credit note's created). A refund of a discounted
      line credits its share of the discount too: amount - discount_amount
      is the refund.
      Two of three credit notes name a succeeded refund (which must not
      be spread again); the others carry a `custom_line_item` too, which
      refunds no line (the project lists it as a rejected refund). Every
      other refund of a line that is the only one of its invoice with a
      positive net is instead a bare succeeded refund reaching the invoice
      through its charge: spread over that single line, it is the same
      refund. Rows that must not reach the ledger: a void credit note, a
      failed refund, a refund of a charge without invoice (rejected: it
      has no line to refund), a draft invoice and a deleted invoice
      (copies of a paid invoice: read, they would change revenue).
    - subscriptions -> subscription_history (the active version; an ended
      subscription also has its earlier, inactive version) or, for the
      legacy plans' subscriptions, `subscription`; one subscription_item
      whose price (or plan) is the subscription's plan, none without a
      plan. start_date is NULL on every third (then `created`).

    The deliberately broken lines (Generator._bad_rows) are written with
    the same defect where Stripe can hold it: a negative discount (a
    discount row of -5.00), a recurring line without a period
    (period_start = period_end), a period that ends before it starts, a
    line of a customer that does not exist, a JPY line (no rate). Left
    out, because no Stripe row can carry them: an unknown charge type
    (Stripe's line type is subscription or invoiceitem, and both map to a
    known charge type), an amount that is not a number (amount is an
    integer column), an invoice date that is not a date (a timestamp
    column) and a line exported twice (Fivetran keeps one row per line).
    They are all rejected by the contract build, so no mart changes. The
    refund of a line that does not exist is a credit note line naming it,
    on the first invoice (whose currency gives its amount's unit).
    """
    def dicts(name: str) -> list[dict[str, str]]:
        return [dict(zip(COLUMNS[name], row)) for row in tables[name]]

    out: dict[str, list[list[str]]] = {name: [] for name in STRIPE_COLUMNS}

    # -- catalogue ---------------------------------------------------------
    prices: set[str] = set()
    for n, plan in enumerate(sorted(dicts("plans"), key=lambda p: p["plan_id"])):
        pid = plan["plan_id"]
        product = "prod_" + pid.removeprefix("plan_")
        rank = plan["tier_rank"]
        out["product"].append([product, plan["plan_name"], _json({
            "tier": plan["tier"] or None,
            "tier_rank": (int(rank) if n % 2 == 0 else rank) if rank else None,
            "pricing_model": plan["pricing_model"] or None})])
        nickname = plan["plan_name"] if n % 2 == 1 else ""
        if pid in STRIPE_LEGACY_PLANS:
            out["plan"].append([pid, nickname, product, "licensed"])
        else:
            out["price"].append([pid, nickname, product, "licensed"])
            prices.add(pid)

    def price_and_plan(plan_id: str) -> list[str]:
        """[price_id, plan_id] of a line or item billing plan_id."""
        plan_id = plan_id.strip()
        return [plan_id, ""] if plan_id in prices else ["", plan_id]

    # -- subscriptions -----------------------------------------------------
    subscriptions = dicts("subscriptions")
    sub_time = {s["subscription_id"]: datetime.fromisoformat(s["started_at"]).time()
                for s in subscriptions}
    ended: dict[str, list[bool]] = {}
    for n, s in enumerate(sorted(subscriptions, key=lambda s: s["subscription_id"])):
        sid, started = s["subscription_id"], s["started_at"]
        ended.setdefault(s["account_id"], []).append(s["ended_at"] != "")
        if n % 3 == 0:
            start_date, created = "", started
        else:
            start_date = started
            created = fmt_ts(datetime.fromisoformat(started) - timedelta(minutes=10))
        version = [sid, s["account_id"], start_date, created, s["trial_ends_at"]]
        if s["plan_id"].strip() in STRIPE_LEGACY_PLANS:
            out["subscription"].append([*version, s["ended_at"]])
        else:
            out["subscription_history"].append([*version, s["ended_at"], "true"])
            if s["ended_at"]:
                out["subscription_history"].append([*version, "", "false"])
            if n % 10 == 1:  # a stale copy, shadowed by the history
                out["subscription"].append([*version, ""])
        if s["plan_id"].strip():
            out["subscription_item"].append(
                [f"si_{sid}", sid, *price_and_plan(s["plan_id"]), started])

    # -- customers ---------------------------------------------------------
    livemode = {"true": "false", "false": "true", "": ""}
    deleted_candidates = 0
    for n, a in enumerate(dicts("accounts")):
        if a["is_test"].strip().lower() not in livemode:
            raise ValueError(f"{a['account_id']}: is_test {a['is_test']!r} is no livemode")
        # A count that is no integer stays text, for the contract to reject.
        employees = a["employee_count"]
        as_number = re.fullmatch(r"-?\d+", employees) and n % 5 != 0
        metadata = _json({
            "employee_count": (int(employees) if as_number else employees)
            if employees else None,
            "industry": a["industry"] or None,
            "acquisition_channel": a["acquisition_channel"] or None,
            "crm_id": f"crm-{n}" if n % 7 == 0 else None})
        is_deleted = "false"
        if all(ended.get(a["account_id"], [False])):
            deleted_candidates += 1
            is_deleted = "true" if deleted_candidates % 3 == 0 else "false"
        synced = datetime.fromisoformat(a["created_at"]) + timedelta(days=1)
        out["customer"].append([
            a["account_id"], a["account_name"], a["created_at"], a["country_code"],
            metadata, livemode[a["is_test"].strip().lower()], is_deleted,
            fmt_ts(synced)])

    # -- invoices and their lines -------------------------------------------
    raw_lines = dicts("invoice_line_items")
    copies = Counter(r["line_item_id"] for r in raw_lines)
    lines = [r for r in raw_lines
             if copies[r["line_item_id"]] == 1
             and r["charge_type"].strip().lower() in CHARGE_TYPES
             and _CONTRACT_DECIMAL.fullmatch(r["amount"].strip())
             and _is_iso_date(r["invoice_date"].strip())]
    by_invoice: dict[str, list[dict[str, str]]] = {}
    for r in lines:
        by_invoice.setdefault(r["invoice_id"], []).append(r)

    invoice_created: dict[str, datetime] = {}
    currency_of: dict[str, str] = {}
    line_cents: dict[str, tuple[int, int]] = {}  # line id -> (amount, discount)
    tax_line_ids: dict[str, str] = {}  # contract tax line id -> Stripe's
    n_line = 0
    for n, invoice_id in enumerate(sorted(by_invoice)):
        rows = by_invoice[invoice_id]
        heads = {(r["account_id"].strip(), r["currency"].strip().upper(),
                  r["invoice_date"].strip(), r["invoice_status"].strip().lower())
                 for r in rows}
        if len(heads) != 1:
            raise ValueError(f"{invoice_id}: lines disagree on {sorted(heads)}")
        ((account_id, currency, invoice_date, status),) = heads
        day = date.fromisoformat(invoice_date)
        clock = time(n % 6, n * 7 % 60, n * 13 % 60)
        if n % 4 == 1:  # created late the day before, finalized on the day
            created = datetime.combine(day - timedelta(days=1), time(23, clock.minute))
            finalized = created + timedelta(hours=2)
        else:
            created = datetime.combine(day, clock)
            finalized = None if n % 4 == 0 else created + timedelta(hours=1)
        invoice_created[invoice_id] = created
        currency_of[invoice_id] = currency
        tax = 0
        taxed = [r for r in rows if r["charge_type"].strip().lower() == "tax"]
        for r in taxed:
            if r["discount_amount"].strip() not in ("", "0.00"):
                raise ValueError(f"{r['line_item_id']}: a discounted tax line")
            tax += to_minor_units(r["amount"].strip(), currency)
            tax_line_ids[r["line_item_id"]] = f"{invoice_id}-tax"
            line_cents[f"{invoice_id}-tax"] = (tax, 0)
        synced = next((r["updated_at"] for r in taxed), rows[0]["updated_at"])
        out["invoice"].append([
            invoice_id, account_id, currency.lower(), status, fmt_ts(created),
            fmt_ts(finalized), "" if tax == 0 and n % 3 == 0 else str(tax),
            "false", synced])

        taken: set[str] = set()
        invoice_discount = 0
        for r in rows:
            charge = r["charge_type"].strip().lower()
            if charge == "tax":
                continue
            line_id = r["line_item_id"]
            amount = to_minor_units(r["amount"].strip(), currency)
            ps, pe = r["period_start"].strip(), r["period_end"].strip()
            if (ps == "") != (pe == ""):
                raise ValueError(f"{line_id}: Stripe has no half service period")
            has_period = ps != ""
            committed = r["is_committed"].strip().lower() == "true"
            if charge == "recurring" or (charge == "usage" and committed):
                whole = has_period and _whole_months(date.fromisoformat(ps),
                                                     date.fromisoformat(pe))
                kind, proration = ("subscription", "false") if whole or not has_period \
                    else ("invoiceitem", "true")
            else:
                kind, proration = "invoiceitem", "false" if n_line % 2 else ""
            sub = r["subscription_id"].strip()
            if has_period:
                clock = sub_time.get(sub, time(0, 0))
                period = [fmt_ts(datetime.combine(date.fromisoformat(x), clock))
                          for x in (ps, pe)]
            else:
                period = [fmt_ts(created)] * 2
            # Line ids as Fivetran has them: unique_id (il_...) where the
            # schema has it, and an id that older API versions reused.
            if n_line % 3 == 0:
                stripe_id, unique_id = line_id, ""
            else:
                unique_id = line_id
                reused = sub if kind == "subscription" and sub else ""
                if n_line % 3 == 2 and reused and reused not in taken:
                    stripe_id = reused
                elif n_line % 3 == 2:
                    stripe_id = ("sli_" if kind == "subscription" else "ii_") + line_id
                else:
                    stripe_id = line_id
            taken.add(stripe_id)
            out["invoice_line_item"].append([
                stripe_id, unique_id, invoice_id, str(amount), currency.lower(), kind,
                proration, *price_and_plan(r["plan_id"]), sub, r["quantity"].strip(),
                *period, r["updated_at"]])

            discount = 0
            if r["discount_amount"].strip():
                discount = to_minor_units(r["discount_amount"].strip(), currency)
                if discount > 1 and n_line % 3 == 0:
                    parts = [discount // 3, discount - discount // 3]
                elif discount != 0 or n_line % 2 == 0:
                    parts = [discount]
                else:
                    parts = []
                for k, part in enumerate(parts, start=1):
                    out["discount"].append(
                        [f"di_{line_id}_{k}", "PARENT_INVOICE_LINE_ITEM", line_id, str(part)])
            invoice_discount += max(discount, 0)
            line_cents[line_id] = (amount, discount)
            n_line += 1
        if invoice_discount:
            out["discount"].append(
                [f"di_{invoice_id}", "INVOICE", invoice_id, str(invoice_discount)])

    # -- refunds -------------------------------------------------------------
    def positive_net(invoice_id: str) -> list[str]:
        ids = [r["line_item_id"] for r in by_invoice[invoice_id]
               if r["charge_type"].strip().lower() != "tax"]
        ids += [f"{invoice_id}-tax"] if f"{invoice_id}-tax" in line_cents else []
        return [i for i in ids if line_cents[i][0] - line_cents[i][1] > 0]

    invoice_of = {r["line_item_id"]: r["invoice_id"] for r in lines}
    charges: set[str] = set()

    def charge_of(invoice_id: str) -> str:
        charges.add(invoice_id)
        return f"ch_{invoice_id}"

    first_invoice = min(by_invoice)
    for n, refund in enumerate(sorted(dicts("refunds"), key=lambda f: f["refund_id"])):
        rid, line_id = refund["refund_id"], refund["line_item_id"].strip()
        invoice_id = invoice_of.get(line_id, first_invoice)
        currency = currency_of[invoice_id]
        cents = to_minor_units(refund["amount"].strip(), currency)
        line_id = tax_line_ids.get(line_id, line_id)
        if n % 2 == 0 and positive_net(invoice_id) == [line_id]:
            out["refund"].append([f"re_{rid}", charge_of(invoice_id), str(cents),
                                  currency.lower(), "succeeded", refund["refunded_at"]])
            continue
        credit_note = f"cn_{rid}"
        paid_out = f"re_{rid}" if n % 3 != 2 else ""
        out["credit_note"].append(
            [credit_note, invoice_id, "issued", refund["refunded_at"], paid_out])
        # Stripe credits a discounted line's amount and discount pro rata;
        # the refund is their difference, exactly the contract's amount.
        amount, discount = line_cents.get(line_id, (0, 0))
        credited_discount = cents * discount // (amount - discount) \
            if discount > 0 and amount > discount else 0
        out["credit_note_line_item"].append([
            f"cnli_{rid}", credit_note, "invoice_line_item",
            str(cents + credited_discount), str(credited_discount), line_id])
        if paid_out:
            out["refund"].append([paid_out, charge_of(invoice_id), str(cents),
                                  currency.lower(), "succeeded", refund["refunded_at"]])
        else:
            out["credit_note_line_item"].append([
                f"cnli_{rid}_custom", credit_note, "custom_line_item", "500", "0", ""])

    # -- rows the project must ignore ----------------------------------------
    # A paid invoice of a real customer, latest first: copies of it that
    # were read would change the marts.
    real = {row[0] for row in out["customer"] if row[5] != "false"}
    source = max((i for i in by_invoice
                  if by_invoice[i][0]["invoice_status"].strip().lower() == "paid"
                  and by_invoice[i][0]["account_id"].strip() in real),
                 key=lambda i: (by_invoice[i][0]["invoice_date"], i))
    invoice_row = next(row for row in out["invoice"] if row[0] == source)
    source_lines = [row for row in out["invoice_line_item"] if row[2] == source]
    for suffix, status, is_deleted in (("draft", "draft", "false"),
                                       ("deleted", "paid", "true")):
        copy_id = f"{source}_{suffix}"
        out["invoice"].append([copy_id, *invoice_row[1:3], status, *invoice_row[4:7],
                               is_deleted, invoice_row[8]])
        for row in source_lines:
            out["invoice_line_item"].append([f"{row[1] or row[0]}_{suffix}", "", copy_id,
                                             *row[3:]])
    target = positive_net(source)[0]
    amount, discount = line_cents[target]
    out["credit_note"].append([f"cn_void_{source}", source, "void",
                               fmt_ts(invoice_created[source] + timedelta(days=3)), ""])
    out["credit_note_line_item"].append([
        f"cnli_void_{source}", f"cn_void_{source}", "invoice_line_item", str(amount),
        str(discount), target])
    out["refund"].append([f"re_failed_{source}", charge_of(source), str(amount - discount),
                          currency_of[source].lower(), "failed",
                          fmt_ts(invoice_created[source] + timedelta(days=4))])
    out["charge"].append([f"ch_{source}_no_invoice", ""])
    out["refund"].append([f"re_{source}_no_invoice", f"ch_{source}_no_invoice", "1234",
                          currency_of[source].lower(), "succeeded",
                          fmt_ts(invoice_created[source] + timedelta(days=5))])
    out["charge"].extend([f"ch_{i}", i] for i in charges)

    for rows in out.values():
        rows.sort()
    for name in STRIPE_CONTRACT_TABLES:
        out[name] = tables[name]
    return out


# --------------------------------------------------------------------------
# Public API.
# --------------------------------------------------------------------------
# Above this many accounts the data is generated in chunks of about this
# size, in parallel: each chunk is a Generator of its own (seeded from the
# seed and the chunk's number), its ids prefixed with the chunk (acc_0001
# becomes acc_c002_0001), so that ~850,000 accounts (~10M lines) take
# minutes and bounded memory. Up to this size the output is one Generator's,
# as it always was (the demo data stays byte for byte the same).
CHUNK_ACCOUNTS = 25_000
# Id columns that name a generated row, per table (plans are shared).
ID_COLUMNS = {
    "accounts": ["account_id"],
    "subscriptions": ["subscription_id", "account_id"],
    "users": ["user_id", "account_id"],
    "invoice_line_items": ["line_item_id", "invoice_id", "account_id", "subscription_id"],
    "refunds": ["refund_id", "line_item_id"],
}
# Tables every chunk would generate alike: written once (acquisition spend
# is summed over the chunks instead).
SHARED_TABLES = ("plans", "fx_rates")


def _chunk_tables(args: tuple) -> dict[str, list[list[str]]]:
    index, seed, accounts, start_month, months = args
    tables = Generator(seed * 1_000_003 + index, accounts, start_month, months).run()
    tag = f"_c{index:03d}_"
    for name, columns in ID_COLUMNS.items():
        positions = [COLUMNS[name].index(column) for column in columns]
        for row in tables[name]:
            for position in positions:
                if row[position]:
                    row[position] = row[position].replace("_", tag, 1)
    return tables


def _chunk_stripe_tables(args: tuple) -> dict[str, list[list[str]]]:
    # Converted in the worker: the chunk's ids are already prefixed, and
    # every Stripe id is derived from a contract id, so they stay unique.
    return to_stripe(_chunk_tables(args))


def output_columns(shape: str) -> dict[str, list[str]]:
    """The files a shape writes, each with its columns."""
    if shape == "contract":
        return COLUMNS
    if shape == "stripe":
        return {**STRIPE_COLUMNS, **{name: COLUMNS[name] for name in STRIPE_CONTRACT_TABLES}}
    raise ValueError(f"unknown shape {shape!r}: contract or stripe")


def _write_chunked(out_dir: Path, seed: int, accounts: int, start_month: date,
                   months: int, jobs: int | None, shape: str = "contract") -> dict[str, int]:
    import multiprocessing

    columns = output_columns(shape)
    shared = SHARED_TABLES if shape == "contract" else STRIPE_SHARED_TABLES
    worker = _chunk_tables if shape == "contract" else _chunk_stripe_tables
    parts = -(-accounts // CHUNK_ACCOUNTS)
    sizes = [accounts // parts + (1 if i < accounts % parts else 0) for i in range(parts)]
    counts = dict.fromkeys(columns, 0)
    spend: dict[tuple[str, str], Decimal] = {}
    handles = {name: open(out_dir / f"{name}.csv", "w", encoding="utf-8", newline="")
               for name in columns}
    try:
        writers = {name: csv.writer(handle, lineterminator="\n")
                   for name, handle in handles.items()}
        for name, cols in columns.items():
            writers[name].writerow(cols)
        work = [(i, seed, size, start_month, months) for i, size in enumerate(sizes)]
        with multiprocessing.Pool(jobs or os.cpu_count() or 1) as pool:
            for index, tables in enumerate(pool.imap(worker, work)):
                for name in columns:
                    if name == "acquisition_spend":
                        for month, channel, amount in tables[name]:
                            spend[month, channel] = spend.get((month, channel), ZERO) + Decimal(amount)
                        continue
                    if name in shared and index > 0:
                        continue
                    writers[name].writerows(tables[name])
                    counts[name] += len(tables[name])
        writers["acquisition_spend"].writerows(
            [month, channel, str(amount)] for (month, channel), amount in sorted(spend.items()))
        counts["acquisition_spend"] = len(spend)
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def _to_parquet(out_dir: Path, names: Iterable[str] = COLUMNS) -> None:
    """Each CSV as a Parquet file of text columns (the contract's types are
    text until staging casts them), then the CSV removed."""
    import duckdb

    connection = duckdb.connect()
    try:
        for name in names:
            source, target = out_dir / f"{name}.csv", out_dir / f"{name}.parquet"
            connection.execute(
                f"copy (select * from read_csv('{source}', header = true, all_varchar = true,"
                f" quote = '\"', escape = '\"')) to '{target}' (format parquet)"
            )
            source.unlink()
    finally:
        connection.close()


def generate(out_dir: Path, seed: int = 42, accounts: int = 400,
             start_month: date = date(2024, 9, 1), months: int = 27,
             file_format: str = "csv", jobs: int | None = None) -> dict[str, int]:
    """Write the contract files into out_dir; return row counts per table."""
    return _generate(out_dir, seed, accounts, start_month, months, file_format, jobs,
                     "contract")


def generate_stripe(out_dir: Path, seed: int = 42, accounts: int = 400,
                    start_month: date = date(2024, 9, 1), months: int = 27,
                    file_format: str = "csv", jobs: int | None = None) -> dict[str, int]:
    """Write the same demo as generate() does, in the shape Fivetran's Stripe
    connector lands it (to_stripe); return row counts per table."""
    return _generate(out_dir, seed, accounts, start_month, months, file_format, jobs,
                     "stripe")


def _generate(out_dir: Path, seed: int, accounts: int, start_month: date, months: int,
              file_format: str, jobs: int | None, shape: str) -> dict[str, int]:
    out_dir = Path(out_dir)
    columns = output_columns(shape)
    out_dir.mkdir(parents=True, exist_ok=True)
    if accounts > CHUNK_ACCOUNTS:
        counts = _write_chunked(out_dir, seed, accounts, start_month, months, jobs, shape)
    else:
        tables = Generator(seed, accounts, start_month, months).run()
        if shape == "stripe":
            tables = to_stripe(tables)
        counts = {}
        for name, cols in columns.items():
            rows = tables[name]
            with open(out_dir / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(cols)
                w.writerows(rows)
            counts[name] = len(rows)
    if file_format == "parquet":
        _to_parquet(out_dir, columns)
    return counts


def _parse_month(s: str) -> date:
    try:
        return datetime.strptime(s, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM month: {s!r}") from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="demo_data", type=Path,
                    help="output folder (default: demo_data)")
    ap.add_argument("--seed", default=42, type=int, help="random seed (default: 42)")
    ap.add_argument("--accounts", default=400, type=int,
                    help=f"number of accounts (default: 400, minimum {MIN_ACCOUNTS})")
    ap.add_argument("--start-month", default=date(2024, 9, 1), type=_parse_month,
                    help="first month, YYYY-MM (default: 2024-09)")
    ap.add_argument("--months", default=27, type=int,
                    help=f"number of months (default: 27, minimum {MIN_MONTHS})")
    ap.add_argument("--format", default="csv", choices=["csv", "parquet"],
                    help="file format (default: csv; parquet holds the same text values)")
    ap.add_argument("--jobs", default=None, type=int,
                    help=f"processes for more than {CHUNK_ACCOUNTS:,} accounts (default: all cores)")
    ap.add_argument("--shape", default="contract", choices=["contract", "stripe"],
                    help="contract files (default), or the same demo as Fivetran's Stripe "
                         "tables (users, fx_rates, acquisition_spend stay contract files)")
    a = ap.parse_args(argv)
    write = generate_stripe if a.shape == "stripe" else generate
    try:
        counts = write(a.out, seed=a.seed, accounts=a.accounts,
                       start_month=a.start_month, months=a.months,
                       file_format=a.format, jobs=a.jobs)
    except ValueError as e:
        ap.error(str(e))
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    print(f"written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
