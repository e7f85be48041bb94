"""Panels 1 and 3 to 5 of `arpu report`'s page: the headline, ARPA and ARPU
over time, ARPA by segment, cohorts (docs/report.md)."""

from __future__ import annotations

import datetime as dt
from html import escape

import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from arpu.project import segment_types
from arpu.ranking import ranked_segments
from arpu.report_blocks import (
    BLACK,
    BLUE,
    GRAY,
    GREEN,
    MAX_LABELLED_COHORTS,
    ORANGE,
    PURPLE,
    RED,
    accounts,
    card,
    chart,
    empty,
    html_table,
    month_axes,
    num,
    section,
    section_ref,
    signed_count,
    signed_money,
)
from arpu.report_marts import Marts
from arpu.report_retention import retention_card
from arpu.runner import project_dir
from arpu.text import money, percent

# Cohort curves drawn at first; the older ones are in the legend.
SHOWN_COHORTS = 8
# --- 1. headline ------------------------------------------------------------


def headline(marts: Marts) -> str:
    month, previous = marts.as_of_month, marts.previous_month
    currency = marts.build["reporting_currency"] or ""
    bridge = {row["month"]: row for row in marts.bridge}
    movements = marts.movements or {}
    # A partial month against a whole one is not like for like: the change
    # is shown, uncoloured, and says so.
    partial = bool(marts.build["is_as_of_month_partial"])
    if previous is None:
        mrr_change = arr_change = accounts_change = None
        vs = "first month reported: no change to show"
    else:
        mrr_change = bridge[month["month"]]["mrr_change"] if month["month"] in bridge else None
        arr_change = month["arr"] - previous["arr"]
        accounts_change = month["paying_accounts"] - previous["paying_accounts"]
        vs = f"vs {previous['month']:%B %Y}" + (" (partial vs whole month)" if partial else "")

    def change(value, text: str) -> str:
        if previous is None:
            return vs
        if value is None:
            return f"no change: nobody paid in {previous['month']:%B %Y} or {month['month']:%B %Y}"
        return f"{text} {vs}"

    cards = [
        card("mrr", f"MRR ({currency})", money(month["mrr"]),
              change(mrr_change, signed_money(mrr_change) if mrr_change is not None else ""),
              mrr_change, "monthly recurring revenue at the snapshot",
              "mart_arpu_monthly.mrr, mart_mrr_bridge.mrr_change", not partial),
        card("arr", f"ARR ({currency})", money(month["arr"]),
              change(arr_change, signed_money(arr_change) if arr_change is not None else ""),
              arr_change, "12 x MRR",
              "mart_arpu_monthly.arr (change: this month's less last month's)", not partial),
        card("arpa", f"ARPA ({currency})", money(month["arpa"]),
              change(month["arpa_mom_change"],
                     percent(month["arpa_mom_change"])
                     if month["arpa_mom_change"] is not None else ""),
              month["arpa_mom_change"],
              f"MRR per paying account; median {money(month['arpa_median'])}",
              "mart_arpu_monthly.arpa, arpa_mom_change", not partial),
        card("arpu", f"ARPU ({currency})", money(month["arpu"]),
              change(month["arpu_mom_change"],
                     percent(month["arpu_mom_change"])
                     if month["arpu_mom_change"] is not None else ""),
              month["arpu_mom_change"],
              f"MRR per paying user; {month['paying_users']:,} paying users",
              "mart_arpu_monthly.arpu, arpu_mom_change", not partial),
        card("accounts", "Paying accounts", f"{month['paying_accounts']:,}",
              change(accounts_change,
                     signed_count(accounts_change) if accounts_change is not None else ""),
              accounts_change,
              f"{movements.get('new_accounts', 0):,} new, "
              f"{movements.get('reactivated_accounts', 0):,} reactivated, "
              f"{movements.get('churned_accounts', 0):,} churned",
              "mart_arpu_monthly.paying_accounts, mart_mrr_movements", not partial),
        retention_card(marts),
    ]
    body = f'<div class="kpis">{"".join(cards)}</div>'
    note = _partial_note(marts)
    if note:
        body += f'\n<p class="note" id="partial-month">{note}</p>'
    caption = (
        f"The as-of month, {month['month']:%B %Y}, against the month before. MRR is the sum "
        "of the paying accounts' recurring lines at the month's snapshot; ARPA = MRR / paying "
        "accounts, ARPU = MRR / paying users; ARPA and ARPU changes are "
        "<code>value / value a month earlier - 1</code>; net revenue retention (NRR) is what "
        "the accounts paying a year before pay now over what they paid then, gross (GRR) the "
        f"same counting no account above what it paid then ({section_ref(3, 7, 13, 15)})."
    )
    return section("headline", f"Headline: {month['month']:%B %Y}", caption, body)


