"""`arpu report` on a small base worked out by hand: the headline numbers
on the page, one inlined copy of plotly.js and nothing fetched, the
targets file's errors, every refusal leaving the output file alone, --out
replacing only a page of its own, and the last 120 months of a database
built as of 9999-12-31. The browser test is tests/test_report_browser.py."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from plotly.offline import get_plotlyjs_version

from conftest import ROOT, build_env, build_ok, database_in, monthly_lines, span, write_tables

from arpu.cli import main
from arpu.report import read_marts
from arpu.report_page import PLOTLY_JS, render

D = Decimal

# The base (USD, monthly lines [1st, 1st of the next month), invoiced on the 1st):
#   A: 100 in Jan-Feb 2025, 150 in Mar-Apr (plan pro), 2 users.
#   B: 300 in Jan-Mar 2025 (plan enterprise), no users: counts 1. Churns in April.
#   C: 250 in Apr 2025 (plan enterprise), 3 users. New in April.
#   D: 100 in Apr 2025 (plan starter), no users: counts 1. New in April.
# The latest paid invoice is dated 2025-04-01: the as-of date, so April is
# a partial month (its snapshot is April 1, which every April line covers).
PLANS = [
    {"plan_id": "p_starter", "tier": "starter", "tier_rank": "1"},
    {"plan_id": "p_pro", "tier": "pro", "tier_rank": "2"},
    {"plan_id": "p_ent", "tier": "enterprise", "tier_rank": "3"},
]
LINES = (
    monthly_lines("A", "100", span((2025, 1), (2025, 2)), plan="p_pro")
    + monthly_lines("A", "150", span((2025, 3), (2025, 4)), plan="p_pro")
    + monthly_lines("B", "300", span((2025, 1), (2025, 3)), plan="p_ent")
    + monthly_lines("C", "250", [(2025, 4)], plan="p_ent")
    + monthly_lines("D", "100", [(2025, 4)], plan="p_starter")
)
USERS = (
    [{"user_id": f"a{i}", "account_id": "A", "created_at": "2024-12-01"} for i in range(2)]
    + [{"user_id": f"c{i}", "account_id": "C", "created_at": "2025-03-20"} for i in range(3)]
)
ACCOUNTS = [{"account_id": a, "created_at": "2024-12-01"} for a in "ABCD"]

# By hand, March and April 2025.
MRR_MARCH = D(150) + D(300)               # A, B
MRR_APRIL = D(150) + D(250) + D(100)      # A, C, D
ACCOUNTS_MARCH, ACCOUNTS_APRIL = 2, 3
USERS_MARCH = 2 + 1                       # A's 2 users; B has none and counts 1
USERS_APRIL = 2 + 3 + 1                   # A, C, D (none: 1)
ARPA_MARCH, ARPA_APRIL = MRR_MARCH / ACCOUNTS_MARCH, MRR_APRIL / ACCOUNTS_APRIL
ARPU_MARCH, ARPU_APRIL = MRR_MARCH / USERS_MARCH, MRR_APRIL / USERS_APRIL
# April's account MRRs 100, 150, 250: the median is the middle one; p90
# interpolates linearly at (3 - 1) * 0.9 = 1.8, between 150 and 250.
APRIL_MRRS = [100.0, 150.0, 250.0]
MEDIAN_APRIL = D(150)
P90_APRIL = D(150) + D("0.8") * (D(250) - D(150))

CHARTS = ["chart-trend", "chart-arpa-arpu", "chart-segments", "chart-cohort-curves",
          "chart-cohort-retention", "chart-mrr-histogram", "chart-mrr-waterfall",
          "chart-mrr-bridge", "chart-arpa-mix", "chart-retention", "chart-unit-economics"]
GOOD_TARGETS = "month,metric,target\n2025-03,arpa,220\n2025-04-01,arpa,180\n2025-04,arpu,90.5\n"


def money(value: Decimal) -> str:
    return f"{value.quantize(D('0.01'), rounding=ROUND_HALF_UP):,}"


def signed_money(value: Decimal) -> str:
    return ("+" if value > 0 else "") + money(value)


def percent(ratio: Decimal) -> str:
    return f"{float(ratio) * 100:+.1f}%"


def build_all(folder: Path, datasets: dict[str, dict],
              options: dict[str, list[str]] | None = None) -> dict[str, Path]:
    """Build each dataset with `arpu build` (and its options) into its own
    file."""
    return {name: build_ok(write_tables(folder / name, tables),
                           database_in(folder / f"{name}_build"),
                           *(options or {}).get(name, [])).database
            for name, tables in datasets.items()}


SMALL = {"accounts": ACCOUNTS, "plans": PLANS, "invoice_line_items": LINES, "users": USERS}


@pytest.fixture(scope="module")
def databases(tmp_path_factory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("report"), {
        "small": SMALL,
        # The small base as of 9999-12-31: months 2025-01 to 9999-12.
        "far": SMALL,
        # Lines that count, so months are reported, but none recurring: nobody pays.
        "unpaid": {"accounts": [{"account_id": "a", "created_at": "2025-01-01"}],
                   "invoice_line_items": [
                       {"line_item_id": "setup", "invoice_id": "i1", "account_id": "a",
                        "charge_type": "one_time", "amount": "500", "currency": "USD",
                        "invoice_date": "2025-01-05", "invoice_status": "paid"}]},
    }, options={"far": ["--as-of", "9999-12-31"]})


@pytest.fixture(scope="module")
def small(databases) -> Path:
    return databases["small"]


def run_report(*arguments: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["report", *arguments], env=env)


@pytest.fixture(scope="module")
def page(small, tmp_path_factory) -> str:
    """The page of the small base, written by the real command line."""
    out = tmp_path_factory.mktemp("page") / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "arpu.cli", "report", "--database", str(small), "--out", str(out)],
        capture_output=True, text=True, env=build_env(), cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    return out.read_text(encoding="utf-8")


def card(page: str, key: str) -> tuple[str, str, str]:
    """The value, change and detail lines of a headline card."""
    match = re.search(
        rf'id="kpi-{key}">.*?class="kpi-value">([^<]*)<.*?class="kpi-change[^"]*">([^<]*)<'
        r'.*?class="kpi-detail">([^<]*)<', page, re.S)
    assert match, f"no headline card {key}"
    return match.groups()


def figure(page: str, chart_id: str) -> tuple[list, dict]:
    """A chart's data and layout, as passed to Plotly.newPlot."""
    match = re.search(rf'Plotly\.newPlot\(\s*"{re.escape(chart_id)}",\s*', page)
    assert match, f"no chart {chart_id}"
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(page, match.end())
    layout, _ = decoder.raw_decode(page, re.compile(r",\s*").match(page, end).end())
    return data, layout


