"""The deliberately broken rows: one of each kind the quarantine (the
rejected-rows models) must catch, appended after every valid row."""

from datetime import date, datetime, time

from arpu.demo.model import (
    UNKNOWN_ACCOUNT_ID,
    UNKNOWN_LINE_ITEM_ID,
    Account,
    Sub,
    add_months,
    fmt_date,
    fmt_ts,
)


class BadRows:
    """Mixed into Generator (generator.py), whose accounts and subscriptions
    it reads once their ids are set; it draws no random number."""

    start: date
    accounts: list[Account]
    subs: list[Sub]

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
