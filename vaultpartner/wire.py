"""A compact, builtin-only form of parsed notes, for worker processes and the cache.

Pickling tens of thousands of small objects dominated a parallel cold audit; `marshal` of
plain tuples is several times faster both ways. Frontmatter holds only YAML's safe types,
which marshal supports, except explicit `!!timestamp` values: `dumps_each` then falls back
to pickle for that note.
"""

from __future__ import annotations

import marshal
import pickle
import sys
from collections.abc import Sequence
from typing import Any

from vaultpartner.headings import Heading
from vaultpartner.linktext import LinkText
from vaultpartner.note import FrontmatterError, Link, Note, Unreadable

_MARSHAL, _PICKLE = b"M", b"P"
# tuple.__new__ builds a NamedTuple from its field tuple without a Python-level __new__.
_new: Any = tuple.__new__


class Shared:
    """Equal link texts decoded once per load, then shared by every link that has them.

    A vault has many more links than distinct targets (ten times more in the benchmark
    vaults); each copy would cost its own tuple and strings, for the whole run.
    """

    __slots__ = ("texts",)

    def __init__(self) -> None:
        self.texts: dict[tuple[str, str, str | None], LinkText] = {}

    def text(self, fields: tuple[str, str, str | None]) -> LinkText:
        found = self.texts.get(fields)
        if found is None:
            found = self.texts[fields] = _new(LinkText, fields)
        return found


def note_to_wire(note: Note) -> tuple[Any, ...]:
    return (
        note.path,
        note.size,
        note.content_hash,
        note.bom,
        note.newline,
        note.has_frontmatter,
        note.frontmatter,
        None
        if note.frontmatter_error is None
        else (note.frontmatter_error.message, note.frontmatter_error.line),
        note.body_start,
        note.body_line,
        tuple((*link[:3], tuple(link.text), *link[4:]) for link in note.links),
        tuple(tuple(heading) for heading in note.headings),
        note.block_ids,
        note.aliases,
        note.tags,
        None if note.unreadable is None else (note.unreadable.message, note.unreadable.offset),
        note.confidential,
    )


def note_from_wire(wire: Sequence[Any], shared: Shared | None = None) -> Note:
    (path, size, digest, bom, newline, has_fm, frontmatter, fm_error, body_start, body_line,
     links, headings, block_ids, aliases, tags, unreadable, confidential) = wire  # fmt: skip
    if shared is None:
        decoded = tuple(
            _new(Link, (*link[:3], _new(LinkText, link[3]), *link[4:])) for link in links
        )
    else:
        text, intern = shared.text, sys.intern
        decoded = tuple(
            _new(Link, (*link[:3], text(link[3]), *link[4:8], intern(link[8]), *link[9:]))
            for link in links
        )
    return Note(
        path=path,
        size=size,
        content_hash=digest,
        bom=bom,
        newline=newline,
        has_frontmatter=has_fm,
        frontmatter=frontmatter,
        frontmatter_error=None if fm_error is None else FrontmatterError(*fm_error),
        body_start=body_start,
        body_line=body_line,
        links=decoded,
        headings=tuple(_new(Heading, heading) for heading in headings),
        block_ids=frozenset(block_ids),
        aliases=tuple(aliases),
        tags=tuple(tags),
        unreadable=None if unreadable is None else Unreadable(*unreadable),
        confidential=confidential,
    )


def dumps_each(notes: Sequence[Note]) -> bytes:
    """Notes as a list of (marshal blob or None, pickle blob or None), one per note: the main
    process hands each marshal blob to the note cache as it is, without encoding it again."""
    items: list[tuple[bytes | None, bytes | None]] = []
    for note in notes:
        wire = note_to_wire(note)
        try:
            items.append((marshal.dumps(wire), None))
        except ValueError:  # a value marshal does not know (e.g. a YAML !!timestamp)
            items.append((None, pickle.dumps(wire, protocol=pickle.HIGHEST_PROTOCOL)))
    return marshal.dumps(items)


def loads_each(data: bytes, shared: Shared | None = None) -> list[tuple[Note, bytes | None]]:
    """Inverse of dumps_each: each note with its marshal blob (None when it has none)."""
    # Only ever bytes our own worker processes made.
    found: list[tuple[Note, bytes | None]] = []
    for blob, pickled in marshal.loads(data):  # noqa: S302
        if blob is not None:
            found.append((note_from_wire(marshal.loads(blob), shared), blob))  # noqa: S302
        else:
            found.append((note_from_wire(pickle.loads(pickled), shared), None))  # noqa: S301
    return found