# --- the page of the small base ----------------------------------------------


def test_headline_numbers_are_those_worked_out_by_hand(page):
    # April is partial (a snapshot on April 1): compared, uncoloured, and said so.
    vs = "vs March 2025 (partial vs whole month)"
    assert card(page, "mrr")[:2] == (money(MRR_APRIL),
                                     f"{signed_money(MRR_APRIL - MRR_MARCH)} {vs}")
    assert card(page, "arr")[:2] == (money(12 * MRR_APRIL),
                                     f"{signed_money(12 * (MRR_APRIL - MRR_MARCH))} {vs}")
    # ARPA 500 / 3 = 166.67, against 450 / 2 = 225: -25.9%.
    assert card(page, "arpa")[:2] == (money(ARPA_APRIL),
                                      f"{percent(ARPA_APRIL / ARPA_MARCH - 1)} {vs}")
    assert card(page, "arpa") == ("166.67", f"-25.9% {vs}",
                                  f"MRR per paying account; median {money(MEDIAN_APRIL)}")
    # ARPU 500 / 6 = 83.33, against 450 / 3 = 150: -44.4%.
    assert card(page, "arpu") == (money(ARPU_APRIL),
                                  f"{percent(ARPU_APRIL / ARPU_MARCH - 1)} {vs}",
                                  f"MRR per paying user; {USERS_APRIL} paying users")
    assert card(page, "accounts") == (
        str(ACCOUNTS_APRIL), f"+{ACCOUNTS_APRIL - ACCOUNTS_MARCH} {vs}",
        "2 new, 0 reactivated, 1 churned")


def test_a_partial_month_is_compared_uncoloured_and_drawn_apart(small):
    """Against a whole month the partial as-of month's change is not like
    for like: grey, not green or red; every chart of months shades it."""
    marts = read_marts(small)
    partial = render(marts)
    assert re.search(r'id="kpi-mrr">.*?class="kpi-change flat"', partial, re.S)
    for chart_id in ("chart-trend", "chart-arpa-arpu", "chart-retention", "chart-mrr-bridge",
                     "chart-unit-economics"):
        _, layout = figure(partial, chart_id)
        bands = [shape for shape in layout["shapes"] if shape["type"] == "rect"]
        assert bands and all(band["x0"].startswith("2025-03-1") for band in bands), chart_id
        assert any(note["text"] == "partial" for note in layout["annotations"]), chart_id
    marts.build["is_as_of_month_partial"] = False
    whole = render(marts)
    assert re.search(r'id="kpi-mrr">.*?class="kpi-change up"', whole, re.S)
    _, layout = figure(whole, "chart-trend")
    assert not [shape for shape in layout.get("shapes", []) if shape["type"] == "rect"]


def test_as_of_date_partial_month_and_build_info(page):
    assert "<title>ARPU report as of 2025-04-01</title>" in page
    assert "April 2025 is a partial month: the as-of date is 2025-04-01" in page
    build_info = re.search(r'id="build-info">([^<]*)<', page)[1]
    assert "As of 2025-04-01 · 4 months reported (2025-01 to 2025-04)" in build_info
    assert "reporting currency USD" in build_info
    assert f"{len(LINES)} invoice lines" in build_info


