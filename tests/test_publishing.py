"""Safe publishing: a build that fails or is killed never leaves the
database half-written, and readers are not in the way (a build that meets
another one: test_hostile_operations.py)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from conftest import (
    ACCOUNTS, ROOT, build_command, build_env, build_ok, copy_build, database_in, one_line,
    run_build, write_tables)


def lines(amount):
    return [one_line(amount)]


def mrr(database):
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return float(connection.execute("select mrr from main.mart_arpu_monthly").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def published(tmp_path, good_build):
    """A database holding a good build with MRR 10, and data for MRR 20."""
    database = copy_build(good_build, tmp_path)
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
    assert not list(database.parent.glob(".arpu.duckdb.building-*"))


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
    assert not list(database.parent.glob(".arpu.duckdb.building-*"))


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
    database = tmp_path / "arpu.duckdb"
    build = run_build(data, database, "--fail-on-rejects")
    assert build.returncode == 4
    assert "error: 1 input rows were rejected (--fail-on-rejects)." in build.stderr
    assert "unknown_charge_type" in build.stdout
    assert mrr(database) == 10
    assert run_build(data, database_in(tmp_path / "other")).returncode == 0


def test_incremental_only_over_a_working_database_of_this_version_definition_and_folder(
        tmp_path):
    """`arpu build` updates the working database beside the published one
    only when an incremental build of it is sound; otherwise it says why
    not, and builds a new one."""
    from arpu.build import full_build_reason
    from arpu.publish import full_build_marker, last_build

    data = tmp_path / "data"
    work = tmp_path / "arpu.duckdb.work"

    def reason(version="1.0", definition="d1", folder=data, source="contract"):
        return full_build_reason(last_build(work), {
            "arpu_version": version, "arpu_definition": definition,
            "arpu_billing_source": source}, str(folder))

    assert reason() == "no working database yet"

    def build_info(version, folder, definition="'d1'"):
        work.unlink(missing_ok=True)
        connection = duckdb.connect(str(work))
        connection.execute(
            "create table arpu_build_info as select 'arpu' as project_name, "
            f"'{version}' as project_version, '{folder}' as billing_data_dir, "
            f"'contract' as billing_source, {definition} as definition_checksum")
        connection.close()

    build_info("1.0", data)
    assert reason() is None
    assert "another arpu version" in reason(version="1.1")
    assert "models or macros changed" in reason(definition="d2")
    assert f"the last build read {data}" in reason(folder=tmp_path / "x")
    assert "the last build read contract input" in reason(source="stripe")
    full_build_marker(work).touch()
    assert reason() == "the last full build did not finish"
    full_build_marker(work).unlink()
    # A database of plain `dbt build` has no checksum; one of an earlier
    # arpu has no such column.
    build_info("1.0", data, definition="null")
    assert "models or macros changed" in reason()
    work.unlink()
    connection = duckdb.connect(str(work))
    connection.execute("create table arpu_build_info as select 'arpu' as project_name, "
                       f"'1.0' as project_version, '{data}' as billing_data_dir, "
                       "'contract' as billing_source")
    connection.close()
    assert "models or macros changed" in reason()
    work.unlink()
    duckdb.connect(str(work)).close()
    assert "arpu 0.1.0" in reason()


def storage_tag(database):
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return connection.execute("select tags['storage_version'] from duckdb_databases() "
                                  "where database_name = current_database()").fetchone()[0]
    finally:
        connection.close()


def test_the_published_file_holds_the_published_models_in_the_format_asked_for(published):
    """The published file is written anew by every build, in the file
    format asked for, from the working database beside it: a change of
    format needs no full build. It holds the marts, the audit tables and
    the time spine, and no input, staging or intermediate table."""
    database, second = published
    work = database.with_name(database.name + ".work")
    build_ok(second, database)  # another data folder: a full build
    assert storage_tag(database) == "v1.0.0+"
    latest = build_ok(second, database, "--storage-version", "latest")
    assert latest.stderr.startswith("Incremental build of"), latest.stderr
    assert storage_tag(database) not in ("v1.0.0+", "")
    assert mrr(database) == 20
    back = build_ok(second, database)
    assert back.stderr.startswith("Incremental build of")
    assert storage_tag(database) == "v1.0.0+"
    connection = duckdb.connect(str(database), read_only=True)
    try:
        relations = connection.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            "order by 1, 2").fetchall()
    finally:
        connection.close()
    models = {p.stem for folder in ("marts", "semantic")
              for p in (ROOT / "models" / folder).rglob("*.sql")
              if not p.stem.startswith("stripe_")}
    assert relations == [("main", name, "BASE TABLE") for name in sorted(models)]
    connection = duckdb.connect(str(work), read_only=True)
    try:
        assert connection.execute(
            "select count(*) from main.int_invoice_line_items_checked").fetchone()[0] == 1
    finally:
        connection.close()


def test_a_changed_definition_rebuilds_from_scratch(tmp_path):
    """Editing a model between two builds of the same files: the second is
    a full build, as the published incremental tables were made by other
    rules."""
    from arpu.runner import definition_checksum

    project = tmp_path / "project"
    # Not integration_tests: its dbt_packages/arpu, once installed, links
    # back to ROOT, and copytree would follow it round.
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".git", "target", "logs", "*.duckdb*", "demo_data", "tests", "docs", "src",
        "integration_tests", "examples"))
    before = definition_checksum(project)
    assert definition_checksum(project) == before
    model = project / "models" / "marts" / "core" / "fct_revenue.sql"
    model.write_text(model.read_text() + "\n")
    assert definition_checksum(project) != before
    seed = project / "seeds" / "country_regions.csv"
    model.write_text(model.read_text()[:-1])
    assert definition_checksum(project) == before
    seed.write_text(seed.read_text() + "XX,nowhere\n")
    assert definition_checksum(project) != before


# --- nothing but the build: no write-ahead log of the old file, no live writer ----------

WRITER = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1])
connection.execute("update main.mart_arpu_monthly set mrr = 1, arpa = 1")
print("written", flush=True)
if sys.argv[2] == "crash":
    import os
    os._exit(9)  # before DuckDB checkpoints: the update lives only in the .wal
sys.stdin.readline()
connection.close()
"""


