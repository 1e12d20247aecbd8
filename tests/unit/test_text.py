"""`core.text`: text from Slack rendered once, names for mentions, links kept, broadcasts inert."""

from __future__ import annotations

import pytest

from core.text import (
    ZWJ,
    mentioned_users,
    name_mentions,
    render_slack_text,
    slack_text_as_plain,
    truncate,
)


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("R&amp;D &lt;v2&gt;", "R&amp;D &lt;v2&gt;"),  # escaped by Slack: never escaped again
        ("R&D <v2>", "R&amp;D &lt;v2&gt;"),  # typed into a form: escaped once
        ("ask <@U0BOB>", "ask @someone"),
        ("ask <@U0BOB|Bob Brown>", "ask @Bob Brown"),
        ("ask <@U0BOB|@bob>", "ask @bob"),
        ("in <#C0ABC|general>", "in <#C0ABC>"),
        ("see <https://x.io/a?b=1&amp;c=2|the doc>", "see <https://x.io/a?b=1&amp;c=2|the doc>"),
        ("see <https://x.io>", "see <https://x.io>"),
        ("mail <mailto:a@b.io|me>", "mail <mailto:a@b.io|me>"),
        ("<!channel> <!here|here> <!everyone>", f"@{ZWJ}channel @{ZWJ}here @{ZWJ}everyone"),
        ("<!subteam^S0LEADS|@leads> and <!subteam^S0X>", "@leads and @group"),
        ("on <!date^1392734382^{date}|Feb 18>", "on Feb 18"),
        ("<3 and <b>x</b>", "&lt;3 and &lt;b&gt;x&lt;/b&gt;"),
        ("plain @channel", f"plain @{ZWJ}channel"),
    ],
)
def test_render_slack_text(sent: str, shown: str) -> None:
    """Each form Slack sends is shown as people expect, pinging nobody."""
    assert render_slack_text(sent) == shown


def test_a_link_label_cannot_smuggle_markup() -> None:
    """A label's own `<`, `>` and `|` stay text inside the link."""
    assert render_slack_text("<https://x.io|a &lt;b&gt; c>") == "<https://x.io|a &lt;b&gt; c>"


def test_plain_text_shows_names_links_and_characters() -> None:
    """For plain_text surfaces: `@name`, "label (address)", and `&<>` as characters."""
    sent = "<@U1|ann> saw <https://x.io|the doc> &amp; <#C1|general> &lt;3"
    assert slack_text_as_plain(sent) == "@ann saw the doc (https://x.io) & #general <3"


def test_unnamed_mentions_are_found_and_named() -> None:
    """Only mentions without a label are looked up; a name cannot break the markup."""
    sent = "<@U1> and <@U2|bo> and <@U1> and <@U3>"
    assert mentioned_users(sent) == ["U1", "U3"]
    named = name_mentions(sent, {"U1": "Ann <A|B>", "U2": "ignored"})
    assert named == "<@U1|Ann A/B> and <@U2|bo> and <@U1|Ann A/B> and <@U3>"
    assert render_slack_text(named) == "@Ann A/B and @bo and @Ann A/B and @someone"


def test_truncating_rendered_text_never_cuts_a_link() -> None:
    """A cut that would fall inside `<url|label>` drops the whole link."""
    rendered = render_slack_text("read <https://example.com/a/long/path|this>")
    assert truncate(rendered, 20, markup=True) == "read …"
    assert truncate("a < b and more", 6) == "a < b…"  # plain text keeps its `<`
