"""The hand-made Stripe export (tests/fixtures/stripe) as typed Parquet, the
way a Fivetran destination types it: instants as timestamps with time zone,
amounts as integers, flags as booleans. Built in a session whose time zone
is Tokyo's, it must give the hand-worked numbers of test_stripe_fixture:
an instant is read in UTC, never in local time (an invoice finalized at
2025-04-01 00:30 UTC is dated April 1, not March 31 or April 1 09:30)."""

from __future__ import annotations

import datetime as dt
import shutil
import sys

import duckdb
import pytest

from conftest import ROOT, build_env, run_build
from test_stripe_fixture import FIXTURE, MONTHLY

sys.path.insert(0, str(ROOT / "scripts"))
from type_stripe_tables import FLAGS, INSTANTS, INTEGERS  # noqa: E402

CONTRACT_TABLES = {"users", "fx_rates", "acquisition_spend"}


def typed(column: str) -> str:
    quoted = f'"{column}"'
    if column in INSTANTS:
        return f"timezone('UTC', cast({quoted} as timestamp)) as {quoted}"
    if column in INTEGERS:
        return f"cast({quoted} as bigint) as {quoted}"
    if column in FLAGS:
        return f"cast({quoted} as boolean) as {quoted}"
    return quoted


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripe_parquet") / "export"
    folder.mkdir()
    connection = duckdb.connect()
    for path in sorted(FIXTURE.glob("*.csv")):
        if path.stem in CONTRACT_TABLES:
            shutil.copy(path, folder / path.name)
            continue
        columns = [row[0] for row in connection.execute(
            f"describe select * from read_csv('{path}', all_varchar = true)").fetchall()]
        connection.execute(
            f"copy (select {', '.join(typed(c) for c in columns)} "
            f"from read_csv('{path}', all_varchar = true)) "
            f"to '{folder / (path.stem + '.parquet')}' (format parquet)")
    zoned = connection.execute(
        f"select typeof(created) from '{folder / 'invoice.parquet'}' limit 1").fetchone()[0]
    connection.close()
    assert zoned == "TIMESTAMP WITH TIME ZONE"
    build = run_build(folder, folder.parent / "arpu.duckdb", "--source", "stripe",
                      env=build_env(TZ="Asia/Tokyo"))
    assert build.returncode == 0, build.stdout + build.stderr
    return build


def test_typed_parquet_gives_the_hand_worked_numbers(built):
    monthly = {month: (accounts, mrr) for month, accounts, mrr in built.rows(
        "select month, paying_accounts, mrr from main.mart_arpu_monthly")}
    assert monthly == MONTHLY


def test_instants_are_dated_in_utc(built):
    # in_c4: created 2025-03-31 23:00, finalized 2025-04-01 00:30 UTC.
    assert built.rows("select distinct invoice_date from main.int_invoice_line_items_accepted "
                      "where invoice_id = 'in_c4'") == [(dt.date(2025, 4, 1),)]
    assert built.rows("select count(*) from main.rejected_rows "
                      "where rejection_reasons like '%invalid%'") == [(0,)]


def test_the_project_file_is_untouched():
    assert not (ROOT / "tests" / "fixtures" / "stripe" / "invoice.parquet").exists()
