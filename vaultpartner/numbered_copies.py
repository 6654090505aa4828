"""Possible conflict copies named like iCloud's (`Note 2.md` beside `Note.md`; catalogue 44).

iCloud Drive (and some other sync tools and file managers) keep both sides of a conflict by
adding " 2" to one name. People and vaultpartner name a second note with the same title the
same way, so the name alone proves nothing: a numbered note counts as a *possible* conflict
copy only when its content says so too, i.e. it is byte-identical to the note beside it, or the
two have the same properties and headings and mostly the same links. Such a pair is
reported, and the watcher writes to neither note until one of them is gone. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from vaultpartner.note import Note

_NUMBERED = re.compile(r"^(?P<stem>.+) (?P<number>[2-9])\.md$", re.IGNORECASE)
# Share of their links two versions of a note have in common.
_SIMILAR = 0.6


def numbered_original(path: str) -> str | None:
    """`Folder/Note.md` for `Folder/Note 2.md` (2 to 9); None for other names."""
    folder, _, name = path.rpartition("/")
    match = _NUMBERED.match(name)
    if match is None:
        return None
    original = f"{match.group('stem')}.md"
    return f"{folder}/{original}" if folder else original


def looks_like_a_copy(copy: Note, original: Note) -> bool:
    """Whether two notes are the same note, or two versions of it.

    Two versions of a note edited on two devices keep its properties and headings, and most of
    its links. Two notes made from one template (Obsidian's `Untitled 2`, a second follow-up
    for a recruiter of the same name) differ in a property value or in their links.
    """
    if copy.content_hash == original.content_hash:
        return True
    if copy.unreadable is not None or original.unreadable is not None:
        return False
    if copy.frontmatter != original.frontmatter:
        return False
    if [h.text for h in copy.headings] != [h.text for h in original.headings]:
        return False
    ours = {link.raw for link in copy.links}
    theirs = {link.raw for link in original.links}
    if len(ours | theirs) < 2:
        return False  # too little to tell two versions of one note from two notes
    return len(ours & theirs) >= _SIMILAR * len(ours | theirs)


def in_possible_pair(path: str, notes: Mapping[str, Note]) -> bool:
    """Whether the note at path is a possible conflict copy, or has one beside it."""
    note = notes.get(path)
    if note is None:
        return False
    original = numbered_original(path)
    other = notes.get(original) if original is not None else None
    if other is not None and looks_like_a_copy(note, other):
        return True
    for number in range(2, 10):
        copy = notes.get(f"{path[:-3]} {number}.md")
        if copy is not None and looks_like_a_copy(copy, note):
            return True
    return False


def possible_copies(notes: Mapping[str, Note]) -> dict[str, str]:
    """Possible conflict copy -> the note it is beside, for every such pair in the vault."""
    found: dict[str, str] = {}
    for path, note in notes.items():
        original = numbered_original(path)
        if original is None:
            continue
        other = notes.get(original)
        if other is not None and looks_like_a_copy(note, other):
            found[path] = original
    return found
