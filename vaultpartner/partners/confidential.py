"""Confidentiality: what a recruiter told you in confidence never leaves the note it is in.

Syntax (three ways to mark text as confidential):

1. A whole note: the property `confidential: true`. Every line of its body is confidential.
   Any value other than absent, empty, `false` / `no` / `off` / `0` counts as confidential
   (a mistyped value fails safe; the schema check reports it).
2. A callout block: a line starting with `> [!confidential]` (any letter case, optional `+`/`-`
   fold marker and title) and every following line that starts with `>`::

       > [!confidential] Вилка
       > 350–400 тысяч, клиент — Контур, вакансия не опубликована

3. An inline or multi-line span between `%%confidential%%` and `%%/confidential%%` (Obsidian
   comments, so the markers are invisible in reading view). Every line from the opening marker
   to the closing one is confidential; an unclosed span runs to the end of the note.

Generated notes skip confidential content (`Interaction.summary` and `Commitment.text` are ""),
and the audit reports `confidential-leak` when a line of at least 20 characters of confidential
text (NFC, case-folded, whitespace collapsed, list/quote markers stripped) appears in another
note. Only sha256 fingerprints of such lines are kept, never the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from vaultpartner.partners.model import PartnerProblem
from vaultpartner.yamlfm import find_frontmatter, parse_yaml

MIN_LEAK_CHARS = 20
_CALLOUT = re.compile(r"^[ \t]*>[ \t]*\[!confidential\][+-]?", re.IGNORECASE)
_QUOTED = re.compile(r"^[ \t]*>")
_OPEN = re.compile(r"%%[ \t]*confidential[ \t]*%%", re.IGNORECASE)
_CLOSE = re.compile(r"%%[ \t]*/[ \t]*confidential[ \t]*%%", re.IGNORECASE)
_MARKERS = re.compile(r"%%[ \t]*/?[ \t]*confidential[ \t]*%%|\[!confidential\][+-]?", re.IGNORECASE)
_LEADER = re.compile(r"^(?:>\s*|[-*+]\s+|\d{1,9}[.)]\s+|\[.\]\s+)+")
_SPACES = re.compile(r"\s+")
_LINES = re.compile(r"\r\n|\r|\n")
_FALSE = frozenset({"", "false", "no", "off", "0"})
_WORD = re.compile("confidential", re.IGNORECASE)


def frontmatter_confidential(frontmatter: Mapping[str, Any] | None) -> bool:
    """Whether the note's `confidential` property marks the whole note (fails safe)."""
    if not frontmatter or "confidential" not in frontmatter:
        return False
    value = frontmatter["confidential"]
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE
    return not (isinstance(value, int | float) and value == 0)


def split_lines(text: str) -> list[str]:
    """The note's lines without their line breaks (the same breaks the note parser uses)."""
    return _LINES.split(text)


def body_first_line(text: str) -> int:
    """0-based index of the first body line."""
    block = find_frontmatter(text)
    return 0 if block is None else len(_LINES.findall(text, 0, block.body_start))


def _frontmatter_of(text: str) -> dict[str, Any] | None:
    block = find_frontmatter(text)
    return None if block is None else parse_yaml(text, block).data


def confidential_line_numbers(
    text: str, frontmatter: Mapping[str, Any] | None = None
) -> frozenset[int]:
    """1-based numbers of the note's confidential lines (frontmatter as parsed by the caller)."""
    whole = frontmatter_confidential(frontmatter)
    if not whole and _WORD.search(text) is None:
        return frozenset()  # both markers spell the word: most notes are answered here
    lines = split_lines(text)
    first = body_first_line(text)
    if whole:
        return frozenset(range(first + 1, len(lines) + 1))
    found: set[int] = set()
    in_callout = in_span = False
    for index in range(first, len(lines)):
        line = lines[index]
        if in_callout and not _QUOTED.match(line):
            in_callout = False
        if _CALLOUT.match(line):
            in_callout = True
        marked = in_callout or in_span
        position = 0
        while True:
            if not in_span:
                opening = _OPEN.search(line, position)
                if opening is None:
                    break
                in_span, marked, position = True, True, opening.end()
            else:
                closing = _CLOSE.search(line, position)
                if closing is None:
                    break
                in_span, position = False, closing.end()
        if marked:
            found.add(index + 1)
    return frozenset(found)


def is_confidential_line(text: str, line_number: int) -> bool:
    """Whether 1-based `line_number` of the note is confidential (reads its frontmatter)."""
    return line_number in confidential_line_numbers(text, _frontmatter_of(text))


def confidential_lines(text: str, frontmatter: Mapping[str, Any] | None) -> list[str]:
    """The confidential lines of a note, markers removed, in order."""
    lines = split_lines(text)
    numbers = sorted(confidential_line_numbers(text, frontmatter))
    return [_MARKERS.sub(" ", lines[number - 1]) for number in numbers]


def normalise(line: str) -> str:
    """NFC, case-folded, whitespace collapsed, list / quote / task markers stripped."""
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", line).casefold())
    text = _SPACES.sub(" ", text).strip()
    return _LEADER.sub("", text).strip()


def fingerprint(line: str) -> str | None:
    """sha256 hex of the normalised line, or None when it is shorter than 20 characters."""
    normal = normalise(line)
    if len(normal) < MIN_LEAK_CHARS:
        return None
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _fingerprints(lines: list[str]) -> set[str]:
    return {found for line in lines if (found := fingerprint(line)) is not None}


def line_fingerprints(text: str) -> set[str]:
    """Fingerprints of every line of at least 20 (normalised) characters."""
    return _fingerprints(split_lines(_MARKERS.sub(" ", text)))


def confidential_fingerprints(text: str, frontmatter: Mapping[str, Any] | None) -> set[str]:
    """Fingerprints of a note's confidential lines."""
    return _fingerprints(confidential_lines(text, frontmatter))


def public_fingerprints(text: str, frontmatter: Mapping[str, Any] | None) -> set[str]:
    """Fingerprints of a note's lines that are not marked confidential in that note."""
    secret = confidential_line_numbers(text, frontmatter)
    lines = split_lines(text)
    return _fingerprints([line for n, line in enumerate(lines, start=1) if n not in secret])


def leak_problems(
    confidential_fingerprints: Mapping[str, set[str]],
    fingerprints_of_other_notes: Mapping[str, set[str]],
) -> list[PartnerProblem]:
    """`confidential-leak` for every note holding a confidential line of another note.

    The message names the note with the confidential original and never quotes the text.
    """
    problems: list[PartnerProblem] = []
    for path in sorted(fingerprints_of_other_notes):
        prints = fingerprints_of_other_notes[path]
        if not prints:
            continue
        for source in sorted(confidential_fingerprints):
            if source == path:
                continue
            shared = prints & confidential_fingerprints[source]
            if not shared:
                continue
            count = len(shared)
            lines = "line" if count == 1 else "lines"
            problems.append(
                PartnerProblem(
                    code="confidential-leak",
                    path=path,
                    line=None,
                    message=(
                        f"{count} {lines} of confidential text from {source} copied here; "
                        "remove it or mark it confidential here too"
                    ),
                    severity="warning",
                    related=(source,),
                    message_key="confidential-leak-one" if count == 1 else "confidential-leak-many",
                    message_values=(("source", source), ("count", str(count))),
                )
            )
    return problems
