"""A digest thanking hundreds of people fits Slack: no line is longer than a section holds."""

from __future__ import annotations

from datetime import UTC, datetime

from blocks.digest import digest_layout, layout_as_json, refill
from blocks.kit import SECTION_TEXT_LIMIT
from core.digest import build_digest
from core.model import Experiment, Outcome, Source

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_five_hundred_sharers_render_every_part_within_slacks_limits() -> None:
    """500 people to credit (far past a section's 3,000 characters): every part is filled,
    no section passes Slack's limit, and nobody's name is left out."""
    experiments = [
        Experiment(
            id=f"e{n}",
            team_id="T1",
            user_id=f"U{n:06d}",
            source=Source.COMMAND,
            summary=f"summary {n}",
            created_at=NOW,
            updated_at=NOW,
            week="2026-W48",
            tool="Claude",
            failure=f"failure {n}",
            outcome=Outcome.FAILED,
        )
        for n in range(500)
    ]
    digest = build_digest(
        week="2026-W48",
        ritual_name="Leaders",
        experiments=experiments,
        previous_week=[],
        trailing={},
        known_tools=frozenset(),
        prior_sharers=frozenset(),
    )
    names = {exp.user_id: f"person-{exp.user_id}" for exp in experiments}
    parts = layout_as_json(digest_layout(digest, names))
    messages = [
        refill(part, digest, names, number=n, total=len(parts))
        for n, part in enumerate(parts, start=1)
    ]
    texts = [block["text"]["text"] for m in messages for block in m.blocks if "text" in block]
    assert all(len(text) <= SECTION_TEXT_LIMIT for text in texts)
    shown = "\n".join(texts)
    assert all(f"person-U{n:06d}" in shown for n in range(500))  # credit is never cut
