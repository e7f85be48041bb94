"""One run of the demo: a Generator makes the accounts, simulates their
subscriptions and ledger, and returns the contract's tables as rows of
text. Its parts are mixins, one per concern (accounts, subscriptions,
ledger, bad_rows); all of them draw from the one random.Random(seed) here,
in the order run() calls them, so the same arguments give the same rows."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from arpu.demo.accounts import Accounts
from arpu.demo.bad_rows import BadRows
from arpu.demo.catalogue import PLANS
from arpu.demo.ledger import Ledger
from arpu.demo.model import (
    MIN_ACCOUNTS,
    MIN_MONTHS,
    Account,
    Invoice,
    Line,
    Sub,
    add_months,
    fmt_date,
    fmt_money,
    fmt_ts,
)
from arpu.demo.subscriptions import Subscriptions


class Generator(Accounts, Subscriptions, Ledger, BadRows):
    """One run: Generator(seed, accounts, start month, months).run() gives
    the contract's tables, each a list of rows of text in contract column
    order."""

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
