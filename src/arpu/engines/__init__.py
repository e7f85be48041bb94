"""The engines `arpu build` builds on, each behind the one interface of
src/arpu/build.py: a DuckDB file (duckdb.py), a PostgreSQL schema
(postgres.py), a Spark database (spark.py)."""
