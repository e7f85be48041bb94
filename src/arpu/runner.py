"""Running the dbt project through dbt's Python API, one invocation at a
time, with a progress line per node."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from arpu.text import printable

STATUS_LABELS = {
    "success": "OK",
    "pass": "PASS",
    "warn": "WARN",
    "error": "ERROR",
    "fail": "FAIL",
    "skipped": "SKIP",
    "no-op": "NO-OP",
}


def project_dir() -> Path:
    """The dbt project: ARPU_PROJECT_DIR, else the checkout this package sits in."""
    configured = os.environ.get("ARPU_PROJECT_DIR")
    candidates = [Path(configured)] if configured else list(Path(__file__).resolve().parents)
    for candidate in candidates:
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise RuntimeError(
        "Cannot find the dbt project (dbt_project.yml). Install arpu from a checkout "
        "(pip install -e .) or set ARPU_PROJECT_DIR."
    )


# What defines the numbers a build makes: a change to any of these files
# (a rule, a type, a var's default) makes the published incremental tables
# stale, so `arpu build` starts from scratch.
DEFINITION_PATHS = ("dbt_project.yml", "models", "macros", "seeds")


def definition_checksum(project: Path) -> str:
    """A checksum of the project's definition: every file of
    DEFINITION_PATHS, by path and content."""
    digest = hashlib.sha256()
    for name in DEFINITION_PATHS:
        root = project / name
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(str(path.relative_to(project)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@dataclass
class Failure:
    name: str
    status: str
    message: str


@dataclass
class DbtOutcome:
    success: bool
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    # What `dbt ls` printed, one resource per item.
    listed: list[str] = field(default_factory=list)


class Progress:
    """Prints what dbt is doing from its first second: reading the project
    (a first parse takes seconds), what it found, the on-run-start hooks,
    then one line per finished node: `[ 12/45] OK     model  fct_revenue`."""

    # dbt's events before the first node, and the line each prints.
    STEPS = {
        "MainReportVersion": "  dbt: reading the project ...",
        "UnableToPartialParse": "  dbt: parsing every model (first build here, or the project "
                                "changed) ...",
        "LogHookStartLine": "  dbt: on-run-start hooks (on DuckDB: loading the input files) ...",
    }

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total = 0
        self.done = 0
        self.said: set[str] = set()

    def start(self) -> None:
        """Said before dbt is loaded, which takes a second or two."""
        self._say("  dbt: starting ...")

    def _say(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def __call__(self, event) -> None:  # dbt EventMsg
        name = event.info.name
        if name in self.STEPS and name not in self.said:
            self.said.add(name)
            self._say(self.STEPS[name])
        elif name == "FoundStats":
            # "Found 44 models, 100 data tests, ...": the project's own words.
            found = printable(event.info.msg)
            self._say(f"  dbt: {found[:1].lower()}{found[1:]}")
        elif name == "LogStartLine":
            self.total = max(self.total, event.data.total)
        elif name == "NodeFinished":
            info = event.data.node_info
            if info.resource_type == "operation":
                return
            self.done += 1
            label = STATUS_LABELS.get(info.node_status, printable(info.node_status.upper()))
            width = len(str(max(self.total, self.done)))
            # Names come from the project, not the data; escaped all the
            # same, since this line bypasses cli.py's output guard.
            self._say(f"  [{self.done:>{width}}/{max(self.total, self.done)}] {label:<6} "
                      f"{printable(info.resource_type):<6} {printable(info.node_name)}")


# DuckDB's file format for published databases: readable by DuckDB 1.1 and
# later, as every BI tool's driver is today (the profile's default too).
DEFAULT_STORAGE_VERSION = "v1.1.0"

# Work folders kept under the cache (each ~6 MB): the most recently used.
KEEP_WORK_DIRS = 8
# A folder used this recently may belong to a build still running.
WORK_DIR_GRACE_SECONDS = 3600


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "arpu"


def work_dir(database: Path) -> Path:
    """dbt's target and log folder for builds of one database, outside the
    project: builds of different databases can run side by side, and each
    keeps its own partial-parse cache. Marked as used now."""
    digest = hashlib.sha1(str(database.resolve()).encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in database.name)
    work = _cache_root() / f"{safe}-{digest}"
    work.mkdir(parents=True, exist_ok=True)
    os.utime(work)
    return work


def prune_work_dirs(keep: int = KEEP_WORK_DIRS) -> None:
    """Bound the cache: remove the work folders of all but the `keep` most
    recently used databases, and the saved parses of all but the `keep`
    most recently used database names, except any used within the last
    hour."""
    import time

    root = _cache_root()
    try:
        folders = sorted((p for p in root.iterdir() if p.is_dir() and p.name != PARSE_FOLDER),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        parses = sorted((root / PARSE_FOLDER).glob("*.msgpack"),
                        key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    now = time.time()
    for path in folders[keep:] + parses[keep:]:
        try:
            if now - path.stat().st_mtime > WORK_DIR_GRACE_SECONDS:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink()
        except OSError:
            pass


# dbt's saved parse (partial_parse.msgpack) for each database name, shared
# by the work folders of every database of that name.
PARSE_FOLDER = "parse"


def _shared_parse(project: Path, database: Path, variables: dict, target: str) -> Path:
    """Where the saved parse for databases named like `database`, built
    with these vars and this profile, is kept. dbt reuses a saved parse only
    for the same profile, vars and target, and parses again whatever file
    changed since: a build of a new database (each test's, a second
    database) then starts from the parse of the last such build instead of
    parsing the whole project (about 3 of the 11 s of a small build). The
    profile is the same when the environment variables it reads are (the
    file format, DuckDB's memory limit, ...): builds with another, such as
    `--storage-version latest`, keep a parse of their own rather than
    spoil this one."""
    profile = {name: os.environ.get(name) for name in _profile_environment(project)}
    key = json.dumps([str(project.resolve()), database.name, variables, target, profile],
                     sort_keys=True)
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in database.name)
    return _cache_root() / PARSE_FOLDER / f"{safe}-{digest}.msgpack"


def _profile_environment(project: Path) -> list[str]:
    """The environment variables profiles.example.yml reads, but for
    passwords (dbt's profile check leaves them out too)."""
    text = (project / "profiles.example.yml").read_text(encoding="utf-8")
    return sorted({name for name in re.findall(r"env_var\(\s*['\"](\w+)['\"]", text)
                   if "PASSWORD" not in name})


def _seed_parse(shared: Path, target: Path) -> None:
    """A work folder without a saved parse of its own starts from the
    shared one."""
    saved = target / "partial_parse.msgpack"
    if saved.exists() or not shared.is_file():
        return
    try:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, saved)
        os.utime(shared)
    except OSError:
        pass  # dbt parses the project, as without it


def _keep_parse(target: Path, shared: Path) -> None:
    """Share this build's saved parse, in one rename: a build reading it
    at the same time sees the old file or the new one."""
    saved = target / "partial_parse.msgpack"
    if not saved.is_file():
        return
    try:
        shared.parent.mkdir(parents=True, exist_ok=True)
        partial = shared.with_name(f"{shared.name}.{os.getpid()}")
        shutil.copyfile(saved, partial)
        os.replace(partial, shared)
    except OSError:
        shared.with_name(f"{shared.name}.{os.getpid()}").unlink(missing_ok=True)


def run_dbt(
    command: list[str],
    *,
    database: Path | None,
    work: Path,
    variables: dict[str, str],
    storage_version: str = DEFAULT_STORAGE_VERSION,
    progress: Progress | None = None,
    target: str = "duckdb",
    environment: dict[str, str] | None = None,
) -> DbtOutcome:
    """Invoke dbt on the project in a child process: on DuckDB writing to
    `database`, on another target where `environment` (the variables the
    profile reads, ARPU_SCHEMA say) points it.

    dbt-duckdb keeps its DuckDB handle open for the life of the process; a
    child that exits is the one way to know the file is closed and fully
    checkpointed before it is published. On Spark the child holds the
    session and its Derby metastore, which allows one process at a time.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_invoke_in_child,
        args=(sender, command, database, work, variables, storage_version, progress,
              target, environment or {}),
    )
    child.start()
    sender.close()
    try:
        outcome = receiver.recv()
    except EOFError:
        outcome = DbtOutcome(success=False, error="dbt stopped without a result.")
    except BaseException:
        # Ctrl-C or SIGTERM: stop dbt now rather than wait for it to wind
        # down; its file is discarded anyway.
        child.kill()
        child.join()
        raise
    child.join()
    if child.exitcode != 0 and outcome.success:
        outcome = DbtOutcome(success=False, error=f"dbt exited with code {child.exitcode}.")
    return outcome


def data_dir_environment(data_dir: Path) -> dict[str, str]:
    """The input folder for dbt (macro billing_data_dir): in the
    environment, not a var, which would void dbt's saved parse for every
    other folder."""
    return {"ARPU_BILLING_DATA_DIR": str(data_dir)}


def _die_with_parent() -> None:
    """If `arpu` is killed, take dbt down with it (Linux): an orphaned dbt
    would hold the build lock and keep writing a file nobody publishes."""
    try:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _invoke_in_child(sender, command, database, work, variables, storage_version,
                     progress, target, environment) -> None:
    _die_with_parent()
    if database is not None:
        database = database.absolute()
    # Only this child's environment: the profile reads the file format,
    # and on warehouses the schema, from it.
    os.environ["ARPU_DUCKDB_STORAGE_VERSION"] = storage_version
    os.environ.update(environment)
    # DuckDB's own default, every core, unless the user chose (the profile's
    # fallback, for plain dbt, cannot count cores).
    os.environ.setdefault("ARPU_DUCKDB_THREADS", str(os.cpu_count() or 1))
    try:
        outcome = _invoke(
            command, database=database, work=work, variables=variables, progress=progress,
            target=target,
        )
    except BaseException as error:  # report, never hang the parent
        outcome = DbtOutcome(success=False, error=f"{type(error).__name__}: {error}")
    sender.send(outcome)
    sender.close()


def _invoke(
    command: list[str],
    *,
    database: Path | None,
    work: Path,
    variables: dict[str, str],
    progress: Progress | None,
    target: str,
) -> DbtOutcome:
    if progress is not None:
        progress.start()
    from dbt.cli.main import dbtRunner

    project = project_dir().resolve()
    with tempfile.TemporaryDirectory(prefix="arpu-profiles-") as profiles_dir:
        shutil.copy(project / "profiles.example.yml", Path(profiles_dir) / "profiles.yml")
        shared = None
        if database is not None:
            # Only this child's environment: the profile reads the path from
            # it. Relative to the database's folder (the child's working
            # directory), so that dbt's saved parse, which is bound to the
            # profile, serves any database of this name (_shared_parse).
            os.chdir(database.parent)
            os.environ["ARPU_DUCKDB_PATH"] = database.name
            shared = _shared_parse(project, database, variables, target)
            _seed_parse(shared, work / "target")
        args = [
            *command,
            "--project-dir", str(project),
            "--profiles-dir", profiles_dir,
            "--target", target,
            "--vars", json.dumps(variables),
            "--log-level", "none",
            "--log-level-file", "info",
            "--target-path", str(work / "target"),
            "--log-path", str(work / "logs"),
        ]
        runner = dbtRunner(callbacks=[progress] if progress else [])
        result = runner.invoke(args)
        if shared is not None:
            _keep_parse(work / "target", shared)
    if result.exception is not None:
        return DbtOutcome(success=False, error=_first_lines(str(result.exception)))
    if command[0] in ("ls", "list"):
        return DbtOutcome(success=bool(result.success), listed=list(result.result or []))
    failures = []
    for node_result in getattr(result.result, "results", []) or []:
        status = str(node_result.status)
        if status in ("error", "fail"):
            failures.append(
                Failure(
                    name=node_result.node.name,
                    status=status,
                    message=_first_lines(node_result.message or ""),
                )
            )
    return DbtOutcome(success=bool(result.success), failures=failures)


def _first_lines(text: str, count: int = 6) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[:count])


def stderr_progress() -> Progress:
    return Progress(sys.stderr)
