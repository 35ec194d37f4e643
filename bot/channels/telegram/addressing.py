"""Whether a message is meant for the bot (groups) and what question it carries."""

from __future__ import annotations

import re
import unicodedata

from telegram import Message, MessageEntity
from telegram.constants import ChatType

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def is_private(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def is_addressed(message: Message, *, bot_id: int, bot_username: str) -> bool:
    """Private chats always; groups only on a reply to the bot, an @mention or /command@bot."""
    if is_private(message):
        return True
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    mention = "@" + bot_username.lower()
    entity_types: list[str | None] = [MessageEntity.MENTION, MessageEntity.BOT_COMMAND]
    found = {
        **message.parse_entities(entity_types),
        **message.parse_caption_entities(entity_types),
    }
    for entity, text in found.items():
        if entity.type == MessageEntity.MENTION and text.lower() == mention:
            return True
        if entity.type == MessageEntity.BOT_COMMAND and text.lower().endswith(mention):
            return True
    return False


def question_text(text: str, bot_username: str) -> str:
    """The text without mentions of the bot and surrounding whitespace."""
    without = re.sub(rf"@{re.escape(bot_username)}\b", " ", text, flags=re.IGNORECASE)
    return without.strip()


def is_blank(text: str) -> bool:
    """True for text made only of whitespace and invisible characters (e.g. zero-width space)."""
    return all(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in text)
