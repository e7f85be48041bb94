"""`arpu`: build the ARPU marts from a folder of billing files."""

from __future__ import annotations

import datetime as dt
import re
import signal
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click

from arpu import warehouse
from arpu.build import BuildFailed, BuildRefused, build_variables, cleanup_note, run_build
from arpu.build import summary as build_summary
from arpu.build_files import BuildLocked
from arpu.contract import SOURCES, InputError, check_inputs
from arpu.engines import warehouse_engine
from arpu.engines.duckdb import DuckDBEngine
from arpu.publish import HeldOpen, NotOurs, PublishError
from arpu.runner import DEFAULT_STORAGE_VERSION, project_dir
from arpu.text import os_error_text, printable, printable_lines
from arpu.warehouse import TARGETS

# Exit codes (README, "Exit codes"): what a scheduler can act on.
EXIT_OK = 0
EXIT_FAILED = 1  # the build or publishing failed; the database is unchanged
EXIT_INPUT = 2  # usage or input error; nothing was built or published
EXIT_BUSY = 3  # another build holds the database; nothing was done
EXIT_WARNINGS = 4  # published, but --fail-on-rejects or --fail-on-warnings tripped

DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _echo(message: str = "", err: bool = False) -> None:
    """Print a message, its control characters escaped but its line breaks:
    every value in it has been escaped where it was put in (a newline of
    its own included), and this catches whatever was not."""
    click.echo(printable_lines(message), err=err)


def _fail(message: str, code: int) -> NoReturn:
    _echo(f"error: {message}", err=True)
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


def _terminate(signum, frame) -> None:
    """SIGTERM: unwind like Ctrl-C, so dbt is stopped and its file removed."""
    raise KeyboardInterrupt


# `arpu build` and `arpu load` read the same folder.
_data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    envvar="ARPU_DATA",
    help="Folder of contract files (<table>.csv or .parquet). Default: the bundled demo data.",
)

_schema_option = click.option(
    "--schema",
    help="postgres/spark: schema the marts are published to (default: env ARPU_SCHEMA, "
    "else arpu).",
)

