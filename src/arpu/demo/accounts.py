"""Who signs up: the accounts with a fixed scenario, so that every feature
of the data exists whatever the seed, and the random ones."""

import calendar
import random
from datetime import date, timedelta
from decimal import Decimal

from arpu.demo.catalogue import (
    CHANNEL_WEIGHTS,
    CHANNELS,
    COUNTRIES,
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    LEGACY_PLAN,
    NAME_A,
    NAME_B,
    NAME_C,
    SEAT_PLANS,
)
from arpu.demo.model import Account, add_months


class Accounts:
    """The accounts of a Generator (generator.py), which mixes this in: it
    draws from the generator's one rng (and its rand_time), in the order
    run() calls these."""

    rng: random.Random
    start: date
    cutoff: date

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
