"""The `arpu` command on a warehouse (docs/warehouses.md):
loading contract files into the raw schema, building into a staging schema,
and publishing it so that a reader never sees marts of two builds side by
side (PostgreSQL), or as nearly so as the engine allows (Spark).

Every SQL rule stays in the dbt project; this module only moves files and
schemas. The contract files are read once, by the same DuckDB loader the
DuckDB build uses (macros/operations/load_billing_files.sql), so every engine gets
the same text."""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb

from arpu.contract import Table, load_contract, load_input_tables
from arpu.project import exposure_tables, project_var, source_schemas
from arpu.runner import data_dir_environment, project_dir, run_dbt
from arpu.text import first_line, printable, printable_lines

TARGETS = ("postgres", "spark")
DEFAULT_SCHEMA = "arpu"
NAME = re.compile(r"[a-z_][a-z0-9_]{0,40}")


class WarehouseError(Exception):
    """The warehouse cannot be reached or used as configured."""


class WarehouseBusy(Exception):
    """Another `arpu build` holds the schema."""


def schema_name(value: str | None) -> str:
    schema = value or os.environ.get("ARPU_SCHEMA") or DEFAULT_SCHEMA
    if not NAME.fullmatch(schema):
        raise WarehouseError(
            f"Schema name {schema!r}: use lower-case letters, digits and _ (at most 41).")
    return schema


# ------------------------------------------------------------------ loading

def stage_files(project: Path, data_dir: Path, work: Path, source: str = "contract",
                loader_vars: dict | None = None) -> Path:
    """Read the input files into a scratch DuckDB file, every column as
    text, with the DuckDB build's own loader: contract tables into schema
    billing_raw, Stripe tables into stripe_raw. loader_vars: from the
    input check (contract.Inputs)."""
    stage = work / "stage.duckdb"
    for leftover in (stage, stage.with_name(stage.name + ".wal")):
        leftover.unlink(missing_ok=True)
    outcome = run_dbt(["run-operation", "load_billing_files"], database=stage, work=work,
                      variables={"arpu_billing_source": source, **(loader_vars or {})},
                      environment=data_dir_environment(data_dir))
    if not outcome.success:
        # dbt's message may quote a value of a file: its lines are kept.
        raise WarehouseError(f"Could not read {printable(data_dir)}: "
                             f"{printable_lines(outcome.error or 'dbt failed')}")
    return stage


def schema_variables(project: Path) -> dict[str, str]:
    """The dbt vars a warehouse build sets: where the contract tables and
    the Stripe tables are."""
    return {"arpu_billing_schema": raw_schema(project),
            "arpu_stripe_schema": stripe_schema(project)}


def raw_schema(project: Path) -> str:
    """The schema of the contract tables: ARPU_BILLING_SCHEMA, else the var
    arpu_billing_schema's default (billing_raw)."""
    return os.environ.get("ARPU_BILLING_SCHEMA") or project_var(project, "billing_schema")


def stripe_schema(project: Path) -> str:
    """The schema of the Fivetran Stripe tables: ARPU_STRIPE_SCHEMA, else the
    var arpu_stripe_schema's default (stripe_raw)."""
    return os.environ.get("ARPU_STRIPE_SCHEMA") or project_var(project, "stripe_schema")


@dataclass(frozen=True)
class Loaded:
    """One input table: where the loader staged it, and where it goes."""
    table: Table
    stage_schema: str
    schema: str

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def columns(self) -> tuple[str, ...]:
        return self.table.columns


def input_tables(project: Path, source: str) -> list[Loaded]:
    """The tables of an input and their schemas: Stripe's go to the Stripe
    schema, the contract's to the raw schema."""
    contract = {table.name for table in load_contract(project)}
    # Where the DuckDB stage holds them: the vars' defaults, as
    # load_billing_files leaves them.
    contract_stage, stripe_stage = source_schemas(project)
    contract_schemas = (contract_stage, raw_schema(project))
    stripe_schemas = (stripe_stage, stripe_schema(project))
    return [Loaded(table, *(contract_schemas if table.name in contract else stripe_schemas))
            for table in load_input_tables(project, source)]


def load(target: str, project: Path, data_dir: Path, work: Path,
         source: str = "contract", loader_vars: dict | None = None) -> dict[str, int]:
    """Load a folder of input files into the warehouse `target`, replacing
    what its tables held. Returns the rows loaded per table."""
    stage = stage_files(project, data_dir, work, source, loader_vars)
    tables = input_tables(project, source)
    connection = duckdb.connect(str(stage), read_only=True)
    try:
        counts = {t.name: connection.execute(
            f'select count(*) from {t.stage_schema}."{t.name}"').fetchone()[0] for t in tables}
        if target == "postgres":
            _load_postgres(connection, tables, work)
        else:
            _load_spark(connection, raw_schema(project), tables, work)
    finally:
        connection.close()
    return counts


