"""Custom Rasa 3.6 graph components (referenced by module path in config.yml)."""
