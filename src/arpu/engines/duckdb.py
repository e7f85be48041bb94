"""`arpu build` on DuckDB: dbt builds into the working database beside the
published file, then the published models are copied into a new file
renamed over it (publish.py).

An incremental build updates the working database in place; a full build
writes a new one in its place, the old one set aside until the new one is
published (and put back when it fails). Both build at the same path, so
dbt's partial parsing carries over from one build to the next."""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

import duckdb

from arpu.build_files import build_lock, clean_stale_builds, staging_path, work_path
from arpu.publish import (
    check_replaceable,
    discard,
    full_build_marker,
    last_build,
    months_reported,
    publish,
    restore,
    seal,
    set_aside,
    write_published,
)
from arpu.publish_delta import deltas, record_published, write_delta
from arpu.runner import (
    DbtOutcome,
    data_dir_environment,
    prune_work_dirs,
    run_dbt,
    stderr_progress,
    work_dir,
)
from arpu.text import printable


class DuckDBEngine:
    def __init__(self, project: Path, data_dir: Path, database: Path, storage_version: str,
                 source: str, loader_vars: dict) -> None:
        self.project, self.data_dir, self.database = project, data_dir, database
        self.storage_version, self.source, self.loader_vars = storage_version, source, loader_vars
        self.where = str(database)
        self.unchanged = f"{database} is unchanged."
        self.failure_unchanged = "the database was not changed."
        self.log_folder = work_dir(database)
        self.work = work_path(database)
        # While this build runs, a second one sees it even when the lock
        # file was removed (build_files.build_lock).
        self.running = staging_path(database)
        self.aside = staging_path(database, "previous")
        self.published = staging_path(database, "published")
        self.reason: str | None = None
        # An incremental build reads the folder the last one read.
        self.input_folder = str(data_dir)

    @contextmanager
    def lock(self) -> Iterator[None]:
        try:
            with build_lock(self.database):
                check_replaceable(self.database, self.project)
                clean_stale_builds(self.database)
                yield
        finally:
            prune_work_dirs()

    def variables(self) -> dict[str, str]:
        return dict(self.loader_vars)

    def last_build(self) -> str | dict | None:
        return last_build(self.work)

    def announce(self, reason: str | None) -> str:
        if reason:
            # The reason may quote the data folder an earlier build read.
            return (f"Full build ({printable(reason)}) of {printable(self.data_dir)} into "
                    f"{printable(self.database)} ...")
        return f"Incremental build of {printable(self.data_dir)} into {printable(self.database)} ..."

    def prepare(self, variables: dict[str, str], reason: str | None) -> None:
        self.reason = reason
        self.running.touch()
        if reason:
            set_aside(self.work, self.aside)
            full_build_marker(self.work).touch()

    def run(self, variables: dict[str, str], reason: str | None) -> DbtOutcome:
        command = ["build", "--exclude-resource-type", "unit_test"]
        return run_dbt(command + (["--full-refresh"] if reason else []), database=self.work,
                       work=self.log_folder, variables=variables,
                       storage_version=self.storage_version, progress=stderr_progress(),
                       environment=data_dir_environment(self.data_dir))

    def seal(self) -> None:
        seal(self.work, self.project, self.source)

    def months_reported(self, built: bool) -> int:
        return months_reported(self.work if built else self.database) or 0

    def built_reader(self):
        return duckdb.connect(str(self.work), read_only=True)

    def publish(self, variables: dict[str, str]) -> str | None:
        # An incremental build starts from a copy of the published file
        # when it can (publish_delta); a full build writes it whole.
        changes = deltas(self.log_folder / "target" / "manifest.json")
        delta = None if self.reason else write_delta(
            self.work, self.database, self.published, self.project, self.storage_version,
            self.source, changes)
        if delta is None:
            write_published(self.work, self.published, self.project, self.storage_version,
                            self.source)
        whole_size, replaced = delta or (self.published.stat().st_size, None)
        note = publish(self.published, self.database)
        record_published(self.work, self.storage_version, whole_size, changes)
        unwritten = write_semantic_manifest(self.log_folder / "target", self.project,
                                            self.database, self.work)
        if unwritten:
            note = f"{note}\n{unwritten}" if note else unwritten
        if replaced is not None:
            parts = ", ".join(f"{name} {count:,}" for name, count in sorted(replaced.items()))
            applied = (f"Published by updating a copy of the last published file: the marts "
                       f"anew, and the keys this build replaced ({parts or 'none'}).")
            note = f"{applied}\n{note}" if note else applied
        return note

    def finish(self, published: bool) -> None:
        discard(self.published)
        if self.reason and not published:
            # The working database of the last good build, as it was.
            if self.aside.exists():
                restore(self.aside, self.work)
            else:
                discard(self.work)
        discard(self.aside)
        full_build_marker(self.work).unlink(missing_ok=True)
        discard(self.running)
        # DuckDB's spill folder of the working database, if it spilled.
        shutil.rmtree(self.work.with_name(self.work.name + ".tmp"), ignore_errors=True)

    def reader(self):
        return duckdb.connect(str(self.database), read_only=True)


def catalog_name(database: Path) -> str:
    """DuckDB's name for a file's catalog: the file name, leading dots
    left out, up to its first dot (as dbt-duckdb names it)."""
    return database.name.lstrip(".").split(".")[0]


def write_semantic_manifest(built_target: Path, project: Path, published: Path,
                            working: Path) -> str | None:
    """Put the build's semantic_manifest.json where MetricFlow reads it,
    the project's target/, so that `DBT_TARGET=duckdb_readonly mf query`
    works right after a build (docs/bi.md). It names the working file's
    catalog: copied only when that is the published file's, and a plain
    name (the profile's duckdb_readonly target attaches the file under it,
    unquoted). Replaced in one rename: `mf` never reads half of it. Returns
    a note when it is not copied, which fails nothing."""
    target = project / "target" / "semantic_manifest.json"
    catalog = catalog_name(published)
    if catalog != catalog_name(working) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", catalog):
        return (f"MetricFlow's {target} was not updated: the catalog name of {published.name} "
                f"({catalog}) is not a plain name or not the working file's; run `dbt parse` "
                "with ARPU_DUCKDB_PATH set to it before `mf query` (docs/bi.md).")
    partial = target.with_name(f".semantic_manifest.{os.getpid()}.json")
    try:
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(built_target / "semantic_manifest.json", partial)
        os.replace(partial, target)
    except OSError as error:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        return (f"MetricFlow's {target} was not updated ({error.strerror or error}): "
                "run `dbt parse` there before `mf query` (docs/bi.md).")
    return None
