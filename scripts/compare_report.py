"""The data of `arpu report`'s page read from a warehouse target equal the
DuckDB build's of the same files, with compare_marts.py's tolerances:
counts, dates and text exactly, money (decimals) to half a cent (engines
cast a double to a decimal differently, compare_marts.py says why), ratios
to a relative 1e-9, the quick ratio to 1e-6. Only when and from where the
build ran may differ.

    python scripts/compare_report.py --duckdb FILE --target postgres|spark [--schema NAME]

Exit 0 when equal (one line says so), 1 with the first differences, 2 when
either side cannot be read."""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_marts import MONEY_TOLERANCE, RATIO_ABSOLUTE, RATIO_RELATIVE  # noqa: E402

from arpu.report_marts import ReportError, read_marts, read_marts_from  # noqa: E402
from arpu.warehouse import WarehouseError  # noqa: E402
from arpu.warehouse_marts import postgres_marts, spark_marts  # noqa: E402

# The quick ratio's denominator may differ in its 6th place between engines
# (compare_marts.SMALL_DENOMINATOR_RELATIVE).
QUICK_RATIO_RELATIVE = 1e-6
# When, from where and with which dbt the build ran.
VOLATILE = ("built_at", "billing_data_dir", "dbt_version")


def differences(found, expected, where: str = "marts") -> list[str]:
    if isinstance(expected, dict) and isinstance(found, dict):
        if set(found) != set(expected):
            return [f"{where}: keys {sorted(set(found) ^ set(expected))}"]
        return [line for key in expected
                for line in differences(found[key], expected[key], f"{where}.{key}")]
    if isinstance(expected, list) and isinstance(found, list):
        if len(found) != len(expected):
            return [f"{where}: {len(found)} rows, expected {len(expected)}"]
        return [line for index, (one, other) in enumerate(zip(found, expected))
                for line in differences(one, other, f"{where}[{index}]")]
    if isinstance(expected, Decimal) and isinstance(found, Decimal):
        if abs(found - expected) <= MONEY_TOLERANCE:
            return []
    elif isinstance(expected, float) and found is not None:
        relative = QUICK_RATIO_RELATIVE if where.endswith("quick_ratio") else RATIO_RELATIVE
        if math.isclose(float(found), expected, rel_tol=relative, abs_tol=RATIO_ABSOLUTE):
            return []
    elif found == expected:
        return []
    return [f"{where}: {found!r}, expected {expected!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", type=Path, required=True)
    parser.add_argument("--target", choices=["postgres", "spark"], required=True)
    parser.add_argument("--schema", default="arpu")
    args = parser.parse_args()
    try:
        expected = dataclasses.asdict(read_marts(args.duckdb))
        connection = (postgres_marts if args.target == "postgres" else spark_marts)(args.schema)
        found = dataclasses.asdict(read_marts_from(connection, f"{args.target} {args.schema}"))
    except (ReportError, WarehouseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for name in VOLATILE:
        expected["build"].pop(name)
        found["build"].pop(name)
    lines = differences(found, expected)
    if lines:
        print("\n".join(lines[:20]))
        return 1
    print(f"the report's data from {args.target} {args.schema} equal {args.duckdb}'s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
