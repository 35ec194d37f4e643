"""The Telegram channel's pure parts: splitting, button keys, rate limit, addressing, errors."""

from __future__ import annotations

import datetime as dtm
from collections.abc import Callable

import pytest
from telegram import Message, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.assistant import Button
from bot.channels.telegram.addressing import is_addressed, is_blank, question_text
from bot.channels.telegram.application import file_base_url
from bot.channels.telegram.keyboards import (
    MAX_CALLBACK_BYTES,
    CallbackStore,
    build_keyboard,
    offered_on,
)
from bot.channels.telegram.outbound import delivery_error
from bot.channels.telegram.ratelimit import Admission, SlidingWindowLimiter
from bot.channels.telegram.splitting import split_message, telegram_length
from tests.fakes.telegram_api import BOT_USER, load_update

BOT_ID = BOT_USER["id"]
BOT_NAME = BOT_USER["username"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- splitting ------------------------------------------------------------------------------


def test_short_text_is_one_chunk_and_trimmed() -> None:
    assert split_message("  Termin: 30 czerwca.  ") == ["Termin: 30 czerwca."]
    assert split_message("   \n ") == []


def test_split_prefers_paragraphs_then_sentences_then_words() -> None:
    paragraph = "Zdanie numer jeden jest tutaj. " * 10  # 310 characters
    text = "\n\n".join([paragraph.strip()] * 3)
    chunks = split_message(text, limit=400)
    assert chunks == [paragraph.strip()] * 3

    sentences = "To jest zdanie o naborze. " * 40
    chunks = split_message(sentences, limit=300)
    assert all(len(c) <= 300 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == sentences.strip()

    words = "słowo " * 200
    chunks = split_message(words, limit=100)
    assert all(len(c) <= 100 and c.endswith("słowo") for c in chunks)
    assert " ".join(chunks) == words.strip()


def test_split_cuts_a_word_longer_than_the_limit() -> None:
    url = "https://example.org/" + "a" * 250
    chunks = split_message(f"Zobacz {url} koniec", limit=100)
    assert all(len(c) <= 100 for c in chunks)
    assert "".join(chunks).replace(" ", "") == f"Zobacz{url}koniec"


def test_split_counts_utf16_units_like_telegram() -> None:
    text = "🙂" * 3000  # 6000 UTF-16 units
    chunks = split_message(text)
    assert [telegram_length(c) for c in chunks] == [4096, 1904]
    assert "".join(chunks) == text


def test_split_refuses_silly_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_message("abc", limit=1)


# --- buttons --------------------------------------------------------------------------------


def test_short_payloads_travel_as_they_are() -> None:
    store = CallbackStore()
    assert store.encode("/affirm") == "/affirm"
    assert store.decode("/affirm") == "/affirm"
    assert len(store) == 0


def test_long_payloads_get_a_short_key() -> None:
    store = CallbackStore()
    payload = '/choose_entry{"entry_id": "torun-2023-nabor-zalaczniki-wymagane-dokumenty"}'
    assert len(payload.encode()) > MAX_CALLBACK_BYTES
    key = store.encode(payload)
    assert len(key.encode()) <= MAX_CALLBACK_BYTES
    assert store.encode(payload) == key  # stable: the map does not grow on repeats
    assert store.decode(key) == payload
    # Polish characters are two bytes each: 40 characters can already be too long.
    polish = '/wybierz{"temat": "' + "ż" * 30 + '"}'
    assert store.encode(polish) != polish


def test_a_payload_that_looks_like_a_key_is_stored_too() -> None:
    store = CallbackStore()
    key = store.encode("#cb:not-a-key")
    assert key != "#cb:not-a-key"
    assert store.decode(key) == "#cb:not-a-key"


def test_store_is_bounded_and_forgets_the_oldest() -> None:
    store = CallbackStore(max_entries=2)
    keys = [store.encode(f'/payload{{"n": {n}, "pad": "{"x" * 60}"}}') for n in range(3)]
    assert len(store) == 2
    assert store.decode(keys[0]) is None
    assert store.decode(keys[2]) is not None
    assert store.decode("#cb:unknown") is None


def test_keyboard_skips_empty_buttons_and_fills_missing_halves() -> None:
    store = CallbackStore()
    markup = build_keyboard(
        [Button("Tak", "/affirm"), Button("", ""), Button("Termin", ""), Button("", "/deny")],
        store,
    )
    assert markup is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    assert rows == [[("Tak", "/affirm")], [("Termin", "Termin")], [("/deny", "/deny")]]
    assert build_keyboard([], store) is None


def test_only_buttons_of_the_pressed_message_are_accepted() -> None:
    update = Update.de_json(load_update("callback_query"), None)
    assert update.callback_query is not None
    message = update.callback_query.message
    assert offered_on(message, "/affirm")
    assert not offered_on(message, "/restart")
    assert not offered_on(None, "/affirm")


# --- rate limit -----------------------------------------------------------------------------


def test_rate_limit_notifies_once_per_window_and_recovers() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, 60.0, clock=clock)
    assert [limiter.check("u") for _ in range(4)] == [
        Admission.ALLOWED,
        Admission.ALLOWED,
        Admission.LIMITED_NOTIFY,
        Admission.LIMITED_SILENT,
    ]
    assert limiter.check("other") is Admission.ALLOWED
    clock.now += 30
    assert limiter.check("u") is Admission.LIMITED_SILENT
    clock.now += 30  # the first two messages leave the window
    assert limiter.check("u") is Admission.ALLOWED
    assert limiter.check("u") is Admission.ALLOWED
    assert limiter.check("u") is Admission.LIMITED_NOTIFY  # a new window: told again


def test_rate_limit_memory_is_bounded() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(1, 60.0, clock=clock, max_keys=3)
    for n in range(3):
        limiter.check(f"user{n}")
    clock.now += 61
    limiter.check("newcomer")
    assert len(limiter) == 1


def test_rate_limit_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        SlidingWindowLimiter(0)


# --- addressing -----------------------------------------------------------------------------


def _message(name: str, **changes: object) -> Message:
    data = load_update(name)
    data["message"].update(changes)
    update = Update.de_json(data, None)
    assert update.message is not None
    return update.message


def test_private_messages_are_always_addressed() -> None:
    assert is_addressed(_message("private_text"), bot_id=BOT_ID, bot_username=BOT_NAME)


def test_group_messages_need_a_mention_reply_or_command_for_the_bot() -> None:
    def addressed(**changes: object) -> bool:
        return is_addressed(
            _message("group_mention", **changes), bot_id=BOT_ID, bot_username=BOT_NAME
        )

    assert addressed()
    assert not addressed(text="czy ktoś wie, do kiedy nabór?", entities=[])
    assert not addressed(
        text="@inny_bot do kiedy nabór?", entities=[{"offset": 0, "length": 9, "type": "mention"}]
    )
    reply = {"message_id": 9, "date": 1, "chat": {"id": -1, "type": "supergroup"}, "text": "x"}
    assert addressed(text="a kwota?", entities=[], reply_to_message={**reply, "from": BOT_USER})
    other = {"id": 1, "is_bot": False, "first_name": "Ola"}
    assert not addressed(text="a kwota?", entities=[], reply_to_message={**reply, "from": other})
    command = "/pomoc@" + BOT_NAME
    assert addressed(
        text=command, entities=[{"offset": 0, "length": len(command), "type": "bot_command"}]
    )
    assert not addressed(
        text="/pomoc", entities=[{"offset": 0, "length": 6, "type": "bot_command"}]
    )


def test_question_text_drops_the_mention() -> None:
    assert question_text("@Asystent_Naborow_Bot  kiedy termin? ", BOT_NAME) == "kiedy termin?"
    assert question_text("napisz do @asystent_naborow_bot2", BOT_NAME).endswith("bot2")


def test_blank_includes_invisible_characters() -> None:
    assert is_blank("")
    assert is_blank(" \n\t\u200b\u00a0\u2060")
    assert not is_blank(" ? ")


# --- configuration and errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "files"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
        ("https://tg.example.org/bot{token}", "https://tg.example.org/file/bot{token}"),
    ],
)
def test_file_url_is_derived_from_the_api_url(api: str, files: str) -> None:
    assert file_base_url(api) == files


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize(
    ("error", "retryable", "retry_after_s"),
    [
        (lambda: RetryAfter(7), True, 7.0),
        (lambda: RetryAfter(dtm.timedelta(seconds=2.5)), True, 2.5),
        (TimedOut, True, None),
        (lambda: NetworkError("Internal Server Error"), True, None),
        (lambda: Forbidden("Forbidden: bot was blocked by the user"), False, None),
        (lambda: BadRequest("Bad Request: chat not found"), False, None),
        (InvalidToken, False, None),
        (lambda: ChatMigrated(-100123), False, None),
    ],
)
def test_telegram_errors_map_to_delivery_errors(
    error: Callable[[], TelegramError], retryable: bool, retry_after_s: float | None
) -> None:
    mapped = delivery_error(error())
    assert mapped.retryable is retryable
    assert mapped.retry_after_s == retry_after_s
