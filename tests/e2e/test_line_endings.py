"""CSV line endings as exports write them: Windows (CRLF), Unix (LF), two
exports put together (both), a newline inside a quoted field (Excel writes
LF inside a CRLF file), a last line without one. Every row is read, with
its value exactly, or the input check stops the build naming the file and
the line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conftest import database_in, run_build

ACCOUNT_HEADER = "account_id,account_name,created_at"
LINE_HEADER = ("line_item_id,invoice_id,account_id,charge_type,amount,currency,"
               "period_start,period_end,invoice_date,invoice_status")


def line(account: str, month: int, amount: str) -> str:
    start = f"2024-{month:02d}-01"
    end = f"2024-{month + 1:02d}-01"
    return (f"{account}_{month},i_{account}_{month},{account},recurring,{amount},USD,"
            f"{start},{end},{start},paid")


def write(folder, name: str, lines: list[str], endings: list[str]) -> None:
    """One file, line i ending in endings[i] ('' for a last line without one)."""
    assert len(lines) == len(endings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes("".join(t + e for t, e in zip(lines, endings)).encode())


def test_crlf_and_lf_in_one_file_are_read_and_quoted_newlines_kept(tmp_path):
    data = tmp_path / "data"
    # accounts: CRLF (Excel, a quoted LF and a quoted CRLF in names), then
    # LF from a second export (a quoted lone CR in a name), the last line
    # without an ending.
    write(data, "accounts.csv", [
        ACCOUNT_HEADER,
        'a,"Acme\nWest",2024-01-01',
        'b,"Beta\r\nLabs",2024-01-01',
        "c,Gamma,2024-01-01",
        'd,"Delta\rInc",2024-01-01',
        "e,Epsilon,2024-01-01",
    ], ["\r\n", "\r\n", "\r\n", "\n", "\n", ""])
    # invoice lines: LF, then CRLF.
    write(data, "invoice_line_items.csv", [
        LINE_HEADER, line("a", 1, "100"), line("b", 1, "20"), line("c", 1, "3"),
        line("d", 1, "0.4"), line("e", 1, "0.05"), line("a", 2, "200"),
    ], ["\n", "\n", "\n", "\r\n", "\r\n", "\r\n", "\r\n"])
    # plans: all CRLF, an Excel cell with a line break; read as before.
    write(data, "plans.csv", ["plan_id,plan_name", 'p1,"Pro\nannual"'], ["\r\n", "\r\n"])
    build = run_build(data, database_in(tmp_path))
    assert build.returncode == 0, build.stderr
    assert build.rows("select account_id, account_name from main.stg_billing__accounts "
                      "order by 1", work=True) == [
        ("a", "Acme\nWest"), ("b", "Beta\r\nLabs"), ("c", "Gamma"), ("d", "Delta\rInc"),
        ("e", "Epsilon"),
    ]
    assert build.rows("select plan_name from main.stg_billing__plans", work=True) == [("Pro\nannual",)]
    # January: 100 + 20 + 3 + 0.4 + 0.05 from five accounts; February: a's 200.
    assert build.rows("select month, paying_accounts, mrr from main.mart_arpu_monthly "
                      "order by month") == [
        (dt.date(2024, 1, 1), 5, Decimal("123.45")), (dt.date(2024, 2, 1), 1, Decimal("200")),
    ]
    assert build.rows("select count(*) from main.rejected_rows") == [(0,)]


def test_a_lone_cr_among_other_line_endings_stops_the_build_naming_the_line(tmp_path):
    # DuckDB's relaxed reader would take the first field of the row after
    # a lone CR for NULL; its strict one fails with a parser error.
    data = tmp_path / "data"
    write(data, "accounts.csv", [
        ACCOUNT_HEADER, 'a,"Acme\rWest",2024-01-01', "b,Beta,2024-01-01", "c,Gamma,2024-01-01",
    ], ["\r\n", "\r\n", "\r", "\r\n"])
    write(data, "invoice_line_items.csv", [LINE_HEADER, line("a", 1, "100")], ["\n", "\n"])
    database = database_in(tmp_path)
    build = run_build(data, database)
    assert build.returncode == 2, build.stdout + build.stderr
    # Lines count as the other input errors count them, at every CR or LF:
    # a's row is lines 2 and 3 (its quoted CR is part of the name, not an
    # ending), b's row is line 4.
    assert (f"error: {data / 'accounts.csv'}, line 4: this line ends in CR (old Mac) where the "
            "row before ends in CRLF (Windows); a file may mix CRLF and LF line endings, but "
            "not CR with either. Save it again with one kind of line ending (e.g. "
            "`dos2unix FILE`, then `mac2unix FILE`).") in build.stderr
    assert "Traceback" not in build.stderr
    assert not database.exists()
