"""The one rule that picks the segments the summary and the report rank
(src/arpu/ranking.py), and the summary's words when no segment is large
enough."""

from __future__ import annotations

import duckdb
import pytest

from arpu.ranking import ranked_segments
from arpu.summary import summarize_connection

pytestmark = pytest.mark.unit


def segment(segment_type, value, accounts, arpa):
    return {"segment_type": segment_type, "segment_value": value,
            "paying_accounts": accounts, "arpa": arpa}


def test_only_segments_that_reach_the_bar_are_ranked_highest_first():
    rows = [segment("country", "DE", 9, 500), segment("country", "US", 12, 80),
            segment("industry", "media", 10, 120), segment("country", "FR", 10, 80)]
    ranked, large = ranked_segments(rows, 10)
    assert large
    # DE (9 accounts) is below the bar; US and FR tie at 80: by type, value.
    assert [row["segment_value"] for row in ranked] == ["media", "FR", "US"]


def test_when_none_reaches_the_bar_all_are_ranked_and_the_flag_says_so():
    rows = [segment("country", "DE", 2, 50), segment("country", "US", 3, 70)]
    ranked, large = ranked_segments(rows, 10)
    assert not large
    assert [row["segment_value"] for row in ranked] == ["US", "DE"]
    assert ranked_segments([], 10) == ([], False)


def summary_of(segments, bar):
    connection = duckdb.connect()
    connection.execute(f"""
        create table arpu_build_info as select date '2024-02-29' as as_of_date,
            date '2024-01-01' as first_month, date '2024-02-01' as last_month,
            2 as months_reported, 3 as invoice_lines, 3 as invoice_lines_checked,
            'contract' as billing_source, 3 as revenue_lines, 3 as revenue_lines_accepted,
            0 as lines_updated_in_future, false as is_as_of_month_partial,
            {bar} as min_segment_accounts, 'EUR' as reporting_currency;
        create table over_refunded_lines (line_item_id text, refund_count bigint);
        create table mart_arpu_monthly as select date '2024-02-01' as month,
            5 as paying_accounts, 5 as paying_users, 50.0 as mrr, 10.0 as arpa,
            10.0 as arpu, 0 as new_accounts;
        create table mart_arpu_by_segment (month date, segment_type text, segment_value text,
            paying_accounts bigint, arpa double);
        create table mart_arpu_alerts (month date, alert_type text, segment_type text,
            segment_value text, metric_value double, threshold double);
        create table rejected_rows as select 1 as row_id where false;
        create table rejected_rows_by_reason (source_table text, rejection_reason text,
            expected_forms text);
    """)
    if segments:
        connection.executemany(
            "insert into mart_arpu_by_segment values ('2024-02-01', ?, ?, ?, ?)", segments)
    return summarize_connection(connection).text.splitlines()


def test_the_summary_says_why_it_has_no_segment():
    assert "Segments by ARPA: none, since no account pays in 2024-02." in summary_of([], 10)


def test_the_summary_ranks_by_the_bar_the_build_recorded():
    segments = [("industry", "a", 3, 12.0), ("industry", "b", 2, 7.0)]
    # The project's default is 10: none of these reaches it, all are ranked.
    lines = summary_of(segments, 10)
    assert ("Segments by ARPA (every segment has fewer than 10 paying accounts: all ranked), "
            "top and bottom:") in lines
    assert lines.index(f"  {'industry=a':<36} {'12.00':>12}  (3 accounts)") < lines.index(
        f"  {'industry=b':<36} {'7.00':>12}  (2 accounts)")
    # A build with min_segment_accounts 3 recorded it: only `a` reaches it.
    lines = summary_of(segments, 3)
    assert "Segments by ARPA (at least 3 paying accounts), top and bottom:" in lines
    assert not any(line.startswith("  industry=b") for line in lines)
    # As of February 29th (2024), February is whole: no "partial".
    assert "As of 2024-02-29 (2 months reported), month 2024-02, amounts in EUR:" in lines
    assert not any("partial" in line for line in lines)
