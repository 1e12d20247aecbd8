"""Reading an entry with the optional language model, on top of the capture rules.

Rules:
- Called after the ack, once the rules have parsed the text: the model can only improve on
  the rules' `Parsed`, never hold up or lose a capture. Any failure (not configured, timeout,
  429, an error, an answer that is not JSON) returns the rules' result unchanged, with one log
  line giving the reason and never the text.
- Private entries are never sent, and neither is anything but the text itself. A text longer
  than MAX_FIELD_CHARS is not sent either (cost stays bounded; the rules still read it).
"""

from __future__ import annotations

import logging

from core.capture import Parsed
from core.llm_answer import MalformedAnswer, build_messages, merge, parse_answer
from core.model import MAX_FIELD_CHARS
from services.deps import Deps
from services.llm import ModelUnavailable

log = logging.getLogger(__name__)


async def understand(deps: Deps, text: str, parsed: Parsed, *, private: bool) -> Parsed:
    """Return the rules' `parsed` improved by the language model where one is configured."""
    model = deps.llm
    if model is None or private or not text.strip():
        return parsed
    if len(text) > MAX_FIELD_CHARS:
        log.info("language model skipped, rules kept reason=too long length=%d", len(text))
        return parsed
    try:
        content = await model.complete(build_messages(text))
        answer = parse_answer(content, text, deps.catalogue)
    except (ModelUnavailable, MalformedAnswer) as exc:
        log.warning("language model fallback to rules reason=%s", exc)
        return parsed
    except Exception as exc:  # the capture matters more than the model: never lose it here
        log.warning("language model fallback to rules reason=unexpected %s", type(exc).__name__)
        return parsed
    if answer.rejected:
        log.info(
            "language model fields rejected, rules kept for them fields=%s",
            ",".join(answer.rejected),
        )
    return merge(parsed, answer)
