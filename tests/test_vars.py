"""The project's dbt vars (docs/dbt.md, vars): every one is read through
arpu_var under its `arpu_` name, documented with its default, and the
unprefixed names of 0.1.0 are still read, with a deprecation warning."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from arpu.project import var_defaults
from conftest import ROOT, build_env

DEPRECATED = re.compile(r"arpu: the var '(\w+)' is deprecated.*?\((it is [^;]*);")


def documented_defaults() -> dict[str, str]:
    """The vars table of docs/dbt.md: name (without the prefix) -> the
    default column's text."""
    text = (ROOT / "docs" / "dbt.md").read_text()
    return {name: default.strip("`") for name, default in
            re.findall(r"^\| `arpu_(\w+)` \| ([^|]*?) \|", text, re.M)}


def as_documented(value) -> str:
    if value == "":
        return "empty"
    return json.dumps(value) if isinstance(value, list) else str(value)


@pytest.mark.unit
def test_every_var_is_documented_with_its_default():
    defaults = var_defaults(ROOT)
    documented = documented_defaults()
    # The Stripe metadata keys share one row (`arpu_stripe_*_key`).
    keys = {name for name in defaults if re.fullmatch(r"stripe_\w+_key", name)}
    assert keys and set(documented) == set(defaults) - keys
    assert documented == {name: as_documented(value) for name, value in defaults.items()
                          if name not in keys}


@pytest.mark.unit
def test_models_and_macros_read_vars_through_arpu_var():
    """A var('<name>') in a model or macro would skip the prefixed name
    (and the deprecated one): only arpu_var reads them, and the YAML files
    dbt renders without macros read the prefixed name first, with the
    macro's default."""
    defaults = var_defaults(ROOT)
    direct = re.compile(r"(?<![\w.])var\(\s*['\"](\w+)['\"]")
    found = []
    for path in [*ROOT.glob("models/**/*.sql"), *ROOT.glob("macros/**/*.sql"),
                 *ROOT.glob("tests/dbt/**/*.sql")]:
        if path.name == "arpu_var.sql":
            continue
        found += [(path.name, name) for name in direct.findall(path.read_text())
                  if name not in ("arpu_version", "arpu_definition")]
    assert found == []
    fallback = re.compile(r"var\('arpu_(\w+)', var\('(\w+)', '([^']*)'\)\)")
    for path in [ROOT / "dbt_project.yml", *ROOT.glob("models/**/*.yml")]:
        text = path.read_text()
        for new, old, default in fallback.findall(text):
            assert new == old and defaults[old] == default, path
        unprefixed = [name for name in direct.findall(fallback.sub("", text))
                      if name in defaults]
        assert unprefixed == [], path


@pytest.mark.unit
def test_unit_tests_override_the_prefixed_names():
    for path in ROOT.glob("models/**/*.yml"):
        for test in yaml.safe_load(path.read_text()).get("unit_tests") or []:
            for name in (test.get("overrides") or {}).get("vars") or {}:
                assert name.startswith("arpu_"), (path.name, test["name"], name)


def dbt(tmp_path: Path, *args: str) -> str:
    profiles = tmp_path / "profiles"
    profiles.mkdir(exist_ok=True)
    (profiles / "profiles.yml").write_text((ROOT / "profiles.example.yml").read_text())
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args,
         "--project-dir", str(ROOT), "--profiles-dir", str(profiles),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        capture_output=True, text=True, cwd=tmp_path,
        env=build_env(ARPU_DUCKDB_PATH=str(tmp_path / "vars.duckdb")))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_prefixed_name_wins_then_the_deprecated_one_then_the_default(tmp_path):
    values = dbt(tmp_path, "compile", "--inline",
                 "select '{{ arpu_var('as_of_date') }}' as as_of,"
                 " '{{ arpu_var('gross_margin') }}' as margin,"
                 " '{{ arpu_var('min_segment_accounts') }}' as bar",
                 "--vars", json.dumps({"as_of_date": "2025-01-31", "gross_margin": 0.5,
                                       "arpu_gross_margin": 0.7}))
    assert "select '2025-01-31' as as_of, '0.7' as margin, '10' as bar" in values


def test_a_run_warns_of_each_deprecated_name(tmp_path):
    """dbt seed runs the on-run-start hooks, as build and run do. Only an
    old name that arpu reads warns: not one that is not set
    (min_segment_accounts), nor one whose prefixed name is set too
    (gross_margin: arpu_gross_margin wins), nor a prefixed one."""
    output = dbt(tmp_path, "seed", "--vars", json.dumps(
        {"as_of_date": "2025-01-31", "gross_margin": 0.5, "arpu_gross_margin": 0.7,
         "arpu_reporting_currency": "USD",
         "arpu_billing_data_dir": str(ROOT / "demo_data")}))
    assert dict(DEPRECATED.findall(output)) == {
        "as_of_date": "it is still read in this version"}
