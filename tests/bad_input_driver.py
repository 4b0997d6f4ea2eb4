"""Run ankigen commands on many projects, each in a forked child under a time and a memory limit.

Used by tests/test_bad_input.py: importing ankigen once and forking per command keeps a corpus of hundreds of
runs fast, while every run still gets a process of its own (its own limits, exit status and output files).
Reads a JSON list of jobs on stdin, ``{"root", "argv", "seconds", "megabytes"}``, and prints one JSON list of
results: ``{"rc", "signal", "stdout", "stderr", "seconds", "maxrss_mb"}`` (``rc`` is None when the child was
killed by a signal: SIGALRM means it ran out of time, SIGKILL/SIGSEGV/... anything else).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time
from typing import Any

from ankigen.cli import main


def _child(job: dict[str, Any], out: str, err: str) -> None:
    """In the forked child: limits, redirected output, then the CLI; never returns."""
    os.chdir(job["root"])
    limit = job["megabytes"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the default action ends the process: a hang
    signal.alarm(job["seconds"])
    for fd, name in ((1, out), (2, err)):
        handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(handle, fd)
        os.close(handle)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 - flushed below
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    code = 3  # an exception that escaped main(): never expected
    try:
        main(job["argv"])
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run(job: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out, err = os.path.join(tmp, "out"), os.path.join(tmp, "err")
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                _child(job, out, err)
            finally:
                os._exit(4)
        _pid, status, usage = os.wait4(pid, 0)
        seconds = time.monotonic() - start

        def read(name: str) -> str:
            with open(name, "rb") as handle:
                return handle.read().decode("utf-8", "replace")

        return {
            "rc": os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "stdout": read(out) if os.path.exists(out) else "",
            "stderr": read(err) if os.path.exists(err) else "",
            "seconds": round(seconds, 3),
            "maxrss_mb": round(usage.ru_maxrss / 1024, 1),
        }


if __name__ == "__main__":
    jobs = json.load(sys.stdin)
    json.dump([run(job) for job in jobs], sys.stdout)
