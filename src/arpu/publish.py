"""Safe publishing on DuckDB. dbt builds into a working database beside
the published one (`<database>.work`, the incremental state: every table of
the last build); when everything passed, the published models are copied
from it into a new file, which replaces the database in one atomic rename,
so a reader sees the last good marts or the new ones, never half of a
build. An incremental build updates the working database in place (its
models repair themselves from any state an interrupted build left,
docs/incremental.md); a full build writes a new one, which replaces the old
only when it has passed. One build at a time per database, held by a lock
file; a file is only ever replaced when it is one this project wrote."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from arpu.build_files import work_path
from arpu.project import mart_names, published_names, source_schemas
from arpu.text import first_line

# The table that marks a database as ours (models/marts/audit).
MARKER_TABLE = "arpu_build_info"
# A file of arpu 0.1.0, from before the marker, holds this mart.
LEGACY_MARKER_TABLE = "mart_arpu_monthly"
# DuckDB's memory limit when ARPU_DUCKDB_MEMORY_LIMIT is unset, as in
# profiles.example.yml.
DEFAULT_MEMORY_LIMIT = "3GB"


class PublishError(Exception):
    """The database cannot be written, or what was built cannot be published."""


class NotOurs(Exception):
    """The database path names a file this project did not publish."""


class HeldOpen(Exception):
    """Another program holds the database open for writing."""


def _held_open(database: Path) -> HeldOpen:
    return HeldOpen(
        f"{database} is open for writing by another program (a DuckDB connection that is "
        "not read-only): close it, then run again. BI tools and other readers must open "
        "the file read-only (docs/bi.md)."
    )


def _wal_path(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def discard(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    # DuckDB's spill folder (the profile's default temp_directory).
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)


def _open_read_only(path: Path):
    """A read-only connection to a published database; HeldOpen when a
    writer holds it (DuckDB then refuses even readers)."""
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise _held_open(path) from None
        raise


def check_replaceable(database: Path, project: Path) -> None:
    """Raise NotOurs unless `database` and its working database are each
    absent or a database this project wrote: it holds arpu_build_info, or
    (arpu 0.1.0) mart_arpu_monthly, and no schema of the user's own.
    Publishing replaces the whole file, so a table a user added to it would
    be lost."""
    loaded_schemas = source_schemas(project)
    for path in (database, work_path(database)):
        _check_ours(path, loaded_schemas)


def _check_ours(database: Path, loaded_schemas: tuple[str, ...]) -> None:
    import duckdb

    if not database.exists():
        return
    refusal = _refusal(database)
    if not database.is_file():
        raise NotOurs(f"{database} is not a file; refusing to replace it.")
    try:
        connection = _open_read_only(database)
    except duckdb.Error:
        raise NotOurs(refusal) from None
    try:
        relations = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
        marked = (("main", MARKER_TABLE) in relations and connection.execute(
            f"select count(*) from main.{MARKER_TABLE} where project_name = 'arpu'"
        ).fetchone()[0] > 0)
    except duckdb.Error:
        raise NotOurs(refusal) from None
    finally:
        connection.close()
    # Tables in main may be of any arpu version (models come and go); a
    # schema of the user's own (finance.budget) is never ours.
    foreign = sorted(f"{schema}.{name}" for schema, name in relations
                     if schema not in ("main", *loaded_schemas))
    if not foreign and (marked or ("main", LEGACY_MARKER_TABLE) in relations):
        return
    raise NotOurs(_refusal(database, foreign))


def _refusal(database: Path, foreign: list[str] | None = None) -> str:
    held = ""
    if foreign:
        held = " (it holds " + ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "") + ")"
    what = ("arpu's working database" if database.name.endswith(".work")
            else "a database published by arpu")
    return (f"{database} exists and is not {what}{held}; refusing "
            "to replace it. Choose another --database, or remove the file.")


def months_reported(database: Path) -> int | None:
    """Months in a published database's marts (None: no database there)."""
    if not database.is_file():
        return None
    connection = _open_read_only(database)
    try:
        return connection.execute("select count(*) from main.mart_arpu_monthly").fetchone()[0]
    finally:
        connection.close()


