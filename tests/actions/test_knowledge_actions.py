"""The knowledge-base actions: answer with source, suggest, admit not knowing, follow-ups."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from actions.handoff import ActionOfferHandoff
from actions.knowledge import (
    ActionAnswerKb,
    ActionChooseEntry,
    ActionOutOfScope,
    ActionRecordFeedback,
    ActionReplyYesNo,
)
from actions.services import ActionServices
from knowledge_base.models import Feedback, UnansweredQuestion
from knowledge_base.responder import SUGGEST_TEXT
from tests.actions.conftest import TrackerFactory

pytestmark = pytest.mark.usefixtures("services")


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def payloads(dispatcher: CollectingDispatcher) -> list[str]:
    return [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]


def text_of(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


async def test_answer_carries_source_date_and_feedback_buttons(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionAnswerKb().run(
        dispatcher, tracker_for("co musi zawierać protest?", "ask_protest"), domain
    )
    slots = slots_of(events)
    assert slots["kb_band"] == "answered"
    assert slots["last_entry"].startswith("ogolne-protest")
    assert "Źródło: http://ziemiachelmonskiego.pl/pl/protest/" in text_of(dispatcher)
    assert "stan informacji:" in text_of(dispatcher)
    assert any(p.startswith("/feedback") for p in payloads(dispatcher))
    assert slots["handoff_offered"] is False


async def test_known_unknown_says_so_and_offers_the_coordinator(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionAnswerKb().run(
        dispatcher,
        tracker_for(
            "jaki jest termin składania wniosków w naborze pilotażowym w Toruniu?", "ask_deadline"
        ),
        domain,
    )
    slots = slots_of(events)
    assert slots["kb_band"] == "unknown"
    assert slots["last_entry"] == "torun-2023-termin"
    assert slots["handoff_offered"] is True
    assert "/affirm" in payloads(dispatcher)
    assert "Termin naboru nie jest jeszcze znany." in text_of(dispatcher)


async def test_close_candidates_are_offered_as_suggestions(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """ "Ile można dostać w inkubatorze" fits two incubators about as well: ask, do not guess."""
    events = await ActionAnswerKb().run(
        dispatcher, tracker_for("ile można dostać w inkubatorze?", "ask_amount"), domain
    )
    assert slots_of(events)["kb_band"] == "suggested"
    assert "Czy chodziło o" in text_of(dispatcher)
    choices = [p for p in payloads(dispatcher) if p.startswith("/choose_entry")]
    assert '/choose_entry{"entry_id":"innowacje-inkubator-pomyslow-3"}' in choices
    assert '/choose_entry{"entry_id":"innowacje-sieci-wsparcia"}' in choices
    assert choices[-1] == '/choose_entry{"entry_id":"none"}'


async def test_a_leading_known_unknown_is_said_honestly_without_suggestions(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """Below the answer cut-offs, a known unknown that leads is still given: it asserts no
    fact, says what is not known yet and offers the coordinator."""
    events = await ActionAnswerKb().run(
        dispatcher,
        tracker_for("do kiedy trwa nabór wniosków na pilotaż w Toruniu?", "ask_deadline"),
        domain,
    )
    slots = slots_of(events)
    assert slots["kb_band"] == "unknown"
    assert slots["last_entry"] == "torun-2023-termin"
    assert slots["handoff_offered"] is True
    assert "/affirm" in payloads(dispatcher)
    assert not any(p.startswith("/choose_entry") for p in payloads(dispatcher))


async def test_question_outside_the_base_is_not_guessed(
    tracker_for: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    kb_sessions: sessionmaker[Session],
) -> None:
    with kb_sessions() as session:
        before = session.scalar(select(func.count()).select_from(UnansweredQuestion))
    events = await ActionAnswerKb().run(
        dispatcher, tracker_for("czy mogę kupić samochód dostawczy z grantu w Gdańsku?"), domain
    )
    assert slots_of(events)["kb_band"] == "dont_know"
    assert slots_of(events)["misunderstandings"] == 1.0
    assert "nie chcę zgadywać" in text_of(dispatcher)
    assert "/affirm" in payloads(dispatcher)
    with kb_sessions() as session:
        after = session.scalar(select(func.count()).select_from(UnansweredQuestion))
    assert after == (before or 0) + 1


async def test_second_miss_in_a_row_presses_for_the_coordinator(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionAnswerKb().run(
        dispatcher,
        tracker_for("czy mogę kupić samochód dostawczy z grantu w Gdańsku?", misunderstandings=1.0),
        domain,
    )
    assert slots_of(events)["misunderstandings"] == 2.0
    assert "koordynator" in text_of(dispatcher)
    assert "Wciąż nie mam" in text_of(dispatcher)


async def test_follow_up_uses_the_previous_answer(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionAnswerKb().run(
        dispatcher,
        tracker_for("a ile mam na to czasu?", "ask_deadline", last_entry="ogolne-protest-tresc"),
        domain,
    )
    assert slots_of(events)["last_entry"] == "ogolne-protest-termin"
    assert "7 dni" in text_of(dispatcher)


@pytest.mark.parametrize(
    ("previous", "text", "intent", "expected"),
    [
        # The subject (a protest, the 2018 call, NOWEFIO) comes from the previous answer,
        # what is asked (where, when, how to reach them) from the follow-up.
        ("ogolne-protest-termin", "a do kogo go wysłać?", "ask_protest", "ogolne-protest-gdzie"),
        ("lgd-2018-kwoty", "a kiedy się odbył?", "ask_deadline", "lgd-2018-terminy"),
        (
            "programy-nowefio-cel",
            "a jak się z nimi skontaktować?",
            "ask_organisation",
            "programy-nowefio-kontakt",
        ),
    ],
)
async def test_follow_up_keeps_the_subject_of_the_previous_answer(
    tracker_for: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    previous: str,
    text: str,
    intent: str,
    expected: str,
) -> None:
    events = await ActionAnswerKb().run(
        dispatcher, tracker_for(text, intent, last_entry=previous), domain
    )
    slots = slots_of(events)
    assert slots["kb_band"] == "answered"
    assert slots["last_entry"] == expected


async def test_choosing_a_suggestion_answers_it(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = tracker_for(
        '/choose_entry{"entry_id":"ogolne-vat"}',
        "choose_entry",
        entities=[{"entity": "entry_id", "value": "ogolne-vat"}],
    )
    events = await ActionChooseEntry().run(dispatcher, tracker, domain)
    assert slots_of(events)["last_entry"] == "ogolne-vat"
    assert "VAT" in text_of(dispatcher)


async def test_none_of_the_suggestions_offers_the_coordinator(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = tracker_for(
        '/choose_entry{"entry_id":"none"}',
        "choose_entry",
        entities=[{"entity": "entry_id", "value": "none"}],
    )
    events = await ActionChooseEntry().run(dispatcher, tracker, domain)
    assert slots_of(events)["kb_band"] == "dont_know"
    assert "/affirm" in payloads(dispatcher)


async def test_feedback_is_stored_for_the_staff(
    tracker_for: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    kb_sessions: sessionmaker[Session],
) -> None:
    tracker = tracker_for(
        "nieprzydatne",
        "feedback",
        entities=[{"entity": "verdict", "value": "not_useful"}],
        last_entry="ogolne-vat",
        sender_id="feedback-user",
    )
    await ActionRecordFeedback().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_feedback_sorry"
    with kb_sessions() as session:
        rows = session.scalars(select(Feedback).where(Feedback.entry_id == "ogolne-vat")).all()
    assert [r.useful for r in rows] == [False]
    assert all("feedback-user" not in str(r.sender_hash) for r in rows)


@pytest.mark.parametrize(
    "text",
    [
        "jaka będzie jutro pogoda?",
        # No grant word: "jak złożyć" matches the unknown way of submitting applications,
        # whose "not known yet" would answer a question nobody asked.
        "jak złożyć pit przez internet?",
    ],
)
async def test_off_topic_gets_the_refusal(
    text: str,
    tracker_for: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    events = await ActionOutOfScope().run(dispatcher, tracker_for(text, "out_of_scope"), domain)
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"
    assert slots_of(events) == {"misunderstandings": 0.0}


async def test_a_follow_up_called_off_topic_is_answered_in_the_context_of_the_last_answer(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """ "a u nas w Toruniu?" after Inowrocław's own contribution: three words the classifier
    cannot place, and the Toruń call's own contribution, not yet known, is the reply."""
    tracker = tracker_for(
        "a u nas w Toruniu?",
        "out_of_scope",
        last_entry="analogia-inowroclaw-2023-dofinansowanie",
    )
    events = await ActionOutOfScope().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0].get("response") is None  # not the refusal
    assert slots_of(events)["last_entry"] == "torun-2023-dofinansowanie"
    assert "/affirm" in payloads(dispatcher)  # the coordinator is offered


