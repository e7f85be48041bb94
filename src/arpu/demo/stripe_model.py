"""The Stripe tables' shape: their columns as Fivetran lands them, which
tables stay contract files, and money in the currency's minor unit."""

import calendar
import csv
import json
import re
from datetime import date
from decimal import Decimal

from arpu.demo.model import PROJECT, add_months

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
with (PROJECT / "seeds" / "stripe_currency_exponents.csv").open(newline="") as _seed:
    CURRENCY_EXPONENTS = {row["currency"]: int(row["exponent"])
                          for row in csv.DictReader(_seed)}
CHARGE_TYPES = ("recurring", "usage", "one_time", "tax")
# What the contract reads as a decimal (billing-contract.md).
CONTRACT_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


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


def is_iso_date(value: str) -> bool:
    if len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def whole_months(start: date, end: date) -> bool:
    """metrics.md section 2: [start, end) is k >= 1 whole months of one
    billing anchor day (a plain subscription period, not a proration)."""
    k = (end.year - start.year) * 12 + end.month - start.month
    if k < 1:
        return False

    def last(d: date) -> bool:
        return d.day == calendar.monthrange(d.year, d.month)[1]

    return add_months(start, k) == end or (
        last(start) and (last(end) or end.day >= start.day))


def metadata_json(values: dict[str, str | int | None]) -> str:
    """A metadata object of the values that are set, as JSON text."""
    return json.dumps({k: v for k, v in values.items() if v is not None})