def last_build(work: Path) -> str | dict | None:
    """What the last build left in the working database `work` to start an
    incremental build from (build.Engine.last_build): why nothing, or its
    arpu_build_info row (None when that row cannot be read)."""
    if not work.is_file():
        return "no working database yet"
    if full_build_marker(work).exists():
        return "the last full build did not finish"
    connection = _open_read_only(work)
    try:
        tables = {name for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'main'"
        ).fetchall()}
        if MARKER_TABLE not in tables:
            return "the working database is from arpu 0.1.0"
        cursor = connection.execute(f"select * from main.{MARKER_TABLE}")
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
    finally:
        connection.close()
    return dict(zip(names, row)) if row else None


def seal(built: Path, project: Path, source: str = "contract") -> None:
    """Make a finished build's working database one self-contained file,
    and check that it is one to publish from: it exists and holds every
    mart of its input `source`."""
    import duckdb

    if not built.is_file():
        raise PublishError(f"The build's file {built} is gone; nothing was published.")
    try:
        # dbt's process ends without closing DuckDB, leaving a write-ahead
        # log: fold it into the file, so the one file renamed holds the
        # whole build. The file exists, so connecting never creates one.
        connection = duckdb.connect(str(built))
        try:
            connection.execute("checkpoint")
            _check_built(connection, built, project, source)
        finally:
            connection.close()
    except duckdb.Error as error:
        raise PublishError(f"Could not finish {built}: {first_line(error)}") from None
    _refuse_write_ahead_log(built)


def publish(built: Path, database: Path) -> str | None:
    """Move a sealed build over the database in one rename, keeping the
    database file's mode and owner, so that the file holds the build and
    nothing else.

    DuckDB replays a `<database>.wal` onto whatever file is opened under
    that name. A writer that is still connected would write its log onto
    the new file: the build stops (HeldOpen). A log left by a writer that
    died is the old file's, and is removed before the rename. Returns a
    note for the operator when it removed one."""
    note = None
    try:
        with _no_writer(database):
            wal = _wal_path(database)
            if wal.exists() or wal.is_symlink():
                wal.unlink()
                note = (f"Removed {wal}, a write-ahead log left by a program that wrote to "
                        f"{database} and did not close it: its changes were to the replaced "
                        "marts, and are not carried over.")
            _keep_mode_and_owner(built, database)
            os.replace(built, database)
            _sync_folder(database.parent)
    except OSError as error:
        raise PublishError(f"Could not publish {database}: {error.strerror or error}.") from None
    return note


