"""HandoffAwareAssistant, the Telegram commands and the web-chat inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.admin.models import QuestionLog
from bot.admin.queries import log_question
from bot.assistant import BotReply, Button, ScriptedAssistant
from bot.handoff.assistant import HandoffAwareAssistant
from bot.handoff.commands import HandoffCommands
from bot.handoff.db import Database
from bot.handoff.outbox import COORDINATOR
from bot.handoff.service import HandoffService
from bot.handoff.web_inbox import WebInbox, web_inbox_router
from knowledge_base.answering import sender_hash
from knowledge_base.models import Feedback, UnansweredQuestion
from tests.handoff.conftest import ManualClock, make_worker, open_for, outbox_rows

ANNA = "telegram:5123456789"
SESSION = "sesja-0123456789abcdef"


@pytest.fixture
def rasa() -> ScriptedAssistant:
    return ScriptedAssistant(lambda text: [BotReply(text=f"FAQ: {text}")])


@pytest.fixture
def assistant(rasa: ScriptedAssistant, service: HandoffService, db: Database) -> Any:
    return HandoffAwareAssistant(rasa, service, db)


async def test_without_a_request_rasa_answers(assistant: Any, rasa: ScriptedAssistant) -> None:
    replies = await assistant.ask(ANNA, "Do kiedy nabór?", {"channel": "telegram"})

    assert replies == [BotReply(text="FAQ: Do kiedy nabór?")]
    assert rasa.calls == [(ANNA, "Do kiedy nabór?", {"channel": "telegram"})]


async def test_while_open_messages_go_to_the_coordinator(
    assistant: Any, rasa: ScriptedAssistant, service: HandoffService, db: Database
) -> None:
    open_for(db, service, ANNA)

    [reply] = await assistant.ask(ANNA, "Dodam, że umowa jest z 2023 r.")

    assert reply.text.startswith("Twoja wiadomość trafiła do koordynatora (zgłoszenie Z-0001).")
    assert rasa.calls == []
    forward = outbox_rows(db, channel=COORDINATOR)[-1]
    assert forward.payload["text"].endswith("Dodam, że umowa jest z 2023 r.")


@pytest.mark.parametrize(
    ("payload", "start"),
    [
        ("/request_human", "Twoje pytanie jest już u koordynatora (zgłoszenie Z-0001)."),
        ("/affirm", "Twoją sprawą zajmuje się teraz koordynator (zgłoszenie Z-0001)."),
        ('/feedback{"verdict":"useful"}', "Twoją sprawą zajmuje się teraz koordynator"),
    ],
)
async def test_old_buttons_are_not_forwarded(
    assistant: Any, service: HandoffService, db: Database, payload: str, start: str
) -> None:
    open_for(db, service, ANNA)

    [reply] = await assistant.ask(ANNA, payload)

    assert reply.text.startswith(start)
    assert len(outbox_rows(db)) == 1  # only the notice


async def test_after_closing_rasa_answers_again(
    assistant: Any, rasa: ScriptedAssistant, service: HandoffService, db: Database
) -> None:
    open_for(db, service, ANNA)
    db.run(lambda s: service.close(s, number=1, by="Ewa"))

    [reply] = await assistant.ask(ANNA, "A kwoty?")

    assert reply.text == "FAQ: A kwoty?"


async def test_status_and_delete_work_on_every_channel(
    assistant: Any, service: HandoffService, db: Database
) -> None:
    sender = f"web:{SESSION}"
    open_for(db, service, sender)

    [status] = await assistant.ask(sender, "/status")
    [deleted] = await assistant.ask(sender, "/usun_dane")
    [after] = await assistant.ask(sender, "/status")

    assert status.text.startswith("Twoje zgłoszenia do koordynatora:\n• Z-0001")
    assert deleted.text.startswith("Usunąłem dane zapisane w związku z tą rozmową")
    assert after.text == "Nie masz zgłoszeń do koordynatora."


async def test_delete_removes_the_senders_kb_traces_and_rasa_tracker(
    rasa: ScriptedAssistant, service: HandoffService, db: Database
) -> None:
    forgotten: list[str] = []

    async def forget(sender_id: str) -> None:
        forgotten.append(sender_id)

    assistant = HandoffAwareAssistant(rasa, service, db, forget_tracker=forget)
    other = "telegram:42"
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def traces(session: Any) -> None:
        for sender in (ANNA, other):
            hashed = sender_hash(sender)
            log_question(session, sender_hash=hashed, outcome="answered", entry_id=None,
                         topic=None, at=at)  # fmt: skip
            session.add(Feedback(sender_hash=hashed, entry_id="x", useful=False, created_at=at))
            session.add(UnansweredQuestion(text="Czy mogę?", normalised_text="czy moge",
                                           sender_hash=hashed, reason="dont_know",
                                           entry_id=None, created_at=at))  # fmt: skip

    await db.call(traces)

    [deleted] = await assistant.ask(ANNA, "/usun_dane")

    def left(session: Any) -> set[str]:
        rows = [*session.scalars(select(QuestionLog)), *session.scalars(select(Feedback)),
                *session.scalars(select(UnansweredQuestion))]  # fmt: skip
        return {row.sender_hash for row in rows}

    assert deleted.text.startswith("Usunąłem dane")
    assert forgotten == [ANNA]
    assert await db.call(left) == {sender_hash(other)}


async def test_a_broken_database_does_not_silence_the_faq(
    rasa: ScriptedAssistant, service: HandoffService
) -> None:
    class Broken(Database):
        async def call(self, work: Any) -> Any:
            raise RuntimeError("database down")

    assistant = HandoffAwareAssistant(rasa, service, Broken(sessions=None))  # type: ignore[arg-type]

    assert await assistant.ask(ANNA, "Kto może złożyć wniosek?") == [
        BotReply(text="FAQ: Kto może złożyć wniosek?")
    ]


async def test_telegram_commands(service: HandoffService, db: Database) -> None:
    commands = HandoffCommands(service, db)
    open_for(db, service, ANNA)
    db.run(lambda s: service.coordinator_reply(s, number=1, text="Tak.", author="Ewa"))

    assert await commands.status(ANNA) == (
        "Twoje zgłoszenia do koordynatora:\n• Z-0001 z 25.11.2026 10:00 — odpowiedziano"
    )
    assert (await commands.delete_data(ANNA)).startswith("Usunąłem dane")
    assert await commands.status(ANNA) == "Nie masz zgłoszeń do koordynatora."


# --- web inbox ----------------------------------------------------------------------------


@pytest.fixture
def inbox(db: Database, clock: ManualClock) -> WebInbox:
    return WebInbox(db, clock)


@pytest.fixture
async def web_client(inbox: WebInbox, db: Database) -> Any:
    app = FastAPI()
    app.include_router(web_inbox_router(inbox, db))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://chat.test"
    ) as client:
        yield client


async def test_coordinator_replies_reach_the_web_chat(
    service: HandoffService, db: Database, clock: ManualClock, inbox: WebInbox, web_client: Any
) -> None:
    open_for(db, service, f"web:{SESSION}")
    db.run(lambda s: service.coordinator_reply(s, number=1, text="Dzień dobry!", author="Ewa"))
    await make_worker(db, clock, inbox).run_once()

    first = await web_client.get("/api/chat/updates", params={"session": SESSION})
    body = first.json()
    again = await web_client.get(
        "/api/chat/updates", params={"session": SESSION, "after": body["last_id"]}
    )

    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    [message] = body["messages"]
    assert message["text"] == "Odpowiedź koordynatora (zgłoszenie Z-0001):\n\nDzień dobry!"
    assert message["buttons"] == []
    assert message["created_at"].startswith("2026-11-25T09:00:00")
    assert again.json() == {"messages": [], "last_id": body["last_id"]}


async def test_a_repeated_delivery_is_stored_once(inbox: WebInbox, db: Database) -> None:
    reply = BotReply(text="x", buttons=(Button("Tak", "/affirm"),), custom={"delivery_key": "k"})

    await inbox.deliver(SESSION, [reply])
    await inbox.deliver(SESSION, [reply])

    rows = db.run(lambda s: inbox.updates(s, SESSION, after=0))
    assert [(r.text, r.buttons) for r in rows] == [("x", [{"title": "Tak", "payload": "/affirm"}])]


async def test_sessions_do_not_see_each_other(inbox: WebInbox, web_client: Any) -> None:
    await inbox.deliver(SESSION, [BotReply(text="dla Anny")])

    other = await web_client.get("/api/chat/updates", params={"session": "inna-sesja-123456"})

    assert other.json() == {"messages": [], "last_id": 0}


@pytest.mark.parametrize(
    "params",
    [{}, {"session": "krótka"}, {"session": "a b c d e f g h"}, {"session": SESSION, "after": -1}],
)
async def test_bad_queries_are_refused(web_client: Any, params: dict[str, Any]) -> None:
    response = await web_client.get("/api/chat/updates", params=params)

    assert response.status_code == 422
