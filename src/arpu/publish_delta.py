"""Publishing an incremental build by updating a copy of the last
published file (docs/incremental.md, "Publishing"): the marts are written
anew, and the large published models (fct_revenue, dim_active_customers)
only get the keys the build's runs replaced, which their state models log
beside them (macro log_replaced_keys). The copy serves only when the
working database can prove it holds what it published last; otherwise the
build writes the file whole (publish.write_published)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from arpu.project import published_names
from arpu.publish import (
    MARKER_TABLE,
    HeldOpen,
    _check_built,
    _no_writer,
    _sql_text,
    _wal_path,
    connect_published,
    discard,
)

# Beside a published state model in the working database: the keys its
# incremental runs replaced since the last publish (macro log_replaced_keys).
REPLACED_KEYS_SUFFIX = "__replaced_keys"
# In the working database: what the last publish wrote, for the next one to
# know whether it may start from a copy of the published file.
PUBLISHED_STATE = "arpu_published_state"
# A copy that grew past this many times the size of the last file written
# whole, and by more than DELTA_GROWTH_SLACK, is written whole again: the
# space of replaced rows is reused by later runs, not given back.
DELTA_GROWTH_LIMIT = 1.5
DELTA_GROWTH_SLACK = 64 * 2**20


class Delta:
    """A published model (fct_revenue) that an incremental build publishes
    by applying the keys its state model (int_revenue_line_months) replaced
    to the last published file's copy: meta published_as, in the project."""

    def __init__(self, published: str, state: str, stamp: str, keys: tuple[str, ...]) -> None:
        self.published, self.state, self.stamp, self.keys = published, state, stamp, keys

    @property
    def log(self) -> str:
        return f'work.main."{self.state}{REPLACED_KEYS_SUFFIX}"'

    def matching(self, table: str) -> str:
        """A condition: the row of `table` has a key the log holds."""
        equal = " and ".join(f'logged."{key}" = {table}."{key}"' for key in self.keys)
        return f"exists (select 1 from {self.log} as logged where {equal})"


def deltas(manifest: Path) -> list[Delta]:
    """The state models published by delta, from dbt's manifest of the build."""
    found = []
    for node in json.loads(manifest.read_text())["nodes"].values():
        config = node.get("config") or {}
        meta = config.get("meta") or {}
        if node.get("resource_type") == "model" and meta.get("published_as"):
            key = config["unique_key"]
            found.append(Delta(meta["published_as"], node["alias"], meta["computed_in"],
                               (key,) if isinstance(key, str) else tuple(key)))
    return sorted(found, key=lambda delta: delta.published)


def write_delta(work: Path, previous: Path, target: Path, project: Path,
                storage_version: str, source: str,
                changes: list[Delta]) -> tuple[int, dict[str, int]] | None:
    """Write `target` from a copy of the published file `previous`: every
    published model anew but those of `changes`, whose rows of the keys
    logged since the last publish are deleted and inserted again. The size
    of the last file written whole and the keys replaced per model, or None
    when the copy may not serve (_delta_plan) or has grown too much:
    then nothing is kept of it, and the build writes the file whole."""
    import duckdb

    discard(target)
    try:
        # The shared lock keeps a writer from changing the file mid-copy.
        with _no_writer(previous):
            if not previous.is_file():
                return None
            shutil.copyfile(previous, target)
    except (HeldOpen, OSError):
        discard(target)
        return None
    try:
        connection = connect_published(target, storage_version)
        try:
            connection.execute(f"attach {_sql_text(work)} as work (read_only)")
            plan = _delta_plan(connection, project, source, storage_version, changes)
            whole_size = plan[0] if plan else None
            if plan:
                replaced = _apply_delta(connection, project, source, changes, plan[1])
            connection.execute("detach work")
            connection.execute("checkpoint")
            if whole_size is not None:
                _check_built(connection, target, project, source, storage_version)
        finally:
            connection.close()
    except duckdb.Error:
        whole_size = None
    if whole_size is None or _wal_path(target).exists() or \
            target.stat().st_size > DELTA_GROWTH_LIMIT * whole_size + DELTA_GROWTH_SLACK:
        discard(target)
        return None
    return whole_size, replaced