@contextmanager
def _no_writer(database: Path) -> Iterator[None]:
    """Hold a shared lock on the published file while it is replaced.
    DuckDB locks a file it opens for writing exclusively (readers share),
    with the same POSIX record locks: when the lock is refused, a writer is
    connected (HeldOpen); while it is held, none can connect to the old
    file. Readers are not in the way."""
    try:
        handle = os.open(database, os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        try:
            fcntl.lockf(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EAGAIN):
                raise _held_open(database) from None
            raise
        yield
    finally:
        # Closing the descriptor releases the lock.
        os.close(handle)


def write_published(work: Path, target: Path, project: Path, storage_version: str,
                    source: str = "contract") -> None:
    """Write the published models of the sealed working database `work`
    into a new file `target`, tables in schema main, in the file format
    asked for: what BI tools read, and nothing else (no input, staging or
    intermediate table). An incremental build first tries publish_delta."""
    import duckdb

    discard(target)
    try:
        connection = connect_published(target, storage_version)
        try:
            connection.execute(f"attach {_sql_text(work)} as work (read_only)")
            for name in sorted(published_names(project, source)):
                connection.execute(
                    f'create table main."{name}" as select * from work.main."{name}"')
            connection.execute("detach work")
            connection.execute("checkpoint")
            _check_built(connection, target, project, source, storage_version)
        finally:
            connection.close()
    except duckdb.Error as error:
        raise PublishError(f"Could not write {target}: {first_line(error)}") from None
    _refuse_write_ahead_log(target)


def connect_published(target: Path, storage_version: str):
    import duckdb

    return duckdb.connect(str(target), config={
        "storage_compatibility_version": storage_version,
        # The profile's resources (docs/operations.md, "Large data").
        "memory_limit": os.environ.get("ARPU_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        "temp_directory": str(target.with_name(target.name + ".tmp")),
        "preserve_insertion_order": False,
    })


def _refuse_write_ahead_log(path: Path) -> None:
    """A file closed with its log still beside it is not whole on its own."""
    if _wal_path(path).exists():
        raise PublishError(f"{path} still has a write-ahead log; refusing to publish it.")


def set_aside(work: Path, aside: Path) -> None:
    """Move the working database `work` (and a write-ahead log of its) out
    of the way of a full build, which builds a new one in its place."""
    _move_database(work, aside)


def restore(aside: Path, work: Path) -> None:
    """Put back a working database set aside, over whatever a failed full
    build left at its place."""
    discard(work)
    _move_database(aside, work)


def _move_database(source: Path, target: Path) -> None:
    # A write-ahead log belongs to the file beside it: DuckDB would replay
    # it onto whatever file is opened under that name.
    try:
        for suffix in ("", ".wal"):
            moved = source.with_name(source.name + suffix)
            if moved.exists():
                os.replace(moved, target.with_name(target.name + suffix))
        _sync_folder(target.parent)
    except OSError as error:
        raise PublishError(f"Could not move {source} to {target}: "
                           f"{error.strerror or error}.") from None


def _sync_folder(folder: Path) -> None:
    # A rename is durable only once the folder entry is on disk.
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def full_build_marker(work: Path) -> Path:
    """A file beside the working database while a full build writes it: if
    it is still there when a build starts, that full build did not finish,
    and the working database is not one to build on."""
    return work.with_name(work.name + ".full-build")


def _sql_text(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _check_built(connection, built: Path, project: Path, source: str,
                 storage_version: str | None = None) -> None:
    """Refuse a file that lacks a mart, or (with `storage_version`) is in a
    newer DuckDB file format than asked for."""
    present = {name for (name,) in connection.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema = 'main'"
    ).fetchall()}
    marts = mart_names(project, source)
    missing = sorted(marts - present)
    if missing:
        raise PublishError(f"{built} lacks {', '.join(missing)}; refusing to publish it.")
    if storage_version is None:
        return
    tag = _storage_tag(connection)
    written = _version_tuple(tag)
    wanted = _version_tuple(storage_version)
    if wanted and written and written > wanted:
        raise PublishError(
            f"{built} is in DuckDB storage format {tag}, newer than "
            f"the {storage_version} asked for; refusing to publish it."
        )


def _storage_tag(connection) -> str:
    """The storage format DuckDB says the open file is in ('v1.0.0+')."""
    tags = connection.execute(
        "select tags from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]
    return tags.get("storage_version", "")


def _version_tuple(text: str) -> tuple[int, ...] | None:
    """(1, 1, 0) for 'v1.1.0' or 'v1.0.0+'; None for 'latest' or unknown."""
    found = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)\+?", text.strip())
    return tuple(int(part) for part in found.groups()) if found else None


def _keep_mode_and_owner(built: Path, database: Path) -> None:
    """A published file keeps the mode and owner of the file it replaces (an
    operator's 0600 stays 0600). A new one keeps the mode DuckDB created the
    build with, which follows the umask."""
    try:
        old = os.stat(database)
    except FileNotFoundError:
        return
    os.chmod(built, old.st_mode & 0o7777)
    try:
        os.chown(built, old.st_uid, old.st_gid)
    except PermissionError:
        pass  # only root may give a file away; the mode is kept all the same
