"""Line arithmetic, the generated hub block, related-topics sections and reader sorting. Pure.

The block is two Obsidian comments, each alone on its line:

    %% vaultpartner:begin hub %%
    - [[Member]]
    %% vaultpartner:end hub %%

Only the text between the two marker lines is ever replaced. Every line in there must be a
list line exactly as vaultpartner writes it (`- [[path]]`, or `- [label](path.md)` for a name a
wikilink cannot carry) or blank; anything else is the user's and stops the update.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from vaultpartner.edits import Edit
from vaultpartner.headings import strip_heading
from vaultpartner.note import Link, Note
from vaultpartner.suggest import fold

BEGIN = "%% vaultpartner:begin hub %%"
END = "%% vaultpartner:end hub %%"
_MARKER = re.compile(r"%%[ \t]*vaultpartner:(begin|end)[ \t]+hub[ \t]*%%")
_BREAK = re.compile(r"\r\n|\r|\n")
_OUR_LINE = re.compile(r"- (?:\[\[[^\[\]|#^\r\n]+\]\]|\[(?:\\.|[^\[\]\\\r\n])*\]\(\S+\))[ \t]*")
_LIST_START = re.compile(r"[ \t]*[-*+][ \t]+(?:\[[ xX]\][ \t]+)?")


def reader_key(name: str) -> tuple[str, str, str]:
    """How a Russian or English reader sorts names: case-insensitive, ё beside е, accents
    ignored; ties broken by lower case, then exactly, so the order is deterministic."""
    return (fold(name), name.lower(), name)


class Lines:
    """Offsets of line starts in a text (the line breaks Obsidian and note.py use)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def start(self, line: int) -> int:
        """Offset of 1-based line; the text length past the end."""
        return self.starts[line - 1] if line - 1 < len(self.starts) else len(self.text)

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def count(self) -> int:
        return len(self.starts)

    def content(self, line: int) -> str:
        """Line text without its line break."""
        start, end = self.start(line), self.start(line + 1)
        return _BREAK.sub("", self.text[start:end], count=1) if end > start else ""


def newline_of(note: Note, text: str) -> str:
    if note.newline in ("\n", "\r\n", "\r"):
        return note.newline
    found = _BREAK.search(text)
    return found.group(0) if found else "\n"


# --- the generated block -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block:
    inner_start: int
    inner_end: int
    begin_line: int  # 1-based line of the begin marker
    end_line: int  # 1-based line of the end marker
    newline: str


@dataclass(frozen=True, slots=True)
class Damage:
    key: str  # message key: hub-block-missing-marker | -nested | -duplicated | -order | -inline
    line: int


def find_block(text: str) -> Block | Damage | None:
    """The hub block of a note, None when there is none, or why the markers are unusable."""
    lines = Lines(text)
    found: list[tuple[str, int]] = []
    for match in _MARKER.finditer(text):
        line = lines.line_of(match.start())
        start, end = lines.start(line), lines.start(line + 1)
        alone = (
            not text[start : match.start()].strip()
            and not _BREAK.sub("", text[match.end() : end]).strip()
        )
        if not alone:
            return Damage("hub-block-inline", line)
        found.append((match.group(1), line))
    if not found:
        return None
    kinds = [kind for kind, _ in found]
    if "begin" not in kinds or "end" not in kinds:
        return Damage("hub-block-missing-marker", found[0][1])
    depth = 0
    for kind, line in found:
        depth += 1 if kind == "begin" else -1
        if depth > 1:
            return Damage("hub-block-nested", line)
        if depth < 0:
            return Damage("hub-block-order", line)
    if len(found) != 2:
        return Damage("hub-block-duplicated", found[2][1])
    (_, begin), (_, end) = found
    inner_start = lines.start(begin + 1)
    newline = text[lines.start(begin) : inner_start]
    newline = newline[len(newline.rstrip("\r\n")) :] or "\n"
    return Block(inner_start, lines.start(end), begin, end, newline)


