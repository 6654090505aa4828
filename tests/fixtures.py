"""A small reader for markdown-it style fixture files: one case per title, readable diffs.

    title line (one or more lines)
    .
    input
    .
    expected
    .

Blank lines and `//` comment lines between cases are ignored. Inside input and expected,
`{U+XXXX}` stands for that code point (combining marks, no-break spaces and the like are
invisible otherwise); `render_escapes` writes them back for the same readability in diffs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_ESCAPE = re.compile(r"\{U\+([0-9A-Fa-f]{4,6})\}")
_VISIBLE_CATEGORIES = ("L", "N", "P", "S")


@dataclass(frozen=True, slots=True)
class FixtureCase:
    title: str
    line: int  # 1-based line of the title in the fixture file
    input: str
    expected: str


def unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def render_escapes(text: str) -> str:
    """Show invisible and combining characters as {U+XXXX}; keep ordinary text as it is."""
    out = []
    for char in text:
        if char in " \n" or unicodedata.category(char)[0] in _VISIBLE_CATEGORIES:
            out.append(char)
        else:
            out.append(f"{{U+{ord(char):04X}}}")
    return "".join(out)


def read_fixture_file(path: str | Path) -> list[FixtureCase]:
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    cases: list[FixtureCase] = []
    index = 0
    while index < len(lines):
        if not lines[index].strip() or lines[index].startswith("//"):
            index += 1
            continue
        title_line = index
        title: list[str] = []
        while index < len(lines) and lines[index] != ".":
            title.append(lines[index])
            index += 1
        sections: list[list[str]] = []
        for _ in range(2):
            index += 1  # past the "." that opens the section
            section: list[str] = []
            while index < len(lines) and lines[index] != ".":
                section.append(lines[index])
                index += 1
            if index >= len(lines):
                raise ValueError(f"{path}:{title_line + 1}: case {title[0]!r} is not closed")
            sections.append(section)
        index += 1
        cases.append(
            FixtureCase(
                title=" ".join(part.strip() for part in title),
                line=title_line + 1,
                input="\n".join(sections[0]),
                expected="\n".join(sections[1]),
            )
        )
    return cases
