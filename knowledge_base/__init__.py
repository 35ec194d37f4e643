"""Curated knowledge base: models, content, import/export and Polish retrieval."""
