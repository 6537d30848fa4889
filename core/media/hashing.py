"""Content hashes: equal content, equal hash (moves and duplicates).

New hashes are xxh3-128 of the whole file, written "x3:<32 hex>" (as fast as the file
reads: 0.57 ms for 3 MB against blake2b's 4.3-4.6 ms). Libraries indexed before carry
blake2b-128 hashes, 32 hex digits with no prefix; they stay valid (the prefix keeps the
two apart) and are never recomputed for an unchanged file. Where old and new meet (a
file moved or copied whose content the catalog knows by its old hash), the indexer asks
for both in one read: `content_hashes(path, legacy=True)`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import xxhash

PREFIX = "x3:"
_CHUNK = 1 << 20


def content_hash(path: Path | str) -> str:
    """The current hash of the file's content ("x3:" + xxh3-128, hex)."""
    return content_hashes(path)[0]


def legacy_content_hash(path: Path | str) -> str:
    """The hash libraries kept before "x3:" (blake2b-128, hex, no prefix)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def content_hashes(path: Path | str, *, legacy: bool = False) -> tuple[str, str | None]:
    """(current hash, legacy hash or None): both from one read of the file when asked."""
    new = xxhash.xxh3_128()
    old = hashlib.blake2b(digest_size=16) if legacy else None
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            new.update(chunk)
            if old is not None:
                old.update(chunk)
    return PREFIX + new.hexdigest(), (old.hexdigest() if old is not None else None)


def is_legacy(content: str) -> bool:
    """Whether a stored hash is of the old algorithm (blake2b, before "x3:")."""
    return not content.startswith(PREFIX)
