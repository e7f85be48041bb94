"""Panels of `arpu report`'s page on the whole base over time: MRR and
paying accounts with their movements per month (panel 2), and unit
economics (panel 10; docs/report.md). Every value is a mart column."""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from arpu.report_blocks import (
    BLUE,
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
    share,
)
from arpu.report_marts import Marts
from arpu.text import money

LIGHT_GREEN, LIGHT_RED = "#98df8a", "#ff9896"


def trend(marts: Marts) -> str:
    """MRR and paying accounts per month, and below each what moved it."""
    currency = marts.build["reporting_currency"]
    months = [row["month"] for row in marts.monthly]
    moves = marts.movement_months
    moved = [row["month"] for row in moves]
    figure = make_subplots(
        rows=2, cols=2, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.08,
        horizontal_spacing=0.08,
        subplot_titles=(f"MRR ({currency}); ARR = 12 x MRR in the hover", "Paying accounts",
                        f"MRR movements ({currency})", "Accounts in and out"))
    figure.add_trace(go.Scatter(
        x=months, y=[num(row["mrr"]) for row in marts.monthly], name="MRR",
        mode="lines+markers", line={"color": BLUE, "width": 3},
        customdata=[money(row["arr"]) for row in marts.monthly],
        hovertemplate="%{x|%Y-%m}: MRR %{y:,.2f}, ARR %{customdata}<extra></extra>",
    ), row=1, col=1)
    figure.add_trace(go.Scatter(
        x=months, y=[row["paying_accounts"] for row in marts.monthly], name="paying accounts",
        mode="lines+markers", line={"color": PURPLE, "width": 3},
        hovertemplate="%{x|%Y-%m}: %{y:,} paying accounts<extra></extra>",
    ), row=1, col=2)
    # The mart keeps falls as positive amounts; the bars draw them down.
    for column, label, colour, sign in (
        ("new_mrr", "new", GREEN, 1), ("expansion_mrr", "expansion", LIGHT_GREEN, 1),
        ("reactivation_mrr", "reactivation", ORANGE, 1),
        ("contraction_mrr", "contraction", LIGHT_RED, -1), ("churned_mrr", "churned", RED, -1),
    ):
        figure.add_trace(go.Bar(
            x=moved, y=[sign * num(row[column]) for row in moves], name=f"{label} MRR",
            marker_color=colour, legendgroup="mrr",
            hovertemplate=f"%{{x|%Y-%m}}: {label} %{{y:+,.2f}}<extra></extra>",
        ), row=2, col=1)
    for column, label, colour, sign in (
        ("new_accounts", "new", GREEN, 1), ("reactivated_accounts", "reactivated", ORANGE, 1),
        ("churned_accounts", "churned", RED, -1),
    ):
        figure.add_trace(go.Bar(
            x=moved, y=[sign * row[column] for row in moves], name=f"{label} accounts",
            marker_color=colour, legendgroup="accounts",
            hovertemplate=f"%{{x|%Y-%m}}: %{{y:+,}} {label}<extra></extra>",
        ), row=2, col=2)
    figure.update_layout(barmode="relative", legend={"orientation": "h", "y": -0.12})
    figure.update_yaxes(tickformat=",.0f", row=1, col=1)
    figure.update_yaxes(rangemode="tozero", row=1, col=2,
                        **count_ticks(row["paying_accounts"] for row in marts.monthly))
    figure.update_yaxes(tickformat="+,.0f", row=2, col=1)
    figure.update_yaxes(row=2, col=2, **{**count_ticks(
        value for row in moves for value in (row["new_accounts"] + row["reactivated_accounts"],
                                             row["churned_accounts"])), "tickformat": "+,d"})
    month_axes(figure, marts, subplots=True)
    caption = (
        "MRR and paying accounts per month (<code>mart_arpu_monthly.mrr</code>, "
        "<code>arr</code>, <code>paying_accounts</code>), and below, what moved them "
        "(<code>mart_mrr_movements</code>: new, expansion and reactivation MRR up, "
        "contraction and churned MRR down; accounts new, reactivated and churned; FX "
        f"effects are in the waterfall below; {section_ref(3, 10)})."
    )
    return section("trend", "MRR and paying accounts", caption,
                   chart(figure, "chart-trend", 620))


