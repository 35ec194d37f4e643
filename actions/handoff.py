"""Hand-off to the project coordinator: offered, accepted, asked for details, opened as a request.

Flow: ``action_handoff_request`` (why the hand-off started) → ``handoff_form`` (organisation
and contact, both skippable, with the personal-data note) → ``action_handoff_submit`` (the
request is stored with its transcript and announced to the coordinator through the outbox).
The logic lives in :mod:`bot.handoff`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import misunderstandings, reply_events, utter
from actions.services import get_services
from bot.handoff import texts
from bot.handoff.rasa_flow import (
    SKIPPED,
    form_answer,
    is_cancel,
    is_skip,
    reason_from_slot,
    reason_of,
)

logger = logging.getLogger(__name__)

FORM_SLOTS = ("handoff_organisation", "handoff_contact")


class ActionOfferHandoff(Action):
    """A complex individual case: offer the coordinator; when the base answers the question
    with confidence, give that answer too, with the offer beside it."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        reply = get_services().answerer.complex_case(text, sender_id=tracker.sender_id)
        if reply is None:
            # The base has no answer for it: an honest "not in the base" with the offer.
            dispatcher.utter_message(response="utter_offer_handoff")
            return [SlotSet("handoff_offered", True), SlotSet("kb_band", "dont_know")]
        utter(dispatcher, reply)
        return reply_events(reply, misunderstandings(tracker))


class ActionHandoffRequest(Action):
    """The hand-off starts: note why, then the form asks for the details."""

    def name(self) -> str:
        return "action_handoff_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reason = reason_of(tracker.events, tracker.get_slot("misunderstandings"))
        dispatcher.utter_message(text=texts.START_TEXT)
        return [
            SlotSet("handoff_reason", reason.value),
            SlotSet("handoff_offered", False),
            SlotSet("misunderstandings", 0.0),
            *(SlotSet(slot, None) for slot in (*FORM_SLOTS, "handoff_cancelled")),
        ]


def _ask_with_skip(dispatcher: CollectingDispatcher, text: str) -> list[EventType]:
    """A form question with a "Pomiń" button; the texts live in bot.handoff.texts."""
    title, payload = texts.SKIP_BUTTON
    dispatcher.utter_message(text=text, buttons=[{"title": title, "payload": payload}])
    return []


class ActionAskHandoffOrganisation(Action):
    """The organisation, with the note on personal data."""

    def name(self) -> str:
        return "action_ask_handoff_organisation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return _ask_with_skip(dispatcher, texts.ASK_ORGANISATION_TEXT)


class ActionAskHandoffContact(Action):
    """A contact outside the chat (e-mail or phone)."""

    def name(self) -> str:
        return "action_ask_handoff_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return _ask_with_skip(dispatcher, texts.ASK_CONTACT_TEXT)


class ValidateHandoffForm(FormValidationAction):
    """ "pomiń" skips a question; "anuluj" cancels the hand-off altogether."""

    def name(self) -> str:
        return "validate_handoff_form"

    async def validate_handoff_organisation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return _validated("handoff_organisation", value)

    async def validate_handoff_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return _validated("handoff_contact", value)


def _validated(slot: str, value: Any) -> dict[str, Any]:
    """The slot's value: None (ask again) when empty — also for the reset before the form."""
    text = str(value or "")
    if is_cancel(text):
        return {**dict.fromkeys(FORM_SLOTS, SKIPPED), "handoff_cancelled": True}
    if is_skip(text):
        return {slot: SKIPPED}
    return {slot: form_answer(text)}


class ActionHandoffSubmit(Action):
    """Open the request (or find the open one) and confirm with its number and timing."""

    def name(self) -> str:
        return "action_handoff_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset = [
            SlotSet(slot, None) for slot in (*FORM_SLOTS, "handoff_cancelled", "requested_slot")
        ]
        if tracker.get_slot("handoff_cancelled"):
            dispatcher.utter_message(response="utter_handoff_declined")
            return reset
        services = get_services()
        desk = services.handoff
        if desk is None:
            dispatcher.utter_message(text=services.answerer.handoff_fallback_text())
            return reset
        try:
            submitted = await asyncio.to_thread(
                desk.submit,
                sender_id=tracker.sender_id,
                events=tracker.events,
                reason=reason_from_slot(tracker.get_slot("handoff_reason")),
                organisation=form_answer(tracker.get_slot("handoff_organisation")),
                contact=form_answer(tracker.get_slot("handoff_contact")),
            )
        except Exception:
            logger.exception("handoff request not opened sender=%s", tracker.sender_id)
            fallback = services.answerer.handoff_fallback_text()
            dispatcher.utter_message(text=f"{texts.SUBMIT_FAILED_TEXT} {fallback}")
            return reset
        dispatcher.utter_message(text=submitted.text)
        return reset
