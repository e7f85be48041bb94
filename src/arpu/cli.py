"""`arpu`: build the ARPU marts from a folder of billing files."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import re
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click

from arpu.contract import SOURCES, InputError, check_inputs
from arpu.project import project_var
from arpu.publish import (
    BuildLocked,
    HeldOpen,
    NotOurs,
    PublishError,
    build_lock,
    check_replaceable,
    clean_stale_builds,
    discard,
    full_build_marker,
    full_build_reason,
    months_reported,
    publish,
    restore,
    seal,
    set_aside,
    staging_path,
    work_path,
    write_published,
)
from arpu.runner import (
    DEFAULT_STORAGE_VERSION,
    definition_checksum,
    project_dir,
    prune_work_dirs,
    run_dbt,
    stderr_progress,
    work_dir,
)
from arpu.summary import no_revenue_refusal, summarize, summarize_connection
from arpu.text import printable, printable_lines
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


def _os_error_text(error: OSError, fallback: Path) -> str:
    """One line for an operating-system error: the file, then the reason."""
    return f"{printable(error.filename or fallback)}: {printable(error.strerror or error)}."


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

_source_option = click.option(
    "--source",
    type=click.Choice(SOURCES),
    default="contract",
    show_default=True,
    envvar="ARPU_SOURCE",
    help="Shape of the input: contract tables, or Stripe as Fivetran lands it "
    "(docs/stripe.md; on a warehouse, the tables of schema var stripe_schema).",
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
@click.option(
    "--schema",
    help="postgres/spark: schema the marts are published to (default: env ARPU_SCHEMA, "
    "else arpu).",
)
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
    if target != "duckdb":
        _refuse_stripe_on_spark(target, source)
        for option in ("data_dir", "database", "storage_version"):
            if context.get_parameter_source(option) == click.core.ParameterSource.COMMANDLINE:
                raise click.UsageError(
                    f"--{option.replace('_', '-').replace('data-dir', 'data')} is for the "
                    f"DuckDB target; on {target}, load the files with `arpu load` first.")
        summary = _build_on_warehouse(project, target, schema, as_of, full_refresh, allow_empty,
                                      source)
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
        _fail(f"{_os_error_text(error, data_dir)}\n{unchanged}", EXIT_INPUT)
    if not database.parent.is_dir():
        _fail(f"Folder {database.parent} does not exist.", EXIT_INPUT)

    try:
        with build_lock(database):
            check_replaceable(database)
            clean_stale_builds(database)
            _build_and_publish(project, data_dir, database, as_of, full_refresh,
                               allow_empty, storage_version, source, inputs.loader_vars)
    except BuildLocked as error:
        _fail(str(error), EXIT_BUSY)
    except HeldOpen as error:
        _fail(f"{error}\nNothing was published; {database} is unchanged.", EXIT_BUSY)
    except NotOurs as error:
        _fail(str(error), EXIT_INPUT)
    except (PublishError, OSError) as error:
        message = (str(error) if isinstance(error, PublishError)
                   else _os_error_text(error, database.parent))
        _fail(f"{message}\n{database} is unchanged.", EXIT_FAILED)
    except KeyboardInterrupt:
        _echo(f"\nInterrupted; {database} is unchanged.", err=True)
        sys.exit(130)
    finally:
        prune_work_dirs()

    _echo("")
    summary = summarize(
        database, min_segment_accounts=project_var(project, "min_segment_accounts")
    )
    _finish(summary, fail_on_rejects, fail_on_warnings)


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
    from arpu import warehouse

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
        _fail(f"{_os_error_text(error, data_dir)}\nNothing was loaded.", EXIT_INPUT)
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


def _build_on_warehouse(project: Path, target: str, schema: str | None, as_of: str | None,
                        full_refresh: bool, allow_empty: bool, source: str):
    """`arpu build --target postgres|spark`: build into a staging schema,
    publish it, and return the summary (docs/warehouses.md)."""
    from arpu import warehouse

    version = importlib.metadata.version("arpu-metrics")
    variables = {"arpu_version": version, "arpu_definition": definition_checksum(project),
                 "billing_schema": warehouse.raw_schema(project),
                 "billing_source": source, "stripe_schema": warehouse.stripe_schema(project),
                 **({"as_of_date": as_of} if as_of else {})}
    try:
        schema = warehouse.schema_name(schema)
        if target == "postgres":
            warehouse.check_postgres_sources(project, source=source)
            builder = _PostgresBuild(project, schema)
        else:
            builder = _SparkBuild(project, schema)
        with builder.lock():
            builder.build(variables, version, full_refresh, allow_empty)
        return summarize_connection(
            builder.reader(), min_segment_accounts=project_var(project, "min_segment_accounts"))
    except (warehouse.InputMissing, warehouse.WarehouseError) as error:
        _fail(f"{error}\nNothing was built.", EXIT_INPUT)
    except (warehouse.WarehouseBusy, BuildLocked) as error:
        _fail(str(error), EXIT_BUSY)
    except KeyboardInterrupt:
        _echo(f"\nInterrupted; the published marts in {schema} are unchanged.", err=True)
        sys.exit(130)


def _report_failure(outcome, work: Path, unchanged: str) -> NoReturn:
    _echo(f"\nThe build failed; {unchanged}", err=True)
    if outcome.error:
        _echo(outcome.error, err=True)
    for failure in outcome.failures:
        # dbt's message may quote a value of the data: its own lines are
        # kept, and _echo escapes the rest.
        _echo(f"  {failure.status.upper()} {printable(failure.name)}: {failure.message}",
              err=True)
    _echo(f"dbt's log: {work / 'logs' / 'dbt.log'}", err=True)
    sys.exit(EXIT_FAILED)


class _PostgresBuild:
    """Build into schema <schema>__build, then swap it in (one transaction)."""

    def __init__(self, project: Path, schema: str) -> None:
        from arpu import warehouse

        self.project, self.schema, self.staging = project, schema, f"{schema}__build"
        parameters = warehouse.postgres_parameters()
        self.work = work_dir(Path.cwd() / (
            f"postgres-{parameters['host']}-{parameters['port']}-{parameters['dbname']}-{schema}"))

    def lock(self):
        from arpu import warehouse

        return warehouse.postgres_lock(self.schema)

    def build(self, variables: dict, version: str, full_refresh: bool, allow_empty: bool) -> None:
        from arpu import warehouse

        environment = {"ARPU_SCHEMA": self.staging}
        reason = ("--full-refresh" if full_refresh
                  else warehouse.postgres_full_build_reason(self.schema, version,
                                                            variables["arpu_definition"],
                                                            variables["billing_source"]))
        incremental = []
        if not reason:
            listed = run_dbt(["ls", "--resource-type", "model", "--select",
                              "config.materialized:incremental", "--output", "name"],
                             database=None, work=self.work, variables=variables,
                             target="postgres", environment=environment)
            incremental = listed.listed
        where = f"PostgreSQL schema {self.schema}"
        _echo(f"Full build ({reason}) into {where} ..." if reason
              else f"Incremental build into {where} ...", err=True)
        unchanged = f"the published marts in {where} are unchanged."
        try:
            warehouse.postgres_prepare(self.schema, self.staging, incremental)
            outcome = run_dbt(["build"] + (["--full-refresh"] if reason else []),
                              database=None, work=self.work, variables=variables,
                              target="postgres", environment=environment,
                              progress=stderr_progress())
            if not outcome.success:
                _report_failure(outcome, self.work, unchanged)
            published = warehouse.postgres_months_reported(self.schema) or 0
            if (not allow_empty and published
                    and warehouse.postgres_months_reported(self.staging) == 0):
                _fail(_EMPTY.format(where=where) + f"\n{unchanged[:1].upper()}{unchanged[1:]}",
                      EXIT_INPUT)
            refusal = None if allow_empty else no_revenue_refusal(
                warehouse.postgres_summary_reader(self.staging), where)
            if refusal:
                _fail(f"{refusal}\n{unchanged[:1].upper()}{unchanged[1:]}", EXIT_INPUT)
            warehouse.postgres_publish(self.schema, self.staging)
        finally:
            warehouse.postgres_discard(self.staging)

    def reader(self):
        from arpu import warehouse

        return warehouse.postgres_summary_reader(self.schema)


class _SparkBuild:
    """Build into database <schema>__a or __b, whichever the published views
    do not read, then point the views of <schema> at it."""

    def __init__(self, project: Path, schema: str) -> None:
        from arpu import warehouse

        self.project, self.schema = project, schema
        self.paths = warehouse.spark_paths()
        self.paths.warehouse.mkdir(parents=True, exist_ok=True)
        self.state = self.paths.warehouse / f"{schema}.arpu-live"
        self.work = work_dir(self.paths.warehouse / f"spark-{schema}")
        live = self.state.read_text().strip() if self.state.is_file() else ""
        self.build_schema = f"{schema}__b" if live == f"{schema}__a" else f"{schema}__a"

    def lock(self):
        return build_lock(self.paths.warehouse / f"{self.schema}.arpu")

    def build(self, variables: dict, version: str, full_refresh: bool, allow_empty: bool) -> None:
        from arpu import warehouse

        where = f"Spark database {self.schema}"
        _echo(f"Full build (Spark builds from scratch, docs/incremental.md) into {where} "
              f"(tables in {self.build_schema}) ...", err=True)
        unchanged = f"the published marts in {where} are unchanged."
        outcome = run_dbt(["build", "--full-refresh"], database=None, work=self.work,
                          variables=variables, target="spark",
                          environment={"ARPU_SCHEMA": self.build_schema},
                          progress=stderr_progress())
        if not outcome.success:
            _report_failure(outcome, self.work, unchanged)
        if not allow_empty and self.state.is_file() and self._months(self.build_schema) == 0:
            _fail(_EMPTY.format(where=where) + f"\n{unchanged[:1].upper()}{unchanged[1:]}",
                      EXIT_INPUT)
        refusal = None if allow_empty else no_revenue_refusal(
            warehouse.spark_summary_reader(self.build_schema), where)
        if refusal:
            _fail(f"{refusal}\n{unchanged[:1].upper()}{unchanged[1:]}", EXIT_INPUT)
        switched = run_dbt(["run-operation", "publish_views", "--args",
                            json.dumps({"schema": self.schema, "build_schema": self.build_schema})],
                           database=None, work=self.work, variables=variables, target="spark")
        if not switched.success:
            _report_failure(switched, self.work, f"the views of {where} may read two builds; "
                            "run the build again.")
        self.state.write_text(self.build_schema + "\n")

    def _months(self, database: str) -> int:
        from arpu import warehouse

        connection = warehouse.spark_summary_reader(database)
        try:
            return connection.execute("select count(*) from main.mart_arpu_monthly").fetchone()[0]
        finally:
            connection.close()

    def reader(self):
        from arpu import warehouse

        return warehouse.spark_summary_reader(self.build_schema)


_EMPTY = ("The build has no month to report (no paid or open invoice line on or before the "
          "as-of date), and {where} has months: not replacing it. Check the input (a stopped "
          "export?) or --as-of; --allow-empty publishes it anyway.")


def _read_only(database: Path):
    import duckdb

    return duckdb.connect(str(database), read_only=True)


def _build_and_publish(
    project: Path,
    data_dir: Path,
    database: Path,
    as_of: str | None,
    full_refresh: bool,
    allow_empty: bool,
    storage_version: str,
    source: str,
    loader_vars: dict,
) -> None:
    """dbt builds into the working database, then the published models are
    copied into a new file renamed over `database` (publish.py). An
    incremental build updates the working database in place; a full build
    writes a new one in its place, the old one set aside until the new one
    has passed and is published (and put back when it fails). Both build at
    the same path, so dbt's partial parsing carries over from one build to
    the next."""
    work_folder = work_dir(database)
    variables = {
        "billing_data_dir": str(data_dir),
        "billing_source": source,
        "arpu_version": importlib.metadata.version("arpu-metrics"),
        "arpu_definition": definition_checksum(project),
        **loader_vars,
    }
    if as_of:
        variables["as_of_date"] = as_of
    version = variables["arpu_version"]
    work = work_path(database)
    reason = ("--full-refresh" if full_refresh
              else full_build_reason(work, version, variables["arpu_definition"], data_dir,
                                     source))
    # While this build runs, a second one sees it even when the lock file
    # was removed (publish.build_lock).
    running = staging_path(database)
    aside = staging_path(database, "previous")
    published = staging_path(database, "published")
    succeeded = False
    try:
        running.touch()
        if reason:
            # The reason may quote the data folder an earlier build read.
            _echo(f"Full build ({printable(reason)}) of {printable(data_dir)} into "
                  f"{printable(database)} ...", err=True)
            set_aside(work, aside)
            full_build_marker(work).touch()
        else:
            _echo(f"Incremental build of {printable(data_dir)} into {printable(database)} ...",
                  err=True)
        command = ["build", "--exclude-resource-type", "unit_test"]
        outcome = run_dbt(
            command + (["--full-refresh"] if reason else []),
            database=work,
            work=work_folder,
            variables=variables,
            storage_version=storage_version,
            progress=stderr_progress(),
        )
        if not outcome.success:
            _report_failure(outcome, work_folder, "the database was not changed.")
        seal(work, project, source)
        if not allow_empty and months_reported(work) == 0 and (months_reported(database) or 0) > 0:
            _fail(_EMPTY.format(where=database) + f"\n{database} is unchanged.", EXIT_INPUT)
        refusal = None if allow_empty else no_revenue_refusal(_read_only(work), str(database))
        if refusal:
            _fail(f"{refusal}\n{database} is unchanged.", EXIT_INPUT)
        write_published(work, published, project, storage_version, source)
        note = publish(published, database)
        succeeded = True
        if note:
            _echo(note, err=True)
    finally:
        discard(published)
        if reason and not succeeded:
            # The working database of the last good build, as it was.
            if aside.exists():
                restore(aside, work)
            else:
                discard(work)
        discard(aside)
        full_build_marker(work).unlink(missing_ok=True)
        discard(running)
        # DuckDB's spill folder of the working database, if it spilled.
        shutil.rmtree(work.with_name(work.name + ".tmp"), ignore_errors=True)


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
def report(database: Path, out: Path, targets: Path | None, mix_segment_type: str,
           months: str | None) -> None:
    """Write one HTML page of charts of the marts; it works offline.

    Exit codes: 0 written (its path is printed); 1 the page could not be
    written; 2 usage or input error (no database or marts, no paying
    month, a bad targets file, --out names a file that is not a page of
    arpu report). On an error nothing is written.
    """
    # Imported here: the report (and plotly, which it loads) is for `arpu report` only.
    from arpu.report import ReportError, make_report, parse_months

    try:
        written, warning = make_report(database, out, targets, mix_segment_type,
                                       parse_months(months))
    except ReportError as error:
        _fail(f"{error}\nNothing was written.", EXIT_INPUT)
    except OSError as error:
        _fail(f"{_os_error_text(error, out)}\nNothing was written.", EXIT_FAILED)
    if warning:
        _echo(f"warning: {warning}", err=True)
    _echo(printable(written))


if __name__ == "__main__":
    main()
