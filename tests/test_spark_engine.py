"""`arpu build --target spark` builds into <schema>__a or __b, whichever the
published views do not read, and points the views at it
(src/arpu/engines/spark.py). Which database each build takes, with dbt
replaced by a recorder: scripts/check_spark builds on Spark once and points
the views a second time, with the same macro."""

from __future__ import annotations

import json

import pytest

from arpu.engines import spark
from arpu.runner import DbtOutcome

pytestmark = pytest.mark.unit


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("ARPU_SPARK_WAREHOUSE", str(tmp_path / "warehouse"))
    calls = []

    def run_dbt(command, **options):
        calls.append((command, options.get("environment")))
        return DbtOutcome(success=True)

    monkeypatch.setattr(spark, "run_dbt", run_dbt)
    return calls


def build_and_publish(project, calls) -> tuple[str, dict]:
    engine = spark.SparkEngine(project, "arpu")
    engine.run({}, None)
    engine.publish({})
    (built, environment), (operation, _) = calls[-2], calls[-1]
    assert built == ["build", "--full-refresh"]
    assert operation[:2] == ["run-operation", "publish_views"]
    return environment["ARPU_SCHEMA"], json.loads(operation[3])


def test_builds_alternate_and_the_views_follow(recorded, tmp_path):
    published = [build_and_publish(tmp_path, recorded) for _ in range(3)]
    assert published == [
        ("arpu__a", {"schema": "arpu", "build_schema": "arpu__a"}),
        ("arpu__b", {"schema": "arpu", "build_schema": "arpu__b"}),
        ("arpu__a", {"schema": "arpu", "build_schema": "arpu__a"}),
    ]
    assert (tmp_path / "warehouse" / "arpu.arpu-live").read_text() == "arpu__a\n"


def test_a_failed_switch_keeps_the_live_database(recorded, tmp_path, monkeypatch):
    build_and_publish(tmp_path, recorded)
    engine = spark.SparkEngine(tmp_path, "arpu")
    assert engine.build_schema == "arpu__b"
    monkeypatch.setattr(spark, "run_dbt", lambda command, **options: DbtOutcome(
        success=command[0] != "run-operation", error="views not switched"))
    with pytest.raises(spark.BuildFailed):
        engine.publish({})
    assert (tmp_path / "warehouse" / "arpu.arpu-live").read_text() == "arpu__a\n"
    assert spark.SparkEngine(tmp_path, "arpu").build_schema == "arpu__b"
