"""What happens to the invoices once billed, and the tables beside them:
tax lines, statuses (void and reissued, uncollectible, open), refunds,
users, FX rates and acquisition spend."""

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from arpu.demo.catalogue import SEAT_PLANS, SPEND_CHANNELS
from arpu.demo.model import (
    FX_QUANT,
    ZERO,
    Account,
    Invoice,
    Line,
    add_months,
    at_midnight,
    fmt_date,
    fmt_money,
    money,
)


class Ledger:
    """The rest of a Generator's ledger (generator.py mixes this in): it
    draws from the generator's one rng (and its rand_time and cap), in the
    order run() calls these."""

    rng: random.Random
    start: date
    months: int
    last_month: date
    range_end: date
    cutoff: date
    cutoff_end: datetime
    recent_from: date
    accounts: list[Account]
    invoices: list[Invoice]
    refunds: list[tuple[Line, Invoice, Decimal, datetime]]
    users: list[tuple[str, datetime, datetime | None]]

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
