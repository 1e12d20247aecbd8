"""Send claims: whoever inserts the claim sends; restarts and replicas never send twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from core.weeks import WeekId
from storage import digests, sends
from storage.db import Database, to_db_time
from storage.sends import Claim, SendKind, SendStatus
from tests.conftest import NOW

LEASE = timedelta(minutes=2)
WEEK = WeekId.parse("2026-W48")


async def claim(db: Database, *, at: datetime = NOW, recipient: str = "U1") -> Claim | None:
    """Claim the W48 prompt to `recipient` at `at`."""
    async with db.transaction() as conn:
        return await sends.claim_send(
            conn,
            kind=SendKind.PROMPT,
            ritual_id="r1",
            week=WEEK,
            recipient=recipient,
            now=at,
            lease=LEASE,
        )


async def test_first_claim_wins_and_second_is_refused(db: Database) -> None:
    """Two claimers of the same send: one gets it, the other gets nothing."""
    first = await claim(db)
    assert first == Claim(
        key="prompt:r1:2026-W48:U1", attempt=1, claimed_at=NOW, maybe_posted=False
    )
    assert await claim(db) is None


async def test_sent_is_never_claimed_again(db: Database) -> None:
    """After the result is recorded, even a much later claim is refused."""
    first = await claim(db)
    assert first is not None
    async with db.transaction() as conn:
        await sends.mark_sent(conn, first.key, channel_id="D1", ts="1.1", now=NOW)
    assert await claim(db, at=NOW + timedelta(days=1)) is None
    async with db.transaction() as conn:
        found = await sends.find_prompt(conn, "D1", "1.1")
    assert found is not None
    assert found.status is SendStatus.SENT


async def test_stale_claim_is_taken_over_and_flagged(db: Database) -> None:
    """A claim left unfinished by a crash is taken over after the lease, flagged as maybe in
    Slack since the first claim's time, however late the take-over."""
    assert await claim(db) is not None
    assert await claim(db, at=NOW + LEASE / 2) is None
    taken = await claim(db, at=NOW + timedelta(minutes=13))
    assert taken == Claim(key="prompt:r1:2026-W48:U1", attempt=2, claimed_at=NOW, maybe_posted=True)


async def test_a_renewed_claim_is_never_taken_over(db: Database) -> None:
    """An owner renewing its lease keeps the send however long it takes; a former owner's
    renewal and failure record change nothing once the claim was taken over."""
    first = await claim(db)
    assert first is not None
    for minutes in range(1, 10):
        at = NOW + timedelta(minutes=minutes)
        async with db.transaction() as conn:
            assert await sends.renew_claim(conn, first, now=at, lease=LEASE)
        assert await claim(db, at=at + LEASE / 2) is None
    taken = await claim(db, at=NOW + timedelta(minutes=9) + LEASE * 2)
    assert taken is not None
    async with db.transaction() as conn:
        assert not await sends.renew_claim(conn, first, now=NOW, lease=LEASE)
        await sends.mark_failed(conn, first, error="internal_error", now=NOW, retry=True)
        still = await sends.get_send(conn, first.key)
    assert still is not None
    assert still.status is SendStatus.CLAIMED


async def test_a_rate_limited_send_is_retried_past_the_cap(db: Database) -> None:
    """Slack refused a rate-limited send before doing anything: it does not use up attempts."""
    for _ in range(sends.MAX_ATTEMPTS + 2):
        got = await claim(db)
        assert got is not None
        async with db.transaction() as conn:
            await sends.mark_failed(conn, got, error="ratelimited", now=NOW, retry=True)


async def test_transient_failure_is_retried_until_the_cap(db: Database) -> None:
    """A send released for retry can be claimed again, at most MAX_ATTEMPTS times in all."""
    for _ in range(sends.MAX_ATTEMPTS):
        got = await claim(db)
        assert got is not None
        assert not got.maybe_posted
        async with db.transaction() as conn:
            await sends.mark_failed(conn, got, error="internal_error", now=NOW, retry=True)
    assert await claim(db) is None


async def test_permanent_failure_is_not_retried(db: Database) -> None:
    """A deactivated user's send fails once and stays failed."""
    got = await claim(db)
    assert got is not None
    async with db.transaction() as conn:
        await sends.mark_failed(conn, got, error="account_inactive", now=NOW, retry=False)
    assert await claim(db) is None


async def test_skip_is_recorded_once(db: Database) -> None:
    """A too-late send is recorded as skipped the first time only, and then never claimed."""
    async with db.transaction() as conn:
        args: dict[str, Any] = {
            "kind": SendKind.PROMPT,
            "ritual_id": "r1",
            "week": WEEK,
            "recipient": "U1",
            "reason": "too_late",
            "now": NOW,
        }
        assert await sends.record_skipped(conn, **args)
        assert not await sends.record_skipped(conn, **args)
    assert await claim(db) is None