def _delta_plan(connection, project: Path, source: str, storage_version: str,
                changes: list[Delta]) -> tuple[int, set[str]] | None:
    """When the copy (`main`) may be brought up to date with the working
    database (`work`) by the logged keys: the size of the last file written
    whole, and the state models with a log (the others replaced no key
    since); else None. It may when the copy is the file the working database
    last published, in the same file format, with the same tables, and
    every row of each state model is either as it was then (its stamp, the
    invocation that computed it, is one recorded at that publish) or was
    computed by a run that logged its keys. A full rebuild of a state model
    outside arpu stamps every row anew; a log cut short says 'overflow'."""
    import duckdb

    try:
        recorded = connection.execute(
            f"select published_invocation, storage_version, whole_size, model, stamp "
            f"from work.main.{PUBLISHED_STATE}").fetchall()
        published = connection.execute(f"select invocation_id from main.{MARKER_TABLE}").fetchall()
    except duckdb.CatalogException:
        return None
    if not recorded or published != [(recorded[0][0],)] or recorded[0][1] != storage_version:
        return None
    tables = {name for (name,) in connection.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = current_database()").fetchall()}
    if tables != published_names(project, source):
        return None
    with_logs = set()
    for change in changes:
        stamps = {stamp for _, _, _, model, stamp in recorded if model == change.state}
        try:
            logged = {invocation for (invocation,) in connection.execute(
                f"select distinct invocation_id from {change.log}").fetchall()}
            with_logs.add(change.state)
        except duckdb.CatalogException:
            logged = set()
        if "overflow" in logged:
            return None
        present = {stamp for (stamp,) in connection.execute(
            f'select distinct "{change.stamp}" from work.main."{change.state}"').fetchall()}
        if not present <= stamps | logged:
            return None
    return recorded[0][2], with_logs


def _apply_delta(connection, project: Path, source: str, changes: list[Delta],
                 with_logs: set[str]) -> dict[str, int]:
    by_name = {change.published: change for change in changes}
    replaced = {}
    for name in sorted(published_names(project, source)):
        change = by_name.get(name)
        if change is None:
            connection.execute(
                f'create or replace table main."{name}" as select * from work.main."{name}"')
            continue
        if change.state not in with_logs:
            continue  # no run replaced a key since the last publish
        replaced[name] = connection.execute(f"select count(*) from {change.log}").fetchone()[0]
        connection.execute(
            f'delete from main."{name}" where {change.matching(f"main.{name}")}')
        connection.execute(
            f'insert into main."{name}" by name select * from work.main."{name}" as fresh '
            f"where {change.matching('fresh')}")
    return replaced


def record_published(work: Path, storage_version: str, whole_size: int,
                     changes: list[Delta]) -> None:
    """After a publish, record in the working database what the published
    file now holds (the build's invocation, its file format, the stamps of
    each state model's rows) and empty the logs of replaced keys, in one
    transaction. If this fails, the next publish finds no record that
    matches the published file, and writes it whole."""
    import duckdb

    try:
        connection = duckdb.connect(str(work))
        try:
            connection.execute("begin")
            parts = [
                f"select '{change.state}' as model, \"{change.stamp}\" as stamp "
                f'from main."{change.state}" group by 2'
                for change in changes
            ] or ["select null as model, null as stamp"]
            connection.execute(
                f"create or replace table main.{PUBLISHED_STATE} as "
                f"select build.invocation_id as published_invocation, "
                f"? as storage_version, cast(? as bigint) as whole_size, "
                f"cast(stamps.model as varchar) as model, cast(stamps.stamp as varchar) as stamp "
                f"from main.{MARKER_TABLE} as build cross join ({' union all '.join(parts)}) as stamps",
                [storage_version, whole_size])
            for change in changes:
                connection.execute(
                    f'drop table if exists main."{change.state}{REPLACED_KEYS_SUFFIX}"')
            connection.execute("commit")
            connection.execute("checkpoint")
        finally:
            connection.close()
    except duckdb.Error:
        pass
