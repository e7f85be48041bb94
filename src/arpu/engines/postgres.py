"""`arpu build --target postgres`: build into schema <schema>__build, then,
in one transaction (warehouse.py), make it the working schema
<schema>__work (every model: what the next incremental build starts from)
and <schema> anew, one view per mart of the input over it, so that a reader sees the
old marts or the new ones and a BI tool lists only the marts."""

from __future__ import annotations

from pathlib import Path

from arpu import warehouse
from arpu.build import unchanged_sentences
from arpu.project import mart_names
from arpu.runner import DbtOutcome, run_dbt, stderr_progress, work_dir


class PostgresEngine:
    def __init__(self, project: Path, schema: str, source: str) -> None:
        self.project, self.schema, self.source = project, schema, source
        self.staging, self.work = f"{schema}__build", f"{schema}__work"
        parameters = warehouse.postgres_parameters()
        self.log_folder = work_dir(Path.cwd() / (
            f"postgres-{parameters['host']}-{parameters['port']}-{parameters['dbname']}-{schema}"))
        self.input_folder = None  # the tables are in the warehouse
        self.where = f"PostgreSQL schema {schema}"
        self.unchanged, self.failure_unchanged = unchanged_sentences(self.where)
        self.environment = {"ARPU_SCHEMA": self.staging}

    def check_sources(self) -> None:
        warehouse.check_postgres_sources(self.project, source=self.source)

    def lock(self):
        return warehouse.postgres_lock(self.schema)

    def variables(self) -> dict[str, str]:
        return warehouse.schema_variables(self.project)

    def last_build(self) -> str | dict | None:
        return warehouse.postgres_last_build(self.work)

    def announce(self, reason: str | None) -> str:
        return (f"Full build ({reason}) into {self.where} ..." if reason
                else f"Incremental build into {self.where} ...")

    def prepare(self, variables: dict[str, str], reason: str | None) -> None:
        # An incremental build starts from copies of the published
        # incremental tables.
        incremental = []
        if not reason:
            listed = run_dbt(["ls", "--resource-type", "model", "--select",
                              "config.materialized:incremental", "--output", "name"],
                             database=None, work=self.log_folder, variables=variables,
                             target="postgres", environment=self.environment)
            incremental = listed.listed
        warehouse.postgres_prepare(self.work, self.staging, incremental)

    def run(self, variables: dict[str, str], reason: str | None) -> DbtOutcome:
        return run_dbt(["build"] + (["--full-refresh"] if reason else []), database=None,
                       work=self.log_folder, variables=variables, target="postgres",
                       environment=self.environment, progress=stderr_progress())

    def seal(self) -> None:
        pass  # dbt's transactions are committed when it returns

    def months_reported(self, built: bool) -> int:
        return warehouse.postgres_months_reported(self.staging if built else self.schema) or 0

    def built_reader(self):
        return warehouse.postgres_summary_reader(self.staging)

    def publish(self, variables: dict[str, str]) -> str | None:
        # Every mart of this input (stripe_input_summary with Stripe's).
        warehouse.postgres_publish(self.schema, self.staging, self.work,
                                   sorted(mart_names(self.project, self.source)))
        return None

    def finish(self, published: bool) -> None:
        warehouse.postgres_discard(self.staging)

    def reader(self):
        return warehouse.postgres_summary_reader(self.schema)
