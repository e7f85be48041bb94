"""A readable summary of the as-of month, read from the marts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb


def _money(value) -> str:
    if value is None:
        return "-"
    return f"{Decimal(value):,.2f}"


def _ratio(value) -> str:
    return "-" if value is None else f"{float(value):,.2f}"


def summarize(database: Path) -> str:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        as_of = connection.execute("select as_of_date from main.int_as_of_date").fetchone()
        row = connection.execute(
            """
            select month, paying_accounts, paying_users, mrr, arpa, arpu, new_accounts
            from main.mart_arpu_monthly
            order by month desc
            limit 1
            """
        ).fetchone()
        months = connection.execute("select count(*) from main.mart_arpu_monthly").fetchone()[0]
        rejected_rows = connection.execute("select count(*) from main.rejected_rows").fetchone()[0]
        rejected = connection.execute(
            """
            select source_table, rejection_reason, count(*)
            from main.rejected_rows_by_reason
            group by 1, 2
            order by 1, 2
            """
        ).fetchall()
    finally:
        connection.close()

    lines = []
    if row is None:
        lines.append("No month to report: no accepted paid or open invoice line.")
    else:
        month, accounts, users, mrr, arpa, arpu, new_accounts = row
        lines += [
            f"As of {as_of[0]} ({months} month{'s' if months != 1 else ''} reported), "
            f"month {month:%Y-%m}:",
            f"  paying accounts  {accounts:>14,}   (new: {new_accounts:,})",
            f"  paying users     {users:>14,}",
            f"  MRR              {_money(mrr):>14}",
            f"  ARPA             {_ratio(arpa):>14}",
            f"  ARPU             {_ratio(arpu):>14}",
        ]
    if rejected:
        lines.append(
            f"Warning: {rejected_rows:,} input rows rejected and left out of every metric "
            "(tables rejected_rows, rejected_invoice_line_items). Rows by reason:"
        )
        for table, reason, count in rejected:
            lines.append(f"  {table:<20} {reason:<36} {count:>8,}")
    return "\n".join(lines)
