"""Near-miss suggestions for broken links: the only rapidfuzz user."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process


def fold(text: str) -> str:
    """Lower-case, ё as е, accents dropped: two names equal here are spelling variants."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("ё", "е"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def close_names(wanted: str, names: Iterable[str], *, cutoff: int, limit: int = 3) -> list[str]:
    """Names that are spelling variants of wanted first, then the closest fuzzy matches."""
    choices = list(dict.fromkeys(names))
    key = fold(wanted)
    variants = [name for name in choices if fold(name) == key]
    if variants:
        return variants[:limit]
    if len(key) < 3:
        return []
    found = process.extract(
        key, choices, scorer=fuzz.ratio, processor=fold, score_cutoff=cutoff, limit=limit
    )
    return [match[0] for match in found]