def test_the_partial_note_follows_the_build_info(small, databases):
    """The build decides whether the as-of month is partial
    (arpu_build_info.is_as_of_month_partial); the page only says it."""
    marts = read_marts(small)
    assert marts.build["is_as_of_month_partial"] is True
    marts.build["is_as_of_month_partial"] = False
    assert "partial month" not in render(marts)
    # As of 9999-12-31, a month's last day.
    assert read_marts(databases["far"]).build["is_as_of_month_partial"] is False


def test_segments_are_ranked_by_the_bar_the_build_used(small, tmp_path):
    """A build with `--vars '{arpu_min_segment_accounts: 1}'` records 1 in
    arpu_build_info; the page ranks by it, not by the project's default."""
    copy = tmp_path / "bar.duckdb"
    shutil.copyfile(small, copy)
    connection = duckdb.connect(str(copy))
    connection.execute("update main.arpu_build_info set min_segment_accounts = 1")
    connection.close()
    default = read_marts(small)
    assert default.min_segment_accounts == 10
    # The small base has four accounts: no segment reaches 10.
    assert "none has 10 accounts: all ranked" in render(default)
    marts = read_marts(copy)
    assert marts.min_segment_accounts == 1
    page = render(marts)
    assert "among segments with at least 1 paying accounts" in page
    assert "all ranked" not in page


def test_histogram_marks_the_marts_median_and_p90(page):
    data, layout = figure(page, "chart-mrr-histogram")
    # Binned on a log scale: the accounts' log10(MRR), ticks labelled in money.
    assert sorted(data[0]["x"]) == pytest.approx([math.log10(mrr) for mrr in APRIL_MRRS])
    lines = sorted(shape["x0"] for shape in layout["shapes"])
    assert lines == pytest.approx(sorted(math.log10(value) for value in (
        MEDIAN_APRIL, P90_APRIL, ARPA_APRIL)))
    ticks = dict(zip(layout["xaxis"]["ticktext"], layout["xaxis"]["tickvals"]))
    assert ticks["100"] == pytest.approx(2) and ticks["200"] == pytest.approx(math.log10(200))
    labels = {annotation["text"].strip() for annotation in layout["annotations"]}
    assert {f"median {money(MEDIAN_APRIL)}", f"p90 {money(P90_APRIL)}"} <= labels


def test_waterfall_of_april(page):
    data, _ = figure(page, "chart-mrr-waterfall")
    # Opening 450; B's 300 churned; C and D new, 350; A unchanged.
    assert data[0]["y"] == [450.0, 350.0, 0.0, 0.0, 0.0, -300.0, 0.0, 500.0]
    # Totals stand on zero; each movement on the level before it: 450,
    # then 800 after the new accounts, 500 after B's churn.
    assert data[0]["base"] == [0.0, 450.0, 800.0, 800.0, 800.0, 800.0, 500.0, 0.0]
    colours = data[0]["marker"]["color"]
    assert colours[0] == colours[-1] != colours[1] != colours[5]


def test_mrr_and_accounts_trend_by_hand(page):
    data, layout = figure(page, "chart-trend")
    traces = {trace["name"]: trace for trace in data}
    # MRR: Jan and Feb A 100 + B 300; Mar A 150 + B 300; Apr A, C, D.
    assert traces["MRR"]["y"] == [400.0, 400.0, float(MRR_MARCH), float(MRR_APRIL)]
    assert traces["MRR"]["customdata"][-1] == money(12 * MRR_APRIL)
    assert traces["paying accounts"]["y"] == [2, 2, ACCOUNTS_MARCH, ACCOUNTS_APRIL]
    # Jan: A and B new (400). Mar: A expands by 50. Apr: C and D new (350),
    # B churns (300, drawn down).
    assert traces["new MRR"]["y"] == [400.0, 0.0, 0.0, 350.0]
    assert traces["expansion MRR"]["y"] == [0.0, 0.0, 50.0, 0.0]
    assert traces["churned MRR"]["y"] == [-0.0, -0.0, -0.0, -300.0]
    assert traces["new accounts"]["y"] == [2, 0, 0, 2]
    assert traces["churned accounts"]["y"] == [0, 0, 0, -1]
    # Counts get whole-number ticks, and a short history a tick per month.
    assert layout["yaxis2"]["tickformat"] == ",d" and layout["yaxis2"]["dtick"] == 1
    assert layout["xaxis"]["dtick"] == "M1"


