"""`arpu report`: one self-contained HTML page of charts, read from the marts.

Every number on the page is a mart column (docs/report.md); this module only
reads them, checks the optional targets file and writes the page. The
figures and the HTML are in report_page.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from arpu.report_output import NotAReport, check_replaceable, write_atomically
from arpu.project import exposure_tables, project_var, segment_types
from arpu.runner import project_dir
from arpu.text import printable

DEFAULT_MIX_SEGMENT_TYPE = "plan_tier"
# The alerts' and the summary's default (dbt var min_segment_accounts), for
# when the dbt project cannot be found.
DEFAULT_MIN_SEGMENT_ACCOUNTS = 10

# Ten years. A database spanning more is most likely built with a wrong
# --as-of (9999-12-31: some 95,000 months, a 166 MB page of the demo): the
# page shows the last MONTHS_SHOWN unless --months says otherwise, and says so.
MONTHS_SHOWN = 120
# The headline compares the as-of month with the month before.
MIN_MONTHS = 2
# Far above any real range (years 1 to 9999 are 119,988 months); a bound
# keeps the SQL parameter a bigint.
MAX_MONTHS = 1_000_000
MONTHS_NUMBER = re.compile(r"[0-9]{1,7}")

TARGETS_HEADER = ("month", "metric", "target")
TARGET_METRICS = ("arpa", "arpu")
TARGET_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(-01)?")
# As the billing contract's decimals, without the sign: no exponent, no
# thousands separators, so "1e3" or "1,200" is an error, not a guess.
TARGET_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


class ReportError(Exception):
    """A usage or input error: the message says what is wrong; nothing was written."""


@dataclass(frozen=True)
class Target:
    month: dt.date
    metric: str  # arpa or arpu
    target: Decimal
    line: int


@dataclass
class Marts:
    """What the page shows, as read from the marts: lists of rows as dicts."""

    build: dict
    monthly: list[dict]
    segments: list[dict]
    cohorts: list[dict]
    account_mrr: list[Decimal]
    movements: dict | None
    bridge: list[dict]
    mix: list[dict]
    mix_segment_type: str
    alerts: list[dict]
    min_segment_accounts: int
    # Months in mart_arpu_monthly, its first month, and whether --months
    # was given: `monthly` holds only the months shown, the last ones.
    months_in_database: int
    first_month_in_database: dt.date
    months_asked: int | None = None
    targets: list[Target] = field(default_factory=list)

    @property
    def as_of_month(self) -> dict:
        return self.monthly[-1]

    @property
    def previous_month(self) -> dict | None:
        return self.monthly[-2] if len(self.monthly) > 1 else None

    @property
    def months_note(self) -> str | None:
        """Why the page shows fewer months than the database has, or warns
        about how many it has; None for a page of every month of a
        database of at most MONTHS_SHOWN months."""
        total, shown = self.months_in_database, len(self.monthly)
        if total <= MONTHS_SHOWN and shown == total:
            return None
        first, last = self.monthly[0]["month"], self.as_of_month["month"]
        spans = (f"The database has {total:,} months ({self.first_month_in_database:%Y-%m} "
                 f"to {last:%Y-%m})")
        if shown == total:
            shows = "this page shows all of them, as --months asked"
        else:
            shows = f"this page shows the last {shown:,}, {first:%Y-%m} to {last:%Y-%m}"
            shows += (", as --months asked" if self.months_asked is not None
                      else "; arpu report --months N shows more")
        if total <= MONTHS_SHOWN:
            return f"{spans}: {shows}."
        return (f"{spans}, more than {MONTHS_SHOWN} (ten years): {shows}. "
                "Check the build's --as-of and the earliest dates in the input.")


# --- the targets file -------------------------------------------------------


def read_targets(path: Path) -> list[Target]:
    """The targets of a CSV `month,metric,target`; a ReportError naming the
    line for anything it cannot read exactly."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _parse_targets(path, csv.reader(handle))
    except UnicodeDecodeError:
        raise ReportError(f"{printable(path)}: not UTF-8 text.") from None
    except csv.Error as error:
        raise ReportError(f"{printable(path)}: not a readable CSV file ({error}).") from None
    except OSError as error:
        raise ReportError(f"{printable(error.filename or path)}: "
                          f"{printable(error.strerror or error)}.") from None


