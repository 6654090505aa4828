"""Near misses searched while a cold run parses: the parser workers look up the names of the
links that no file is named like, so the audit finds them already known. Pure.

Searching near misses is the costliest check of a cold audit after the parse (1.5 s of a
50,000-note vault), and it ran on one core after the parser workers had left the other idle.
Each name is searched once: the workers report the names of each chunk, and the names not
seen before are handed back to them as work once the parse is done.
What the workers find goes into a `SuggestionMemo` with the key of the names they searched
among; the audit reuses it only when its own names give the same key, so the answer is
always the one the audit would have found itself. A link the workers skip (a name some file
has, which usually resolves) or that is not broken after all costs nothing but the search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from vaultpartner.audit import suggestion_names
from vaultpartner.note import Note, linkpaths
from vaultpartner.paths import lookup_key, name_of
from vaultpartner.suggest import NameMatcher, SuggestionMemo, fold


@dataclass
class SuggestionPrefetch:
    """Near misses searched by the parser workers: `scan` (in a worker) names the wanted
    names of a chunk's links that no file has, `plan` (here) keeps those not seen before, and
    `work` (in a worker, after the parse) searches them; `found` gathers the answers here as
    (names key, {folded wanted name: near misses}).

    `paths`: every file of the vault (the walk's); `template_folders` and `cutoff`: the
    audit's options. Names are worked out in each process on first use."""

    paths: Sequence[str]
    template_folders: Sequence[str]
    cutoff: int
    found: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    _known: frozenset[str] | None = field(default=None, init=False, repr=False)
    _matcher: NameMatcher | None = field(default=None, init=False, repr=False)
    _memo: SuggestionMemo = field(default_factory=SuggestionMemo, init=False, repr=False)
    _planned: set[str] = field(default_factory=set, init=False, repr=False)

    def scan(self, notes: Sequence[Note]) -> dict[str, str]:
        """{folded wanted name: wanted name} of the links no file is named like."""
        if self._known is None:
            self._known = frozenset(lookup_key(name_of(path)) for path in self.paths)
        wanted_names: dict[str, str] = {}
        for note in notes:
            if note.unreadable is not None:
                continue
            for linkpath in linkpaths(note.links):
                name = linkpath[linkpath.rfind("/") + 1 :]
                key = lookup_key(name)
                if not name or key in self._known or f"{key}.md" in self._known:
                    continue  # a file has this name: the link most likely resolves
                wanted = name[:-3] if name.lower().endswith(".md") else name  # as the audit
                wanted_names.setdefault(fold(wanted), wanted)
        return wanted_names

    def plan(self, scanned: object) -> list[object]:
        """The wanted names of a chunk not planned before, as one work item (or none)."""
        if not isinstance(scanned, dict):
            return []
        new = [wanted for folded, wanted in scanned.items() if folded not in self._planned]
        self._planned.update(scanned)
        return [new] if new else []

    def work(self, item: object) -> tuple[str, dict[str, list[str]]]:
        if self._matcher is None:
            names = suggestion_names(self.paths, self.template_folders)
            self._matcher = NameMatcher(names, cutoff=self.cutoff, memo=self._memo)
        wanted_names = item if isinstance(item, list) else []
        found = {fold(wanted): self._matcher.close(wanted) for wanted in wanted_names}
        return self._memo.key, found

    def collect(self, result: object) -> None:
        if isinstance(result, tuple) and len(result) == 2:
            self.found.append(result)


def merge_prefetched(
    memo: SuggestionMemo, found: Iterable[tuple[str, dict[str, list[str]]]]
) -> None:
    """Add what the workers found to `memo` (see SuggestionMemo.merge)."""
    for key, names in found:
        memo.merge(key, names)
