"""A readable summary of the as-of month, read from the marts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from arpu.ranking import ranked_segments
from arpu.text import money, percent, printable

MAX_ALERTS_SHOWN = 10
# More months than this is more history than a SaaS business plausibly has
# in one ledger: more likely a mistyped --as-of or a date like 1900-01-01.
MAX_PLAUSIBLE_MONTHS = 120


@dataclass
class Summary:
    text: str
    rejected_rows: int
    warnings: list[str] = field(default_factory=list)


def _segments(connection, month, min_accounts: int) -> list[str]:
    """Top and bottom three segments by ARPA in the month (ranking.py)."""
    names = ("segment_type", "segment_value", "paying_accounts", "arpa")
    rows = connection.execute(
        f"select {', '.join(names)} from main.mart_arpu_by_segment where month = ?",
        [month],
    ).fetchall()
    ranked, large = ranked_segments([dict(zip(names, row)) for row in rows], min_accounts)
    if not ranked:
        return [f"Segments by ARPA: none, since no account pays in {month:%Y-%m}."]
    picked = ranked if len(ranked) <= 6 else ranked[:3] + ranked[-3:]
    bar = (f"at least {min_accounts:,} paying accounts" if large
           else f"every segment has fewer than {min_accounts:,} paying accounts: all ranked")
    lines = [f"Segments by ARPA ({bar}), top and bottom:"]
    for index, row in enumerate(picked):
        if len(ranked) > 6 and index == 3:
            lines.append("  ...")
        lines.append(f"  {printable(row['segment_type'] + '=' + row['segment_value']):<36} "
                     f"{money(row['arpa']):>12}  ({row['paying_accounts']:,} accounts)")
    return lines


def _alerts(connection, month) -> list[str]:
    rows = connection.execute(
        """
        select alert_type, segment_type, segment_value, metric_value, threshold
        from main.mart_arpu_alerts
        where month = ?
        order by
            case when segment_type = 'all' then 0 else 1 end,
            metric_value - threshold,
            alert_type, segment_type, segment_value
        """,
        [month],
    ).fetchall()
    if not rows:
        return ["Alerts: none."]
    lines = [f"Alerts ({len(rows)}, whole base first, then the largest falls):"]
    for alert_type, segment_type, value, metric, threshold in rows[:MAX_ALERTS_SHOWN]:
        where = "all accounts" if segment_type == "all" else printable(f"{segment_type}={value}")
        if alert_type == "new_below_blended":
            detail = f"new ARPA {money(metric)} < blended {money(threshold)}"
        else:
            detail = f"{percent(metric)} month over month (threshold {percent(threshold)})"
        lines.append(f"  {alert_type:<18} {where:<36} {detail}")
    if len(rows) > MAX_ALERTS_SHOWN:
        lines.append(f"  ... and {len(rows) - MAX_ALERTS_SHOWN} more in table mart_arpu_alerts.")
    return lines


def _range_warnings(as_of, first_month, last_month, months: int, today: dt.date) -> list[str]:
    warnings = []
    if as_of is not None and as_of > today:
        warnings.append(f"Warning: the as-of date {as_of} is after today ({today}).")
    if months > MAX_PLAUSIBLE_MONTHS:
        warnings.append(
            f"Warning: {months:,} months reported ({first_month:%Y-%m} to {last_month:%Y-%m}), "
            f"more than {MAX_PLAUSIBLE_MONTHS // 12} years: check --as-of and the earliest "
            "invoice_date and period_start in the input."
        )
    return warnings


def _build_kind(lines: int, lines_checked: int) -> str:
    if lines_checked == lines:
        return f"Full build: {lines:,} invoice lines checked."
    return (f"Incremental build: {lines_checked:,} of {lines:,} invoice lines checked again "
            "(new, changed or copied, or with a changed account or FX rate).")


def no_revenue_refusal(connection, where: str) -> str | None:
    """Why a finished build must not be published although it reports
    months: its input has revenue lines (not tax) and every one of them was
    rejected (a whole export in a form the contract refuses), so it would
    publish zero MRR. The message counts the reasons. None when the build
    may be published. Reads a connection as summarize_connection does, and
    closes it."""
    try:
        lines, accepted = connection.execute(
            "select revenue_lines, revenue_lines_accepted from main.arpu_build_info"
        ).fetchone()
        if not lines or accepted:
            return None
        reasons = connection.execute(
            """
            select rejection_reason, count(*)
            from main.rejected_rows_by_reason
            where source_table = 'invoice_line_items'
            group by 1
            order by 2 desc, 1
            limit 5
            """
        ).fetchall()
    finally:
        connection.close()
    return (f"Every one of the {lines:,} revenue lines of invoice_line_items was rejected "
            f"(by reason: {', '.join(f'{reason} {count:,}' for reason, count in reasons)}): "
            f"not publishing zero MRR to {where}. Check the input's format "
            "(docs/billing_contract.md); --allow-empty publishes it anyway, with the rejected "
            "rows in its audit tables.")


def summarize(database: Path) -> Summary:
    """The summary of the as-of month, with its warnings."""
    return summarize_connection(duckdb.connect(str(database), read_only=True))


def summarize_connection(connection) -> Summary:
    """The same from any connection whose `execute(sql, parameters)` reads
    schema `main` with `?` parameters, as DuckDB's does (warehouse.py
    adapts PostgreSQL's); it is closed afterwards."""
    try:
        (as_of, first_month, last_month, months, invoice_lines, lines_checked,
         source, revenue_lines, revenue_accepted, future, partial,
         min_segment_accounts, currency) = connection.execute(
            "select as_of_date, first_month, last_month, months_reported, "
            "invoice_lines, invoice_lines_checked, billing_source, revenue_lines, "
            "revenue_lines_accepted, lines_updated_in_future, is_as_of_month_partial, "
            "min_segment_accounts, reporting_currency from main.arpu_build_info"
        ).fetchone()
        # Drafts and the like are normal, not warnings; but they are counted,
        # so that no Stripe row disappears without a word.
        not_read = connection.execute(
            """
            select stripe_table, outcome, row_count
            from main.stripe_input_summary
            where outcome != 'read'
            order by 1, 2
            """
        ).fetchall() if source == "stripe" else []
        row = connection.execute(
            """
            select month, paying_accounts, paying_users, mrr, arpa, arpu, new_accounts
            from main.mart_arpu_monthly
            order by month desc
            limit 1
            """
        ).fetchone()
        rejected_rows = connection.execute("select count(*) from main.rejected_rows").fetchone()[0]
        details = []
        if row is not None:
            details = (_segments(connection, row[0], min_segment_accounts)
                       + _alerts(connection, row[0]))
        rejected = connection.execute(
            """
            select source_table, rejection_reason, count(*), max(expected_forms)
            from main.rejected_rows_by_reason
            group by 1, 2
            order by 1, 2
            """
        ).fetchall()
        over_refunded_lines, over_refunds = connection.execute(
            "select count(*), coalesce(sum(refund_count), 0) from main.over_refunded_lines"
        ).fetchone()
    finally:
        connection.close()

    lines = [_build_kind(invoice_lines, lines_checked)]
    if future:
        lines.append(f"Note: {future:,} invoice lines have an updated_at after today; read as "
                     "any other (incremental builds compare rows, not times), but check the "
                     "source's clock.")
    warnings = _range_warnings(as_of, first_month, last_month, months, dt.date.today())
    if row is None:
        when = f" on or before the as-of date {as_of}" if as_of else ""
        warnings.insert(0,
            "Warning: no month to report: no accepted paid or open invoice line of a real "
            f"(non-test) account{when}."
        )
    else:
        month, accounts, users, mrr, arpa, arpu, new_accounts = row
        lines += [
            f"As of {as_of} ({months} month{'s' if months != 1 else ''} reported), "
            f"month {month:%Y-%m}, amounts in {printable(currency)}:",
            *([_partial_month(month, as_of, months)] if partial else []),
            f"  paying accounts  {accounts:>14,}   (new: {new_accounts:,})",
            f"  paying users     {users:>14,}",
            f"  MRR              {money(mrr):>14}",
            f"  ARPA             {money(arpa):>14}",
            f"  ARPU             {money(arpu):>14}",
        ]
    lines += details
    if not_read:
        lines.append("Stripe rows not read, or read and rejected (table stripe_input_summary):")
        lines += [f"  {printable(table):<22} {printable(outcome):<40} {count:>8,}"
                  for table, outcome, count in not_read]
    if revenue_lines and not revenue_accepted:
        warnings.append(f"Warning: every one of the {revenue_lines:,} revenue lines (not tax) "
                        "was rejected: MRR is zero because of the input, not the business.")
    if rejected:
        warnings.append(
            f"Warning: {rejected_rows:,} input rows rejected and left out of every metric.\n"
            "  See tables rejected_rows and rejected_invoice_line_items. By reason:\n"
            + "\n".join(f"  {printable(table):<20} {printable(reason):<36} {count:>8,}"
                        + (f"\n    expected {expected}" if expected else "")
                        for table, reason, count, expected in rejected)
        )
    if over_refunded_lines:
        warnings.append(_over_refund_warning(over_refunded_lines, over_refunds))
    return Summary("\n".join(lines + warnings), rejected_rows, warnings)


def _partial_month(month: dt.date, as_of: dt.date, months: int) -> str:
    """The as-of month ends before its last day: its numbers are a snapshot
    on the as-of date (docs/metrics.md section 1), not a whole month's."""
    before = (month - dt.timedelta(days=1)).replace(day=1)
    whole = f"; the last whole month is {before:%Y-%m}" if months > 1 else ""
    return f"  partial month: a snapshot on {as_of}, not the whole month{whole}"


def _over_refund_warning(lines: int, refunds: int) -> str:
    """Refunds larger than their line are applied as given (billing
    contract, "Bad input"), but are more likely a mistyped amount than a
    gift."""
    return (
        f"Warning: {lines:,} invoice line{'s' if lines != 1 else ''} refunded more than "
        f"amount - discount ({refunds:,} refund{'s' if refunds != 1 else ''}): applied as "
        "given, so the line's net is negative.\n"
        "  See table over_refunded_lines for the lines and their refund ids."
    )
