"""The lists the dbt project owns, as Python reads them (src/arpu/project.py):
the segment types from the macro every segment model reads, and the tables
the report and the summary read from their exposures. Each other place
that writes such a list is checked against them here."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT

from arpu.project import exposure_tables, published_names, segment_types

pytestmark = pytest.mark.unit

SEGMENT_TYPES = ("company_size", "plan_tier", "tenure_band", "region", "country",
                 "industry", "acquisition_channel")


def test_the_segment_types_are_those_of_the_spec_in_the_macros_order():
    # docs/metrics.md section 8, in the order the report shows them.
    assert segment_types(ROOT) == SEGMENT_TYPES


def marts_yaml() -> list[dict]:
    """The models declared in the marts' YAML files (one per model, beside
    its SQL)."""
    return [model for path in sorted((ROOT / "models/marts").rglob("*.yml"))
            for model in (yaml.safe_load(path.read_text()) or {}).get("models", [])]


def test_the_marts_accepted_values_are_the_segment_types():
    checked = 0
    for model in marts_yaml():
        for column in model.get("columns", []):
            for test in column.get("data_tests", []):
                if column["name"] == "segment_type" and "accepted_values" in test:
                    values = test["accepted_values"]["arguments"]["values"]
                    assert set(values) - {"all"} == set(segment_types(ROOT)), model["name"]
                    checked += 1
    assert checked >= 1


def test_every_segment_type_is_a_dimension_of_the_semantic_layer():
    semantic = yaml.safe_load(
        (ROOT / "models/semantic/_semantic__semantic_models.yml").read_text())
    dimensions = {d["name"] for m in semantic["semantic_models"]
                  for d in m.get("dimensions", [])}
    assert set(segment_types(ROOT)) <= dimensions


@pytest.mark.parametrize("exposure", ["arpu_report", "arpu_build_summary"])
def test_what_the_report_and_the_summary_read_is_published(exposure):
    tables = exposure_tables(ROOT, exposure)
    assert "mart_arpu_monthly" in tables
    assert set(tables) <= published_names(ROOT)
