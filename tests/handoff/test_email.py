"""E-mail copies over real SMTP to a local aiosmtpd server: delivered, retried, given up."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from bot.assistant import BotReply
from bot.channels.base import DeliveryError
from bot.handoff.db import Database
from bot.handoff.email import EmailChannel, SmtpConfig
from bot.handoff.outbox import EMAIL
from bot.handoff.service import HandoffService
from bot.settings import load_settings
from tests.handoff.conftest import (
    ManualClock,
    ScriptedChannel,
    make_worker,
    open_for,
    outbox_rows,
)
from tests.support.processes import free_port

TO = "koordynator@example.org"


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping messages; `answers` are replies to DATA, used up in order."""

    messages: list[EmailMessage] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answers:
            return self.answers.pop(0)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def channel_for(port: int) -> EmailChannel:
    return EmailChannel(
        SmtpConfig(host="127.0.0.1", port=port, sender="asystent@example.org", starttls=False)
    )


async def test_a_mail_is_sent(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    reply = BotReply(
        text="Zgłoszenie Z-0007 — nowe\nRozmowa: …",
        custom={"subject": "Nowe zgłoszenie Z-0007", "delivery_key": "email:7"},
    )

    await channel_for(port).deliver(TO, [reply])

    [message] = box.messages
    assert message["Subject"] == "Nowe zgłoszenie Z-0007"
    assert (message["From"], message["To"]) == ("asystent@example.org", TO)
    assert message["Message-ID"].startswith("<handoff-")
    assert message.get_content().startswith("Zgłoszenie Z-0007 — nowe")


@pytest.mark.parametrize(
    ("answer", "retryable"),
    [("451 4.7.1 Greylisted, try again later", True), ("554 5.7.1 Rejected", False)],
)
async def test_smtp_errors_say_whether_to_retry(
    mailbox: tuple[Mailbox, int], answer: str, retryable: bool
) -> None:
    box, port = mailbox
    box.answers.append(answer)

    with pytest.raises(DeliveryError) as caught:
        await channel_for(port).deliver(TO, [BotReply(text="x")])

    assert caught.value.retryable is retryable
    assert answer[:3] in str(caught.value)


async def test_an_unreachable_server_is_retried() -> None:
    with pytest.raises(DeliveryError, match="unreachable") as caught:
        await channel_for(free_port()).deliver(TO, [BotReply(text="x")])

    assert caught.value.retryable


async def test_starttls_refused_by_the_server_is_a_configuration_error(
    mailbox: tuple[Mailbox, int],
) -> None:
    _, port = mailbox
    channel = EmailChannel(SmtpConfig(host="127.0.0.1", port=port, sender="a@b.pl"))

    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(TO, [BotReply(text="x")])

    assert not caught.value.retryable


async def test_a_new_request_is_mailed_through_the_outbox_and_retried(
    mailbox: tuple[Mailbox, int], db: Database, service: HandoffService, clock: ManualClock
) -> None:
    box, port = mailbox
    box.answers.append("421 4.3.2 Service not available, closing channel")
    service.email_to = TO
    open_for(db, service, "messenger:6543210987654321", organisation="Fundacja Ziarno")
    coordinator = ScriptedChannel("coordinator")
    worker = make_worker(db, clock, channel_for(port), coordinator)

    first = await worker.run_once()
    clock.advance(seconds=2)
    second = await worker.run_once()

    assert (first.sent, first.retried, second.sent) == (1, 1, 1)
    assert coordinator.texts()[0].startswith("Zgłoszenie Z-0001 — nowe")
    [message] = box.messages
    assert message["Subject"] == "Nowe zgłoszenie Z-0001 — Asystent Naborów"
    body = message.get_content()
    assert "Organizacja: Fundacja Ziarno" in body
    assert "Odpowiedz wnioskodawcy w czacie koordynatora na Telegramie" in body
    assert [r.status for r in outbox_rows(db, channel=EMAIL)] == ["sent"]


def test_smtp_settings() -> None:
    assert SmtpConfig.from_settings(load_settings(None, handoff_email_to=TO)) is None
    config = SmtpConfig.from_settings(
        load_settings(None, handoff_email_to=TO, smtp_host="smtp.example.org", smtp_user="bot@x.pl")
    )
    assert config is not None
    assert (config.port, config.sender, config.starttls) == (587, "bot@x.pl", True)
