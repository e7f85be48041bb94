"""Time `arpu build` on generated data of growing size.

    python scripts/benchmark.py [--accounts 400 2000 8000] [--months 27]

Generates each dataset with scripts/generate_billing.py (seeded), builds it
into a fresh DuckDB file and prints rows, wall time and the slowest dbt
nodes (from run_results.json). Not part of the test suite: timings belong
here, not in tests."""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arpu.runner import work_dir  # noqa: E402


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_billing", ROOT / "scripts" / "generate_billing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[400, 2000, 8000])
    parser.add_argument("--months", type=int, default=27)
    args = parser.parse_args()
    generator = load_generator()
    print(f"{'accounts':>9} {'lines':>9} {'seconds':>8}  slowest nodes")
    for accounts in args.accounts:
        with tempfile.TemporaryDirectory(prefix="arpu-bench-") as folder:
            data, database = Path(folder) / "data", Path(folder) / "arpu.duckdb"
            counts = generator.generate(data, accounts=accounts, months=args.months)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "arpu.cli", "build", "--data", str(data), "--database", str(database)],
                capture_output=True, text=True, cwd=ROOT,
            )
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                print(done.stderr[-2000:], file=sys.stderr)
                sys.exit(done.returncode)
            results = json.loads((work_dir(database) / "target" / "run_results.json").read_text())
            slowest = sorted(results["results"], key=lambda r: r["execution_time"], reverse=True)[:3]
            nodes = ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}s" for r in slowest)
            print(f"{accounts:>9,} {counts['invoice_line_items']:>9,} {seconds:>8.1f}  {nodes}")


if __name__ == "__main__":
    main()
