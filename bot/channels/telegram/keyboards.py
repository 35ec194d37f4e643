"""Rasa buttons as Telegram inline keyboards, within Telegram's 64-byte callback_data limit."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage, Message
from telegram.constants import InlineKeyboardButtonLimit

from bot.assistant import Button

MAX_CALLBACK_BYTES = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)


class CallbackStore:
    """Bounded in-memory map from short callback keys to payloads too long for callback_data.

    Payloads that fit are put in callback_data as they are, so buttons keep working after a
    restart; only long ones (rare: entity-laden Rasa payloads) depend on this process's memory.
    """

    PREFIX = "#cb:"

    def __init__(self, max_entries: int = 2048):
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._max_entries = max_entries
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._payloads)

    def encode(self, payload: str) -> str:
        """The callback_data for `payload`: the payload itself, or a short key remembered here."""
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(
            self.PREFIX
        ):
            return payload
        # Same payload, same key: repeated answers do not fill the map.
        key = self.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self._max_entries:
            self._payloads.popitem(last=False)
        return key

    def decode(self, callback_data: str) -> str | None:
        """The payload behind `callback_data`, or None if its key was forgotten."""
        if not callback_data.startswith(self.PREFIX):
            return callback_data
        payload = self._payloads.get(callback_data)
        if payload is not None:
            self._payloads.move_to_end(callback_data)
        return payload


def build_keyboard(buttons: Sequence[Button], store: CallbackStore) -> InlineKeyboardMarkup | None:
    """One button per row (Polish titles are long); a missing title or payload borrows the other."""
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        title = button.title.strip() or button.payload.strip()
        payload = button.payload or button.title
        if not title or not payload:
            continue
        rows.append([InlineKeyboardButton(text=title, callback_data=store.encode(payload))])
    return InlineKeyboardMarkup(rows) if rows else None


def offered_on(message: MaybeInaccessibleMessage | None, callback_data: str) -> bool:
    """Whether `callback_data` is one of the buttons of `message`, so forged presses are refused.

    Telegram sends the pressed message with its keyboard; clients can send any callback_data.
    Messages older than 48 hours arrive without content and cannot be checked: refused too.
    """
    if not isinstance(message, Message):
        return False
    markup = message.reply_markup
    if markup is None:
        return False
    return any(
        button.callback_data == callback_data for row in markup.inline_keyboard for button in row
    )
