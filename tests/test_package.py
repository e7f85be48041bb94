"""arpu as a package inside a host dbt project (integration_tests/; README,
"Inside your dbt project"): `dbt deps` and `dbt build` of the host on its
own files, as the README says; the host's own model reads a mart; and
every published table equals `arpu build` of the same files."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import defaultdict

import duckdb
import pytest

from conftest import ROOT, build_ok, database_in

HOST = ROOT / "integration_tests"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    work = tmp_path_factory.mktemp("host")
    env = {**os.environ, "ARPU_DUCKDB_PATH": str(work / "host.duckdb")}
    for command in (["deps"], ["build", "--target-path", str(work / "target")]):
        done = subprocess.run(["dbt", *command, "--profiles-dir", ".",
                               "--log-path", str(work / "logs")],
                              cwd=HOST, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"dbt {command[0]}:\n{done.stdout}\n{done.stderr}"
    return work / "host.duckdb"


def test_the_package_builds_every_mart_as_arpu_build_does(host, tmp_path):
    reference = build_ok(HOST / "data", database_in(tmp_path)).database
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compare_marts.py"), "--duckdb", str(reference),
         "--other-duckdb", str(host), "--exact-money"],
        capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mart_revenue_retention" in done.stdout and "arpu_build_info" in done.stdout


def test_the_hosts_own_model_reads_a_mart(host):
    connection = duckdb.connect(str(host), read_only=True)
    try:
        monthly = connection.execute(
            "select month, arpa from main.mart_arpu_monthly").fetchall()
        quarters = connection.execute(
            "select quarter, months, mean_monthly_arpa from main.host_arpa_by_quarter").fetchall()
    finally:
        connection.close()
    by_quarter = defaultdict(list)
    for month, arpa in monthly:
        by_quarter[dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)].append(arpa)
    assert len(by_quarter) >= 4
    assert {quarter: months for quarter, months, _ in quarters} == {
        quarter: len(values) for quarter, values in by_quarter.items()}
    for quarter, _, mean in quarters:
        # avg() leaves out the months in which nobody paid (ARPA NULL).
        values = [arpa for arpa in by_quarter[quarter] if arpa is not None]
        assert mean == pytest.approx(sum(values) / len(values), rel=1e-12)
