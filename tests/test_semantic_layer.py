"""The semantic layer: MetricFlow's answers on the demo build equal the
marts, cell by cell (issue 9). The marts' own numbers are checked by hand
elsewhere; this proves that the metric definitions in models/semantic/ say
the same thing, by month and by every segment type of docs/metrics.md
section 8."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, Build

from arpu.project import segment_types
from arpu.runner import work_dir

SEGMENT_TYPES = segment_types(ROOT)
MONEY = {"mrr", "total_revenue"}
COUNTS = {"paying_accounts", "paying_users", "new_accounts"}
RATIOS = {"arpa", "arpu", "new_arpa"}


@pytest.fixture(scope="module")
def metricflow(tmp_path_factory, demo_build) -> tuple[Build, Path, dict[str, str]]:
    """The demo build, and a copy of the project with the semantic manifest
    that build wrote (`arpu build` copies the same file into the project's
    target/, where `mf` reads it): its catalog is the published file's.
    `mf` connects through the profile's duckdb_readonly target."""
    if shutil.which("mf") is None:
        pytest.fail("MetricFlow is not installed: pip install -e '.[metrics]'")
    work = tmp_path_factory.mktemp("semantic")
    build = demo_build
    project = work / "project"
    project.mkdir()
    for name in ["dbt_project.yml", "models", "macros", "seeds", "docs"]:
        source = ROOT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, project / name)
    shutil.copytree(ROOT / "tests" / "dbt", project / "tests" / "dbt")
    shutil.copy(ROOT / "profiles.example.yml", project / "profiles.yml")
    env = {**os.environ, "ARPU_DUCKDB_PATH": str(build.database),
           "DBT_PROFILES_DIR": str(project), "DBT_TARGET": "duckdb_readonly"}
    env.pop("DBT_TARGET_PATH", None)
    (project / "target").mkdir()
    shutil.copy(work_dir(build.database) / "target" / "semantic_manifest.json",
                project / "target" / "semantic_manifest.json")
    return build, project, env


