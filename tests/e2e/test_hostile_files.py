"""Input files as users really send them: odd folder names, headers in
another case or twice, Excel's byte-order mark, broken quotes, very long
fields, an empty ledger, dates far from today. Nothing is read from the
wrong place, nothing is dropped silently, good marts are never replaced by
empty ones, and every refusal names its cause."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from conftest import (
    ACCOUNTS, copy_build, database_in, monthly_lines, one_line, run_build, span, write_tables)


def monthly(database):
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return connection.execute(
            "select month, paying_accounts, mrr from main.mart_arpu_monthly order by month"
        ).fetchall()
    finally:
        connection.close()


def test_glob_characters_in_the_data_path_name_that_folder_only(tmp_path):
    # Each sibling differs from the folder's name only where one kind of
    # glob character stands: were that kind left unescaped, the name as a
    # pattern would match the sibling too. A sibling read too would give
    # MRR 10 + 999.
    folder = "g[ab]-a*b-q?"
    for sibling in ("ga-a*b-q?", "g[ab]-aXb-q?", "g[ab]-a*b-qz"):
        write_tables(tmp_path / "d" / sibling, {"accounts": ACCOUNTS,
                                                "invoice_line_items": [one_line("999")]})
    data = write_tables(tmp_path / "d" / folder,
                        {"accounts": ACCOUNTS, "invoice_line_items": [one_line("10")]})
    build = run_build(data, database_in(tmp_path))
    assert build.returncode == 0, build.stderr
    assert [float(row[2]) for row in monthly(build.database)] == [10.0]


def rename_header(path, old, new):
    header, rest = path.read_text().split("\n", 1)
    names = [new if name == old else name for name in header.split(",")]
    path.write_text(",".join(names) + "\n" + rest)


@pytest.fixture(scope="module")
def odd_but_good(tmp_path_factory):
    """One build of files with every oddity a reader must take in its
    stride: headers in another case or padded, Excel's byte-order mark on
    every file, a 200,000-character account name and a 3,000,000-character
    column the contract does not know.

    a: 100 list, 20 discount -> MRR 80. t is a test account (its 50 is not
    revenue). Dropping `Discount_Amount` and ` Is_Test ` would give MRR
    100 + 50 = 150 from 2 accounts; a mark read as part of the first
    header would leave no account_id and line_item_id column."""
    folder = tmp_path_factory.mktemp("odd_but_good")
    data = write_tables(folder / "data", {
        "accounts": [{"account_id": "a", "account_name": "n" * 200_000,
                      "created_at": "2024-01-01"},
                     {"account_id": "t", "created_at": "2024-01-01", "is_test": "true"}],
        "invoice_line_items": [one_line("100", discount_amount="20"),
                               one_line("50", line_item_id="t1", account_id="t")],
    })
    rename_header(data / "invoice_line_items.csv", "discount_amount", "Discount_Amount")
    rename_header(data / "accounts.csv", "is_test", " Is_Test ")
    rename_header(data / "invoice_line_items.csv", "amount", "AMOUNT")
    path = data / "invoice_line_items.csv"
    header, *rows = path.read_text().strip().split("\n")
    path.write_text(f"{header},notes\n" + "".join(f"{row},{'z' * 3_000_000}\n" for row in rows))
    for name in ("accounts.csv", "invoice_line_items.csv"):
        text = (data / name).read_text()
        (data / name).write_bytes(b"\xef\xbb\xbf" + text.encode())
    build = run_build(data, database_in(folder))
    assert build.returncode == 0, build.stderr
    return build


def test_optional_headers_in_another_case_or_padded_are_read(odd_but_good):
    (month, accounts, mrr), = monthly(odd_but_good.database)
    assert (accounts, mrr) == (1, Decimal("80"))


@pytest.mark.parametrize("duplicate", ["discount_amount", "Discount_Amount"])
def test_a_header_that_appears_twice_stops_the_build(tmp_path, duplicate):
    data = write_tables(tmp_path / "data", {"accounts": ACCOUNTS,
                                            "invoice_line_items": [one_line("100")]})
    path = data / "invoice_line_items.csv"
    header, rest = path.read_text().split("\n", 1)
    path.write_text(header + "," + duplicate + "\n"
                    + "\n".join(row + ",5" for row in rest.strip().split("\n")) + "\n")
    database = database_in(tmp_path)
    build = run_build(data, database)
    assert build.returncode == 2, build.stderr
    assert (f"error: {path}: column 'discount_amount' appears more than once in the header "
            "(names are matched trimmed and in any case).") in build.stderr
    assert "Traceback" not in build.stderr
    assert not database.exists()


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(odd_but_good):
    assert odd_but_good.rows("select count(*) from main.stg_billing__accounts", work=True) == [(2,)]
    assert [(row[1], float(row[2])) for row in monthly(odd_but_good.database)] == [(1, 80.0)]


def test_an_unterminated_quote_names_the_line_where_it_opens(tmp_path):
    data = write_tables(tmp_path / "data", {
        "accounts": ACCOUNTS + [{"account_id": f"x{n}", "created_at": "2024-01-01"}
                                for n in range(5)],
        "invoice_line_items": [one_line("10")],
    })
    path = data / "accounts.csv"
    lines = path.read_text().split("\n")
    lines[3] = lines[3].replace("x1,", 'x1,"Unclosed name', 1)  # line 4 of the file
    path.write_text("\n".join(lines))
    database = database_in(tmp_path)
    build = run_build(data, database)
    assert build.returncode == 2, build.stderr
    assert (f"error: {path}, line 4: a quoted field opens on this line and is never closed."
            in build.stderr)
    assert not database.exists()


def test_long_fields_in_free_text_and_ignored_columns_do_not_stop_the_run(odd_but_good):
    assert [(row[1], float(row[2])) for row in monthly(odd_but_good.database)] == [(1, 80.0)]
    assert odd_but_good.rows("select length(account_name) from main.stg_billing__accounts "
                             "where account_id = 'a'", work=True) == [(200_000,)]


@pytest.fixture
def published(tmp_path, good_build):
    """A copy of that database, with the files beside it, for a test to
    build over."""
    return copy_build(good_build, tmp_path)


def test_an_empty_ledger_does_not_replace_good_marts(tmp_path, published):
    before = published.read_bytes()
    empty = write_tables(tmp_path / "empty", {"accounts": ACCOUNTS, "invoice_line_items": []})
    build = run_build(empty, published)
    assert build.returncode == 2, build.stderr
    assert (f"error: The build has no month to report (no paid or open invoice line on or "
            f"before the as-of date), and {published} has months: not replacing it.") in build.stderr
    assert published.read_bytes() == before
    assert not list(published.parent.glob(".arpu.duckdb.building-*"))


def test_an_as_of_date_before_all_data_does_not_replace_good_marts(tmp_path, published):
    before = published.read_bytes()
    data = write_tables(tmp_path / "data", {"accounts": ACCOUNTS,
                                            "invoice_line_items": [one_line("20")]})
    build = run_build(data, published, "--as-of", "2023-06-30")
    assert build.returncode == 2, build.stderr
    assert "has months: not replacing it." in build.stderr
    assert published.read_bytes() == before


def test_allow_empty_publishes_an_empty_build(tmp_path, published):
    voided = write_tables(tmp_path / "void", {
        "accounts": ACCOUNTS, "invoice_line_items": [one_line("10", invoice_status="void")]})
    build = run_build(voided, published, "--allow-empty")
    assert build.returncode == 0, build.stderr
    assert monthly(published) == []
    assert "Warning: no month to report" in build.stdout


def test_an_implausible_range_of_months_is_a_warning(tmp_path):
    # One line dated 1900 stretches the marts from 1900-01 to 2024-01:
    # 124 years x 12 + 1 = 1,489 months.
    data = write_tables(tmp_path / "data", {
        "accounts": ACCOUNTS,
        "invoice_line_items": [one_line("10"),
                               one_line("5", line_item_id="old", period_start="1900-01-01",
                                        period_end="1900-02-01", invoice_date="1900-01-01")],
    })
    build = run_build(data, database_in(tmp_path))
    assert build.returncode == 0, build.stderr
    assert ("Warning: 1,489 months reported (1900-01 to 2024-01), more than 10 years: check "
            "--as-of and the earliest invoice_date and period_start in the input.") in build.stdout


def test_an_as_of_date_after_today_is_a_warning(tmp_path):
    lines = monthly_lines("a", "10", span((2024, 1), (2024, 2)))
    data = write_tables(tmp_path / "data", {"accounts": ACCOUNTS, "invoice_line_items": lines})
    # --fail-on-warnings: the summary's two warnings make exit code 4.
    build = run_build(data, database_in(tmp_path), "--as-of", "2099-12-31", "--fail-on-warnings")
    assert build.returncode == 4, build.stderr
    assert "Warning: the as-of date 2099-12-31 is after today (" in build.stdout
    # 2024-01 to 2099-12: 76 years of months.
    assert "Warning: 912 months reported (2024-01 to 2099-12), more than 10 years" in build.stdout
    assert "error: 2 warning(s) in the summary (--fail-on-warnings)." in build.stderr
