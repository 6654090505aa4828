"""What counts as a link, a heading and a block id in one note (tests/data/parse_cases.txt).

Input: the note text (`{U+XXXX}` escapes; a title containing `[crlf]` turns every line break
into CRLF). Expected: the frontmatter status, one line per link, then headings and block ids.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures import FixtureCase, read_fixture_file, render_escapes, unescape

from vaultpartner.note import Link, Note, parse_note

CASES = read_fixture_file(Path(__file__).parent / "data" / "parse_cases.txt")


def note_text(case: FixtureCase) -> str:
    text = unescape(case.input)
    return text.replace("\n", "\r\n") if "[crlf]" in case.title else text


def render_link(link: Link) -> str:
    head = f"{link.line}:{link.column}"
    if link.place == "frontmatter":
        head += f" fm:{link.key}"
    flags = [link.syntax]
    if link.embed:
        flags.append("embed")
    if link.in_comment:
        flags.append("in-comment")
    if not link.editable:
        flags.append("not-editable")
    meaning = f'"{link.text.linkpath}"'
    if link.text.subpath:
        meaning += f' "{link.text.subpath}"'
    if link.text.display is not None:
        meaning += f' | "{link.text.display}"'
    return f"{head} {' '.join(flags)} {link.raw} => {meaning}"


def render_note(note: Note) -> str:
    if not note.has_frontmatter:
        status = "none"
    elif note.frontmatter_error is None:
        status = "ok"
    else:
        error = note.frontmatter_error
        status = f"invalid (line {error.line}: {error.message})"
    lines = [f"frontmatter: {status}"]
    lines += [render_link(link) for link in note.links]
    lines += [f'heading {h.line} h{h.level} "{h.text}"' for h in note.headings]
    if note.block_ids:
        lines.append("blocks: " + " ".join(sorted(note.block_ids)))
    return render_escapes("\n".join(lines))


@pytest.mark.parametrize("case", CASES, ids=[case.title for case in CASES])
def test_parse_case(case: FixtureCase) -> None:
    text = note_text(case)
    note = parse_note("Note.md", text.encode("utf-8"))
    assert note.unreadable is None
    body = text.removeprefix("\ufeff")
    for link in note.links:
        if link.place == "body" or link.editable:
            assert body[link.start : link.end] == link.raw
    assert render_note(note) == case.expected
