"""The experiment and profile forms: what Slack sends back becomes a draft or field errors."""

from __future__ import annotations

from datetime import date
from typing import Any

from blocks.forms import (
    FormMetadata,
    experiment_modal,
    profile_modal,
    read_experiment_form,
    read_profile_form,
)
from core.model import Draft, FailureMode, JobFunction, Outcome, Profile


def submitted(**fields: Any) -> dict[str, Any]:
    """State values shaped as in a view_submission, one block/action id per field."""
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in {"outcome", "failure_mode", "job_function"}:
            entry: dict[str, Any] = {
                "type": "static_select",
                "selected_option": {"value": value} if value else None,
            }
        elif name in {"private", "dm_prompts", "reply_summaries"}:
            entry = {"type": "checkboxes", "selected_options": [{"value": value}] if value else []}
        elif name == "paused_until":
            entry = {"type": "datepicker", "selected_date": value}
        else:
            entry = {"type": "plain_text_input", "value": value}
        values[name] = {name: entry}
    return values


def test_a_complete_form_becomes_a_draft() -> None:
    """Every field is read, selects and the privacy box included."""
    draft, errors = read_experiment_form(
        submitted(
            tool="  Copilot ",
            work="migration plan",
            summary="drafted it\nwell",
            surprise="knew our schema",
            failure="invented a flag",
            outcome="mixed",
            failure_mode="confident_wrong",
            private="private",
        )
    )
    assert errors == {}
    assert draft == Draft(
        tool="Copilot",
        work="migration plan",
        summary="drafted it\nwell",
        surprise="knew our schema",
        failure="invented a flag",
        outcome=Outcome.MIXED,
        failure_mode=FailureMode.CONFIDENT_WRONG,
        private=True,
    )


def test_missing_required_fields_are_field_errors() -> None:
    """Blank tool and summary come back as errors keyed by their block ids."""
    draft, errors = read_experiment_form(submitted(tool="   ", summary=""))
    assert draft is None
    assert set(errors) == {"tool", "summary"}


def test_over_long_field_is_refused_with_its_length() -> None:
    """A field over 3,000 characters is refused, saying how long it is."""
    _, errors = read_experiment_form(submitted(tool="Claude", summary="x" * 3001))
    assert errors == {"summary": "This is 3,001 characters; the limit is 3,000."}


def test_edit_form_is_prefilled_and_keeps_its_metadata() -> None:
    """Opening Edit shows the stored values and carries the experiment id through Slack."""
    draft = Draft(summary="s", tool="Claude", outcome=Outcome.FAILED, private=True)
    view = experiment_modal(draft=draft, metadata=FormMetadata(experiment_id="e1", channel_id="C1"))
    by_id = {block["block_id"]: block["element"] for block in view["blocks"]}
    assert by_id["tool"]["initial_value"] == "Claude"
    assert by_id["outcome"]["initial_option"]["value"] == "failed"
    assert by_id["private"]["initial_options"][0]["value"] == "private"
    assert FormMetadata.load(view["private_metadata"]) == FormMetadata(
        experiment_id="e1", channel_id="C1"
    )
    assert view["title"]["text"] == "Edit experiment"


def test_metadata_that_is_not_ours_is_ignored() -> None:
    """Garbage in private_metadata reads as empty metadata, never a crash."""
    assert FormMetadata.load("not json") == FormMetadata()
    assert FormMetadata.load('{"e": 5}') == FormMetadata()
    assert FormMetadata.load(None) == FormMetadata()


def test_profile_form_reads_and_validates_time_zone() -> None:
    """An unknown zone is a field error; a valid form becomes a profile."""
    _, errors = read_profile_form(submitted(tz_override="Europe/Berln"), team_id="T", user_id="U")
    assert set(errors) == {"tz_override"}
    profile, errors = read_profile_form(
        submitted(
            job_function="legal",
            tz_override="Europe/Berlin",
            dm_prompts="on",
            paused_until="2026-12-31",
        ),
        team_id="T",
        user_id="U",
    )
    assert errors == {}
    assert profile is not None
    assert (
        profile.job_function,
        profile.tz_override,
        profile.dm_prompts,
        profile.paused_until,
        profile.reply_summaries,
    ) == (
        JobFunction.LEGAL,
        "Europe/Berlin",
        True,
        date(2026, 12, 31),
        False,  # not ticked
    )


def test_reply_summaries_are_on_by_default_and_read_back() -> None:
    """The profile form ticks reply summaries for a new person, and reads the box back."""
    modal = profile_modal(Profile(team_id="T", user_id="U"))
    [box] = [b for b in modal["blocks"] if b["block_id"] == "reply_summaries"]
    assert box["element"]["initial_options"] == box["element"]["options"]
    off = profile_modal(Profile(team_id="T", user_id="U", reply_summaries=False))
    [box] = [b for b in off["blocks"] if b["block_id"] == "reply_summaries"]
    assert "initial_options" not in box["element"]
    profile, _ = read_profile_form(submitted(reply_summaries="on"), team_id="T", user_id="U")
    assert profile is not None
    assert profile.reply_summaries


def test_the_model_field_is_optional_and_bounded() -> None:
    """An empty model is None; a model longer than a tool's name is refused on its field."""
    draft, _ = read_experiment_form(submitted(tool="ChatGPT", model="  GPT-5 ", summary="ok"))
    empty, _ = read_experiment_form(submitted(tool="ChatGPT", model="", summary="ok"))
    _, errors = read_experiment_form(submitted(tool="ChatGPT", model="x" * 81, summary="ok"))
    assert draft is not None
    assert empty is not None
    assert (draft.model, empty.model) == ("GPT-5", None)
    assert set(errors) == {"model"}


def test_share_without_my_name_is_a_checkbox_that_round_trips() -> None:
    """The Privacy checkboxes hold "Share without my name"; ticked, the draft is anonymous."""
    from blocks.forms import ANONYMOUS_VALUE, experiment_modal, read_experiment_form
    from core.model import Draft

    view = experiment_modal(draft=Draft(summary="s", tool="Claude", anonymous=True))
    [privacy] = [b for b in view["blocks"] if b.get("block_id") == "private"]
    assert [o["value"] for o in privacy["element"]["options"]] == ["private", ANONYMOUS_VALUE]
    assert [o["value"] for o in privacy["element"]["initial_options"]] == [ANONYMOUS_VALUE]
    assert "still shows your name" in privacy["hint"]["text"]
    values = {
        "tool": {"tool": {"value": "Claude"}},
        "summary": {"summary": {"value": "it worked"}},
        "private": {"private": {"selected_options": [{"value": ANONYMOUS_VALUE}]}},
    }
    draft, errors = read_experiment_form(values)
    assert errors == {}
    assert draft is not None
    assert (draft.anonymous, draft.private) == (True, False)
