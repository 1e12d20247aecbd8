"""Applying a draft to an experiment: the one way every capture and edit changes what is stored.

Rules:
- Control characters (C0 but newline and tab, and DEL) are stripped from every text field of the
  draft before anything is read from it or stored (`without_controls`).
- The tool and model are settled from the draft, and the message as typed, by the catalogue
  (`tool_and_model`). An edited message that names no tool keeps the stored tool and model,
  unless its text names another model of that product (`reread_tool_and_model`).
- What the draft may leave as it was depends on where it comes from (`Keep`):
  - `Keep.NOTHING`, a new entry: every field is the draft's.
  - `Keep.UNTOUCHED`, the form, which shows every field as plain text: each field is what was
    submitted, except that a field submitted exactly as shown keeps its stored text, whole and
    as Slack sent it (`core.model.keep_untouched`).
  - `Keep.UNSAID`, a message read again after its author edited it: the work, outcome and
    failure mode it no longer states keep their stored values, and its privacy never changes.
- Fields the author confirmed (`core.corrections.CONFIRMABLE`) are put back to their stored
  values, whatever the draft says.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from core.corrections import keep_confirmed
from core.model import Draft, Experiment, keep_untouched
from core.text import strip_controls
from core.tools import ToolCatalogue


class Keep(StrEnum):
    """Which stored values a draft leaves in place."""

    NOTHING = "nothing"
    UNTOUCHED = "untouched"
    UNSAID = "unsaid"


def without_controls(draft: Draft) -> Draft:
    """The draft with control characters stripped from every text field."""
    return replace(
        draft,
        tool=strip_controls(draft.tool) if draft.tool is not None else None,
        model=strip_controls(draft.model) if draft.model is not None else None,
        work=strip_controls(draft.work),
        summary=strip_controls(draft.summary),
        surprise=strip_controls(draft.surprise),
        failure=strip_controls(draft.failure),
        next_try=strip_controls(draft.next_try),
    )


def tool_and_model(
    catalogue: ToolCatalogue, draft: Draft, text: str = ""
) -> tuple[str | None, str | None]:
    """The product and model to store: from the draft's tool and model, else from its text.

    The text is searched only for a model of the product already named (or, with no product,
    for a model that names both), in the order: the message as typed, what happened, the work,
    what failed, the surprise.
    """
    texts = (text, draft.summary, draft.work, draft.failure, draft.surprise)
    ref = catalogue.refine(draft.tool, draft.model, texts)
    if ref is None:
        return (catalogue.normalise(draft.tool) if draft.tool else None), None
    return ref.product, ref.model


def reread_tool_and_model(
    catalogue: ToolCatalogue, stored: Experiment, draft: Draft, text: str
) -> tuple[str | None, str | None]:
    """The product and model of an edited message: one that names no tool keeps the stored
    ones, unless the new text names another model of that product."""
    if draft.tool is None and stored.tool is not None:
        tool, model = tool_and_model(catalogue, replace(draft, tool=stored.tool), text)
        return tool, model or stored.model
    return tool_and_model(catalogue, draft, text)


def _of(shown: Experiment | None, field: str) -> str | None:
    """One text field of the copy the form showed, if there was one."""
    return str(getattr(shown, field)) if shown is not None else None


def apply_draft(
    exp: Experiment,
    draft: Draft,
    *,
    now: datetime,
    tool: str | None,
    model: str | None,
    keep: Keep = Keep.NOTHING,
    confirmed: frozenset[str] = frozenset(),
    shown: Experiment | None = None,
) -> Experiment:
    """Return `exp` with the draft applied by the rules above, `updated_at` moved to `now`.

    `shown`: the copy of `exp` the form showed (its mentions named), for `Keep.UNTOUCHED`.
    """
    draft = without_controls(draft)
    tool = strip_controls(tool) if tool is not None else None
    model = strip_controls(model) if model is not None else None
    match keep:
        case Keep.NOTHING | Keep.UNTOUCHED:
            work, summary, surprise, failure = (
                draft.work,
                draft.summary,
                draft.surprise,
                draft.failure,
            )
            if keep is Keep.UNTOUCHED:
                work = keep_untouched(exp.work, work, named=_of(shown, "work"))
                summary = keep_untouched(exp.summary, summary, named=_of(shown, "summary"))
                surprise = keep_untouched(exp.surprise, surprise, named=_of(shown, "surprise"))
                failure = keep_untouched(exp.failure, failure, named=_of(shown, "failure"))
            edited = replace(
                exp,
                tool=tool,
                model=model,
                work=work,
                summary=summary,
                surprise=surprise,
                failure=failure,
                outcome=draft.outcome,
                failure_mode=draft.failure_mode,
                private=draft.private,
                caught=draft.caught,
                next_try=draft.next_try,
                anonymous=draft.anonymous,
            )
        case Keep.UNSAID:
            edited = replace(
                exp,
                tool=tool,
                model=model,
                work=draft.work or exp.work,
                summary=draft.summary,
                surprise=draft.surprise,
                failure=draft.failure,
                outcome=draft.outcome or exp.outcome,
                failure_mode=draft.failure_mode or exp.failure_mode,
                caught=draft.caught or exp.caught,
                next_try=draft.next_try or exp.next_try,
            )
    return keep_confirmed(exp, replace(edited, updated_at=now), confirmed)
