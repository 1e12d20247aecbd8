"""Who an entry is credited to: the one place that decides what others may learn of its author.

Rules (documented in docs/data-rights.md):
- An entry shared under the author's name is credited to them: by name in the digest's lines
  and credits, and in the bot's copy in the prompt thread.
- An entry shared without a name (`Experiment.anonymous`) is credited to "someone", or to
  "someone in <function>" when at least `MIN_FUNCTION_CELL` people of the audience share that
  job function, so the function alone does not point at a person. It counts for no one in
  credits, welcomes, people counts or streaks.
- Before the digest sees an anonymous entry, `anonymised` takes the author out of it: the user
  id becomes a key of the entry itself, any link but one to the bot's copy in a channel is
  dropped (`public_link`), and the job function is dropped when its cell is too small. So a digest
  built from it cannot name the author, whatever it renders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from core.model import Experiment, JobFunction, Source

MIN_FUNCTION_CELL = 3
ANONYMOUS_PREFIX = "anonymous:"
SOMEONE = "someone"


def credited(exp: Experiment) -> bool:
    """Tell whether the entry counts for its author by name."""
    return not exp.anonymous


def credit_key(exp: Experiment) -> str:
    """The key a digest looks a byline up by: the author's id, or the entry's own key."""
    return f"{ANONYMOUS_PREFIX}{exp.id}" if exp.anonymous else exp.user_id


def function_shown(function: JobFunction | None, cells: Mapping[JobFunction, int]) -> bool:
    """Tell whether a function is common enough in the audience to be named for an entry."""
    return function is not None and cells.get(function, 0) >= MIN_FUNCTION_CELL


def anonymous_byline(function: JobFunction | None) -> str:
    """ "someone in Legal", or "someone" when no function may be named."""
    return f"{SOMEONE} in {function.label}" if function is not None else SOMEONE


def byline(exp: Experiment, name: str, cells: Mapping[JobFunction, int]) -> str:
    """How the entry is credited where others read it: the author's name, or a byline."""
    if credited(exp):
        return name
    shown = exp.job_function if function_shown(exp.job_function, cells) else None
    return anonymous_byline(shown)


def public_link(exp: Experiment) -> str | None:
    """The entry's link as others may follow it.

    For an entry shared without a name, only a link to the bot's copy in a channel: a thread
    reply shows its author, and a copy in the person's DM with the app carries that DM's id,
    which their named entries' links carry too.
    """
    if credited(exp):
        return exp.permalink
    in_channel = exp.echo_channel_id is not None and not exp.echo_channel_id.startswith("D")
    return exp.permalink if exp.source is not Source.THREAD and in_channel else None


def anonymised(exp: Experiment, cells: Mapping[JobFunction, int]) -> Experiment:
    """The entry as others may see it: without its author when shared without a name."""
    if credited(exp):
        return exp
    return replace(
        exp,
        user_id=credit_key(exp),
        permalink=public_link(exp),
        channel_id=None,
        message_ts=None,
        echo_channel_id=None,
        echo_ts=None,
        job_function=exp.job_function if function_shown(exp.job_function, cells) else None,
    )


def function_cells(functions: Mapping[str, JobFunction | None]) -> dict[JobFunction, int]:
    """How many people hold each job function, from a person -> function mapping."""
    cells: dict[JobFunction, int] = {}
    for function in functions.values():
        if function is not None:
            cells[function] = cells.get(function, 0) + 1
    return cells