def test_unit_economics_by_hand(page):
    data, _ = figure(page, "chart-unit-economics")
    traces = {trace["name"]: trace["y"] for trace in data}
    # April: B, one of March's 2 paying accounts, stopped paying.
    assert traces["churn in the month"][-1] == pytest.approx(0.5)
    # 12-month rate in April: 1 churned over Jan..Apr / paying Dec..Mar (0 + 2 + 2 + 2).
    assert traces["monthly churn, 12-month rate"][-1] == pytest.approx(1 / 6)
    # LTV = ARPA 166.67 x 0.8 / (1/6); no acquisition spend: no CAC.
    assert traces["LTV"][-1] == pytest.approx(float(ARPA_APRIL) * 0.8 * 6)
    assert traces["CAC"] == [None] * 4
    assert "No acquisition_spend row covers April 2025" in page


def test_top_and_bottom_segment_of_the_as_of_month(page):
    # plan_tier in April: enterprise (C, 250), pro (A, 150), starter (D, 100).
    row = re.search(r"<td><code>plan_tier</code></td><td>(.*?)</td><td>(.*?)</td>", page)
    assert re.sub("<[^>]+>", "", row[1]) == "enterprise 250.00 (1 account)"
    assert re.sub("<[^>]+>", "", row[2]) == "starter 100.00 (1 account)"


def test_retention_by_hand(page):
    # Four months: no account paid a year before April 2025.
    assert card(page, "nrr") == ("-", "GRR -", "nobody paid in April 2024: no 12-month "
                                 "retention yet")
    data, _ = figure(page, "chart-retention")
    traces = {trace["name"]: trace["y"] for trace in data}
    # Jan: no month before. Feb: A 100 and B 300 again. Mar: A 150 (cut at
    # 100 for GRR), B 300. Apr: of A 150 and B 300, A stays at 150, B churns.
    assert traces["NRR, 1 month"] == pytest.approx([None, 1.0, 450 / 400, 150 / 450])
    assert traces["GRR, 1 month"] == pytest.approx([None, 1.0, 1.0, 150 / 450])
    assert traces["NRR, 12 months"] == [None] * 4
    # Nothing lost until April: new 350 (C, D) over churned 300 (B).
    assert traces["quick ratio"] == pytest.approx([None, None, None, 350 / 300])
    # The largest tenth is the largest account: B (300 of 400, 450), C (250 of 500).
    assert traces["largest 10% of accounts"] == pytest.approx(
        [300 / 400, 300 / 400, 300 / 450, 250 / 500])
    assert traces["10 largest accounts"] == pytest.approx([1.0] * 4)


def test_every_chart_is_on_the_page_with_data(page):
    for chart_id in CHARTS:
        data, _ = figure(page, chart_id)
        assert data, chart_id
    assert "chart-targets" not in page
    assert "No targets given" in page and "arpu report --targets targets.csv" in page


def test_alerts_of_the_as_of_month(page):
    # All accounts: ARPA -25.9% and ARPU -44.4% are below -5%; new ARPA
    # (250 + 100) / 2 = 175 is not below 166.67.
    alerts = page[page.index('id="alerts"'):]
    assert "<code>arpa_decline</code></td><td>all accounts</td>" in alerts
    assert "<code>arpu_decline</code></td><td>all accounts</td>" in alerts
    assert "new_below_blended</code></td><td>all" not in alerts
    # Grouped first: one line per type, the whole base's value, no segment
    # alert (every segment type has fewer than 10 accounts).
    groups = re.findall(r'<tr><td><span title="(\w+)">([^<]*)</span></td>'
                        r'<td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', alerts)
    # In the marts' order: the larger fall first.
    assert groups == [("arpu_decline", "ARPU fell", "1", "-44.4%", "-"),
                      ("arpa_decline", "ARPA fell", "1", "-25.9%", "-")]


def test_one_copy_of_plotly_and_nothing_to_fetch(page):
    plotly_js = PLOTLY_JS.read_text(encoding="utf-8")
    assert page.count(plotly_js) == 1
    # No second bundle, and the cartesian one is of the installed plotly's
    # plotly.js major version (the figures' JSON is written for it).
    assert page.count("plotly.js (cartesian - minified) v") == 1
    assert page.count("plotly.js v") == 0
    major = get_plotlyjs_version().split(".")[0]
    assert re.search(rf"\(cartesian - minified\) v{major}\.\d+\.\d+\n", plotly_js)
    # plotly.js itself names URLs (map tiles, its CDN) it never loads for
    # these charts; the browser test checks that nothing is requested.
    rest = page.replace(plotly_js, "", 1)
    assert not re.search(r"<script[^>]*\bsrc\s*=", rest, re.I)
    assert not re.search(r"<link\b", rest, re.I)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", rest, re.I)
    assert not re.search(r"url\(", rest, re.I)
    assert not re.search(r"@import|https?://|cdn\.plot\.ly|mathjax", rest, re.I)


def test_the_database_is_read_not_written(small, tmp_path):
    before = small.read_bytes()
    assert run_report("--database", str(small), "--out", str(tmp_path / "r.html")).exit_code == 0
    assert small.read_bytes() == before


