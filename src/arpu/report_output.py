"""Where `arpu report` writes its page: only over a page it wrote before,
through a temporary file and one rename (docs/report.md, "Where the page
goes").

`--out` is a path a user types, often next to the database; a typo there
must not replace the database, its lock file or a device. So the page
replaces a file only when that file is a regular file whose first bytes
carry the page's marker."""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

from arpu import __version__

# Near the top of every page (report_page.render), so that the next run
# knows the file at --out is a report of ours.
GENERATOR = f"arpu report {__version__}"
MARKER = b'<meta name="generator" content="arpu report '
# A page of arpu 0.1.0 before the marker: the exact head it wrote, as of
# its as-of date, then the first rule of its style sheet.
LEGACY_HEAD = re.compile(
    rb'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    rb'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    rb"<title>ARPU report as of [0-9-]{10}</title>\n<style>\n:root \{ color-scheme: light; \}\n"
)
# The marker and the legacy head sit in the first few hundred bytes.
HEAD_BYTES = 4096


class NotAReport(Exception):
    """The file at --out is not a page arpu report wrote: it is left alone."""


def check_replaceable(out: Path) -> None:
    """Raise NotAReport unless `out` is absent or a page this command wrote.

    lstat, not stat: a symbolic link is refused, whatever it points to, and
    a FIFO or a device is refused before anything opens it (opening a FIFO
    would block)."""
    try:
        status = os.lstat(out)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(status.st_mode):
        raise NotAReport(_refusal(out, "a symbolic link"))
    if stat.S_ISDIR(status.st_mode):
        raise NotAReport(_refusal(out, "a folder"))
    if not stat.S_ISREG(status.st_mode):
        raise NotAReport(_refusal(out, "not a regular file"))
    if status.st_size == 0:
        raise NotAReport(_refusal(out, "an empty file"))
    try:
        descriptor = os.open(out, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise NotAReport(_refusal(out, f"unreadable: {error.strerror or error}")) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # swapped since the lstat
            raise NotAReport(_refusal(out, "not a regular file"))
        head = os.read(descriptor, HEAD_BYTES)
    finally:
        os.close(descriptor)
    if MARKER not in head and not LEGACY_HEAD.match(head):
        raise NotAReport(_refusal(out, "not a page arpu report wrote"))


def _refusal(out: Path, what: str) -> str:
    return (f"--out {out} exists and is {what}; refusing to replace it. "
            "Choose another --out, or remove the file.")


def write_atomically(path: Path, text: str) -> None:
    """Write a file next to `path`, then rename it over `path`: a reader
    sees the old page or the new one, never half of one. A failure removes
    the temporary file and leaves the old page as it was."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 leaves the permissions to the umask, as a plain
    # open() would (a NamedTemporaryFile would be 0600).
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _keep_mode(temporary, path)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    # The rename is durable only once the folder entry is on disk.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _keep_mode(temporary: Path, path: Path) -> None:
    """A page keeps the mode of the page it replaces, as publish keeps the
    database's: a report an operator made 0600 does not become readable
    by all."""
    try:
        old = os.lstat(path)
    except FileNotFoundError:
        return
    os.chmod(temporary, old.st_mode & 0o7777)
