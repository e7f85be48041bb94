"""A process that imports arpu and dbt once, then forks one child per
`arpu build` the tests ask for (conftest.run_build).

Each build a test runs as `python -m arpu.cli build` spends about 2.5 s
starting Python and importing dbt before it does anything, and the suite
runs well over a hundred of them. A child forked from this server starts
with those imports done, then runs the same `arpu.cli.main` with the
test's arguments, environment, working directory and output files, so the
build itself is the one a user runs. The tests that need a real process of
their own (signals, concurrent builds, the console script) still start one
with `build_command`.

The server itself never builds: every child forks from the same clean
state. It is single-threaded, which fork needs.

Protocol, one JSON object a line on stdin: {"args", "env", "cwd",
"stdout", "stderr"}; the answer, one line on stdout: the exit code.
"""

from __future__ import annotations

import json
import os
import sys


def run_child(request: dict) -> int:
    """In the forked child: become the `arpu` process the request
    describes and return its exit code."""
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [sys.executable, *request["args"]]

    from arpu.cli import main

    try:
        main(args=request["args"], prog_name="python -m arpu.cli")
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # as an uncaught error ends a process: traceback, 1
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def serve() -> None:
    # What every build imports; the rest (the report, plotly) stays lazy
    # as in a real process.
    import arpu.cli  # noqa: F401
    from dbt.cli.main import dbtRunner  # noqa: F401

    answers = os.fdopen(os.dup(1), "w", buffering=1)
    # Nothing this process prints may reach the answer channel.
    os.dup2(2, 1)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = run_child(request)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        answers.write(f"{os.waitstatus_to_exitcode(status)}\n")


if __name__ == "__main__":
    serve()