def test_database_from_the_environment_and_another_mix_segment_type(small, tmp_path):
    out = tmp_path / "r.html"
    result = run_report("--out", str(out), "--mix-segment-type", "tenure_band",
                        env={"ARPU_DATABASE": str(small)})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    assert "ARPA change split by tenure_band" in out.read_text(encoding="utf-8")


def test_good_targets_are_drawn(small, tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text(GOOD_TARGETS, encoding="utf-8")
    out = tmp_path / "r.html"
    result = run_report("--database", str(small), "--out", str(out), "--targets", str(targets))
    assert result.exit_code == 0, result.output
    data, _ = figure(out.read_text(encoding="utf-8"), "chart-targets")
    traces = {trace["name"]: trace for trace in data}
    assert traces["ARPA target"]["x"] == ["2025-03-01", "2025-04-01"]
    assert traces["ARPA target"]["y"] == [220.0, 180.0]
    assert traces["ARPU target"]["y"] == [90.5]
    assert traces["ARPA actual"]["y"][-1] == pytest.approx(float(ARPA_APRIL))


# --- refusals: exit 2, a clear message, nothing written -----------------------


# A report of an earlier run, cut short: its marker is what lets a run
# replace it.
OLD_PAGE = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="generator" content="arpu report 0.1.0">\n'
            "<title>the last good page</title>\n</head>\n</html>\n")


@pytest.fixture
def old_page(tmp_path) -> Path:
    """A report from an earlier run: a refused run leaves it byte for byte."""
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    out.write_text(OLD_PAGE)
    return out


