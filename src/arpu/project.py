"""What the dbt project defines, read from its own files, so that Python
keeps no copy of a list the project owns: a var's default
(macros/vars/arpu_var.sql), the segment types (macros/metrics/segment_types.sql) and the
tables each reader of the marts reads (the exposures of
models/marts/_marts__exposures.yml), the marts and what a published
database holds (the models under models/marts and models/semantic)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

EXPOSURES = Path("models") / "marts" / "_marts__exposures.yml"
SEGMENT_TYPES_MACRO = Path("macros") / "metrics" / "segment_types.sql"
VARS_MACRO = Path("macros") / "vars" / "arpu_var.sql"


def project_var(project: Path, name: str):
    """The default of the var arpu_<name>: the YAML block of the macro
    arpu_var_defaults()."""
    return var_defaults(project)[name]


@lru_cache(maxsize=None)
def var_defaults(project: Path) -> dict:
    """Every arpu var's default, by its name without the prefix."""
    import yaml

    text = (project / VARS_MACRO).read_text()
    found = re.search(r"macro arpu_var_defaults\(\).*?\{%- set defaults -%\}(.*?)\{%- endset -%\}",
                      text, re.S)
    if not found:
        raise RuntimeError(f"{project / VARS_MACRO} has no arpu_var_defaults() block")
    return yaml.safe_load(found.group(1))


def source_schemas(project: Path) -> tuple[str, ...]:
    """The schemas the DuckDB loader fills with the input files: contract
    files and Stripe files (the vars arpu_billing_schema and
    arpu_stripe_schema)."""
    return (project_var(project, "billing_schema"), project_var(project, "stripe_schema"))


@lru_cache(maxsize=None)
def segment_types(project: Path) -> tuple[str, ...]:
    """The segment types of docs/metrics.md section 8, in the order of the
    macro segment_types(), which every segment model reads."""
    text = (project / SEGMENT_TYPES_MACRO).read_text()
    found = re.search(r"macro segment_types\(\).*?return\(\[(.*?)\]\)", text, re.S)
    if not found:
        raise RuntimeError(f"{project / SEGMENT_TYPES_MACRO} has no segment_types() list")
    return tuple(re.findall(r"'([a-z_]+)'", found.group(1)))


@lru_cache(maxsize=None)
def exposure_tables(project: Path, exposure: str) -> tuple[str, ...]:
    """The models the exposure `exposure` depends on, in its order."""
    import yaml

    exposures = yaml.safe_load((project / EXPOSURES).read_text())["exposures"]
    for entry in exposures:
        if entry["name"] == exposure:
            return tuple(re.fullmatch(r"ref\('([a-z0-9_]+)'\)", ref).group(1)
                         for ref in entry["depends_on"])
    raise RuntimeError(f"{project / EXPOSURES} has no exposure {exposure!r}")


def mart_names(project: Path, source: str = "contract") -> set[str]:
    """The marts a build from input `source` holds: every model under
    models/marts, but one named after another input source
    (stripe_input_summary), which dbt_project.yml enables for its source
    only."""
    return _model_names(project, "marts", source)


def published_names(project: Path, source: str = "contract") -> set[str]:
    """What a published database holds: the marts, and the semantic
    layer's time spine, which MetricFlow reads beside them."""
    return mart_names(project, source) | _model_names(project, "semantic", source)


def _model_names(project: Path, folder: str, source: str) -> set[str]:
    return {p.stem for p in (project / "models" / folder).rglob("*.sql")
            if not p.stem.startswith("stripe_") or source == "stripe"}
