"""arpu's dbt project as Dagster assets (examples/dagster/README.md)."""