async def test_small_talk_after_an_answer_still_gets_the_refusal(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = tracker_for(
        "a jaka jutro będzie pogoda?", "out_of_scope", last_entry="ogolne-protest-termin"
    )
    await ActionOutOfScope().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"


async def test_a_clear_knowledge_question_called_off_topic_is_answered_after_all(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionOutOfScope().run(
        dispatcher, tracker_for("Co musi zawierać protest?", "out_of_scope"), domain
    )
    assert dispatcher.messages[0].get("response") is None  # not the refusal
    assert "Źródło:" in dispatcher.messages[0]["text"]
    assert slots_of(events)["kb_band"] == "answered"


async def test_a_grant_question_called_off_topic_gets_an_honest_dont_know(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """It names a grant, so it is no small talk: "nie wiem" with the coordinator, not the
    refusal, and the staff see it among the unanswered questions."""
    events = await ActionOutOfScope().run(
        dispatcher,
        tracker_for("jak wygląda sprawozdanie końcowe z grantu, jest wzór?", "out_of_scope"),
        domain,
    )
    assert dispatcher.messages[0].get("response") is None
    assert slots_of(events)["kb_band"] == "dont_know"
    assert "/affirm" in payloads(dispatcher)


async def test_a_wish_to_be_contacted_called_off_topic_gets_the_coordinator_offered(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionOutOfScope().run(
        dispatcher,
        tracker_for("wolałbym, żeby on sam się ze mną skontaktował", "out_of_scope"),
        domain,
    )
    assert dispatcher.messages[0]["response"] == "utter_offer_contact"
    assert slots_of(events)["handoff_offered"] is True


async def test_gibberish_twice_in_a_row_offers_the_coordinator(
    tracker_for: TrackerFactory, domain: dict[str, Any], services: ActionServices
) -> None:
    first = CollectingDispatcher()
    events = await ActionOutOfScope().run(first, tracker_for("asdfgh", "out_of_scope"), domain)
    assert "Nie rozumiem" in first.messages[0]["text"]
    assert slots_of(events)["misunderstandings"] == 1.0
    second = CollectingDispatcher()
    events = await ActionOutOfScope().run(
        second, tracker_for("qwerty jjj", "out_of_scope", misunderstandings=1.0), domain
    )
    assert slots_of(events)["kb_band"] == "dont_know"
    assert "/affirm" in [b["payload"] for b in second.messages[0]["buttons"]]


async def test_a_general_question_that_sounded_personal_is_answered_with_the_offer(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    """The NLU took an ordinary question for an individual case: the base's answer is given,
    and the coordinator is offered beside it."""
    events = await ActionOfferHandoff().run(
        dispatcher, tracker_for("co musi zawierać protest?", "complex_case"), domain
    )
    slots = slots_of(events)
    assert slots["kb_band"] == "answered"
    assert slots["last_entry"].startswith("ogolne-protest")
    assert slots["handoff_offered"] is True
    assert "/affirm" in payloads(dispatcher)
    assert "Źródło:" in text_of(dispatcher)
    assert "koordynatorowi" in text_of(dispatcher)


@pytest.mark.parametrize(
    "text",
    [
        "zgubiliśmy faktury i nie wiemy, jak rozliczyć grant",
        "jaki jest termin składania wniosków w naborze pilotażowym w Toruniu?",
    ],
)
async def test_an_individual_case_gets_the_plain_offer(
    text: str,
    tracker_for: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    """No confident answer, or only a known unknown: the offer alone, no guess."""
    events = await ActionOfferHandoff().run(dispatcher, tracker_for(text, "complex_case"), domain)
    assert slots_of(events) == {"handoff_offered": True, "kb_band": "dont_know"}
    assert dispatcher.messages[0].get("response") == "utter_offer_handoff"


def after_suggestion(tracker: Tracker, action: str = "action_answer_kb") -> Tracker:
    """`tracker` with an earlier question that `action` answered with suggestions."""
    tracker.events[:0] = [
        {"event": "user", "text": "ile można dostać?"},
        {"event": "action", "name": action},
        {"event": "bot", "text": SUGGEST_TEXT},
        {"event": "action", "name": "action_listen"},
    ]
    return tracker


async def test_yes_after_suggestions_asks_for_a_pick_and_offers_the_coordinator(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = after_suggestion(tracker_for("tak", "affirm", kb_band="suggested"))
    events = await ActionReplyYesNo().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_pick_a_suggestion"
    assert slots_of(events) == {"handoff_offered": True}


async def test_no_after_suggestions_means_none_of_them(
    tracker_for: TrackerFactory, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = after_suggestion(tracker_for("nie", "deny", kb_band="suggested"))
    events = await ActionReplyYesNo().run(dispatcher, tracker, domain)
    assert slots_of(events)["kb_band"] == "dont_know"
    assert slots_of(events)["handoff_offered"] is True
    assert "/affirm" in payloads(dispatcher)


@pytest.mark.parametrize("intent", ["affirm", "deny"])
async def test_yes_or_no_out_of_the_blue_asks_what_else(
    intent: str,
    tracker_for: TrackerFactory,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    # The suggestion was two messages ago: a greeting came in between.
    tracker = after_suggestion(tracker_for("ok", intent, kb_band="suggested"))
    tracker.events[4:4] = [
        {"event": "user", "text": "dzień dobry"},
        {"event": "action", "name": "utter_greet"},
        {"event": "action", "name": "action_listen"},
    ]
    events = await ActionReplyYesNo().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_anything_else"
    assert events == []