def assert_refused(result, out: Path, *messages: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: "), result.output
    for message in messages:
        assert message in result.output
    assert "Traceback" not in result.output
    assert out.read_text() == OLD_PAGE
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


BAD_TARGETS = {
    "empty": ("", "is empty: expected the header month,metric,target"),
    "blank lines only": ("\n\n", "is empty: expected the header month,metric,target"),
    "bad header": ("month,metric,value\n2025-03,arpa,1\n",
                   "line 1: the header is 'month,metric,value'; expected month,metric,target."),
    "header only": ("month,metric,target\n", "has a header but no target rows."),
    "bad month": ("month,metric,target\n2025-03,arpa,1\n2025-13,arpa,1\n",
                  "line 3: month '2025-13' is not a month YYYY-MM or YYYY-MM-01."),
    "not a first day": ("month,metric,target\n2025-03-15,arpa,1\n",
                        "line 2: month '2025-03-15' is not a month"),
    "unknown metric": ("month,metric,target\n2025-03,mrr,1\n",
                       "line 2: metric 'mrr' is not arpa or arpu."),
    "negative": ("month,metric,target\n2025-03,arpa,-5\n",
                 "line 2: target '-5' is not a non-negative decimal number"),
    "exponent": ("month,metric,target\n2025-03,arpa,1e3\n", "line 2: target '1e3' is not"),
    "separator": ('month,metric,target\n2025-03,arpa,"1,200"\n', "line 2: target '1,200' is not"),
    "empty target": ("month,metric,target\n2025-03,arpa,\n", "line 2: target '' is not"),
    "missing field": ("month,metric,target\n2025-03,arpa\n",
                      "line 2: 2 fields; expected 3 (month,metric,target)."),
    "duplicate": ("month,metric,target\n2025-03,arpa,1\n2025-04,arpa,1\n2025-03-01,ARPA,2\n",
                  "line 4: a second arpa target for 2025-03 (the first is on line 2)."),
}


@pytest.mark.parametrize("kind", BAD_TARGETS)
def test_bad_targets_file(kind, small, old_page, tmp_path):
    text, message = BAD_TARGETS[kind]
    targets = tmp_path / "targets.csv"
    targets.write_text(text, encoding="utf-8")
    result = run_report("--database", str(small), "--out", str(old_page),
                        "--targets", str(targets))
    assert_refused(result, old_page, f"error: {targets}", message, "Nothing was written.")


def test_targets_file_not_utf8_or_missing(small, old_page, tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_bytes(b"month,metric,target\n2025-03,arpa,\xe9\n")
    assert_refused(run_report("--database", str(small), "--out", str(old_page),
                              "--targets", str(targets)), old_page, "not UTF-8 text")
    assert_refused(run_report("--database", str(small), "--out", str(old_page),
                              "--targets", str(tmp_path / "none.csv")),
                   old_page, "none.csv: No such file or directory.")


def test_missing_database(old_page, tmp_path):
    database = tmp_path / "nowhere.duckdb"
    assert_refused(run_report("--database", str(database), "--out", str(old_page)), old_page,
                   f"error: {database} does not exist: run `arpu build` first.")


def test_a_file_that_is_not_a_duckdb_database(old_page, tmp_path):
    database = tmp_path / "notes.duckdb"
    database.write_text("not a database")
    assert_refused(run_report("--database", str(database), "--out", str(old_page)), old_page,
                   f"{database} cannot be opened as a DuckDB database", "run `arpu build` first")
    assert database.read_text() == "not a database"


def test_a_duckdb_file_without_the_marts(old_page, tmp_path):
    database = tmp_path / "other.duckdb"
    connection = duckdb.connect(str(database))
    connection.execute("create table main.mart_arpu_monthly (month date)")
    connection.close()
    assert_refused(run_report("--database", str(database), "--out", str(old_page)), old_page,
                   f"{database} has no table main.arpu_build_info, main.mart_arpu_by_segment",
                   "main.mart_arpu_alerts", "Run `arpu build` first")


def test_a_build_in_which_nobody_pays(databases, old_page):
    unpaid = databases["unpaid"]
    months = duckdb.connect(str(unpaid), read_only=True).execute(
        "select count(*), max(paying_accounts) from main.mart_arpu_monthly").fetchone()
    assert months == (1, 0)  # the build succeeded, with a month and nobody paying
    assert_refused(run_report("--database", str(unpaid), "--out", str(old_page)), old_page,
                   f"{unpaid} has no month with a paying account (mart_arpu_monthly has only "
                   "months where nobody pays, as of 2025-01-05): nothing to report",
                   "run `arpu build` again")


def test_unknown_mix_segment_type(small, old_page):
    assert_refused(
        run_report("--database", str(small), "--out", str(old_page), "--mix-segment-type", "plan"),
        old_page,
        "error: unknown --mix-segment-type 'plan'; valid ones: company_size, plan_tier, "
        "tenure_band, region, country, industry, acquisition_channel.")


def test_output_folder_missing_or_the_database_itself(small, tmp_path):
    result = run_report("--database", str(small), "--out", str(tmp_path / "no" / "r.html"))
    assert result.exit_code == 2 and f"Folder {tmp_path / 'no'} does not exist." in result.output
    before = small.read_bytes()
    result = run_report("--database", str(small), "--out", str(small))
    assert result.exit_code == 2 and "is the database itself" in result.output
    assert small.read_bytes() == before


def test_a_failed_write_leaves_the_old_page_and_no_temporary_file(small, old_page, monkeypatch):
    def disk_full(source, destination):
        raise OSError(28, "No space left on device", str(destination))

    monkeypatch.setattr("arpu.report_output.os.replace", disk_full)
    result = run_report("--database", str(small), "--out", str(old_page))
    assert result.exit_code == 1, result.output
    assert f"error: {old_page}: No space left on device.\nNothing was written." in result.output
    assert old_page.read_text() == OLD_PAGE
    assert [p.name for p in old_page.parent.iterdir()] == ["report.html"]


def test_a_failure_midway_through_the_page_leaves_the_old_one(small, old_page, monkeypatch):
    # The page is written to the temporary file; the disk fills before it is
    # on disk: the temporary file goes, the old page stays.
    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("arpu.report_output.os.fsync", disk_full)
    result = run_report("--database", str(small), "--out", str(old_page))
    assert result.exit_code == 1, result.output
    assert "No space left on device.\nNothing was written." in result.output
    assert old_page.read_text() == OLD_PAGE
    assert [p.name for p in old_page.parent.iterdir()] == ["report.html"]


# --- --out: a new file, or a page arpu report wrote ---------------------------

MARKER = '<meta name="generator" content="arpu report 0.1.0">'
# The head of a page of arpu 0.1.0 before the marker (commit 02d7bb8), as
# it wrote it; the rest of such a page is the style sheet and the charts.
LEGACY_PAGE = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
               '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
               "<title>ARPU report as of 2025-03-01</title>\n<style>\n"
               ":root { color-scheme: light; }\nbody { font-family: system-ui; }\n</style>\n")
FOREIGN_PAGE = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                "<title>Board deck, Q3</title>\n</head>\n<body>arpu report</body>\n</html>\n")


def test_the_page_carries_its_marker_at_the_top(page):
    assert MARKER in page[:1024]


def test_a_page_of_its_own_is_replaced_keeping_its_mode(small, old_page):
    old_page.chmod(0o600)
    old_umask = os.umask(0o022)
    try:
        result = run_report("--database", str(small), "--out", str(old_page))
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    new = old_page.read_text(encoding="utf-8")
    assert MARKER in new and "<title>ARPU report as of 2025-04-01</title>" in new
    assert stat.S_IMODE(old_page.stat().st_mode) == 0o600
    assert [p.name for p in old_page.parent.iterdir()] == ["report.html"]
    # and the page just written may be replaced in turn
    assert run_report("--database", str(small), "--out", str(old_page)).exit_code == 0
    assert old_page.read_text(encoding="utf-8") == new


