#!/usr/bin/env python3
"""Compare every mart of a DuckDB build, cell by cell, with the same tables
built on PostgreSQL, on Spark, or in another DuckDB file.

    python scripts/compare_marts.py --duckdb FILE --postgres SCHEMA
    python scripts/compare_marts.py --duckdb FILE --spark SCHEMA [--spark-warehouse DIR]
    python scripts/compare_marts.py --duckdb FILE --other-duckdb FILE

The marts are the models under models/marts (mart_*, fct_revenue,
dim_active_customers, the audit tables and arpu_build_info). For each:

- the same columns, of the same kind (text, integer, decimal, double,
  date, boolean, timestamp; integer widths may differ);
- the same rows, order-insensitive: rows are matched on the model's grain
  (its unique_combination or unique test in the YAML), or on every column
  when it declares none;
- every cell equal: text, integers, dates and booleans exactly; money
  (decimals) to --money-tolerance, default 0.005 (half a cent), and with
  --exact-money exactly for decimals of 6 places or fewer (money as
  reported, decimal(38, 6)), or with --money-relative also within that
  fraction of the value; doubles (ratios) to a relative 1e-9 (and
  1e-12 absolute, for values that are 0 up to rounding on one engine),
  the quick ratio to 1e-6 (SMALL_DENOMINATOR_RELATIVE).
  The largest difference within tolerance is printed per column.

Why money is not exact by default: a recurring line's monthly amount is
its net amount divided by a double (period_months, docs/metrics.md section
2), cast back to decimal(38, 12), and engines cast a double to a decimal
differently (DuckDB multiplies in double precision, PostgreSQL keeps 15
significant digits, Spark the shortest exact text): the 12th place
differs, and where a value rounded to 6 places lies on a half, the 6th.

Skipped as volatile: in arpu_build_info, built_at, dbt_version,
invocation_id (when and by what the build ran), project_version and
definition_checksum (set by `arpu build` only; a plain `dbt build` leaves
them null), billing_data_dir (where DuckDB read the files; a
warehouse reads tables) and invoice_lines_checked (how many lines an
incremental run judged again; every line on a full build); in
fct_revenue, line_fingerprint (bookkeeping of incremental runs, a hash
that differs per engine by design: DuckDB's hash(), md5 elsewhere).

Spark is read without a JVM: DuckDB reads the Parquet files of each table
under the warehouse folder, <warehouse>/<schema>.db/<table>/
(ARPU_SPARK_WAREHOUSE, default spark-warehouse). With --spark-session it
is read through a local Spark session instead (tables or views; the
metastore is ARPU_SPARK_METASTORE, default metastore_db). PostgreSQL is read with
psycopg2 from the libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD and
PGDATABASE (default 127.0.0.1:5432, arpu/arpu, database arpu).

Prints one line per table and every difference (table, row key, column);
exits 1 on any difference, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import math
import os
import re
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arpu.project import mart_names  # noqa: E402

VOLATILE = {
    "arpu_build_info": {
        "built_at", "dbt_version", "invocation_id", "project_version",
        "definition_checksum", "billing_data_dir", "invoice_lines_checked",
    },
    "fct_revenue": {"line_fingerprint"},
}
MONEY_TOLERANCE = Decimal("0.005")
RATIO_RELATIVE = 1e-9
RATIO_ABSOLUTE = 1e-12
# Ratios whose denominator is a sum of money that can be small: the quick
# ratio divides by contraction + churned MRR, whose 6th place may differ by
# one between engines (above), so the ratio by 1e-6 of the denominator.
# On the demo, 2.3e-9 to 1.16e-7 relative (PostgreSQL and Spark).
SMALL_DENOMINATOR_RELATIVE = {("mart_revenue_retention", "quick_ratio"): 1e-6}
MAX_REPORTED = 20


def mart_models(source: str = "contract") -> dict[str, list[str] | None]:
    """Every mart a build of input `source` holds, with its grain from the
    YAML."""
    names = sorted(mart_names(ROOT, source))
    grains: dict[str, list[str]] = {}
    for path in glob.glob(str(ROOT / "models" / "marts" / "**" / "*.yml"), recursive=True):
        for model in (yaml.safe_load(Path(path).read_text()) or {}).get("models", []):
            for test in model.get("data_tests") or []:
                if isinstance(test, dict) and "unique_combination" in test:
                    spec = test["unique_combination"]
                    columns = (spec.get("arguments") or spec)["columns"]
                    grains.setdefault(model["name"], list(columns))
            for column in model.get("columns") or []:
                for test in column.get("data_tests") or []:
                    if test == "unique" or (isinstance(test, dict) and "unique" in test):
                        grains.setdefault(model["name"], [column["name"]])
    return {name: grains.get(name) for name in names}


def kind_of(type_name: str) -> tuple[str, int | None]:
    """A declared column type as (kind, decimal scale)."""
    name = type_name.strip().lower()
    match = re.match(r"(decimal|numeric)\s*\(\s*\d+\s*,\s*(\d+)\s*\)", name)
    if match:
        return "decimal", int(match.group(2))
    if name in ("decimal", "numeric"):
        return "decimal", None
    if name in ("double", "double precision", "float8", "float", "real", "float4"):
        return "double", None
    if name in ("bigint", "integer", "int", "smallint", "tinyint", "hugeint",
                "int8", "int4", "int2", "ubigint", "uinteger"):
        return "integer", None
    if name in ("varchar", "text", "string", "character varying") or name.startswith("varchar"):
        return "text", None
    if name == "date":
        return "date", None
    if name in ("boolean", "bool"):
        return "boolean", None
    if name.startswith("timestamp"):
        return "timestamp", None
    return name, None


class DuckDBSource:
    def __init__(self, path: str, schema: str = "main", label: str = "duckdb"):
        self.label = label
        self.connection = duckdb.connect(path, read_only=True)
        self.schema = schema

    def relation(self, table: str) -> str | None:
        found = self.connection.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?", [self.schema, table]).fetchone()[0]
        return f'"{self.schema}"."{table}"' if found else None

    def source(self) -> str:
        """The input the reference was built from (arpu_build_info)."""
        columns = {name for name, _ in self.read("arpu_build_info")[0]}
        if "billing_source" not in columns:
            return "contract"
        return self.connection.execute(
            f'select billing_source from "{self.schema}".arpu_build_info').fetchone()[0]

    def read(self, table: str):
        relation = self.relation(table)
        if relation is None:
            return None
        columns = [(row[0], row[1]) for row in self.connection.execute(
            f"describe select * from {relation}").fetchall()]
        rows = self.connection.execute(f"select * from {relation}").fetchall()
        return columns, rows


class SparkSource(DuckDBSource):
    """The Parquet files of a Spark warehouse's tables, read by DuckDB."""

    def __init__(self, warehouse: str, schema: str):
        self.label = "spark"
        self.connection = duckdb.connect()
        self.folder = Path(warehouse) / f"{schema}.db"

    def relation(self, table: str) -> str | None:
        files = sorted(glob.glob(str(self.folder / table / "*.parquet")))
        if not files:
            return None
        return "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "])"


