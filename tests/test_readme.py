"""What the README and docs/bi.md promise BI users and operators, kept in
step with the code: the DuckDB versions that read the file, stale
long-lived readers, exit codes; and the README stays short."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

pytestmark = pytest.mark.unit

README = (ROOT / "README.md").read_text()
BI = (ROOT / "docs" / "bi.md").read_text()


def section(title: str, text: str = README) -> str:
    found = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", text, re.S | re.M)
    assert found, f"no section {title!r}"
    return found.group(1)


def test_the_readme_is_short_and_its_links_lead_somewhere():
    assert len(README.splitlines()) <= 200
    for page in ("README.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))):
        text = (ROOT / page).read_text()
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert ((ROOT / page).parent / target).exists(), f"{page} links to {target}"


def test_the_bi_section_says_which_duckdb_versions_read_the_file():
    text = " ".join(section("BI tools", BI).split())
    assert "v1.1.0 storage format, which DuckDB 1.1 and every later version (2.x included) open" in text
    assert "`--storage-version latest`" in text


def test_the_bi_section_warns_that_long_lived_connections_see_old_marts():
    text = " ".join(section("BI tools", BI).split())
    assert "keeps reading the build it opened, even after a new one is published" in text
    assert "reconnect" in text


def test_every_exit_code_of_the_cli_is_documented():
    from arpu import cli

    codes = {value for name, value in vars(cli).items() if name.startswith("EXIT_")}
    table = section("Exit codes")
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert codes <= documented, codes - documented
