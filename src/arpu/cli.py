"""`arpu`: build the ARPU marts from a folder of billing files."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import re
import signal
import sys
from pathlib import Path
from typing import NoReturn

import click

from arpu.contract import InputError, check_inputs
from arpu.publish import (
    BuildLocked,
    NotOurs,
    PublishError,
    build_lock,
    check_replaceable,
    clean_stale_builds,
    discard,
    full_build_reason,
    months_reported,
    publish,
    seal,
    start_from,
    staging_path,
)
from arpu.runner import (
    DEFAULT_STORAGE_VERSION,
    project_dir,
    project_var,
    prune_work_dirs,
    run_dbt,
    stderr_progress,
    work_dir,
)
from arpu.summary import summarize

# Exit codes (README, "Exit codes"): what a scheduler can act on.
EXIT_OK = 0
EXIT_FAILED = 1  # the build or publishing failed; the database is unchanged
EXIT_INPUT = 2  # usage or input error; nothing was built or published
EXIT_BUSY = 3  # another build holds the database; nothing was done
EXIT_WARNINGS = 4  # published, but --fail-on-rejects or --fail-on-warnings tripped

DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _check_as_of(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        if not DATE_FORM.fullmatch(value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date of the form YYYY-MM-DD.") from None
    return value


def _os_error_text(error: OSError, fallback: Path) -> str:
    """One line for an operating-system error: the file, then the reason."""
    return f"{error.filename or fallback}: {error.strerror or error}."


def _terminate(signum, frame) -> None:
    """SIGTERM: unwind like Ctrl-C, so dbt is stopped and its file removed."""
    raise KeyboardInterrupt


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="arpu-metrics")
def main() -> None:
    """ARPU and ARPA marts from raw billing data (a dbt project)."""


@main.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    envvar="ARPU_DATA",
    help="Folder of contract files (<table>.csv or .parquet). Default: the bundled demo data.",
)
@click.option(
    "--database",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("arpu.duckdb"),
    show_default=True,
    envvar="ARPU_DATABASE",
    help="DuckDB file to publish the marts to.",
)
@click.option(
    "--as-of",
    "as_of",
    callback=lambda ctx, param, value: _check_as_of(value),
    help="As-of date YYYY-MM-DD. Default: the latest paid or open invoice date.",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild incremental models from scratch (passed on to dbt).",
)
@click.option(
    "--fail-on-rejects",
    is_flag=True,
    envvar="ARPU_FAIL_ON_REJECTS",
    help="Exit 4 when any input row is rejected (the marts are still published).",
)
@click.option(
    "--fail-on-warnings",
    is_flag=True,
    envvar="ARPU_FAIL_ON_WARNINGS",
    help="Exit 4 when the summary has any warning: rejected rows, no month to report, "
    "an implausible range of months (the marts are still published).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Publish a build with no month to report over a database that has months "
    "(refused by default: a stopped export must not wipe the dashboards).",
)
@click.option(
    "--storage-version",
    default=DEFAULT_STORAGE_VERSION,
    show_default=True,
    envvar="ARPU_DUCKDB_STORAGE_VERSION",
    help="DuckDB file format of the published database: v1.1.0 opens in DuckDB 1.1 and "
    "later (every BI tool today); 'latest' for readers all on DuckDB 2.x.",
)
def build(
    data_dir: Path | None,
    database: Path,
    as_of: str | None,
    full_refresh: bool,
    fail_on_rejects: bool,
    fail_on_warnings: bool,
    allow_empty: bool,
    storage_version: str,
) -> None:
    """Check the input, build every model and test, publish, summarize.

    Exit codes: 0 success; 1 build or publishing failed, database unchanged;
    2 usage or input error, nothing built; 3 another build holds the
    database; 4 published, but --fail-on-rejects or --fail-on-warnings
    tripped.
    """
    signal.signal(signal.SIGTERM, _terminate)
    # A shell without job control starts background commands with SIGINT
    # ignored, and Python then keeps it ignored: the README promises that
    # SIGINT stops a build, however it was started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        project = project_dir()
    except RuntimeError as error:
        _fail(str(error), EXIT_INPUT)
    data_dir = (data_dir or project / "demo_data").resolve()
    database = database.resolve()
    unchanged = f"Nothing was built; {database} is unchanged."
    try:
        check_inputs(project, data_dir)
    except InputError as error:
        _fail(f"{error}\n{unchanged}", EXIT_INPUT)
    except OSError as error:
        _fail(f"{_os_error_text(error, data_dir)}\n{unchanged}", EXIT_INPUT)
    if not database.parent.is_dir():
        _fail(f"Folder {database.parent} does not exist.", EXIT_INPUT)

    try:
        with build_lock(database):
            check_replaceable(database)
            clean_stale_builds(database)
            _build_and_publish(project, data_dir, database, as_of, full_refresh,
                               allow_empty, storage_version)
    except BuildLocked as error:
        _fail(str(error), EXIT_BUSY)
    except NotOurs as error:
        _fail(str(error), EXIT_INPUT)
    except (PublishError, OSError) as error:
        message = (str(error) if isinstance(error, PublishError)
                   else _os_error_text(error, database.parent))
        _fail(f"{message}\n{database} is unchanged.", EXIT_FAILED)
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted; {database} is unchanged.", err=True)
        sys.exit(130)
    finally:
        prune_work_dirs()

    click.echo("")
    summary = summarize(
        database, min_segment_accounts=project_var(project, "min_segment_accounts")
    )
    click.echo(summary.text)
    if fail_on_rejects and summary.rejected_rows:
        _fail(f"{summary.rejected_rows:,} input rows were rejected (--fail-on-rejects).",
              EXIT_WARNINGS)
    if fail_on_warnings and summary.warnings:
        _fail(f"{len(summary.warnings)} warning(s) in the summary (--fail-on-warnings).",
              EXIT_WARNINGS)


def _build_and_publish(
    project: Path,
    data_dir: Path,
    database: Path,
    as_of: str | None,
    full_refresh: bool,
    allow_empty: bool,
    storage_version: str,
) -> None:
    target = staging_path(database)
    work = work_dir(database)
    variables = {
        "billing_data_dir": str(data_dir),
        "arpu_version": importlib.metadata.version("arpu-metrics"),
    }
    if as_of:
        variables["as_of_date"] = as_of
    version = variables["arpu_version"]
    reason = ("--full-refresh" if full_refresh
              else full_build_reason(database, version, data_dir, storage_version))
    try:
        if reason:
            click.echo(f"Full build ({reason}) of {data_dir} into {database} ...", err=True)
        else:
            click.echo(f"Incremental build of {data_dir} into {database} ...", err=True)
            start_from(database, target)
        command = ["build"] + (["--full-refresh"] if reason else [])
        outcome = run_dbt(
            command,
            database=target,
            work=work,
            variables=variables,
            storage_version=storage_version,
            progress=stderr_progress(),
        )
        if not outcome.success:
            click.echo("\nThe build failed; the database was not changed.", err=True)
            if outcome.error:
                click.echo(outcome.error, err=True)
            for failure in outcome.failures:
                click.echo(f"  {failure.status.upper()} {failure.name}: {failure.message}", err=True)
            click.echo(f"dbt's log: {work / 'logs' / 'dbt.log'}", err=True)
            sys.exit(EXIT_FAILED)
        seal(target, project, storage_version)
        if not allow_empty and months_reported(target) == 0 and (months_reported(database) or 0) > 0:
            _fail(
                "The build has no month to report (no paid or open invoice line on or before "
                f"the as-of date), and {database} has months: not replacing it. Check the "
                "input (a stopped export?) or --as-of; --allow-empty publishes it anyway.\n"
                f"{database} is unchanged.",
                EXIT_INPUT,
            )
        publish(target, database)
    finally:
        discard(target)


@main.command()
@click.option(
    "--database",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("arpu.duckdb"),
    show_default=True,
    envvar="ARPU_DATABASE",
    help="DuckDB file `arpu build` published the marts to; opened read-only.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("arpu-report.html"),
    show_default=True,
    help="HTML file to write; replaced whole, never left half-written.",
)
@click.option(
    "--targets",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV of ARPA and ARPU targets, header month,metric,target (docs/report.md).",
)
@click.option(
    "--mix-segment-type",
    metavar="TYPE",
    default="plan_tier",
    show_default=True,
    help="Segment type of the rate-or-mix panel, one of mart_arpu_by_segment's "
    "(docs/metrics.md section 8).",
)
def report(database: Path, out: Path, targets: Path | None, mix_segment_type: str) -> None:
    """Write one HTML page of charts of the marts; it works offline.

    Exit codes: 0 written (its path is printed); 1 the page could not be
    written; 2 usage or input error (no database or marts, no paying
    month, a bad targets file). On an error nothing is written.
    """
    # Imported here: the report (and plotly, which it loads) is for `arpu report` only.
    from arpu.report import ReportError, make_report

    try:
        written = make_report(database, out, targets, mix_segment_type)
    except ReportError as error:
        _fail(f"{error}\nNothing was written.", EXIT_INPUT)
    except OSError as error:
        _fail(f"{_os_error_text(error, out)}\nNothing was written.", EXIT_FAILED)
    click.echo(str(written))


if __name__ == "__main__":
    main()