def test_a_page_of_arpu_before_the_marker_is_replaced(small, tmp_path):
    out = tmp_path / "report.html"
    out.write_text(LEGACY_PAGE)
    result = run_report("--database", str(small), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert MARKER in out.read_text(encoding="utf-8")


def _state(path: Path):
    """What a refused run must leave exactly as it was."""
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode):
        return ("link", os.readlink(path), path.resolve().read_bytes())
    if stat.S_ISREG(status.st_mode):
        return ("file", status.st_ino, status.st_mode, path.read_bytes())
    return ("other", status.st_ino, status.st_mode, status.st_rdev)


def _lock_file(small, folder):
    # The real one: `arpu build` left it next to the database (empty).
    lock = small.with_name(small.name + ".lock")
    assert lock.is_file() and lock.stat().st_size == 0
    return lock


def _another_database(small, folder):
    copy = folder / "metrics.duckdb"
    copy.write_bytes(small.read_bytes())
    return copy


def _foreign_page(small, folder):
    path = folder / "index.html"
    path.write_text(FOREIGN_PAGE)
    return path


def _empty_file(small, folder):
    path = folder / "report.html"
    path.touch()
    return path


def _link_to_a_report(small, folder):
    # Even to a page of ours: the rename would replace the link, not the page.
    (folder / "real.html").write_text(OLD_PAGE)
    link = folder / "report.html"
    link.symlink_to(folder / "real.html")
    return link


def _fifo(small, folder):
    path = folder / "report.html"
    os.mkfifo(path)
    return path


def _device(small, folder):
    # /dev/null's numbers, made here: on a checkout that replaced it, the
    # test must not take the machine's /dev/null with it.
    if os.geteuid() != 0:
        pytest.skip("only root can make a device node")
    path = folder / "null"
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return path


def _folder(small, folder):
    path = folder / "report.html"
    path.mkdir()
    return path


REFUSED_OUT = {
    "lock file": (_lock_file, "is an empty file"),
    "another duckdb file": (_another_database, "is not a page arpu report wrote"),
    "foreign html": (_foreign_page, "is not a page arpu report wrote"),
    "empty file": (_empty_file, "is an empty file"),
    "symlink": (_link_to_a_report, "is a symbolic link"),
    "fifo": (_fifo, "is not a regular file"),
    "device": (_device, "is not a regular file"),
    "folder": (_folder, "is a folder"),
}


@pytest.mark.parametrize("kind", REFUSED_OUT)
def test_out_refuses_what_it_did_not_write(kind, small, tmp_path):
    make, reason = REFUSED_OUT[kind]
    folder = tmp_path / "out"
    folder.mkdir()
    out = make(small, folder)
    before, names = _state(out), sorted(p.name for p in out.parent.iterdir())
    result = run_report("--database", str(small), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0] == (
        f"error: --out {out} exists and {reason}; refusing to replace it. "
        "Choose another --out, or remove the file.")
    assert "Traceback" not in result.output
    assert _state(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == names  # no temporary file


# --- a database of 95,700 months: the last 120 shown, and a warning -------------

# 2025-01 to 9999-12: (9999 - 2025 + 1) years of 12 months. The last 120 run
# from 9990-01; the last 200 from 9999-12 less 199 months (16 years and 7
# months), 9983-05.
FAR_MONTHS = (9999 - 2025 + 1) * 12
FAR_WARNING = (
    f"The database has {FAR_MONTHS:,} months (2025-01 to 9999-12), more than 120 (ten years): "
    "this page shows the last {shown}. Check the build's --as-of and the earliest dates in "
    "the input."
)


def months_on(page: str, chart_id: str) -> list[str]:
    data, _ = figure(page, chart_id)
    return data[0]["x"]


def month_list(first: tuple[int, int], last: tuple[int, int]) -> list[str]:
    return [f"{year:04d}-{month:02d}-01" for year, month in span(first, last)]


def run_report_process(*arguments: str) -> subprocess.CompletedProcess:
    """The real command line, timed by the caller: stdout and stderr apart."""
    return subprocess.run([sys.executable, "-m", "arpu.cli", "report", *arguments],
                          capture_output=True, text=True, env=build_env(), cwd=ROOT)


def test_a_database_of_95700_months_shows_the_last_120_and_warns(databases, tmp_path):
    far, out = databases["far"], tmp_path / "far.html"
    assert FAR_MONTHS == 95_700
    started = dt.datetime.now()
    done = run_report_process("--database", str(far), "--out", str(out))
    seconds = (dt.datetime.now() - started).total_seconds()
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}\n"
    warning = FAR_WARNING.format(shown="120, 9990-01 to 9999-12; arpu report --months N shows more")
    assert done.stderr == f"warning: {warning}\n"
    page = out.read_text(encoding="utf-8")
    assert f'<p class="note" id="months-shown">{warning.replace(chr(39), "&#x27;")}</p>' in page
    shown = month_list((9990, 1), (9999, 12))
    assert len(shown) == 120
    for chart_id in ("chart-arpa-arpu", "chart-mrr-bridge", "chart-arpa-mix"):
        assert months_on(page, chart_id) == shown, chart_id
    # The as-of month is still the headline's, and a month's last day is no
    # partial month; every cohort starts in 2025, before the months shown.
    assert "Headline: December 9999" in page and "partial month" not in page
    assert "No cohort starts in the months shown (from 9990-01)" in page
    # On main this page was 166 MB and took 2 minutes: now plotly.js and
    # 120 months of small tables, in seconds.
    assert len(page) < PLOTLY_JS.stat().st_size + 1_000_000
    assert seconds < 30


