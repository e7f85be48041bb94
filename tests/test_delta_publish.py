"""An incremental build publishes by updating a copy of the last published
file (publish_delta.write_delta): the marts anew, and in the large published
models only the keys the build's runs replaced. These tests drive the
publishing functions on small hand-made databases: the copy is used only
when the working database can tell what changed since, and what it
publishes equals what a whole write would. The end-to-end equality over
many incremental builds is in e2e/test_incremental.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from arpu.publish import publish, write_published
from arpu.publish_delta import Delta, record_published, write_delta

pytestmark = pytest.mark.unit

VERSION = "v1.0.0"
FACT = Delta("fct", "state", "computed_in_invocation", ("k",))


@pytest.fixture
def project(tmp_path) -> Path:
    """A project whose published models are arpu_build_info, fct and mart."""
    folder = tmp_path / "project"
    (folder / "models" / "marts").mkdir(parents=True)
    for name in ("arpu_build_info", "fct", "mart"):
        (folder / "models" / "marts" / f"{name}.sql").write_text("select 1\n")
    return folder


def run(work: Path, *statements: str) -> None:
    connection = duckdb.connect(str(work))
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()


def incremental_run(work: Path, invocation: str, replaced: dict[int, str | None],
                    log: bool = True) -> None:
    """What a run of the state model does: each key of `replaced` loses its
    rows and gets its new value (None: no row left), stamped with
    `invocation`, and the key is logged (as macro log_replaced_keys does)."""
    statements = [f"delete from state where k in ({', '.join(map(str, replaced))})"]
    statements += [f"insert into state values ({k}, '{v}', '{invocation}')"
                   for k, v in replaced.items() if v is not None]
    if log:
        statements.append("create table if not exists state__replaced_keys "
                          "(k integer, invocation_id varchar)")
        statements += [f"insert into state__replaced_keys values ({k}, '{invocation}')"
                       for k in replaced]
    statements += [f"update arpu_build_info set invocation_id = '{invocation}'",
                   f"create or replace table mart as select count(*) as n from state"]
    run(work, *statements)


@pytest.fixture
def built(tmp_path, project):
    """A working database after a full build (invocation i1), published
    whole and recorded."""
    work, database = tmp_path / "arpu.duckdb.work", tmp_path / "arpu.duckdb"
    run(work,
        "create table state (k integer, v varchar, computed_in_invocation varchar)",
        "insert into state select i, 'v' || i, 'i1' from range(1, 2001) as t(i)",
        "create view fct as select k, v from state",
        "create table mart as select count(*) as n from state",
        "create table arpu_build_info as select 'i1' as invocation_id")
    publish_build(work, database, project, previous=False)
    return work, database


def publish_build(work: Path, database: Path, project: Path, previous: bool = True,
                  version: str = VERSION):
    """As the DuckDB engine publishes: from a copy when write_delta can,
    else whole; the keys replaced, or None when written whole."""
    target = database.with_name(".building")
    delta = write_delta(work, database, target, project, version, "contract", [FACT]) \
        if previous else None
    if delta is None:
        write_published(work, target, project, version)
    whole_size, replaced = delta or (target.stat().st_size, None)
    publish(target, database)
    record_published(work, version, whole_size, [FACT])
    return replaced


def rows(database: Path, table: str = "fct") -> list[tuple]:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return connection.execute(f"select * from {table} order by all").fetchall()
    finally:
        connection.close()


def test_an_incremental_run_is_published_as_its_replaced_keys(built, project):
    work, database = built
    incremental_run(work, "i2", {1: "changed", 2: None, 2001: "new"})
    assert publish_build(work, database, project) == {"fct": 3}
    assert rows(database) == rows(work)
    assert (1, "changed") in rows(database)
    assert rows(database, "mart") == [(2000,)]
    # The log is emptied once published; the next run logs its own keys.
    incremental_run(work, "i3", {5: "again"})
    assert publish_build(work, database, project) == {"fct": 1}
    assert rows(database) == rows(work)


def test_runs_whose_build_was_not_published_are_carried_by_the_log(built, project):
    work, database = built
    # A build that changed the state and was then refused: nothing
    # published, its keys stay logged.
    incremental_run(work, "i2", {3: None, 4: "four"})
    incremental_run(work, "i3", {4: "four again", 6: "six"})
    assert publish_build(work, database, project) == {"fct": 4}
    assert rows(database) == rows(work)
    assert 3 not in [k for k, _ in rows(database)]


@pytest.mark.parametrize("tamper", [
    "a state row stamped by a run that logged nothing (a full rebuild outside arpu)",
    "a log cut short",
    "a published file that is not the last one this working database published",
    "another file format asked for",
])
def test_the_copy_is_not_used_when_the_working_database_cannot_tell_what_changed(
        built, project, tamper):
    work, database = built
    version = VERSION
    if tamper.startswith("a state row"):
        incremental_run(work, "i2", {7: "unlogged", 8: None}, log=False)
    elif tamper.startswith("a log"):
        incremental_run(work, "i2", {7: "seven"})
        run(work, "delete from state__replaced_keys",
            "insert into state__replaced_keys values (null, 'overflow')")
    elif tamper.startswith("a published file"):
        incremental_run(work, "i2", {7: "seven"})
        run(database, "update arpu_build_info set invocation_id = 'elsewhere'")
    else:
        incremental_run(work, "i2", {7: "seven"})
        version = "v1.1.0"
    assert publish_build(work, database, project, version=version) is None
    assert rows(database) == rows(work)
