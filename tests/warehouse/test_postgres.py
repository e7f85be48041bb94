"""`arpu load` and `arpu build --target postgres` on a real PostgreSQL
server: what the DuckDB build promises holds on a warehouse too (exit
codes, incremental runs, a failed build never touches the published
marts, one build at a time). scripts/check_postgres starts the server and
runs this module with ARPU_TEST_POSTGRES=1; without it the module is
skipped, as it needs a server. The marts themselves are compared with the
DuckDB build cell for cell by scripts/compare_marts.py, in the same
script."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from arpu.project import mart_names
from conftest import ROOT, build_env, write_tables

pytestmark = pytest.mark.skipif(
    os.environ.get("ARPU_TEST_POSTGRES") != "1",
    reason="needs a PostgreSQL server: run scripts/check_postgres")

SCHEMA = "arpu_test_cli"


def arpu(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "arpu.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=build_env(**env))


def query(sql: str, parameters=()):
    import psycopg2

    from arpu.warehouse import postgres_parameters

    connection = psycopg2.connect(**postgres_parameters())
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.commit()
        connection.close()


def months_published(schema: str = SCHEMA):
    return query(f'select month, paying_accounts, mrr from "{schema}".mart_arpu_monthly '
                 "order by month")


@pytest.fixture(scope="module")
def published():
    """The demo data loaded and built into SCHEMA from scratch."""
    loaded = arpu("load", "--target", "postgres")
    assert loaded.returncode == 0, loaded.stderr
    assert "invoice_line_items" in loaded.stdout and "3,926 rows" in loaded.stdout
    built = arpu("build", "--target", "postgres", "--schema", SCHEMA, "--full-refresh")
    assert built.returncode == 0, built.stdout + built.stderr
    assert built.stdout.startswith("Full build: 3,926 invoice lines checked.")
    return months_published()


def test_a_second_build_is_incremental_and_publishes_the_same_marts(published):
    built = arpu("build", "--target", "postgres", "--schema", SCHEMA)
    assert built.returncode == 0, built.stdout + built.stderr
    assert built.stdout.startswith("Incremental build: ")
    assert "Incremental build into PostgreSQL schema arpu_test_cli" in built.stderr
    assert months_published() == published
    # Beside the published schema, only the working one the next build
    # starts from: no staging or retired schema is left.
    assert query("select schema_name from information_schema.schemata "
                 "where schema_name like %s", [f"{SCHEMA}\\_\\_%"]) == [(f"{SCHEMA}__work",)]
    # A BI tool lists the marts, one view each, and nothing else (no
    # staging or intermediate model).
    listed = query("select table_name, table_type from information_schema.tables "
                   "where table_schema = %s", [SCHEMA])
    assert sorted(listed) == sorted((name, "VIEW") for name in mart_names(ROOT))


def test_an_empty_build_does_not_replace_published_marts(published):
    built = arpu("build", "--target", "postgres", "--schema", SCHEMA, "--as-of", "1900-01-31")
    assert built.returncode == 2, built.stdout + built.stderr
    assert "has no month to report" in built.stderr
    assert "are unchanged" in built.stderr
    assert "The published marts in PostgreSQL schema arpu_test_cli are unchanged." in built.stderr
    assert months_published() == published


def test_a_second_build_of_the_same_schema_waits_its_turn(published):
    import psycopg2

    from arpu.warehouse import postgres_parameters

    holder = psycopg2.connect(**postgres_parameters())
    try:
        with holder.cursor() as cursor:
            cursor.execute("select pg_advisory_lock(hashtext(%s))", [f"arpu:{SCHEMA}"])
        built = arpu("build", "--target", "postgres", "--schema", SCHEMA)
    finally:
        holder.close()
    assert built.returncode == 3, built.stdout + built.stderr
    assert "Another arpu build is publishing schema arpu_test_cli" in built.stderr
    assert months_published() == published


def test_a_missing_contract_table_or_column_is_an_input_error(published):
    from arpu.warehouse import InputMissing, check_postgres_sources

    query('drop schema if exists "arpu_test_raw" cascade; create schema "arpu_test_raw"; '
          'create table "arpu_test_raw".accounts (account_id text)')
    with pytest.raises(InputMissing) as raised:
        check_postgres_sources(ROOT, raw="arpu_test_raw")
    message = str(raised.value)
    assert "arpu_test_raw.accounts: required column created_at does not exist" in message
    assert "required table arpu_test_raw.invoice_line_items does not exist" in message
    assert "arpu load --target postgres" in message
    query('drop schema "arpu_test_raw" cascade')


def test_load_rejects_a_folder_without_required_files(tmp_path):
    write_tables(tmp_path / "data", {"accounts": []})
    loaded = arpu("load", "--target", "postgres", "--data", str(tmp_path / "data"))
    assert loaded.returncode == 2
    assert "Required table 'invoice_line_items' is missing" in loaded.stderr
    assert "Nothing was loaded." in loaded.stderr


def test_duckdb_options_are_refused_on_a_warehouse():
    built = arpu("build", "--target", "postgres", "--data", "demo_data")
    assert built.returncode == 2
    assert "--data is for the DuckDB target" in built.stderr


def test_the_report_reads_the_published_schema(published, demo_build, tmp_path):
    """`arpu report --target postgres` draws the same page data as the
    DuckDB build of the same files (scripts/compare_report.py: money
    exactly, ratios to 1e-9, the quick ratio to 1e-6), but when and from
    where the build ran."""
    page = arpu("report", "--target", "postgres", "--schema", SCHEMA,
                "--out", str(tmp_path / "report.html"))
    assert page.returncode == 0, page.stderr
    assert (tmp_path / "report.html").stat().st_size > 0
    compared = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compare_report.py"), "--duckdb",
         str(demo_build.database), "--target", "postgres", "--schema", SCHEMA],
        capture_output=True, text=True, env=build_env())
    assert compared.returncode == 0, compared.stdout + compared.stderr
    missing = arpu("report", "--target", "postgres", "--schema", "arpu_no_such_schema",
                   "--out", str(tmp_path / "none.html"))
    assert missing.returncode == 2
    assert "PostgreSQL schema arpu_no_such_schema has no table main.arpu_build_info" in (
        missing.stderr)
