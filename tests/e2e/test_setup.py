"""Setting up rituals two ways, one code path: the `/tried setup` modal and the `rituals` CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.runtime import Runtime
from fakeslack.driver import SlackDriver
from fakeslack.server import FakeSlack
from storage.db import Database
from storage.rituals import list_rituals
from tests.e2e.conftest import ADMIN, ALICE, BOB, channel_id, settle
from tests.e2e.helpers import cli, dm_id


def setup_values(slack: FakeSlack, **overrides: Any) -> dict[str, dict[str, Any]]:
    """A complete, valid setup form as Slack sends it back."""
    fields: dict[str, dict[str, Any]] = {
        "name": {"type": "plain_text_input", "value": "Leadership"},
        "audience_users": {"type": "multi_users_select", "selected_users": [ALICE, BOB]},
        "audience_channel": {"type": "conversations_select", "selected_conversation": None},
        "audience_group": {"type": "plain_text_input", "value": None},
        "prompt_channel": {
            "type": "conversations_select",
            "selected_conversation": channel_id(slack, "leaders"),
        },
        "dm": {"type": "checkboxes", "selected_options": [{"value": "yes"}]},
        "weekday": {"type": "static_select", "selected_option": {"value": "0"}},
        "at": {"type": "timepicker", "selected_time": "09:00"},
        "tz": {"type": "plain_text_input", "value": "Europe/Berlin"},
        "per_person_tz": {"type": "checkboxes", "selected_options": []},
        "reminder_day": {"type": "static_select", "selected_option": {"value": "2"}},
        "reminder_at": {"type": "timepicker", "selected_time": "14:00"},
        "digest_channel": {
            "type": "conversations_select",
            "selected_conversation": channel_id(slack, "ai-digest"),
        },
        "digest_day": {"type": "static_select", "selected_option": {"value": "4"}},
        "digest_at": {"type": "timepicker", "selected_time": "16:00"},
        "prompt_text": {"type": "plain_text_input", "value": "What did you try this week?"},
    }
    for name, value in overrides.items():
        fields[name] = value
    return {name: {name: value} for name, value in fields.items()}


async def rituals(store: Database) -> list[Any]:
    async with store.transaction() as conn:
        return await list_rituals(conn)


async def test_only_admins_may_set_up(bot: Runtime, driver: SlackDriver, slack: FakeSlack) -> None:
    """A non-admin gets a polite answer and no modal."""
    await driver.slash_command(ALICE, "setup")
    await settle(bot)
    assert slack.calls("views.open") == []
    assert "workspace admins" in slack.ephemerals(ALICE)[-1].text


async def test_admin_sets_up_a_ritual_with_the_modal(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """Invalid values stay in the modal with what to fix; a valid form saves the ritual once."""
    await driver.slash_command(ADMIN, "setup")
    await settle(bot)
    view_id = driver.last_view(ADMIN, "ritual_form")
    bad_zone = await driver.view_submission(
        ADMIN,
        view_id,
        setup_values(slack, tz={"type": "plain_text_input", "value": "Europe/Berln"}),
    )
    assert bad_zone.json()["errors"] == {
        "tz": "Unknown time zone 'Europe/Berln': use an IANA name such as Europe/Berlin."
    }
    not_invited = await driver.view_submission(
        ADMIN,
        view_id,
        setup_values(
            slack,
            prompt_channel={
                "type": "conversations_select",
                "selected_conversation": channel_id(slack, "random"),
            },
        ),
    )
    assert "Invite the bot" in not_invited.json()["errors"]["prompt_channel"]
    no_one = await driver.view_submission(
        ADMIN,
        view_id,
        setup_values(slack, audience_users={"type": "multi_users_select", "selected_users": []}),
    )
    assert "audience_users" in no_one.json()["errors"]
    assert await rituals(store) == []
    ok = await driver.view_submission(ADMIN, view_id, setup_values(slack))
    assert ok.status == 200
    assert ok.body in ("", "{}")
    await settle(bot)
    [ritual] = await rituals(store)
    assert (ritual.name, ritual.audience, ritual.tz, ritual.dm, ritual.created_by) == (
        "Leadership",
        (ALICE, BOB),
        "Europe/Berlin",
        True,
        ADMIN,
    )
    assert "Leadership" in slack.messages(dm_id(slack, ADMIN))[-1].text


async def test_operators_manage_rituals_from_the_cli(
    bot: Runtime, slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    """add refuses bad values and saves good ones; list, show, pause, resume, prompt-now and remove work."""
    leaders, digest = channel_id(slack, "leaders"), channel_id(slack, "ai-digest")
    base = [
        "rituals",
        "add",
        "--name",
        "Leadership",
        "--users",
        f"{ALICE},{BOB}",
        "--ask-in",
        leaders,
        "--when",
        "mon 09:00",
    ]
    code, _, err = await cli(slack, database_url, tmp_path, *base, "--tz", "Europe/Berln")
    assert code == 1
    assert "Unknown time zone 'Europe/Berln'" in err
    code, out, err = await cli(
        slack,
        database_url,
        tmp_path,
        *base,
        "--tz",
        "Europe/Berlin",
        "--reminder",
        "wed 14:00",
        "--digest-channel",
        digest,
    )
    assert code == 0, err
    assert "created Leadership" in out
    _, listing, _ = await cli(slack, database_url, tmp_path, "rituals", "list")
    assert "Leadership\tactive\tMon 09:00 Europe/Berlin" in listing
    _, shown, _ = await cli(slack, database_url, tmp_path, "rituals", "show", "Leadership")
    assert "reminder: Wed 14:00" in shown
    assert (await cli(slack, database_url, tmp_path, "rituals", "pause", "Leadership"))[
        1
    ].strip() == "Leadership: paused"
    assert "paused" in (await cli(slack, database_url, tmp_path, "rituals", "list"))[1]
    await cli(slack, database_url, tmp_path, "rituals", "resume", "Leadership")
    code, out, _ = await cli(slack, database_url, tmp_path, "prompt-now", "Leadership")
    assert code == 0
    assert "1 prompt(s) sent now" in out
    _, again, _ = await cli(slack, database_url, tmp_path, "prompt-now", "Leadership")
    assert "0 prompt(s) sent now" in again
    assert len([m for m in slack.messages(leaders) if m.bot_id]) == 1
    await cli(slack, database_url, tmp_path, "rituals", "remove", "Leadership")
    assert (await cli(slack, database_url, tmp_path, "rituals", "list"))[1] == ""


async def test_a_ritual_named_to_ping_pings_nobody(
    bot: Runtime, driver: SlackDriver, slack: FakeSlack, store: Database
) -> None:
    """A ritual named `<!channel> *bold* <@U1>` shows escaped in the confirmation and on Home."""
    hostile = "<!channel> *bold* <@U1>"
    await driver.slash_command(ADMIN, "setup")
    await settle(bot)
    view_id = driver.last_view(ADMIN, "ritual_form")
    name = {"type": "plain_text_input", "value": hostile}
    ok = await driver.view_submission(ADMIN, view_id, setup_values(slack, name=name))
    assert ok.status == 200
    await settle(bot)
    [ritual] = await rituals(store)
    assert ritual.name == hostile  # stored as typed, escaped only when shown
    note = slack.messages(slack.dm_channel(ADMIN).id)[-1]  # type: ignore[union-attr]
    shown = json.dumps([note.text, note.blocks], ensure_ascii=False)
    assert "@\u2060channel *bold* @someone" in shown
    assert "<!channel>" not in shown
    assert "<@U1>" not in shown
    await driver.app_home_opened(ADMIN)
    await settle(bot)
    home = json.dumps(slack.calls("views.publish")[-1].args, ensure_ascii=False)
    assert "@\u2060channel *bold* @someone" in home
    assert "<!channel>" not in home
    assert "<@U1>" not in home
