"""Messaging channels in front of the Rasa REST channel."""
