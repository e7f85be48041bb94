"""Incremental builds equal full builds (issue 8, part 3).

The demo files are cut into batches the way a daily export grows: each
batch holds the rows stamped on or before its cut (lines by updated_at, or
invoice_date without one; refunds by refunded_at; rates by rate_date; a
user's deactivation once it happened). Batch 2 also corrects the past: a
paid line voided, an open line paid, a restated amount, a refund of an old
line, a line that arrives late for a month long closed, and a GBP rate for
an old date that was missing. Batch 3 is every demo row, with those
corrections, and a month more.

Batches 4 and 5 change the export the way sources do without saying so
(issue 17): a line stamped in 2099, then edits that keep their old
`updated_at` (amount, discount, status, period), lines, refunds and users
deleted, and copies of old lines.

After each batch but the first (whose build is the full one), `arpu
build` on the published database (incremental) must equal `arpu build
--full-refresh` of the same files, table by table and cell by cell; and
so must a build of batch 5 once more, when nothing changed. Each
incremental build publishes by updating a copy of the last published file,
and between batches 2 and 3 a build refused after dbt ran publishes
nothing: batch 3's publish carries its changes too. The expected side is a
full build: nothing here is read back from the incremental pipeline.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, build_ok, database_in, run_build

DEMO = ROOT / "demo_data"
# Bookkeeping that differs by construction: which run judged a line, and
# the build's own metadata.
# arpu_published_state: what the working database last published (its
# invocation), for the next publish.
SKIP_TABLES = {"arpu_build_info", "arpu_published_state"}
SKIP_COLUMNS = {"checked_in_invocation", "computed_in_invocation"}
# The as-of date a state row was computed under: a closed month's rows keep
# the one of the run that computed them.
SKIP_TABLE_COLUMNS = {("int_revenue_line_months", "as_of_date"),
                      ("int_account_months", "as_of_date")}


def read(table: str) -> tuple[list[str], list[dict]]:
    with open(DEMO / f"{table}.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


TABLES = {path.stem: read(path.stem) for path in sorted(DEMO.glob("*.csv"))}


def stamp(value: str) -> str:
    """The date part of a contract date or timestamp, '' when empty."""
    return (value or "").strip()[:10]


def line_stamp(row: dict) -> str:
    return stamp(row["updated_at"]) or stamp(row["invoice_date"])


def batch(cut: str, corrections: bool, withheld_rate: tuple[str, str] | None = None) -> dict:
    """Every demo table as it stood on `cut` (YYYY-MM-DD; '9999-12-31' for all)."""
    tables = {name: (columns, [dict(row) for row in rows])
              for name, (columns, rows) in TABLES.items()}
    columns, lines = tables["invoice_line_items"]
    tables["invoice_line_items"] = (columns, [r for r in lines if line_stamp(r) <= cut])
    columns, refunds = tables["refunds"]
    tables["refunds"] = (columns, [r for r in refunds if stamp(r["refunded_at"]) <= cut])
    columns, rates = tables["fx_rates"]
    tables["fx_rates"] = (columns, [r for r in rates if stamp(r["rate_date"]) <= cut
                                    and (r["rate_date"], r["currency"]) != withheld_rate])
    for user in tables["users"][1]:
        if stamp(user["deactivated_at"]) > cut:
            user["deactivated_at"] = ""
    if corrections:
        correct(tables, cut)
    return tables


def correct(tables: dict, cut: str) -> None:
    """The corrections of batch 2, stamped the day before `cut`."""
    updated = f"{dt.date.fromisoformat(cut) - dt.timedelta(days=1)} 12:00:00"
    lines = tables["invoice_line_items"][1]
    old = [r for r in lines if line_stamp(r) <= "2025-06-30" and r["charge_type"] == "recurring"
           and r["updated_at"]]
    paid = [r for r in old if r["invoice_status"] == "paid"]
    paid[10].update(invoice_status="void", updated_at=updated)
    paid[20].update(amount=f"{float(paid[20]['amount']) + 10:.2f}", updated_at=updated)
    opened = [r for r in lines if r["invoice_status"] == "open" and line_stamp(r) <= "2026-06-30"]
    opened[0].update(invoice_status="paid", updated_at=updated)
    late = dict(paid[30], line_item_id="li_late_0001", invoice_id="inv_late_0001",
                charge_type="one_time", amount="250.00", discount_amount="", is_committed="",
                period_start="", period_end="", updated_at=updated)
    lines.append(late)
    refunded = {r["line_item_id"] for r in tables["refunds"][1]}
    target = next(r for r in paid[40:] if r["line_item_id"] not in refunded)
    tables["refunds"][1].append({"refund_id": "ref_late_0001", "line_item_id": target["line_item_id"],
                                 "amount": "5.00", "refunded_at": updated})


# Changes a source makes without a new updated_at (issue 17), each applied
# to the row `pick` chooses among those it fits.
SILENT_EDITS = ("amount", "discount", "status", "period", "delete_line", "delete_refund",
                "delete_user", "copy_line", "future_updated_at")


def silent_edit(tables: dict, kind: str, pick: int) -> None:
    """Apply one change of SILENT_EDITS to `tables` in place, leaving every
    updated_at as it was (but for future_updated_at, which stamps 2099)."""
    lines = tables["invoice_line_items"][1]
    recurring = [r for r in lines if r["charge_type"] == "recurring"
                 and r["invoice_status"] == "paid" and r["period_end"]]
    row = recurring[pick % len(recurring)]
    if kind == "amount":
        row["amount"] = f"{float(row['amount']) + 10:.2f}"
    elif kind == "discount":
        row["discount_amount"] = f"{float(row['amount']) / 10:.2f}"
    elif kind == "status":
        row["invoice_status"] = "void"
    elif kind == "period":
        start = dt.date.fromisoformat(row["period_start"])
        row["period_end"] = str(start + dt.timedelta(days=10))
    elif kind == "delete_line":
        lines.remove(row)
    elif kind == "copy_line":
        lines.append(dict(row))
    elif kind == "future_updated_at":
        lines.append(dict(row, line_item_id=f"li_future_{pick}", invoice_id=f"inv_future_{pick}",
                          charge_type="one_time", period_start="", period_end="",
                          amount="100.00", updated_at="2099-01-01 00:00:00"))
    elif kind in ("delete_refund", "delete_user"):
        rows = tables["refunds" if kind == "delete_refund" else "users"][1]
        if rows:
            del rows[pick % len(rows)]
    else:
        raise ValueError(kind)


def write(folder: Path, tables: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (columns, rows) in tables.items():
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def differences(incremental: Path, full: Path) -> list[str]:
    """Tables of `full` whose rows `incremental` does not hold exactly:
    decimals, integers, text and dates equal; doubles to 1e-9 relative. Of
    the published databases, and of their working databases (every
    incremental model's state)."""
    return (table_differences(incremental, full)
            + table_differences(work_database(incremental), work_database(full)))


def work_database(database: Path) -> Path:
    return database.with_name(database.name + ".work")


def table_differences(incremental: Path, full: Path) -> list[str]:
    connection = duckdb.connect()
    connection.execute(f"attach '{incremental}' as inc (read_only)")
    connection.execute(f"attach '{full}' as ful (read_only)")
    tables = [name for (name,) in connection.execute(
        "select table_name from information_schema.tables where table_catalog = 'ful' "
        "and table_schema = 'main' and table_type = 'BASE TABLE' order by 1").fetchall()
        if name not in SKIP_TABLES]
    found = []
    for table in tables:
        columns = [(name, kind) for name, kind in connection.execute(
            "select column_name, data_type from information_schema.columns "
            f"where table_catalog = 'ful' and table_name = '{table}' order by ordinal_position"
        ).fetchall() if name not in SKIP_COLUMNS and (table, name) not in SKIP_TABLE_COLUMNS]
        keys = ", ".join(f'"{n}"' for n, kind in columns if kind not in ("DOUBLE", "FLOAT")) or "1"
        select = ", ".join(f'"{n}"' for n, _ in columns)
        rows = {}
        for side in ("inc", "ful"):
            rows[side] = connection.execute(
                f'select {select} from {side}.main."{table}" order by {keys}').fetchall()
        if len(rows["inc"]) != len(rows["ful"]):
            found.append(f"{table}: {len(rows['inc'])} rows, full build {len(rows['ful'])}")
            continue
        for got, want in zip(rows["inc"], rows["ful"]):
            for (name, kind), a, b in zip(columns, got, want):
                same = (math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                        if kind in ("DOUBLE", "FLOAT") and a is not None and b is not None
                        else a == b)
                if not same:
                    found.append(f"{table}.{name}: {a!r} != {b!r} (full build) in {got}")
                    break
            else:
                continue
            break
    connection.close()
    return found


CUTS = ("2026-07-31", "2026-09-30", "9999-12-31")
# A GBP rate of an old date that the first export lacked.
WITHHELD_RATE = next((r["rate_date"], r["currency"]) for r in TABLES["fx_rates"][1]
                     if r["currency"] == "GBP" and r["rate_date"] >= "2025-03-01")


def unannounced(first: bool) -> dict:
    """Batch 4 (`first`) or 5: every demo row with batch 2's corrections,
    then changes no updated_at announces. Batch 4 stamps a line in 2099,
    which a watermark of the newest updated_at would never get past, and
    edits amounts, discounts, statuses and periods; batch 5 keeps that line,
    voids another one with an ordinary timestamp, and deletes lines, refunds
    and users and copies old lines."""
    tables = batch(CUTS[2], corrections=True)
    edits = [("future_updated_at", 0), ("amount", 3), ("discount", 5), ("status", 7),
             ("period", 11)]
    if not first:
        edits += [("delete_line", 13), ("delete_refund", 2), ("delete_user", 17),
                  ("copy_line", 19), ("copy_line", 23)]
    for kind, pick in edits:
        silent_edit(tables, kind, pick)
    if not first:
        lines = tables["invoice_line_items"][1]
        voided = next(r for r in lines if r["invoice_status"] == "paid"
                      and r["invoice_date"] >= "2026-10-01")
        voided.update(invoice_status="void", updated_at="2026-11-21 09:00:00")
    return tables


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("batches")
    return [
        write(folder / "batch1", batch(CUTS[0], corrections=False, withheld_rate=WITHHELD_RATE)),
        write(folder / "batch2", batch(CUTS[1], corrections=True)),
        write(folder / "batch3", batch(CUTS[2], corrections=True)),
        write(folder / "batch4", unannounced(first=True)),
        write(folder / "batch5", unannounced(first=False)),
    ]


def test_batches_change_what_they_should(batches):
    """The batches are what the module docstring says (a guard on the test
    itself: the corrections exist and later batches are larger)."""
    counts = [sum(1 for _ in open(b / "invoice_line_items.csv")) for b in batches]
    assert counts[0] < counts[1] < counts[2]
    second = {r["line_item_id"]: r for r in csv.DictReader(open(batches[1] / "invoice_line_items.csv"))}
    assert "li_late_0001" in second
    assert any(r["invoice_status"] == "void" and r["updated_at"].startswith("2026-09-29")
               for r in second.values())
    assert "ref_late_0001" in (batches[1] / "refunds.csv").read_text()
    assert ",".join(WITHHELD_RATE) not in (batches[0] / "fx_rates.csv").read_text()
    assert ",".join(WITHHELD_RATE) in (batches[1] / "fx_rates.csv").read_text()
    # Batches 4 and 5 differ from batch 3 without any new updated_at but one
    # line's 2099 and one void's.
    third, fourth, fifth = ({r["line_item_id"]: r for r in csv.DictReader(
        open(b / "invoice_line_items.csv"))} for b in batches[2:])
    stamps = {r["updated_at"] for r in third.values()}
    assert {r["updated_at"] for r in fourth.values()} - stamps == {"2099-01-01 00:00:00"}
    assert {r["updated_at"] for r in fifth.values()} - stamps == {
        "2099-01-01 00:00:00", "2026-11-21 09:00:00"}
    assert sum(fourth[k] != third[k] for k in third) == 4
    assert len(set(third) - set(fifth)) == 1
    def rows(number, table):
        return sum(1 for _ in open(batches[number - 1] / f"{table}.csv"))

    # Batch 5: one line deleted, the 2099 line kept, two copies.
    assert rows(5, "invoice_line_items") == rows(3, "invoice_line_items") - 1 + 1 + 2
    for table in ("refunds", "users"):
        assert rows(5, table) == rows(4, table) - 1


def land(batch_folder: Path, data: Path) -> Path:
    """The export lands in the same folder every day: an incremental build
    needs the folder of the published database."""
    shutil.copytree(batch_folder, data, dirs_exist_ok=True)
    return data


def test_each_incremental_build_equals_a_full_refresh(batches, tmp_path):
    database = tmp_path / "arpu.duckdb"
    mrr = []
    for number, batch_folder in enumerate(batches, start=1):
        data = land(batch_folder, tmp_path / "data")
        build = build_ok(data, database)
        mrr.append(dict(build.rows("select month, mrr from mart_arpu_monthly")))
        if number == 1:
            # The first build is the full build: nothing to compare yet.
            assert "Full build" in build.stdout
        else:
            assert "Incremental build:" in build.stdout, build.stdout
            (lines, checked), = build.rows(
                "select invoice_lines, invoice_lines_checked from arpu_build_info")
            assert 0 < checked < lines
            # Published from a copy of the last published file, its large
            # models by the keys replaced since (tests/test_delta_publish.py).
            assert "Published by updating a copy" in build.stderr, build.stderr
        # Lines stamped in the future (batch 3's corrections are dated the
        # day before its cut, 9999-12-31; batch 4 adds one of 2099) are read,
        # and the summary says they are odd.
        later = str(dt.date.today() + dt.timedelta(days=2))
        future = sum(1 for r in csv.DictReader(open(data / "invoice_line_items.csv"))
                     if r["updated_at"] >= later)
        assert future == {1: 0, 2: 0, 3: 4, 4: 5, 5: 5}[number]
        note = f"Note: {future:,} invoice lines have an updated_at after today"
        assert (note in build.stdout) == (future > 0), build.stdout
        if number > 1:
            full = build_ok(data, database_in(tmp_path / f"full{number}"), "--full-refresh")
            assert "Full build" in full.stdout
            assert differences(database, full.database) == [], f"batch {number}"
        if number == 2:
            # A build refused after dbt ran (an as-of date before every
            # line: no month to report) changes the working database and
            # publishes nothing; the next publish must carry its changes too.
            refused = run_build(data, database, "--as-of", "2020-01-01")
            assert refused.returncode == 2 and "no month to report" in refused.stderr, \
                refused.stderr
    # The same export again, nothing changed: still an incremental build,
    # still equal to the full one.
    again = build_ok(data, database)
    assert "Incremental build:" in again.stdout, again.stdout
    assert differences(database, full.database) == [], "batch 5 again"
    # The corrections reach the marts at all (else equality would prove
    # little): batch 2 changes the MRR of months long closed, and so do
    # batches 4 and 5, whose changes no updated_at announces.
    for before, after in ((0, 1), (2, 3), (3, 4)):
        changed = [month for month in mrr[after] if mrr[before].get(month) != mrr[after][month]]
        assert changed and min(changed) <= dt.date(2026, 6, 1), (before, after)


STAMPS = sorted({line_stamp(r) for r in TABLES["invoice_line_items"][1] if line_stamp(r)})


def random_steps(seed: int) -> list[tuple[str, list[tuple[str, int]]]]:
    """Five daily cuts of the demo, from the last two thirds of its
    history, each with one to four changes that no updated_at announces;
    then every row, with changes of its own. Drawn from a seeded generator,
    so that a failure is the same on every run and every machine."""
    draw = random.Random(seed)

    def edits() -> list[tuple[str, int]]:
        return [(draw.choice(SILENT_EDITS), draw.randrange(10_000))
                for _ in range(draw.randint(1, 4))]

    cuts = sorted(draw.sample(STAMPS[len(STAMPS) // 3:], 5))
    return [(cut, edits()) for cut in cuts] + [("9999-12-31", edits())]


def test_any_split_into_batches_with_silent_edits_ends_equal_to_a_full_build(tmp_path):
    """Random daily cuts of the demo, each with random changes that no
    updated_at announces (an edit of an earlier batch is undone by the next
    one, which is a change too), then all of it: after a full build and
    five incremental builds in a row, the last equals a full build of the
    last files."""
    steps = random_steps(seed=3)
    kinds = {kind for _, edits in steps for kind, _ in edits}
    assert kinds == set(SILENT_EDITS), f"the draw should make every kind of change: {steps}"
    database = tmp_path / "arpu.duckdb"
    for cut, edits in steps:
        tables = batch(cut, corrections=False)
        for kind, pick in edits:
            silent_edit(tables, kind, pick)
        build_ok(write(tmp_path / "data", tables), database)
    full = build_ok(tmp_path / "data", database_in(tmp_path / "full"), "--full-refresh")
    assert differences(database, full.database) == []