def _load_postgres(stage, tables: list[Loaded], work: Path) -> None:
    """One transaction: readers of the raw tables see the old rows or the
    new ones. Tables are emptied and refilled rather than dropped, so the
    staging views that read them survive."""
    with postgres_connection() as connection, connection.cursor() as cursor:
        for table in tables:
            raw, name = table.schema, table.name
            cursor.execute(f'create schema if not exists "{raw}"')
            cursor.execute(
                "select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                [raw, name])
            have = [column for (column,) in cursor.fetchall()]
            if have != list(table.columns):
                cursor.execute(f'drop table if exists "{raw}"."{name}" cascade')
                cursor.execute(f'create table "{raw}"."{name}" ('
                               + ", ".join(f'"{c}" text' for c in table.columns) + ")")
            cursor.execute(f'truncate "{raw}"."{name}"')
            # DuckDB writes NULL as an empty field and '' as "", which is
            # how PostgreSQL's CSV COPY tells them apart.
            exported = work / f"{name}.csv"
            stage.execute(f"copy {table.stage_schema}.\"{name}\" to '{_sql_text(exported)}' "
                          "(format csv, header true)")
            with exported.open() as handle:
                cursor.copy_expert(
                    f'copy "{raw}"."{name}" from stdin with (format csv, header true)', handle)
            exported.unlink()
        connection.commit()


def _load_spark(stage, raw: str, tables: list[Loaded], work: Path) -> None:
    files = {}
    for table in tables:
        exported = work / f"{table.name}.parquet"
        stage.execute(f"copy {table.stage_schema}.\"{table.name}\" to '{_sql_text(exported)}' "
                      "(format parquet)")
        files[table.name] = str(exported)
    outcome = run_dbt(["run-operation", "load_parquet_tables", "--args",
                       json.dumps({"tables": files})],
                      database=None, work=work, variables={"arpu_billing_schema": raw},
                      target="spark")
    for path in files.values():
        Path(path).unlink(missing_ok=True)
    if not outcome.success:
        raise WarehouseError("Could not load the tables into Spark: "
                             f"{printable_lines(outcome.error or 'dbt failed')}")


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


# --------------------------------------------------------------- PostgreSQL

def postgres_parameters() -> dict:
    """libpq's variables with the profile's local defaults
    (profiles.example.yml): the same server dbt connects to."""
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": int(os.environ.get("PGPORT", "5432")),
        "user": os.environ.get("PGUSER", "arpu"),
        "password": os.environ.get("PGPASSWORD", "arpu"),
        "dbname": os.environ.get("PGDATABASE", "arpu"),
    }


@contextmanager
def postgres_connection():
    try:
        import psycopg2
    except ImportError:
        raise WarehouseError("PostgreSQL needs dbt-postgres: pip install -e '.[postgres]'.") from None
    parameters = postgres_parameters()
    try:
        connection = psycopg2.connect(connect_timeout=10, **parameters)
    except psycopg2.Error as error:
        where = f"{parameters['user']}@{parameters['host']}:{parameters['port']}/{parameters['dbname']}"
        raise WarehouseError(
            f"Cannot connect to PostgreSQL ({where}; set PGHOST, PGPORT, PGUSER, PGPASSWORD, "
            f"PGDATABASE): {printable(first_line(error))}") from None
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def postgres_lock(schema: str) -> Iterator[None]:
    """A session advisory lock per published schema, held for the whole
    build: a second build of the same schema stops at once (exit 3)."""
    with postgres_connection() as connection, connection.cursor() as cursor:
        # No transaction left open for the length of the build.
        connection.autocommit = True
        cursor.execute("select pg_try_advisory_lock(hashtext(%s))", [f"arpu:{schema}"])
        if not cursor.fetchone()[0]:
            raise WarehouseBusy(f"Another arpu build is publishing schema {schema}; "
                                "nothing was done.")
        try:
            yield
        finally:
            cursor.execute("select pg_advisory_unlock(hashtext(%s))", [f"arpu:{schema}"])


def postgres_tables(schema: str) -> set[str]:
    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute("select table_name from information_schema.tables "
                       "where table_schema = %s", [schema])
        return {name for (name,) in cursor.fetchall()}


def check_postgres_sources(project: Path, raw: str | None = None,
                           source: str = "contract") -> None:
    """The input checks that apply to a warehouse: every required table and
    column of the input exists (the rows are dbt's job). Stripe tables are
    looked for in the Stripe schema, contract tables in the raw schema."""
    contract_stage, _ = source_schemas(project)
    wanted = [(raw if raw and loaded.stage_schema == contract_stage else loaded.schema,
               loaded.table) for loaded in input_tables(project, source)]
    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute("select table_schema, table_name, column_name "
                       "from information_schema.columns where table_schema = any(%s)",
                       [sorted({schema for schema, _ in wanted})])
        present: dict[tuple[str, str], set[str]] = {}
        for schema, table, column in cursor.fetchall():
            present.setdefault((schema, table), set()).add(column)
    missing = []
    for schema, table in wanted:
        if (schema, table.name) not in present:
            if table.required:
                missing.append(f"required table {schema}.{table.name} does not exist")
            continue
        missing += [f"{schema}.{table.name}: required column {column} does not exist"
                    for column in table.required_columns
                    if column not in present[(schema, table.name)]]
    if missing:
        raise InputMissing("; ".join(missing) + ". Load the files with "
                           "`arpu load --target postgres --data DIR`, or set "
                           "ARPU_BILLING_SCHEMA (ARPU_STRIPE_SCHEMA) to the schema of your "
                           "tables.")


