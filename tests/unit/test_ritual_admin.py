"""Admin controls without Slack: the next times of a ritual, the edit form, the Home section."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from blocks.admin_home import AdminRitual, admin_section, with_admin_section
from blocks.kit import VIEW_BLOCK_LIMIT
from blocks.notices import admin_notice_blocks
from blocks.ritual_admin import edit_ritual_modal, saved_text, setup_confirmation
from blocks.setup import read_ritual_form
from core.rituals import AudienceKind, Ritual
from core.schedule import Weekday
from core.upcoming import first_prompt, passed_by_reschedule, upcoming
from fakeslack.blockkit import check_view

HOSTILE = "<!channel> *bold* <@U1>"
BERLIN = ZoneInfo("Europe/Berlin")


def _ritual(**changes: Any) -> Ritual:
    base: dict[str, Any] = {
        "id": "r1",
        "team_id": "T1",
        "name": "Leaders",
        "audience_kind": AudienceKind.USERS,
        "audience": ("U1", "U2"),
        "weekday": Weekday.MON,
        "at": time(9, 0),
        "tz": "Europe/Berlin",
        "prompt_channel_id": "C1",
        "dm": True,
        "reminder_weekday": Weekday.WED,
        "reminder_at": time(14, 0),
        "digest_channel_id": "C2",
        "digest_weekday": Weekday.FRI,
        "digest_at": time(16, 0),
        "created_by": "U9",
    }
    return Ritual(**(base | changes))


def test_next_times_are_this_week_while_ahead_then_next_week() -> None:
    """Monday 10:00 Berlin: the prompt is next Monday; the reminder and digest this week."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    times = upcoming(_ritual(), now=now)
    assert times.prompt == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert times.reminder == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert times.digest == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    bare = upcoming(
        _ritual(reminder_weekday=None, reminder_at=None, digest_channel_id=None), now=now
    )
    assert (bare.reminder, bare.digest) == (None, None)


def test_the_digest_is_never_shown_before_its_weeks_prompt() -> None:
    """A Friday prompt with a Monday digest: the week's digest waits for Friday's prompt."""
    now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 07:00 Berlin
    times = upcoming(_ritual(weekday=Weekday.FRI, digest_weekday=Weekday.MON), now=now)
    assert times.digest == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # with the prompt


def test_next_times_follow_the_local_clock_across_a_dst_change() -> None:
    """09:00 Berlin is 08:00 UTC in winter and 07:00 UTC after the spring change."""
    before = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)  # Tuesday; clocks change on Sunday 29
    assert upcoming(_ritual(), now=before).prompt == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_the_first_prompt_is_this_week_only_while_its_moment_is_ahead() -> None:
    """Set up at Monday 09:00 Berlin exactly: a Monday 09:00 ritual asks next week, 09:01 today."""
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    at_nine = first_prompt(_ritual(), now=now)
    assert (at_nine.at, at_nine.this_week) == (datetime(2026, 11, 30, 8, 0, tzinfo=UTC), False)
    later = first_prompt(_ritual(at=time(9, 1)), now=now)
    assert (later.at, later.this_week) == (datetime(2026, 11, 23, 8, 1, tzinfo=UTC), True)


