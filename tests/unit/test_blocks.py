"""Block Kit builders: typed names and text shown escaped, within Slack's limits everywhere."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

import pytest
from slack_sdk.models.blocks import Block as SdkBlock

from blocks.digest import digest_messages
from blocks.experiments import crosspost_blocks, crosspost_text, list_blocks
from blocks.home import HOME_BLOCK_LIMIT, home_view
from blocks.ids import RitualField
from blocks.kit import (
    HEADER_TEXT_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    SECTION_TEXT_LIMIT,
    button,
    context,
    header,
    option,
    safe,
    section,
)
from blocks.notices import admin_notice_blocks, admin_notice_text
from blocks.prompts import prompt_blocks, prompt_text, reminder_blocks, reminder_text
from blocks.replies import (
    forgotten_blocks,
    forgotten_text,
    missing_text_blocks,
    not_saved_blocks,
    not_saved_text,
    unavailable_response,
    unknown_command_text,
)
from blocks.ritual_admin import edit_not_saved_text
from blocks.setup import (
    problems_as_errors,
    read_ritual_form,
    ritual_modal,
)
from core.digest import build_digest
from core.model import Profile
from core.rituals import AudienceKind, Problem, Ritual
from core.schedule import Weekday
from tests.factories import experiment

HOSTILE = "<!channel> *bold* <@U1>"
ESCAPED = "@\u2060channel *bold* @someone"  # rendered once: inert, and no user id shown


def _ritual(name: str = HOSTILE, **changes: Any) -> Ritual:
    return Ritual(
        id="r1",
        team_id="T1",
        name=name,
        audience_kind=AudienceKind.USERS,
        audience=("U1",),
        weekday=Weekday.MON,
        at=time(9, 0),
        tz="Europe/Berlin",
        prompt_channel_id="C1",
        created_by="U9",
        **changes,
    )


def _valid(blocks: list[dict[str, Any]]) -> None:
    for block in SdkBlock.parse_all(blocks):
        assert block is not None
        block.validate_json()


def _no_ping(payload: object) -> None:
    dumped = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in dumped
    assert "<@U1>" not in dumped


def _home(recent: int = 5) -> dict[str, Any]:
    return home_view(
        profile=Profile(team_id="T1", user_id="U1"),
        tz_name="Europe/Berlin",
        streak=3,
        recent=[experiment() for _ in range(recent)],
    )


def test_a_hostile_ritual_name_is_shown_escaped_in_the_admin_notice() -> None:
    """The DM about a digest that could not be posted escapes the name and Slack's error."""
    blocks = admin_notice_blocks(
        ritual_id="r1", ritual_name=HOSTILE, week="2026-W48", channel_id="C0DIGEST", error="<x>"
    )
    _no_ping(blocks)
    _no_ping(admin_notice_text(ritual_name=HOSTILE, week="2026-W48"))
    text = blocks[0]["text"]["text"]
    assert ESCAPED in text
    assert "<#C0DIGEST>" in text
    assert "`&lt;x&gt;`" in text
    _valid(blocks)


def test_a_channel_that_is_not_an_id_is_not_linked_in_the_notice() -> None:
    """Only a well-formed channel id becomes `<#C…>`; anything else is escaped text."""
    blocks = admin_notice_blocks(
        ritual_id="r1", ritual_name="x", week="W", channel_id="!here>", error="e"
    )
    assert "<#" not in blocks[0]["text"]["text"]
    assert "&gt;" in blocks[0]["text"]["text"]


def test_a_hostile_ritual_name_is_shown_escaped_in_the_digest_header() -> None:
    """The digest's header, fallback text and prompt/reminder messages escape the name."""
    digest = build_digest(
        week="2026-W48",
        ritual_name=HOSTILE,
        experiments=[experiment(tool="ChatGPT", surprise="fast")],
        previous_week=[],
        trailing={},
        known_tools=frozenset(),
        prior_sharers=frozenset(),
    )
    messages = digest_messages(digest, {"U1": "Ada"})
    first = messages[0]
    assert first.blocks[0]["type"] == "header"
    assert ESCAPED in first.blocks[0]["text"]["text"]
    _no_ping([m.blocks for m in messages])
    _no_ping([m.text for m in messages])
    ritual = _ritual()
    for payload in (
        prompt_blocks(ritual, "2026-W48"),
        prompt_text(ritual),
        reminder_blocks(ritual, "2026-W48", thread_link=None),
        reminder_text(ritual),
    ):
        _no_ping(payload)


def test_a_hostile_ritual_name_is_shown_escaped_when_an_edit_is_not_saved() -> None:
    """The DM after an edit whose audience check failed escapes the name and the reasons."""
    text = edit_not_saved_text(_ritual(), [Problem("audience", "<!here> nobody to ask")])
    _no_ping(text)
    assert ESCAPED in text
    assert "was not changed" in text


def test_the_prompt_wording_keeps_its_formatting_but_cannot_ping() -> None:
    """An admin's *bold* stays mrkdwn; `<!here>` in the wording is escaped."""
    blocks = prompt_blocks(_ritual("Leaders", prompt_text="*Share* one <!here>"), "2026-W48")
    assert blocks[0]["text"]["text"] == "*Share* one @\u2060here"


