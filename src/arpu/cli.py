"""`arpu`: build the ARPU marts from a folder of billing files."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from arpu.contract import InputError, check_inputs
from arpu.publish import BuildLocked, build_lock, clean_stale_builds, discard, publish, staging_path
from arpu.runner import project_dir, project_var, run_dbt, stderr_progress, work_dir
from arpu.summary import summarize

EXIT_FAILED = 1
EXIT_INPUT = 2


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _check_as_of(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date of the form YYYY-MM-DD.") from None
    if len(value) != 10:
        raise click.BadParameter(f"{value!r} is not a date of the form YYYY-MM-DD.")
    return value


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
    help="Exit 1 when any input row is rejected (the marts are still published).",
)
def build(
    data_dir: Path | None,
    database: Path,
    as_of: str | None,
    full_refresh: bool,
    fail_on_rejects: bool,
) -> None:
    """Check the input, build every model and test, publish, summarize."""
    try:
        project = project_dir()
    except RuntimeError as error:
        _fail(str(error), EXIT_INPUT)
    data_dir = (data_dir or project / "demo_data").resolve()
    database = database.resolve()
    try:
        check_inputs(project, data_dir)
    except InputError as error:
        _fail(f"{error}\nNothing was built; {database} is unchanged.", EXIT_INPUT)

    if not database.parent.is_dir():
        _fail(f"Folder {database.parent} does not exist.", EXIT_INPUT)

    try:
        with build_lock(database):
            clean_stale_builds(database)
            target = staging_path(database)
            work = work_dir(database)
            variables = {"billing_data_dir": str(data_dir)}
            if as_of:
                variables["as_of_date"] = as_of
            command = ["build"] + (["--full-refresh"] if full_refresh else [])
            click.echo(f"Building {data_dir} into {database} ...", err=True)
            try:
                outcome = run_dbt(
                    command,
                    database=target,
                    work=work,
                    variables=variables,
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
                publish(target, database)
            finally:
                discard(target)
    except BuildLocked as error:
        _fail(str(error), EXIT_FAILED)

    click.echo("")
    summary, rejected = summarize(
        database, min_segment_accounts=project_var(project, "min_segment_accounts")
    )
    click.echo(summary)
    if fail_on_rejects and rejected:
        _fail(f"{rejected:,} input rows were rejected (--fail-on-rejects).", EXIT_FAILED)


if __name__ == "__main__":
    main()