def _as_submitted(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The edit form's values as Slack sends them when saved unchanged."""
    keys = {
        "plain_text_input": ("initial_value", "value"),
        "multi_users_select": ("initial_users", "selected_users"),
        "conversations_select": ("initial_conversation", "selected_conversation"),
        "checkboxes": ("initial_options", "selected_options"),
        "static_select": ("initial_option", "selected_option"),
        "timepicker": ("initial_time", "selected_time"),
    }
    values = {}
    for block in view["blocks"]:
        element = block["element"]
        initial, selected = keys[element["type"]]
        values[block["block_id"]] = {element["action_id"]: {selected: element.get(initial)}}
    return values


def test_the_edit_form_saved_unchanged_gives_back_the_same_ritual() -> None:
    """Every setting round-trips through the prefilled form, for each kind of audience."""
    for ritual in (
        _ritual(),
        _ritual(
            audience_kind=AudienceKind.CHANNEL,
            audience=("C7",),
            dm=False,
            per_person_tz=True,
            reminder_weekday=None,
            reminder_at=None,
            digest_channel_id=None,
            prompt_text="Anything new?",
        ),
        _ritual(audience_kind=AudienceKind.USERGROUP, audience=("S1",), prompt_channel_id=None),
    ):
        view = edit_ritual_modal(ritual)
        assert check_view(view) == []
        assert (view["callback_id"], view["private_metadata"]) == ("ritual_edit_form", "r1")
        back, errors = read_ritual_form(
            _as_submitted(view), ritual_id="r1", team_id="T1", created_by="U9"
        )
        assert errors == {}
        assert back == ritual


def test_the_admin_section_escapes_names_and_stays_within_the_view_limit() -> None:
    """A hostile name pings nobody; 80 rituals leave the Home tab at 100 blocks, the rest counted."""
    at = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    line = AdminRitual(
        id="r1",
        name=HOSTILE,
        paused=False,
        per_person_tz=False,
        prompt=at,
        reminder=None,
        digest=at,
    )
    dumped = json.dumps(admin_section([line], zone_name="Europe/Berlin", room=10))
    assert "<!channel>" not in dumped
    assert "@\\u2060channel" in dumped  # rendered once, inert
    home = {"type": "home", "blocks": [{"type": "divider"}] * 20}
    view = with_admin_section(home, [line] * 80, zone_name="Europe/Berlin")
    assert len(view["blocks"]) == VIEW_BLOCK_LIMIT
    assert "more not shown" in json.dumps(view["blocks"][-1])
    assert check_view(view) == []


def test_the_setup_note_and_the_digest_notice_offer_their_buttons() -> None:
    """The setup note names the first prompt's week and offers Send now; the notice, Retry."""
    blocks, text = setup_confirmation(
        _ritual(name=HOSTILE),
        first_at=datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN),
        this_week=True,
        zone_name="Europe/Berlin",
    )
    assert "<!channel>" not in text
    assert "this week: Fri 27 Nov 09:00 (Europe/Berlin)" in text
    assert blocks[-1]["elements"][0]["action_id"] == "ritual_send_now"
    notice = admin_notice_blocks(
        ritual_id="r1", ritual_name="x", week="2026-W48", channel_id="C1", error="is_archived"
    )
    assert notice[-1]["elements"][0]["value"] == "r1|2026-W48"
    assert "python -m bot" not in json.dumps(notice)


def test_a_reschedule_closes_the_week_only_when_the_new_moment_has_passed() -> None:
    """Moved to a moment already past this week: that week; still ahead, or unchanged: None."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 Berlin
    friday = _ritual(weekday=Weekday.FRI)
    assert str(passed_by_reschedule(friday, _ritual(), now=now)) == "2026-W48"
    assert passed_by_reschedule(friday, _ritual(at=time(11, 0)), now=now) is None
    assert passed_by_reschedule(_ritual(), _ritual(prompt_text="New words"), now=now) is None


def test_a_ritual_asking_in_each_persons_zone_is_shown_in_local_time() -> None:
    """The setup note and the edit note speak of each person's own time, not one instant."""
    ritual = _ritual(per_person_tz=True)
    _, text = setup_confirmation(
        ritual,
        first_at=datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN),
        this_week=False,
        zone_name="America/New_York",
    )
    assert "at 09:00 in each person's own time zone: this Mon where that is still ahead" in text
    saved = saved_text(
        ritual, next_prompt=datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN), zone_name="Europe/Berlin"
    )
    assert "Next prompt: Mon 30 Nov 09:00 in each person's own time zone." in saved


def test_once_this_weeks_prompts_are_done_the_next_prompt_is_next_weeks() -> None:
    """A Friday ritual sent early on Monday (Send now) next asks the Friday after."""
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    friday = _ritual(weekday=Weekday.FRI)
    assert upcoming(friday, now=now).prompt == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    done = upcoming(friday, now=now, prompted_this_week=True)
    assert done.prompt == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert upcoming(_ritual(), now=now, prompted_this_week=True).prompt == datetime(
        2026, 11, 30, 8, 0, tzinfo=UTC
    )
