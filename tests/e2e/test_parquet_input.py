"""Parquet files are read as the contract says: columns already typed as
the contract's types are taken as they are, and CSV and Parquet tables mix
in one folder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

from conftest import build_ok, write_tables


def test_typed_parquet_lines_with_csv_accounts(tmp_path):
    data = write_tables(tmp_path / "data", {
        "accounts": [{"account_id": "a", "created_at": "2024-01-01 08:30:00"}],
    })
    connection = duckdb.connect()
    connection.execute(f"""
        copy (
            select
                'l1' as line_item_id, 'i1' as invoice_id, 'a' as account_id,
                cast(null as varchar) as subscription_id, cast(null as varchar) as plan_id,
                'recurring' as charge_type, cast(null as boolean) as is_committed,
                cast(1200.50 as decimal(18, 2)) as amount,
                cast(0.50 as decimal(18, 2)) as discount_amount,
                'USD' as currency, cast(3 as integer) as quantity,
                date '2024-01-15' as period_start, date '2025-01-15' as period_end,
                date '2024-01-15' as invoice_date, 'paid' as invoice_status,
                timestamp '2024-01-15 10:00:00' as updated_at
        ) to '{data / "invoice_line_items.parquet"}' (format parquet)
    """)
    connection.close()
    build = build_ok(data, tmp_path / "arpu.duckdb", "--as-of", "2024-03-31")
    rows = build.rows("select month, mrr from main.mart_arpu_monthly order by month")
    # (1,200.50 - 0.50) / 12 = 100 a month, Jan to Mar.
    assert rows == [(dt.date(2024, m, 1), Decimal(100)) for m in (1, 2, 3)]
    assert build.rows("select count(*) from main.rejected_rows") == [(0,)]