_source_option = click.option(
    "--source",
    type=click.Choice(SOURCES),
    default="contract",
    show_default=True,
    envvar="ARPU_SOURCE",
    help="Shape of the input: contract tables, or Stripe as Fivetran lands it "
    "(docs/stripe.md; on a warehouse, the tables of schema var arpu_stripe_schema).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="arpu-metrics")
def main() -> None:
    """ARPU and ARPA marts from raw billing data (a dbt project)."""


@main.command()
@_data_option
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
    "an implausible range of months, refunds larger than their line (the marts are still "
    "published).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Publish a build with no month to report over a database that has months, or one "
    "whose revenue lines were all rejected (refused by default: a stopped or malformed "
    "export must not wipe the dashboards).",
)
@click.option(
    "--storage-version",
    default=DEFAULT_STORAGE_VERSION,
    show_default=True,
    envvar="ARPU_DUCKDB_STORAGE_VERSION",
    help="DuckDB file format of the published database: v1.1.0 opens in DuckDB 1.1 and "
    "later (every BI tool today); 'latest' for readers all on DuckDB 2.x.",
)
@click.option(
    "--target",
    type=click.Choice(["duckdb", *TARGETS]),
    default="duckdb",
    show_default=True,
    envvar="ARPU_TARGET",
    help="Engine: the DuckDB file, or the warehouse of profiles.example.yml's target "
    "(its contract tables loaded by `arpu load` or your ELT).",
)
@_schema_option
@_source_option
@click.pass_context
def build(
    context: click.Context,
    data_dir: Path | None,
    database: Path,
    as_of: str | None,
    full_refresh: bool,
    fail_on_rejects: bool,
    fail_on_warnings: bool,
    allow_empty: bool,
    storage_version: str,
    target: str,
    schema: str | None,
    source: str,
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
    variables = build_variables(project, source, as_of)
    if target != "duckdb":
        _refuse_stripe_on_spark(target, source)
        for option in ("data_dir", "database", "storage_version"):
            if context.get_parameter_source(option) == click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(
                    f"--{option.replace('_', '-').replace('data-dir', 'data')} is for the "
                    f"DuckDB target; on {target}, load the files with `arpu load` first.")
        summary = _build(lambda: warehouse_engine(project, target, schema, source), project,
                         variables, full_refresh, allow_empty, Path.cwd())
        _finish(summary, fail_on_rejects, fail_on_warnings)
        return
    data_dir = (data_dir or project / "demo_data").resolve()
    database = database.resolve()
    unchanged = f"Nothing was built; {database} is unchanged."
    try:
        inputs = check_inputs(project, data_dir, source)
    except InputError as error:
        _fail(f"{error}\n{unchanged}", EXIT_INPUT)
    except OSError as error:
        _fail(f"{os_error_text(error, data_dir)}\n{unchanged}", EXIT_INPUT)
    if not database.parent.is_dir():
        _fail(f"Folder {database.parent} does not exist.", EXIT_INPUT)
    summary = _build(lambda: DuckDBEngine(project, data_dir, database, storage_version, source,
                                          inputs.loader_vars),
                     project, variables, full_refresh, allow_empty, database.parent)
    _finish(summary, fail_on_rejects, fail_on_warnings)


def _build(make_engine, project: Path, variables: dict, full_refresh: bool, allow_empty: bool,
           folder: Path):
    """Build and publish with the engine `make_engine` makes, and return
    the summary; what goes wrong is one message and its exit code."""
    engine = None
    try:
        engine = make_engine()
        with engine.lock():
            note = run_build(engine, variables, full_refresh=full_refresh,
                             allow_empty=allow_empty, echo=lambda text: _echo(text, err=True))
    except BuildFailed as error:
        _report_failure(error.outcome, error.log_folder, error.unchanged,
                        cleanup_note(error, folder))
    except BuildRefused as error:
        _fail(str(error) + cleanup_note(error, folder), EXIT_INPUT)
    except (BuildLocked, warehouse.WarehouseBusy) as error:
        _fail(str(error), EXIT_BUSY)
    except HeldOpen as error:
        _fail(f"{error}\nNothing was published; {engine.unchanged}", EXIT_BUSY)
    except NotOurs as error:
        _fail(str(error), EXIT_INPUT)
    except (warehouse.InputMissing, warehouse.WarehouseError) as error:
        _fail(f"{error}\nNothing was built.", EXIT_INPUT)
    except (PublishError, OSError) as error:
        message = (str(error) if isinstance(error, PublishError)
                   else os_error_text(error, folder))
        _fail(f"{message}\n{engine.unchanged if engine else 'Nothing was built.'}",
              EXIT_FAILED)
    except KeyboardInterrupt:
        unchanged = engine.unchanged if engine else "nothing was built."
        _echo(f"\nInterrupted; {unchanged[:1].lower()}{unchanged[1:]}", err=True)
        sys.exit(130)
    # Published: from here on, nothing is "unchanged".
    if note:
        _echo(note, err=True)
    if isinstance(engine, DuckDBEngine):
        _echo("")
    return build_summary(engine)


def _finish(summary, fail_on_rejects: bool, fail_on_warnings: bool) -> None:
    _echo(summary.text)
    if fail_on_rejects and summary.rejected_rows:
        _fail(f"{summary.rejected_rows:,} input rows were rejected (--fail-on-rejects).",
              EXIT_WARNINGS)
    if fail_on_warnings and summary.warnings:
        _fail(f"{len(summary.warnings)} warning(s) in the summary (--fail-on-warnings).",
              EXIT_WARNINGS)


@main.command()
@_data_option
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    required=True,
    envvar="ARPU_TARGET",
    help="Warehouse of profiles.example.yml to load into.",
)
@_source_option
def load(data_dir: Path | None, target: str, source: str) -> None:
    """Load a folder of input files into the warehouse, every column as
    text, replacing what its tables held: contract tables into the raw
    schema (var billing_schema), Stripe tables into the Stripe schema (var
    stripe_schema).

    The same input checks as `arpu build` on DuckDB. Exit codes: 0 loaded;
    1 loading failed; 2 usage or input error, nothing loaded.
    """
    _refuse_stripe_on_spark(target, source)
    try:
        project = project_dir()
    except RuntimeError as error:
        _fail(str(error), EXIT_INPUT)
    data_dir = (data_dir or project / "demo_data").resolve()
    try:
        inputs = check_inputs(project, data_dir, source)
    except InputError as error:
        _fail(f"{error}\nNothing was loaded.", EXIT_INPUT)
    except OSError as error:
        _fail(f"{os_error_text(error, data_dir)}\nNothing was loaded.", EXIT_INPUT)
    with tempfile.TemporaryDirectory(prefix="arpu-load-") as scratch:
        try:
            counts = warehouse.load(target, project, data_dir, Path(scratch), source,
                                    inputs.loader_vars)
        except warehouse.WarehouseError as error:
            _fail(f"{error}\nNothing was loaded.", EXIT_FAILED)
    _echo(f"Loaded {printable(data_dir)} into {target}:")
    for table in warehouse.input_tables(project, source):
        _echo(f"  {table.schema + '.' + table.name:<40} {counts[table.name]:>12,} rows")


