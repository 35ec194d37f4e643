"""Answer questions from the knowledge base: answer, suggest, or say honestly what is unknown."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.services import get_services
from knowledge_base.contact_request import asks_for_contact
from knowledge_base.responder import NONE_OF_THESE, Outcome, Reply

INTENT_TOPICS = {
    "ask_call": "nabor",
    "ask_deadline": "terminy",
    "ask_amount": "kwoty",
    "ask_eligibility": "uprawnieni",
    "ask_documents": "dokumenty",
    "ask_scoring": "ocena",
    "ask_protest": "protest",
    "ask_costs": "koszty",
    "ask_innovation": "innowacje",
}


# Actions whose reply may be a "Czy chodziło o…?" suggestion.
SUGGESTING_ACTIONS = frozenset({"action_answer_kb", "action_out_of_scope"})


def utter(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
    dispatcher.utter_message(text=reply.text, buttons=buttons or None)


def reply_events(reply: Reply, misunderstandings_before: int) -> list[EventType]:
    """Slots that carry the context of this reply to the next turn."""
    missed = reply.outcome.is_miss
    events: list[EventType] = [
        SlotSet("kb_band", reply.outcome.value),
        SlotSet("misunderstandings", float(misunderstandings_before + 1) if missed else 0.0),
        SlotSet("handoff_offered", reply.offers_handoff),
    ]
    if reply.entry_id:
        events.append(SlotSet("last_entry", reply.entry_id))
    if reply.topic:
        events.append(SlotSet("last_topic", reply.topic))
    return events


def misunderstandings(tracker: Tracker) -> int:
    return int(tracker.get_slot("misunderstandings") or 0)


class ActionAnswerKb(Action):
    """Any question, of any topic intent or below NLU confidence, goes to the knowledge base."""

    def name(self) -> str:
        return "action_answer_kb"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        before = misunderstandings(tracker)
        reply = get_services().answerer.answer(
            str(message.get("text") or ""),
            topic_hint=INTENT_TOPICS.get(str(intent)),
            last_entry_id=tracker.get_slot("last_entry"),
            misunderstandings_before=before,
            sender_id=tracker.sender_id,
        )
        utter(dispatcher, reply)
        return reply_events(reply, before)


class ActionChooseEntry(Action):
    """A "czy chodziło o…" button: answer the chosen entry, or admit we do not know."""

    def name(self) -> str:
        return "action_choose_entry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        entry_id = next(tracker.get_latest_entity_values("entry_id"), None)
        before = misunderstandings(tracker)
        reply = get_services().answerer.choose(
            str(entry_id or ""), misunderstandings_before=before, sender_id=tracker.sender_id
        )
        utter(dispatcher, reply)
        return reply_events(reply, before)


class ActionRecordFeedback(Action):
    """Store "przydatne / nieprzydatne" for the last answer, for the staff."""

    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        verdict = next(tracker.get_latest_entity_values("verdict"), None)
        useful = verdict != "not_useful"
        get_services().answerer.record_feedback(
            entry_id=tracker.get_slot("last_entry"),
            useful=useful,
            sender_id=tracker.sender_id,
            text=str((tracker.latest_message or {}).get("text") or ""),
        )
        dispatcher.utter_message(
            response="utter_feedback_thanks" if useful else "utter_feedback_sorry"
        )
        return []


class ActionOutOfScope(Action):
    """Off-topic: a kind refusal; keyboard mashing counts as a misunderstanding instead, a
    wish to be contacted gets the coordinator offered, and a question the base can take is
    answered (see Answerer.off_topic)."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        before = misunderstandings(tracker)
        text = str((tracker.latest_message or {}).get("text") or "")
        if asks_for_contact(text):
            # A wish to be contacted that the NLU missed: never refuse it.
            dispatcher.utter_message(response="utter_offer_contact")
            return [SlotSet("handoff_offered", True), SlotSet("misunderstandings", 0.0)]
        reply = get_services().answerer.off_topic(
            text,
            misunderstandings_before=before,
            sender_id=tracker.sender_id,
            last_entry_id=tracker.get_slot("last_entry"),
        )
        if reply is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("misunderstandings", 0.0)]
        utter(dispatcher, reply)
        return reply_events(reply, before)


def _answers_a_suggestion(tracker: Tracker) -> bool:
    """The assistant's last reply was "Czy chodziło o…?" (and the user has typed since)."""
    if tracker.get_slot("kb_band") != Outcome.SUGGESTED.value:
        return False
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return False
            seen_user = True
        elif kind == "action" and seen_user and event.get("name") != "action_listen":
            return event.get("name") in SUGGESTING_ACTIONS
    return False


class ActionReplyYesNo(Action):
    """ "Tak" or "nie" when no coordinator was offered. After "Czy chodziło o…?", "nie" means
    none of the suggestions (as the "Żadne z nich" button) and "tak" cannot tell which one:
    the user is asked to pick, with the coordinator offered as a way out. Otherwise: what
    else can the assistant do."""

    def name(self) -> str:
        return "action_reply_yes_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not _answers_a_suggestion(tracker):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "deny":
            before = misunderstandings(tracker)
            reply = get_services().answerer.choose(
                NONE_OF_THESE, misunderstandings_before=before, sender_id=tracker.sender_id
            )
            utter(dispatcher, reply)
            return reply_events(reply, before)
        dispatcher.utter_message(response="utter_pick_a_suggestion")
        return [SlotSet("handoff_offered", True)]
