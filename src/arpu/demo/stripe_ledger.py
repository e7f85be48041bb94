"""The Stripe ledger of the demo, for to_stripe (stripe.py): invoices and
their lines and discounts, the refunds as credit notes and refunds, and the
rows the project must ignore (drafts, deleted copies, a void credit note,
failed refunds)."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from arpu.demo.model import fmt_ts
from arpu.demo.stripe_model import (
    CONTRACT_DECIMAL,
    CHARGE_TYPES,
    is_iso_date,
    whole_months,
    to_minor_units,
)


@dataclass
class Invoices:
    """The invoices as written, for the refunds and the rows to ignore."""

    lines: list[dict[str, str]]  # the contract lines Stripe holds
    by_invoice: dict[str, list[dict[str, str]]]
    created: dict[str, datetime]
    currency: dict[str, str]
    line_cents: dict[str, tuple[int, int]]  # line id -> (amount, discount)
    tax_line_ids: dict[str, str]  # contract tax line id -> Stripe's
    # Invoices a refund reaches through their charge: to_stripe writes one
    # charge for each.
    charges: set[str] = field(default_factory=set)

    def positive_net(self, invoice_id: str) -> list[str]:
        """The invoice's Stripe lines, its tax line included, whose net
        (amount less discount) is positive."""
        ids = [r["line_item_id"] for r in self.by_invoice[invoice_id]
               if r["charge_type"].strip().lower() != "tax"]
        ids += [f"{invoice_id}-tax"] if f"{invoice_id}-tax" in self.line_cents else []
        return [i for i in ids if self.line_cents[i][0] - self.line_cents[i][1] > 0]

    def charge_of(self, invoice_id: str) -> str:
        """The id of the charge that paid the invoice (noted in charges)."""
        self.charges.add(invoice_id)
        return f"ch_{invoice_id}"


def write_invoices(out: dict[str, list[list[str]]], raw_lines: list[dict[str, str]],
                   sub_time: dict[str, time],
                   price_and_plan: Callable[[str], list[str]]) -> Invoices:
    """Every invoice and its lines and discounts; the contract's tax lines
    become the invoice's tax."""
    copies = Counter(r["line_item_id"] for r in raw_lines)
    lines = [r for r in raw_lines
             if copies[r["line_item_id"]] == 1
             and r["charge_type"].strip().lower() in CHARGE_TYPES
             and CONTRACT_DECIMAL.fullmatch(r["amount"].strip())
             and is_iso_date(r["invoice_date"].strip())]
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
                whole = has_period and whole_months(date.fromisoformat(ps),
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
    return Invoices(lines, by_invoice, invoice_created, currency_of, line_cents,
                    tax_line_ids)


def write_refunds(out: dict[str, list[list[str]]], invoices: Invoices,
                  refunds: list[dict[str, str]]) -> None:
    """Each refund as a credit note (paid out by a refund, or not), or as a
    bare refund of the invoice's charge."""
    by_invoice, line_cents = invoices.by_invoice, invoices.line_cents
    currency_of, tax_line_ids = invoices.currency, invoices.tax_line_ids
    positive_net, charge_of = invoices.positive_net, invoices.charge_of
    invoice_of = {r["line_item_id"]: r["invoice_id"] for r in invoices.lines}
    first_invoice = min(by_invoice)
    for n, refund in enumerate(sorted(refunds, key=lambda f: f["refund_id"])):
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


def write_ignored_rows(out: dict[str, list[list[str]]], invoices: Invoices) -> None:
    """Rows the project must ignore: read, they would change the marts."""
    by_invoice, line_cents = invoices.by_invoice, invoices.line_cents
    invoice_created, currency_of = invoices.created, invoices.currency
    positive_net, charge_of = invoices.positive_net, invoices.charge_of

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
