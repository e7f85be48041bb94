"""Shared helpers: write contract files from Python rows, build them with
the `arpu` command into a temporary DuckDB file, and read tables back."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arpu.contract import load_contract  # noqa: E402

CONTRACT = {table.name: table.columns for table in load_contract(ROOT)}


def write_tables(folder: Path, tables: dict[str, list[dict]],
                 columns: dict[str, tuple[str, ...]] = CONTRACT) -> Path:
    """Write each table as <name>.csv with its columns (the contract's, or
    another input's such as Stripe's); keys a row leaves out are empty
    (NULL)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns[name])
            for row in rows:
                unknown = set(row) - set(columns[name])
                assert not unknown, f"{name}: not columns of the table {unknown}"
                writer.writerow(["" if row.get(c) is None else row[c] for c in columns[name]])
    return folder


def span(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """(year, month) pairs from first to last, inclusive."""
    (year, month), months = first, []
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_lines(account, amount, months, discount=None, plan=None, suffix=""):
    """One paid recurring line per (year, month): [1st, 1st of next month)."""
    rows = []
    for year, month in months:
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1)
        rows.append({
            "line_item_id": f"{account}_{start:%Y%m}{suffix}",
            "invoice_id": f"i_{account}_{start:%Y%m}", "account_id": account,
            "plan_id": plan, "charge_type": "recurring", "amount": amount,
            "discount_amount": discount, "currency": "USD", "period_start": str(start),
            "period_end": str(end), "invoice_date": str(start), "invoice_status": "paid",
        })
    return rows


@dataclass
class Build:
    returncode: int
    stdout: str
    stderr: str
    database: Path

    @property
    def work_database(self) -> Path:
        """The working database beside the published one: the input,
        staging and intermediate tables of the build."""
        return self.database.with_name(self.database.name + ".work")

    def rows(self, sql: str, work: bool = False) -> list[tuple]:
        """Rows of a query of the published database, or (`work`) of the
        working database."""
        connection = duckdb.connect(str(self.work_database if work else self.database),
                                    read_only=True)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def dicts(self, sql: str, work: bool = False) -> list[dict]:
        connection = duckdb.connect(str(self.work_database if work else self.database),
                                    read_only=True)
        try:
            cursor = connection.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            connection.close()


def database_in(folder: Path) -> Path:
    """`arpu.duckdb` in `folder` (made if missing): every test database
    has this name unless its name is what the test is about. dbt's saved
    parse serves the databases of one name and vars (runner._shared_parse):
    a build under another name parses the whole project again."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "arpu.duckdb"


def build_args(data: Path, database: Path, *extra: str) -> list[str]:
    """The arguments of `arpu build` of `data` into `database`."""
    return ["build", "--data", str(data), "--database", str(database), *extra]


def build_command(data: Path, database: Path, *extra: str) -> list[str]:
    """`arpu build` as a process of its own."""
    return [sys.executable, "-m", "arpu.cli", *build_args(data, database, *extra)]


def build_env(**variables: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), **variables}


class _BuildServer:
    """This test process's build server (tests/build_server.py): started
    on first use, it forks each build from a process that has imported
    arpu and dbt already. Stopped when the process exits."""

    process: subprocess.Popen | None = None

    @classmethod
    def run(cls, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
        if cls.process is None or cls.process.poll() is not None:
            cls.process = subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "build_server.py")],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                env=build_env(), cwd=ROOT)
        with tempfile.TemporaryDirectory(prefix="arpu-build-output-") as folder:
            stdout, stderr = Path(folder, "stdout"), Path(folder, "stderr")
            request = {"args": args, "env": env, "cwd": str(ROOT),
                       "stdout": str(stdout), "stderr": str(stderr)}
            cls.process.stdin.write(json.dumps(request) + "\n")
            answer = cls.process.stdout.readline()
            assert answer, "the build server stopped"
            return int(answer), stdout.read_text(), stderr.read_text()


def run_build(data: Path, database: Path, *extra: str, env: dict[str, str] | None = None) -> Build:
    """`python -m arpu.cli build` of `data` into `database`, as a process
    of its own would run it, forked from the build server."""
    returncode, stdout, stderr = _BuildServer.run(build_args(data, database, *extra),
                                                  env or build_env())
    return Build(returncode, stdout, stderr, database)


def build_ok(data: Path, database: Path, *extra: str) -> Build:
    build = run_build(data, database, *extra)
    assert build.returncode == 0, f"build failed:\n{build.stdout}\n{build.stderr}"
    return build


# One account, and one paid month of it: the smallest good build.
ACCOUNTS = [{"account_id": "a", "created_at": "2024-01-01"}]


def one_line(amount: str, **changes: str) -> dict:
    """A paid recurring line of account a for January 2024."""
    return {"line_item_id": "l", "invoice_id": "i", "account_id": "a",
            "charge_type": "recurring", "amount": amount, "currency": "USD",
            "period_start": "2024-01-01", "period_end": "2024-02-01",
            "invoice_date": "2024-01-01", "invoice_status": "paid", **changes}


@pytest.fixture(scope="session")
def good_build(tmp_path_factory) -> Path:
    """One good build with MRR 10 (account a, January 2024), built once
    per test process: `arpu.duckdb` and the files beside it (working
    database, lock), which tests copy with copy_build, never write to."""
    folder = tmp_path_factory.mktemp("good_build")
    data = write_tables(folder / "good", {"accounts": ACCOUNTS,
                                          "invoice_line_items": [one_line("10")]})
    build = build_ok(data, database_in(folder))
    assert build.rows("select month, paying_accounts, mrr from main.mart_arpu_monthly") == [
        (dt.date(2024, 1, 1), 1, Decimal("10"))]
    return folder


def copy_build(good_build: Path, folder: Path) -> Path:
    """The one good build (`arpu.duckdb` in folder `good_build`)
    and the files beside it, copied into `folder` (mode kept): what a
    build there would have left, without building again. The next build
    reads another data folder, so it is a full build, as it would be after
    building the first data in place."""
    for path in good_build.glob("arpu.duckdb*"):
        shutil.copy2(path, folder / path.name)
    return folder / "arpu.duckdb"


# The test files that take longest (mostly dbt builds), longest first.
# pytest-xdist's --dist loadfile hands out files in collection order, one
# at a time, when scripts/check turns off its own reordering by test count
# (--no-loadscope-reorder): started first, they leave no worker running one
# of them alone at the end while the other has finished.
LONGEST_FIRST = ("e2e/test_incremental.py", "test_publishing.py", "test_hostile_operations.py",
                 "test_report.py", "e2e/test_hostile_files.py", "test_semantic_layer.py",
                 "test_docs.py", "e2e/test_stripe_incremental.py", "test_bi_readers.py",
                 "e2e/test_unit_economics_mix_and_alerts.py", "e2e/test_line_rules.py",
                 "test_package.py", "test_dagster_example.py", "test_terminal_safety.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = [path for path in LONGEST_FIRST if not (ROOT / "tests" / path).is_file()]
    assert not missing, f"conftest.LONGEST_FIRST names files that are gone: {missing}"

    def rank(item: pytest.Item) -> int:
        if not item.path.is_relative_to(ROOT / "tests"):
            return len(LONGEST_FIRST)
        path = item.path.relative_to(ROOT / "tests").as_posix()
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file's tests keep their order


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Build:
    """One `arpu build` of the bundled demo data, shared by the tests that
    only read it. Copy the file before writing to it."""
    return build_ok(ROOT / "demo_data", database_in(tmp_path_factory.mktemp("demo")))
