"""Panel 9 of `arpu report`'s page: revenue retention, the quick ratio
and MRR concentration over time (docs/report.md), and the headline's card
of the as-of month's 12-month retention."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from arpu.report_blocks import (
    BLUE,
    GRAY,
    GREEN,
    ORANGE,
    PURPLE,
    card,
    chart,
    empty,
    month_axes,
    num,
    section,
    section_ref,
    share,
)
from arpu.report_marts import Marts

RATIOS = (
    ("nrr_1m", "NRR, 1 month", BLUE, "dot"),
    ("grr_1m", "GRR, 1 month", ORANGE, "dot"),
    ("nrr_12m", "NRR, 12 months", BLUE, "solid"),
    ("grr_12m", "GRR, 12 months", ORANGE, "solid"),
)
SHARES = (
    ("top10_mrr_share", "10 largest accounts", PURPLE),
    ("top_decile_mrr_share", "largest 10% of accounts", GREEN),
)


def retention(marts: Marts) -> str:
    caption = (
        "<code>mart_revenue_retention</code> (" + section_ref(15) + "). Left: net revenue "
        "retention (<code>nrr_1m</code>, <code>nrr_12m</code>), what the accounts paying 1 or "
        "12 months before pay now over what they paid then, and gross revenue retention "
        "(<code>grr_1m</code>, <code>grr_12m</code>), the same with no account counted above "
        "what it paid then; accounts won since do not count. Middle: the quick ratio "
        "(<code>quick_ratio</code>), new, expansion and reactivation MRR over contraction and "
        "churned MRR; a gap is a month that lost nothing. Right: the share of MRR held by the "
        "10 largest accounts and by the largest tenth (<code>top10_mrr_share</code>, "
        "<code>top_decile_mrr_share</code>)."
    )
    rows = marts.retention
    if not rows:
        return section("retention", "Revenue retention", caption,
                       empty("mart_revenue_retention has no row for the months shown."))
    months = [row["month"] for row in rows]
    figure = make_subplots(rows=1, cols=3, column_widths=[0.5, 0.25, 0.25],
                           horizontal_spacing=0.07,
                           subplot_titles=("Net and gross revenue retention", "Quick ratio",
                                           "MRR share of the largest accounts"))
    for column, name, colour, dash in RATIOS:
        figure.add_trace(go.Scatter(
            x=months, y=[num(row[column]) for row in rows], name=name, mode="lines+markers",
            line={"color": colour, "width": 2.5 if dash == "solid" else 1.5, "dash": dash},
            hovertemplate=f"%{{x|%Y-%m}}: {name} %{{y:.1%}}<extra></extra>",
        ), row=1, col=1)
    figure.add_trace(go.Scatter(
        x=months, y=[num(row["quick_ratio"]) for row in rows], name="quick ratio",
        mode="lines+markers", line={"color": GRAY, "width": 2},
        hovertemplate="%{x|%Y-%m}: quick ratio %{y:,.2f}<extra></extra>",
    ), row=1, col=2)
    for column, name, colour in SHARES:
        figure.add_trace(go.Scatter(
            x=months, y=[num(row[column]) for row in rows], name=name, mode="lines+markers",
            line={"color": colour, "width": 2},
            hovertemplate=f"%{{x|%Y-%m}}: {name} %{{y:.1%}}<extra></extra>",
        ), row=1, col=3)
    figure.update_yaxes(tickformat=".0%", row=1, col=1)
    figure.update_yaxes(tickformat=",.1f", rangemode="tozero", row=1, col=2)
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05], row=1, col=3)
    figure.update_layout(legend={"orientation": "h", "y": -0.15})
    month_axes(figure, marts, subplots=True)
    return section("retention", "Revenue retention", caption,
                   chart(figure, "chart-retention", 460))


def retention_card(marts: Marts) -> str:
    """The headline's card: the as-of month's 12-month NRR and GRR, and the
    accounts they are taken over."""
    month = marts.as_of_month["month"]
    row = next((row for row in marts.retention if row["month"] == month), {})
    base = row.get("accounts_12m_ago") or 0
    year_before = month.replace(year=month.year - 1) if month.year > 1 else None
    when = f"{year_before:%B %Y}" if year_before else "the year before"
    detail = (f"over the {base:,} account{'' if base == 1 else 's'} paying in {when}" if base
              else f"nobody paid in {when}: no 12-month retention yet")
    return card("nrr", "NRR, 12 months", share(row.get("nrr_12m")),
                f"GRR {share(row.get('grr_12m'))}", None, detail,
                "mart_revenue_retention.nrr_12m, grr_12m, accounts_12m_ago")
