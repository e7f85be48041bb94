"""The `arpu` command in an unlucky operator's hands: a removed lock file,
a --database that names someone else's file, a full or read-only disk, a
quote in a file name, signals, an unbounded cache. The database is never
lost, and every failure is one clear line and a documented exit code."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import (
    ACCOUNTS, ROOT, build_command, build_env, build_ok, copy_build, database_in, run_build,
    write_tables)
from test_publishing import lines, mrr, start_build, wait_for_progress

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounts a filesystem (root only)")


@pytest.fixture
def data(tmp_path):
    return write_tables(tmp_path / "data", {"accounts": ACCOUNTS, "invoice_line_items": lines("20")})


@pytest.fixture
def published(tmp_path, good_build):
    """A database holding a good build with MRR 10."""
    return copy_build(good_build, tmp_path)


def assert_one_clear_line(build, code):
    assert build.returncode == code, build.stdout + build.stderr
    assert "Traceback" not in build.stderr
    errors = [line for line in build.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, build.stderr


# --- the lock and the build files -------------------------------------------------------

def test_a_second_build_is_refused_while_the_first_writes_even_without_its_lock_file(
        published, data):
    first = start_build(data, published)
    wait_for_progress(first, "stg_billing__accounts")
    held = run_build(data, published)
    assert_one_clear_line(held, 3)
    assert f"error: Another arpu build is writing {published}" in held.stderr
    assert "Wait for it to finish, then run again." in held.stderr
    published.with_name("arpu.duckdb.lock").unlink()  # an operator cleaning up
    second = run_build(data, published)
    assert_one_clear_line(second, 3)
    assert f"is still writing {published}, although its lock file" in second.stderr
    first.communicate(timeout=300)
    assert first.returncode == 0
    assert mrr(published) == 20
    assert not list(published.parent.glob(".arpu.duckdb.building-*"))


def test_only_the_files_of_dead_builds_are_stale(published, data):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = published.with_name(f".arpu.duckdb.building-{dead.pid}")
    stale.write_bytes(b"left by a killed build")
    build_ok(data, published)
    assert not stale.exists()
    assert mrr(published) == 20


def test_seal_never_creates_a_file_and_wants_every_mart(tmp_path):
    from arpu.publish import PublishError, seal

    missing = tmp_path / ".gone.building-1"
    with pytest.raises(PublishError, match="is gone; nothing was published"):
        seal(missing, ROOT)
    assert not missing.exists()
    empty = tmp_path / ".empty.building-1"
    duckdb.connect(str(empty)).close()
    with pytest.raises(PublishError, match="lacks arpu_build_info, dim_active_customers, "):
        seal(empty, ROOT)


# --- --database names someone else's file -----------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "random", "foreign_duckdb", "marts_and_budget"])
def test_database_that_is_not_ours_is_refused_untouched(tmp_path, data, published, kind):
    target = tmp_path / f"target.{kind}"
    if kind == "csv":
        target.write_bytes((data / "accounts.csv").read_bytes())
    elif kind == "random":
        target.write_bytes(os.urandom(70_000))
    else:
        if kind == "marts_and_budget":
            target.write_bytes(published.read_bytes())
        connection = duckdb.connect(str(target))
        connection.execute("create schema finance")
        connection.execute("create table finance.budget as select 2025 as year, 1e6 as amount")
        connection.close()
    before = target.read_bytes()
    build = run_build(data, target)
    assert_one_clear_line(build, 2)
    assert f"error: {target} exists and is not a database published by arpu" in build.stderr
    assert target.read_bytes() == before
    if kind.endswith("budget"):
        assert "(it holds finance.budget); refusing to replace it." in build.stderr


def test_a_database_published_before_the_marker_is_ours(tmp_path, published, data):
    # arpu 0.1.0 wrote no arpu_build_info: its marts alone mark it.
    connection = duckdb.connect(str(published))
    connection.execute("drop table main.arpu_build_info")
    connection.close()
    build_ok(data, published)
    assert mrr(published) == 20


# --- the file that is published ---------------------------------------------------------

@needs_root
def test_publishing_keeps_the_mode_and_owner_of_the_database(published, data):
    nobody = pwd.getpwnam("nobody")
    os.chown(published, nobody.pw_uid, nobody.pw_gid)
    os.chmod(published, 0o600)
    build_ok(data, published)
    status = published.stat()
    assert (status.st_mode & 0o7777, status.st_uid, status.st_gid) == (
        0o600, nobody.pw_uid, nobody.pw_gid)
    assert mrr(published) == 20


def test_new_files_and_the_lock_follow_the_umask(tmp_path, data):
    database = database_in(tmp_path)
    done = subprocess.run(
        ["sh", "-c", 'umask 027 && exec "$@"', "sh", *build_command(data, database)],
        capture_output=True, text=True, env=build_env(), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert database.stat().st_mode & 0o777 == 0o640
    assert database.with_name("arpu.duckdb.lock").stat().st_mode & 0o777 == 0o640


def test_a_quote_in_the_database_name_simply_works(tmp_path, data):
    database = tmp_path / """it's "q" [1].duckdb"""
    build = build_ok(data, database)
    assert mrr(database) == 20
    assert "paying accounts               1" in build.stdout
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name]


