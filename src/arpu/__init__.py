"""ARPU and ARPA marts from raw billing data: a dbt project and a thin CLI."""

__version__ = "0.1.0"