def test_months_asks_for_more_and_still_warns(databases, tmp_path):
    out = tmp_path / "far.html"
    done = run_report_process("--database", str(databases["far"]), "--out", str(out),
                              "--months", "200")
    assert done.returncode == 0, done.stderr
    warning = FAR_WARNING.format(shown="200, 9983-05 to 9999-12, as --months asked")
    assert done.stderr == f"warning: {warning}\n"
    page = out.read_text(encoding="utf-8")
    shown = months_on(page, "chart-arpa-arpu")
    assert shown == month_list((9983, 5), (9999, 12)) and len(shown) == 200


def test_months_fewer_than_the_database_keeps_the_as_of_month_right(small, page, tmp_path):
    # April is partial (as of April 1); with two months shown the headline
    # still compares April with March, as on the page of every month.
    out = tmp_path / "r.html"
    done = run_report_process("--database", str(small), "--out", str(out), "--months", "2")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # four months: the user's choice, not worth a warning
    cut = out.read_text(encoding="utf-8")
    for key in ("mrr", "arr", "arpa", "arpu", "accounts"):
        assert card(cut, key) == card(page, key), key
    assert card(cut, "mrr")[1] == f"{signed_money(MRR_APRIL - MRR_MARCH)} vs March 2025 (partial vs whole month)"
    assert "April 2025 is a partial month: the as-of date is 2025-04-01" in cut
    assert ('<p class="note" id="months-shown">The database has 4 months (2025-01 to 2025-04): '
            "this page shows the last 2, 2025-03 to 2025-04, as --months asked.</p>") in cut
    assert months_on(cut, "chart-arpa-arpu") == ["2025-03-01", "2025-04-01"]
    # Only C's and D's cohort (first paid in April) starts in the months shown.
    data, _ = figure(cut, "chart-cohort-retention")
    assert data[0]["y"] == ["2025-04"]
    assert "Only the cohorts that start in the months shown, from 2025-03." in cut
    # A database of at most 120 months, shown whole, has no note.
    assert 'id="months-shown"' not in page
    assert run_report("--database", str(small), "--out", str(out), "--months", "500").exit_code == 0
    assert 'id="months-shown"' not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["1", "0", "-5", "1.5", "ten", "", "1000001", "²", "1e3"])
def test_bad_months(value, small, old_page):
    assert_refused(run_report("--database", str(small), "--out", str(old_page),
                              "--months", value), old_page,
                   f"error: --months {value!r} is not a whole number from 2 to 1,000,000")


def test_help_documents_months():
    result = run_report("--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())  # help wraps its lines
    assert "--months N Show the last N months (at least 2). Default: the last 120 (ten years)" \
        in text
    assert "a page arpu report wrote before" in text


def test_a_spark_build_is_read_from_the_files_its_views_read(small, tmp_path, monkeypatch):
    """`--target spark` reads the Parquet files of the build the views of
    the schema read (<warehouse>/<schema>.arpu-live names it), without a
    Spark session. Here a warehouse laid out as Spark writes it, from the
    small base: the page data are the file's, value for value.
    scripts/check_spark runs it on a real Spark build."""
    from arpu.project import exposure_tables
    from arpu.report_marts import read_marts_from
    from arpu.warehouse_marts import spark_marts

    warehouse = tmp_path / "warehouse"
    connection = duckdb.connect(str(small), read_only=True)
    for table in exposure_tables(ROOT, "arpu_report"):
        folder = warehouse / "arpu__b.db" / table
        folder.mkdir(parents=True)
        connection.execute(f"copy main.{table} to '{folder / 'part-00000.parquet'}' "
                           "(format parquet)")
    connection.close()
    env = {"ARPU_SPARK_WAREHOUSE": str(warehouse)}
    absent = run_report("--target", "spark", "--out", str(tmp_path / "r.html"), env=env)
    assert absent.exit_code == 2
    assert "No Spark build publishes schema arpu under" in absent.output
    (warehouse / "arpu.arpu-live").write_text("arpu__b\n")
    assert run_report("--target", "spark", "--out", str(tmp_path / "r.html"),
                      env=env).exit_code == 0
    monkeypatch.setenv("ARPU_SPARK_WAREHOUSE", str(warehouse))
    assert read_marts_from(spark_marts("arpu"), "Spark database arpu") == read_marts(small)
