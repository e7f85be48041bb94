"""No input value reaches the terminal raw: billing values, file and column
names, and the database messages that quote them are printed by `arpu
build`, `arpu load` and `arpu report` with their control characters
escaped (ESC as \\x1b, CR as \\r, U+202E as \\u202e), and ordinary
non-ASCII text left alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from conftest import ROOT, build_env, database_in, monthly_lines, span, write_tables

from arpu import cli, warehouse
from arpu.runner import DbtOutcome, Failure, Progress
from arpu.summary import summarize_connection
from arpu.text import printable, printable_lines

ESC, BEL, CR, CSI_C1, RLO = "\x1b", "\x07", "\r", "\x9b", "\u202e"
OSC_TITLE = f"{ESC}]0;PWNED{BEL}"
CLEAR = f"{ESC}[2J{ESC}[H"
HIDE = f"{ESC}[8m"
BIDI = {"\u061c", "\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202a, 0x202f)),
        *map(chr, range(0x2066, 0x206a))}


def raw_controls(text: str) -> list[str]:
    """Every character a terminal would act on, but the line break."""
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f
            or c in BIDI]


def run_arpu(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The command, its output as bytes decoded strictly: a raw C1 control
    is caught as the character, not lost to a lenient decoder."""
    done = subprocess.run([sys.executable, "-m", "arpu.cli", *arguments], capture_output=True,
                          env=build_env(), cwd=cwd)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


def assert_clean(done: subprocess.CompletedProcess) -> None:
    assert raw_controls(done.stdout) == [], done.stdout
    assert raw_controls(done.stderr) == [], done.stderr
    assert "Traceback" not in done.stderr


# --- the helper --------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    ("media\x1b[8m", "media\\x1b[8m"),
    ("\x1b]0;PWNED\x07\x1b[2J\x1b[H", "\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[H"),
    ("a\rb\nc\td", "a\\rb\\nc\\td"),
    ("\x00\x1f\x7f", "\\x00\\x1f\\x7f"),
    ("\x80\x85\x9b\x9f", "\\x80\\x85\\x9b\\x9f"),
    ("abc\u202efed\u202c", "abc\\u202efed\\u202c"),
    ("\u2066x\u2069 \u200e\u200f\u061c", "\\u2066x\\u2069 \\u200e\\u200f\\u061c"),
    ("line\u2028next\u2029", "line\\u2028next\\u2029"),
    ("bad byte \udc9b", "bad byte \\udc9b"),
    ("café Zürich 日本 🚀 naïve ½ \u00a0", "café Zürich 日本 🚀 naïve ½ \u00a0"),
    ("", ""),
])
def test_printable_escapes_controls_and_keeps_text(value, shown):
    assert printable(value) == shown


def test_printable_takes_any_value():
    assert printable(Path("/data/\x1b[2J")) == "/data/\\x1b[2J"
    assert printable(None) == "None"
    assert printable(12) == "12"


def test_printable_lines_keeps_only_line_breaks():
    assert printable_lines("one\ntwo\r\x1b[2Kthree\n") == "one\ntwo\\r\\x1b[2Kthree\n"
    assert printable_lines("a\u2028b\x9b") == "a\\u2028b\\x9b"


# --- the build's summary -----------------------------------------------------

# 30 accounts, January and February 2024, no users (each counts 1):
#   a00-a09: hostile industry, country and channel, tier basic;
#            200 in January, 100 in February.
#   a10-a19: industry café, country 日本, channel organic, tier basic; 50.
#   a20-a29: as a10-a19 but the hostile tier; 10.
# February by hand: the hostile industry, country and channel each have 10
# accounts at ARPA 100 (the top three, ties by segment type); café, 日本
# and organic have 20 accounts at (10*50 + 10*10)/20 = 30; tier basic 20
# at (10*100 + 10*50)/20 = 75; the hostile tier 10 at 10 (the bottom);
# company size, tenure and region one segment of 30 each. Of these 11
# segments the summary shows the first three and the last three. The
# hostile segments fell from 200 to 100: -50.0% month over month.
INDUSTRY = f"media{HIDE}"
COUNTRY = f"{OSC_TITLE}{CLEAR}"
CHANNEL = f"ads{BEL}{CR}forged\nline"
TIER = f"pro{CSI_C1}8m{RLO}"