class InputMissing(Exception):
    """The warehouse lacks a required contract table or column."""


def postgres_last_build(schema: str) -> str | dict | None:
    """What the last build left in its working schema `schema` to start an
    incremental build from (build.Engine.last_build): its arpu_build_info
    row, or why there is none."""
    if "arpu_build_info" not in postgres_tables(schema):
        return f"no earlier build in schema {schema}"
    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute(f'select * from "{schema}".arpu_build_info')
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
    return dict(zip(names, row)) if row else None


def postgres_prepare(work: str, staging: str, incremental_tables: list[str]) -> None:
    """An empty staging schema; for an incremental build, with copies of
    the working schema's incremental tables, which dbt then updates."""
    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute(f'drop schema if exists "{staging}" cascade')
        cursor.execute(f'create schema "{staging}"')
        for table in incremental_tables:
            cursor.execute(f'create table "{staging}"."{table}" as table "{work}"."{table}"')
        connection.commit()


def postgres_discard(staging: str) -> None:
    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute(f'drop schema if exists "{staging}" cascade')
        connection.commit()


def postgres_months_reported(schema: str) -> int | None:
    if "mart_arpu_monthly" not in postgres_tables(schema):
        return None
    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute(f'select count(*) from "{schema}".mart_arpu_monthly')
        return cursor.fetchone()[0]


def postgres_publish(schema: str, staging: str, work: str, names: list[str]) -> None:
    """In one transaction, so that a reader sees the old marts or the new
    ones: the staging schema becomes the working schema (every model, which
    the next incremental build starts from), and the published schema is
    made anew with one view per mart over it, and nothing else."""
    retired = f"{work}__retired"
    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute(f'drop schema if exists "{schema}" cascade')
        cursor.execute(f'drop schema if exists "{retired}" cascade')
        cursor.execute("select 1 from information_schema.schemata where schema_name = %s",
                       [work])
        if cursor.fetchone():
            cursor.execute(f'alter schema "{work}" rename to "{retired}"')
        cursor.execute(f'alter schema "{staging}" rename to "{work}"')
        cursor.execute(f'create schema "{schema}"')
        for name in names:
            cursor.execute(f'create view "{schema}"."{name}" as select * from "{work}"."{name}"')
        cursor.execute(f'drop schema if exists "{retired}" cascade')
        connection.commit()


class _PostgresReader:
    """DuckDB's `execute(sql, parameters)` over PostgreSQL, for the summary:
    schema `main` is the published schema, `?` are parameters."""

    def __init__(self, connection, schema: str) -> None:
        self.connection, self.schema = connection, schema

    def execute(self, sql: str, parameters=None):
        cursor = self.connection.cursor()
        cursor.execute(sql.replace("main.", f'"{self.schema}".').replace("?", "%s"),
                       parameters or [])
        return cursor

    def close(self) -> None:
        self.connection.close()


def postgres_summary_reader(schema: str) -> _PostgresReader:
    import psycopg2

    return _PostgresReader(psycopg2.connect(connect_timeout=10, **postgres_parameters()), schema)


# -------------------------------------------------------------------- Spark

@dataclass(frozen=True)
class SparkPaths:
    warehouse: Path

    def table_files(self, database: str, table: str) -> str:
        return str(self.warehouse / f"{database}.db" / table / "*.parquet")

    def live_state(self, schema: str) -> Path:
        """Which of <schema>__a and __b the views of <schema> read."""
        return self.warehouse / f"{schema}.arpu-live"

    def live(self, schema: str) -> str:
        """That database; empty when no build published <schema>."""
        state = self.live_state(schema)
        return state.read_text().strip() if state.is_file() else ""


def spark_paths() -> SparkPaths:
    return SparkPaths(Path(os.environ.get("ARPU_SPARK_WAREHOUSE", "spark-warehouse")).resolve())


def spark_summary_reader(database: str,
                         exposure: str = "arpu_build_summary") -> duckdb.DuckDBPyConnection:
    """DuckDB over the Parquet files of a Spark build's tables: the summary
    (or, with exposure arpu_report, the report) without a Spark session."""
    paths = spark_paths()
    connection = duckdb.connect()
    # The tables that reader reads: its exposure's.
    for table in exposure_tables(project_dir(), exposure):
        connection.execute(f"create view main.{table} as select * from read_parquet("
                           f"'{_sql_text(Path(paths.table_files(database, table)))}')")
    return connection
