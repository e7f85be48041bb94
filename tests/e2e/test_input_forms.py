"""Timestamps as real exports write them (ISO 8601 with T, Z and numeric
offsets), read in UTC: one hand-made build, every expected value worked
out here by hand. An offset moves a time across midnight, a month end or a
year end, and with it the month a user arrives or leaves in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import build_ok, monthly_lines, span, write_tables

AS_OF = "2024-03-31"

ACCOUNTS = [
    # 22:00 at UTC-3 on New Year's Eve is 01:00 UTC on January 1.
    {"account_id": "a", "created_at": "2023-12-31T22:00:00-03:00"},
    {"account_id": "b", "created_at": "2024-01-01T00:00:00Z"},
    {"account_id": "c", "created_at": "2024-01-01"},
]

LINES = monthly_lines("a", "300", span((2024, 1), (2024, 3))) + monthly_lines(
    "b", "100", [(2024, 1)])
UPDATED_AT = {
    "a_202401": ("2024-01-05T10:00:00Z", dt.datetime(2024, 1, 5, 10)),
    "a_202402": ("2024-02-01T00:30:00.25+01:00", dt.datetime(2024, 1, 31, 23, 30, 0, 250000)),
    "a_202403": ("2024-03-01 05:00:00-0530", dt.datetime(2024, 3, 1, 10, 30)),
    "b_202401": ("2024-01-01T00:00:00+14:00", dt.datetime(2023, 12, 31, 10)),
}
for row in LINES:
    row["updated_at"] = UPDATED_AT[row["line_item_id"]][0]

# (created_at, deactivated_at) as written, and in UTC.
USERS = {
    # a: 01:00 at UTC+2 on February 1 is still January 31 in UTC.
    "u1": ("a", "2024-02-01T01:00:00+02:00", None, dt.datetime(2024, 1, 31, 23), None),
    # a: 23:30 at UTC-1:30 on January 31 is February 1 in UTC.
    "u2": ("a", "2024-01-31T23:30:00-0130", None, dt.datetime(2024, 2, 1, 1), None),
    # a: left 2024-04-01 00:29:59 UTC, so still there at March's snapshot (Mar 31).
    "u3": ("a", "2024-01-15T10:00:00Z", "2024-03-31T23:59:59-00:30",
           dt.datetime(2024, 1, 15, 10), dt.datetime(2024, 4, 1, 0, 29, 59)),
    # a: left 2024-02-29 23:00 UTC, on February's snapshot, so not active in February.
    "u4": ("a", "2024-01-10 12:00:00+05", "2024-03-01T02:00:00+03:00",
           dt.datetime(2024, 1, 10, 7), dt.datetime(2024, 2, 29, 23)),
    # a: arrives 2024-04-01 01:00 UTC, after the as-of date.
    "u5": ("a", "2024-03-31T23:00:00-02:00", None, dt.datetime(2024, 4, 1, 1), None),
    "u7": ("a", "2024-02-15T12:00:00+00:00", "2024-03-10T00:00:00Z",
           dt.datetime(2024, 2, 15, 12), dt.datetime(2024, 3, 10)),
    # b: u6 arrives in February UTC, when b no longer pays; u8 in January.
    "u6": ("b", "2024-01-31T20:00:00-04:00", None, dt.datetime(2024, 2, 1), None),
    "u8": ("b", "2024-01-02T00:00:00Z", None, dt.datetime(2024, 1, 2), None),
    # c pays nothing: its users only show the edges of what casts.
    "c1": ("c", "2024-01-01T00:00:00+14:00", None, dt.datetime(2023, 12, 31, 10), None),
    "c2": ("c", "2024-01-01T00:00:00-12:00", None, dt.datetime(2024, 1, 1, 12), None),
    "c3": ("c", "2024-01-01T00:00:00-1400", None, dt.datetime(2024, 1, 1, 14), None),
    "c4": ("c", "2024-06-30T23:59:59.9999999-00:00", None,
           dt.datetime(2024, 6, 30, 23, 59, 59, 999999), None),
    "c5": ("c", "2024-12-31T23:00:00-01:00", None, dt.datetime(2025, 1, 1), None),
    "c6": ("c", "2024-02-28T23:00:00-01", None, dt.datetime(2024, 2, 29), None),
    "c7": ("c", "2024-01-01T10:00:00+0000", None, dt.datetime(2024, 1, 1, 10), None),
}

# Not a timestamp of the contract: each user is rejected as invalid_created_at.
BAD_CREATED_AT = {
    "x01": "2024-01-01T00:00:00+14:01",   # beyond +14:00
    "x02": "2024-01-01T00:00:00+15",
    "x03": "2024-01-01T00:00:00+02:60",   # minutes past 59
    "x04": "2024-01-01T00:00:00+0260",
    "x05": "2024-01-01T00:00:00+2",       # one-digit hour
    "x06": "2024-01-01T00:00:00+02:0",
    "x07": "2024-01-01+02:00",            # a zone without a time
    "x08": "2024-01-01T10:00:00 +02:00",  # a space before the zone
    "x09": "2024-01-01T10:00:00z",        # lower-case z
    "x10": "2024-01-01T10:00Z",           # no seconds
    "x11": "2024-01-01T10:00:00.Z",       # a dot without digits
    "x12": "0001-01-01T00:30:00+01:00",   # before year 1 in UTC
    "x13": "2024-02-30T10:00:00Z",        # no such day
    "x14": "2024-01-01T24:00:00Z",
}

SUBSCRIPTIONS = [{
    "subscription_id": "s1", "account_id": "a",
    "started_at": "2024-01-01T09:00:00+09:00", "trial_ends_at": "2024-01-15T00:00:00Z",
    "ended_at": "2024-03-31T20:00:00-05:00",
}]
REFUNDS = [{"refund_id": "r1", "line_item_id": "a_202401", "amount": "30",
            "refunded_at": "2024-01-20T12:00:00+01:00"}]

EXPECTED_FORMS = ("YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS with a space or T, an optional "
                  ".fraction and an optional zone: Z, +HH:MM, +HHMM or +HH (or -, at most "
                  "14:00)")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("input_forms")
    users = [{"user_id": key, "account_id": account, "created_at": created,
              "deactivated_at": deactivated}
             for key, (account, created, deactivated, _, _) in USERS.items()]
    users += [{"user_id": key, "account_id": "a", "created_at": created}
              for key, created in BAD_CREATED_AT.items()]
    users.append({"user_id": "x15", "account_id": "a", "created_at": "2024-01-01",
                  "deactivated_at": "2024-03-01T02:00:00+1500"})
    write_tables(folder / "data", {
        "accounts": ACCOUNTS, "invoice_line_items": LINES, "users": users,
        "subscriptions": SUBSCRIPTIONS, "refunds": REFUNDS,
    })
    return build_ok(folder / "data", folder / "arpu.duckdb", "--as-of", AS_OF)


def test_only_the_malformed_timestamps_are_rejected(build):
    rows = build.rows("select source_table, row_key, rejection_reasons from main.rejected_rows")
    assert sorted(rows) == sorted(
        [("users", key, "invalid_created_at") for key in BAD_CREATED_AT]
        + [("users", "x15", "invalid_deactivated_at")])


def test_every_timestamp_column_is_read_in_utc(build):
    assert dict(build.rows("select account_id, created_at from main.int_accounts_checked "
                           "where rejection_reasons is null", work=True)) == {
        "a": dt.datetime(2024, 1, 1, 1), "b": dt.datetime(2024, 1, 1), "c": dt.datetime(2024, 1, 1),
    }
    assert dict(build.rows(
        "select line_item_id, updated_at from main.int_invoice_line_items_checked "
        "where rejection_reasons is null", work=True,
    )) == {key: utc for key, (_, utc) in UPDATED_AT.items()}
    assert build.rows(
        "select user_id, created_at, deactivated_at from main.int_users_checked "
        "where rejection_reasons is null order by 1", work=True,
    ) == sorted((key, created, deactivated)
                for key, (_, _, _, created, deactivated) in USERS.items())
    assert build.rows(
        "select started_at, trial_ends_at, ended_at from main.int_subscriptions_checked "
        "where rejection_reasons is null", work=True,
    ) == [(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 15), dt.datetime(2024, 4, 1, 1))]
    assert build.rows("select refunded_at from main.int_refunds_checked "
                      "where rejection_reasons is null", work=True) == [
        (dt.datetime(2024, 1, 20, 11),)]


def test_users_arrive_and_leave_in_their_utc_month(build):
    # January: a (300 - refund 30) with u1 (Jan 31 UTC), u3, u4; b (100)
    # with u8 only (u6 arrives Feb 1 UTC). February: a with u1, u2, u3, u7
    # (u4 left on Feb 29, the snapshot). March: a with u1, u2, u3 (u3 left
    # on Apr 1 UTC, u7 on Mar 10, u5 arrives Apr 1 UTC).
    assert build.rows(
        "select month, paying_accounts, paying_users, mrr, arpu "
        "from main.mart_arpu_monthly order by month"
    ) == [
        (dt.date(2024, 1, 1), 2, 4, Decimal("370"), 92.5),
        (dt.date(2024, 2, 1), 1, 4, Decimal("300"), 75.0),
        (dt.date(2024, 3, 1), 1, 3, Decimal("300"), 100.0),
    ]


def test_a_rejected_timestamp_says_which_forms_were_expected(build):
    lines = build.stdout.splitlines()
    for reason, count in (("invalid_created_at", len(BAD_CREATED_AT)),
                          ("invalid_deactivated_at", 1)):
        (at,) = [n for n, text in enumerate(lines) if reason in text]
        assert lines[at].split() == ["users", reason, str(count)]
        assert lines[at + 1] == f"    expected {EXPECTED_FORMS}"
    assert build.rows(
        "select distinct rejection_reason, expected_forms from main.rejected_rows_by_reason "
        "order by 1"
    ) == [("invalid_created_at", EXPECTED_FORMS), ("invalid_deactivated_at", EXPECTED_FORMS)]