def mf_query(metricflow, metrics: list[str], group_by: list[str]) -> list[dict]:
    _, project, env = metricflow
    out = project / f"{'_'.join(group_by)}.csv"
    done = subprocess.run(
        ["mf", "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by),
         "--csv", str(out), "--quiet"],
        cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and out.exists(), done.stdout + done.stderr
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def month_of(text: str) -> dt.date:
    return dt.datetime.fromisoformat(text).date()


def assert_same(metric: str, from_mf: str, from_mart, where: str) -> None:
    if from_mart is None:
        assert from_mf == "", f"{where} {metric}: MetricFlow {from_mf!r}, mart NULL"
        return
    assert from_mf != "", f"{where} {metric}: MetricFlow empty, mart {from_mart}"
    if metric in COUNTS:
        assert int(from_mf) == from_mart, f"{where} {metric}"
    elif metric in MONEY:
        assert abs(Decimal(from_mf) - Decimal(from_mart)) <= Decimal("0.000001"), (
            f"{where} {metric}: MetricFlow {from_mf}, mart {from_mart}")
    else:
        assert math.isclose(float(from_mf), float(from_mart), rel_tol=1e-9, abs_tol=1e-9), (
            f"{where} {metric}: MetricFlow {from_mf}, mart {from_mart}")


def test_monthly_metrics_equal_mart_arpu_monthly(metricflow):
    build = metricflow[0]
    metrics = ["mrr", "paying_accounts", "paying_users", "arpa", "arpu", "new_accounts",
               "new_arpa", "total_revenue"]
    answers = {month_of(row["metric_time__month"]): row
               for row in mf_query(metricflow, metrics, ["metric_time__month"])}
    mart = build.dicts("select * from mart_arpu_monthly order by month")
    paying = [row for row in mart if row["paying_accounts"] > 0]
    assert len(paying) >= 20, "the demo should have many paying months"
    # MetricFlow has a row for each month with a paying account or
    # recognized revenue; the mart also has rows for months with neither.
    assert set(answers) <= {row["month"] for row in mart}
    assert {row["month"] for row in paying} <= set(answers)
    for row in paying:
        answer = answers[row["month"]]
        for metric in metrics:
            assert_same(metric, answer[metric], row[metric], f"{row['month']}")


@pytest.mark.parametrize("segment_type", SEGMENT_TYPES)
def test_segment_metrics_equal_mart_arpu_by_segment(metricflow, segment_type):
    build = metricflow[0]
    dimension = f"active_customer__{segment_type}"
    metrics = ["mrr", "paying_accounts", "paying_users", "arpa", "arpu", "new_arpa"]
    answers = mf_query(metricflow, metrics, ["metric_time__month", dimension])
    mart = {(row["month"], row["segment_value"]): row for row in build.dicts(
        f"select * from mart_arpu_by_segment where segment_type = '{segment_type}'")}
    keyed = {(month_of(row["metric_time__month"]), row[dimension]): row for row in answers}
    assert keyed.keys() == mart.keys(), f"{segment_type}: different (month, segment) rows"
    assert len(keyed) > 20
    for key, row in mart.items():
        for metric in metrics:
            assert_same(metric, keyed[key][metric], row[metric], f"{segment_type} {key}")


def test_movement_metrics_and_the_quick_ratio_equal_the_marts(metricflow):
    build = metricflow[0]
    movements = ["new_movement_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
                 "reactivation_mrr"]
    answers = {month_of(row["metric_time__month"]): row for row in mf_query(
        metricflow, [*movements, "new_mrr", "quick_ratio"], ["metric_time__month"])}
    marts = build.dicts(
        "select movements.*, retention.quick_ratio from mart_mrr_movements as movements "
        "inner join mart_revenue_retention as retention using (month) order by month")
    assert answers.keys() == {row["month"] for row in marts}
    assert sum(row["quick_ratio"] is None for row in marts) >= 1
    assert sum(row["quick_ratio"] is not None for row in marts) >= 20
    for row in marts:
        answer = answers[row["month"]]
        for metric in movements:
            column = "new_mrr" if metric == "new_movement_mrr" else metric
            assert abs(Decimal(answer[metric]) - row[column]) <= Decimal("0.000001"), (
                f"{row['month']} {metric}: MetricFlow {answer[metric]}, mart {row[column]}")
        # Section 7's new_mrr is the movement wherever a new account pays.
        if answer["new_mrr"]:
            assert Decimal(answer["new_mrr"]) == Decimal(answer["new_movement_mrr"])
        assert_same("quick_ratio", answer["quick_ratio"], row["quick_ratio"], f"{row['month']}")


def test_mf_reads_the_published_file_while_a_bi_tool_holds_it_open(metricflow):
    """A BI tool's read-only connection is open: `mf` through the default
    (read-write) target cannot take DuckDB's lock; through duckdb_readonly
    it answers, and the file's bytes do not change."""
    build, project, env = metricflow
    before = hashlib.sha256(build.database.read_bytes()).hexdigest()
    connection = duckdb.connect(str(build.database), read_only=True)
    try:
        rows = mf_query(metricflow, ["mrr"], ["metric_time__month"])
        writer = subprocess.run(
            ["mf", "query", "--metrics", "mrr", "--group-by", "metric_time__month",
             "--quiet"],
            cwd=project, env={**env, "DBT_TARGET": "duckdb"}, capture_output=True, text=True)
        months = connection.execute("select count(*) from main.mart_arpu_monthly").fetchone()
    finally:
        connection.close()
    assert "Conflicting lock" in writer.stdout + writer.stderr
    # Every month with a paying account has a row.
    assert 0 < len(rows) <= months[0]
    assert hashlib.sha256(build.database.read_bytes()).hexdigest() == before
