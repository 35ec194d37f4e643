"""Alembic migrations of the knowledge-base schema."""
