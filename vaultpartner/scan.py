"""Find links in the inline text of a note, skipping what Obsidian does not index.

The block structure (code blocks, HTML blocks, math blocks) is decided elsewhere; this module
receives the character ranges of inline content (paragraphs, headings, table cells) and finds
wikilinks and Markdown links there, skipping code spans, inline math and backslash escapes, and
marking links inside `%%` comments. Every step jumps with C-level searches, so the time is linear
in the text, also on adversarial input such as a long line of `[[[[`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import NamedTuple

_SPECIAL = re.compile(r"[`$\[\]\\%]")
_BACKTICKS = re.compile(r"`+")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_RAW_DEST = re.compile(r"(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*")
_SPACES = re.compile(r"[ \t]*")


class RawLink(NamedTuple):  # a tuple: a note's scan makes one per link
    """One link occurrence in the source text, by character offsets."""

    kind: str  # "wiki" or "markdown"
    start: int  # includes a leading "!" of an embed
    end: int
    embed: bool
    content_start: int  # wikilink: inside the brackets; Markdown: the destination
    content_end: int
    label_start: int  # Markdown link text; equal to start for wikilinks
    label_end: int
    angle: bool  # Markdown destination written as <...>
    in_comment: bool


@dataclass(slots=True)
class ScanState:
    """What carries from one inline region to the next: the open %% comment."""

    comment_start: int = -1


@dataclass(slots=True)
class ScanResult:
    links: list[RawLink]
    comments: list[tuple[int, int]]


class _Region:
    """Lazily built lookup tables for one region; most regions never need them."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.start, self.end = text, start, end
        self._tick_starts: list[int] | None = None
        self._tick_ends: list[int] = []
        self._tick_by_length: dict[int, list[int]] = {}
        self._dollar_closers: list[int] | None = None
        self._close_memo: tuple[int, int, int] = (-1, -1, -1)  # (from, line_end, found)

    def code_span_end(self, pos: int) -> tuple[int, int]:
        """(length of the backtick run from pos, end of its code span or -1).

        pos may lie inside a run when the run's first backtick was backslash-escaped; the rest
        of the run then opens (CommonMark). The closer is the next whole run of equal length.
        """
        if self._tick_starts is None:
            starts, ends = [], []
            by_length: dict[int, list[int]] = {}
            for m in _BACKTICKS.finditer(self.text, self.start, self.end):
                starts.append(m.start())
                ends.append(m.end())
                by_length.setdefault(m.end() - m.start(), []).append(m.start())
            self._tick_starts, self._tick_ends, self._tick_by_length = starts, ends, by_length
        index = bisect_right(self._tick_starts, pos) - 1
        length = self._tick_ends[index] - pos
        closers = self._tick_by_length.get(length, [])
        found = bisect_right(closers, pos)
        if found >= len(closers):
            return length, -1
        return length, closers[found] + length

    def math_end(self, pos: int) -> int:
        """End of inline math opened by a single '$' at pos, or -1."""
        text = self.text
        if pos + 1 >= self.end or text[pos + 1].isspace():
            return -1
        if self._dollar_closers is None:
            closers = []
            for m in re.finditer(r"\$", text[self.start : self.end]):
                at = self.start + m.start()
                if at == self.start or text[at - 1].isspace() or text[at - 1] == "\\":
                    continue
                if at + 1 < self.end and text[at + 1].isdigit():
                    continue
                closers.append(at)
            self._dollar_closers = closers
        index = bisect_right(self._dollar_closers, pos + 1)
        if index >= len(self._dollar_closers):
            return -1
        return self._dollar_closers[index] + 1

    def wiki_close(self, pos: int) -> int:
        """Position of the first ']]' after pos on the same line, or -1."""
        memo_from, memo_line_end, memo_found = self._close_memo
        if (
            memo_from >= 0
            and memo_from <= pos < memo_line_end
            and (memo_found < 0 or memo_found >= pos)
        ):
            return memo_found
        text = self.text
        line_end = text.find("\n", pos, self.end)
        if line_end < 0:
            line_end = self.end
        found = text.find("]]", pos, line_end)
        self._close_memo = (pos, line_end, found)
        return found


