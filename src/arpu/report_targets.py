"""The targets file of `arpu report --targets`: a CSV `month,metric,target`
read exactly, or a ReportError naming the line."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from arpu.report_marts import ReportError, Target
from arpu.text import printable

TARGETS_HEADER = ("month", "metric", "target")
TARGET_METRICS = ("arpa", "arpu")
TARGET_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(-01)?")
# As the billing contract's decimals, without the sign: no exponent, no
# thousands separators, so "1e3" or "1,200" is an error, not a guess.
TARGET_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


def read_targets(path: Path) -> list[Target]:
    """The targets of a CSV `month,metric,target`; a ReportError naming the
    line for anything it cannot read exactly."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _parse_targets(path, csv.reader(handle))
    except UnicodeDecodeError:
        raise ReportError(f"{printable(path)}: not UTF-8 text.") from None
    except csv.Error as error:
        raise ReportError(f"{printable(path)}: not a readable CSV file ({error}).") from None
    except OSError as error:
        raise ReportError(f"{printable(error.filename or path)}: "
                          f"{printable(error.strerror or error)}.") from None


def _parse_targets(path: Path, reader) -> list[Target]:
    header = next((fields for fields in reader if fields), None)  # past blank lines
    if header is None:
        raise ReportError(
            f"{printable(path)} is empty: expected the header month,metric,target and one row "
            "per target."
        )
    if tuple(name.strip().lower() for name in header) != TARGETS_HEADER:
        raise ReportError(
            f"{printable(path)}, line {reader.line_num}: the header is {','.join(header)!r}; "
            "expected month,metric,target."
        )
    targets: list[Target] = []
    first_seen: dict[tuple[dt.date, str], int] = {}
    for fields in reader:
        line = reader.line_num
        if not fields:  # a blank line
            continue
        target = _target_row(path, line, fields)
        key = (target.month, target.metric)
        if key in first_seen:
            raise ReportError(
                f"{printable(path)}, line {line}: a second {target.metric} target for "
                f"{target.month:%Y-%m} (the first is on line {first_seen[key]})."
            )
        first_seen[key] = line
        targets.append(target)
    if not targets:
        raise ReportError(f"{printable(path)} has a header but no target rows.")
    return targets


def _target_row(path: Path, line: int, fields: list[str]) -> Target:
    where = f"{printable(path)}, line {line}"
    if len(fields) != len(TARGETS_HEADER):
        raise ReportError(f"{where}: {len(fields)} fields; expected 3 (month,metric,target).")
    month_text, metric_text, number_text = (value.strip() for value in fields)
    month = _target_month(month_text)
    if month is None:
        raise ReportError(f"{where}: month {month_text!r} is not a month YYYY-MM or YYYY-MM-01.")
    metric = metric_text.lower()
    if metric not in TARGET_METRICS:
        raise ReportError(f"{where}: metric {metric_text!r} is not arpa or arpu.")
    if not TARGET_NUMBER.fullmatch(number_text):
        raise ReportError(
            f"{where}: target {number_text!r} is not a non-negative decimal number "
            "(digits, optionally a dot and digits: 1200 or 85.50)."
        )
    try:
        target = Decimal(number_text)
    except InvalidOperation:  # the pattern lets none through; belt and braces
        raise ReportError(f"{where}: target {number_text!r} is not a number.") from None
    return Target(month, metric, target, line)


def _target_month(text: str) -> dt.date | None:
    match = TARGET_MONTH.fullmatch(text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:  # month 00 or 13
        return None
