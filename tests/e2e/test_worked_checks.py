"""The worked checks of metrics.md that fit one monthly mart, on a base
made to match them exactly."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import build_ok, write_tables


def monthly_line(account, start, end, amount):
    return {"line_item_id": f"{account}_{start}", "invoice_id": f"i_{account}_{start}",
            "account_id": account, "charge_type": "recurring", "amount": amount,
            "currency": "USD", "period_start": start, "period_end": end,
            "invoice_date": start, "invoice_status": "paid"}


@pytest.fixture(scope="module")
def mart(tmp_path_factory):
    folder = tmp_path_factory.mktemp("worked")
    accounts, lines, users = [], [], []
    # January 2024: 100 accounts of 500 MRR with 5 users each.
    for n in range(100):
        account = f"jan{n:03d}"
        accounts.append({"account_id": account, "created_at": "2023-12-01"})
        lines.append(monthly_line(account, "2024-01-01", "2024-02-01", "500"))
        users += [{"user_id": f"{account}_u{k}", "account_id": account,
                   "created_at": "2023-12-15"} for k in range(5)]
    # February 2024: 200 other accounts on annual contracts of 12,000.
    for n in range(200):
        account = f"feb{n:03d}"
        accounts.append({"account_id": account, "created_at": "2024-01-20"})
        lines.append(monthly_line(account, "2024-02-01", "2025-02-01", "12000"))
    write_tables(folder / "data", {"accounts": accounts, "invoice_line_items": lines,
                                   "users": users})
    build = build_ok(folder / "data", folder / "arpu.duckdb", "--as-of", "2024-02-29")
    return {r["month"]: r for r in build.dicts("select * from main.mart_arpu_monthly")}


def test_100_accounts_500_users_50000_mrr(mart):
    january = mart[dt.date(2024, 1, 1)]
    assert (january["paying_accounts"], january["paying_users"], january["mrr"]) == (100, 500, 50000)
    assert january["arpa"] == pytest.approx(500.0, abs=1e-6)
    assert january["arpu"] == pytest.approx(100.0, abs=1e-6)


def test_arr_2400000_over_200_accounts_is_annual_arpa_12000(mart):
    february = mart[dt.date(2024, 2, 1)]
    assert february["paying_accounts"] == 200
    assert february["arr"] == 2_400_000
    assert february["annual_arpa"] == pytest.approx(12_000.0, abs=1e-6)
    # Accounts without users: ARPU = ARPA.
    assert february["arpu"] == pytest.approx(february["arpa"], abs=1e-9)
