"""`arpu report`: one self-contained HTML page of charts, read from the marts.

Every number on the page is a mart column (docs/report.md). This module
checks the options and writes the page; the marts are read in
report_marts.py, the targets file in report_targets.py, and the figures
and the HTML are made in report_page.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from arpu.report_marts import (
    DEFAULT_MIX_SEGMENT_TYPE,
    MONTHS_SHOWN,
    ReportError,
    check_segment_type,
    read_marts,
    read_marts_from,
)
from arpu.report_output import NotAReport, check_replaceable, write_atomically
from arpu.report_targets import read_targets

__all__ = ["ReportError", "make_report", "parse_months", "read_marts"]

# The headline compares the as-of month with the month before.
MIN_MONTHS = 2
# Far above any real range (years 1 to 9999 are 119,988 months); a bound
# keeps the SQL parameter a bigint.
MAX_MONTHS = 1_000_000
MONTHS_NUMBER = re.compile(r"[0-9]{1,7}")


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


def make_report(
    database: Path,
    out: Path,
    targets_path: Path | None = None,
    mix_segment_type: str = DEFAULT_MIX_SEGMENT_TYPE,
    months: int | None = None,
    warehouse: tuple[str, str] | None = None,
) -> tuple[Path, str | None]:
    """Read the marts, render the page, write it to `out`; its path, and a
    warning when the database spans more than MONTHS_SHOWN months (the
    page's note on the months shown; a --months shorter than the database
    is the user's choice and only the page says it). With `warehouse`,
    (target, schema), the marts are that PostgreSQL schema's or Spark
    database's, not the file's.

    ReportError: a usage or input error, nothing written. OSError: the page
    could not be written; `out` is as it was."""
    # plotly takes a while to import: `arpu build`, which imports this
    # module through the CLI, should not pay for it.
    from arpu.report_page import render

    check_segment_type(mix_segment_type)
    # The folder resolved, not `out`: a symbolic link at --out is refused,
    # not followed to whatever it names.
    database, out = database.resolve(), out.parent.resolve() / out.name
    if out == database and warehouse is None:
        raise ReportError(f"--out {out} is the database itself.")
    if not out.parent.is_dir():
        raise ReportError(f"Folder {out.parent} does not exist.")
    try:
        check_replaceable(out)
    except NotAReport as error:
        raise ReportError(str(error)) from None
    targets = read_targets(targets_path) if targets_path is not None else []
    if warehouse is None:
        marts = read_marts(database, mix_segment_type, months)
    else:
        marts = _warehouse_marts(*warehouse, mix_segment_type, months)
    marts.targets = targets
    write_atomically(out, render(marts))
    too_long = marts.months_in_database > MONTHS_SHOWN
    return out, marts.months_note if too_long else None


def _warehouse_marts(target: str, schema: str, mix_segment_type: str, months: int | None):
    """Empty `schema`: ARPU_SCHEMA, else arpu, as `arpu build` chooses."""
    from arpu.warehouse import WarehouseError, schema_name
    from arpu.warehouse_marts import postgres_marts, spark_marts

    try:
        schema = schema_name(schema or None)
        connection = (postgres_marts if target == "postgres" else spark_marts)(schema)
    except WarehouseError as error:
        raise ReportError(str(error)) from None
    where = f"{'PostgreSQL schema' if target == 'postgres' else 'Spark database'} {schema}"
    return read_marts_from(connection, where, mix_segment_type, months)
