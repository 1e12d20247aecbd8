"""The command line run in-process, as an operator's shell would run `python -m bot …`.

`invoke` calls `bot.cli.main` with exactly the given environment, working directory and argument
list, and hands back the exit code and what was written to stdout and stderr. Everything it
swaps (the environment, the working directory, stdout and stderr, the root logger that
`configure_logging` replaces) is put back afterwards, so one test's command leaves nothing
behind for the next. Spawning a process costs about a second of imports per command; this
costs milliseconds. The real process is still started where it is the subject of a test
(`tests/e2e/test_process.py`, and the SIGKILL and SIGTERM tests).

Process-wide state is swapped, so commands run one at a time in a process; parallel test
workers are separate processes.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import threading
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from bot.cli import main

_ONE_AT_A_TIME = threading.Lock()
# Loggers whose level `configure_logging` sets, and which must be put back.
_TUNED = ("slack_sdk", "aiohttp.access")


@dataclass(frozen=True)
class CliResult:
    """What a finished command left: its exit code and its two output streams."""

    returncode: int
    stdout: str
    stderr: str


def invoke(*args: str, env: dict[str, str], cwd: Path) -> CliResult:
    """Run one command in this process with `env` as its whole environment and `cwd` as its directory."""
    with _ONE_AT_A_TIME:
        saved_env = dict(os.environ)
        saved_cwd = Path.cwd()
        root = logging.getLogger()
        saved_handlers, saved_level = root.handlers[:], root.level
        saved_tuned = {name: logging.getLogger(name).level for name in _TUNED}
        out, err = io.StringIO(), io.StringIO()
        try:
            os.environ.clear()
            os.environ.update(env)
            os.chdir(cwd)
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exit_:  # argparse's usage errors
                    code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            os.chdir(saved_cwd)
            root.handlers[:] = saved_handlers
            root.setLevel(saved_level)
            for name, level in saved_tuned.items():
                logging.getLogger(name).setLevel(level)
        return CliResult(code, out.getvalue(), err.getvalue())


async def run_cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    """Run a command from async code: it gets its own event loop in a thread, so the emulator
    serving it on the test's loop keeps answering. Returns code, stdout, stderr."""
    result = await asyncio.to_thread(invoke, *args, env=env, cwd=cwd)
    return result.returncode, result.stdout, result.stderr