def scan_region(text: str, start: int, end: int, state: ScanState, out: ScanResult) -> None:
    """Append the links found in text[start:end] to out, updating the comment state."""
    match = _SPECIAL.search(text, start, end)
    if match is None:  # most paragraphs of most notes
        return
    region = _Region(text, start, end)
    openers: list[int] = []  # '[' positions that may start a Markdown link
    pos = start
    while match is not None:
        at = match.start()
        char = text[at]
        if char == "\\":
            pos = at + 2 if at + 1 < end and text[at + 1] in _ASCII_PUNCT else at + 1
        elif char == "`":
            length, span_end = region.code_span_end(at)
            pos = span_end if span_end >= 0 else at + length
        elif char == "$":
            pos = _skip_math(text, at, end, region)
        elif char == "%":
            pos = _comment_toggle(text, at, end, state, out)
        elif char == "[":
            pos = _open_bracket(text, at, start, end, region, state, openers, out)
        else:  # "]"
            pos = _close_bracket(text, at, start, end, state, openers, out)
        match = _SPECIAL.search(text, pos, end)


def _skip_math(text: str, at: int, end: int, region: _Region) -> int:
    if text.startswith("$$", at):
        close = text.find("$$", at + 2, end)
        return close + 2 if close >= 0 else at + 2
    math_end = region.math_end(at)
    return math_end if math_end >= 0 else at + 1


def _comment_toggle(text: str, at: int, end: int, state: ScanState, out: ScanResult) -> int:
    if not text.startswith("%%", at) or at + 1 >= end:
        return at + 1
    if state.comment_start < 0:
        state.comment_start = at
    else:
        out.comments.append((state.comment_start, at + 2))
        state.comment_start = -1
    return at + 2


def _is_embed(text: str, at: int, start: int) -> bool:
    return at > start and text[at - 1] == "!" and not (at - 1 > start and text[at - 2] == "\\")


def _open_bracket(
    text: str,
    at: int,
    start: int,
    end: int,
    region: _Region,
    state: ScanState,
    openers: list[int],
    out: ScanResult,
) -> int:
    if text.startswith("[[", at) and at + 2 < end:
        close = region.wiki_close(at + 2)
        if close > at + 2 and text.find("[[", at + 2, close) < 0:
            embed = _is_embed(text, at, start)
            out.links.append(
                RawLink(
                    "wiki",
                    at - 1 if embed else at,
                    close + 2,
                    embed,
                    at + 2,
                    close,
                    at,
                    at,
                    False,
                    state.comment_start >= 0,
                )
            )
            return close + 2
    openers.append(at)
    return at + 1


def _close_bracket(
    text: str,
    at: int,
    start: int,
    end: int,
    state: ScanState,
    openers: list[int],
    out: ScanResult,
) -> int:
    if not openers:
        return at + 1
    opener = openers.pop()
    if at + 1 >= end or text[at + 1] != "(":
        return at + 1
    parsed = _parse_destination(text, at + 2, end)
    if parsed is None:
        return at + 1
    dest_start, dest_end, angle, link_end = parsed
    embed = _is_embed(text, opener, start)
    out.links.append(
        RawLink(
            "markdown",
            opener - 1 if embed else opener,
            link_end,
            embed,
            dest_start,
            dest_end,
            opener + 1,
            at,
            angle,
            state.comment_start >= 0,
        )
    )
    if not embed:
        openers.clear()  # CommonMark: no links inside link text
    return link_end


def _parse_destination(text: str, pos: int, end: int) -> tuple[int, int, bool, int] | None:
    """Parse `dest "title")` after `](`: (dest start, dest end, angle, end of link)."""
    line_end = text.find("\n", pos, end)
    limit = end if line_end < 0 else line_end
    pos = _SPACES.match(text, pos, limit).end()  # type: ignore[union-attr]  # always matches
    if pos < limit and text[pos] == "<":
        close = text.find(">", pos + 1, limit)
        if close < 0 or "<" in text[pos + 1 : close]:
            return None
        dest_start, dest_end, angle, pos = pos + 1, close, True, close + 1
    else:
        match = _RAW_DEST.match(text, pos, limit)
        if match is None:
            return None
        dest_start, dest_end, angle, pos = pos, match.end(), False, match.end()
    after = _SPACES.match(text, pos, limit).end()  # type: ignore[union-attr]
    if after < limit and text[after] in "\"'(" and after > pos:
        closer = ")" if text[after] == "(" else text[after]
        close = after + 1
        while True:
            close = text.find(closer, close, limit)
            if close < 0:
                return None
            if text[close - 1] != "\\":
                break
            close += 1
        after = _SPACES.match(text, close + 1, limit).end()  # type: ignore[union-attr]
    if after >= limit or text[after] != ")":
        return None
    if dest_end == dest_start and not angle:
        return None
    return dest_start, dest_end, angle, after + 1


def finish(state: ScanState, text_end: int, out: ScanResult) -> None:
    """Close a %% comment left open at the end of the note: it runs to the end."""
    if state.comment_start >= 0:
        out.comments.append((state.comment_start, text_end))
        state.comment_start = -1
