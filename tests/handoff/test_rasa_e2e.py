"""The hand-off form through the real Rasa server and action server (marked e2e).

Rasa predicts the flow from rules.yml; the rasa_sdk action server (app env, DATABASE_URL)
asks the form's questions and opens the request in the database shared with the web app.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from bot.handoff.db import Database
from bot.handoff.models import HandoffRequest, OutboxMessage
from tests.support.processes import RunningProcess
from tests.support.stack import RestUser

pytestmark = pytest.mark.e2e


@pytest.fixture
def web_user(e2e_rasa: RunningProcess) -> RestUser:
    """A web-chat applicant: the sender id names the channel, as the web chat's does."""
    return RestUser(e2e_rasa.url, f"web:e2e-{uuid.uuid4().hex}")


def test_asking_for_a_person_opens_a_request(web_user: RestUser, e2e_database_url: str) -> None:
    web_user.say("Czy stowarzyszenie zwykłe może złożyć wniosek?")

    asked = web_user.ask("chcę rozmawiać z człowiekiem")
    organisation = web_user.ask("Stowarzyszenie Ziarno Dobra")
    done = web_user.say("pomiń")

    texts = [m.get("text", "") for m in asked]
    assert texts[0].startswith("Przekażę Twoje pytanie koordynatorowi projektu")
    assert "Podanie danych jest dobrowolne" in texts[-1]
    assert asked[-1]["buttons"] == [{"title": "Pomiń", "payload": "pomiń"}]
    assert "skontaktować" in organisation[-1]["text"]
    assert done.startswith("Przekazałem Twoje pytanie koordynatorowi — zgłoszenie Z-")
    assert "biuro jest czynne pon.–pt. 8:00–16:00" in done

    db = Database.from_url(e2e_database_url)
    try:
        request = db.run(
            lambda s: s.scalars(
                select(HandoffRequest).where(HandoffRequest.sender_id == web_user.sender)
            ).one()
        )
        notices = db.run(
            lambda s: s.scalars(
                select(OutboxMessage).where(OutboxMessage.request_id == request.id)
            ).all()
        )
    finally:
        db.dispose()
    assert (request.channel, request.reason, request.status) == ("web", "asked", "new")
    assert (request.organisation, request.contact) == ("Stowarzyszenie Ziarno Dobra", None)
    assert request.transcript[0]["text"] == "Czy stowarzyszenie zwykłe może złożyć wniosek?"
    assert all("Jak nazywa się" not in t["text"] for t in request.transcript)
    # no COORDINATOR_CHAT_ID in the e2e settings: stored, not announced
    assert notices == []
    assert web_user.tracker()["slots"]["handoff_organisation"] is None


def test_cancelling_the_form_opens_nothing(web_user: RestUser, e2e_database_url: str) -> None:
    web_user.ask("połącz mnie z koordynatorem")
    reply = web_user.say("anuluj")

    assert reply.startswith("Dobrze, nie przekazuję.")
    db = Database.from_url(e2e_database_url)
    try:
        found = db.run(
            lambda s: s.scalars(
                select(HandoffRequest).where(HandoffRequest.sender_id == web_user.sender)
            ).all()
        )
    finally:
        db.dispose()
    assert found == []