class SparkSessionSource:
    """Tables or views of a Spark schema, read through a local Spark session
    with the profile's warehouse and Derby metastore (one process at a
    time: run it after the build)."""

    def __init__(self, warehouse: str, metastore: str, schema: str):
        from pyspark.sql import SparkSession

        self.label = "spark"
        self.schema = schema
        self.session = (
            SparkSession.builder.master("local[2]").enableHiveSupport()
            .config("spark.sql.warehouse.dir", warehouse)
            .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                    f"jdbc:derby:;databaseName={metastore};create=true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .getOrCreate())
        self.session.sparkContext.setLogLevel("ERROR")

    def read(self, table: str):
        if not self.session.catalog.tableExists(f"`{self.schema}`.`{table}`"):
            return None
        frame = self.session.table(f"`{self.schema}`.`{table}`")
        columns = [(field.name, field.dataType.simpleString()) for field in frame.schema.fields]
        return columns, [tuple(row) for row in frame.collect()]


class PostgresSource:
    def __init__(self, schema: str):
        import psycopg2

        self.label = "postgres"
        self.schema = schema
        self.connection = psycopg2.connect(
            host=os.environ.get("PGHOST", "127.0.0.1"),
            port=int(os.environ.get("PGPORT", "5432")),
            user=os.environ.get("PGUSER", "arpu"),
            password=os.environ.get("PGPASSWORD", "arpu"),
            dbname=os.environ.get("PGDATABASE", "arpu"),
        )

    def read(self, table: str):
        cursor = self.connection.cursor()
        cursor.execute(
            "select column_name, data_type, numeric_precision, numeric_scale"
            " from information_schema.columns where table_schema = %s and table_name = %s"
            " order by ordinal_position", (self.schema, table))
        described = cursor.fetchall()
        if not described:
            return None
        columns = []
        for name, data_type, precision, scale in described:
            if data_type == "numeric" and scale is not None:
                data_type = f"decimal({precision},{scale})"
            columns.append((name, data_type))
        cursor.execute(f'select * from "{self.schema}"."{table}"')
        return columns, cursor.fetchall()


def key_value(value):
    """A cell as a matching key: decimals by value, whatever their scale."""
    if isinstance(value, Decimal):
        return ("decimal", value.normalize())
    return (type(value).__name__, value)


def sort_key(key: tuple) -> tuple:
    # NULL first, then by value's text: mixed types never compare.
    return tuple((part[1] is not None, str(part[1])) for part in key)


def show(value) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def compare_cell(kind: str, scale: int | None, left, right, tolerance: Decimal,
                 exact_money: bool = False, relative: Decimal = Decimal(0),
                 ratio_relative: float = RATIO_RELATIVE):
    """None when equal, else the difference's size (or True when not numeric)."""
    if left is None or right is None:
        return None if left is None and right is None else True
    if kind == "double":
        if not isinstance(left, (float, int, Decimal)) or not isinstance(right, (float, int, Decimal)):
            return True
        a, b = float(left), float(right)
        if math.isnan(a) or math.isnan(b):
            return None if math.isnan(a) and math.isnan(b) else True
        close = math.isclose(a, b, rel_tol=ratio_relative, abs_tol=RATIO_ABSOLUTE)
        return None if close else abs(a - b)
    if kind == "decimal":
        if not isinstance(left, (Decimal, int)) or not isinstance(right, (Decimal, int)):
            return True
        difference = abs(Decimal(left) - Decimal(right))
        exact = exact_money and scale is not None and scale <= 6
        limit = Decimal(0) if exact else max(
            tolerance, relative * max(abs(Decimal(left)), abs(Decimal(right))))
        return None if difference <= limit else difference
    if kind == "timestamp" and isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
        return None if left.replace(tzinfo=None) == right.replace(tzinfo=None) else True
    if type(left) is not type(right) and not (isinstance(left, int) and isinstance(right, int)):
        return True
    return None if left == right else True


def compare_table(table, grain, reference, other, tolerance, report,
                  exact_money: bool = False, relative: Decimal = Decimal(0)) -> bool:
    left = reference.read(table)
    right = other.read(table)
    if left is None or right is None:
        missing = reference.label if left is None else other.label
        report(f"DIFF {table}: no such table on {missing}")
        return False
    (left_columns, left_rows), (right_columns, right_rows) = left, right
    skipped = VOLATILE.get(table, set())
    left_names = [name for name, _ in left_columns]
    right_names = [name for name, _ in right_columns]
    problems: list[str] = []
    if left_names != right_names:
        only_left = [n for n in left_names if n not in right_names]
        only_right = [n for n in right_names if n not in left_names]
        if only_left or only_right:
            problems.append(
                f"columns only on {reference.label}: {only_left}, only on {other.label}: {only_right}")
        else:
            problems.append(f"column order differs: {other.label} has {right_names}")
    right_types = dict(right_columns)
    compared = []
    notes = []
    for index, (name, type_name) in enumerate(left_columns):
        if name in skipped or name not in right_types:
            continue
        kind, scale = kind_of(type_name)
        other_kind, other_scale = kind_of(right_types[name])
        if kind != other_kind:
            problems.append(
                f"column {name}: {reference.label} {type_name}, {other.label} {right_types[name]}")
            continue
        if kind == "decimal" and scale != other_scale:
            notes.append(f"{name} decimal scale {scale} vs {other_scale}")
        compared.append((name, index, right_names.index(name), kind, scale))

    # Without a declared grain, rows match on their exact columns (every
    # column but decimals and doubles, which may differ within tolerance).
    key_names = grain or [name for name, _, _, kind, _ in compared
                          if kind not in ("decimal", "double")]
    key_columns = [c for c in compared if c[0] in key_names]

    def index_rows(rows, side):
        by_key = {}
        for row in rows:
            key = tuple(key_value(row[c[1 if side == 0 else 2]]) for c in key_columns)
            by_key.setdefault(key, []).append(row)
        return by_key

    left_by_key = index_rows(left_rows, 0)
    right_by_key = index_rows(right_rows, 1)
    largest: dict[str, object] = {}
    for key in sorted(set(left_by_key) | set(right_by_key), key=sort_key):
        label = ", ".join(f"{c[0]}={show(part[1])}" for c, part in zip(key_columns, key)) or "(row)"
        lefts, rights = left_by_key.get(key, []), right_by_key.get(key, [])
        if len(lefts) != len(rights):
            problems.append(
                f"row {label}: {len(lefts)} on {reference.label}, {len(rights)} on {other.label}")
            continue
        if len(lefts) > 1 and grain:
            problems.append(f"row {label}: the grain {grain} is not unique")
            continue
        # Rows that share a key (no grain) pair up in the order of their values.
        lefts = sorted(lefts, key=lambda row: [str(row[c[1]]) for c in compared])
        rights = sorted(rights, key=lambda row: [str(row[c[2]]) for c in compared])
        for left_row, right_row in zip(lefts, rights):
            for name, left_index, right_index, kind, scale in compared:
                difference = compare_cell(
                    kind, scale, left_row[left_index], right_row[right_index], tolerance,
                    exact_money, relative,
                    SMALL_DENOMINATOR_RELATIVE.get((table, name), RATIO_RELATIVE))
                if difference is None:
                    if kind in ("decimal", "double") and left_row[left_index] is not None:
                        size = abs(Decimal(str(left_row[left_index])) - Decimal(str(right_row[right_index])))
                        if size and size > largest.get(name, Decimal(0)):
                            largest[name] = size
                    continue
                problems.append(
                    f"row {label}, column {name}: {reference.label} {show(left_row[left_index])}"
                    f", {other.label} {show(right_row[right_index])}")

    status = "OK  " if not problems else "DIFF"
    summary = (f"{status} {table}: {len(left_rows)} rows on {reference.label}, "
               f"{len(right_rows)} on {other.label}; {len(compared)} columns compared")
    if skipped:
        summary += f" (skipped: {', '.join(sorted(skipped))})"
    report(summary)
    if largest:
        report("       within tolerance, largest differences: " + ", ".join(
            f"{name} {size:.3g}" for name, size in sorted(largest.items())))
    if notes:
        report("       note: " + "; ".join(notes))
    for problem in problems[:MAX_REPORTED]:
        report(f"       {table}: {problem}")
    if len(problems) > MAX_REPORTED:
        report(f"       {table}: ... {len(problems) - MAX_REPORTED} more differences")
    return not problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duckdb", required=True, help="the reference DuckDB build (file)")
    parser.add_argument("--duckdb-schema", default="main", help="its schema (default main)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--postgres", metavar="SCHEMA", help="a PostgreSQL schema")
    target.add_argument("--spark", metavar="SCHEMA", help="a Spark schema (its Parquet files)")
    target.add_argument("--other-duckdb", metavar="FILE", help="another DuckDB build")
    parser.add_argument(
        "--spark-warehouse", default=os.environ.get("ARPU_SPARK_WAREHOUSE", "spark-warehouse"),
        help="Spark's warehouse folder (default ARPU_SPARK_WAREHOUSE or spark-warehouse)")
    parser.add_argument(
        "--spark-session", action="store_true",
        help="read Spark through a local session (views too), not its Parquet files")
    parser.add_argument(
        "--spark-metastore", default=os.environ.get("ARPU_SPARK_METASTORE", "metastore_db"),
        help="with --spark-session: the Derby metastore (default ARPU_SPARK_METASTORE"
             " or metastore_db)")
    parser.add_argument(
        "--money-tolerance", type=Decimal, default=MONEY_TOLERANCE,
        help="largest difference of a decimal (default 0.005)")
    parser.add_argument(
        "--exact-money", action="store_true",
        help="decimals of 6 places or fewer must be equal exactly")
    parser.add_argument(
        "--money-relative", type=Decimal, default=Decimal(0),
        help="also accept a decimal within this fraction of its value (default 0: off);"
             " for amounts near the contract's limits, where a double's 1e-16 exceeds a cent")
    parser.add_argument("--tables", nargs="*", help="only these marts")
    args = parser.parse_args(argv)

    reference = DuckDBSource(args.duckdb, args.duckdb_schema)
    if args.postgres:
        other = PostgresSource(args.postgres)
    elif args.spark and args.spark_session:
        other = SparkSessionSource(
            os.path.abspath(args.spark_warehouse), os.path.abspath(args.spark_metastore),
            args.spark)
    elif args.spark:
        if not (Path(args.spark_warehouse) / f"{args.spark}.db").is_dir():
            parser.error(f"no folder {args.spark}.db in {args.spark_warehouse}")
        other = SparkSource(args.spark_warehouse, args.spark)
    else:
        other = DuckDBSource(args.other_duckdb, args.duckdb_schema, label="other duckdb")

    models = mart_models(reference.source())
    tables = args.tables or list(models)
    unknown = [t for t in tables if t not in models]
    if unknown:
        parser.error(f"not marts: {unknown}")
    print(f"Comparing {len(tables)} marts: {reference.label} {args.duckdb} against {other.label}")
    failed = [t for t in tables
              if not compare_table(t, models[t], reference, other, args.money_tolerance, print,
                                   args.exact_money, args.money_relative)]
    if failed:
        print(f"{len(failed)} of {len(tables)} marts differ: {', '.join(failed)}")
        return 1
    print(f"All {len(tables)} marts equal.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
