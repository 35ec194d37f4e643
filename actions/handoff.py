"""Hand-off to the project coordinator: offered, accepted, and opened as a request."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.services import get_services


class ActionOfferHandoff(Action):
    """A complex individual case: offer the coordinator instead of a generic answer."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_offer_handoff")
        return [SlotSet("handoff_offered", True)]


class ActionHandoffRequest(Action):
    """Open a hand-off request with the transcript, or say how to reach the coordinator."""

    def name(self) -> str:
        return "action_handoff_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = get_services().answerer.handoff_fallback_text()
        dispatcher.utter_message(text=text)
        return [SlotSet("handoff_offered", False), SlotSet("misunderstandings", 0.0)]
