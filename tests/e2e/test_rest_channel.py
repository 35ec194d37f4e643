"""The whole stack over HTTP: Rasa 3.6 server (its own env) ↔ rasa_sdk action server ↔ KB.

These tests also prove that the rasa_sdk version of the application env speaks the action
server protocol of the Rasa 3.6 server: a custom action runs, its messages and buttons reach
the REST channel, and the slots it sets land in Rasa's tracker.
"""

from __future__ import annotations

import pytest

from tests.support.stack import RestUser

pytestmark = pytest.mark.e2e


def test_greeting_is_polish(user: RestUser) -> None:
    assert "Dzień dobry" in user.say("Cześć")


def test_bot_challenge_is_answered_honestly(user: RestUser) -> None:
    reply = user.say("czy ty jesteś botem?")
    assert reply.startswith("Tak, jestem programem")


def test_goodbye(user: RestUser) -> None:
    assert "Do widzenia" in user.say("dzięki, do widzenia")


def test_question_is_answered_from_the_knowledge_base_with_its_source(user: RestUser) -> None:
    replies = user.ask("co to jest innowacja społeczna?")
    text = "\n".join(r.get("text", "") for r in replies)
    assert "Źródło" in text
    assert "stan informacji" in text
    slots = user.tracker()["slots"]
    assert slots["kb_band"] == "answered"
    assert slots["last_entry"]


def test_action_server_protocol_round_trip(user: RestUser) -> None:
    """Buttons from a rasa_sdk action reach the REST channel; its SlotSet events the tracker."""
    replies = user.ask("co musi zawierać protest?")
    buttons = [b for r in replies for b in r.get("buttons") or []]
    assert any(b["payload"].startswith("/feedback") for b in buttons)
    events = user.tracker()["events"]
    actions = [e["name"] for e in events if e["event"] == "action"]
    assert "action_answer_kb" in actions
    assert any(e["event"] == "slot" and e["name"] == "kb_band" for e in events)


def test_off_topic_is_refused_kindly(user: RestUser) -> None:
    reply = user.say("jaka będzie jutro pogoda w Toruniu?")
    assert "w tym nie pomogę" in reply
