"""`dbt source freshness` reads the invoice lines' load time as staging
reads it: trimmed, falling back to invoice_date; a time in the future is
not a load time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, build_env, write_tables


def test_freshness_reads_padded_load_times(tmp_path):
    data = write_tables(tmp_path / "data", {
        "accounts": [{"account_id": "a", "created_at": "2024-01-01"}],
        "invoice_line_items": [
            {"line_item_id": "padded", "invoice_id": "i1", "account_id": "a",
             "charge_type": "one_time", "amount": "1", "currency": "USD",
             "invoice_date": "2024-03-01", "invoice_status": "paid",
             "updated_at": "  2024-03-10 10:00:00 "},
            {"line_item_id": "no_load_time", "invoice_id": "i2", "account_id": "a",
             "charge_type": "one_time", "amount": "1", "currency": "USD",
             "invoice_date": "2024-03-09", "invoice_status": "paid"},
            # A wrong clock must not keep a stopped export fresh until 2099.
            {"line_item_id": "from_the_future", "invoice_id": "i3", "account_id": "a",
             "charge_type": "one_time", "amount": "1", "currency": "USD",
             "invoice_date": "2024-03-01", "invoice_status": "paid",
             "updated_at": "2099-01-01 00:00:00"},
        ],
    })
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text((ROOT / "profiles.example.yml").read_text())
    target = tmp_path / "target"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "source", "freshness",
         "--project-dir", str(ROOT), "--profiles-dir", str(profiles),
         "--target-path", str(target), "--log-path", str(tmp_path / "logs"),
         "--vars", json.dumps({"billing_data_dir": str(data)})],
        capture_output=True, text=True, cwd=tmp_path,
        env=build_env(ARPU_DUCKDB_PATH=str(tmp_path / "fresh.duckdb")))
    # Data from 2024 is stale today: freshness errors, but it has measured.
    (result,) = json.loads((target / "sources.json").read_text())["results"]
    assert result["unique_id"] == "source.arpu.billing.invoice_line_items", done.stdout
    # The padded 2024-03-10 10:00 is newer than the other line's 2024-03-09,
    # and 2099 is ignored.
    assert result["max_loaded_at"].startswith("2024-03-10T10:00:00")
