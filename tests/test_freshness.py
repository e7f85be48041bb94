"""`dbt source freshness` reads the invoice lines' load time as staging
reads it: trimmed, falling back to invoice_date; a time in the future is
not a load time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, build_env, write_tables


def line(line_id: str, invoice_date: str, updated_at: str | None = None) -> dict:
    return {"line_item_id": line_id, "invoice_id": line_id, "account_id": "a",
            "charge_type": "one_time", "amount": "1", "currency": "USD",
            "invoice_date": invoice_date, "invoice_status": "paid", "updated_at": updated_at}


def max_loaded_at(tmp_path, lines: list[dict]) -> tuple[dict, str]:
    data = write_tables(tmp_path / "data", {
        "accounts": [{"account_id": "a", "created_at": "2024-01-01"}],
        "invoice_line_items": lines,
    })
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text((ROOT / "profiles.example.yml").read_text())
    target = tmp_path / "target"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "source", "freshness",
         "--project-dir", str(ROOT), "--profiles-dir", str(profiles),
         "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
         "--vars", json.dumps({"arpu_billing_data_dir": str(data)})],
        capture_output=True, text=True, cwd=tmp_path,
        env=build_env(ARPU_DUCKDB_PATH=str(tmp_path / "fresh.duckdb")))
    # Data from 2024 is stale today: freshness errors, but it has measured.
    (result,) = json.loads((target / "sources.json").read_text())["results"]
    assert result["unique_id"] == "source.arpu.billing.invoice_line_items", done.stdout
    return result, done.stdout


def test_freshness_reads_padded_load_times(tmp_path):
    result, _ = max_loaded_at(tmp_path, [
        line("padded", "2024-03-01", "  2024-03-10 10:00:00 "),
        line("no_load_time", "2024-03-09"),
        # A wrong clock must not keep a stopped export fresh until 2099.
        line("from_the_future", "2024-03-01", "2099-01-01 00:00:00"),
    ])
    # The padded 2024-03-10 10:00 is newer than the other line's 2024-03-09,
    # and 2099 is ignored.
    assert result["max_loaded_at"].startswith("2024-03-10T10:00:00")


def test_freshness_compares_load_times_in_utc(tmp_path):
    result, stdout = max_loaded_at(tmp_path, [
        # 2024-03-11 01:30 UTC: the newest, though its local date is the 10th.
        line("west", "2024-03-01", "2024-03-10T23:30:00-02:00"),
        line("plain", "2024-03-01", "2024-03-11 01:00:00"),
        # 2024-03-11 00:15 UTC.
        line("east", "2024-03-01", "2024-03-11T05:45:00+05:30"),
        line("zulu", "2024-03-01", "2024-03-11T01:20:00Z"),
    ])
    assert result["max_loaded_at"].startswith("2024-03-11T01:30:00"), stdout
