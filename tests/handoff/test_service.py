"""The hand-off state machine and its outbox writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.handoff.db import Database
from bot.handoff.models import (
    Direction,
    HandoffMessage,
    HandoffRequest,
    OutboxMessage,
    OutboxSequence,
    Reason,
    Status,
    WebInboxMessage,
)
from bot.handoff.outbox import COORDINATOR, EMAIL
from bot.handoff.service import (
    Applicant,
    HandoffService,
    RequestClosedError,
    RequestNotFoundError,
)
from tests.handoff.conftest import (
    COORDINATOR_CHAT,
    TRANSCRIPT,
    ManualClock,
    open_for,
    outbox_rows,
)

ANNA = "telegram:5123456789"
PIOTR = "messenger:6543210987654321"
WEB = "web:sesja-0123456789abcdef"


def count(db: Database, model: Any, *where: Any) -> int:
    return db.run(lambda s: s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


# --- opening ------------------------------------------------------------------------------


def test_open_stores_request_and_notification_together(
    db: Database, service: HandoffService
) -> None:
    request = open_for(db, service, ANNA, organisation="Stowarzyszenie Ziarno", contact=None)

    assert request.number == "Z-0001"
    assert (request.channel, request.recipient, request.status) == ("telegram", "5123456789", "new")
    assert request.consent is True
    [notice] = outbox_rows(db)
    assert (notice.channel, notice.recipient) == (COORDINATOR, str(COORDINATOR_CHAT))
    assert notice.payload["text"].startswith("Zgłoszenie Z-0001 — nowe")
    assert "Organizacja: Stowarzyszenie Ziarno" in notice.payload["text"]
    assert "Wnioskodawca: Czy możemy przesunąć termin" in notice.payload["text"]
    assert [b["payload"] for b in notice.payload["buttons"]] == ["ho:take:1", "ho:close:1"]
    assert (notice.sender_id, notice.request_id, notice.status) == (ANNA, 1, "pending")


def test_nothing_is_stored_when_the_transaction_fails(
    db: Database, service: HandoffService
) -> None:
    def open_then_fail(session: Session) -> None:
        service.open_request(session, sender_id=ANNA, reason=Reason.ASKED, transcript=TRANSCRIPT)
        raise RuntimeError("the action crashed before commit")

    with pytest.raises(RuntimeError):
        db.run(open_then_fail)

    assert count(db, HandoffRequest) == 0
    assert outbox_rows(db) == []


def test_a_second_ask_returns_the_open_request(db: Database, service: HandoffService) -> None:
    first = open_for(db, service, ANNA)
    again = db.run(
        lambda s: service.open_request(s, sender_id=ANNA, reason=Reason.COMPLEX_CASE, transcript=[])
    )

    assert (again.request.id, again.created) == (first.id, False)
    assert count(db, HandoffRequest) == 1
    assert len(outbox_rows(db)) == 1


def test_one_open_request_per_sender_even_when_opened_at_once(
    db: Database, service: HandoffService
) -> None:
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            barrier.wait()
            results.append(open_for(db, service, ANNA).id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1
    assert count(db, HandoffRequest) == 1
    assert len(outbox_rows(db, channel=COORDINATOR)) == 1


def test_the_database_refuses_a_second_open_request(db: Database, service: HandoffService) -> None:
    first = open_for(db, service, ANNA)

    def duplicate(session: Session) -> None:
        session.add(
            HandoffRequest(
                sender_id=ANNA,
                channel="telegram",
                recipient="5123456789",
                status=Status.TAKEN,
                reason=Reason.ASKED,
                consent=False,
                transcript=[],
                created_at=first.created_at,
            )
        )

    with pytest.raises(IntegrityError):
        db.run(duplicate)


def test_the_email_copy_goes_through_the_outbox(
    db: Database, service: HandoffService, clock: ManualClock
) -> None:
    service.email_to = "koordynator@example.org"
    open_for(db, service, PIOTR)

    [email] = outbox_rows(db, channel=EMAIL)
    assert email.recipient == "koordynator@example.org"
    assert email.payload["custom"]["subject"] == "Nowe zgłoszenie Z-0001 — Asystent Naborów"
    assert "Kanał: Messenger" in email.payload["text"]


def test_without_a_coordinator_chat_the_request_is_kept(
    db: Database, service: HandoffService
) -> None:
    service.coordinator_chat_id = None
    request = open_for(db, service, ANNA)

    assert request.status == Status.NEW
    assert outbox_rows(db) == []


def test_opened_text_names_the_number_and_the_office_hours(
    db: Database, service: HandoffService
) -> None:
    request = open_for(db, service, ANNA)

    text = service.opened_text(request)

    assert "zgłoszenie Z-0001" in text
    assert "w ciągu 1 dnia roboczego; biuro jest czynne pon.–pt. 8:00–16:00" in text


@pytest.mark.parametrize(
    ("sender", "channel", "recipient"),
    [
        (ANNA, "telegram", "5123456789"),
        (PIOTR, "messenger", "6543210987654321"),
        (WEB, "web", "sesja-0123456789abcdef"),
    ],
)
def test_sender_ids_name_channel_and_recipient(sender: str, channel: str, recipient: str) -> None:
    applicant = Applicant.parse(sender)
    assert (applicant.channel, applicant.recipient) == (channel, recipient)


@pytest.mark.parametrize("sender", ["e2e-test", "sms:123", "telegram:"])
def test_unknown_sender_ids_are_refused(sender: str) -> None:
    with pytest.raises(ValueError, match=r"sender id|channel"):
        Applicant.parse(sender)


# --- the conversation ---------------------------------------------------------------------


def test_applicant_messages_are_stored_and_forwarded(db: Database, service: HandoffService) -> None:
    open_for(db, service, ANNA)

    request = db.run(
        lambda s: service.add_applicant_message(s, sender_id=ANNA, text="  Chodzi o umowę 5/2023 ")
    )

    assert request is not None
    messages = db.run(lambda s: s.scalars(select(HandoffMessage)).all())
    assert [(m.direction, m.text) for m in messages] == [
        (Direction.FROM_APPLICANT, "Chodzi o umowę 5/2023")
    ]
    forward = outbox_rows(db, channel=COORDINATOR)[-1]
    assert forward.payload["text"] == (
        "Z-0001 · nowa wiadomość od wnioskodawcy (Telegram):\n\nChodzi o umowę 5/2023"
    )
    assert forward.payload["custom"] == {"thread": True}


def test_without_an_open_request_nothing_is_forwarded(
    db: Database, service: HandoffService
) -> None:
    assert db.run(lambda s: service.add_applicant_message(s, sender_id=ANNA, text="hej")) is None
    assert outbox_rows(db) == []


def test_new_taken_answered_closed(
    db: Database, service: HandoffService, clock: ManualClock
) -> None:
    open_for(db, service, PIOTR)

    taken = db.run(lambda s: service.take(s, number=1, by="Mariusz G."))
    again = db.run(lambda s: service.take(s, number=1, by="Ktoś inny"))
    clock.advance(minutes=30)
    reply = db.run(
        lambda s: service.coordinator_reply(
            s, number=1, text="Tak, aneks jest możliwy.", author="Mariusz G."
        )
    )
    closed = db.run(lambda s: service.close(s, number=1, by="Mariusz G."))
    closed_again = db.run(lambda s: service.close(s, number=1, by="Mariusz G."))

    assert (taken.changed, taken.request.status, taken.request.taken_by) == (
        True,
        Status.TAKEN,
        "Mariusz G.",
    )
    assert (again.changed, again.request.taken_by) == (False, "Mariusz G.")
    assert (reply.direction, reply.author) == (Direction.FROM_COORDINATOR, "Mariusz G.")
    assert closed.changed
    assert not closed_again.changed
    request = db.run(lambda s: service.get(s, 1))
    assert request.status == Status.CLOSED
    assert request.answered_at == clock.now
    to_applicant = outbox_rows(db, channel="messenger")
    assert [m.recipient for m in to_applicant] == ["6543210987654321"] * 2
    assert [m.payload["text"] for m in to_applicant] == [
        "Odpowiedź koordynatora (zgłoszenie Z-0001):\n\nTak, aneks jest możliwy.",
        "Koordynator zakończył zgłoszenie Z-0001. Jeśli masz kolejne pytania, po prostu "
        "napisz — odpowiem albo znów przekażę je koordynatorowi.",
    ]


def test_reply_without_take_takes_it(db: Database, service: HandoffService) -> None:
    open_for(db, service, ANNA)
    db.run(lambda s: service.coordinator_reply(s, number=1, text="Dzień dobry", author="Ewa"))

    request = db.run(lambda s: service.get(s, 1))
    assert (request.status, request.taken_by) == (Status.ANSWERED, "Ewa")


def test_a_closed_request_takes_no_replies(db: Database, service: HandoffService) -> None:
    open_for(db, service, ANNA)
    db.run(lambda s: service.close(s, number=1, by="Ewa"))

    with pytest.raises(RequestClosedError, match="Zgłoszenie Z-0001 jest już zamknięte"):
        db.run(lambda s: service.coordinator_reply(s, number=1, text="x", author="Ewa"))
    with pytest.raises(RequestClosedError):
        db.run(lambda s: service.take(s, number=1, by="Ewa"))
    assert db.run(lambda s: service.find_open(s, ANNA)) is None


def test_unknown_numbers_are_reported(db: Database, service: HandoffService) -> None:
    with pytest.raises(RequestNotFoundError, match="Nie ma zgłoszenia Z-0042"):
        db.run(lambda s: service.close(s, number=42, by="Ewa"))


def test_after_closing_a_new_request_can_be_opened(db: Database, service: HandoffService) -> None:
    open_for(db, service, ANNA)
    db.run(lambda s: service.close(s, number=1, by="Ewa"))

    second = open_for(db, service, ANNA)

    assert second.number == "Z-0002"


def test_status_lists_the_senders_requests(db: Database, service: HandoffService) -> None:
    assert db.run(lambda s: service.status_for(s, ANNA)) == "Nie masz zgłoszeń do koordynatora."
    open_for(db, service, ANNA)
    db.run(lambda s: service.coordinator_reply(s, number=1, text="Odpowiedź", author="Ewa"))
    db.run(lambda s: service.close(s, number=1, by="Ewa"))
    open_for(db, service, ANNA)
    open_for(db, service, PIOTR)

    status = db.run(lambda s: service.status_for(s, ANNA))

    assert status == (
        "Twoje zgłoszenia do koordynatora:\n"
        "• Z-0002 z 25.11.2026 10:00 — przyjęte, czeka na koordynatora\n"
        "• Z-0001 z 25.11.2026 10:00 — zamknięte"
    )


def test_the_coordinator_notice_is_remembered(db: Database, service: HandoffService) -> None:
    open_for(db, service, ANNA)
    db.run(lambda s: service.record_notification(s, request_id=1, chat_id=-5, message_id=77))

    assert db.run(lambda s: service.request_for_notice(s, chat_id=-5, message_id=77)) == 1
    assert db.run(lambda s: service.request_for_notice(s, chat_id=-5, message_id=78)) is None
    assert db.run(lambda s: service.notification_of(s, 1)) == 77


# --- forgetting ---------------------------------------------------------------------------


def test_delete_user_data_leaves_no_row_of_the_user(db: Database, service: HandoffService) -> None:
    for sender in (WEB, PIOTR):
        open_for(db, service, sender, organisation="Fundacja", contact="ewa@example.org")
        db.run(partial(service.add_applicant_message, sender_id=sender, text="a"))
    db.run(lambda s: service.coordinator_reply(s, number=1, text="Odpowiedź", author="Ewa"))
    db.run(lambda s: service.close(s, number=1, by="Ewa"))
    open_for(db, service, WEB)  # a second, open request of the same user

    def inbox(session: Session) -> None:
        session.add(
            WebInboxMessage(
                session_id="sesja-0123456789abcdef",
                text="x",
                buttons=[],
                created_at=service.clock(),
            )
        )

    db.run(inbox)

    deleted = db.run(lambda s: service.delete_user_data(s, WEB))

    assert (deleted.requests, deleted.messages, deleted.web_messages) == (2, 2, 1)
    assert count(db, HandoffRequest, HandoffRequest.sender_id == WEB) == 0
    assert count(db, HandoffMessage) == 1  # Piotr's
    assert (
        count(
            db,
            OutboxMessage,
            or_(
                OutboxMessage.sender_id == WEB, OutboxMessage.recipient == "sesja-0123456789abcdef"
            ),
        )
        == 0
    )
    assert count(db, OutboxSequence, OutboxSequence.recipient == "sesja-0123456789abcdef") == 0
    assert count(db, WebInboxMessage) == 0
    assert count(db, HandoffRequest, HandoffRequest.sender_id == PIOTR) == 1
    notice = outbox_rows(db, channel=COORDINATOR)[-1]
    assert notice.sender_id is None
    assert notice.payload["text"].startswith(
        "Wnioskodawca zgłoszeń Z-0003, Z-0001 usunął swoje dane"
    ) or notice.payload["text"].startswith("Wnioskodawca zgłoszeń Z-0001, Z-0003 usunął swoje dane")


def test_deleting_nothing_is_fine(db: Database, service: HandoffService) -> None:
    deleted = db.run(lambda s: service.delete_user_data(s, "not-a-channel-id"))

    assert (deleted.requests, deleted.outbox) == (0, 0)
    assert outbox_rows(db) == []


# --- reminders ----------------------------------------------------------------------------


def test_due_reminders_repeat_after_the_same_wait(
    db: Database, service: HandoffService, clock: ManualClock
) -> None:
    open_for(db, service, ANNA)
    open_for(db, service, PIOTR)
    db.run(lambda s: service.coordinator_reply(s, number=2, text="Już odpowiadam", author="Ewa"))

    def due() -> list[str]:
        now = clock()
        return db.run(
            lambda s: [r.number for r in service.due_reminders(s, now=now, after_minutes=120)]
        )

    clock.advance(minutes=119)
    assert due() == []
    clock.advance(minutes=2)
    assert due() == ["Z-0001"]  # Z-0002 is answered
    db.run(lambda s: service.remind(s, service.get(s, 1), now=clock()))
    assert due() == []
    clock.advance(minutes=120)
    assert due() == ["Z-0001"]

    reminder = outbox_rows(db, channel=COORDINATOR)[-1]
    assert reminder.payload["text"] == (
        "⏰ Przypomnienie: zgłoszenie Z-0001 czeka od 2 godz. (nikt go jeszcze nie przejął)."
    )