def test_a_reminder_link_that_could_break_the_syntax_is_left_out() -> None:
    """A thread link with `|` or `>` is not placed inside `<…|…>`."""
    blocks = reminder_blocks(_ritual("Leaders"), "2026-W48", thread_link="https://x/a|b>")
    assert "https://x" not in json.dumps(blocks)


def test_the_thread_copy_credits_by_name_escaped() -> None:
    """The copy in a prompt's thread escapes the entry, the tool and the author's name."""
    exp = experiment(tool=HOSTILE, summary=HOSTILE)
    blocks = crosspost_blocks(exp, author_name=HOSTILE)
    _no_ping(blocks)
    _no_ping(crosspost_text(exp))
    assert blocks[1]["elements"][0]["text"] == f"Shared by {ESCAPED} with `/tried`"
    _valid(blocks)


def test_not_saved_answers_hand_back_the_entry_escaped_and_short() -> None:
    """The quick entry given up on comes back escaped and cut at 300 characters."""
    text = HOSTILE + " " + "y" * 1000
    blocks = not_saved_blocks(text)
    _no_ping(blocks)
    _no_ping(not_saved_text(text))
    assert ESCAPED in not_saved_text(text)
    assert len(not_saved_text(text)) < 450
    _valid(blocks)
    _no_ping(missing_text_blocks("<!channel>", "<@U1>"))
    response = unavailable_response()
    assert response["response_type"] == "ephemeral"
    _valid(response["blocks"])


@pytest.mark.parametrize("entries", [0, 5, 200])
def test_home_never_exceeds_100_blocks(entries: int) -> None:
    """However many entries, Home makes at most 100 blocks (admins' rituals: test_ritual_admin)."""
    blocks = _home(recent=entries)["blocks"]
    assert len(blocks) <= HOME_BLOCK_LIMIT
    _valid(blocks)


def test_sections_headers_buttons_and_options_are_cut_to_slacks_limits() -> None:
    """Every kit element truncates: 3,000 per section, 150 per header, 2,000 per button value."""
    long = "x" * 10_000
    assert len(section(long)["text"]["text"]) == SECTION_TEXT_LIMIT
    assert len(context(long)["elements"][0]["text"]) == SECTION_TEXT_LIMIT
    assert len(header(long)["text"]["text"]) == HEADER_TEXT_LIMIT
    assert len(button(long, "a", long)["value"]) == 2000
    assert len(option(long, long)["value"]) == 150
    cut = safe("&" * 1000, 100)
    assert len(cut) <= 100
    assert cut.endswith("&amp;…")  # cut between escapes, never inside one


def test_a_long_list_stays_within_a_message() -> None:
    """`/tried list` of long hostile entries: at most 50 blocks, each section within 3,000."""
    entries = [experiment(summary=HOSTILE * 500, tool=HOSTILE) for _ in range(30)]
    blocks = list_blocks(entries, shown=30)
    assert len(blocks) <= MESSAGE_BLOCK_LIMIT
    assert all(
        len(b["text"]["text"]) <= SECTION_TEXT_LIMIT for b in blocks if b["type"] == "section"
    )
    _no_ping(blocks)
    _valid(blocks)


def test_the_ritual_modal_uses_the_ids_module_for_every_input() -> None:
    """Each input's block_id and action_id is a RitualField, and reading uses the same ids."""
    modal = ritual_modal(default_tz="Europe/Berlin")
    ids = [(b["block_id"], b["element"]["action_id"]) for b in modal["blocks"]]
    assert ids == [(f.value, f.value) for f in RitualField]
    assert len(modal["blocks"]) <= 100
    _valid(modal["blocks"])
    values = {
        RitualField.NAME: {"value": "Leaders"},
        RitualField.AUDIENCE_USERS: {"selected_users": ["U1"]},
        RitualField.WEEKDAY: {"selected_option": {"value": "0"}},
        RitualField.AT: {"selected_time": "09:00"},
        RitualField.TZ: {"value": "Europe/Berlin"},
        RitualField.DIGEST_DAY: {"selected_option": {"value": "4"}},
        RitualField.DIGEST_AT: {"selected_time": "16:00"},
    }
    submitted = {field.value: {field.value: value} for field, value in values.items()}
    ritual, errors = read_ritual_form(submitted, ritual_id="r", team_id="T", created_by="U9")
    assert errors == {}
    assert ritual is not None
    assert (ritual.name, ritual.audience, ritual.weekday) == ("Leaders", ("U1",), Weekday.MON)
    assert problems_as_errors([Problem("tz", "Unknown")]) == {RitualField.TZ.value: "Unknown"}


def test_forget_me_and_unknown_command_answers() -> None:
    """Forget-me counts what it deleted; an unknown command's name is shown escaped."""
    assert forgotten_text(entries=1, copies_left=0) == ("Done. I deleted 1 entry and your profile.")
    assert "2 copies in threads could not be removed" in forgotten_text(entries=3, copies_left=2)
    _valid(forgotten_blocks(entries=3, copies_left=2))
    assert unknown_command_text("/x<!here>") == (
        "Sorry, I don't handle `/x@\u2060here`. Try `/tried help`."
    )