def start_writer(database, mode):
    """A program with `database` open read-write that has written to it:
    killed before it checkpointed (`crash`), or still connected (`live`)."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(database), mode],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "written"
    return writer


def test_a_write_ahead_log_left_by_a_crashed_writer_is_not_replayed_onto_the_build(published):
    database, second = published
    writer = start_writer(database, "crash")
    writer.wait(timeout=30)
    wal = database.with_name(database.name + ".wal")
    assert wal.exists()  # DuckDB would replay it onto any file opened as `database`
    build = build_ok(second, database, "--full-refresh")
    assert mrr(database) == 20
    assert not wal.exists()
    assert f"Removed {wal}, a write-ahead log left by a program" in build.stderr
    assert re.search(r"^  MRR +20\.00$", build.stdout, re.MULTILINE), build.stdout


def test_a_build_stops_before_publishing_while_a_writer_is_connected(published):
    database, second = published
    # Connected before the build: refused before anything is built.
    writer = start_writer(database, "live")
    try:
        refused = run_build(second, database)
    finally:
        writer.communicate("\n", timeout=30)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert f"error: {database} is open for writing by another program" in refused.stderr
    assert "must open the file read-only" in refused.stderr
    assert mrr(database) == 1  # the writer's own change, on the file it wrote: ours is not lost
    # Connected while the build runs, and writing after it: the build must
    # not publish, or the writer's log would land on the new file.
    process = start_build(second, database)
    wait_for_progress(process, "fct_revenue")
    writer = start_writer(database, "live")
    try:
        _, stderr = process.communicate(timeout=300)
    finally:
        writer.communicate("\n", timeout=30)
    assert process.returncode == 3, stderr
    assert f"{database} is open for writing by another program" in stderr
    assert f"Nothing was published; {database} is unchanged." in stderr
    assert "Traceback" not in stderr
    assert mrr(database) == 1
    assert not list(database.parent.glob(".arpu.duckdb.building-*"))


def test_an_input_whose_revenue_lines_are_all_rejected_is_not_published(published, tmp_path):
    """Tax lines keep months reported: without this guard a malformed export
    (every amount unreadable) would publish MRR 0 at exit 0."""
    database, _ = published
    bad = [{**lines("10,00")[0], "line_item_id": "l"},
           {**lines("12,50")[0], "line_item_id": "m"}]
    tax = {**lines("2")[0], "line_item_id": "t", "charge_type": "tax",
           "period_start": "", "period_end": ""}
    data = write_tables(tmp_path / "bad", {"accounts": ACCOUNTS,
                                           "invoice_line_items": bad + [tax]})
    refused = run_build(data, database)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert ("error: Every one of the 2 revenue lines of invoice_line_items was rejected "
            "(by reason: invalid_amount 2)") in refused.stderr
    assert f"{database} is unchanged." in refused.stderr
    assert mrr(database) == 10
    # --allow-empty publishes it, and the summary says why MRR is zero.
    allowed = run_build(data, database, "--allow-empty", "--fail-on-warnings")
    assert allowed.returncode == 4
    assert "Warning: every one of the 2 revenue lines (not tax) was rejected" in allowed.stdout
    assert mrr(database) == 0
