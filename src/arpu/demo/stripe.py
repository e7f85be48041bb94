"""The same demo as Fivetran's Stripe connector lands it: to_stripe, with
the catalogue, subscriptions and customers here and the invoices, their
lines, refunds and credit notes in stripe_ledger."""

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta

from arpu.demo.model import COLUMNS, fmt_ts
from arpu.demo.stripe_ledger import write_ignored_rows, write_invoices, write_refunds
from arpu.demo.stripe_model import (
    STRIPE_COLUMNS,
    STRIPE_CONTRACT_TABLES,
    STRIPE_LEGACY_PLANS,
    metadata_json,
)


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
    prices = _write_catalogue(out, dicts("plans"))

    def price_and_plan(plan_id: str) -> list[str]:
        """[price_id, plan_id] of a line or item billing plan_id."""
        plan_id = plan_id.strip()
        return [plan_id, ""] if plan_id in prices else ["", plan_id]

    sub_time, ended = _write_subscriptions(out, dicts("subscriptions"), price_and_plan)
    _write_customers(out, dicts("accounts"), ended)
    invoices = write_invoices(out, dicts("invoice_line_items"), sub_time, price_and_plan)
    write_refunds(out, invoices, dicts("refunds"))
    write_ignored_rows(out, invoices)
    out["charge"].extend([f"ch_{i}", i] for i in invoices.charges)

    for rows in out.values():
        rows.sort()
    for name in STRIPE_CONTRACT_TABLES:
        out[name] = tables[name]
    return out


def _write_catalogue(out: dict[str, list[list[str]]],
                     plans: list[dict[str, str]]) -> set[str]:
    """One product per plan, and its price (or legacy plan); returns the
    plan ids that are prices."""
    prices: set[str] = set()
    for n, plan in enumerate(sorted(plans, key=lambda p: p["plan_id"])):
        pid = plan["plan_id"]
        product = "prod_" + pid.removeprefix("plan_")
        rank = plan["tier_rank"]
        out["product"].append([product, plan["plan_name"], metadata_json({
            "tier": plan["tier"] or None,
            "tier_rank": (int(rank) if n % 2 == 0 else rank) if rank else None,
            "pricing_model": plan["pricing_model"] or None})])
        nickname = plan["plan_name"] if n % 2 == 1 else ""
        if pid in STRIPE_LEGACY_PLANS:
            out["plan"].append([pid, nickname, product, "licensed"])
        else:
            out["price"].append([pid, nickname, product, "licensed"])
            prices.add(pid)
    return prices


def _write_subscriptions(out: dict[str, list[list[str]]],
                         subscriptions: list[dict[str, str]],
                         price_and_plan: Callable[[str], list[str]],
                         ) -> tuple[dict[str, time], dict[str, list[bool]]]:
    """Subscription histories (or legacy subscriptions) and their items;
    returns each subscription's time of day and, per account, whether each
    of its subscriptions ended."""
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
    return sub_time, ended


def _write_customers(out: dict[str, list[list[str]]], accounts: list[dict[str, str]],
                     ended: dict[str, list[bool]]) -> None:
    """One customer per account (soft-deleted now and then once every
    subscription of it has ended)."""
    livemode = {"true": "false", "false": "true", "": ""}
    deleted_candidates = 0
    for n, a in enumerate(accounts):
        if a["is_test"].strip().lower() not in livemode:
            raise ValueError(f"{a['account_id']}: is_test {a['is_test']!r} is no livemode")
        # A count that is no integer stays text, for the contract to reject.
        employees = a["employee_count"]
        as_number = re.fullmatch(r"-?\d+", employees) and n % 5 != 0
        metadata = metadata_json({
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