def _parse_targets(path: Path, reader) -> list[Target]:
    header = next((fields for fields in reader if fields), None)  # past blank lines
    if header is None:
        raise ReportError(
            f"{printable(path)} is empty: expected the header month,metric,target and one row "
            "per target."
        )
    if tuple(name.strip().lower() for name in header) != TARGETS_HEADER:
        raise ReportError(
            f"{printable(path)}, line {reader.line_num}: the header is {','.join(header)!r}; "
            "expected month,metric,target."
        )
    targets: list[Target] = []
    first_seen: dict[tuple[dt.date, str], int] = {}
    for fields in reader:
        line = reader.line_num
        if not fields:  # a blank line
            continue
        target = _target_row(path, line, fields)
        key = (target.month, target.metric)
        if key in first_seen:
            raise ReportError(
                f"{printable(path)}, line {line}: a second {target.metric} target for "
                f"{target.month:%Y-%m} (the first is on line {first_seen[key]})."
            )
        first_seen[key] = line
        targets.append(target)
    if not targets:
        raise ReportError(f"{printable(path)} has a header but no target rows.")
    return targets


def _target_row(path: Path, line: int, fields: list[str]) -> Target:
    where = f"{printable(path)}, line {line}"
    if len(fields) != len(TARGETS_HEADER):
        raise ReportError(f"{where}: {len(fields)} fields; expected 3 (month,metric,target).")
    month_text, metric_text, number_text = (value.strip() for value in fields)
    month = _target_month(month_text)
    if month is None:
        raise ReportError(f"{where}: month {month_text!r} is not a month YYYY-MM or YYYY-MM-01.")
    metric = metric_text.lower()
    if metric not in TARGET_METRICS:
        raise ReportError(f"{where}: metric {metric_text!r} is not arpa or arpu.")
    if not TARGET_NUMBER.fullmatch(number_text):
        raise ReportError(
            f"{where}: target {number_text!r} is not a non-negative decimal number "
            "(digits, optionally a dot and digits: 1200 or 85.50)."
        )
    try:
        target = Decimal(number_text)
    except InvalidOperation:  # the pattern lets none through; belt and braces
        raise ReportError(f"{where}: target {number_text!r} is not a number.") from None
    return Target(month, metric, target, line)


def _target_month(text: str) -> dt.date | None:
    match = TARGET_MONTH.fullmatch(text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:  # month 00 or 13
        return None


# --- reading the marts ------------------------------------------------------


def parse_months(text: str | None) -> int | None:
    """--months: a whole number of months, at least MIN_MONTHS; None when
    not given (the page shows the last MONTHS_SHOWN)."""
    if text is None:
        return None
    value = text.strip()
    # ASCII digits only: str.isdigit() passes '²', which int() refuses.
    if not MONTHS_NUMBER.fullmatch(value) or not MIN_MONTHS <= int(value) <= MAX_MONTHS:
        raise ReportError(
            f"--months {text!r} is not a whole number from {MIN_MONTHS} to {MAX_MONTHS:,}: "
            "the number of months to show, the last ones (the headline compares the as-of "
            "month with the month before)."
        )
    return int(value)


def check_segment_type(segment_type: str) -> None:
    valid = segment_types(project_dir())
    if segment_type not in valid:
        raise ReportError(
            f"unknown --mix-segment-type {segment_type!r}; valid ones: {', '.join(valid)}."
        )


def read_marts(
    database: Path,
    mix_segment_type: str = DEFAULT_MIX_SEGMENT_TYPE,
    min_segment_accounts: int = DEFAULT_MIN_SEGMENT_ACCOUNTS,
    months: int | None = None,
) -> Marts:
    """Everything the page shows, read only; a ReportError when the file is
    not a published arpu database with a month to report."""
    check_segment_type(mix_segment_type)
    if not database.exists():
        raise ReportError(f"{printable(database)} does not exist: run `arpu build` first.")
    if not database.is_file():
        raise ReportError(f"{printable(database)} is not a file.")
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as error:
        raise ReportError(
            f"{printable(database)} cannot be opened as a DuckDB database "
            f"({printable(_first_line(error))}); "
            "run `arpu build` first, or point --database at the file it published."
        ) from None
    try:
        _check_tables(connection, database)
        return _read(connection, database, mix_segment_type, min_segment_accounts, months)
    except duckdb.Error as error:
        # A column missing from a table: a database of another arpu version.
        raise ReportError(
            f"{database}: reading the marts failed ({_first_line(error)}); "
            "run `arpu build` again with this version of arpu."
        ) from None
    finally:
        connection.close()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _check_tables(connection, database: Path) -> None:
    present = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' and table_catalog = current_database()"
        ).fetchall()
    }
    # What the page reads: the exposure arpu_report.
    missing = [name for name in exposure_tables(project_dir(), "arpu_report")
               if name not in present]
    if missing:
        raise ReportError(
            f"{database} has no table {', '.join('main.' + name for name in missing)}: "
            "it holds no marts of arpu. Run `arpu build` first (--database names the file)."
        )