def _partial_note(marts: Marts) -> str | None:
    """The as-of month is partial when the as-of date is before its last day
    (arpu_build_info.is_as_of_month_partial)."""
    if not marts.build["is_as_of_month_partial"]:
        return None
    as_of: dt.date = marts.build["as_of_date"]
    return escape(
        f"{as_of:%B %Y} is a partial month: the as-of date is {as_of.isoformat()}, so its MRR "
        "and counts are a snapshot on that day, not at the month's end, and accounts that "
        "renew later in the month are not counted yet (docs/metrics.md section 3)."
    )


def build_line(marts: Marts) -> str:
    build = marts.build
    parts = [
        f"As of {build['as_of_date']}",
        f"{build['months_reported']} months reported ({build['first_month']:%Y-%m} to "
        f"{build['last_month']:%Y-%m})",
        f"reporting currency {build['reporting_currency']}",
        f"built {build['built_at']:%Y-%m-%d %H:%M:%S} UTC by arpu "
        f"{build['project_version'] or '(unknown version)'} with dbt {build['dbt_version']}",
        f"from {build['billing_data_dir']} ({build['invoice_lines']:,} invoice lines; "
        "rows rejected as bad input are in table rejected_rows)",
    ]
    return escape(" · ".join(parts))


# --- 2. ARPA and ARPU over time ----------------------------------------------


def arpa_arpu(marts: Marts) -> str:
    months = [row["month"] for row in marts.monthly]
    currency = marts.build["reporting_currency"]
    # The new accounts' ratios swing with a handful of accounts: on a scale
    # of their own, below, so that the blended line's movement shows.
    figure = make_subplots(
        rows=2, cols=2, horizontal_spacing=0.08, vertical_spacing=0.14, shared_xaxes=True,
        row_heights=[0.6, 0.4],
        subplot_titles=(f"ARPA: MRR per paying account ({currency})",
                        f"ARPU: MRR per paying user ({currency})",
                        "ARPA of the month's new accounts", "ARPU of the month's new accounts"),
    )
    for column, (blended, new, name) in enumerate(
        (("arpa", "new_arpa", "ARPA"), ("arpu", "new_arpu", "ARPU")), start=1
    ):
        figure.add_trace(go.Scatter(
            x=months, y=[num(row[blended]) for row in marts.monthly],
            name=f"{name}, all paying accounts", mode="lines+markers",
            line={"color": BLUE if column == 1 else PURPLE, "width": 3},
            hovertemplate=f"%{{x|%Y-%m}}: {name} %{{y:,.2f}}<extra></extra>",
        ), row=1, col=column)
        figure.add_trace(go.Scatter(
            x=months, y=[num(row[new]) for row in marts.monthly],
            name=f"{name} of new accounts", mode="lines+markers",
            line={"color": ORANGE if column == 1 else GREEN, "width": 1.5, "dash": "dot"},
            hovertemplate=f"%{{x|%Y-%m}}: new-account {name} %{{y:,.2f}}<extra></extra>",
        ), row=2, col=column)
    figure.update_yaxes(tickformat=",.0f")
    figure.update_yaxes(rangemode="tozero", row=2)
    figure.update_layout(legend={"orientation": "h", "y": -0.12})
    month_axes(figure, marts, subplots=True)
    caption = (
        "Blended ARPA and ARPU per month (<code>mart_arpu_monthly.arpa</code>, "
        "<code>arpu</code>), and the same ratios over the accounts in their first paying month "
        f"(<code>new_arpa</code>, <code>new_arpu</code>; {section_ref(7)}), below on a scale "
        "of their own: a month's new accounts are few, and their ratios swing. New accounts "
        "paying less than the base pull the blend down over time."
    )
    return section("arpa-arpu", "ARPA and ARPU per month", caption,
                    chart(figure, "chart-arpa-arpu", 600))