def _refuse_stripe_on_spark(target: str, source: str) -> None:
    # The Stripe models have not run on Spark: better no build than an
    # untested one.
    if target == "spark" and source == "stripe":
        raise click.UsageError("--source stripe is not supported on Spark yet "
                               "(docs/stripe.md).")


def _report_failure(outcome, work: Path, unchanged: str, cleanup: str = "") -> NoReturn:
    _echo(f"\nThe build failed; {unchanged}{cleanup}", err=True)
    if outcome.error:
        _echo(outcome.error, err=True)
    for failure in outcome.failures:
        # dbt's message may quote a value of the data: its own lines are
        # kept, and _echo escapes the rest.
        _echo(f"  {failure.status.upper()} {printable(failure.name)}: {failure.message}",
              err=True)
    _echo(f"dbt's log: {work / 'logs' / 'dbt.log'}", err=True)
    sys.exit(EXIT_FAILED)


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
    type=click.Path(path_type=Path),
    metavar="FILE",
    default=Path("arpu-report.html"),
    show_default=True,
    help="HTML file to write: a new file, or a page arpu report wrote before, replaced "
    "whole and never left half-written. Anything else there is refused and left alone.",
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
@click.option(
    "--months",
    metavar="N",
    help="Show the last N months (at least 2). Default: the last 120 (ten years); a "
    "database spanning more gets a warning, on stderr and on the page.",
)
@click.option("--target", type=click.Choice(["duckdb", *TARGETS]), default="duckdb",
              show_default=True, envvar="ARPU_TARGET",
              help="Where the marts are: the DuckDB file (--database), or the schema "
              "`arpu build --target` published (--schema).")
@_schema_option
def report(database: Path, out: Path, targets: Path | None, mix_segment_type: str,
           months: str | None, target: str, schema: str | None) -> None:
    """Write one HTML page of charts of the marts; it works offline.

    Exit codes: 0 written (its path is printed); 1 the page could not be
    written; 2 usage or input error (no database or marts, no paying
    month, a bad targets file, --out names a file that is not a page of
    arpu report). On an error nothing is written.
    """
    # Imported here: the report (and plotly, which it loads) is for `arpu report` only.
    from arpu.report import ReportError, make_report, parse_months

    try:
        written, warning = make_report(
            database, out, targets, mix_segment_type, parse_months(months),
            warehouse=None if target == "duckdb" else (target, schema or ""))
    except ReportError as error:
        _fail(f"{error}\nNothing was written.", EXIT_INPUT)
    except OSError as error:
        _fail(f"{os_error_text(error, out)}\nNothing was written.", EXIT_FAILED)
    if warning:
        _echo(f"warning: {warning}", err=True)
    _echo(printable(written))


if __name__ == "__main__":
    main()
