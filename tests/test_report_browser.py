"""The report of the demo data in a real browser (Debian's Chromium, driven
by Playwright): it loads nothing from the network, logs no error, and
every chart is drawn with its data. Chromium is required, not optional:
CI installs it (`apt-get install -y chromium`).

ARPU_REPORT_SCREENSHOT=docs/images/report.png saves the screenshot there
too (the one in the docs comes from this test)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from arpu.cli import main

# Every chart of a report with targets, by its div id.
CHARTS = ["chart-trend", "chart-arpa-arpu", "chart-segments", "chart-cohort-curves",
          "chart-cohort-retention", "chart-mrr-histogram", "chart-mrr-waterfall",
          "chart-mrr-bridge", "chart-arpa-mix", "chart-retention", "chart-unit-economics",
          "chart-targets"]
LOCAL_SCHEMES = {"file", "data", "blob", "about"}
TARGETS = "month,metric,target\n2026-01,arpa,1250\n2026-06,arpa,1350\n2026-12,arpa,1400\n" \
          "2026-01,arpu,95\n2026-12-01,arpu,100\n"
VIEWPORT = {"width": 1400, "height": 900}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# What each chart drew, per its gd (the plotly div): traces with points,
# and SVG marks or the heatmap's image inside the plot area.
CHARTS_DRAWN = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
    id: gd.id,
    traces: gd.data.length,
    tracesWithPoints: gd.data.filter(trace => ['x', 'y', 'z', 'values'].some(
        key => Array.isArray(trace[key]) && trace[key].some(v => v !== null))).length,
    marks: gd.querySelectorAll(
        '.cartesianlayer .trace path, .cartesianlayer .trace .point, .cartesianlayer .hm image'
    ).length,
    height: gd.getBoundingClientRect().height,
}))
"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None and Path("/usr/bin/chromium").exists():
        path = "/usr/bin/chromium"
    if path is None:
        pytest.fail("Chromium is not installed: `apt-get install -y chromium` (the report's "
                    "browser test needs it; it does not download a browser).", pytrace=False)
    return path


@pytest.fixture(scope="module")
def demo_report(demo_build, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    targets = folder / "targets.csv"
    targets.write_text(TARGETS, encoding="utf-8")
    out = folder / "arpu-report.html"
    result = CliRunner().invoke(main, ["report", "--database", str(demo_build.database),
                                       "--out", str(out), "--targets", str(targets)])
    assert result.exit_code == 0, result.output
    return out


def test_the_demo_report_in_chromium(demo_report, tmp_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: pip install -e '.[dev]'.", pytrace=False)
    executable = chromium()

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"), executable_path=executable,
            headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
        )
        try:
            context.on("request", lambda request: requests.append(request.url))
            # Whatever the page asks for off this machine is refused as well
            # as recorded: the test must not depend on the network either.
            context.route("**/*", lambda route: (
                route.continue_() if urlsplit(route.request.url).scheme in LOCAL_SCHEMES
                else route.abort()))
            page = context.new_page()
            page.on("console", lambda message: errors.append(f"console: {message.text}")
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.goto(demo_report.as_uri(), wait_until="load")
            page.wait_for_function(
                "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
                arg=len(CHARTS), timeout=30_000)
            charts = page.evaluate(CHARTS_DRAWN)
            assert page.title().startswith("ARPU report as of ")
            assert page.locator("#kpi-arpa .kpi-value").inner_text().strip()
            # The demo has two years: the as-of month has a 12-month base.
            assert page.locator("#kpi-nrr .kpi-value").inner_text().strip().endswith("%")

            screenshot = tmp_path / "report.png"
            page.screenshot(path=str(screenshot), full_page=True,
                            clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": 1700})
            if os.environ.get("ARPU_REPORT_SCREENSHOT"):
                shutil.copyfile(screenshot, os.environ["ARPU_REPORT_SCREENSHOT"])
        finally:
            context.close()

    foreign = [url for url in requests if urlsplit(url).scheme not in LOCAL_SCHEMES]
    assert not foreign, f"the page asked for: {foreign}"
    assert requests and requests[0] == demo_report.as_uri()
    assert not errors, errors

    assert [chart["id"] for chart in charts] == CHARTS
    for chart in charts:
        assert chart["traces"] > 0, chart
        assert chart["tracesWithPoints"] > 0, chart
        assert chart["marks"] > 0, chart
        assert chart["height"] > 100, chart
    assert screenshot.stat().st_size > 10_000


def test_the_demo_page_weighs_at_most_2_mb(demo_report):
    """plotly.js's cartesian bundle (1.5 MB) and 27 months of marts: the
    page mails and opens quickly. The test above draws every chart with it."""
    assert demo_report.stat().st_size <= 2_000_000
