"""Generate a deterministic folder of demo billing CSV files.

The command line of arpu.demo: `python scripts/generate_billing.py` or
`python -m arpu.demo`, with the options of main()."""

import argparse
from datetime import date, datetime
from pathlib import Path

from arpu.demo.model import MIN_ACCOUNTS, MIN_MONTHS
from arpu.demo.writing import CHUNK_ACCOUNTS, generate, generate_stripe


def _parse_month(s: str) -> date:
    try:
        return datetime.strptime(s, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM month: {s!r}") from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="demo_data", type=Path,
                    help="output folder (default: demo_data)")
    ap.add_argument("--seed", default=42, type=int, help="random seed (default: 42)")
    ap.add_argument("--accounts", default=400, type=int,
                    help=f"number of accounts (default: 400, minimum {MIN_ACCOUNTS})")
    ap.add_argument("--start-month", default=date(2024, 9, 1), type=_parse_month,
                    help="first month, YYYY-MM (default: 2024-09)")
    ap.add_argument("--months", default=27, type=int,
                    help=f"number of months (default: 27, minimum {MIN_MONTHS})")
    ap.add_argument("--format", default="csv", choices=["csv", "parquet"],
                    help="file format (default: csv; parquet holds the same text values)")
    ap.add_argument("--jobs", default=None, type=int,
                    help=f"processes for more than {CHUNK_ACCOUNTS:,} accounts (default: all cores)")
    ap.add_argument("--shape", default="contract", choices=["contract", "stripe"],
                    help="contract files (default), or the same demo as Fivetran's Stripe "
                         "tables (users, fx_rates, acquisition_spend stay contract files)")
    a = ap.parse_args(argv)
    write = generate_stripe if a.shape == "stripe" else generate
    try:
        counts = write(a.out, seed=a.seed, accounts=a.accounts,
                       start_month=a.start_month, months=a.months,
                       file_format=a.format, jobs=a.jobs)
    except ValueError as e:
        ap.error(str(e))
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    print(f"written to {a.out}")
    return 0
