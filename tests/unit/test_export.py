"""The export gives what people wrote as readable text, not Slack's stored markup."""

from __future__ import annotations

import csv
import io
import json

from services.export import render_export
from tests.factories import experiment

STORED = (
    "<=cmd|x> asked <@U0BOB|bob> and <@U0ANN>, see <https://x.example/a?b=1&amp;c=2|the notes>,"
    " <https://y.example> <!channel> &lt;3"
)


def test_json_shows_mentions_as_names_links_as_label_and_address_and_broadcasts_inert() -> None:
    exp = experiment(summary=STORED)
    [row] = json.loads(render_export([exp], "json", names={"U0ANN": "Ann"}))
    assert row["summary"] == (
        "<=cmd|x> asked @bob and @Ann, see the notes (https://x.example/a?b=1&c=2),"
        " https://y.example @\u2060channel <3"
    )


def test_a_mention_without_a_known_name_shows_its_user_id() -> None:
    [row] = json.loads(render_export([experiment(work="paired with <@U0ANN>")], "json"))
    assert row["work"] == "paired with @U0ANN"


def test_csv_is_readable_and_still_neutralises_formulas() -> None:
    exp = experiment(summary="<@U0ANN> reviewed it", failure='=HYPERLINK("x")')
    [row] = list(csv.DictReader(io.StringIO(render_export([exp], "csv", names={"U0ANN": "Ann"}))))
    assert row["summary"] == "'@Ann reviewed it"  # starts with @: quoted like any formula
    assert row["failure"] == '\'=HYPERLINK("x")'