async def test_a_send_in_doubt_waits_before_it_is_claimed_again(db: Database) -> None:
    """After a timeout or a 5xx, the next claim comes no sooner than IN_DOUBT_WAIT, told to look."""
    got = await claim(db)
    assert got is not None
    async with db.transaction() as conn:
        await sends.mark_failed(
            conn, got, error="TimeoutError", now=NOW, retry=True, maybe_posted=True
        )
    assert await claim(db, at=NOW + sends.IN_DOUBT_WAIT / 2) is None
    again = await claim(db, at=NOW + sends.IN_DOUBT_WAIT)
    assert again == Claim(key=got.key, attempt=2, claimed_at=NOW, maybe_posted=True)


async def test_a_notice_sent_by_an_older_release_is_never_sent_again(db: Database) -> None:
    """Notices were stored as digest sends to `notice:<user>`: they read as notices, not parts."""
    async with db.transaction() as conn:
        await conn.execute(
            text(
                "INSERT INTO sends (send_key, ritual_id, week, kind, recipient, status, attempts,"
                " claimed_at) VALUES ('digest:r1:2026-W48:notice:UADMIN', 'r1', '2026-W48',"
                " 'digest', 'notice:UADMIN', 'sent', 1, :at)"
            ),
            {"at": to_db_time(NOW)},
        )
        again = await sends.claim_send(
            conn,
            kind=SendKind.NOTICE,
            ritual_id="r1",
            week=WEEK,
            recipient="notice:UADMIN",
            now=NOW,
            lease=LEASE,
        )
        assert again is None
        assert await sends.list_sends(conn, "r1", WEEK, SendKind.DIGEST) == []
        [notice] = await sends.list_sends(conn, "r1", WEEK, SendKind.NOTICE)
        assert (notice.kind, notice.recipient) == (SendKind.NOTICE, "notice:UADMIN")
        await digests.forget_digest(conn, "r1", WEEK)  # `digest --post --force` keeps notices
        assert len(await sends.list_sends(conn, "r1", WEEK)) == 1


async def test_a_new_notice_has_its_own_kind_and_the_former_key(db: Database) -> None:
    """A notice claimed now is stored as a notice, under the key older releases used."""
    async with db.transaction() as conn:
        got = await sends.claim_send(
            conn,
            kind=SendKind.NOTICE,
            ritual_id="r1",
            week=WEEK,
            recipient="notice:UADMIN",
            now=NOW,
            lease=LEASE,
        )
        assert got is not None
        assert got.key == "digest:r1:2026-W48:notice:UADMIN"
        [notice] = await sends.list_sends(conn, "r1", WEEK)
        assert notice.kind is SendKind.NOTICE


async def test_asks_in_a_conversation_are_found_newest_first(db: Database) -> None:
    """A prompt and a reminder in one DM: each found by its message, the reminder first as newest."""
    prompt = await claim(db)
    assert prompt is not None
    async with db.transaction() as conn:
        await sends.mark_sent(conn, prompt.key, channel_id="D1", ts="1.1", now=NOW)
        reminder = await sends.claim_send(
            conn,
            kind=SendKind.REMINDER,
            ritual_id="r1",
            week=WEEK,
            recipient="U1",
            now=NOW,
            lease=LEASE,
        )
        assert reminder is not None
        await sends.mark_sent(
            conn, reminder.key, channel_id="D1", ts="2.2", now=NOW + timedelta(days=2)
        )
    async with db.transaction() as conn:
        asks = await sends.latest_asks(conn, "D1")
        found = await sends.find_ask(conn, "D1", "2.2")
        nothing = await sends.latest_asks(conn, "D2")
    assert [a.kind for a in asks] == [SendKind.REMINDER, SendKind.PROMPT]
    assert found is not None
    assert found.kind is SendKind.REMINDER
    assert nothing == []


async def test_a_digest_is_posted_when_its_main_post_is_sent(db: Database) -> None:
    """`posted_at` is the time of the main post's success, and None before it."""
    async with db.transaction() as conn:
        first = await sends.claim_send(
            conn,
            kind=SendKind.DIGEST,
            ritual_id="r1",
            week=WEEK,
            recipient="C1#1",
            now=NOW,
            lease=LEASE,
        )
        assert first is not None
        assert await digests.posted_at(conn, "r1", WEEK) is None
        await sends.mark_sent(conn, first.key, channel_id="C1", ts="3.3", now=NOW + LEASE)
        assert await digests.posted_at(conn, "r1", WEEK) == NOW + LEASE
        assert await digests.posted_at(conn, "r1", WEEK.next()) is None
