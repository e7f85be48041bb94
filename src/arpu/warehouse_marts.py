"""A warehouse's published marts as a DuckDB connection, for `arpu report
--target postgres|spark`: the page reads the same queries from it as from
the published file. PostgreSQL's tables the report reads (the exposure
arpu_report) are copied once, each in its own column types, into an
in-memory database's schema main; Spark's are read where they lie, the
Parquet files of the build its views read."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from arpu.project import exposure_tables
from arpu.runner import project_dir
from arpu.text import first_line
from arpu.warehouse import WarehouseError, postgres_connection, spark_paths, spark_summary_reader

# PostgreSQL's column types as DuckDB's; numeric keeps its precision and
# scale (money stays exact).
_TYPES = {
    "bigint": "bigint", "integer": "integer", "smallint": "smallint",
    "double precision": "double", "real": "float", "boolean": "boolean", "date": "date",
    "text": "varchar", "character varying": "varchar",
    "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
}


def _duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"decimal({precision}, {scale})" if precision else "double"
    return _TYPES.get(data_type, "varchar")


def postgres_marts(schema: str) -> duckdb.DuckDBPyConnection:
    """The tables of the exposure arpu_report in `schema`, copied through
    CSV (PostgreSQL's COPY, DuckDB's typed reader). A table the schema
    lacks is left out: the report names it. WarehouseError: no server."""
    import psycopg2

    tables = exposure_tables(project_dir(), "arpu_report")
    target = duckdb.connect()
    with postgres_connection() as connection, tempfile.TemporaryDirectory(
            prefix="arpu-report-") as scratch:
        try:
            _copy_postgres(connection, schema, tables, target, Path(scratch))
        except (psycopg2.Error, duckdb.Error) as error:
            raise WarehouseError(f"Could not read PostgreSQL schema {schema}: "
                                 f"{first_line(error)}") from None
    return target


def _copy_postgres(connection, schema: str, tables, target, scratch: Path) -> None:
    # One snapshot for every table: a build published meanwhile is not
    # read half.
    connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
    cursor = connection.cursor()
    cursor.execute(
        "select table_name, column_name, data_type, numeric_precision, numeric_scale "
        "from information_schema.columns where table_schema = %s "
        "and table_name = any(%s) order by table_name, ordinal_position",
        [schema, list(tables)])
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type, precision, scale in cursor.fetchall():
        columns.setdefault(table, {})[column] = _duckdb_type(data_type, precision, scale)
    for table, types in columns.items():
        path = scratch / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            cursor.copy_expert(
                f'copy (select * from "{schema}"."{table}") to stdout '
                "with (format csv, header true)",
                handle)
        declared = ", ".join(f"'{name}': '{kind}'" for name, kind in types.items())
        target.execute(
            f'create table main."{table}" as select * from read_csv(?, header = true, '
            f"columns = {{{declared}}}, nullstr = '', allow_quoted_nulls = false)",
            [str(path)])


def spark_marts(schema: str) -> duckdb.DuckDBPyConnection:
    """The tables of the exposure arpu_report of the Spark build the views
    of `schema` read (ARPU_SPARK_WAREHOUSE). WarehouseError: no build."""
    paths = spark_paths()
    live = paths.live(schema)
    if not live:
        raise WarehouseError(
            f"No Spark build publishes schema {schema} under {paths.warehouse} "
            "(ARPU_SPARK_WAREHOUSE): run `arpu build --target spark` first.")
    try:
        return spark_summary_reader(live, exposure="arpu_report")
    except duckdb.Error as error:
        raise WarehouseError(f"Spark database {schema}: a table of the report cannot be read "
                             f"({first_line(error)}); run `arpu build "
                             "--target spark` again.") from None
