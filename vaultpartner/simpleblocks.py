"""A fast path for the block structure of plain notes: prose, lists, quotes, ATX headings.

Most notes have no code blocks, HTML, math blocks, setext headings or deep indentation. For
those, the inline-content blocks markdown-it would report can be read off the lines directly,
which is several times faster. Anything that is not plainly such a note returns None and goes
through markdown-it; tests/test_simpleblocks.py checks that both give the same links,
headings and block ids.
"""

from __future__ import annotations

import re

from vaultpartner.blocks import InlineBlock

_NOT_SIMPLE = re.compile(
    r"```|~~~|\$\$"  # fences, math blocks
    r"|^(?:[ ]*>)*[ ]*<[A-Za-z/!?]"  # HTML blocks
    r"|^(?:[ ]*>)*(?:[ ]{4}|[ ]*\t)"  # indented code, or indentation we do not model
    r"|^(?:[ ]*>)*[ ]{0,3}(?:=+|-+)[ \t]*$"  # setext underlines and --- rules
    r"|^(?:[ ]*>)*[ ]{0,3}\[[^\]^\n][^\]\n]*\]:"  # link reference definitions
    r"|^[ ]{1,3}#"  # indented ATX headings (maybe inside a list item)
    r"|^(?=[^\n]*-)(?=[^\n]*\|)[ >|:\t-]+$"  # a table's delimiter row
    r"|\r",  # lone or CRLF line breaks: leave them to the general parser
    re.MULTILINE,
)
_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"[ ]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")


def simple_inline_blocks(body: str) -> list[InlineBlock] | None:
    """The inline blocks of a plain note, or None when markdown-it must decide."""
    if _NOT_SIMPLE.search(body):
        return None
    blocks: list[InlineBlock] = []
    lines = body.split("\n")
    start = -1
    for number, line in enumerate(lines):
        if not line.strip():
            if start >= 0:
                blocks.append(_block(lines, start, number))
                start = -1
            continue
        heading = _HEADING.match(line) if line.startswith("#") else None
        if heading is not None:
            if start >= 0:
                blocks.append(_block(lines, start, number))
                start = -1
            text = (heading.group(2) or "").strip()
            blocks.append(InlineBlock(number, number + 1, len(heading.group(1)), text))
            continue
        if start >= 0 and _starts_block(line, lines[number - 1]):
            blocks.append(_block(lines, start, number))
            start = -1
        if start < 0:
            start = number
    if start >= 0:
        blocks.append(_block(lines, start, len(lines)))
    return blocks


def _starts_block(line: str, previous: str) -> bool:
    """Whether line begins a new block rather than continuing the previous line's paragraph."""
    if _LIST_ITEM.match(line):
        return True
    quoted = line.lstrip().startswith(">")
    return quoted != previous.lstrip().startswith(">")


def _block(lines: list[str], start: int, end: int) -> InlineBlock:
    return InlineBlock(start, end, 0, "\n".join(lines[start:end]))
