"""Photolens engine: indexing and search, headless (never imports Qt)."""
