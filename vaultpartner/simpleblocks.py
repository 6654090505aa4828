"""A fast path for the block structure of plain notes: prose, lists, quotes, ATX headings,
and fenced code blocks that start at the margin.

Most notes have no indented code, HTML, math blocks, setext headings or deep indentation. For
those, the inline-content blocks markdown-it would report can be read off the lines directly,
which is several times faster. Anything that is not plainly such a note returns None and goes
through markdown-it; tests/test_simpleblocks.py checks that both give the same links,
headings and block ids.
"""

from __future__ import annotations

import re

from vaultpartner.blocks import InlineBlock

_NOT_SIMPLE_TEXT = ("$$", "\r")  # math blocks, CR line breaks
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


# An opening fence at the margin: backticks (an info string without backticks) or tildes.
_FENCE_OPEN = re.compile(r"(`{3,})[^`]*$|(~{3,}).*$")


def _code_lines(lines: list[str]) -> set[int] | None:
    """Line numbers inside fenced code blocks (fences included), when every fence is one we
    model: it starts at the margin, and so does its closing fence. None otherwise."""
    code: set[int] = set()
    fence: str | None = None  # the opening fence's run of backticks or tildes
    for number, line in enumerate(lines):
        if fence is not None:
            code.add(number)
            bare = line.rstrip(" \t")
            if bare.startswith(fence) and bare == fence[0] * len(bare):
                fence = None  # closed (a longer run closes too)
            elif line.startswith(" ") and line.lstrip(" ").startswith(fence[0] * 3):
                return None  # maybe an indented closing fence
            continue
        if "```" in line or "~~~" in line:
            opening = _FENCE_OPEN.match(line)
            if opening is None:
                return None  # a fence marker elsewhere (indented, quoted, inline code)
            fence = opening.group(1) or opening.group(2)
            code.add(number)
    return code


_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"[ ]*(?:[-+*]|(\d{1,9})[.)])(?:[ \t]|$)")


def _simple_code_lines(body: str, lines: list[str]) -> set[int] | None:
    """The lines of fenced code blocks (none: an empty set), or None when the note is not
    plain enough for this fast path."""
    if "```" not in body and "~~~" not in body:
        return None if _needs_full_parser(body) else set()
    code = _code_lines(lines)
    if code is None:
        return None
    # What code blocks hold never sends a note to markdown-it: only the rest is checked.
    rest = "\n".join("" if number in code else line for number, line in enumerate(lines))
    return None if _needs_full_parser(rest) else code


def simple_inline_blocks(body: str) -> list[InlineBlock] | None:
    """The inline blocks of a plain note, or None when markdown-it must decide."""
    lines = body.split("\n")
    code = _simple_code_lines(body, lines)
    if code is None:
        return None
    # A fence at the margin ends every paragraph, list and quote: the text between code
    # blocks is read piece by piece, each from a fresh start.
    blocks: list[InlineBlock] = []
    first = 0
    for number in sorted(code):
        if number > first:
            blocks.extend(_plain_blocks(lines, first, number))
        first = number + 1
    if first < len(lines):
        blocks.extend(_plain_blocks(lines, first, len(lines)))
    return blocks


def _plain_blocks(lines: list[str], first_line: int, end_line: int) -> list[InlineBlock]:
    """The inline blocks of lines[first_line:end_line], text without code blocks."""
    blocks: list[InlineBlock] = []
    start = -1
    block_depth = 0  # blockquote depth of the paragraph being read
    in_list = False  # the text so far belongs to a list, where any item starts a new one

    def close(end: int) -> None:
        nonlocal start
        if start >= 0:
            blocks.append(InlineBlock(start, end, 0, "\n".join(lines[start:end])))
            start = -1

    for number in range(first_line, end_line):
        line = lines[number]
        if not line:  # an empty line ends a paragraph
            close(number)
            continue
        first = line[0]
        if first not in _SPECIAL_STARTS and not first.isspace():
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
    close(end_line)
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
