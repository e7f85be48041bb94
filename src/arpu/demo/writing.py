"""Writing the demo: one Generator's tables as CSV files, or, for large
runs, chunks generated in parallel and streamed into the same files; in
the contract's shape or Stripe's; then Parquet if asked for."""

import csv
import os
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

from arpu.demo.generator import Generator
from arpu.demo.model import COLUMNS, ZERO
from arpu.demo.stripe import to_stripe
from arpu.demo.stripe_model import STRIPE_COLUMNS, STRIPE_CONTRACT_TABLES, STRIPE_SHARED_TABLES


# Above this many accounts the data is generated in chunks of about this
# size, in parallel: each chunk is a Generator of its own (seeded from the
# seed and the chunk's number), its ids prefixed with the chunk (acc_0001
# becomes acc_c002_0001), so that ~850,000 accounts (~10M lines) take
# minutes and bounded memory. Up to this size the output is one Generator's,
# as it always was (the demo data stays byte for byte the same).
CHUNK_ACCOUNTS = 25_000
# Id columns that name a generated row, per table (plans are shared).
ID_COLUMNS = {
    "accounts": ["account_id"],
    "subscriptions": ["subscription_id", "account_id"],
    "users": ["user_id", "account_id"],
    "invoice_line_items": ["line_item_id", "invoice_id", "account_id", "subscription_id"],
    "refunds": ["refund_id", "line_item_id"],
}
# Tables every chunk would generate alike: written once (acquisition spend
# is summed over the chunks instead).
SHARED_TABLES = ("plans", "fx_rates")


def _chunk_tables(args: tuple) -> dict[str, list[list[str]]]:
    index, seed, accounts, start_month, months = args
    tables = Generator(seed * 1_000_003 + index, accounts, start_month, months).run()
    tag = f"_c{index:03d}_"
    for name, columns in ID_COLUMNS.items():
        positions = [COLUMNS[name].index(column) for column in columns]
        for row in tables[name]:
            for position in positions:
                if row[position]:
                    row[position] = row[position].replace("_", tag, 1)
    return tables


def _chunk_stripe_tables(args: tuple) -> dict[str, list[list[str]]]:
    # Converted in the worker: the chunk's ids are already prefixed, and
    # every Stripe id is derived from a contract id, so they stay unique.
    return to_stripe(_chunk_tables(args))


def output_columns(shape: str) -> dict[str, list[str]]:
    """The files a shape writes, each with its columns."""
    if shape == "contract":
        return COLUMNS
    if shape == "stripe":
        return {**STRIPE_COLUMNS, **{name: COLUMNS[name] for name in STRIPE_CONTRACT_TABLES}}
    raise ValueError(f"unknown shape {shape!r}: contract or stripe")


def _write_chunked(out_dir: Path, seed: int, accounts: int, start_month: date,
                   months: int, jobs: int | None, shape: str = "contract") -> dict[str, int]:
    import multiprocessing

    columns = output_columns(shape)
    shared = SHARED_TABLES if shape == "contract" else STRIPE_SHARED_TABLES
    worker = _chunk_tables if shape == "contract" else _chunk_stripe_tables
    parts = -(-accounts // CHUNK_ACCOUNTS)
    sizes = [accounts // parts + (1 if i < accounts % parts else 0) for i in range(parts)]
    counts = dict.fromkeys(columns, 0)
    spend: dict[tuple[str, str], Decimal] = {}
    handles = {name: open(out_dir / f"{name}.csv", "w", encoding="utf-8", newline="")
               for name in columns}
    try:
        writers = {name: csv.writer(handle, lineterminator="\n")
                   for name, handle in handles.items()}
        for name, cols in columns.items():
            writers[name].writerow(cols)
        work = [(i, seed, size, start_month, months) for i, size in enumerate(sizes)]
        with multiprocessing.Pool(jobs or os.cpu_count() or 1) as pool:
            for index, tables in enumerate(pool.imap(worker, work)):
                for name in columns:
                    if name == "acquisition_spend":
                        for month, channel, amount in tables[name]:
                            spend[month, channel] = spend.get((month, channel), ZERO) + Decimal(amount)
                        continue
                    if name in shared and index > 0:
                        continue
                    writers[name].writerows(tables[name])
                    counts[name] += len(tables[name])
        writers["acquisition_spend"].writerows(
            [month, channel, str(amount)] for (month, channel), amount in sorted(spend.items()))
        counts["acquisition_spend"] = len(spend)
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def _to_parquet(out_dir: Path, names: Iterable[str] = COLUMNS) -> None:
    """Each CSV as a Parquet file of text columns (the contract's types are
    text until staging casts them), then the CSV removed."""
    import duckdb

    connection = duckdb.connect()
    try:
        for name in names:
            source, target = out_dir / f"{name}.csv", out_dir / f"{name}.parquet"
            connection.execute(
                f"copy (select * from read_csv('{source}', header = true, all_varchar = true,"
                f" quote = '\"', escape = '\"')) to '{target}' (format parquet)"
            )
            source.unlink()
    finally:
        connection.close()


def generate(out_dir: Path, seed: int = 42, accounts: int = 400,
             start_month: date = date(2024, 9, 1), months: int = 27,
             file_format: str = "csv", jobs: int | None = None) -> dict[str, int]:
    """Write the contract files into out_dir; return row counts per table."""
    return _generate(out_dir, seed, accounts, start_month, months, file_format, jobs,
                     "contract")


def generate_stripe(out_dir: Path, seed: int = 42, accounts: int = 400,
                    start_month: date = date(2024, 9, 1), months: int = 27,
                    file_format: str = "csv", jobs: int | None = None) -> dict[str, int]:
    """Write the same demo as generate() does, in the shape Fivetran's Stripe
    connector lands it (to_stripe); return row counts per table."""
    return _generate(out_dir, seed, accounts, start_month, months, file_format, jobs,
                     "stripe")


def _generate(out_dir: Path, seed: int, accounts: int, start_month: date, months: int,
              file_format: str, jobs: int | None, shape: str) -> dict[str, int]:
    out_dir = Path(out_dir)
    columns = output_columns(shape)
    out_dir.mkdir(parents=True, exist_ok=True)
    if accounts > CHUNK_ACCOUNTS:
        counts = _write_chunked(out_dir, seed, accounts, start_month, months, jobs, shape)
    else:
        tables = Generator(seed, accounts, start_month, months).run()
        if shape == "stripe":
            tables = to_stripe(tables)
        counts = {}
        for name, cols in columns.items():
            rows = tables[name]
            with open(out_dir / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(cols)
                w.writerows(rows)
            counts[name] = len(rows)
    if file_format == "parquet":
        _to_parquet(out_dir, columns)
    return counts
