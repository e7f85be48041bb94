"""The one build flow of src/arpu/build.py, with an engine that only
records what it is asked (no dbt): the order of the steps, and the guards
every engine's build passes before it is published."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from arpu.build import EMPTY_BUILD, BuildFailed, BuildRefused, cleanup_note, run_build
from arpu.engines.duckdb import write_semantic_manifest
from arpu.runner import DbtOutcome

pytestmark = pytest.mark.unit


class FakeEngine:
    where = "the fake schema"
    unchanged = "The fake marts are unchanged."
    failure_unchanged = "the fake marts are unchanged."
    log_folder = Path("/nonexistent")
    input_folder = None

    def __init__(self, dbt_ok=True, built_months=3, published_months=3, lines=(5, 5)):
        self.dbt_ok, self.months = dbt_ok, {True: built_months, False: published_months}
        self.lines, self.calls = lines, []

    def variables(self):
        return {"engine_var": "x"}

    def last_build(self):
        self.calls.append(("last build",))
        return {"project_version": "1.0", "definition_checksum": "d1",
                "billing_source": "contract"}

    def announce(self, reason):
        return f"announce {reason}"

    def prepare(self, variables, reason):
        self.calls.append(("prepare", reason))

    def run(self, variables, reason):
        # The engine's vars and the caller's, both.
        assert variables["engine_var"] == "x" and variables["arpu_billing_source"] == "contract"
        self.calls.append(("run", reason))
        return DbtOutcome(success=self.dbt_ok)

    def seal(self):
        self.calls.append(("seal",))

    def months_reported(self, built):
        return self.months[built]

    def built_reader(self):
        connection = duckdb.connect()
        connection.execute("create table main.arpu_build_info as select "
                           f"{self.lines[0]} as revenue_lines, {self.lines[1]} as "
                           "revenue_lines_accepted")
        connection.execute("create table main.rejected_rows_by_reason as select "
                           "'invoice_line_items' as source_table, 'bad_amount' as "
                           "rejection_reason")
        return connection

    def publish(self, variables):
        self.calls.append(("publish",))
        return "a note"

    def finish(self, published):
        self.calls.append(("finish", published))


def build(engine, full_refresh=False, allow_empty=False):
    said = []
    note = run_build(engine, {"arpu_billing_source": "contract", "arpu_version": "1.0",
                              "arpu_definition": "d1"}, full_refresh=full_refresh,
                     allow_empty=allow_empty, echo=said.append)
    return note, said


def test_a_good_build_runs_every_step_in_order_and_is_published():
    engine = FakeEngine()
    note, said = build(engine)
    assert note == "a note" and said == ["announce None"]
    assert engine.calls == [("last build",), ("prepare", None), ("run", None),
                            ("seal",), ("publish",), ("finish", True)]


def test_full_refresh_is_the_reason_without_asking_the_engine():
    engine = FakeEngine()
    _, said = build(engine, full_refresh=True)
    assert said == ["announce --full-refresh"]
    assert ("run", "--full-refresh") in engine.calls and engine.calls[0][0] == "prepare"


def test_a_failed_dbt_run_publishes_nothing():
    engine = FakeEngine(dbt_ok=False)
    with pytest.raises(BuildFailed, match="the fake marts are unchanged"):
        build(engine)
    assert engine.calls[-1] == ("finish", False)
    assert ("publish",) not in engine.calls and ("seal",) not in engine.calls


def test_an_empty_build_never_replaces_marts_with_months():
    engine = FakeEngine(built_months=0, published_months=3)
    with pytest.raises(BuildRefused) as refused:
        build(engine)
    assert str(refused.value) == (EMPTY_BUILD.format(where="the fake schema")
                                  + "\nThe fake marts are unchanged.")
    assert engine.calls[-1] == ("finish", False)


@pytest.mark.parametrize("built, published, allow_empty", [(0, 0, False), (0, 3, True)])
def test_an_empty_build_is_published_over_nothing_or_when_allowed(built, published,
                                                                 allow_empty):
    engine = FakeEngine(built_months=built, published_months=published)
    build(engine, allow_empty=allow_empty)
    assert engine.calls[-1] == ("finish", True)


def test_a_build_whose_revenue_lines_were_all_rejected_is_not_published():
    engine = FakeEngine(lines=(5, 0))
    with pytest.raises(BuildRefused, match="Every one of the 5 revenue lines"):
        build(engine)
    assert ("publish",) not in engine.calls
    build(FakeEngine(lines=(5, 0)), allow_empty=True)


def test_a_failed_clean_up_does_not_hide_why_the_build_failed():
    class DiskFull(FakeEngine):
        def finish(self, published):
            raise OSError(28, "No space left on device", "/data/arpu.duckdb.work")

    with pytest.raises(BuildFailed) as failed:
        build(DiskFull(dbt_ok=False))
    assert cleanup_note(failed.value, Path("/data")) == (
        "\nThe clean-up after it failed too: /data/arpu.duckdb.work: No space left on device.")
    assert cleanup_note(BuildRefused("refused"), Path("/data")) == ""


def test_a_last_build_of_another_version_or_source_makes_a_full_build():
    class Stale(FakeEngine):
        def last_build(self):
            return {"project_version": "0.9", "definition_checksum": "d1",
                    "billing_source": "contract"}

    engine = Stale()
    build(engine)
    assert ("prepare", "the last build is from another arpu version") in engine.calls


def test_an_engine_that_always_builds_from_scratch_says_why():
    class Scratch(FakeEngine):
        def last_build(self):
            return "this engine builds from scratch"

    engine = Scratch()
    _, said = build(engine)
    assert said == ["announce this engine builds from scratch"]


def test_the_builds_semantic_manifest_goes_where_mf_reads_it(tmp_path):
    built, project = tmp_path / "work" / "target", tmp_path / "project"
    built.mkdir(parents=True)
    project.mkdir()
    (built / "semantic_manifest.json").write_text('{"semantic_models": []}')
    # The working file's catalog is the published file's: `arpu`.
    published, working = tmp_path / "arpu.duckdb", tmp_path / "arpu.duckdb-1a2b.work"
    assert write_semantic_manifest(built, project, published, working) is None
    assert [p.name for p in (project / "target").iterdir()] == ["semantic_manifest.json"]
    assert (project / "target" / "semantic_manifest.json").read_text() == (
        '{"semantic_models": []}')
    # A project folder that cannot take it (here target/ is a file): a
    # note, and the build stands.
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "target").write_text("")
    note = write_semantic_manifest(built, blocked, published, working)
    assert note.startswith(f"MetricFlow's {blocked}/target/semantic_manifest.json was not "
                           "updated (")
    # Catalogs that differ (`my data` published, `my_data` working), or a
    # name the read-only target cannot attach unquoted: not copied, said so.
    for name, work in (("my data.duckdb", "my_data.duckdb-1a2b.work"),
                       ("arpu-prod.duckdb", "arpu-prod.duckdb-1a2b.work")):
        note = write_semantic_manifest(built, blocked, tmp_path / name, tmp_path / work)
        assert "is not a plain name or not the working file's" in note
