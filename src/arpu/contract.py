"""The input contract as the dbt sources declare it, and the checks that
must pass before dbt runs: every required file and column is there and
every file reads. Row-level problems are dbt's job (the quarantine)."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from arpu.text import printable

SOURCES_FILE = Path("models/staging/billing/_billing__sources.yml")
STRIPE_SOURCES_FILE = Path("models/staging/stripe/_stripe__sources.yml")
SOURCES = ("contract", "stripe")


class InputError(Exception):
    """The input cannot be built: a missing file or column, an unreadable file."""


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    columns: tuple[str, ...]
    required_columns: tuple[str, ...]


def _tables(path: Path, source_name: str) -> tuple[dict, list[Table]]:
    document = yaml.safe_load(path.read_text())
    (source,) = [s for s in document["sources"] if s["name"] == source_name]
    tables = []
    for table in source["tables"]:
        columns = table["columns"]
        tables.append(
            Table(
                name=table["name"],
                required=bool(table.get("meta", {}).get("required")),
                columns=tuple(c["name"] for c in columns),
                required_columns=tuple(
                    c["name"] for c in columns if c.get("meta", {}).get("required")
                ),
            )
        )
    return source, tables


def load_contract(project_dir: Path) -> list[Table]:
    return _tables(project_dir / SOURCES_FILE, "billing")[1]


def load_input_tables(project_dir: Path, source: str = "contract") -> list[Table]:
    """The tables a build reads from a folder: the contract's, or Stripe's
    with the contract tables Stripe does not replace (docs/stripe.md)."""
    contract = load_contract(project_dir)
    if source == "contract":
        return contract
    stripe, tables = _tables(project_dir / STRIPE_SOURCES_FILE, "stripe")
    replaced = set(stripe["meta"]["replaces"])
    return tables + [table for table in contract if table.name not in replaced]


def find_file(data_dir: Path, table: str) -> Path | None:
    found = [p for p in (data_dir / f"{table}.csv", data_dir / f"{table}.parquet") if p.is_file()]
    if len(found) > 1:
        raise InputError(
            f"{printable(found[0])} and {printable(found[1])} both exist: keep one file per table."
        )
    return found[0] if found else None


def _check_utf8(path: Path) -> None:
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{printable(path)}, line {line}: not UTF-8 text.") from None


_ENDINGS = {"\r\n": "CRLF (Windows)", "\n": "LF (Unix)", "\r": "CR (old Mac)"}


def _line_ending(line: str) -> str:
    return next((ending for ending in _ENDINGS if line.endswith(ending)), "")


@dataclass
class _LineEndings:
    """The line endings that end a file's rows. A newline inside a quoted
    field is part of the value, not a line ending: the csv module reads
    the lines a row spans, and only the last one's ending ends the row."""

    path: Path
    first: str = ""
    previous: str = ""
    mixed: bool = False

    def row_ends(self, ending: str, line: int) -> None:
        if not ending:  # the last line, without a terminator
            return
        self.first = self.first or ending
        if ending != self.previous and self.previous and "\r" in (ending, self.previous):
            # DuckDB's strict reader refuses such a file, its relaxed one
            # misreads it (the row after a lone CR loses its first field).
            raise InputError(
                f"{printable(self.path)}, line {line}: this line ends in {_ENDINGS[ending]} "
                f"where the row before ends in {_ENDINGS[self.previous]}; a file may mix CRLF "
                "and LF line endings, but not CR with either. Save it again with one kind of "
                "line ending (e.g. `dos2unix FILE`, then `mac2unix FILE`)."
            )
        self.mixed = self.mixed or ending != self.first
        self.previous = ending


