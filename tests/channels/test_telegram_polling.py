"""The real PTB Application, long polling the fake Bot API over HTTP, answering via a
ScriptedAssistant: what reaches Rasa and what the user sees."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest
from telegram.error import InvalidToken

from bot.assistant import (
    UNAVAILABLE_TEXT,
    AssistantUnavailableError,
    BotReply,
    Button,
    ScriptedAssistant,
)
from bot.channels.telegram import InMemoryTelegramCommands, build_application, start_telegram, texts
from tests.fakes.telegram_api import (
    BOT_USER,
    FakeTelegramApi,
    TelegramHarness,
    load_update,
    text_update,
)

PRIVATE_CHAT = 5123456789
GROUP_CHAT = -1001987654321
SENDER = f"telegram:{PRIVATE_CHAT}"
BOT_NAME = BOT_USER["username"]


def answering(*replies: BotReply) -> ScriptedAssistant:
    return ScriptedAssistant(lambda text: list(replies))


def group_update(text: str, **message_changes: Any) -> dict[str, Any]:
    update = text_update(text, template="group_mention")
    update["message"].update(message_changes)
    return update


def command_update(command: str, *, template: str = "private_text") -> dict[str, Any]:
    """A message starting with a command, with the entity Telegram would mark."""
    update = text_update(command, template=template)
    match = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", command)
    assert match is not None
    update["message"]["entities"] = [{"offset": 0, "length": match.end(), "type": "bot_command"}]
    return update


class Gate:
    """An assistant whose answers to chosen texts wait until released (no sleeps)."""

    def __init__(self, *held: str) -> None:
        self.held = set(held)
        self.release = asyncio.Event()
        self.entered = asyncio.Event()
        self.calls: list[str] = []

    async def ask(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]:
        self.calls.append(text)
        if text in self.held:
            self.entered.set()
            await self.release.wait()
        return [BotReply(text=f"odpowiedź: {text}")]


# --- the happy path -----------------------------------------------------------------------


async def test_text_question_is_answered(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    telegram_bot.push(load_update("private_text"))

    [sent] = await telegram_bot.api.wait_for_call("sendMessage")

    assert sent.chat_id == PRIVATE_CHAT
    assert sent.text == "echo: Do kiedy można składać wnioski w naborze LGD?"
    assert scripted_assistant.calls == [
        (
            SENDER,
            "Do kiedy można składać wnioski w naborze LGD?",
            {"channel": "telegram", "chat_type": "private", "user_language": "pl"},
        )
    ]


async def test_typing_is_shown_before_the_answer(telegram_bot: TelegramHarness) -> None:
    telegram_bot.push(load_update("private_text"))
    await telegram_bot.api.wait_for_call("sendMessage")

    methods = [c.method for c in telegram_bot.api.calls() if c.method != "getUpdates"]
    assert methods[-2:] == ["sendChatAction", "sendMessage"]
    [typing] = telegram_bot.api.calls("sendChatAction")
    assert typing.params == {"chat_id": PRIVATE_CHAT, "action": "typing"}


async def test_answers_are_plain_text_so_markup_cannot_break_or_inject(
    start_telegram_bot: Any,
) -> None:
    risky = "Uwaga: <script>alert(1)</script> *pogrubienie* _kursywa_ [link](http://x) a_b_c"
    bot = await start_telegram_bot(assistant=answering(BotReply(text=risky)))
    bot.push_text("pytanie")

    [sent] = await bot.api.wait_for_call("sendMessage")

    assert sent.text == risky
    assert "parse_mode" not in sent.params
    assert "entities" not in sent.params


async def test_buttons_become_an_inline_keyboard(start_telegram_bot: Any) -> None:
    long_payload = '/choose_entry{"entry_id": "torun-2023-nabor-zalaczniki-wymagane-dokumenty"}'
    reply = BotReply(
        text="Czy przekazać Twoje pytanie koordynatorowi?",
        buttons=(Button("Tak, przekaż", "/affirm"), Button("Inny wpis", long_payload)),
    )
    bot = await start_telegram_bot(assistant=answering(reply))
    bot.push_text("koordynator")

    [sent] = await bot.api.wait_for_call("sendMessage")

    [[yes], [other]] = sent.keyboard
    assert yes == {"text": "Tak, przekaż", "callback_data": "/affirm"}
    assert other["text"] == "Inny wpis"
    assert other["callback_data"].startswith("#cb:")
    assert len(other["callback_data"].encode()) <= 64


async def test_buttons_without_text_get_a_caption(start_telegram_bot: Any) -> None:
    bot = await start_telegram_bot(
        assistant=answering(BotReply(buttons=(Button("Tak", "/affirm"),)))
    )
    bot.push_text("?")

    [sent] = await bot.api.wait_for_call("sendMessage")

    assert sent.text == texts.CHOOSE_OPTION_TEXT
    assert sent.keyboard == [[{"text": "Tak", "callback_data": "/affirm"}]]


async def test_long_answer_is_split_on_sentence_boundaries(start_telegram_bot: Any) -> None:
    sentence = "Wniosek składa się w generatorze wniosków do końca naboru, w dni robocze. "
    answer = (sentence * 60).strip()  # about 4400 characters, one paragraph
    answer = f"{answer}\n\n{answer}"
    reply = BotReply(text=answer, buttons=(Button("Pomogło", "/feedback_good"),))
    bot = await start_telegram_bot(assistant=answering(reply))
    bot.push_text("jak złożyć wniosek?")

    sent = await bot.api.wait_for_call("sendMessage", count=3)

    chunks = [c.text or "" for c in sent]
    assert len(chunks) == 3  # 8880 characters
    assert all(len(chunk) <= 4096 for chunk in chunks)
    assert all(chunk.endswith("dni robocze.") for chunk in chunks)
    assert " ".join(chunks).split() == answer.split()
    assert [bool(c.keyboard) for c in sent] == [False, False, True]


async def test_empty_answer_from_rasa_sends_nothing(start_telegram_bot: Any) -> None:
    bot = await start_telegram_bot(assistant=answering())
    update_id = bot.push_text("cisza")
    await bot.settle(update_id)
    assert bot.api.sent_messages() == []


# --- buttons pressed ----------------------------------------------------------------------


async def test_button_press_sends_the_payload_and_echoes_nothing(start_telegram_bot: Any) -> None:
    assistant = answering(BotReply(text="Przekazałem pytanie koordynatorowi."))
    bot = await start_telegram_bot(assistant=assistant)
    bot.push(load_update("callback_query"))

    [sent] = await bot.api.wait_for_call("sendMessage")

    [answered] = bot.api.calls("answerCallbackQuery")
    assert answered.params == {"callback_query_id": "2200540238118754372"}
    [edited] = bot.api.calls("editMessageReplyMarkup")
    assert edited.params == {"chat_id": PRIVATE_CHAT, "message_id": 413}
    assert assistant.calls == [
        (SENDER, "/affirm", {"channel": "telegram", "chat_type": "private", "user_language": "pl"})
    ]
    assert sent.text == "Przekazałem pytanie koordynatorowi."
    assert bot.api.sent_texts() == ["Przekazałem pytanie koordynatorowi."]


async def test_long_payload_survives_the_round_trip(start_telegram_bot: Any) -> None:
    long_payload = '/choose_entry{"entry_id": "torun-2023-nabor-zalaczniki-wymagane-dokumenty"}'
    assistant = ScriptedAssistant(
        lambda text: (
            [BotReply(text="Który wpis?", buttons=(Button("Ten", long_payload),))]
            if text == "pytanie"
            else [BotReply(text=f"wybrano {text}")]
        )
    )
    bot = await start_telegram_bot(assistant=assistant)
    bot.push_text("pytanie")
    [offer] = await bot.api.wait_for_call("sendMessage")

    press = load_update("callback_query")
    press["callback_query"]["message"]["reply_markup"] = offer.params["reply_markup"]
    press["callback_query"]["data"] = offer.keyboard[0][0]["callback_data"]
    bot.push(press)

    await bot.api.wait_for_call("sendMessage", count=2)
    assert assistant.calls[-1][1] == long_payload


async def test_forged_or_stale_button_is_refused(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    forged = load_update("callback_query")
    forged["callback_query"]["data"] = '/inform{"secret": "x"}'  # not on the message
    stale = load_update("callback_query")
    stale["callback_query"]["id"] = "2200540238118754999"
    stale["callback_query"]["data"] = "#cb:0000000000000000deadbeef"
    stale["callback_query"]["message"]["reply_markup"]["inline_keyboard"].append(
        [{"text": "Stary", "callback_data": "#cb:0000000000000000deadbeef"}]
    )
    telegram_bot.push(forged)
    last = telegram_bot.push(stale)
    await telegram_bot.settle(last)

    answers = telegram_bot.api.calls("answerCallbackQuery")
    assert [a.params["text"] for a in answers] == [texts.BUTTON_EXPIRED_TEXT] * 2
    assert all(a.params["show_alert"] is True for a in answers)
    assert scripted_assistant.calls == []
    assert telegram_bot.api.sent_messages() == []


# --- commands -----------------------------------------------------------------------------


async def test_start_welcomes_with_a_privacy_note(telegram_bot: TelegramHarness) -> None:
    telegram_bot.push(command_update("/start"))
    [sent] = await telegram_bot.api.wait_for_call("sendMessage")
    assert sent.text == texts.WELCOME_TEXT
    assert "/usun_dane" in texts.WELCOME_TEXT
    assert "Prywatność" in texts.WELCOME_TEXT


async def test_help_lists_commands_and_examples(telegram_bot: TelegramHarness) -> None:
    telegram_bot.push(command_update("/pomoc"))
    [sent] = await telegram_bot.api.wait_for_call("sendMessage")
    assert sent.text == texts.HELP_TEXT
    for command in ("/koordynator", "/status", "/usun_dane"):
        assert command in texts.HELP_TEXT


async def test_koordynator_sends_request_human_to_rasa(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    telegram_bot.push(command_update("/koordynator mam pytanie o budżet"))
    await telegram_bot.api.wait_for_call("sendMessage")
    [(sender, text, metadata)] = scripted_assistant.calls
    assert (sender, text, metadata["channel"]) == (SENDER, "/request_human", "telegram")


async def test_status_and_delete_use_the_injected_commands(start_telegram_bot: Any) -> None:
    commands = InMemoryTelegramCommands({SENDER: ["Pytanie o wkład własny (#12)"]})
    bot = await start_telegram_bot(commands=commands)
    bot.push(command_update("/status"))
    [status] = await bot.api.wait_for_call("sendMessage")
    assert status.text is not None
    assert "Pytanie o wkład własny (#12)" in status.text

    bot.push(command_update("/usun_dane"))
    await bot.api.wait_for_call("sendMessage", count=2)
    bot.push(command_update("/status"))
    sent = await bot.api.wait_for_call("sendMessage", count=3)

    assert [c.text for c in sent[1:]] == [texts.DATA_DELETED_TEXT, texts.NO_OPEN_REQUESTS_TEXT]
    assert commands.deleted == [SENDER]


async def test_failing_command_backend_gets_an_apology(start_telegram_bot: Any) -> None:
    class Broken:
        async def status(self, sender_id: str) -> str:
            raise RuntimeError("database is down")

        async def delete_data(self, sender_id: str) -> str:
            raise RuntimeError("database is down")

    bot = await start_telegram_bot(commands=Broken())
    bot.push(command_update("/usun_dane"))
    [sent] = await bot.api.wait_for_call("sendMessage")
    assert sent.text == texts.COMMAND_FAILED_TEXT


async def test_unknown_and_intent_commands_never_reach_rasa(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    telegram_bot.push(command_update("/request_human"))
    telegram_bot.push(command_update('/inform{"kwota": "1000000"}'))
    sent = await telegram_bot.api.wait_for_call("sendMessage", count=2)
    assert [c.text for c in sent] == [texts.UNKNOWN_COMMAND_TEXT] * 2
    assert scripted_assistant.calls == []


# --- what is not a question ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["sticker", "photo"])
async def test_non_text_gets_a_kind_reply_and_rasa_is_not_asked(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant, name: str
) -> None:
    telegram_bot.push(load_update(name))
    [sent] = await telegram_bot.api.wait_for_call("sendMessage")
    assert sent.text == texts.NON_TEXT_TEXT
    assert scripted_assistant.calls == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("voice", {"file_id": "AwACAgIAAxkBAAIB", "file_unique_id": "AgADx", "duration": 4}),
        ("location", {"latitude": 53.0138, "longitude": 18.5984}),
        (
            "document",
            {"file_id": "BQACAgIAAxkBAAIB", "file_unique_id": "AgADy", "file_name": "wniosek.pdf"},
        ),
        ("contact", {"phone_number": "+48600100200", "first_name": "Anna"}),
    ],
)
async def test_other_media_get_the_same_kind_reply(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant, field: str, value: Any
) -> None:
    update = load_update("private_text")
    del update["message"]["text"]
    update["message"][field] = value
    telegram_bot.push(update)
    [sent] = await telegram_bot.api.wait_for_call("sendMessage")
    assert sent.text == texts.NON_TEXT_TEXT
    assert scripted_assistant.calls == []


@pytest.mark.parametrize("text", ["\u200b", " \u200b\u2060 ", "\u00a0"])
async def test_blank_text_is_answered_politely_not_forwarded(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant, text: str
) -> None:
    telegram_bot.push_text(text)
    [sent] = await telegram_bot.api.wait_for_call("sendMessage")
    assert sent.text == texts.EMPTY_TEXT
    assert scripted_assistant.calls == []


async def test_oversized_text_is_refused_with_a_request_to_shorten(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    telegram_bot.push_text("a" * 2001)
    telegram_bot.push_text("b" * 2000)
    sent = await telegram_bot.api.wait_for_call("sendMessage", count=2)
    assert texts.TOO_LONG_TEXT in [c.text for c in sent]
    assert [text for _, text, _ in scripted_assistant.calls] == ["b" * 2000]


async def test_edited_messages_and_service_messages_are_ignored(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    edited = load_update("private_text")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1732543999}
    joined = load_update("group_mention")
    del joined["message"]["text"]
    del joined["message"]["entities"]
    joined["message"]["new_chat_members"] = [BOT_USER]
    telegram_bot.push(edited)
    last = telegram_bot.push(joined)
    await telegram_bot.settle(last)
    assert telegram_bot.api.sent_messages() == []
    assert scripted_assistant.calls == []


# --- groups -------------------------------------------------------------------------------


async def test_group_message_without_mention_is_ignored(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    first = telegram_bot.push(group_update("czy ktoś wie, do kiedy nabór?"))
    command = telegram_bot.push(command_update("/pomoc", template="group_mention"))
    other_bot = telegram_bot.push(command_update("/pomoc@inny_bot", template="group_mention"))
    sticker = load_update("sticker")
    sticker["message"]["chat"] = load_update("group_mention")["message"]["chat"]
    last = telegram_bot.push(sticker)
    assert first < command < other_bot < last
    await telegram_bot.settle(last)
    assert telegram_bot.api.sent_messages() == []
    assert scripted_assistant.calls == []


async def test_group_mention_is_answered_as_a_reply_without_the_mention(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    telegram_bot.push(load_update("group_mention"))
    [sent] = await telegram_bot.api.wait_for_call("sendMessage")

    [(sender, text, metadata)] = scripted_assistant.calls
    assert sender == f"telegram:{GROUP_CHAT}"
    assert text == "czy stowarzyszenie zwykłe może złożyć wniosek?"
    assert metadata["chat_type"] == "supergroup"
    assert sent.chat_id == GROUP_CHAT
    assert sent.params["reply_parameters"]["message_id"] == 2207


async def test_group_reply_to_the_bot_and_command_for_the_bot_are_answered(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    bot_message = {
        "message_id": 2208,
        "from": BOT_USER,
        "chat": {"id": GROUP_CHAT, "type": "supergroup", "title": "Fundacja Razem"},
        "date": 1732543390,
        "text": "Tak, stowarzyszenie zwykłe może złożyć wniosek.",
    }
    telegram_bot.push(group_update("a jaka kwota?", entities=[], reply_to_message=bot_message))
    telegram_bot.push(command_update(f"/pomoc@{BOT_NAME}", template="group_mention"))
    sent = await telegram_bot.api.wait_for_call("sendMessage", count=2)
    assert {c.text for c in sent} == {"echo: a jaka kwota?", texts.HELP_TEXT}


async def test_group_mention_alone_gets_the_polite_prompt(
    telegram_bot: TelegramHarness, scripted_assistant: ScriptedAssistant
) -> None:
    mention = f"@{BOT_NAME}"
    entity = {"offset": 0, "length": len(mention), "type": "mention"}
    telegram_bot.push(group_update(mention, entities=[entity]))
    [sent] = await telegram_bot.api.wait_for_call("sendMessage")
    assert sent.text == texts.EMPTY_TEXT
    assert scripted_assistant.calls == []


# --- rate limit ---------------------------------------------------------------------------


async def test_rate_limit_tells_once_per_window_then_lets_through(start_telegram_bot: Any) -> None:
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    bot = await start_telegram_bot(clock=clock, telegram_rate_limit_per_minute=2)
    # One batch: the four are checked in order before any answer goes out.
    bot.api.push_updates([text_update(f"pytanie {n}") for n in range(4)])
    await bot.api.wait_for_call("sendMessage", count=3)
    clock.now += 61
    bot.push_text("po przerwie")
    last = bot.push_text("po przerwie 2")
    await bot.settle(last)

    assert sorted(bot.api.sent_texts()) == sorted(
        [
            "echo: pytanie 0",
            "echo: pytanie 1",
            texts.SLOW_DOWN_TEXT,  # for "pytanie 2"; "pytanie 3" is refused silently
            "echo: po przerwie",
            "echo: po przerwie 2",
        ]
    )


async def test_rate_limited_button_press_is_answered_with_a_toast(start_telegram_bot: Any) -> None:
    bot = await start_telegram_bot(telegram_rate_limit_per_minute=1)
    bot.push_text("pytanie")
    await bot.api.wait_for_call("sendMessage")
    bot.push(load_update("callback_query"))
    [answer] = await bot.api.wait_for_call("answerCallbackQuery")
    assert answer.params["text"] == texts.SLOW_DOWN_SHORT_TEXT


# --- Rasa down or slow --------------------------------------------------------------------


async def test_assistant_down_gives_the_unavailable_text_and_the_bot_keeps_going(
    start_telegram_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def answer(text: str) -> list[BotReply]:
        if text == "awaria":
            raise AssistantUnavailableError("connection refused")
        return [BotReply(text="działam")]

    bot = await start_telegram_bot(assistant=ScriptedAssistant(answer))
    caplog.set_level(logging.WARNING, logger="bot.channels.telegram")
    bot.push_text("awaria")
    [first] = await bot.api.wait_for_call("sendMessage")
    bot.push_text("a teraz?")
    sent = await bot.api.wait_for_call("sendMessage", count=2)

    assert first.text == UNAVAILABLE_TEXT
    assert sent[1].text == "działam"
    assert "assistant unavailable" in caplog.text
    assert "AssistantUnavailableError" in caplog.text


async def test_slow_assistant_times_out_with_the_unavailable_text(start_telegram_bot: Any) -> None:
    gate = Gate("wolno")
    bot = await start_telegram_bot(assistant=gate, ask_timeout_s=0.3)
    bot.push_text("wolno")
    [sent] = await bot.api.wait_for_call("sendMessage")
    assert sent.text == UNAVAILABLE_TEXT


async def test_unexpected_assistant_bug_is_contained(start_telegram_bot: Any) -> None:
    def answer(text: str) -> list[BotReply]:
        raise KeyError("bug")

    bot = await start_telegram_bot(assistant=ScriptedAssistant(answer))
    bot.push_text("pytanie")
    [sent] = await bot.api.wait_for_call("sendMessage")
    assert sent.text == UNAVAILABLE_TEXT


# --- concurrency --------------------------------------------------------------------------


async def test_chats_run_in_parallel_but_one_chat_stays_in_order(start_telegram_bot: Any) -> None:
    gate = Gate("pierwsze")
    bot = await start_telegram_bot(assistant=gate)
    bot.push_text("pierwsze")
    await gate.entered.wait()
    bot.push_text("drugie")
    other = load_update("private_text")
    other["message"]["chat"]["id"] = 42
    other["message"]["from"]["id"] = 42
    other["message"]["text"] = "inny czat"
    bot.push(other)

    [elsewhere] = await bot.api.wait_for_call("sendMessage")  # while "pierwsze" is held
    gate.release.set()
    await bot.api.wait_for_call("sendMessage", count=3)

    assert elsewhere.chat_id == 42
    assert bot.api.sent_texts(PRIVATE_CHAT) == ["odpowiedź: pierwsze", "odpowiedź: drugie"]


# --- Telegram side failures ---------------------------------------------------------------


async def test_send_failure_is_logged_and_the_bot_keeps_going(
    telegram_bot: TelegramHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.channels.telegram")
    telegram_bot.api.fail_next(1, method="sendMessage", status=403)
    telegram_bot.push_text("pierwsze")
    await telegram_bot.api.wait_for_call("sendMessage")
    telegram_bot.push_text("drugie")
    await telegram_bot.api.wait_for_call("sendMessage", count=2)
    assert telegram_bot.api.sent_texts() == ["echo: drugie"]
    assert "telegram update failed" in caplog.text
    assert "Forbidden" in caplog.text


async def test_polling_survives_a_telegram_outage(telegram_bot: TelegramHarness) -> None:
    telegram_bot.api.fail_next(1, method="getUpdates", status=502)
    telegram_bot.push_text("po awarii")
    [sent] = await telegram_bot.api.wait_for_call("sendMessage", timeout=10)
    assert sent.text == "echo: po awarii"


async def test_logs_carry_neither_the_token_nor_message_texts(
    start_telegram_bot: Any, caplog: pytest.LogCaptureFixture, telegram_api: FakeTelegramApi
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await start_telegram_bot()
    bot.push_text("Czy fundacja rodzinna może złożyć wniosek?")
    await bot.api.wait_for_call("sendMessage")
    await bot.stop()

    assert "<telegram-token>" in caplog.text  # httpx logged the request URLs…
    assert telegram_api.token not in caplog.text  # …without the token, even at DEBUG
    info_and_up = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "telegram answered chat=5123456789" in info_and_up
    assert "fundacja rodzinna" not in info_and_up  # PTB itself prints updates at DEBUG only


async def test_wrong_token_fails_start_without_leaking_it(
    telegram_settings: Any, scripted_assistant: ScriptedAssistant
) -> None:
    wrong = "1234567:ThisTokenIsWrongAndSecret"
    settings = telegram_settings.model_copy(update={"telegram_bot_token": wrong})
    app = build_application(settings, scripted_assistant)
    with pytest.raises(InvalidToken) as caught:
        await start_telegram(app, settings)
    assert wrong not in str(caught.value)
    assert not app.running


def test_missing_token_is_a_clear_error(telegram_settings: Any) -> None:
    settings = telegram_settings.model_copy(update={"telegram_bot_token": None})
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        build_application(settings, ScriptedAssistant())
