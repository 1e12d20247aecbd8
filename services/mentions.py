"""Names for the people mentioned in entries, so every surface shows `@Ann`, never a user id.

Slack sends a mention as `<@U1>`; the name comes from the people directory (`deps.people`), and
put in the mention's label (`<@U1|Ann>`) of a copy made for showing. What is stored stays as
Slack sent it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from slack_sdk.web.async_client import AsyncWebClient

from core.model import Experiment
from core.text import mentioned_users, name_mentions
from services.people import PeopleDirectory, look_up

_FIELDS = ("summary", "work", "surprise", "failure")


async def named(
    client: AsyncWebClient, experiments: Sequence[Experiment], *, people: PeopleDirectory
) -> list[Experiment]:
    """Copies of the experiments, for showing, with every person they mention named."""
    wanted = list(
        dict.fromkeys(
            user
            for exp in experiments
            for field in _FIELDS
            for user in mentioned_users(getattr(exp, field))
        )
    )
    if not wanted:
        return list(experiments)
    found = await asyncio.gather(*(look_up(client, user, people=people) for user in wanted))
    names = {person.user_id: person.name for person in found if person.name != person.user_id}
    return [
        replace(
            exp,
            summary=name_mentions(exp.summary, names),
            work=name_mentions(exp.work, names),
            surprise=name_mentions(exp.surprise, names),
            failure=name_mentions(exp.failure, names),
        )
        for exp in experiments
    ]


async def named_one(
    client: AsyncWebClient, exp: Experiment, *, people: PeopleDirectory
) -> Experiment:
    """One experiment, for showing, with every person it mentions named."""
    return (await named(client, [exp], people=people))[0]
