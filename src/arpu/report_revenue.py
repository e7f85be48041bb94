"""Panels 6 to 8, 11 and 12 of `arpu report`'s page: the distribution of
account MRR, MRR movements and bridge, rate or mix, targets, alerts
(docs/report.md)."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal
from html import escape

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from arpu.report_blocks import (
    BLACK,
    BLUE,
    GRAY,
    GREEN,
    ORANGE,
    PURPLE,
    RED,
    chart,
    count_ticks,
    empty,
    html_table,
    month_axes,
    num,
    section,
    section_ref,
    signed_money,
)
from arpu.report_marts import Marts, Target
from arpu.text import money, percent

# --- 5. distribution of account MRR -----------------------------------------


def distribution(marts: Marts) -> str:
    month = marts.as_of_month
    caption = (
        f"Paying accounts by their MRR in {month['month']:%B %Y} "
        "(<code>dim_active_customers.mrr</code>, one row per paying account and month), "
        "with the median and 90th percentile of <code>mart_arpu_monthly</code> "
        f"(<code>arpa_median</code>, <code>arpa_p90</code>; {section_ref(7)}). A long right "
        "tail is why ARPA, a mean, sits above the median. The MRR axis is logarithmic: "
        "each bar covers the same ratio of MRR, so small and large accounts both show."
    )
    if not marts.account_mrr:
        return section("distribution", "Account MRR distribution", caption,
                        empty(f"No account pays in {month['month']:%B %Y}."))
    # MRR spans orders of magnitude (most accounts small, a few large): on a
    # linear axis most accounts fall in the first bar. The bins are of
    # log10(MRR), every one the same ratio wide, and the axis is labelled in
    # money. Accounts with MRR of 0 or below are not paying (no row here).
    logs = [math.log10(value) for value in marts.account_mrr]
    # 30 bins between the smallest and the largest account (fixed here, not
    # left to plotly, so that the count axis can be given whole-number ticks).
    start, size = min(logs), max((max(logs) - min(logs)) / 30, 0.01)
    counts = Counter(int((value - start) / size) for value in logs)
    figure = go.Figure(go.Histogram(
        x=logs, xbins={"start": start, "end": start + size * (max(counts) + 1), "size": size},
        name="accounts", marker={"color": BLUE, "line": {"color": "white", "width": 1}},
        hovertemplate="%{y:,} accounts<extra></extra>",
    ))
    # Labels stacked down the left of their lines, so that close values
    # (the median and a low ARPA) do not print over each other.
    marks = [(month["arpa_median"], "median", ORANGE), (month["arpa"], "ARPA (mean)", PURPLE),
             (month["arpa_p90"], "p90", RED)]
    for index, (value, label, colour) in enumerate(marks):
        if value is None or value <= 0:
            continue
        figure.add_vline(x=math.log10(value), line={"color": colour, "width": 2, "dash": "dash"})
        figure.add_annotation(
            x=math.log10(value), y=1 - 0.09 * index, xref="x", yref="paper", xanchor="left",
            showarrow=False, text=f" {label} {money(value)}", font={"color": colour},
            bgcolor="rgba(255,255,255,0.8)",
        )
    # At least 0.6 of a decade shown, so that one of the 1-2-5 ticks (at
    # most 0.4 apart) labels it even when every account pays the same.
    pad = max(0.0, 0.6 - (max(logs) - min(logs))) / 2 + size
    shown = [min(logs) - pad, max(logs) + pad]
    ticks = [step * 10 ** power for power in range(math.floor(shown[0]), math.ceil(shown[1]) + 1)
             for step in (1, 2, 5)]
    figure.update_layout(
        xaxis={"title": f"account MRR ({marts.build['reporting_currency']}, log scale)",
               "range": shown, "tickvals": [math.log10(tick) for tick in ticks],
               "ticktext": [f"{tick:,.10g}" for tick in ticks]},
        yaxis={"title": "paying accounts", **count_ticks(counts.values())},
        bargap=0.02, showlegend=False)
    return section("distribution", "Account MRR distribution", caption,
                    chart(figure, "chart-mrr-histogram", 420))


# --- 6. MRR movements and bridge --------------------------------------------


def _waterfall(marts: Marts) -> str:
    row = marts.movements
    month = marts.as_of_month["month"]
    if row is None:
        return empty(f"mart_mrr_movements has no row for {month:%Y-%m}.")
    previous = marts.previous_month["month"] if marts.previous_month else None
    steps = [
        (f"opening ({previous:%Y-%m})" if previous else "opening", row["opening_mrr"], "absolute"),
        ("new", row["new_mrr"], "relative"),
        ("expansion", row["expansion_mrr"], "relative"),
        ("reactivation", row["reactivation_mrr"], "relative"),
        # The mart keeps falls as positive amounts; the chart draws them down.
        ("contraction", -row["contraction_mrr"], "relative"),
        ("churned", -row["churned_mrr"], "relative"),
        ("FX", row["fx_mrr"], "relative"),
        (f"closing ({month:%Y-%m})", row["closing_mrr"], "absolute"),
    ]
    levels = _waterfall_levels([value for _, value, _ in steps])
    # Bars from a base (plotly.js's cartesian bundle has no waterfall
    # trace): a total stands on zero, a movement on the level before it.
    figure = go.Figure(go.Bar(
        x=[label for label, _, _ in steps], y=[num(value) for _, value, _ in steps],
        base=[float(base) for base in _waterfall_bases(levels)],
        marker={"color": [BLUE if measure == "absolute" else GREEN if value >= 0 else RED
                          for _, value, measure in steps]},
        text=[money(value) if measure == "absolute" else signed_money(value)
              for _, value, measure in steps],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    figure.update_layout(
        title={"text": f"MRR movements in {month:%B %Y}", "x": 0.01},
        # The connectors: each level, from its bar to the next one.
        shapes=[{"type": "line", "xref": "x", "yref": "y", "x0": index, "x1": index + 1,
                 "y0": float(level), "y1": float(level), "layer": "below",
                 "line": {"color": GRAY, "width": 1}}
                for index, level in enumerate(levels[:-1])],
        yaxis_range=_waterfall_range(levels),
        yaxis_title=f"MRR ({marts.build['reporting_currency']})", yaxis_tickformat=",.0f",
        showlegend=False,
    )
    return chart(figure, "chart-mrr-waterfall", 440)


def _waterfall_levels(values: list) -> list[Decimal]:
    """The level after each step: the opening and closing MRR as the mart
    gives them, a movement added to the level before it. Only the drawing
    uses these sums (where each bar stands); the closing bar is the mart's
    closing_mrr, and the identity opening + movements = closing is a data
    test of the mart."""
    levels, running = [], Decimal(0)
    for index, value in enumerate(values):
        running = value if index in (0, len(values) - 1) else running + value
        levels.append(running)
    return levels


def _waterfall_bases(levels: list[Decimal]) -> list[Decimal]:
    """Where each bar starts: zero for the opening and closing totals, the
    level before it for a movement."""
    return [Decimal(0) if index in (0, len(levels) - 1) else levels[index - 1]
            for index in range(len(levels))]


def _waterfall_range(levels: list[Decimal]) -> list[float]:
    """A y range around the running levels: from zero, movements of a few
    percent of MRR would be slivers."""
    low, high = float(min(levels)), float(max(levels))
    margin = max(high - low, abs(high) * 0.02, 1.0)
    return [max(0.0, low - margin) if low >= 0 else low - margin, high + margin * 0.6]


def _effects(marts: Marts, rows: list[dict], total: str, parts: list[tuple[str, str, str]],
             title: str, unit: str, chart_id: str) -> str:
    """Stacked bars of the parts of a change and a marker of the change."""
    months = [row["month"] for row in rows]
    figure = go.Figure()
    for column, name, colour in parts:
        figure.add_trace(go.Bar(
            x=months, y=[num(row[column]) for row in rows], name=name,
            marker={"color": colour},
            hovertemplate=f"%{{x|%Y-%m}}: {name} %{{y:+,.2f}}<extra></extra>",
        ))
    figure.add_trace(go.Scatter(
        x=months, y=[num(row[total]) for row in rows], name=total.replace("_", " "),
        mode="markers", marker={"color": BLACK, "symbol": "diamond", "size": 8},
        hovertemplate=f"%{{x|%Y-%m}}: {total} %{{y:+,.2f}}<extra></extra>",
    ))
    figure.update_layout(
        barmode="relative", title={"text": title, "x": 0.01},
        yaxis_title=unit, yaxis_tickformat=",.0f",
        legend={"orientation": "h", "y": -0.15},
    )
    month_axes(figure, marts)
    return chart(figure, chart_id, 440)


def movements(marts: Marts) -> str:
    currency = marts.build["reporting_currency"]
    bridge = _effects(
        marts, marts.bridge, "mrr_change",
        [("customer_effect", "customer effect (more or fewer accounts)", BLUE),
         ("arpa_effect", "ARPA effect (each account pays more or less)", ORANGE),
         ("interaction", "interaction (both at once)", GRAY)],
        "Why MRR moved each month: accounts or ARPA?", f"MRR change ({currency})",
        "chart-mrr-bridge",
    )
    caption = (
        "Top: the as-of month's MRR from opening to closing (<code>mart_mrr_movements</code>: "
        "opening, new, expansion, reactivation, contraction and churned MRR, the FX effect, "
        f"closing; {section_ref(10)}); contraction and churn are drawn as falls, and the axis "
        "does not start at zero, so that the movements show. "
        "Bottom: each month's <code>mart_mrr_bridge.mrr_change</code> split into "
        "<code>customer_effect</code>, <code>arpa_effect</code> and <code>interaction</code> "
        f"({section_ref(13)}); the diamonds are the change itself."
    )
    return section("movements", "MRR movements and bridge", caption, _waterfall(marts) + bridge)


# --- 7. rate or mix ---------------------------------------------------------------


def mix(marts: Marts) -> str:
    segment_type = marts.mix_segment_type
    caption = (
        f"Each month's ARPA change (<code>mart_arpa_mix.arpa_change</code>, diamonds) split by "
        f"<code>{escape(segment_type)}</code>: <code>rate_effect</code>, segments changed their "
        "ARPA; <code>mix_effect</code>, accounts moved between segments of different ARPA; "
        f"<code>interaction</code>, both at once ({section_ref(14)}). Another segment type: "
        "<code>arpu report --mix-segment-type TYPE</code>."
    )
    if not marts.mix:
        return section("mix", "ARPA: rate or mix?", caption,
                        empty(f"mart_arpa_mix has no row for {escape(segment_type)}."))
    figure = _effects(
        marts, marts.mix, "arpa_change",
        [("rate_effect", "rate effect (segment ARPAs changed)", BLUE),
         ("mix_effect", "mix effect (accounts moved between segments)", ORANGE),
         ("interaction", "interaction", GRAY)],
        f"ARPA change split by {segment_type}",
        f"ARPA change ({marts.build['reporting_currency']})", "chart-arpa-mix",
    )
    return section("mix", f"ARPA: rate or mix? ({segment_type})", caption, figure)


# --- 8. targets -------------------------------------------------------------------


TARGETS_EXAMPLE = "month,metric,target\n2026-01,arpa,1300\n2026-01,arpu,90.50\n2026-02-01,arpa,1320"


def targets(marts: Marts) -> str:
    if not marts.targets:
        body = empty(
            "No targets given. To draw ARPA and ARPU against goals, write a CSV file with the "
            "header <code>month,metric,target</code>, one row per month and metric "
            "(month <code>YYYY-MM</code> or <code>YYYY-MM-01</code>; metric <code>arpa</code> "
            "or <code>arpu</code>; target a non-negative number in the reporting currency):"
            f"<br><pre>{escape(TARGETS_EXAMPLE)}</pre><br>and run "
            "<code>arpu report --targets targets.csv</code> (docs/report.md)."
        )
        return section("targets", "ARPA and ARPU against targets",
                        "Actual ARPA and ARPU against the goals of a targets file.", body)
    months = [row["month"] for row in marts.monthly]
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.08,
                           subplot_titles=("ARPA against target", "ARPU against target"))
    for column, (metric, name, colour) in enumerate(
        (("arpa", "ARPA", BLUE), ("arpu", "ARPU", PURPLE)), start=1
    ):
        figure.add_trace(go.Scatter(
            x=months, y=[num(row[metric]) for row in marts.monthly], name=f"{name} actual",
            mode="lines+markers", line={"color": colour, "width": 3},
            hovertemplate=f"%{{x|%Y-%m}}: {name} %{{y:,.2f}}<extra></extra>",
        ), row=1, col=column)
        goals: list[Target] = sorted((t for t in marts.targets if t.metric == metric),
                                     key=lambda t: t.month)
        if goals:
            figure.add_trace(go.Scatter(
                x=[goal.month for goal in goals], y=[num(goal.target) for goal in goals],
                name=f"{name} target", mode="lines+markers",
                line={"color": BLACK, "width": 1.5, "dash": "dash"},
                marker={"symbol": "x", "size": 9},
                hovertemplate=f"%{{x|%Y-%m}}: {name} target %{{y:,.2f}}<extra></extra>",
            ), row=1, col=column)
    figure.update_yaxes(tickformat=",.0f", rangemode="tozero",
                        title_text=marts.build["reporting_currency"])
    figure.update_layout(legend={"orientation": "h", "y": -0.15})
    month_axes(figure, marts, subplots=True)
    caption = (
        "Actual ARPA and ARPU (<code>mart_arpu_monthly.arpa</code>, <code>arpu</code>; "
        f"{section_ref(7)}) against the targets of the file given with "
        f"<code>--targets</code> ({len(marts.targets):,} targets)."
    )
    return section("targets", "ARPA and ARPU against targets", caption,
                    chart(figure, "chart-targets", 440))


# --- 9. alerts --------------------------------------------------------------------


def _alert_cells(row: dict) -> list[str]:
    where = ("all accounts" if row["segment_type"] == "all"
             else f"{row['segment_type']} = {row['segment_value']}")
    if row["alert_type"] == "new_below_blended":
        value, threshold = money(row["metric_value"]), f"blended ARPA {money(row['threshold'])}"
    else:
        value, threshold = percent(row["metric_value"]), percent(row["threshold"])
    return [f"{row['month']:%Y-%m}", f"<code>{escape(row['alert_type'])}</code>",
            escape(where), escape(value), escape(threshold)]


ALERT_LABELS = {"arpa_decline": "ARPA fell", "arpu_decline": "ARPU fell",
                "new_below_blended": "New accounts below blended ARPA"}


def _alert_groups(rows: list[dict]) -> str:
    """One line per alert type: how many, whether the whole base is among
    them, and the first of the rest (the marts' order: the largest fall)."""
    cells = []
    for alert_type in dict.fromkeys(row["alert_type"] for row in rows):
        of_type = [row for row in rows if row["alert_type"] == alert_type]
        base = [row for row in of_type if row["segment_type"] == "all"]
        segments = [row for row in of_type if row["segment_type"] != "all"]
        first = _alert_cells(segments[0]) if segments else None
        cells.append([
            f'<span title="{escape(alert_type)}">'
            f"{escape(ALERT_LABELS.get(alert_type, alert_type))}</span>",
            f"{len(of_type):,}",
            _alert_cells(base[0])[3] if base else "-",
            f"{first[2]} {first[3]}" if first else "-",
        ])
    return html_table(["Alert", "Alerts", "All accounts", "Segments: the largest"], cells,
                      numeric={1})


def _alerts_fold(summary: str, rows: list[dict]) -> str:
    """Every alert of `rows` in a table, under a fold."""
    return (f"<details><summary>{summary}</summary>"
            + html_table(["Month", "Alert", "Where", "Value", "Threshold"],
                         [_alert_cells(row) for row in rows], numeric={3, 4})
            + "</details>")


def alerts(marts: Marts) -> str:
    month = marts.as_of_month["month"]
    current = [row for row in marts.alerts if row["month"] == month]
    earlier = [row for row in marts.alerts if row["month"] != month]
    # Grouped by type: 26 lines for one month read as noise; each is one
    # click away.
    if current:
        body = _alert_groups(current) + _alerts_fold(
            f"The {len(current):,} alerts of {month:%B %Y}", current)
    else:
        body = empty(f"No alert in {month:%B %Y}.")
    if earlier:
        body += _alerts_fold(f"{len(earlier):,} alerts of earlier months", earlier)
    caption = (
        "<code>mart_arpu_alerts</code> (" + section_ref(12) + "): <code>arpa_decline</code> "
        "and <code>arpu_decline</code> when the month-over-month change falls below the "
        "threshold, for all accounts and for segments with enough paying accounts in both "
        "months; <code>new_below_blended</code> when new accounts' ARPA is below the blended "
        f"ARPA. The as-of month's ({len(current):,}) grouped by type, with the whole base's "
        "value and the segment that fell most; every alert under the folds, the whole base "
        "before segments, the largest falls first."
    )
    return section("alerts", "Alerts", caption, body)
