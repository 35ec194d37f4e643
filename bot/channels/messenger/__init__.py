"""Facebook Messenger channel: webhook router in front of Rasa, and the Send API client."""

from bot.channels.messenger.dedup import DedupStore, MemoryDedupStore
from bot.channels.messenger.graph import GraphClient
from bot.channels.messenger.router import WEBHOOK_PATH, MessengerRouter, messenger_router

__all__ = [
    "WEBHOOK_PATH",
    "DedupStore",
    "GraphClient",
    "MemoryDedupStore",
    "MessengerRouter",
    "messenger_router",
]
