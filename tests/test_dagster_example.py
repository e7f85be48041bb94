"""examples/dagster: the project as Dagster assets (dagster-dbt). Dagster's
in-process materialize of every asset, with the as-of date passed as run
config, builds the demo marts; the months before the as-of month equal
those of `arpu build` of the demo."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from conftest import ROOT

AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    dagster = pytest.importorskip("dagster", reason="pip install -e '.[dagster]'")
    if not (ROOT / "profiles.yml").exists():
        shutil.copy(ROOT / "profiles.example.yml", ROOT / "profiles.yml")
    database = tmp_path_factory.mktemp("dagster") / "dagster.duckdb"
    env = {**os.environ, "ARPU_DUCKDB_PATH": str(database)}
    # The manifest the assets are read from, as examples/dagster/README.md says.
    parsed = subprocess.run(["dbt", "parse", "--quiet", "--target-path", "target/dagster"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    sys.path.insert(0, str(ROOT / "examples" / "dagster"))
    try:
        definitions = importlib.import_module("arpu_dagster.definitions")
    finally:
        sys.path.remove(str(ROOT / "examples" / "dagster"))
    # dbt runs in a child process, which reads the database from here.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARPU_DUCKDB_PATH", str(database))
        result = dagster.materialize(
            [definitions.arpu_models],
            resources={"dbt": definitions.defs.resources["dbt"]},
            run_config={"ops": {"arpu_models": {"config": {"as_of_date": AS_OF}}}},
        )
    return result, database


def test_every_asset_is_materialized_and_every_check_passes(materialized):
    result, _ = materialized
    assert result.success
    keys = {event.asset_key.path[-1] for event in result.get_asset_materialization_events()}
    assert {"mart_arpu_monthly", "mart_revenue_retention", "fct_revenue",
            "dim_active_customers"} <= keys
    checks = result.get_asset_check_evaluations()
    assert checks and all(check.passed for check in checks)


def test_the_as_of_date_reaches_the_marts(materialized, demo_build):
    _, database = materialized
    connection = duckdb.connect(str(database), read_only=True)
    try:
        as_of = connection.execute("select as_of_date from main.arpu_build_info").fetchone()[0]
        months = connection.execute(
            "select month, paying_accounts, mrr from main.mart_arpu_monthly order by month"
        ).fetchall()
    finally:
        connection.close()
    assert as_of == dt.date.fromisoformat(AS_OF)
    assert months[-1][0] == dt.date(2026, 6, 1)
    # The months before the as-of month do not depend on it.
    full = {row["month"]: (row["paying_accounts"], row["mrr"]) for row in demo_build.dicts(
        "select month, paying_accounts, mrr from main.mart_arpu_monthly")}
    closed = [(month, accounts, mrr) for month, accounts, mrr in months
              if month < dt.date(2026, 6, 1)]
    assert len(closed) >= 20
    assert all(full[month] == (accounts, mrr) for month, accounts, mrr in closed)
