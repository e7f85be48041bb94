"""What the README promises BI users and operators, kept in step with the
code: the DuckDB versions that read the file, stale long-lived readers,
exit codes."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

pytestmark = pytest.mark.unit

README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    found = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ )", README, re.S | re.M)
    assert found, f"README has no section {title!r}"
    return found.group(1)


def test_the_bi_section_says_which_duckdb_versions_read_the_file():
    text = " ".join(section("BI tools").split())
    assert "v1.1.0 storage format, which DuckDB 1.1 and every later version (2.x included) open" in text
    assert "`--storage-version latest`" in text


def test_the_bi_section_warns_that_long_lived_connections_see_old_marts():
    text = " ".join(section("BI tools").split())
    assert "keeps reading the build it opened, even after a new one is published" in text
    assert "reconnect" in text


def test_every_exit_code_of_the_cli_is_documented():
    from arpu import cli

    codes = {value for name, value in vars(cli).items() if name.startswith("EXIT_")}
    table = section("Exit codes")
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert codes <= documented, codes - documented
