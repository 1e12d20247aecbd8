#!/usr/bin/env python3
"""Set up and run the project with nothing but python3: `python3 dev.py demo` or `python3 dev.py check`.

The first run creates `.venv/` and installs the project with its development tools; later runs
reinstall only when pyproject.toml changed. Then:

  demo   run a whole ritual week against the local Slack emulator (no workspace needed)
  run    run the bot itself (needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, see .env.example)
  check  everything CI runs: format check, lint, types, the fast test suite, then the drills
  test   the test suite alone (extra arguments go to pytest)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".dev-stamp"


def ensure_venv() -> None:
    """Create the virtualenv and install the project when missing or out of date."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing the project and its development tools ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(*argv: str) -> int:
    """Run one tool from the virtualenv in the project root; return its exit code."""
    print("$ " + " ".join(argv), flush=True)
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], cwd=ROOT).returncode


def check() -> int:
    """Run every check CI runs, stop at the first that fails, and say how long each took.

    The tests run in two steps: the fast suite on every core (pytest-xdist), then the drills
    (tests marked `drill`: load drills and real processes killed mid-work) on their own.
    """
    timings: list[tuple[str, float]] = []
    for name, step in (
        ("format", ("ruff", "format", "--check", ".")),
        ("lint", ("ruff", "check", ".")),
        ("types", ("mypy",)),
        ("tests", ("python", "-m", "pytest", "-q", "-n", "auto", "-m", "not drill")),
        ("drills", ("python", "-m", "pytest", "-q", "-m", "drill")),
    ):
        started = time.perf_counter()
        code = run(*step)
        timings.append((name, time.perf_counter() - started))
        if code != 0:
            # pytest's 5 means no test ran: for this project that is a failure like any other.
            return code
    print("timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings))
    return 0


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command not in {"demo", "run", "check", "test"}:
        print(__doc__)
        return 0 if command in {"help", "-h", "--help"} else 2
    ensure_venv()
    if command == "check":
        return check()
    if command == "test":
        return run("python", "-m", "pytest", *rest)
    return run("python", "-m", "bot", command, *rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
