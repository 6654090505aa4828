"""A compact, builtin-only form of parsed notes, for worker processes and the cache.

Pickling tens of thousands of small objects dominated a parallel cold audit; `marshal` of
plain tuples is several times faster both ways. Frontmatter holds only YAML's safe types,
which marshal supports, except explicit `!!timestamp` values: `dumps_notes` then falls back
to pickle for that batch.
"""

from __future__ import annotations

import marshal
import pickle
from collections.abc import Sequence
from typing import Any

from vaultpartner.headings import Heading
from vaultpartner.linktext import LinkText
from vaultpartner.note import FrontmatterError, Link, Note, Unreadable

_MARSHAL, _PICKLE = b"M", b"P"
# tuple.__new__ builds a NamedTuple from its field tuple without a Python-level __new__.
_new: Any = tuple.__new__


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


def note_from_wire(wire: Sequence[Any]) -> Note:
    (path, size, digest, bom, newline, has_fm, frontmatter, fm_error, body_start, body_line,
     links, headings, block_ids, aliases, tags, unreadable, confidential) = wire  # fmt: skip
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
        links=tuple(_new(Link, (*link[:3], _new(LinkText, link[3]), *link[4:])) for link in links),
        headings=tuple(_new(Heading, heading) for heading in headings),
        block_ids=frozenset(block_ids),
        aliases=tuple(aliases),
        tags=tuple(tags),
        unreadable=None if unreadable is None else Unreadable(*unreadable),
        confidential=confidential,
    )


def dumps_notes(notes: Sequence[Note]) -> bytes:
    wires = [note_to_wire(note) for note in notes]
    try:
        return _MARSHAL + marshal.dumps(wires)
    except ValueError:  # a value marshal does not know (e.g. a YAML !!timestamp)
        return _PICKLE + pickle.dumps(wires, protocol=pickle.HIGHEST_PROTOCOL)


def loads_notes(data: bytes) -> list[Note]:
    """Inverse of dumps_notes."""
    body = data[1:]
    # Only ever our own bytes, from our own worker processes or cache.
    loader = marshal.loads if data[:1] == _MARSHAL else pickle.loads
    wires = loader(body)
    return [note_from_wire(wire) for wire in wires]
