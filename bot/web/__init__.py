"""The bot web app: health, web chat, admin panel and webhooks."""