def unit_economics(marts: Marts) -> str:
    """Churn, LTV, CAC and payback per month, and the as-of month's row."""
    rows = marts.unit_economics
    if not rows:
        return section("unit-economics", "Unit economics", "",
                       empty("mart_unit_economics has no row in the months shown."))
    currency = marts.build["reporting_currency"]
    months = [row["month"] for row in rows]
    figure = make_subplots(rows=1, cols=3, horizontal_spacing=0.07, subplot_titles=(
        "Churn: accounts lost", f"LTV and CAC ({currency})", "CAC payback (months)"))
    for column, label, colour, dash in (("logo_churn_rate", "churn in the month", RED, None),
                                        ("churn_rate_12m", "monthly churn, 12-month rate",
                                         PURPLE, "dot")):
        figure.add_trace(go.Scatter(
            x=months, y=[num(row[column]) for row in rows], name=label, mode="lines+markers",
            line={"color": colour, "dash": dash},
            hovertemplate=f"%{{x|%Y-%m}}: {label} %{{y:.1%}}<extra></extra>"), row=1, col=1)
    for column, label, colour in (("ltv", "LTV", BLUE), ("cac", "CAC", ORANGE)):
        figure.add_trace(go.Scatter(
            x=months, y=[num(row[column]) for row in rows], name=label, mode="lines+markers",
            line={"color": colour}, connectgaps=False,
            hovertemplate=f"%{{x|%Y-%m}}: {label} %{{y:,.2f}}<extra></extra>"), row=1, col=2)
    figure.add_trace(go.Scatter(
        x=months, y=[num(row["cac_payback_months"]) for row in rows], name="CAC payback",
        mode="lines+markers", line={"color": GREEN}, connectgaps=False,
        hovertemplate="%{x|%Y-%m}: %{y:.1f} months<extra></extra>"), row=1, col=3)
    figure.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    figure.update_yaxes(tickformat=",.0f", rangemode="tozero", row=1, col=2)
    figure.update_yaxes(tickformat=",.0f", rangemode="tozero", row=1, col=3)
    figure.update_layout(legend={"orientation": "h", "y": -0.2})
    month_axes(figure, marts, subplots=True)
    last = rows[-1]
    spend = last["acquisition_spend"] is not None
    table = html_table(
        ["Month", "Churn in the month", "LTV", "CAC", "LTV : CAC", "CAC payback",
         "Gross margin"],
        [[f"{last['month']:%Y-%m}", share(last["logo_churn_rate"]), money(last["ltv"]),
          money(last["cac"]), _ratio(last["ltv_to_cac"]),
          "-" if last["cac_payback_months"] is None
          else f"{float(last['cac_payback_months']):.1f} months",
          share(last["gross_margin"])]],
        numeric={1, 2, 3, 4, 5, 6})
    caption = (
        f"<code>mart_unit_economics</code> ({section_ref(11)}): the share of the month "
        "before's paying accounts that stopped paying, and the monthly rate over the last 12 "
        "months; LTV = ARPA x gross margin / that rate; CAC = acquisition spend / new accounts; "
        "payback = CAC / (new-account ARPA x gross margin). "
        + ("" if spend else escape(
            f"No acquisition_spend row covers {last['month']:%B %Y}: CAC, LTV : CAC and "
            "payback are blank there (no data is not zero spend)."))
    )
    return section("unit-economics", "Unit economics", caption,
                   chart(figure, "chart-unit-economics", 420) + table)


def _ratio(value) -> str:
    return "-" if value is None else f"{float(value):.1f}x"
