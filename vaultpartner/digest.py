"""Content identity of files: one hash function used everywhere."""

from __future__ import annotations

import hashlib


def content_hash(data: bytes) -> str:
    """Hex SHA-256 of the exact bytes of a file."""
    return hashlib.sha256(data).hexdigest()
