"""A compact, builtin-only form of parsed notes, for worker processes and the cache.

Pickling tens of thousands of small objects dominated a parallel cold audit; `marshal` of
plain tuples is several times faster both ways. A note's links travel as the blob of its
`LinkList`, so they are not decoded on the way. Frontmatter holds only YAML's safe types,
which marshal supports, except explicit `!!timestamp` values: `dumps_each` then falls back
to pickle for that note.
"""

from __future__ import annotations

import marshal
import pickle
from collections.abc import Sequence
from functools import partial
from typing import Any

from vaultpartner.headings import Heading
from vaultpartner.note import (
    EMPTY_LINKS,
    NO_BLOCK_IDS,
    FrontmatterError,
    Link,
    LinkList,
    Note,
    Unreadable,
)

_MARSHAL, _PICKLE = b"M", b"P"
# tuple.__new__ builds a NamedTuple from its field tuple without a Python-level __new__.
_as_heading: Any = partial(tuple.__new__, Heading)


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
        _links_wire(note.links),
        tuple(tuple(heading) for heading in note.headings),
        note.block_ids,
        note.aliases,
        note.tags,
        None if note.unreadable is None else (note.unreadable.message, note.unreadable.offset),
        note.confidential,
    )


def _links_wire(links: Sequence[Link]) -> tuple[int, bytes]:
    compact = LinkList.of(links)
    return len(compact), compact.data


def note_from_wire(wire: Sequence[Any]) -> Note:
    (path, size, digest, bom, newline, has_fm, frontmatter, fm_error, body_start, body_line,
     (count, links), headings, block_ids, aliases, tags, unreadable, confidential) = wire  # fmt: skip
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
        links=LinkList(links, count) if count else EMPTY_LINKS,
        headings=tuple(map(_as_heading, headings)) if headings else (),
        block_ids=frozenset(block_ids) if block_ids else NO_BLOCK_IDS,
        aliases=aliases if type(aliases) is tuple else tuple(aliases),
        tags=tags if type(tags) is tuple else tuple(tags),
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


def loads_each(data: bytes) -> list[tuple[Note, bytes | None]]:
    """Inverse of dumps_each: each note with its marshal blob (None when it has none)."""
    # Only ever bytes our own worker processes made.
    found: list[tuple[Note, bytes | None]] = []
    for blob, pickled in marshal.loads(data):  # noqa: S302
        if blob is not None:
            found.append((note_from_wire(marshal.loads(blob)), blob))  # noqa: S302
        else:
            found.append((note_from_wire(pickle.loads(pickled)), None))  # noqa: S301
    return found
