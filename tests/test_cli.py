"""The `arpu` command as a new user meets it: clear errors before dbt
runs, exit codes, and a database left alone when a build cannot happen."""

from __future__ import annotations

import pytest

from conftest import database_in, run_build, write_tables

ACCOUNTS = [{"account_id": "a", "created_at": "2024-01-01"}]
LINES = [{"line_item_id": "l", "invoice_id": "i", "account_id": "a", "charge_type": "recurring",
          "amount": "10", "currency": "USD", "period_start": "2024-01-01",
          "period_end": "2024-02-01", "invoice_date": "2024-01-01", "invoice_status": "paid"}]


@pytest.fixture
def data(tmp_path):
    return write_tables(tmp_path / "data", {"accounts": ACCOUNTS, "invoice_line_items": LINES})


@pytest.fixture
def existing_database(tmp_path):
    """A database from an earlier good run: it must stay byte for byte."""
    database = tmp_path / "arpu.duckdb"
    database.write_bytes(b"last good build")
    return database


def assert_refused(build, database, message):
    assert build.returncode == 2, build.stderr
    assert message in build.stderr
    assert "Traceback" not in build.stderr
    assert database.read_bytes() == b"last good build"
    assert not list(database.parent.glob(".arpu.duckdb.building-*"))


def test_missing_required_file(data, existing_database):
    (data / "accounts.csv").unlink()
    build = run_build(data, existing_database)
    assert_refused(build, existing_database,
                   f"error: Required table 'accounts' is missing: expected {data}/accounts.csv "
                   f"or {data}/accounts.parquet.")


def test_missing_required_column(data, existing_database):
    text = (data / "invoice_line_items.csv").read_text()
    (data / "invoice_line_items.csv").write_text(text.replace("invoice_status", "status", 1))
    build = run_build(data, existing_database)
    assert_refused(build, existing_database,
                   f"error: {data}/invoice_line_items.csv: required column 'invoice_status' is missing.")


def test_ragged_csv_row_names_the_line(data, existing_database):
    with (data / "accounts.csv").open("a") as handle:
        handle.write("b,Bee,2024-01-01,3\n")
    build = run_build(data, existing_database)
    assert_refused(build, existing_database,
                   f"error: {data}/accounts.csv, line 3: 4 fields where the header has 8.")


def test_file_that_is_not_utf8(data, existing_database):
    with (data / "accounts.csv").open("ab") as handle:
        handle.write("b,Caf\u00e9,2024-01-01,,,,,\n".encode("latin-1"))
    build = run_build(data, existing_database)
    assert_refused(build, existing_database, f"error: {data}/accounts.csv, line 3: not UTF-8 text.")


def test_missing_data_folder(tmp_path, existing_database):
    build = run_build(tmp_path / "nowhere", existing_database)
    assert_refused(build, existing_database,
                   f"error: Data folder {tmp_path / 'nowhere'} does not exist or is not a folder.")


def test_bad_as_of_date(data, existing_database):
    build = run_build(data, existing_database, "--as-of", "2024/01/31")
    assert build.returncode == 2
    assert "'2024/01/31' is not a date of the form YYYY-MM-DD." in build.stderr
    assert existing_database.read_bytes() == b"last good build"


def test_missing_optional_files_are_fine_and_the_summary_reads(data, tmp_path):
    build = run_build(data, database_in(tmp_path))
    assert build.returncode == 0, build.stderr
    # As of January 1st, January is a snapshot on its first day.
    assert ("As of 2024-01-01 (1 month reported), month 2024-01, amounts in USD:\n"
            "  partial month: a snapshot on 2024-01-01, not the whole month\n") in build.stdout
    assert "paying accounts               1" in build.stdout
    assert "rejected" not in build.stdout


def test_parquet_column_of_a_nested_type(data, existing_database):
    import duckdb

    (data / "accounts.csv").unlink()
    target = data / "accounts.parquet"
    duckdb.sql(f"copy (select ['a'] as account_id, '2024-01-01' as created_at) to '{target}' "
               "(format parquet)")
    build = run_build(data, existing_database)
    assert_refused(build, existing_database,
                   f"error: {target}: column 'account_id' has type VARCHAR[], which does not "
                   "cast to the contract's type.")


def test_both_csv_and_parquet_for_one_table(data, existing_database):
    import duckdb

    duckdb.sql(f"copy (select 'a' as account_id) to '{data / 'accounts.parquet'}' (format parquet)")
    build = run_build(data, existing_database)
    assert_refused(build, existing_database,
                   f"error: {data}/accounts.csv and {data}/accounts.parquet both exist: "
                   "keep one file per table.")
