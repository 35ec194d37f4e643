"""The Messenger channel's pure parts: signature, de-duplication, event parsing, rendering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.assistant import BotReply, Button
from bot.channels.messenger.dedup import MemoryDedupStore
from bot.channels.messenger.events import InboundEvent, parse_webhook
from bot.channels.messenger.render import (
    CHOOSE_OPTION_TEXT,
    quick_reply,
    render_reply,
    split_text,
    truncate_title,
)
from bot.channels.messenger.signature import is_valid_signature, sign

DATA = Path(__file__).resolve().parent.parent / "data" / "messenger"
SECRET = "app-secret"
BODY = b'{"object":"page","entry":[]}'


def fixture_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return body


# -- signature ------------------------------------------------------------------------------


def test_signature_matches_the_documented_hmac() -> None:
    header = sign(BODY, SECRET)

    assert header.startswith("sha256=")
    assert len(header) == len("sha256=") + 64
    assert is_valid_signature(BODY, header, SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256",
        "sha256=",
        "md5=" + "0" * 64,
        "sha256=" + "0" * 63,
        "sha256=" + "g" * 64,
        "sha256=" + "0" * 64,
        sign(BODY, "other-secret"),
        sign(BODY + b"\n", SECRET),
    ],
)
def test_anything_but_the_right_signature_is_invalid(header: str | None) -> None:
    assert not is_valid_signature(BODY, header, SECRET)


def test_no_app_secret_means_nothing_is_valid() -> None:
    assert not is_valid_signature(BODY, sign(BODY, ""), "")


# -- de-duplication -------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_dedup_store_says_new_once_per_key() -> None:
    store = MemoryDedupStore()

    assert await store.add("mid:a") is True
    assert await store.add("mid:a") is False
    assert await store.add("mid:b") is True


async def test_dedup_store_forgets_after_the_ttl() -> None:
    clock = Clock()
    store = MemoryDedupStore(ttl_s=60, clock=clock)
    await store.add("mid:a")

    clock.now += 59
    assert await store.add("mid:a") is False
    clock.now += 2
    assert await store.add("mid:a") is True


async def test_dedup_store_stays_within_its_size_dropping_the_oldest() -> None:
    store = MemoryDedupStore(max_size=3)
    for key in "abcd":
        await store.add(key)

    assert len(store) == 3
    assert await store.add("a") is True  # the oldest was dropped
    assert await store.add("d") is False


def test_dedup_store_refuses_nonsense_bounds() -> None:
    with pytest.raises(ValueError, match="positive"):
        MemoryDedupStore(ttl_s=0)
    with pytest.raises(ValueError, match="positive"):
        MemoryDedupStore(max_size=0)


# -- events ---------------------------------------------------------------------------------


def test_text_batch_gives_one_text_event_per_user() -> None:
    events = parse_webhook(fixture_body("text_batch"))

    assert [(e.psid, e.kind, e.text) for e in events] == [
        ("6543210987654321", "text", "Do kiedy można złożyć wniosek w naborze Toruń?"),
        ("7234567890123456", "text", "Czy fundacja może złożyć dwa wnioski?"),
    ]
    assert all(e.dedup_key and e.dedup_key.startswith("mid:m_") for e in events)


def test_quick_reply_event_carries_the_payload_not_the_title() -> None:
    [event] = parse_webhook(fixture_body("quick_reply"))

    assert (event.text, event.source) == ("/affirm", "quick_reply")


def test_postback_event_carries_the_payload_and_its_mid() -> None:
    [event] = parse_webhook(fixture_body("postback"))

    assert (event.text, event.source) == ("/greet", "postback")
    assert (
        event.dedup_key
        == "mid:" + fixture_body("postback")["entry"][0]["messaging"][0]["postback"]["mid"]
    )


def test_postback_without_mid_is_keyed_by_sender_and_timestamp() -> None:
    body = fixture_body("postback")
    del body["entry"][0]["messaging"][0]["postback"]["mid"]

    [event] = parse_webhook(body)

    assert event.dedup_key == "ts:6543210987654321:1732540200654"


@pytest.mark.parametrize("name", ["echo", "delivery", "read"])
def test_echoes_and_receipts_give_no_events(name: str) -> None:
    assert parse_webhook(fixture_body(name)) == []


def test_sticker_is_an_attachment_event() -> None:
    [event] = parse_webhook(fixture_body("sticker"))

    assert event.kind == "attachment"
    assert event.attachment_types == ("sticker", "image")


def test_image_is_an_attachment_event() -> None:
    [event] = parse_webhook(fixture_body("image"))

    assert (event.psid, event.kind, event.attachment_types) == (
        "7234567890123456",
        "attachment",
        ("image",),
    )


def test_shared_link_with_text_counts_as_text() -> None:
    body = fixture_body("text_batch")
    message = body["entry"][0]["messaging"][0]["message"]
    message["attachments"] = [{"type": "fallback", "payload": {"url": "https://example.org"}}]

    assert parse_webhook(body)[0].kind == "text"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"entry": "nope"},
        {"entry": [None, 1, "x", {"messaging": "nope"}]},
        {"entry": [{"messaging": [None, 1, {"sender": "x"}, {"sender": {"id": ""}}]}]},
        {"entry": [{"messaging": [{"sender": {"user_ref": "r"}, "message": {"text": "hi"}}]}]},
        {"entry": [{"standby": [{"sender": {"id": "1"}, "message": {"mid": "m", "text": "x"}}]}]},
        {"entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"mid": "m"}}]}]},
        {"entry": [{"messaging": [{"sender": {"id": "1"}, "postback": {"mid": "m"}}]}]},
        {"entry": [{"messaging": [{"sender": {"id": "1"}, "reaction": {"emoji": "👍"}}]}]},
    ],
    ids=[
        "empty",
        "entry-not-list",
        "odd-entries",
        "odd-senders",
        "user-ref",
        "standby",
        "no-content",
        "postback-no-payload",
        "reaction",
    ],
)
def test_malformed_or_foreign_items_are_skipped(body: dict[str, Any]) -> None:
    assert parse_webhook(body) == []


def test_event_without_mid_or_timestamp_is_not_deduplicated() -> None:
    body = {"entry": [{"messaging": [{"sender": {"id": 42}, "message": {"text": "hej"}}]}]}

    assert parse_webhook(body) == [InboundEvent("42", "text", None, text="hej")]


# -- rendering ------------------------------------------------------------------------------


def test_short_text_stays_whole_and_exactly_2000_is_one_message() -> None:
    assert split_text("  Dzień dobry  ") == ["Dzień dobry"]
    assert split_text("a" * 2000) == ["a" * 2000]
    assert split_text("   ") == []


def test_split_prefers_paragraphs() -> None:
    first = "Pierwszy akapit. " * 70
    second = "Drugi akapit. " * 70
    text = first.strip() + "\n\n" + second.strip()

    assert split_text(text) == [first.strip(), second.strip()]


def test_split_falls_back_to_sentences_then_words_then_a_hard_cut() -> None:
    sentences = " ".join(f"Zdanie {i}." for i in range(400))
    words = " ".join(["słowo"] * 500)
    blob = "x" * 4500

    for text in (sentences, words, blob):
        chunks = split_text(text)
        assert all(0 < len(c) <= 2000 for c in chunks)
        assert "".join(chunks).replace(" ", "") == text.replace(" ", "")
    assert all(c.endswith(".") for c in split_text(sentences))
    assert all(c.endswith("słowo") for c in split_text(words))
    assert [len(c) for c in split_text(blob)] == [2000, 2000, 500]


def test_split_does_not_leave_a_tiny_first_chunk_for_an_early_paragraph() -> None:
    text = "Wstęp.\n\n" + "Długie zdanie o naborze. " * 150

    chunks = split_text(text)

    assert len(chunks[0]) > 1000


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Tak", "Tak"),
        ("a" * 20, "a" * 20),
        ("a" * 21, "a" * 19 + "…"),
        ("Połącz z koordynatorem", "Połącz z koordynato…"),
        ("Dwa    słowa\n", "Dwa słowa"),
    ],
)
def test_titles_fit_in_20_characters(title: str, expected: str) -> None:
    assert truncate_title(title) == expected
    assert len(truncate_title(title)) <= 20


def test_quick_reply_needs_a_payload_messenger_can_carry() -> None:
    assert quick_reply(Button("Tak", "/affirm")) == {
        "content_type": "text",
        "title": "Tak",
        "payload": "/affirm",
    }
    assert quick_reply(Button("", "/deny")) == {
        "content_type": "text",
        "title": "/deny",
        "payload": "/deny",
    }
    assert quick_reply(Button("Za długi", "/x" + "y" * 1000)) is None
    assert quick_reply(Button("", "")) is None


def test_buttons_without_text_get_a_prompt() -> None:
    [message] = render_reply(BotReply(buttons=(Button("Tak", "/affirm"),)))

    assert message["text"] == CHOOSE_OPTION_TEXT
    assert len(message["quick_replies"]) == 1


def test_button_messenger_cannot_carry_is_listed_in_the_text() -> None:
    [message] = render_reply(
        BotReply(
            text="Wybierz:", buttons=(Button("Tak", "/affirm"), Button("Długi", "/" + "x" * 1001))
        )
    )

    assert [q["title"] for q in message["quick_replies"]] == ["Tak"]
    assert "• Długi" in message["text"]


def test_quick_replies_ride_on_the_last_chunk_only() -> None:
    reply = BotReply(text="Zdanie. " * 400, buttons=(Button("Dalej", "/next"),))

    messages = render_reply(reply)

    assert len(messages) == 2
    assert "quick_replies" not in messages[0]
    assert messages[-1]["quick_replies"][0]["payload"] == "/next"


def test_reply_with_nothing_to_show_renders_nothing() -> None:
    assert render_reply(BotReply(custom={"image": "https://example.org/x.png"})) == []
