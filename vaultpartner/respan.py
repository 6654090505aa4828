"""A note after link rewrites, derived from the note before them instead of parsed again.

`mv` rewrites hundreds of notes and then needs them parsed for its snapshot and for the note
cache. When every edit replaces a whole body link (not on a heading line, no line break, a
link that reads the same on its own as in its note), only that link's text and the offsets
after it change; everything else of the parse stays as it was. Whatever does not fit those
conditions gets None, and the caller parses the note in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from vaultpartner.digest import content_hash
from vaultpartner.edits import Edit, decode_note, encode_note
from vaultpartner.linktext import LinkText
from vaultpartner.note import Link, Note, parse_note


def edited_note(note: Note, edits: Sequence[Edit], data: bytes) -> Note | None:
    """`note` as it reads from `data`, which must be its bytes with `edits` applied (checked:
    undoing the edits gives the bytes the note was parsed from); None when unsure."""
    if note.unreadable is not None or note.frontmatter_error is not None or not edits:
        return None
    ordered = sorted(edits, key=lambda edit: edit.start)
    by_start = {link.start: link for link in note.links}
    heading_lines = {heading.line for heading in note.headings}
    replaced: dict[int, Link] = {}
    for edit in ordered:
        link = by_start.get(edit.start)
        if (
            link is None
            or link.end != edit.end
            or link.raw != edit.old
            or link.place != "body"
            or link.line in heading_lines
            or any(mark in edit.new for mark in ("\n", "\r"))
            or _alone(link.raw, link) != link.text
        ):
            return None
        text = _alone(edit.new, link)
        if text is None:
            return None
        replaced[edit.start] = link._replace(text=text, raw=edit.new)
    if not _undoes_to(note, ordered, data):
        return None
    moved: dict[int, Link] = {}
    shift = 0  # characters added before the current link
    line_shift: dict[int, int] = {}  # per line: characters added before the current link
    for link in sorted(note.links, key=lambda item: item.start):
        new = replaced.get(link.start, link)
        start = link.start + shift
        column = link.column + line_shift.get(link.line, 0)
        moved[link.start] = new._replace(start=start, end=start + len(new.raw), column=column)
        if link.start in replaced:
            delta = len(new.raw) - len(link.raw)
            shift += delta
            line_shift[link.line] = line_shift.get(link.line, 0) + delta
    return Note(
        path=note.path,
        size=len(data),
        content_hash=content_hash(data),
        bom=note.bom,
        newline=note.newline,
        has_frontmatter=note.has_frontmatter,
        frontmatter=note.frontmatter,
        frontmatter_error=note.frontmatter_error,
        body_start=note.body_start,
        body_line=note.body_line,
        links=tuple(moved[link.start] for link in note.links),
        headings=note.headings,
        block_ids=note.block_ids,
        aliases=note.aliases,
        tags=note.tags,
        unreadable=None,
        confidential=note.confidential,
    )


def _alone(raw: str, like: Link) -> LinkText | None:
    """The link text `raw` has when it is all a note says; None unless that is one link of the
    same kind spanning it all."""
    return _alone_as(raw, like.syntax, like.embed)


@cache  # a rename writes the same few link texts into hundreds of notes
def _alone_as(raw: str, syntax: str, embed: bool) -> LinkText | None:
    parsed = parse_note("x.md", raw.encode("utf-8")).links
    if len(parsed) != 1:
        return None
    (only,) = parsed
    if (only.start, only.end, only.syntax, only.embed) != (0, len(raw), syntax, embed):
        return None
    return only.text


def _undoes_to(note: Note, ordered: Sequence[Edit], data: bytes) -> bool:
    """Whether `data` with the edits taken back has the hash the note was parsed from."""
    try:
        text, bom = decode_note(data)
    except UnicodeDecodeError:
        return False
    pieces: list[str] = []
    at = 0
    shift = 0
    for edit in ordered:
        start = edit.start + shift
        end = start + len(edit.new)
        if text[start:end] != edit.new:
            return False
        pieces += [text[at:start], edit.old]
        at = end
        shift += len(edit.new) - len(edit.old)
    pieces.append(text[at:])
    return content_hash(encode_note("".join(pieces), bom)) == note.content_hash