def _csv_header(path: Path) -> tuple[list[str], bool]:
    """The header of a CSV file, after reading every row, and whether its
    rows end in both CRLF and LF (two exports put together: read, with
    DuckDB's relaxed parser). A ragged row, bytes that are not UTF-8 or a
    lone CR among other line endings stop the run here, named by line,
    instead of as a reader error deep inside dbt. A byte-order mark
    (Excel's UTF-8 export) is not part of the first column's name, and a
    field may be of any length."""
    _check_utf8(path)
    csv.field_size_limit(sys.maxsize)
    header: list[str] = []
    row_start = 1
    endings = _LineEndings(path)
    last_line = [""]

    def lines(handle):
        for line in handle:
            last_line[0] = line
            yield line

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(lines(handle), strict=True)
            for row in reader:
                endings.row_ends(_line_ending(last_line[0]), reader.line_num)
                if not header:
                    header = row
                elif row and len(row) != len(header):
                    where = (f"line {row_start}" if reader.line_num == row_start
                             else f"the row from line {row_start} to {reader.line_num}")
                    raise InputError(
                        f"{printable(path)}, {where}: {len(row)} fields where the header "
                        f"has {len(header)}."
                    )
                row_start = reader.line_num + 1
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise InputError(
                f"{printable(path)}, line {row_start}: a quoted field opens on this line and "
                "is never closed."
            ) from None
        raise InputError(f"{printable(path)}, line {row_start}: unreadable CSV "
                         f"({printable(error)}).") from None
    if not header:
        raise InputError(f"{printable(path)}: empty file, expected a header row.")
    return header, endings.mixed


def _parquet_columns(path: Path, contract_columns: tuple[str, ...]) -> list[str]:
    """The columns of a Parquet file. A contract column of a nested type
    (list, struct, map) can never cast to the contract's flat types: that is
    a broken file, not a bad row."""
    import duckdb

    try:
        described = duckdb.sql(
            f"describe select * from read_parquet({_sql_path(path)})"
        ).fetchall()
    except duckdb.Error as error:
        raise InputError(
            f"{printable(path)}: not a readable Parquet file ({printable(error)})."
        ) from None
    for name, column_type, *_ in described:
        nested = column_type.endswith("]") or column_type.startswith(("STRUCT", "MAP", "UNION"))
        if name.strip().lower() in contract_columns and nested:
            raise InputError(
                f"{printable(path)}: column '{printable(name)}' has type "
                f"{printable(column_type)}, which does not cast to the contract's type."
            )
    return [name for name, *_ in described]


def _contract_names(path: Path, header: list[str], contract_columns: tuple[str, ...]) -> set[str]:
    """The contract columns a file has. Names match trimmed and in any case,
    as the loader reads them (macros/operations/load_billing_files.sql); a contract
    column that appears twice is an error, never a silent choice."""
    found: set[str] = set()
    for name in header:
        key = name.strip().lower()
        if key in contract_columns:
            if key in found:
                raise InputError(
                    f"{printable(path)}: column '{printable(key)}' appears more than once in "
                    "the header (names are matched trimmed and in any case)."
                )
            found.add(key)
    return found


def _sql_path(path: Path) -> str:
    """A path as a DuckDB string literal naming that one file: DuckDB reads
    *, ? and [ as a glob pattern, and a one-character class matches each
    literally (the loader's macro sql_path does the same)."""
    text = str(path).replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Inputs:
    """What the input check found: the file of each table (None for an
    absent optional one), and the CSV files whose rows end in both CRLF
    and LF."""

    files: dict[str, Path | None]
    mixed_line_endings: tuple[str, ...] = ()

    @property
    def loader_vars(self) -> dict:
        """The dbt vars the loader (macros/operations/load_billing_files.sql) needs to
        read these files."""
        return {"arpu_csv_files_with_mixed_line_endings": list(self.mixed_line_endings)}


def check_inputs(project_dir: Path, data_dir: Path, source: str = "contract") -> Inputs:
    """Every required table of the input (`contract` or `stripe`) has one
    file with every required column, and every file reads."""
    if not data_dir.is_dir():
        raise InputError(
            f"Data folder {printable(data_dir)} does not exist or is not a folder.")
    files: dict[str, Path | None] = {}
    mixed: list[str] = []
    for table in load_input_tables(project_dir, source):
        path = find_file(data_dir, table.name)
        if path is None:
            if table.required:
                raise InputError(
                    f"Required table '{table.name}' is missing: expected "
                    f"{printable(data_dir / (table.name + '.csv'))} or "
                    f"{printable(data_dir / (table.name + '.parquet'))}."
                )
            files[table.name] = None
            continue
        if path.suffix == ".csv":
            header, mixes_endings = _csv_header(path)
            if mixes_endings:
                mixed.append(path.name)
        else:
            header = _parquet_columns(path, table.columns)
        present = _contract_names(path, header, table.columns)
        for column in table.required_columns:
            if column not in present:
                raise InputError(f"{printable(path)}: required column '{column}' is missing.")
        files[table.name] = path
    return Inputs(files, tuple(mixed))
