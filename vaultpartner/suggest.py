"""Near-miss suggestions for broken links: the only rapidfuzz user.

A near miss is a spelling variant (case, ё/е, accents) or a name that rapidfuzz's ratio finds
close enough. To stay fast with thousands of broken links in a large vault, a name is only
compared with the names that share its first three or its last three letters (after folding):
a typo rarely changes both ends of a name.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def fold(text: str) -> str:
    """Lower-case, ё as е, accents dropped: two names equal here are spelling variants."""
    lowered = text.lower().replace("ё", "е")
    if lowered.isascii():
        return lowered  # nothing to decompose or drop
    decomposed = unicodedata.normalize("NFD", lowered)
    combining = unicodedata.combining
    if not any(map(combining, decomposed)):
        return unicodedata.normalize("NFC", decomposed)
    return unicodedata.normalize("NFC", "".join([ch for ch in decomposed if not combining(ch)]))


@dataclass
class SuggestionMemo:
    """Names found close to broken link targets, valid for one set of note names (`key`).

    Kept between runs by the caller (the audit's shell stores it in the state folder): with
    the same names, a broken link's suggestions are the same, and searching for them is the
    costliest part of an audit after a small change (it grows with links times names).
    """

    key: str = ""
    found: dict[str, list[str]] = field(default_factory=dict)
    changed: bool = False

    def merge(self, key: str, found: Mapping[str, list[str]]) -> None:
        """Add answers found elsewhere for the names of `key`: into this memo when it is for
        the same names, else in its place (whoever uses it checks the key against its own
        names, so answers for other names are never used)."""
        if not found:
            return
        if self.key != key:
            self.key, self.found = key, {}
        for wanted, close in found.items():
            if self.found.get(wanted) != close:
                self.found[wanted] = close
                self.changed = True


def names_key(names: Iterable[str], cutoff: int, limit: int = 3) -> str:
    """What a SuggestionMemo depends on: the names in order, the cutoff and the limit."""
    digest = hashlib.sha256(f"{cutoff}\0{limit}\n".encode())
    digest.update("\0".join(names).encode())
    return digest.hexdigest()


class NameMatcher:
    """Names folded and bucketed once, so thousands of broken links stay fast.

    With a memo for these names, known answers are reused and new ones added to it; the
    buckets are built only when a name is not in the memo.
    """

    def __init__(
        self,
        names: Iterable[str],
        *,
        cutoff: int,
        limit: int = 3,
        memo: SuggestionMemo | None = None,
    ) -> None:
        self._names = list(dict.fromkeys(names))
        self._cutoff = cutoff
        self._limit = limit
        self._shared = memo
        if memo is not None:
            key = names_key(self._names, cutoff, limit)
            if memo.key != key:
                memo.key, memo.found, memo.changed = key, {}, True
        self._memo: dict[str, list[str]] = memo.found if memo is not None else {}
        self._built = False

    def _build(self) -> None:
        self._built = True
        self._folded = [fold(name) for name in self._names]
        self._by_fold: dict[str, list[int]] = {}
        self._by_end: dict[str, list[int]] = {}
        for position, folded in enumerate(self._folded):
            self._by_fold.setdefault(folded, []).append(position)
            for end in _ends(folded):
                self._by_end.setdefault(end, []).append(position)
        # Each bucket's folded names, built once: a search hands them to rapidfuzz as they
        # are instead of gathering a candidate list per broken link.
        self._end_choices = {
            end: [self._folded[i] for i in positions] for end, positions in self._by_end.items()
        }

    def close(self, wanted: str) -> list[str]:
        """Spelling variants of wanted first, else the closest names, best first."""
        key = fold(wanted)
        found = self._memo.get(key)
        if found is None:
            if not self._built:
                self._build()
            found = self._search(key)
            self._memo[key] = found
            if self._shared is not None:
                self._shared.changed = True
        return list(found)

    def _search(self, key: str) -> list[str]:
        variants = self._by_fold.get(key)
        if variants:
            return [self._names[i] for i in variants[: self._limit]]
        if len(key) < 3:
            return []
        # The best `limit` of the union of the two buckets are among the best `limit` of
        # each bucket; ties go to the earlier name, as rapidfuzz orders a single list.
        from rapidfuzz import fuzz, process  # only searches need it, not kept results

        best: dict[int, float] = {}
        for end in _ends(key):
            positions = self._by_end.get(end)
            if not positions:
                continue
            for _, score, index in process.extract(
                key,
                self._end_choices[end],
                scorer=fuzz.ratio,
                score_cutoff=self._cutoff,
                limit=self._limit,
            ):
                best[positions[index]] = score
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [self._names[position] for position, _ in ranked[: self._limit]]


def _ends(folded: str) -> tuple[str, ...]:
    return (f"<{folded[:3]}", f">{folded[-3:]}")


def close_names(wanted: str, names: Iterable[str], *, cutoff: int, limit: int = 3) -> list[str]:
    """One-off lookup among a few names (a note's headings): variants, then any fuzzy match."""
    choices = list(dict.fromkeys(names))
    key = fold(wanted)
    variants = [name for name in choices if fold(name) == key]
    if variants:
        return variants[:limit]
    from rapidfuzz import fuzz, process

    found = process.extract(
        key, choices, scorer=fuzz.ratio, processor=fold, score_cutoff=cutoff, limit=limit
    )
    return [match[0] for match in found]
