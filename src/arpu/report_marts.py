"""What `arpu report` shows, read from the marts: the data types of the
page (Marts, Target) and the read-only queries that fill them. Every
number is a mart column (docs/report.md); nothing here computes one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from arpu.project import exposure_tables, segment_types
from arpu.runner import project_dir
from arpu.text import first_line, printable

DEFAULT_MIX_SEGMENT_TYPE = "plan_tier"
# Ten years. A database spanning more is most likely built with a wrong
# --as-of (9999-12-31: some 95,000 months, a 166 MB page of the demo): the
# page shows the last MONTHS_SHOWN unless --months says otherwise, and says so.
MONTHS_SHOWN = 120

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
    # mart_mrr_movements and mart_unit_economics, every month shown.
    movement_months: list[dict]
    unit_economics: list[dict]
    bridge: list[dict]
    mix: list[dict]
    mix_segment_type: str
    alerts: list[dict]
    retention: list[dict]
    # Months in mart_arpu_monthly, its first month, and whether --months
    # was given: `monthly` holds only the months shown, the last ones.
    months_in_database: int
    first_month_in_database: dt.date
    months_asked: int | None = None
    targets: list[Target] = field(default_factory=list)

    @property
    def min_segment_accounts(self) -> int:
        """The bar the build's alerts used (arpu_build_info), by which the
        page ranks segments."""
        return self.build["min_segment_accounts"]

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


def check_segment_type(segment_type: str) -> None:
    valid = segment_types(project_dir())
    if segment_type not in valid:
        raise ReportError(
            f"unknown --mix-segment-type {segment_type!r}; valid ones: {', '.join(valid)}."
        )


def read_marts(
    database: Path,
    mix_segment_type: str = DEFAULT_MIX_SEGMENT_TYPE,
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
            f"({printable(first_line(error))}); "
            "run `arpu build` first, or point --database at the file it published."
        ) from None
    return read_marts_from(connection, str(database), mix_segment_type, months)


def read_marts_from(connection, where: str,
                    mix_segment_type: str = DEFAULT_MIX_SEGMENT_TYPE,
                    months: int | None = None) -> Marts:
    """The same from a DuckDB connection whose schema main holds the marts
    (a warehouse's, warehouse_marts.py); `where` names them in messages.
    The connection is closed afterwards."""
    check_segment_type(mix_segment_type)
    try:
        _check_tables(connection, where)
        return _read(connection, where, mix_segment_type, months)
    except duckdb.Error as error:
        # A column missing from a table: a database of another arpu version.
        raise ReportError(
            f"{where}: reading the marts failed ({first_line(error)}); "
            "run `arpu build` again with this version of arpu."
        ) from None
    finally:
        connection.close()


def _check_tables(connection, database: Path | str) -> None:
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


def _read(connection, database: Path | str, mix_segment_type: str,
          months: int | None) -> Marts:
    build = _rows(
        connection,
        "select project_version, reporting_currency, as_of_date, first_month, last_month, "
        "months_reported, built_at, dbt_version, billing_data_dir, invoice_lines, "
        "is_as_of_month_partial, min_segment_accounts from main.arpu_build_info",
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
        movement_months=_rows(
            connection,
            """
            select month, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr,
                churned_mrr, fx_mrr, new_accounts, reactivated_accounts, churned_accounts
            from main.mart_mrr_movements
            where month >= ?
            order by month
            """,
            [first_shown],
        ),
        unit_economics=_rows(
            connection,
            """
            select month, logo_churn_rate, churn_rate_12m, gross_margin, ltv,
                acquisition_spend, cac, cac_payback_months, ltv_to_cac
            from main.mart_unit_economics
            where month >= ?
            order by month
            """,
            [first_shown],
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
        retention=_rows(
            connection,
            """
            select month, nrr_1m, grr_1m, nrr_12m, grr_12m, accounts_12m_ago, quick_ratio,
                top10_mrr_share, top_decile_mrr_share
            from main.mart_revenue_retention
            where month >= ?
            order by month
            """,
            [first_shown],
        ),
        months_in_database=total,
        first_month_in_database=first_month,
        months_asked=months,
    )
