"""Safe publishing on DuckDB: a build writes a new file beside the
database and replaces it in one atomic rename when everything passed, so a
reader sees the last good marts or the new ones, never half of a build.
One build at a time per database, held by a lock file."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class BuildLocked(Exception):
    """Another build holds the database."""


@contextmanager
def build_lock(database: Path) -> Iterator[None]:
    lock_path = database.with_name(database.name + ".lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(
                f"Another arpu build is writing {database} (lock {lock_path}). "
                "Wait for it to finish, then run again."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def staging_path(database: Path) -> Path:
    return database.with_name(f".{database.name}.building-{os.getpid()}")


def discard(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def publish(built: Path, database: Path) -> None:
    """Move a finished build over the database in one rename."""
    import duckdb

    # dbt's process ends without closing DuckDB, leaving a write-ahead log:
    # fold it into the file, so the one file renamed holds the whole build.
    connection = duckdb.connect(str(built))
    try:
        connection.execute("checkpoint")
    finally:
        connection.close()
    if built.with_name(built.name + ".wal").exists():
        raise RuntimeError(f"{built} still has a write-ahead log; refusing to publish it.")
    os.replace(built, database)
    # The rename is durable only once the folder entry is on disk.
    directory = os.open(database.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def clean_stale_builds(database: Path) -> None:
    """Remove files of builds that were killed; the lock says none runs now."""
    for stale in database.parent.glob(f".{database.name}.building-*"):
        stale.unlink(missing_ok=True)