def hostile_base(folder: Path) -> Path:
    accounts, lines = [], []
    for number in range(30):
        account = f"a{number:02d}"
        group = number // 10
        hostile = group == 0
        accounts.append({
            "account_id": account, "created_at": "2024-01-01",
            "industry": INDUSTRY if hostile else "café",
            "country_code": COUNTRY if hostile else "日本",
            "acquisition_channel": CHANNEL if hostile else "organic",
        })
        plan = "p_hostile" if group == 2 else "p_basic"
        if hostile:
            lines += monthly_lines(account, "200", [(2024, 1)], plan=plan)
            lines += monthly_lines(account, "100", [(2024, 2)], plan=plan)
        else:
            lines += monthly_lines(account, "50" if group == 1 else "10",
                                   span((2024, 1), (2024, 2)), plan=plan)
    rejected = dict(monthly_lines("a00", "abc", [(2024, 2)], suffix="_bad")[0])
    plans = [{"plan_id": "p_basic", "tier": "basic", "tier_rank": "1"},
             {"plan_id": "p_hostile", "tier": TIER, "tier_rank": "2"}]
    return write_tables(folder, {"accounts": accounts, "plans": plans,
                                 "invoice_line_items": lines + [rejected]})


def test_hostile_segment_values_are_escaped_in_the_summary(tmp_path):
    data = hostile_base(tmp_path / "data")
    done = run_arpu("build", "--data", str(data), "--database", str(database_in(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    lines = done.stdout.splitlines()
    start = lines.index("Segments by ARPA (at least 10 paying accounts), top and bottom:")
    assert lines[start + 1:start + 8] == [
        "  acquisition_channel=ads\\x07\\rforged\\nline       100.00  (10 accounts)",
        "  country=\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[H       100.00  (10 accounts)",
        "  industry=media\\x1b[8m" + " " * 15 + "       100.00  (10 accounts)",
        "  ...",
        "  country=日本" + " " * 26 + "        30.00  (20 accounts)",
        "  industry=café" + " " * 23 + "        30.00  (20 accounts)",
        "  plan_tier=pro\\x9b8m\\u202e" + " " * 11 + "        10.00  (10 accounts)",
    ]
    # decline_threshold is 0.05; the three hostile segments fell by half.
    fell = " -50.0% month over month (threshold -5.0%)"
    assert "  arpa_decline       acquisition_channel=ads\\x07\\rforged\\nline" + fell in lines
    assert "  arpa_decline       country=\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[H" + fell in lines
    assert "  arpa_decline       industry=media\\x1b[8m" + " " * 15 + fell in lines
    # Nothing after the segments is hidden or overwritten: the rejection
    # warning is there, on its own line.
    assert "Warning: 1 input rows rejected and left out of every metric." in lines


def test_summary_escapes_every_value_it_quotes():
    """A database as a warehouse build or a Stripe build leaves it, made by
    hand: the Stripe rows-not-read lines, the alerts and the rejected rows
    by reason quote values of the data."""
    connection = duckdb.connect()
    connection.execute("""
        create table arpu_build_info as select date '2024-02-01' as as_of_date,
            date '2024-01-01' as first_month, date '2024-02-01' as last_month,
            2 as months_reported, 3 as invoice_lines, 3 as invoice_lines_checked,
            'stripe' as billing_source, 3 as revenue_lines, 2 as revenue_lines_accepted,
            0 as lines_updated_in_future, false as is_as_of_month_partial,
            10 as min_segment_accounts, 'US\x1b[2JD' as reporting_currency;
        create table over_refunded_lines (line_item_id text, refund_count bigint);
        create table stripe_input_summary (stripe_table text, outcome text, row_count bigint);
        insert into stripe_input_summary values
            ('credit_note', 'void\x1b[2J\rpaid, not read', 2), ('invoice', 'read', 5);
        create table mart_arpu_monthly as select date '2024-02-01' as month,
            12 as paying_accounts, 12 as paying_users, 120.0 as mrr, 10.0 as arpa,
            10.0 as arpu, 0 as new_accounts;
        create table mart_arpu_by_segment (month date, segment_type text, segment_value text,
            paying_accounts bigint, arpa double);
        insert into mart_arpu_by_segment values
            ('2024-02-01', 'industry', 'x\nWarning: none', 12, 10.0);
        create table mart_arpu_alerts (month date, alert_type text, segment_type text,
            segment_value text, metric_value double, threshold double);
        insert into mart_arpu_alerts values
            ('2024-02-01', 'arpa_decline', 'industry', 'x\nWarning: none', -0.5, -0.05);
        create table rejected_rows as select 1 as row_id;
        create table rejected_rows_by_reason as select 'accounts' as source_table,
            'reason\x9b1m' as rejection_reason, cast(null as text) as expected_forms;
    """)
    text = summarize_connection(connection).text
    assert raw_controls(text) == []
    lines = text.splitlines()
    assert "  credit_note            void\\x1b[2J\\rpaid, not read" + " " * 21 + "2" in lines
    assert "  industry=x\\nWarning: none" + " " * 11 + "        10.00  (12 accounts)" in lines
    assert ("  arpa_decline       industry=x\\nWarning: none" + " " * 11
            + " -50.0% month over month (threshold -5.0%)") in lines
    assert "  accounts             reason\\x9b1m" + " " * 24 + "        1" in lines
    assert "Warning: none" not in [line.strip() for line in lines]
    assert "month 2024-02, amounts in US\\x1b[2JD:" in text


# --- errors that quote file and column names ---------------------------------


def test_input_error_escapes_the_folder_and_the_column(tmp_path):
    """A folder name with an OSC, and a header whose second `industry` is
    spelled with a trailing control character (matched trimmed)."""
    data = write_tables(tmp_path / f"data{OSC_TITLE}", {
        "accounts": [{"account_id": "a", "created_at": "2024-01-01"}],
        "invoice_line_items": monthly_lines("a", "10", [(2024, 1)]),
    })
    accounts = data / "accounts.csv"
    header, rest = accounts.read_text().split("\n", 1)
    accounts.write_text(f"{header},Industry\x1c\n" + rest.replace("\n", ",x\n"))
    done = run_arpu("build", "--data", str(data), "--database", str(tmp_path / "m.duckdb"))
    assert done.returncode == 2
    assert_clean(done)
    assert done.stderr == (
        f"error: {tmp_path}/data\\x1b]0;PWNED\\x07/accounts.csv: column 'industry' appears "
        "more than once in the header (names are matched trimmed and in any case).\n"
        f"Nothing was built; {tmp_path}/m.duckdb is unchanged.\n")


def test_parquet_column_and_type_names_are_escaped(tmp_path):
    data = write_tables(tmp_path / "data", {
        "invoice_line_items": monthly_lines("a", "10", [(2024, 1)])})
    path = data / "accounts.parquet"
    duckdb.sql(
        "copy (select 'a' as account_id, '2024-01-01' as created_at, "
        "{'\x1b[2J': 1} as \"Industry\x1f\") "
        f"to '{path}' (format parquet)")
    done = run_arpu("build", "--data", str(data), "--database", str(tmp_path / "m.duckdb"))
    assert done.returncode == 2
    assert_clean(done)
    assert done.stderr.startswith(
        f"error: {path}: column 'Industry\\x1f' has type STRUCT(")
    assert "\\x1b[2J" in done.stderr
    assert "which does not cast to the contract's type.\n" in done.stderr


def test_load_error_escapes_the_folder(tmp_path):
    missing = tmp_path / f"gone{CLEAR}"
    done = run_arpu("load", "--target", "postgres", "--data", str(missing))
    assert done.returncode == 2
    assert_clean(done)
    assert done.stderr == (
        f"error: Data folder {tmp_path}/gone\\x1b[2J\\x1b[H does not exist or is not a folder.\n"
        "Nothing was loaded.\n")


def test_report_targets_errors_are_escaped(tmp_path):
    targets = tmp_path / f"targets{HIDE}.csv"
    targets.write_text(f"month,metric,target\n2024-01,arpa{OSC_TITLE},100\n")
    done = run_arpu("report", "--database", str(tmp_path / "none.duckdb"),
                    "--targets", str(targets), cwd=tmp_path)
    assert done.returncode == 2
    assert_clean(done)
    assert done.stderr == (
        f"error: {tmp_path}/targets\\x1b[8m.csv, line 2: metric 'arpa\\x1b]0;PWNED\\x07' "
        "is not arpa or arpu.\nNothing was written.\n")


def test_report_database_errors_are_escaped(tmp_path):
    database = tmp_path / f"marts{CR}.duckdb"
    done = run_arpu("report", "--database", str(database), cwd=tmp_path)
    assert done.returncode == 2
    assert_clean(done)
    assert done.stderr == (
        f"error: {tmp_path}/marts\\r.duckdb does not exist: run `arpu build` first.\n"
        "Nothing was written.\n")


# --- dbt's messages and progress ---------------------------------------------


def test_dbt_failures_relayed_escaped(tmp_path, capsys):
    """dbt's messages may quote a value that failed a cast; the failure
    report keeps their lines but escapes everything else."""
    outcome = DbtOutcome(
        success=False,
        error=f"Runtime Error\n  Could not convert string '{OSC_TITLE}' to INT32",
        failures=[Failure("stg_billing__accounts", "error",
                          f"Conversion Error: '{CLEAR}'{CR}done\nLINE 1: x{CSI_C1}")],
    )
    with pytest.raises(SystemExit) as exited:
        cli._report_failure(outcome, tmp_path, "the database was not changed.")
    assert exited.value.code == cli.EXIT_FAILED
    captured = capsys.readouterr()
    assert raw_controls(captured.err) == []
    assert captured.err == (
        "\nThe build failed; the database was not changed.\n"
        "Runtime Error\n"
        "  Could not convert string '\\x1b]0;PWNED\\x07' to INT32\n"
        "  ERROR stg_billing__accounts: Conversion Error: '\\x1b[2J\\x1b[H'\\rdone\n"
        "LINE 1: x\\x9b\n"
        f"dbt's log: {tmp_path}/logs/dbt.log\n")


def test_progress_lines_are_escaped():
    lines = []
    progress = Progress(SimpleNamespace(write=lines.append, flush=lambda: None))
    progress(SimpleNamespace(info=SimpleNamespace(name="LogStartLine"),
                             data=SimpleNamespace(total=2)))
    progress(SimpleNamespace(
        info=SimpleNamespace(name="NodeFinished"),
        data=SimpleNamespace(node_info=SimpleNamespace(
            resource_type="test", node_status="fail", node_name=f"accepted_values_{ESC}[2J\n"))))
    assert lines == ["  [1/2] FAIL   test   accepted_values_\\x1b[2J\\n\n"]


def test_loader_errors_are_escaped(tmp_path, monkeypatch):
    def failing_dbt(*arguments, **options):
        return DbtOutcome(success=False, error=f"Could not read '{OSC_TITLE}'\nline two{CR}")

    monkeypatch.setattr(warehouse, "run_dbt", failing_dbt)
    folder = tmp_path / f"in{BEL}"
    with pytest.raises(warehouse.WarehouseError) as raised:
        warehouse.stage_files(ROOT, folder, tmp_path)
    assert str(raised.value) == (
        f"Could not read {tmp_path}/in\\x07: Could not read '\\x1b]0;PWNED\\x07'\n"
        "line two\\r")


def test_progress_says_what_dbt_does_before_the_first_node():
    """A first build parses for seconds: each step is said once, as it
    starts, and dbt's own count is escaped like any other line."""
    lines = []
    progress = Progress(SimpleNamespace(write=lines.append, flush=lambda: None))

    def event(name, msg=""):
        progress(SimpleNamespace(info=SimpleNamespace(name=name, msg=msg)))

    progress.start()
    for name in ("MainReportVersion", "UnableToPartialParse", "SQLQuery", "LogHookStartLine",
                 "LogHookStartLine"):
        event(name)
    event("FoundStats", f"Found 44 models, 100 data tests{ESC}[2J")
    assert lines == [
        "  dbt: starting ...\n",
        "  dbt: reading the project ...\n",
        "  dbt: parsing every model (first build here, or the project changed) ...\n",
        "  dbt: on-run-start hooks (on DuckDB: loading the input files) ...\n",
        "  dbt: found 44 models, 100 data tests\\x1b[2J\n",
    ]
