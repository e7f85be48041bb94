#!/usr/bin/env python3
"""The benchmark of docs/benchmarks.md: `arpu build` against the floor.

    python scripts/bench.py [--sizes 100k 1m 10m] [--formats parquet csv]
                            [--json docs/benchmarks.json] [--data-root DIR]

For each size (invoice lines) and file format it
1. generates the data once (scripts/generate_billing.py, seed 42, 36
   months; cached under --data-root) and splits it into a first export
   and the next one: the next adds the last week's lines, restates 0.1% of
   the older lines (status or amount, with a new updated_at) and adds
   late lines for old months (about 2% of the lines in all: the generated
   business grows, so its last week is more than 1/156 of 36 months);
2. runs the floor, scripts/floor_arpu_monthly.sql: one hand-written DuckDB
   script computing mart_arpu_monthly from the first export's files;
3. runs `arpu build --full-refresh` on the first export, then lands the
   next export in the same folder and runs `arpu build` (incremental);
4. checks that the floor and the build agree on mart_arpu_monthly.

It prints a table and writes JSON: wall time and peak RSS of each run,
the ten slowest dbt nodes of the full build, and dbt's fixed cost per run
(wall time outside the nodes: start-up, parsing, publishing, summary).
Not part of the test suite: timings belong here, not in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arpu.runner import work_dir  # noqa: E402

# Invoice lines per generated account over 36 months (measured: 684,476
# lines from 60,000 accounts).
LINES_PER_ACCOUNT = 11.4
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
MONTHS = 36
SEED = 42
FLOOR = ROOT / "scripts" / "floor_arpu_monthly.sql"
COMPARED = ["month", "paying_accounts", "paying_users", "mrr", "arpa", "arpu", "new_accounts"]


def run_measured(command: list[str], **kwargs) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds, peak RSS in GB (of the process, or of the largest
    descendant it waited for, as the kernel keeps it: dbt runs in a child of
    `arpu`) and the finished process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, **kwargs)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(command, process.returncode, out.read(), err.read())
    return seconds, usage.ru_maxrss / 1024 / 1024, done


def must(done: subprocess.CompletedProcess, what: str) -> None:
    if done.returncode != 0:
        print(f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}",
              file=sys.stderr)
        sys.exit(1)


def prepare(size: str, file_format: str, root: Path) -> tuple[Path, Path, dict]:
    """The first and the next export of `size` lines (cached)."""
    folder = root / f"{size}-{file_format}-seed{SEED}"
    first, nxt, meta = folder / "first", folder / "next", folder / "meta.json"
    if meta.exists():
        return first, nxt, json.loads(meta.read_text())
    accounts = max(40, round(SIZES[size] / LINES_PER_ACCOUNT))
    full = folder / "full"
    shutil.rmtree(first, ignore_errors=True)
    shutil.rmtree(nxt, ignore_errors=True)
    started = time.perf_counter()
    if not full.is_dir():  # written under another name, renamed when complete
        partial = folder / "full.partial"
        shutil.rmtree(partial, ignore_errors=True)
        must(subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "generate_billing.py"), "--out", str(partial),
             "--accounts", str(accounts), "--months", str(MONTHS), "--seed", str(SEED),
             "--format", file_format],
            capture_output=True, text=True), "generate_billing.py")
        partial.rename(full)
    generated = time.perf_counter() - started
    counts = split(full, first, nxt, file_format)
    shutil.rmtree(full)
    info = {"accounts": accounts, "generate_seconds": round(generated, 1), **counts}
    meta.write_text(json.dumps(info, indent=2))
    return first, nxt, info


def split(full: Path, first: Path, nxt: Path, file_format: str) -> dict:
    """first: every line stamped before the last week. next: all lines, with
    0.1% of the older ones restated (every 2,000th voided, every other
    1,000th +1.00) and one late line per 5,000 older ones, all stamped in
    the last week."""
    import duckdb

    first.mkdir(parents=True)
    nxt.mkdir(parents=True)
    for table in full.iterdir():
        if table.stem != "invoice_line_items":
            shutil.copy(table, first / table.name)
            shutil.copy(table, nxt / table.name)
    source = full / f"invoice_line_items.{file_format}"
    reader = (f"read_csv('{source}', header = true, all_varchar = true, quote = '\"', escape = '\"')"
              if file_format == "csv"
              else f"read_parquet('{source}')")
    write = "(format csv, header true)" if file_format == "csv" else "(format parquet)"
    connection = duckdb.connect()
    connection.execute(f"""
        create table lines as
        select *, row_number() over () as n,
            coalesce(try_cast(updated_at as timestamp), try_cast(invoice_date as timestamp)) as stamp
        from {reader}""")
    cut = connection.execute("select max(stamp) - interval 7 day from lines").fetchone()[0]
    restamp = f"strftime(timestamp '{cut}' + interval 3 day, '%Y-%m-%d %H:%M:%S')"
    columns = [name for name, *_ in connection.execute("describe select * from " + reader).fetchall()]
    plain = ", ".join(columns)
    changed = ", ".join(
        f"case when n % 2000 = 0 then 'void' else invoice_status end as invoice_status"
        if c == "invoice_status" else
        "case when n % 2000 != 0 and try_cast(amount as decimal(18, 2)) is not null "
        "then cast(cast(amount as decimal(18, 2)) + 1 as varchar) else amount end as amount"
        if c == "amount" else f"{restamp} as updated_at" if c == "updated_at" else c
        for c in columns)
    late = ", ".join(
        "'late_' || line_item_id as line_item_id" if c == "line_item_id" else
        "'late_' || invoice_id as invoice_id" if c == "invoice_id" else
        f"{restamp} as updated_at" if c == "updated_at" else c
        for c in columns)
    connection.execute(f"copy (select {plain} from lines where stamp <= '{cut}' or stamp is null) "
                       f"to '{first / source.name}' {write}")
    connection.execute(f"""
        copy (
            select {plain} from lines where stamp > '{cut}' or (stamp <= '{cut}' and n % 1000 != 0)
            union all
            select {changed} from lines where stamp <= '{cut}' and n % 1000 = 0
            union all
            select {late} from lines where stamp <= '{cut}' and n % 5000 = 7
        ) to '{nxt / source.name}' {write}""")
    total, older = connection.execute(
        f"select count(*), count(*) filter (where stamp <= '{cut}' or stamp is null) from lines"
    ).fetchone()
    connection.close()
    return {"lines": total, "lines_first_export": older,
            "lines_new_or_changed": (total - older) + older // 1000 + older // 5000}


def floor(data: Path, file_format: str) -> tuple[float, float, list]:
    csv_options = (", header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
                   "max_line_size = 1000000000") if file_format == "csv" else ""
    sql = (FLOOR.read_text().replace("{data_dir}", str(data)).replace("{ext}", file_format)
           .replace("{csv_options}", csv_options))
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(sql)
    code = ("import duckdb, json, sys; "
            "c = duckdb.connect(); c.execute('set enable_progress_bar = false'); "
            "rows = c.execute(open(sys.argv[1]).read()).fetchall(); "
            "cols = [d[0] for d in c.description]; "
            "print(json.dumps([dict(zip(cols, r)) for r in rows], default=str))")
    seconds, rss, done = run_measured([sys.executable, "-c", code, handle.name])
    os.unlink(handle.name)
    must(done, "the floor")
    return seconds, rss, json.loads(done.stdout)


def arpu_build(data: Path, database: Path, *extra: str) -> tuple[float, float, dict, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    seconds, rss, done = run_measured(
        [sys.executable, "-m", "arpu.cli", "build", "--data", str(data), "--database",
         str(database), *extra], env=env, cwd=ROOT)
    must(done, "arpu build")
    results = json.loads((work_dir(database) / "target" / "run_results.json").read_text())
    return seconds, rss, results, done.stdout


def node_span(results: dict) -> float:
    """Seconds from the first node's start to the last node's end."""
    stamps = [(t["started_at"], t["completed_at"]) for r in results["results"]
              for t in r["timing"] if t.get("started_at")]
    if not stamps:
        return 0.0
    first = min(dt.datetime.fromisoformat(s.rstrip("Z")) for s, _ in stamps)
    last = max(dt.datetime.fromisoformat(e.rstrip("Z")) for _, e in stamps)
    return (last - first).total_seconds()


def slowest(results: dict, count: int = 10) -> list[list]:
    ranked = sorted(results["results"], key=lambda r: r["execution_time"], reverse=True)
    return [[r["unique_id"].split(".", 2)[-1], round(r["execution_time"], 1)] for r in ranked[:count]]


def mart_rows(database: Path) -> list[dict]:
    import duckdb

    connection = duckdb.connect(str(database), read_only=True)
    try:
        cursor = connection.execute(f"select {', '.join(COMPARED)} from mart_arpu_monthly order by month")
        return [dict(zip(COMPARED, (str(v) for v in row))) for row in cursor.fetchall()]
    finally:
        connection.close()


def run(size: str, file_format: str, root: Path) -> dict:
    first, nxt, meta = prepare(size, file_format, root)
    with tempfile.TemporaryDirectory(prefix="arpu-bench-") as folder:
        data, database = Path(folder) / "data", Path(folder) / "arpu.duckdb"
        shutil.copytree(first, data)
        floor_seconds, floor_rss, floor_rows = floor(data, file_format)
        full_seconds, full_rss, results, _ = arpu_build(data, database, "--full-refresh")
        built = mart_rows(database)
        wanted = [{k: str(v) for k, v in row.items() if k in COMPARED} for row in floor_rows]
        agree = built == wanted
        for table in nxt.iterdir():
            shutil.copy(table, data / table.name)
        inc_seconds, inc_rss, inc_results, inc_out = arpu_build(data, database)
        if "Incremental build:" not in inc_out:
            print(f"expected an incremental build:\n{inc_out}", file=sys.stderr)
            sys.exit(1)
    return {
        "size": size, "format": file_format, **meta,
        "floor_seconds": round(floor_seconds, 1), "floor_peak_rss_gb": round(floor_rss, 2),
        "build_seconds": round(full_seconds, 1), "build_peak_rss_gb": round(full_rss, 2),
        "build_to_floor": round(full_seconds / floor_seconds, 2),
        "build_fixed_seconds": round(full_seconds - node_span(results), 1),
        "slowest_nodes": slowest(results),
        "incremental_seconds": round(inc_seconds, 1), "incremental_peak_rss_gb": round(inc_rss, 2),
        "incremental_to_build": round(inc_seconds / full_seconds, 3),
        "incremental_fixed_seconds": round(inc_seconds - node_span(inc_results), 1),
        "incremental_slowest_nodes": slowest(inc_results, 5),
        "floor_equals_build": agree,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100k", "1m", "10m"], choices=list(SIZES))
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"], choices=["parquet", "csv"])
    parser.add_argument("--json", type=Path, default=ROOT / "docs" / "benchmarks.json")
    parser.add_argument("--memory-limit", default=None,
                        help="ARPU_DUCKDB_MEMORY_LIMIT for the builds (default: the profile's, 3GB)")
    parser.add_argument("--data-root", type=Path,
                        default=Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                        / "arpu-bench")
    args = parser.parse_args()
    if args.memory_limit:
        os.environ["ARPU_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    args.data_root.mkdir(parents=True, exist_ok=True)
    header = (f"{'size':>5} {'format':>7} {'lines':>11} {'floor s':>8} {'build s':>8} {'x floor':>8} "
              f"{'fixed s':>8} {'RSS GB':>7} {'incr s':>7} {'incr %':>7} {'floor=build':>11}")
    print(header)
    runs = []
    for size in args.sizes:
        for file_format in args.formats:
            r = run(size, file_format, args.data_root)
            runs.append(r)
            print(f"{size:>5} {file_format:>7} {r['lines']:>11,} {r['floor_seconds']:>8} "
                  f"{r['build_seconds']:>8} {r['build_to_floor']:>8} {r['build_fixed_seconds']:>8} "
                  f"{r['build_peak_rss_gb']:>7} {r['incremental_seconds']:>7} "
                  f"{100 * r['incremental_to_build']:>6.1f}% {str(r['floor_equals_build']):>11}",
                  flush=True)
            print("      slowest: " + ", ".join(f"{n} {s}s" for n, s in r["slowest_nodes"][:5]),
                  flush=True)
            args.json.write_text(json.dumps({
                "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                            "system": platform.platform()},
                "memory_limit": os.environ.get("ARPU_DUCKDB_MEMORY_LIMIT", "3GB (default)"),
                "measured_on": dt.date.today().isoformat(),
                "runs": runs,
            }, indent=2) + "\n")
    if not all(r["floor_equals_build"] for r in runs):
        print("The floor and the build disagree on mart_arpu_monthly.", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