def foreign_line(text: str, block: Block) -> int | None:
    """The first line inside the block that vaultpartner did not write (1-based), or None."""
    inner = text[block.inner_start : block.inner_end]
    for number, line in enumerate(_BREAK.split(inner)):
        if line.strip() and not _OUR_LINE.fullmatch(line):
            return block.begin_line + 1 + number
    return None


def block_lines(links: Iterable[str], newline: str) -> str:
    return "".join(f"- {link}{newline}" for link in links)


# --- related-topics sections ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    heading_line: int  # 1-based
    end_line: int  # 1-based, exclusive: the next heading of the same or a higher level


@lru_cache(maxsize=8192)
def _heading_key(text: str) -> str:
    """Heading texts repeat across a vault ("Links", "Ссылки"): fold each only once."""
    return fold(strip_heading(text))


@lru_cache(maxsize=64)
def _wanted(headings: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_heading_key(name) for name in headings)


def related_section(
    note: Note, headings: Sequence[str], *, line_count: int = 1 << 30
) -> Section | None:
    """The first heading named like one of `headings` (compared as Obsidian compares
    heading links, case-insensitively, ё as е) and the lines under it."""
    wanted = _wanted(tuple(headings))
    for position, heading in enumerate(note.headings):
        if _heading_key(heading.text) in wanted:
            end = line_count + 1
            for later in note.headings[position + 1 :]:
                if later.level <= heading.level:
                    end = later.line
                    break
            return Section(heading.line, end)
    return None


def section_links(note: Note, section: Section) -> list[Link]:
    """Body links under the section heading (links in %% comments do not count)."""
    return [
        link
        for link in note.links
        if link.place == "body"
        and not link.in_comment
        and section.heading_line < link.line < section.end_line
    ]


def insert_in_section(
    text: str, lines: Lines, section: Section, items: Sequence[str], newline: str
) -> Edit:
    """List lines added after the last non-blank line of the section."""
    last = section.heading_line
    for line in range(section.heading_line + 1, min(section.end_line, lines.count() + 1)):
        if lines.content(line).strip():
            last = line
    at = lines.start(last + 1)
    body = "".join(f"- {item}" + newline for item in items)
    if at == len(text) and not text.endswith(("\n", "\r")):
        body = newline + body[: -len(newline)]
    return Edit(at, at, "", body)


def _ends_with_blank_line(text: str) -> bool:
    if not text.endswith(("\n", "\r")):
        return False
    body = text[:-2] if text.endswith("\r\n") else text[:-1]
    return not _BREAK.split(body)[-1].strip()


def tail_edit(text: str, chunks: Sequence[Sequence[str]], newline: str) -> Edit:
    """Chunks of lines appended at the end of the note, each after a blank line."""
    pieces: list[str] = []
    if text and not text.endswith(("\n", "\r")):
        pieces.append(newline)
    blank_before = bool(text) and not _ends_with_blank_line(text)
    for chunk in chunks:
        if blank_before:
            pieces.append(newline)
        pieces.extend(line + newline for line in chunk)
        blank_before = True
    return Edit(len(text), len(text), "", "".join(pieces))


def removal_edit(text: str, lines: Lines, link: Link, others: Sequence[Link]) -> Edit | None:
    """Remove the list line that holds `link`; None unless the line is `- link ...` with no
    other link on it (then the user removes it by hand)."""
    line = link.line
    start, end = lines.start(line), lines.start(line + 1)
    lead = _LIST_START.match(text, start)
    if lead is None or lead.end() != link.start:
        return None
    if any(other.line == line and other.start != link.start for other in others):
        return None
    if end == len(text) and not text.endswith(("\n", "\r")) and start > 0:
        previous = lines.start(line - 1)
        cut = previous + len(lines.content(line - 1))
        return Edit(cut, end, text[cut:end], "")
    return Edit(start, end, text[start:end], "")
