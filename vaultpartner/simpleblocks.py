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

_NOT_SIMPLE_TEXT = ("```", "~~~", "$$", "\r")  # fences, math blocks, CR line breaks
# Line starts that need the full parser. Searched as "\n" + body: a pattern that starts with
# a literal newline lets the regex engine jump between lines instead of trying every position.
_NOT_SIMPLE_LINE = re.compile(
    r"\n(?:"
    r"(?:[ ]*>)*[ ]*<[A-Za-z/!?]"  # HTML blocks
    r"|(?:[ ]*>)*(?:[ ]{4}|[ ]*\t)"  # indented code, or indentation we do not model
    r"|(?:[ ]*>)*[ ]{0,3}(?:=+|-+)[ \t]*(?:\n|$)"  # setext underlines and --- rules
    r"|(?:[ ]*>)*[ ]{0,3}\[[^\]^\n][^\]\n]*\]:"  # link reference definitions
    r"|[ ]{1,3}#"  # indented ATX headings (maybe inside a list item)
    r"|(?=[^\n]*-)(?=[^\n]*\|)[ >|:\t-]+(?:\n|$)"  # a table's delimiter row
    # a list item or quote that opens another block on the same line ("- # H", "> - x")
    r"|(?:[ ]*>)*[ ]*(?:[-+*]|\d{1,9}[.)])[ \t]+(?:[#>]|[-+*][ \t]|\d{1,9}[.)][ \t])"
    r"|[ ]*>[ >]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|\n|$)"
    r")"
)


def _needs_full_parser(body: str) -> bool:
    return any(marker in body for marker in _NOT_SIMPLE_TEXT) or bool(
        _NOT_SIMPLE_LINE.search("\n" + body)
    )


_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"[ ]*(?:[-+*]|(\d{1,9})[.)])(?:[ \t]|$)")


def simple_inline_blocks(body: str) -> list[InlineBlock] | None:
    """The inline blocks of a plain note, or None when markdown-it must decide."""
    if _needs_full_parser(body):
        return None
    blocks: list[InlineBlock] = []
    lines = body.split("\n")
    start = -1
    block_depth = 0  # blockquote depth of the paragraph being read
    in_list = False  # the text so far belongs to a list, where any item starts a new one

    def close(end: int) -> None:
        nonlocal start
        if start >= 0:
            blocks.append(InlineBlock(start, end, 0, "\n".join(lines[start:end])))
            start = -1

    for number, line in enumerate(lines):
        first = line[:1]
        if first and first not in _SPECIAL_STARTS and not first.isspace():
            # Most lines are plain text: no quote, heading or list marker to look for.
            if start < 0:
                start, block_depth, in_list = number, 0, False
            continue
        depth, content = _unquote(line)
        quoted = depth > 0
        if not content.strip():  # a blank line, also inside a quote, ends a paragraph
            close(number)
            continue
        heading = _HEADING.match(content) if content.startswith("#") else None
        if heading is not None:  # an ATX heading is a block of its own
            close(number)
            level = 0 if quoted else len(heading.group(1))
            blocks.append(InlineBlock(number, number + 1, level, (heading.group(2) or "").strip()))
            continue
        item = _LIST_ITEM.match(content)
        if item is not None and not content[item.end() :].strip():
            close(number)  # an empty list item holds no text and ends the paragraph
            in_list = True
            continue
        if start >= 0 and (_interrupts(item, in_list or block_depth > 0) or depth > block_depth):
            close(number)  # list items and quotes interrupt a paragraph
        if start < 0:
            start, block_depth = number, depth
            if item is not None:
                in_list = True
            elif not line.startswith(" "):
                in_list = False
    close(len(lines))
    return blocks


def _interrupts(item: re.Match[str] | None, any_number: bool) -> bool:
    """CommonMark: a root paragraph is interrupted only by a bullet or an item numbered 1;
    inside a list or a blockquote (markdown-it) any item ends it."""
    if item is None:
        return False
    number = item.group(1)
    return number is None or number == "1" or any_number


# A line that starts with none of these (nor with whitespace) is plain paragraph text.
_SPECIAL_STARTS = frozenset("#>-*+0123456789")
_QUOTE_MARKERS = re.compile(r"(?:[ ]{0,3}>[ ]?)+")


def _unquote(line: str) -> tuple[int, str]:
    """(blockquote depth of the line, its text without the quote markers)."""
    markers = _QUOTE_MARKERS.match(line)
    if markers is None:
        return 0, line
    return markers.group().count(">"), line[markers.end() :]
