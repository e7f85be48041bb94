"""arpu as a package inside a host dbt project (integration_tests/; README,
"Inside your dbt project"): `dbt deps` and `dbt build` of the host on its
own files, as the README says; the host's own model reads a mart; and
every published table equals `arpu build` of the same files. The
package's loading of files (on-run-start) stays out of the host's way: a
run of the host's own models loads nothing, a missing file fails arpu's
models only, and an unset folder reads the tables already loaded."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict

import duckdb
import pytest
import yaml

from conftest import ROOT, build_ok, database_in

HOST = ROOT / "integration_tests"


def host_dbt(project, database, work, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["dbt", *command, "--profiles-dir", ".",
                           "--log-path", str(work / "logs")],
                          cwd=project, capture_output=True, text=True,
                          env={**os.environ, "ARPU_DUCKDB_PATH": str(database)})


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    work = tmp_path_factory.mktemp("host")
    for command in (["deps"], ["build", "--target-path", str(work / "target")]):
        done = host_dbt(HOST, work / "host.duckdb", work, *command)
        assert done.returncode == 0, f"dbt {command[0]}:\n{done.stdout}\n{done.stderr}"
    return work / "host.duckdb"


def run_statuses(target) -> dict[str, str]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[-1]: result["status"] for result in results
            if result["unique_id"].startswith("model.")}


def loaded_accounts(database) -> int:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return connection.execute("select count(*) from billing_raw.accounts").fetchone()[0]
    finally:
        connection.close()


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


def test_a_run_of_the_hosts_own_models_loads_no_file(host, tmp_path):
    database = tmp_path / "host.duckdb"
    shutil.copyfile(host, database)
    before = loaded_accounts(database)
    done = host_dbt(HOST, database, tmp_path, "run", "--select", "host_arpa_by_quarter",
                    "--target-path", str(tmp_path / "target"),
                    "--vars", json.dumps({"arpu_billing_data_dir": str(tmp_path / "none")}))
    assert done.returncode == 0, done.stdout
    # The folder does not exist: a load would have replaced the table.
    assert "required table" not in done.stdout
    assert loaded_accounts(database) == before > 0


def test_a_missing_file_fails_arpus_models_and_not_the_hosts(host, tmp_path):
    database = tmp_path / "host.duckdb"
    shutil.copyfile(host, database)
    empty = tmp_path / "empty"
    empty.mkdir()
    target = tmp_path / "target"
    done = host_dbt(HOST, database, tmp_path, "run", "--select", "stg_billing__accounts",
                    "int_accounts_checked", "host_fiscal_calendar", "--target-path", str(target),
                    "--vars", json.dumps({"arpu_billing_data_dir": str(empty)}))
    assert done.returncode == 1
    message = (f"arpu: required table 'accounts' not found: expected {empty}/accounts.csv "
               f"or {empty}/accounts.parquet (var arpu_billing_data_dir)")
    # Said once as the files are loaded, and again by the first table that
    # reads it (staging is a view), instead of the rows an earlier run loaded.
    assert done.stdout.count(message) >= 2, done.stdout
    assert run_statuses(target) == {"stg_billing__accounts": "success",
                                    "int_accounts_checked": "error",
                                    "host_fiscal_calendar": "success"}


def test_an_unset_folder_reads_the_tables_already_loaded(host, tmp_path):
    """A host that loads the contract tables itself names no folder: the
    package reads no file (not its own demo data) and staging reads what
    is in billing_raw."""
    project = tmp_path / "project"
    shutil.copytree(HOST, project, ignore=shutil.ignore_patterns(
        "dbt_packages", "target", "logs", "*.duckdb"))
    settings = yaml.safe_load((project / "dbt_project.yml").read_text())
    del settings["vars"]["arpu"]["arpu_billing_data_dir"]
    (project / "dbt_project.yml").write_text(yaml.safe_dump(settings))
    (project / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(ROOT)}]}))
    database = tmp_path / "host.duckdb"
    shutil.copyfile(host, database)
    before = loaded_accounts(database)
    for command in (["deps"], ["run", "--select", "stg_billing__accounts",
                               "--target-path", str(tmp_path / "target")]):
        done = host_dbt(project, database, tmp_path, *command)
        assert done.returncode == 0, done.stdout
    assert "var arpu_billing_data_dir is not set, so no files are loaded" in done.stdout
    connection = duckdb.connect(str(database), read_only=True)
    try:
        staged = connection.execute("select count(*) from main.stg_billing__accounts").fetchone()
    finally:
        connection.close()
    assert staged[0] == before == loaded_accounts(database)
