"""Custom Rasa actions (rasa_sdk). Thin: the logic lives in knowledge_base/ and bot/."""