# --- operational failures: one line, exit 1, database unchanged --------------------------

@pytest.fixture
def small_disk(tmp_path, good_build):
    """A 32 MB filesystem holding a published database with MRR 10."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], check=True)
    try:
        copy_build(good_build, mount)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@needs_root
def test_a_full_disk_fails_cleanly(small_disk, data):
    database = small_disk / "arpu.duckdb"
    before = database.read_bytes()
    # Fill the disk but for 64 KB: the next build cannot write its file.
    filler = small_disk / "filler"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * (free - 65_536))
    build = run_build(data, database)
    assert build.returncode == 1, build.stderr
    assert "Traceback" not in build.stderr
    assert database.read_bytes() == before
    assert not list(small_disk.glob(".arpu.duckdb.building-*"))


LEAVE_A_WRITE_AHEAD_LOG = """
import os, sys
import duckdb
connection = duckdb.connect(sys.argv[1])
connection.execute("set checkpoint_threshold = '10GB'")
connection.execute("create table t (x bigint, y varchar)")
for start in range(0, 100_000, 1_000):  # small inserts go to the WAL
    connection.execute(
        f"insert into t select range, md5(range::varchar) from range({start}, {start + 1000})")
os._exit(0)  # as dbt's process ends: no checkpoint, the build in the WAL
"""


@needs_root
def test_a_full_disk_at_the_publish_checkpoint_is_a_publish_error(small_disk):
    from arpu.publish import PublishError, seal

    built = small_disk / ".arpu.duckdb.building-1"
    subprocess.run([sys.executable, "-c", LEAVE_A_WRITE_AHEAD_LOG, str(built)], check=True)
    assert built.with_name(built.name + ".wal").stat().st_size > 1_000_000
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "filler").write_bytes(b"\0" * (free - 4096))
    with pytest.raises(PublishError, match=f"Could not finish {built}: .*No space left on device"):
        seal(built, ROOT)


@needs_root
def test_a_read_only_folder_fails_with_one_line(small_disk, data):
    database = small_disk / "arpu.duckdb"
    before = database.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    build = run_build(data, database)
    assert_one_clear_line(build, 1)
    assert "Read-only file system" in build.stderr
    assert f"{database} is unchanged." in build.stderr
    assert database.read_bytes() == before


# --- exit codes -------------------------------------------------------------------------

def test_an_iso_week_date_is_a_usage_error(data, tmp_path):
    build = run_build(data, tmp_path / "out.duckdb", "--as-of", "2024-W01-1")
    assert build.returncode == 2
    assert "'2024-W01-1' is not a date of the form YYYY-MM-DD." in build.stderr
    assert not (tmp_path / "out.duckdb").exists()


# --- signals and leftovers --------------------------------------------------------------

@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 130)])
def test_a_signal_stops_dbt_promptly_and_leaves_nothing(published, data, signum, code):
    process = start_build(data, published)
    wait_for_progress(process, "stg_billing__accounts")
    signalled = time.monotonic()
    process.send_signal(signum)
    process.communicate(timeout=60)
    print(f"stopped {time.monotonic() - signalled:.2f} s after the signal")
    assert process.returncode == code
    assert mrr(published) == 10
    assert not list(published.parent.glob(".arpu.duckdb.building-*"))
    # No dbt process is left writing behind the parent's back.
    time.sleep(0.5)
    assert not _children_alive(process.pid)


def _children_alive(pid: int) -> list[str]:
    alive = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            alive.append(status.parent.name)
    return alive


def test_the_work_folder_cache_is_bounded(tmp_path, data):
    cache = tmp_path / "cache"
    old = time.time() - 3 * 86_400
    for number in range(12):
        folder = cache / "arpu" / f"old{number}.duckdb-0123456789ab"
        folder.mkdir(parents=True)
        (folder / "partial_parse.msgpack").write_bytes(b"x" * 1000)
        os.utime(folder, (old + number, old + number))
        parse = cache / "arpu" / "parse" / f"old{number}.duckdb-0123456789ab.msgpack"
        parse.parent.mkdir(exist_ok=True)
        parse.write_bytes(b"x" * 1000)
        os.utime(parse, (old + number, old + number))
    build = run_build(data, tmp_path / "out.duckdb", env=build_env(XDG_CACHE_HOME=str(cache)))
    assert build.returncode == 0, build.stderr
    kept = sorted(p.name for p in (cache / "arpu").iterdir() if p.name != "parse")
    # The folder of this build and the 7 most recent old ones.
    assert len(kept) == 8
    assert [name for name in kept if name.startswith("out.duckdb-")]
    assert not (cache / "arpu" / "old0.duckdb-0123456789ab").exists()
    assert (cache / "arpu" / "old11.duckdb-0123456789ab").exists()
    # So are the saved parses shared by databases of one name: this build's
    # (a new name) and the 7 most recent old ones.
    parses = sorted(p.name for p in (cache / "arpu" / "parse").iterdir())
    assert len(parses) == 8
    assert [name for name in parses if name.startswith("out.duckdb.work-")]
    assert "old4.duckdb-0123456789ab.msgpack" not in parses
