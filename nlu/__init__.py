"""NLU training data and custom Rasa components of the assistant."""
