"""Which segments the readers of the marts rank, the build's summary and
the report alike, so that both name the same top and bottom segments."""

from __future__ import annotations


def ranked_segments(rows: list[dict], minimum: int) -> tuple[list[dict], bool]:
    """Segment rows (segment_type, segment_value, paying_accounts, arpa) by
    ARPA, highest first, among those with at least `minimum` paying
    accounts: the bar of the alerts, arpu_build_info.min_segment_accounts.
    When none has, all of them, and the flag (whether any had) is False, so
    that the reader says so instead of showing nothing."""
    large = [row for row in rows if row["paying_accounts"] >= minimum]
    return (sorted(large or rows, key=lambda row: (-row["arpa"], row["segment_type"],
                                                   row["segment_value"])),
            bool(large))
