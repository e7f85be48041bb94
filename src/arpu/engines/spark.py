"""`arpu build --target spark`: build into database <schema>__a or __b,
whichever the published views do not read, then point the views of
<schema> at it (macros/operations/publish_views.sql). Every build is a full build:
plain Parquet has no delete (docs/incremental.md)."""

from __future__ import annotations

import json
from pathlib import Path

from arpu import warehouse
from arpu.build import BuildFailed, unchanged_sentences
from arpu.build_files import build_lock
from arpu.runner import DbtOutcome, run_dbt, stderr_progress, work_dir

FULL_BUILD = "Spark builds from scratch, docs/incremental.md"


class SparkEngine:
    def __init__(self, project: Path, schema: str) -> None:
        self.project, self.schema = project, schema
        self.paths = warehouse.spark_paths()
        self.paths.warehouse.mkdir(parents=True, exist_ok=True)
        # Which of the two databases the views read: the state kept beside them.
        self.state = self.paths.live_state(schema)
        self.log_folder = work_dir(self.paths.warehouse / f"spark-{schema}")
        self.live = self.paths.live(schema)
        self.build_schema = f"{schema}__b" if self.live == f"{schema}__a" else f"{schema}__a"
        self.input_folder = None  # the tables are in the warehouse
        self.where = f"Spark database {schema}"
        self.unchanged, self.failure_unchanged = unchanged_sentences(self.where)

    def lock(self):
        return build_lock(self.paths.warehouse / f"{self.schema}.arpu")

    def variables(self) -> dict[str, str]:
        return warehouse.schema_variables(self.project)

    def last_build(self) -> str:
        return FULL_BUILD

    def announce(self, reason: str | None) -> str:
        return (f"Full build ({FULL_BUILD}) into {self.where} "
                f"(tables in {self.build_schema}) ...")

    def prepare(self, variables: dict[str, str], reason: str | None) -> None:
        pass  # dbt's --full-refresh replaces every table of the build database

    def run(self, variables: dict[str, str], reason: str | None) -> DbtOutcome:
        return run_dbt(["build", "--full-refresh"], database=None, work=self.log_folder,
                       variables=variables, target="spark",
                       environment={"ARPU_SCHEMA": self.build_schema},
                       progress=stderr_progress())

    def seal(self) -> None:
        pass  # the tables are Parquet files, written when dbt returns

    def months_reported(self, built: bool) -> int:
        database = self.build_schema if built else self.live
        if not database:
            return 0
        connection = warehouse.spark_summary_reader(database)
        try:
            return connection.execute("select count(*) from main.mart_arpu_monthly").fetchone()[0]
        finally:
            connection.close()

    def built_reader(self):
        return warehouse.spark_summary_reader(self.build_schema)

    def publish(self, variables: dict[str, str]) -> str | None:
        switched = run_dbt(["run-operation", "publish_views", "--args",
                            json.dumps({"schema": self.schema, "build_schema": self.build_schema})],
                           database=None, work=self.log_folder, variables=variables,
                           target="spark")
        if not switched.success:
            raise BuildFailed(switched, self.log_folder,
                              f"the views of {self.where} may read two builds; "
                              "run the build again.")
        self.state.write_text(self.build_schema + "\n")
        self.live = self.build_schema
        return None

    def finish(self, published: bool) -> None:
        pass  # the build database is the one the next build replaces

    def reader(self):
        return warehouse.spark_summary_reader(self.live)