def _rows(connection, sql: str, parameters: list | None = None) -> list[dict]:
    cursor = connection.execute(sql, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _months(connection, months: int) -> tuple[int, int, dt.date | None, dt.date | None]:
    """Months in mart_arpu_monthly, how many of them have a paying account,
    its first month, and the first of the last `months` months: every
    later query reads from that month on, so that a database of 95,700
    months is read as fast as one of `months`."""
    return connection.execute(
        """
        with shown as (

            select month from main.mart_arpu_monthly
            order by month desc
            limit ?

        )

        select
            (select count(*) from main.mart_arpu_monthly),
            (select count(*) from main.mart_arpu_monthly where paying_accounts > 0),
            (select min(month) from main.mart_arpu_monthly),
            (select min(month) from shown)
        """,
        [months],
    ).fetchone()


def _read(connection, database: Path, mix_segment_type: str, min_segment_accounts: int,
          months: int | None) -> Marts:
    build = _rows(
        connection,
        "select project_version, reporting_currency, as_of_date, first_month, last_month, "
        "months_reported, built_at, dbt_version, billing_data_dir, invoice_lines "
        "from main.arpu_build_info",
    )
    total, paying, first_month, first_shown = _months(
        connection, MONTHS_SHOWN if months is None else months)
    if not build or not paying:
        as_of = build[0]["as_of_date"] if build else None
        raise ReportError(
            f"{database} has no month with a paying account (mart_arpu_monthly"
            f"{' is empty' if not total else ' has only months where nobody pays'}"
            f"{f', as of {as_of}' if as_of else ''}): nothing to report. Check the input "
            "(paid or open recurring lines of real accounts) or --as-of, then run "
            "`arpu build` again."
        )
    monthly = _rows(
        connection,
        """
        select month, paying_accounts, paying_users, mrr, arr, arpa, arpu,
            new_accounts, new_arpa, new_arpu, arpa_median, arpa_p90,
            arpa_mom_change, arpu_mom_change
        from main.mart_arpu_monthly
        where month >= ?
        order by month
        """,
        [first_shown],
    )
    as_of_month = monthly[-1]["month"]
    return Marts(
        build=build[0],
        monthly=monthly,
        segments=_rows(
            connection,
            """
            select month, segment_type, segment_value, paying_accounts, arpa
            from main.mart_arpu_by_segment
            where month >= ?
            order by segment_type, segment_value, month
            """,
            [first_shown],
        ),
        # The cohorts that start in the months shown: an older cohort's
        # columns would run to its age in months (95,000 in a database of
        # as-of 9999-12-31), not to the months shown.
        cohorts=_rows(
            connection,
            """
            select cohort_month, months_since_cohort, cohort_accounts, paying_accounts,
                arpa_expansion, logo_retention
            from main.mart_arpu_by_cohort
            where cohort_month >= ?
            order by cohort_month, months_since_cohort
            """,
            [first_shown],
        ),
        account_mrr=[
            mrr
            for (mrr,) in connection.execute(
                "select mrr from main.dim_active_customers where month = ? order by mrr",
                [as_of_month],
            ).fetchall()
        ],
        movements=next(
            iter(
                _rows(
                    connection,
                    """
                    select month, opening_mrr, new_mrr, expansion_mrr, reactivation_mrr,
                        contraction_mrr, churned_mrr, fx_mrr, closing_mrr,
                        new_accounts, reactivated_accounts, churned_accounts
                    from main.mart_mrr_movements
                    where month = ?
                    """,
                    [as_of_month],
                )
            ),
            None,
        ),
        bridge=_rows(
            connection,
            """
            select month, mrr_change, customer_effect, arpa_effect, interaction
            from main.mart_mrr_bridge
            where month >= ?
            order by month
            """,
            [first_shown],
        ),
        mix=_rows(
            connection,
            """
            select month, arpa_change, rate_effect, mix_effect, interaction
            from main.mart_arpa_mix
            where segment_type = ? and month >= ?
            order by month
            """,
            [mix_segment_type, first_shown],
        ),
        mix_segment_type=mix_segment_type,
        alerts=_rows(
            connection,
            # The summary's order: newest month first, the whole base, then
            # the largest falls.
            """
            select month, alert_type, segment_type, segment_value, metric_value, threshold
            from main.mart_arpu_alerts
            where month >= ?
            order by
                month desc,
                case when segment_type = 'all' then 0 else 1 end,
                metric_value - threshold,
                alert_type, segment_type, segment_value
            """,
            [first_shown],
        ),
        min_segment_accounts=min_segment_accounts,
        months_in_database=total,
        first_month_in_database=first_month,
        months_asked=months,
    )


def min_segment_accounts() -> int:
    """The dbt var the alerts use, so the page's top and bottom segments
    pass the same bar; its default when the project cannot be read."""
    try:
        return int(project_var(project_dir(), "min_segment_accounts"))
    except (RuntimeError, OSError, KeyError, TypeError, ValueError):
        return DEFAULT_MIN_SEGMENT_ACCOUNTS


# --- writing the page -------------------------------------------------------


def make_report(
    database: Path,
    out: Path,
    targets_path: Path | None = None,
    mix_segment_type: str = DEFAULT_MIX_SEGMENT_TYPE,
    months: int | None = None,
) -> tuple[Path, str | None]:
    """Read the marts, render the page, write it to `out`; its path, and a
    warning when the database spans more than MONTHS_SHOWN months (the
    page's note on the months shown; a --months shorter than the database
    is the user's choice and only the page says it).

    ReportError: a usage or input error, nothing written. OSError: the page
    could not be written; `out` is as it was."""
    # plotly takes a while to import: `arpu build`, which imports this
    # module through the CLI, should not pay for it.
    from arpu.report_page import render

    check_segment_type(mix_segment_type)
    # The folder resolved, not `out`: a symbolic link at --out is refused,
    # not followed to whatever it names.
    database, out = database.resolve(), out.parent.resolve() / out.name
    if out == database:
        raise ReportError(f"--out {out} is the database itself.")
    if not out.parent.is_dir():
        raise ReportError(f"Folder {out.parent} does not exist.")
    try:
        check_replaceable(out)
    except NotAReport as error:
        raise ReportError(str(error)) from None
    targets = read_targets(targets_path) if targets_path is not None else []
    marts = read_marts(database, mix_segment_type, min_segment_accounts(), months)
    marts.targets = targets
    write_atomically(out, render(marts))
    too_long = marts.months_in_database > MONTHS_SHOWN
    return out, marts.months_note if too_long else None
