"""One `arpu build`, whatever the engine: lock, decide full or incremental,
prepare, run dbt, check what was built, publish it or leave the published
marts as they were, and read them back for the summary.

The engines (src/arpu/engines/: a DuckDB file, a PostgreSQL schema, a
Spark database) say how each step is done; cli.py parses the options and
maps what is raised here to exit codes. Each guard a build must pass
before it is published (a build with no month to report, one whose
revenue lines were all rejected) is written here once, for every engine.
"""

from __future__ import annotations

import importlib.metadata
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Callable, Protocol

from arpu.runner import DbtOutcome, definition_checksum
from arpu.summary import Summary, no_revenue_refusal, summarize_connection
from arpu.text import os_error_text

EMPTY_BUILD = ("The build has no month to report (no paid or open invoice line on or before "
               "the as-of date), and {where} has months: not replacing it. Check the input "
               "(a stopped export?) or --as-of; --allow-empty publishes it anyway.")


class BuildFailed(Exception):
    """dbt failed (a model, a data test) or the publishing step did: what
    was published is as it was, unless `unchanged` says otherwise."""

    def __init__(self, outcome: DbtOutcome, log_folder: Path, unchanged: str) -> None:
        super().__init__(unchanged)
        self.outcome, self.log_folder, self.unchanged = outcome, log_folder, unchanged
        # What went wrong in the clean-up after it, if anything.
        self.cleanup_error: Exception | None = None


class BuildRefused(Exception):
    """The build finished but must not be published (its input is at fault);
    the message says why and that the published marts are unchanged."""

    cleanup_error: Exception | None = None


class Engine(Protocol):
    """How one engine does each step of a build."""

    # For messages: the published marts ("/data/arpu.duckdb",
    # "PostgreSQL schema arpu"), the sentence that says they are unchanged,
    # and what follows "The build failed; " when dbt fails.
    where: str
    unchanged: str
    failure_unchanged: str
    # dbt's target and log folder.
    log_folder: Path
    # The folder of input files it reads, when it reads one (DuckDB): an
    # incremental build reads the folder the last build read.
    input_folder: str | None

    def lock(self) -> AbstractContextManager[None]: ...

    def variables(self) -> dict[str, str]:
        """The dbt vars of this engine's build (input folder, schemas)."""

    def last_build(self) -> str | dict | None:
        """What the last build left to start from: why nothing (a str: no
        working database, an engine that always builds from scratch), or its
        arpu_build_info row (a dict; None when that row cannot be read, as
        in an older version's)."""

    def announce(self, reason: str | None) -> str: ...

    def prepare(self, variables: dict[str, str], reason: str | None) -> None: ...

    def run(self, variables: dict[str, str], reason: str | None) -> DbtOutcome: ...

    def seal(self) -> None:
        """Make the finished build whole before it is checked and published."""

    def months_reported(self, built: bool) -> int:
        """Months in mart_arpu_monthly of the build (`built`), or of what is
        published now (0 when nothing is)."""

    def built_reader(self):
        """A read-only connection to the build's marts (closed by the reader)."""

    def publish(self, variables: dict[str, str]) -> str | None:
        """Publish the build; a note for the operator, or None."""

    def finish(self, published: bool) -> None:
        """Remove the build's leftovers (and put back what it set aside when
        it was not published)."""

    def reader(self):
        """A read-only connection to the published marts, for the summary."""


def unchanged_sentences(where: str) -> tuple[str, str]:
    """An engine's `unchanged` and `failure_unchanged` for marts published
    in a warehouse (`where`: "PostgreSQL schema arpu")."""
    sentence = f"the published marts in {where} are unchanged."
    return sentence[:1].upper() + sentence[1:], sentence


def build_variables(project: Path, source: str, as_of: str | None) -> dict[str, str]:
    """The dbt vars every engine's build sets: what it reads, the arpu
    version and definition it records, the as-of date asked for."""
    return {
        "arpu_billing_source": source,
        "arpu_version": importlib.metadata.version("arpu-metrics"),
        "arpu_definition": definition_checksum(project),
        **({"arpu_as_of_date": as_of} if as_of else {}),
    }


def run_build(engine: Engine, variables: dict[str, str], *, full_refresh: bool,
              allow_empty: bool, echo: Callable[[str], None]) -> str | None:
    """Build and publish with `engine` (its lock held by the caller); the
    publishing note, if any. BuildFailed, BuildRefused: nothing published."""
    variables = {**engine.variables(), **variables}
    reason = "--full-refresh" if full_refresh else full_build_reason(
        engine.last_build(), variables, engine.input_folder)
    echo(engine.announce(reason))
    try:
        engine.prepare(variables, reason)
        outcome = engine.run(variables, reason)
        if not outcome.success:
            raise BuildFailed(outcome, engine.log_folder, engine.failure_unchanged)
        engine.seal()
        if not allow_empty:
            _refuse_unpublishable(engine)
        note = engine.publish(variables)
    except (BuildFailed, BuildRefused) as failure:
        # Why the build failed is said first, whatever the clean-up meets
        # after it (a full disk, a lost connection).
        try:
            engine.finish(published=False)
        except Exception as error:
            failure.cleanup_error = error
        raise
    except BaseException:
        engine.finish(published=False)
        raise
    engine.finish(published=True)
    return note


def full_build_reason(last: str | dict | None, variables: dict[str, str],
                      input_folder: str | None = None) -> str | None:
    """Why the build must start from scratch, or None when it can update
    what the last build left (Engine.last_build) incrementally: that build
    must come from this arpu version and project definition
    (runner.definition_checksum), the same input source and, where the
    engine reads a folder, the same folder."""
    if isinstance(last, str):
        return last
    if last is None or last.get("project_version") != variables["arpu_version"]:
        return "the last build is from another arpu version"
    if last.get("definition_checksum") != variables["arpu_definition"]:
        return "the project's models or macros changed since the last build"
    if input_folder is not None and last.get("billing_data_dir") != input_folder:
        return f"the last build read {last.get('billing_data_dir')}"
    if last.get("billing_source") != variables["arpu_billing_source"]:
        return f"the last build read {last.get('billing_source')} input"
    return None


def _refuse_unpublishable(engine: Engine) -> None:
    """A stopped or malformed export must not wipe the dashboards: a build
    with no month to report does not replace marts that have months, and
    a build whose revenue lines were all rejected is never published."""
    if engine.months_reported(built=True) == 0 and engine.months_reported(built=False) > 0:
        raise BuildRefused(f"{EMPTY_BUILD.format(where=engine.where)}\n{engine.unchanged}")
    refusal = no_revenue_refusal(engine.built_reader(), engine.where)
    if refusal:
        raise BuildRefused(f"{refusal}\n{engine.unchanged}")


def summary(engine: Engine) -> Summary:
    """The summary of the published marts."""
    return summarize_connection(engine.reader())


def cleanup_note(failure: BuildFailed | BuildRefused, folder: Path) -> str:
    """The clean-up's own error after a failed build, as a line to add to
    the failure's message ("" when the clean-up went well)."""
    error = failure.cleanup_error
    if error is None:
        return ""
    text = os_error_text(error, folder) if isinstance(error, OSError) else str(error)
    return f"\nThe clean-up after it failed too: {text}"
