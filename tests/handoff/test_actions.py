"""The Rasa hand-off actions with real rasa_sdk trackers: reason, form answers, submission."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.handoff import (
    FORM_SLOTS,
    ActionAskHandoffOrganisation,
    ActionHandoffRequest,
    ActionHandoffSubmit,
    ValidateHandoffForm,
)
from actions.services import ActionServices, set_services
from bot.handoff import texts
from bot.handoff.db import Database
from bot.handoff.models import HandoffRequest, Reason
from bot.handoff.rasa_flow import SKIPPED, HandoffDesk, reason_of, transcript_of
from bot.handoff.service import HandoffService
from tests.handoff.conftest import outbox_rows

DOMAIN = Path(__file__).resolve().parents[2] / "nlu" / "domain.yml"
SENDER = "telegram:5123456789"
FALLBACK = "Koordynator: tel. +48 786 020 704."
STAMP = 1795597200.0  # 25.11.2026 09:00 UTC


class Answerer:
    def handoff_fallback_text(self) -> str:
        return FALLBACK


def user(text: str, intent: str) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "timestamp": STAMP,
        "parse_data": {"intent": {"name": intent}},
    }


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": STAMP + 1}


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name}


UNKNOWN_THEN_YES = [
    action("action_listen"),
    user("Czy możemy przesunąć termin realizacji?", "ask_deadline"),
    action("action_answer_kb"),
    bot("Nie znalazłem odpowiedzi na to pytanie w bazie wiedzy."),
    action("action_listen"),
    user("/affirm", "affirm"),
]
COMPLEX_THEN_YES = [
    action("action_listen"),
    user("Partner wycofał się z projektu", "complex_case"),
    action("action_offer_handoff"),
    bot("Czy przekazać Twoje pytanie koordynatorowi projektu?"),
    action("action_listen"),
    user("tak", "affirm"),
]
THE_FORM = [
    action("action_handoff_request"),
    bot(texts.START_TEXT),
    action("handoff_form"),
    bot(texts.ASK_ORGANISATION_TEXT),
    action("action_listen"),
    user("Stowarzyszenie Ziarno Dobra", "nlu_fallback"),
    action("handoff_form"),
    bot(texts.ASK_CONTACT_TEXT),
    action("action_listen"),
    user("pomiń", "deny"),
]


def tracker(events: list[dict[str, Any]], **slots: Any) -> Tracker:
    latest = next((e for e in reversed(events) if e["event"] == "user"), None)
    return Tracker(SENDER, slots, latest, events, False, None, {}, None)


@pytest.fixture
def desk(db: Database, service: HandoffService) -> Iterator[HandoffDesk]:
    handoff = HandoffDesk(db, service)
    set_services(ActionServices(answerer=Answerer(), handoff=handoff))  # type: ignore[arg-type]
    yield handoff
    set_services(None)


@pytest.mark.parametrize(
    ("events", "misunderstandings", "reason"),
    [
        ([action("action_listen"), user("koordynator", "request_human")], 0, Reason.ASKED),
        (UNKNOWN_THEN_YES, 1, Reason.UNKNOWN_ACCEPTED),
        (UNKNOWN_THEN_YES, 2, Reason.MISUNDERSTOOD),
        (COMPLEX_THEN_YES, 0, Reason.COMPLEX_CASE),
        ([], None, Reason.ASKED),
    ],
)
def test_the_reason_comes_from_the_conversation(
    events: list[dict[str, Any]], misunderstandings: float | None, reason: Reason
) -> None:
    assert reason_of(events, misunderstandings) == reason


def test_the_transcript_stops_where_the_handoff_began() -> None:
    transcript = transcript_of(COMPLEX_THEN_YES + THE_FORM, turns=10)

    assert [(t["who"], t["text"]) for t in transcript] == [
        ("user", "Partner wycofał się z projektu"),
        ("bot", "Czy przekazać Twoje pytanie koordynatorowi projektu?"),
        ("user", "tak"),
    ]
    assert transcript[0]["time"] == "2026-11-25T09:00:00+00:00"
    assert transcript_of(UNKNOWN_THEN_YES, turns=2)[-1]["text"] == "(przycisk) Tak"
    assert len(transcript_of(UNKNOWN_THEN_YES, turns=2)) == 2


async def test_the_request_action_notes_the_reason_and_starts_fresh() -> None:
    dispatcher = CollectingDispatcher()

    events = await ActionHandoffRequest().run(
        dispatcher, tracker(COMPLEX_THEN_YES, misunderstandings=0.0), {}
    )

    slots = {e["name"]: e["value"] for e in events}
    assert slots["handoff_reason"] == "complex_case"
    assert slots["handoff_offered"] is False
    assert slots["handoff_organisation"] is None
    assert [m["text"] for m in dispatcher.messages] == [texts.START_TEXT]


async def test_the_organisation_question_carries_the_data_note_and_a_skip_button() -> None:
    dispatcher = CollectingDispatcher()

    await ActionAskHandoffOrganisation().run(dispatcher, tracker([]), {})

    [message] = dispatcher.messages
    assert "Podanie danych jest dobrowolne; użyjemy ich tylko do odpowiedzi" in message["text"]
    assert message["buttons"] == [{"title": "Pomiń", "payload": "pomiń"}]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("pomiń", {"handoff_organisation": SKIPPED}),
        ("Pomin.", {"handoff_organisation": SKIPPED}),
        ("  Fundacja   Studio M6 ", {"handoff_organisation": "Fundacja Studio M6"}),
        (
            "anuluj",
            {
                "handoff_organisation": SKIPPED,
                "handoff_contact": SKIPPED,
                "handoff_cancelled": True,
            },
        ),
        (
            "a jednak nie, nie trzeba",
            {
                "handoff_organisation": SKIPPED,
                "handoff_contact": SKIPPED,
                "handoff_cancelled": True,
            },
        ),
        (
            "Już nieważne, rezygnuję",
            {
                "handoff_organisation": SKIPPED,
                "handoff_contact": SKIPPED,
                "handoff_cancelled": True,
            },
        ),
        ("Fundacja Niezapominajka", {"handoff_organisation": "Fundacja Niezapominajka"}),
    ],
)
async def test_form_answers_are_validated(answer: str, expected: dict[str, Any]) -> None:
    result = await ValidateHandoffForm().validate_handoff_organisation(
        answer, CollectingDispatcher(), tracker([]), {}
    )

    assert result == expected


async def test_the_reset_before_the_form_leaves_the_questions_to_ask() -> None:
    """The request action empties the form's slots; validating them must not fill them."""
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    events = [
        *COMPLEX_THEN_YES,
        action("action_handoff_request"),
        *({"event": "slot", "name": slot, "value": None} for slot in FORM_SLOTS),
    ]
    reset = Tracker(
        SENDER, dict.fromkeys(FORM_SLOTS), events[-4], events, False, None,
        {"name": "handoff_form"}, "action_handoff_request",
    )  # fmt: skip

    result = await ValidateHandoffForm().run(CollectingDispatcher(), reset, domain)

    assert {e["name"]: e["value"] for e in result if e["event"] == "slot"} == dict.fromkeys(
        FORM_SLOTS
    )


