"""How names compare everywhere (people, places, folders): case- and accent-insensitive."""

from __future__ import annotations

import unicodedata


def name_key(name: str) -> str:
    """"anna" is "Anna", "Zoë" is "Zoe", "LISBOA" is "lisboa"; inner spaces collapse."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())
