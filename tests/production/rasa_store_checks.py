"""Checks of nlu/components/tracker_store.py inside the Rasa env (run by test_stores.py).

Run with the Rasa interpreter from the repository root:
    .venv-rasa/bin/python tests/production/rasa_store_checks.py
Prints one line per check and exits non-zero on the first failure.
"""

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from jsonschema import ValidationError  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.events import deserialise_events as rasa_deserialise  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402

from nlu.components.tracker_store import (  # noqa: E402
    CompactingInMemoryTrackerStore,
    Compaction,
    deserialise_events,
    precompile_action_schema,
)

DOMAIN = Domain.load(str(ROOT / "nlu" / "domain.yml"))
INTENTS = ["ask_deadline", "ask_amount", "thanks", "ask_documents", "help", "complex_case", "deny"]
CHECKS: list[Callable[[], None]] = []


def check(function: Callable[[], None]) -> Callable[[], None]:
    CHECKS.append(function)
    return function


def user(intent: str, at: float) -> UserUttered:
    parse = {"intent": {"name": intent, "confidence": 0.99}, "entities": [], "text": intent}
    return UserUttered(intent, {"name": intent, "confidence": 0.99}, parse_data=parse, timestamp=at)


def turn(number: int, at: float) -> list[Event]:
    """One exchange; turn 1 sets a slot nobody touches again, a form runs at turns 150-152."""
    intent = INTENTS[number % len(INTENTS)]
    events: list[Event] = [user(intent, at)]
    if number == 1:
        events.append(SlotSet("handoff_reason", "marker-from-turn-1", timestamp=at))
    if number == 150:
        events += [
            ActionExecuted("action_handoff_request", timestamp=at),
            ActionExecuted("handoff_form", timestamp=at),
            ActiveLoop("handoff_form", timestamp=at),
            SlotSet("requested_slot", "handoff_organisation", timestamp=at),
        ]
    elif number == 152:
        events += [
            ActionExecuted("handoff_form", timestamp=at),
            ActiveLoop(None, timestamp=at),
            SlotSet("requested_slot", None, timestamp=at),
        ]
    elif intent == "complex_case":
        events += [
            ActionExecuted("action_offer_handoff", timestamp=at),
            SlotSet("handoff_offered", True, timestamp=at),
        ]
    elif intent == "deny":
        events += [
            ActionExecuted("utter_handoff_declined", timestamp=at),
            SlotSet("handoff_offered", False, timestamp=at),
        ]
    else:
        events += [
            ActionExecuted("action_answer_kb", timestamp=at),
            BotUttered(f"odpowiedź {number}", timestamp=at),
            SlotSet("last_topic", intent, timestamp=at),
            SlotSet("misunderstandings", float(number % 3), timestamp=at),
        ]
    events.append(ActionExecuted("action_listen", timestamp=at))
    return events


def conversation(turns: int, compaction: Any = None) -> list[Event]:
    """Events as a store keeps them, turn after turn, compacting when told to."""
    events: list[Event] = [
        ActionExecuted("action_session_start", timestamp=1.0),
        SessionStarted(timestamp=1.0),
        ActionExecuted("action_listen", timestamp=1.0),
    ]
    for number in range(1, turns + 1):
        events += turn(number, 1.0 + number)
        if compaction is not None:
            events = compaction.compact("u", events, DOMAIN.slots) or events
    return events


def tracker(events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("u", events, DOMAIN.slots)


@check
def compacted_state_equals_full_state() -> None:
    compaction = Compaction(max_events=40, keep_turns=4)
    for turns in (3, 20, 151, 300):
        full, small = tracker(conversation(turns)), tracker(conversation(turns, compaction))
        assert small.current_slot_values() == full.current_slot_values(), turns
        assert small.active_loop_name == full.active_loop_name, turns
        assert small.latest_message.intent == full.latest_message.intent, turns
        assert small.latest_action_name == full.latest_action_name, turns
        # What RulePolicy and MemoizationPolicy (max_history 3) look at: the last turns.
        assert small.past_states(DOMAIN)[-6:] == full.past_states(DOMAIN)[-6:], turns
        assert len(small.events) <= 40 + 8, (turns, len(small.events))
    assert tracker(conversation(300, compaction)).get_slot("handoff_reason") == "marker-from-turn-1"
    assert tracker(conversation(151, compaction)).active_loop_name == "handoff_form"


@check
def compaction_keeps_session_start_and_last_turns() -> None:
    events = Compaction(max_events=40, keep_turns=4).compact("u", conversation(30), DOMAIN.slots)
    assert events is not None
    assert [type(e).__name__ for e in events[:2]] == ["ActionExecuted", "SessionStarted"]
    assert sum(isinstance(e, UserUttered) for e in events) == 4
    first_kept = next(
        i
        for i, e in enumerate(events)
        if isinstance(e, ActionExecuted) and e.action_name == "action_listen" and i > 1
    )
    assert all(isinstance(e, SlotSet) for e in events[2:first_kept])
    assert all(e.timestamp >= events[1].timestamp for e in events[1:])


@check
def short_conversations_are_untouched() -> None:
    assert (
        Compaction(max_events=40, keep_turns=4).compact("u", conversation(5), DOMAIN.slots) is None
    )


@check
def settings_are_validated() -> None:
    assert Compaction.from_config("60", "5") == Compaction(60, 5)
    assert Compaction.from_config(None, "") == Compaction()
    for bad in (("10", "5"), ("60", "0")):
        try:
            Compaction.from_config(*bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


@check
def in_memory_store_stays_bounded_and_consistent() -> None:
    store = CompactingInMemoryTrackerStore(DOMAIN, max_events="40", keep_turns="4")

    async def talk() -> DialogueStateTracker:
        current = await store.get_or_create_tracker("u", append_action_listen=True)
        for number in range(1, 301):
            for event in turn(number, 10.0 + number):
                current.update(event)
            await store.save(current)
            current = await store.retrieve("u")
            assert len(current.events) <= 48
        return current

    result = asyncio.run(talk())
    assert result.get_slot("handoff_reason") == "marker-from-turn-1"
    assert len(json.loads(store.store["u"])["events"]) <= 48


@check
def fast_deserialisation_matches_rasa() -> None:
    serialised = [e.as_dict() for e in conversation(20)]
    assert deserialise_events(serialised) == rasa_deserialise(serialised)


@check
def precompiled_schema_validates_like_rasa() -> None:
    precompile_action_schema()
    action = RemoteAction("action_answer_kb", None)
    good: dict[str, Any] = {
        "events": [{"event": "slot", "name": "x", "value": 1}],
        "responses": [{"text": "ok"}],
    }
    assert action._validate_action_result(good)
    message = ""
    try:
        action._validate_action_result({"events": [{"event": 7}], "responses": []})
    except ValidationError as error:
        message = error.message
    assert "Failed to validate Action server response" in message, "invalid response accepted"


if __name__ == "__main__":
    for function in CHECKS:
        function()
        print(f"ok {function.__name__}", flush=True)
    print(f"{len(CHECKS)} checks passed")
