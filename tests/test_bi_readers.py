"""The published file opens in the DuckDB that BI tools ship today (1.1 to
1.5: Metabase, Grafana, Rill, Superset, DBeaver), on every build path; a
team whose readers are all on DuckDB 2.x may choose the newer format."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import duckdb
import pytest

from arpu.project import published_names
from conftest import ROOT, build_env, build_ok, database_in, run_build, write_tables
from test_publishing import ACCOUNTS, lines

OLD_DUCKDB = "duckdb==1.1.3"

READ_EVERY_MART = """
import json, sys
import duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
counts = {}
for name in json.loads(sys.argv[2]):
    counts[name] = connection.execute(f'select count(*) from main."{name}"').fetchone()[0]
    connection.execute(f'select * from main."{name}"').fetchall()
# What a BI tool's schema browser lists: every table and view of the file.
listed = [schema + "." + name for schema, name in connection.execute(
    "select table_schema, table_name from information_schema.tables "
    "where table_catalog = current_database()").fetchall()]
print(json.dumps({"version": duckdb.__version__, "counts": counts, "listed": listed}))
"""


@pytest.fixture(scope="session")
def old_duckdb() -> Path:
    """A Python environment with DuckDB 1.1, made once and cached."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    home = cache / "arpu-tests" / OLD_DUCKDB.replace("==", "-")
    python = home / "bin" / "python"
    home.parent.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers share the cache: one makes it, the others wait.
    with open(home.parent / f"{home.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (home / "ready").exists():
            venv.create(home, with_pip=True, clear=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", OLD_DUCKDB], check=True)
            (home / "ready").touch()
    return python


def marts() -> list[str]:
    from arpu.project import mart_names

    return sorted(mart_names(ROOT))


def read_with(python: Path, database: Path) -> dict:
    done = subprocess.run([str(python), "-c", READ_EVERY_MART, str(database), json.dumps(marts())],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def storage_version(database: Path) -> str:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return connection.execute(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = current_database()").fetchone()[0]
    finally:
        connection.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_tables(tmp_path_factory.mktemp("bi") / "data",
                        {"accounts": ACCOUNTS, "invoice_line_items": lines("10")})


def test_duckdb_1_1_reads_every_mart_of_a_published_build(old_duckdb, data, tmp_path):
    database = database_in(tmp_path)
    build_ok(data, database)
    # Rebuilt over itself, as a scheduled job does: still readable.
    build_ok(data, database, "--full-refresh")
    read = read_with(old_duckdb, database)
    assert read["version"] == "1.1.3"
    assert set(read["counts"]) == set(marts())
    assert read["counts"]["mart_arpu_monthly"] == 1
    assert read["counts"]["arpu_build_info"] == 1
    # A BI user sees the published objects and nothing else (no input,
    # staging or intermediate table), in this DuckDB and today's.
    published = sorted(f"main.{name}" for name in published_names(ROOT))
    assert sorted(read["listed"]) == published
    assert sorted(read_with(Path(sys.executable), database)["listed"]) == published


def test_plain_dbt_through_the_profile_writes_the_old_format(old_duckdb, tmp_path):
    database = tmp_path / "plain.duckdb"
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text((ROOT / "profiles.example.yml").read_text())
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "seed", "--project-dir", str(ROOT),
         "--profiles-dir", str(profiles), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs"),
         "--vars", json.dumps({"arpu_billing_data_dir": str(ROOT / "demo_data")})],
        capture_output=True, text=True, cwd=tmp_path,
        # The profile's own default, as a plain `dbt build` user has it.
        env={name: value for name, value in build_env(ARPU_DUCKDB_PATH=str(database)).items()
             if name != "ARPU_DUCKDB_STORAGE_VERSION"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert storage_version(database) == "v1.0.0+"
    subprocess.run([str(old_duckdb), "-c", "import duckdb, sys; "
                    "duckdb.connect(sys.argv[1], read_only=True).execute("
                    "'select * from main.company_size_bands').fetchall()", str(database)],
                   check=True)


def test_teams_on_duckdb_2_may_choose_the_new_format(data, tmp_path):
    database = database_in(tmp_path)
    build = run_build(data, database, env=build_env(ARPU_DUCKDB_STORAGE_VERSION="latest"))
    assert build.returncode == 0, build.stderr
    assert storage_version(database).startswith("v2.")


def test_docs_generate_reads_the_published_file_without_writing_it(demo_build, tmp_path):
    """`dbt docs generate --target duckdb_readonly` (docs/bi.md): the
    catalog lists the published tables, and the file is byte for byte what
    the build published (through the read-write target, dbt grew it)."""
    database = demo_build.database
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text((ROOT / "profiles.example.yml").read_text())
    target = tmp_path / "target"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "docs", "generate", "--target",
         "duckdb_readonly", "--project-dir", str(ROOT), "--profiles-dir", str(profiles),
         "--target-path", str(target), "--log-path", str(tmp_path / "logs")],
        capture_output=True, text=True, cwd=tmp_path,
        env=build_env(ARPU_DUCKDB_PATH=str(database)))
    assert done.returncode == 0, done.stdout + done.stderr
    catalog = json.loads((target / "catalog.json").read_text())
    assert {node.split(".")[-1] for node in catalog["nodes"]} == published_names(ROOT)
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
