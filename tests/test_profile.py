"""The DuckDB profile: resources and the file format are set once, when
DuckDB opens the file.

dbt-duckdb sets `settings` again on every connection it opens, and DuckDB
refuses a second `temp_directory` once it has spilled to the first: a 10M
line build with ARPU_DUCKDB_MEMORY_LIMIT=3GB failed that way ("Cannot
switch temporary directory after the current one has been used").
`config_options` are applied once, when the database opens."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT


pytestmark = pytest.mark.unit

ONCE = {"storage_compatibility_version", "memory_limit", "threads", "temp_directory"}


def test_resources_and_format_are_config_options_not_settings():
    profile = yaml.safe_load((ROOT / "profiles.example.yml").read_text())
    duckdb = profile["arpu"]["outputs"]["duckdb"]
    assert ONCE <= set(duckdb.get("config_options", {}))
    assert not ONCE & set(duckdb.get("settings") or {})


def test_each_resource_comes_from_its_documented_variable():
    text = (ROOT / "profiles.example.yml").read_text()
    readme = (ROOT / "README.md").read_text() + (ROOT / "docs" / "operations.md").read_text()
    for variable in ("ARPU_DUCKDB_MEMORY_LIMIT", "ARPU_DUCKDB_THREADS", "ARPU_DBT_THREADS",
                     "ARPU_DUCKDB_TEMP_DIRECTORY", "ARPU_DUCKDB_STORAGE_VERSION"):
        assert f"env_var('{variable}'" in text
        assert variable in readme


def test_a_saved_parse_is_shared_only_under_the_same_profile(monkeypatch, tmp_path):
    """dbt parses the whole project again when the profile changed: a
    build under another file format or memory limit keeps its own saved
    parse (runner._shared_parse), while the data folder (not read by the
    profile) and a password (left out of dbt's own check) share one."""
    from arpu.runner import _shared_parse

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    varied = ("ARPU_DUCKDB_STORAGE_VERSION", "ARPU_DUCKDB_MEMORY_LIMIT", "ARPU_BILLING_DATA_DIR",
              "PGPASSWORD")

    def path(**environment: str):
        for name in varied:
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return _shared_parse(ROOT, tmp_path / "arpu.duckdb", {"arpu_billing_source": "contract"},
                             "duckdb")

    plain = path()
    assert path(ARPU_BILLING_DATA_DIR="/elsewhere", PGPASSWORD="secret") == plain
    assert path(ARPU_DUCKDB_STORAGE_VERSION="latest") != plain
    assert path(ARPU_DUCKDB_MEMORY_LIMIT="8GB") != plain
