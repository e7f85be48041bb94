"""Safe publishing: a build that fails, is killed or meets another build
never leaves the database half-written, and readers are not in the way."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time

import duckdb
import pytest

from conftest import ROOT, build_command, build_env, build_ok, run_build, write_tables

ACCOUNTS = [{"account_id": "a", "created_at": "2024-01-01"}]


def lines(amount):
    return [{"line_item_id": "l", "invoice_id": "i", "account_id": "a",
             "charge_type": "recurring", "amount": amount, "currency": "USD",
             "period_start": "2024-01-01", "period_end": "2024-02-01",
             "invoice_date": "2024-01-01", "invoice_status": "paid"}]


def mrr(database):
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return float(connection.execute("select mrr from main.mart_arpu_monthly").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def published(tmp_path):
    """A database holding a good build with MRR 10, and data for MRR 20."""
    first = write_tables(tmp_path / "first", {"accounts": ACCOUNTS, "invoice_line_items": lines("10")})
    database = tmp_path / "marts.duckdb"
    build_ok(first, database)
    second = write_tables(tmp_path / "second", {"accounts": ACCOUNTS, "invoice_line_items": lines("20")})
    return database, second


def start_build(data, database):
    return subprocess.Popen(build_command(data, database), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=build_env(), cwd=ROOT)


def wait_for_progress(process, marker):
    """Read stderr until a progress line containing `marker` appears."""
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError("no progress line with " + marker + ":\n" + "".join(seen))


def test_a_build_killed_midway_leaves_the_last_good_database(published):
    database, second = published
    process = start_build(second, database)
    wait_for_progress(process, "fct_revenue")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert mrr(database) == 10
    # The next build cleans up after the killed one and publishes.
    time.sleep(1)
    build_ok(second, database)
    assert mrr(database) == 20
    assert not list(database.parent.glob(".marts.duckdb.building-*"))


def test_a_second_concurrent_build_stops_with_a_clear_message(published):
    database, second = published
    first = start_build(second, database)
    wait_for_progress(first, "stg_billing__accounts")
    other = run_build(second, database)
    assert other.returncode == 3
    assert f"error: Another arpu build is writing {database}" in other.stderr
    assert "Wait for it to finish, then run again." in other.stderr
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert mrr(database) == 20


def test_a_build_whose_tests_fail_changes_nothing_and_says_why(published, tmp_path):
    database, second = published
    # A copy of the project with one data test that always fails.
    project = tmp_path / "project"
    for part in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(ROOT / part, project / part)
    for name in ("dbt_project.yml", "profiles.example.yml"):
        shutil.copy(ROOT / name, project / name)
    (project / "tests/dbt/assert_always_fails.sql").write_text("select 1 as broken\n")
    done = run_build(second, database, env=build_env(ARPU_PROJECT_DIR=str(project)))
    assert done.returncode == 1
    assert "The build failed; the database was not changed." in done.stderr
    assert "FAIL assert_always_fails: Got 1 result, configured to fail if != 0" in done.stderr
    assert mrr(database) == 10
    assert not list(database.parent.glob(".marts.duckdb.building-*"))


def test_a_reader_holding_the_database_open_does_not_break_the_build(published):
    database, second = published
    reader = duckdb.connect(str(database), read_only=True)
    try:
        build_ok(second, database)
        # The open reader still sees the build it opened; new readers the new one.
        assert float(reader.execute("select mrr from main.mart_arpu_monthly").fetchone()[0]) == 10
    finally:
        reader.close()
    assert mrr(database) == 20


def test_fail_on_rejects_exits_4_and_still_publishes(tmp_path):
    data = write_tables(tmp_path / "data", {
        "accounts": ACCOUNTS,
        "invoice_line_items": lines("10") + [{**lines("5")[0], "line_item_id": "bad",
                                                "charge_type": "mystery"}],
    })
    database = tmp_path / "marts.duckdb"
    build = run_build(data, database, "--fail-on-rejects")
    assert build.returncode == 4
    assert "error: 1 input rows were rejected (--fail-on-rejects)." in build.stderr
    assert "unknown_charge_type" in build.stdout
    assert mrr(database) == 10
    assert run_build(data, tmp_path / "other.duckdb").returncode == 0


def test_incremental_only_over_a_database_of_this_version_folder_and_format(tmp_path):
    """`arpu build` starts from a copy of the published database only when
    an incremental build of it is sound; otherwise it says why not."""
    from arpu.publish import full_build_reason

    data = tmp_path / "data"
    database = tmp_path / "marts.duckdb"
    assert full_build_reason(database, "1.0", data, "v1.1.0") == "no published database yet"

    def publish_info(version, folder, storage="v1.1.0"):
        database.unlink(missing_ok=True)
        connection = duckdb.connect(str(database), config={"storage_compatibility_version": storage})
        connection.execute(
            "create table arpu_build_info as select 'arpu' as project_name, "
            f"'{version}' as project_version, '{folder}' as billing_data_dir, "
            "'contract' as billing_source")
        connection.close()

    publish_info("1.0", data)
    assert full_build_reason(database, "1.0", data, "v1.1.0") is None
    assert "another arpu version" in full_build_reason(database, "1.1", data, "v1.1.0")
    assert f"built from {data}" in full_build_reason(database, "1.0", tmp_path / "x", "v1.1.0")
    assert "built from contract input" in full_build_reason(database, "1.0", data, "v1.1.0",
                                                            "stripe")
    assert "storage format" in full_build_reason(database, "1.0", data, "latest")
    publish_info("1.0", data, storage="latest")
    assert full_build_reason(database, "1.0", data, "latest") is None
    assert "storage format" in full_build_reason(database, "1.0", data, "v1.1.0")
