"""arpu's dbt project as Dagster assets, with dagster-dbt: one asset per
model and seed, the data tests as asset checks, and a daily schedule.

    pip install -e '.[dagster]'             # from the repository's root
    cp profiles.example.yml profiles.yml
    dbt parse --target-path target/dagster  # the manifest the assets are read from
    cd examples/dagster && dagster dev -m arpu_dagster.definitions

dbt builds in place (plain `dbt build`): the DuckDB file of ARPU_DUCKDB_PATH,
or the schema of another target. examples/dagster/README.md says how a run
passes the as-of date and what a failed run means.
"""

# No `from __future__ import annotations`: Dagster reads the config
# class from the asset function's annotations at definition time.
import json
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

ROOT = Path(__file__).resolve().parents[3]

arpu_project = DbtProject(project_dir=ROOT, profiles_dir=ROOT, target_path=Path("target/dagster"))
# Under `dagster dev`, parse the project when it starts; elsewhere the
# manifest must have been written (`dbt parse --target-path target/dagster`).
arpu_project.prepare_if_dev()


class ArpuRun(dg.Config):
    """A run's dbt vars (docs/dbt.md)."""

    # YYYY-MM-DD; empty: the latest paid or open invoice date of a real
    # account, as `arpu build` without --as-of.
    as_of_date: str = ""
    # The folder of contract files on DuckDB, relative to the repository.
    billing_data_dir: str = "demo_data"


@dbt_assets(manifest=arpu_project.manifest_path, project=arpu_project)
def arpu_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: ArpuRun):
    variables = {"arpu_as_of_date": config.as_of_date,
                 "arpu_billing_data_dir": config.billing_data_dir}
    # A failing model or data test fails the run (dbt exits 1), and the
    # assets after it are not materialized.
    yield from dbt.cli(["build", "--vars", json.dumps(variables)], context=context).stream()


# Every morning, the as-of date left to the data: the latest invoice.
daily = dg.ScheduleDefinition(
    name="arpu_daily", target=dg.AssetSelection.assets(arpu_models), cron_schedule="0 6 * * *")

defs = dg.Definitions(
    assets=[arpu_models],
    resources={"dbt": DbtCliResource(project_dir=arpu_project)},
    schedules=[daily],
)
