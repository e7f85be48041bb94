#!/usr/bin/env python3
"""Copy the Stripe tables `arpu load --source stripe` wrote as text into a
schema typed the way Fivetran's PostgreSQL destination types them: instants
as timestamp with time zone, amounts as bigint, flags as boolean, metadata
as jsonb. scripts/check_postgres builds the Stripe demo from that schema,
in a session whose time zone is not UTC, so that CI reads Stripe data as
Fivetran really lands it (tests/e2e/test_stripe_parquet.py does the same
with typed Parquet on DuckDB).

Usage: scripts/type_stripe_tables.py FROM_SCHEMA TO_SCHEMA (PG* variables
name the server, as for `arpu`)."""

from __future__ import annotations

import sys
from pathlib import Path

# Fivetran's types of the Stripe columns the project reads (the rest text).
INSTANTS = frozenset({"created", "_fivetran_synced", "status_transitions_finalized_at",
                      "period_start", "period_end", "start_date", "trial_end", "ended_at"})
INTEGERS = frozenset({"amount", "tax", "discount_amount", "quantity"})
FLAGS = frozenset({"livemode", "is_deleted", "proration", "_fivetran_active", "_fivetran_deleted"})
JSON = frozenset({"metadata"})


def postgres_type(column: str) -> str:
    if column in INSTANTS:
        return "timestamp with time zone"
    if column in INTEGERS:
        return "bigint"
    if column in FLAGS:
        return "boolean"
    return "jsonb" if column in JSON else "text"


def typed_select(column: str) -> str:
    quoted = f'"{column}"'
    if column in INSTANTS:
        # The text is UTC (Fivetran's, and the loader's).
        return f"cast(nullif({quoted}, '') as timestamp) at time zone 'UTC' as {quoted}"
    kind = postgres_type(column)
    return quoted if kind == "text" else f"cast(nullif({quoted}, '') as {kind}) as {quoted}"


def main(source: str, target: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from arpu.warehouse import postgres_connection

    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute(f'drop schema if exists "{target}" cascade')
        cursor.execute(f'create schema "{target}"')
        cursor.execute("select table_name, column_name from information_schema.columns "
                       "where table_schema = %s order by table_name, ordinal_position",
                       [source])
        tables: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            tables.setdefault(table, []).append(column)
        for table, columns in tables.items():
            cursor.execute(f'create table "{target}"."{table}" as select '
                           + ", ".join(typed_select(c) for c in columns)
                           + f' from "{source}"."{table}"')
        connection.commit()
    print(f"typed {len(tables)} tables of {source} into {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
