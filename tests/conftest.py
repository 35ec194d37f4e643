"""Shared fixtures: the real Rasa stack is defined once, so every suite reuses one instance."""

pytest_plugins = ["tests.support.stack"]
