"""Logging set-up: one line per record, `key=value` context, never a secret."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    """Send log records to stderr in a compact, grep-friendly format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The SDK logs whole request bodies at DEBUG; keep it quieter than our own code.
    logging.getLogger("slack_sdk").setLevel(max(logging.INFO, root.level))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
