"""The engines `arpu build` builds on, each behind the one interface of
src/arpu/build.py: a DuckDB file (duckdb.py), a PostgreSQL schema
(postgres.py), a Spark database (spark.py)."""

from __future__ import annotations

from pathlib import Path


def warehouse_engine(project: Path, target: str, schema: str | None, source: str):
    """The engine of `arpu build --target postgres|spark`, its input checked
    (PostgreSQL: the contract tables and columns exist)."""
    from arpu import warehouse
    from arpu.engines.postgres import PostgresEngine
    from arpu.engines.spark import SparkEngine

    schema = warehouse.schema_name(schema)
    if target == "spark":
        return SparkEngine(project, schema)
    engine = PostgresEngine(project, schema, source)
    engine.check_sources()
    return engine
