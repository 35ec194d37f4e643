"""TelegramChannel as the hand-off's OutboundChannel, against the fake Bot API over HTTP."""

from __future__ import annotations

import pytest

from bot.assistant import BotReply, Button
from bot.channels.base import DeliveryError, OutboundChannel
from bot.channels.telegram import TelegramChannel, telegram_channel
from tests.fakes.telegram_api import TelegramHarness

CHAT = 5123456789

# PTB 22 warns inside RetryAfter itself that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def channel(telegram_bot: TelegramHarness) -> TelegramChannel:
    return telegram_channel(telegram_bot.app)


async def test_delivers_replies_with_buttons(
    channel: TelegramChannel, telegram_bot: TelegramHarness
) -> None:
    outbound: OutboundChannel = channel  # mypy checks the protocol
    assert outbound.name == "telegram"
    await outbound.deliver(
        str(CHAT),
        [
            BotReply(text="Koordynatorka odpowiedziała: wkład własny to 5%."),
            BotReply(text="Czy to pomogło?", buttons=(Button("Tak", "/feedback_good"),)),
        ],
    )
    sent = telegram_bot.api.sent_messages(CHAT)
    assert [c.text for c in sent] == [
        "Koordynatorka odpowiedziała: wkład własny to 5%.",
        "Czy to pomogło?",
    ]
    assert sent[1].keyboard == [[{"text": "Tak", "callback_data": "/feedback_good"}]]


async def test_accepts_the_rasa_sender_id_as_recipient(
    channel: TelegramChannel, telegram_bot: TelegramHarness
) -> None:
    await channel.deliver(f"telegram:{CHAT}", [BotReply(text="Dzień dobry")])
    assert telegram_bot.api.sent_texts(CHAT) == ["Dzień dobry"]


async def test_rate_limit_is_retryable_with_the_wait(
    channel: TelegramChannel, telegram_bot: TelegramHarness
) -> None:
    telegram_bot.api.fail_next(1, method="sendMessage", status=429, retry_after=3)
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(str(CHAT), [BotReply(text="odpowiedź")])
    assert caught.value.retryable is True
    assert caught.value.retry_after_s == 3.0

    await channel.deliver(str(CHAT), [BotReply(text="odpowiedź")])  # the retry goes through
    assert telegram_bot.api.sent_texts(CHAT) == ["odpowiedź"]


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (502, True), (403, False), (400, False)],
)
async def test_server_errors_are_retryable_refusals_are_not(
    channel: TelegramChannel, telegram_bot: TelegramHarness, status: int, retryable: bool
) -> None:
    telegram_bot.api.fail_next(1, method="sendMessage", status=status)
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(str(CHAT), [BotReply(text="odpowiedź")])
    assert caught.value.retryable is retryable
    assert caught.value.retry_after_s is None


@pytest.mark.parametrize("recipient", ["", "abc", "telegram:", "messenger:123"])
async def test_a_recipient_that_is_not_a_chat_id_is_refused_before_sending(
    channel: TelegramChannel, telegram_bot: TelegramHarness, recipient: str
) -> None:
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(recipient, [BotReply(text="x")])
    assert caught.value.retryable is False
    assert telegram_bot.api.calls("sendMessage") == []


async def test_nothing_to_say_sends_nothing(
    channel: TelegramChannel, telegram_bot: TelegramHarness
) -> None:
    await channel.deliver(str(CHAT), [BotReply(text="   ")])
    assert telegram_bot.api.calls("sendMessage") == []
