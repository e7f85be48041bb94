"""The hand-made Stripe export (tests/fixtures/stripe) as typed Parquet, the
way a Fivetran destination types it: instants as timestamps with time zone,
amounts as integers, flags as booleans. Built in a session whose time zone
is Tokyo's, it must give the hand-worked numbers of test_stripe_fixture:
an instant is read in UTC, never in local time (an invoice finalized at
2025-04-01 00:30 UTC is dated April 1, not March 31 or April 1 09:30).

The same export with every whole-number column (line, discount, tax,
credit note and refund amounts, quantity) typed DOUBLE, as pandas writes
an integer column that has NULLs: 10000.0 is read as 10000 minor units,
and the numbers are the same hand-worked ones."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from decimal import Decimal as D

import duckdb
import pytest

from conftest import ROOT, build_env, run_build
from test_stripe_fixture import FIXTURE, MONTHLY

sys.path.insert(0, str(ROOT / "scripts"))
from type_stripe_tables import FLAGS, INSTANTS, INTEGERS  # noqa: E402

CONTRACT_TABLES = {"users", "fx_rates", "acquisition_spend"}


def typed(column: str, integers: str = "bigint") -> str:
    quoted = f'"{column}"'
    if column in INSTANTS:
        return f"timezone('UTC', cast({quoted} as timestamp)) as {quoted}"
    if column in INTEGERS:
        return f"cast({quoted} as {integers}) as {quoted}"
    if column in FLAGS:
        return f"cast({quoted} as boolean) as {quoted}"
    return quoted


def write_typed(folder, integers: str = "bigint") -> None:
    """The fixture as typed Parquet: each table made in DuckDB with typed
    columns, then `copy ... to` a file."""
    folder.mkdir()
    connection = duckdb.connect()
    for path in sorted(FIXTURE.glob("*.csv")):
        if path.stem in CONTRACT_TABLES:
            shutil.copy(path, folder / path.name)
            continue
        columns = [row[0] for row in connection.execute(
            f"describe select * from read_csv('{path}', all_varchar = true)").fetchall()]
        connection.execute(
            f'create table "{path.stem}" as select '
            f"{', '.join(typed(c, integers) for c in columns)} "
            f"from read_csv('{path}', all_varchar = true)")
        connection.execute(
            f'copy "{path.stem}" to \'{folder / (path.stem + ".parquet")}\' (format parquet)')
    connection.close()


def parquet_type(folder, table: str, column: str) -> str:
    connection = duckdb.connect()
    try:
        return connection.execute(f"select typeof({column}) from "
                                  f"'{folder / (table + '.parquet')}' limit 1").fetchone()[0]
    finally:
        connection.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripe_parquet") / "export"
    write_typed(folder)
    assert parquet_type(folder, "invoice", "created") == "TIMESTAMP WITH TIME ZONE"
    build = run_build(folder, folder.parent / "arpu.duckdb", "--source", "stripe",
                      env=build_env(TZ="Asia/Tokyo"))
    assert build.returncode == 0, build.stdout + build.stderr
    return build


@pytest.fixture(scope="module")
def doubles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripe_doubles") / "export"
    write_typed(folder, integers="double")
    for table, column in [("invoice_line_item", "amount"), ("invoice_line_item", "quantity"),
                          ("invoice", "tax"), ("discount", "amount"),
                          ("credit_note_line_item", "amount"),
                          ("credit_note_line_item", "discount_amount"), ("refund", "amount")]:
        assert parquet_type(folder, table, column) == "DOUBLE", (table, column)
    build = run_build(folder, folder.parent / "arpu.duckdb", "--source", "stripe")
    assert build.returncode == 0, build.stdout + build.stderr
    return build


def test_typed_parquet_gives_the_hand_worked_numbers(built):
    monthly = {month: (accounts, mrr) for month, accounts, mrr in built.rows(
        "select month, paying_accounts, mrr from main.mart_arpu_monthly")}
    assert monthly == MONTHLY


def test_instants_are_dated_in_utc(built):
    # in_c4: created 2025-03-31 23:00, finalized 2025-04-01 00:30 UTC.
    assert built.rows("select distinct invoice_date from main.int_invoice_line_items_checked "
                      "where rejection_reasons is null and invoice_id = 'in_c4'", work=True) == [(dt.date(2025, 4, 1),)]
    assert built.rows("select count(*) from main.rejected_rows "
                      "where rejection_reasons like '%invalid%'") == [(0,)]


def test_the_project_file_is_untouched():
    assert not (ROOT / "tests" / "fixtures" / "stripe" / "invoice.parquet").exists()


def test_double_amounts_give_the_hand_worked_numbers(doubles):
    monthly = {month: (accounts, mrr) for month, accounts, mrr in doubles.rows(
        "select month, paying_accounts, mrr from main.mart_arpu_monthly")}
    assert monthly == MONTHLY


def test_double_amounts_are_read_exactly(doubles):
    # No line, tax line or refund rejected (the only rejections are the
    # fixture's own two refunds, test_stripe_fixture); B's annual line
    # 120000.0 cents less the coupons 10000.0 + 5000.0 and the credit note
    # 13200.0 - 1200.0; D's March tax 333.0 cents and its share 84 of the
    # 1000.0 cent charge refund (test_stripe_fixture's hand split).
    assert doubles.rows("select count(*) from main.rejected_invoice_line_items") == [(0,)]
    assert sorted(doubles.rows("select row_key from main.rejected_rows")) == [
        ("cnli_b_custom",), ("re_orphan",)]
    assert doubles.rows(
        "select amount, discount_amount, quantity from main.int_invoice_line_items_checked "
        "where rejection_reasons is null and line_item_id = 'il_b1'", work=True) == [(D("1200"), D("150"), 1)]
    assert doubles.rows(
        "select amount from main.int_invoice_line_items_checked "
        "where rejection_reasons is null and line_item_id = 'in_d3-tax'", work=True) == [(D("3.33"),)]
    assert sorted(doubles.rows(
        "select refund_id, amount from main.int_refunds_checked "
        "where rejection_reasons is null and line_item_id in ('il_b1', 'in_d3-tax')", work=True)) == [
        ("cnli_b1", D("120")), ("re_d3-in_d3-tax", D("0.84"))]
