"""What the accounts buy: their subscriptions, billed period by period
(fees, seats, usage, setup fees, credits, seat upgrades), with churn,
upgrades and reactivation, into invoices."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from arpu.demo.catalogue import ADDON_PRICE, LEGACY_PLAN, PRICES, SEAT_PLANS
from arpu.demo.model import ZERO, Account, Invoice, Line, Sub, add_months, at_midnight, money


class Subscriptions:
    """The subscriptions and invoices of a Generator (generator.py), which
    mixes this in: it draws from the generator's one rng, in the order
    run() calls these."""

    rng: random.Random
    cutoff: date
    cutoff_end: datetime
    subs: list[Sub]
    invoices: list[Invoice]
    _inv_index: dict[tuple, Invoice]

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
