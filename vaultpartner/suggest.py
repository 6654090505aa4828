"""Near-miss suggestions for broken links: the only rapidfuzz user.

A near miss is a spelling variant (case, ё/е, accents) or a name within two edits of the link.
Candidates come from a deletion index (every name with one character removed), so a lookup
costs a few dictionary probes instead of a comparison with every name in the vault; rapidfuzz
then ranks the candidates and applies the similarity cutoff.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process


def fold(text: str) -> str:
    """Lower-case, ё as е, accents dropped: two names equal here are spelling variants."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("ё", "е"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))} | {text}


class NameMatcher:
    """Names folded and indexed once, so thousands of broken links stay fast."""

    def __init__(self, names: Iterable[str], *, cutoff: int, limit: int = 3) -> None:
        self._names = list(dict.fromkeys(names))
        self._by_fold: dict[str, list[int]] = {}
        for position, name in enumerate(self._names):
            self._by_fold.setdefault(fold(name), []).append(position)
        self._by_deletion: dict[str, list[str]] | None = None
        self._cutoff = cutoff
        self._limit = limit
        self._memo: dict[str, list[str]] = {}

    def close(self, wanted: str) -> list[str]:
        """Spelling variants of wanted first, else names within two edits, best first."""
        key = fold(wanted)
        found = self._memo.get(key)
        if found is None:
            found = self._search(key)
            self._memo[key] = found
        return found

    def _search(self, key: str) -> list[str]:
        variants = self._by_fold.get(key)
        if variants:
            return [self._names[i] for i in variants[: self._limit]]
        if len(key) < 3:
            return []
        if self._by_deletion is None:
            table: dict[str, list[str]] = {}
            for folded in self._by_fold:
                for variant in _deletions(folded):
                    table.setdefault(variant, []).append(folded)
            self._by_deletion = table
        candidates = {
            folded for variant in _deletions(key) for folded in self._by_deletion.get(variant, ())
        }
        scored = sorted(
            ((fuzz.ratio(key, folded), folded) for folded in candidates),
            key=lambda pair: (-pair[0], pair[1]),
        )
        result: list[str] = []
        for score, folded in scored:
            if score < self._cutoff:
                break
            result.extend(self._names[i] for i in self._by_fold[folded])
        return result[: self._limit]


def close_names(wanted: str, names: Iterable[str], *, cutoff: int, limit: int = 3) -> list[str]:
    """One-off lookup among a few names (a note's headings): variants, then any fuzzy match."""
    choices = list(dict.fromkeys(names))
    key = fold(wanted)
    variants = [name for name in choices if fold(name) == key]
    if variants:
        return variants[:limit]
    found = process.extract(
        key, choices, scorer=fuzz.ratio, processor=fold, score_cutoff=cutoff, limit=limit
    )
    return [match[0] for match in found]
