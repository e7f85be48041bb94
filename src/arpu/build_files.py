"""The files of a DuckDB build beside its database: the lock that lets one
build at a time write it, the working database, and the files a running
build leaves while it runs (its mark, the next published file, the working
database set aside), which the next build removes when their process is
gone (a killed build)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class BuildLocked(Exception):
    """Another build holds the database."""


def _lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def build_lock(database: Path) -> Iterator[None]:
    """Hold the database's lock file for a build. The lock counts only while
    it is the file at the lock's path (an operator may delete it while a
    build runs), and a build whose process still runs holds the database
    even when its lock file is gone."""
    lock_path = _lock_path(database)
    busy = (f"Another arpu build is writing {database} (lock {lock_path}). "
            "Wait for it to finish, then run again.")
    handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)  # the umask applies
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(busy) from None
        try:
            current = os.stat(lock_path)
        except FileNotFoundError:
            current = None
        if current is None or current.st_ino != os.fstat(handle).st_ino:
            raise BuildLocked(busy)
        running = _running_builds(database)
        if running:
            raise BuildLocked(
                f"An arpu build (process {running[0]}) is still writing {database}, although "
                f"its lock file {lock_path} was removed. Wait for it to finish, then run again."
            )
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def _safe_name(database: Path) -> str:
    """The database's file name, usable inside SQL: dbt-duckdb names the
    catalog after the file it builds, and a quote there breaks its SQL. An
    unusual name gets a hash, so that two such names never share builds."""
    name = database.name
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    if safe == name:
        return name
    return f"{safe}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _build_prefix(database: Path) -> str:
    return f".{_safe_name(database)}.building-"


def work_path(database: Path) -> Path:
    """The working database of `database`: every table of the last build,
    which an incremental build starts from and updates. dbt names the
    DuckDB catalog after the file, so an unusual name is made safe for SQL
    (_safe_name)."""
    return database.with_name(_safe_name(database) + ".work")


def staging_path(database: Path, kind: str = "work") -> Path:
    """A file of this process's build: the build's mark (`work`: a second
    build sees that it runs), the next published file (`published`), or
    the working database set aside during a full build (`previous`)."""
    suffix = "" if kind == "work" else f".{kind}"
    return database.with_name(f"{_build_prefix(database)}{os.getpid()}{suffix}")


def _build_files(database: Path) -> Iterator[tuple[Path, int]]:
    prefix = _build_prefix(database)
    for path in database.parent.iterdir():
        rest = path.name[len(prefix):] if path.name.startswith(prefix) else ""
        pid = rest.split(".")[0]
        if pid.isdigit() and rest in {f"{pid}{kind}{wal}" for kind in ("", ".published",
                                                                     ".previous")
                                      for wal in ("", ".wal")}:
            yield path, int(pid)


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_builds(database: Path) -> list[int]:
    return sorted({pid for _, pid in _build_files(database)
                   if pid != os.getpid() and _is_running(pid)})


def clean_stale_builds(database: Path) -> None:
    """Remove the files of builds whose process is gone (killed builds)."""
    for path, pid in _build_files(database):
        if pid != os.getpid() and not _is_running(pid):
            path.unlink(missing_ok=True)