# --- 3. segments --------------------------------------------------------------


def segments(marts: Marts) -> str:
    as_of_month = marts.as_of_month["month"]
    months = [row["month"] for row in marts.monthly]
    by_type: dict[str, dict[str, dict[dt.date, dict]]] = {}
    for row in marts.segments:
        by_type.setdefault(row["segment_type"], {}).setdefault(
            row["segment_value"], {})[row["month"]] = row
    types = [name for name in segment_types(project_dir()) if name in by_type]
    if not types:
        return section("segments", "ARPA by segment", "", empty("mart_arpu_by_segment is empty."))

    callouts, titles, highlight = [], [], {}
    for segment_type in types:
        current = [values[as_of_month] for values in by_type[segment_type].values()
                   if as_of_month in values]
        if not current:
            titles.append(f"{segment_type}: nobody pays in {as_of_month:%Y-%m}")
            continue
        ranked, large = ranked_segments(current, marts.min_segment_accounts)
        top, bottom = ranked[0], ranked[-1]
        highlight[segment_type] = (top["segment_value"], bottom["segment_value"])
        if len(ranked) == 1:
            titles.append(f"<b>{escape(segment_type)}</b>: only {escape(top['segment_value'])}")
        else:
            titles.append(f"<b>{escape(segment_type)}</b>: top {escape(top['segment_value'])}, "
                          f"bottom {escape(bottom['segment_value'])}")
        counted = f"{len(current):,}"
        if not large:
            counted += f" (none has {marts.min_segment_accounts:,} accounts: all ranked)"
        callouts.append([
            f"<code>{escape(segment_type)}</code>",
            f"{escape(top['segment_value'])} <span class=\"up\">{money(top['arpa'])}</span> "
            f"({accounts(top['paying_accounts'])})",
            f"{escape(bottom['segment_value'])} <span class=\"down\">{money(bottom['arpa'])}"
            f"</span> ({accounts(bottom['paying_accounts'])})",
            counted,
        ])

    rows = (len(types) + 1) // 2
    figure = make_subplots(rows=rows, cols=2, subplot_titles=titles, shared_xaxes=True,
                           vertical_spacing=0.32 / rows, horizontal_spacing=0.07)
    for index, segment_type in enumerate(types):
        top, bottom = highlight.get(segment_type, (None, None))
        # The rest first, so the highlighted lines are drawn on top.
        values = sorted(by_type[segment_type],
                        key=lambda value: (value in (top, bottom), value == top))
        for value in values:
            series = by_type[segment_type][value]
            colour, width = ((GREEN, 3) if value == top else (RED, 3) if value == bottom
                             else (GRAY, 1.2))
            figure.add_trace(go.Scatter(
                x=months, y=[num(series[m]["arpa"]) if m in series else None for m in months],
                mode="lines", name=value, showlegend=False, connectgaps=False,
                line={"color": colour, "width": width},
                customdata=[series[m]["paying_accounts"] if m in series else None for m in months],
                hovertemplate=(f"<b>{escape(segment_type)} = {escape(value)}</b><br>"
                               "%{x|%Y-%m}: ARPA %{y:,.2f}, %{customdata:,} accounts"
                               "<extra></extra>"),
            ), row=index // 2 + 1, col=index % 2 + 1)
    figure.update_yaxes(tickformat=",.0f", rangemode="tozero")
    figure.update_yaxes(title_text=f"ARPA ({marts.build['reporting_currency']})", col=1)
    figure.update_annotations(font_size=13)
    month_axes(figure, marts, subplots=True)
    caption = (
        f"ARPA per segment value and month (<code>mart_arpu_by_segment.arpa</code>, "
        f"{section_ref(8)}), one panel per segment type. "
        f"<span class=\"up\">Green</span>: the highest ARPA in {as_of_month:%B %Y}; "
        f"<span class=\"down\">red</span>: the lowest, among segments with at least "
        f"{marts.min_segment_accounts:,} paying accounts (the alerts' bar, dbt var "
        "<code>arpu_min_segment_accounts</code>); grey: the others. Hover for a value."
    )
    table = html_table(["Segment type", f"Highest ARPA in {as_of_month:%Y-%m}",
                    "Lowest ARPA", "Segments paying"], callouts, numeric={3})
    return section("segments", "ARPA by segment", caption,
                    chart(figure, "chart-segments", 260 * rows + 80) + table)


# --- 4. cohorts -----------------------------------------------------------------


def _cohort_curves(marts: Marts) -> str:
    cohorts: dict[dt.date, list[dict]] = {}
    for row in marts.cohorts:
        cohorts.setdefault(row["cohort_month"], []).append(row)
    colours = sample_colorscale("Viridis", [
        index / max(len(cohorts) - 1, 1) for index in range(len(cohorts))
    ])
    figure = go.Figure()
    # 27 lines are a tangle: the most recent cohorts are drawn, the others
    # one click away in the legend.
    shown = set(list(cohorts)[-SHOWN_COHORTS:])
    for colour, (cohort, rows) in zip(colours, cohorts.items()):
        figure.add_trace(go.Scatter(
            visible=True if cohort in shown else "legendonly",
            x=[row["months_since_cohort"] for row in rows],
            y=[num(row["arpa_expansion"]) for row in rows],
            mode="lines+markers", marker={"size": 4}, line={"color": colour, "width": 1.6},
            name=f"{cohort:%Y-%m} ({rows[0]['cohort_accounts']:,})",
            hovertemplate=(f"cohort {cohort:%Y-%m}: month %{{x}}, ARPA %{{y:+.1%}} "
                           "against month 0<extra></extra>"),
        ))
    figure.add_hline(y=0, line={"color": BLACK, "width": 1})
    figure.update_layout(
        xaxis_title="months since the cohort's first paying month",
        yaxis_title="ARPA against month 0", yaxis_tickformat="+.0%",
        legend_title_text="cohort (accounts)",
    )
    return chart(figure, "chart-cohort-curves", 520)


def _retention_heatmap(marts: Marts) -> str:
    cohorts = sorted({row["cohort_month"] for row in marts.cohorts})
    width = max(row["months_since_cohort"] for row in marts.cohorts) + 1
    cells: dict[tuple[dt.date, int], float | None] = {
        (row["cohort_month"], row["months_since_cohort"]): num(row["logo_retention"])
        for row in marts.cohorts
    }
    labels = [f"{cohort:%Y-%m}" for cohort in cohorts]
    heatmap = go.Heatmap(
        x=list(range(width)), y=labels,
        z=[[cells.get((cohort, step)) for step in range(width)] for cohort in cohorts],
        zmin=0, zmax=1, colorscale="Blues", hoverongaps=False,
        colorbar={"title": {"text": "accounts<br>paying"}, "tickformat": ".0%"},
        hovertemplate="cohort %{y}, month %{x}: %{z:.1%} of its accounts paying<extra></extra>",
    )
    if len(cohorts) <= MAX_LABELLED_COHORTS:
        heatmap.update(texttemplate="%{z:.0%}", textfont={"size": 9})
    figure = go.Figure(heatmap)
    figure.update_layout(
        xaxis_title="months since the cohort's first paying month", xaxis_dtick=1,
        yaxis={"title": "cohort", "autorange": "reversed", "type": "category"},
    )
    return chart(figure, "chart-cohort-retention", max(360, 22 * len(cohorts) + 140))


def cohorts(marts: Marts) -> str:
    first = marts.monthly[0]["month"]
    cut = first != marts.first_month_in_database
    if not marts.cohorts:
        message = (f"No cohort starts in the months shown (from {first:%Y-%m}); "
                   "arpu report --months N shows more." if cut else "mart_arpu_by_cohort is empty.")
        return section("cohorts", "Cohorts", "", empty(escape(message)))
    caption = (
        "A cohort is the accounts whose first paying month is the same (" + section_ref(9) +
        "). Left: <code>mart_arpu_by_cohort.arpa_expansion</code>, the cohort's ARPA "
        "against its first month, by <code>months_since_cohort</code>, one line per cohort "
        f"(older cohorts darker; the {SHOWN_COHORTS} most recent are drawn, click a legend "
        "entry to show or hide one). Below: "
        "<code>logo_retention</code>, the share of the cohort's accounts paying."
    )
    if cut:
        caption += f" Only the cohorts that start in the months shown, from {first:%Y-%m}."
    return section("cohorts", "Cohorts: ARPA expansion and logo retention", caption,
                    _cohort_curves(marts) + _retention_heatmap(marts))
