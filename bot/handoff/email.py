"""E-mail copies of new requests to the coordinator (SMTP), as the outbox channel "email".

Going through the outbox means a mail server that is down or greylisting (4xx) is retried
like any chat API. The Message-ID is derived from the outbox key, so a rare repeat after a
crash is recognisable (and merged by many mail clients) as the same message.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from bot.assistant import BotReply
from bot.channels.base import DeliveryError
from bot.handoff.outbox import EMAIL
from bot.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_SUBJECT = "Zgłoszenie do koordynatora — Asystent Naborów"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout_s: float = 20.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The SMTP settings, or None when e-mail copies are not configured."""
        if not (settings.handoff_email_to and settings.smtp_host):
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from or settings.smtp_user or "asystent@localhost",
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )


class EmailChannel:
    """OutboundChannel "email": `recipient` is an address; replies become one plain-text mail."""

    name = EMAIL

    def __init__(self, config: SmtpConfig):
        self._config = config

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        await asyncio.to_thread(self._send, self.compose(recipient, replies))

    def compose(self, recipient: str, replies: Sequence[BotReply]) -> EmailMessage:
        message = EmailMessage()
        subject = next((str(r.custom["subject"]) for r in replies if "subject" in r.custom), None)
        message["Subject"] = subject or DEFAULT_SUBJECT
        message["From"] = self._config.sender
        message["To"] = recipient
        message["Date"] = formatdate(localtime=False)
        key = next(
            (str(r.custom["delivery_key"]) for r in replies if "delivery_key" in r.custom), None
        )
        if key:
            digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
            message["Message-ID"] = f"<handoff-{digest}@asystent-naborow>"
        message.set_content("\n\n".join(r.text for r in replies if r.text))
        return message

    def _send(self, message: EmailMessage) -> None:
        config = self._config
        try:
            with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
                if config.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if config.user and config.password:
                    smtp.login(config.user, config.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"SMTP refused recipients: {codes}", retryable=all(400 <= c < 500 for c in codes)
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                retryable=400 <= exc.smtp_code < 500,
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:  # e.g. no STARTTLS: configuration
            raise DeliveryError(f"SMTP: {exc}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout
            raise DeliveryError(f"SMTP unreachable: {type(exc).__name__}", retryable=True) from exc
        logger.info("handoff e-mail sent subject=%s", message["Subject"])


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
