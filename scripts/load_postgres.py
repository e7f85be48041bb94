"""Load a folder of contract CSV files into schema billing_raw of a
PostgreSQL database, every column as text, as the DuckDB hook does; an
absent optional table is created empty. For scripts/check_postgres."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arpu.contract import load_contract  # noqa: E402


def main(data_dir: Path) -> None:
    connection = psycopg2.connect(
        host=os.environ.get("ARPU_PG_HOST", "127.0.0.1"),
        port=int(os.environ.get("ARPU_PG_PORT", "5432")),
        user=os.environ.get("ARPU_PG_USER", "arpu"),
        password=os.environ.get("ARPU_PG_PASSWORD", "arpu"),
        dbname=os.environ.get("ARPU_PG_DATABASE", "arpu"),
    )
    cursor = connection.cursor()
    cursor.execute("drop schema if exists billing_raw cascade; create schema billing_raw")
    for table in load_contract(ROOT):
        name, columns = table.name, table.columns
        cursor.execute(
            f'create table billing_raw."{name}" ('
            + ", ".join(f'"{column}" text' for column in columns) + ")"
        )
        path = data_dir / f"{name}.csv"
        if not path.exists():
            continue
        with path.open(newline="") as handle:
            header = next(csv.reader(handle))
        with path.open(newline="") as handle:
            cursor.copy_expert(
                f'copy billing_raw."{name}" (' + ", ".join(f'"{c}"' for c in header)
                + ") from stdin with (format csv, header true)",
                handle,
            )
    connection.commit()
    connection.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "demo_data")