@pytest.mark.parametrize("answer", ["", "   ", None])
async def test_an_empty_answer_is_asked_again(answer: str | None) -> None:
    result = await ValidateHandoffForm().validate_handoff_contact(
        answer, CollectingDispatcher(), tracker([]), {}
    )

    assert result == {"handoff_contact": None}


async def test_submit_opens_the_request_with_transcript_and_details(
    desk: HandoffDesk, db: Database
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {
        "handoff_reason": "complex_case",
        "handoff_organisation": "Stowarzyszenie Ziarno Dobra",
        "handoff_contact": SKIPPED,
    }

    events = await ActionHandoffSubmit().run(
        dispatcher, tracker(COMPLEX_THEN_YES + THE_FORM, **slots), {}
    )

    [message] = dispatcher.messages
    assert message["text"].startswith(
        "Przekazałem Twoje pytanie koordynatorowi — zgłoszenie Z-0001."
    )
    assert "biuro jest czynne pon.–pt. 8:00–16:00. Teraz biuro jest czynne." in message["text"]
    request = db.run(lambda s: s.scalars(select(HandoffRequest)).one())
    assert (request.sender_id, request.reason) == (SENDER, "complex_case")
    assert (request.organisation, request.contact, request.consent) == (
        "Stowarzyszenie Ziarno Dobra",
        None,
        True,
    )
    assert [t["text"] for t in request.transcript] == [
        "Partner wycofał się z projektu",
        "Czy przekazać Twoje pytanie koordynatorowi projektu?",
        "tak",
    ]
    assert len(outbox_rows(db)) == 1
    assert {e["name"]: e["value"] for e in events}["handoff_organisation"] is None


async def test_submitting_twice_points_to_the_open_request(desk: HandoffDesk, db: Database) -> None:
    for _ in range(2):
        dispatcher = CollectingDispatcher()
        await ActionHandoffSubmit().run(dispatcher, tracker(UNKNOWN_THEN_YES + THE_FORM), {})

    assert dispatcher.messages[0]["text"].startswith(
        "Twoje pytanie jest już u koordynatora (zgłoszenie Z-0001)."
    )
    assert len(outbox_rows(db)) == 1


async def test_a_cancelled_form_opens_nothing(desk: HandoffDesk, db: Database) -> None:
    dispatcher = CollectingDispatcher()

    await ActionHandoffSubmit().run(dispatcher, tracker(THE_FORM, handoff_cancelled=True), {})

    assert dispatcher.messages[0]["response"] == "utter_handoff_declined"
    assert outbox_rows(db) == []


async def test_an_unusable_sender_gets_the_phone_number(desk: HandoffDesk) -> None:
    dispatcher = CollectingDispatcher()
    broken = Tracker("rest-tester", {}, None, THE_FORM, False, None, {}, None)

    await ActionHandoffSubmit().run(dispatcher, broken, {})

    assert dispatcher.messages[0]["text"] == f"{texts.SUBMIT_FAILED_TEXT} {FALLBACK}"


async def test_without_the_handoff_service_the_phone_number_is_given() -> None:
    set_services(ActionServices(answerer=Answerer()))  # type: ignore[arg-type]
    try:
        dispatcher = CollectingDispatcher()
        await ActionHandoffSubmit().run(dispatcher, tracker(THE_FORM), {})
    finally:
        set_services(None)

    assert dispatcher.messages[0]["text"] == FALLBACK
