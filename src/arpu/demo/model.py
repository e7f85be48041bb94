"""What every part of the demo generator shares: the contract's columns,
the constants, money and date formatting, and the objects a run builds
(accounts, subscriptions, invoices and their lines)."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from arpu.contract import load_contract
from arpu.runner import project_dir

# The project the demo is made for: its contract, and its seed of Stripe's
# currency exponents (stripe_model).
PROJECT = project_dir()
# The contract's columns, in contract order, as the dbt project declares
# them (models/staging/billing/_billing__sources.yml, read by arpu.contract):
# the generator keeps no copy of its own.
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
