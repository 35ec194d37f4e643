"""Two Rasa instances of the production profile share conversations through PostgreSQL and
serialise each user's messages through Redis; a killed instance loses nothing."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from bot.production import EVENTS, delete_tracker, retention
from tests.production.conftest import KEEP_TURNS, MAX_EVENTS, Applicant, Cluster

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

FILLER = ("/thanks", "/help", "/bot_challenge")


def user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


def stored_rows(cluster: Cluster, sender: str) -> int:
    engine = create_engine(cluster.settings.tracker_url())
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).where(EVENTS.c.sender_id == sender))
    engine.dispose()
    return int(count or 0)


def test_a_conversation_started_on_one_instance_continues_on_the_other(
    cluster: Cluster, applicant: Applicant
) -> None:
    applicant.say(cluster.url("rasa-1"), "/complex_case")
    assert applicant.tracker(cluster.url("rasa-2"))["slots"]["handoff_offered"] is True
    # The rule "offer declined" needs the slot set on the other instance.
    applicant.say(cluster.url("rasa-2"), "/deny")
    assert "utter_handoff_declined" in applicant.actions_after_last_message(cluster.url("rasa-1"))
    assert user_texts(applicant.tracker(cluster.url("rasa-1"))) == ["/complex_case", "/deny"]


def test_messages_of_one_user_sent_at_once_to_both_instances_are_serialised(
    cluster: Cluster, applicant: Applicant
) -> None:
    sent: list[str] = []
    for round_ in range(3):  # 6 messages: below the compaction threshold, all stay stored
        barrier = threading.Barrier(2)
        texts = (f'/thanks{{"n":"{round_}a"}}', f'/help{{"n":"{round_}b"}}')

        def send(url: str, text: str, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            applicant.say(url, text)

        threads = [threading.Thread(target=send, args=(cluster.url(f"rasa-{i + 1}"), t))
                   for i, t in enumerate(texts)]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        sent += texts
    events = applicant.tracker(cluster.url("rasa-1"))["events"]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(users) == sorted(sent)  # every message once
    # In order: each message is answered (back to action_listen) before the next is read.
    answering = False
    for event in events:
        if event["event"] == "user":
            assert not answering, "a message was read while the previous one was processed"
            answering = True
        elif event["event"] == "action" and event["name"] == "action_listen":
            answering = False
    assert not answering


def test_compaction_keeps_slots_and_rules_over_300_messages(
    cluster: Cluster, applicant: Applicant
) -> None:
    rasa = cluster.url("rasa-1")
    applicant.say(rasa, "/greet")
    applicant.say(rasa, "/complex_case")  # message 2: handoff_offered = true
    for number in range(3, 300):
        applicant.say(cluster.url(f"rasa-{number % 2 + 1}"), FILLER[number % len(FILLER)])
    tracker = applicant.tracker(rasa)
    assert tracker["slots"]["handoff_offered"] is True
    assert len(tracker["events"]) <= MAX_EVENTS + 10
    assert stored_rows(cluster, applicant.sender) <= MAX_EVENTS + 10
    assert len(user_texts(tracker)) >= KEEP_TURNS
    # Message 300: the slot from message 2 still drives a rule.
    applicant.say(rasa, "/deny")
    assert "utter_handoff_declined" in applicant.actions_after_last_message(rasa)
    applicant.say(rasa, "/greet")
    assert applicant.actions_after_last_message(rasa)[0] == "utter_greet"


def test_message_texts_are_not_logged(cluster: Cluster, applicant: Applicant) -> None:
    marker = "ZnacznikTestowy7731"
    applicant.say(cluster.url("rasa-2"), f"do kiedy można składać wnioski, pyta {marker}?")
    for log in cluster.log_dir.glob("*.log"):
        assert marker not in log.read_text(errors="replace"), log.name


def test_delete_tracker_and_retention_leave_no_trace(
    cluster: Cluster, applicant: Applicant
) -> None:
    rasa = cluster.url("rasa-1")
    applicant.say(rasa, "/greet")
    assert stored_rows(cluster, applicant.sender) > 0
    settings = cluster.settings
    deleted = delete_tracker(
        applicant.sender, tracker_db_url=settings.tracker_url(), redis_url=settings.redis_url,
        key_prefix=settings.redis_key_prefix,
    )  # fmt: skip
    assert deleted > 0
    assert stored_rows(cluster, applicant.sender) == 0
    assert user_texts(applicant.tracker(cluster.url("rasa-2"))) == []

    other = Applicant(applicant.sender + "-old")
    other.say(rasa, "/greet")
    report = retention(cluster.settings, days=30, now=datetime.now(UTC) + timedelta(days=31))
    assert report.tracker_events > 0
    assert stored_rows(cluster, other.sender) == 0


def test_a_killed_instance_loses_no_conversation(cluster: Cluster, applicant: Applicant) -> None:
    first = cluster.service("rasa-1")
    applicant.say(cluster.url("rasa-1"), "/complex_case")
    assert first.process is not None
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=10)
    applicant.say(cluster.url("rasa-2"), "/deny")
    assert "utter_handoff_declined" in applicant.actions_after_last_message(cluster.url("rasa-2"))
    # Restarted, it serves the same conversation.
    cluster.supervisor.spawn(first)
    cluster.supervisor.wait_healthy(timeout_s=300)
    applicant.say(cluster.url("rasa-1"), "/greet")
    texts = user_texts(applicant.tracker(cluster.url("rasa-1")))
    assert texts == ["/complex_case", "/deny", "/greet"]
