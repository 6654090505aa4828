"""Contact history: what the vault says about each recruiter's contacts and commitments.

Sources, for one recruiter:

- the typed `last_contact` (in `Recruiter`);
- interaction notes: `type: interaction` with `date`, `with: "[[Name]]"` (or a list of links;
  each resolved from the interaction note as Obsidian does), optional `kind` (call / message /
  meeting / event), `direction` (me / them), `gave` / `received` (lists of text). A bad value
  is an `interaction-field` problem; a note without a valid `date` or `with` is not counted;
- dated list items (`- 2026-11-05 — text`, markers `-` `*` `+` or `1.`, separators `—` `–`
  `-` `:`, the date also as `[[2026-11-05]]`) under a heading "Interactions" or
  "Взаимодействия" (any level, any case) up to the next heading of the same or a higher level;
- Tasks-plugin task lines in the recruiter note and its interaction notes: `- [ ] text
  📅 YYYY-MM-DD` (also 📆 🗓️, or Dataview `[due:: YYYY-MM-DD]`) are open commitments; ticked
  ones (`[x]`, `✅ YYYY-MM-DD` or `[completion:: …]`) are recorded with their done date. With a
  Tasks global filter, a line without it is no task. Lines in fenced code are skipped; task
  lines without a due (or, when done, a done) date are ignored; cancelled `[-]` tasks too.

Confidential content (see confidential.py) gives "" as summary / text; `gave` / `received`
items of a confidential interaction note become "" (their count is kept for reciprocity).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vaultpartner.dates import as_date
from vaultpartner.headings import strip_heading
from vaultpartner.index import VaultIndex
from vaultpartner.note import Note
from vaultpartner.partners.confidential import (
    body_first_line,
    confidential_line_numbers,
    frontmatter_confidential,
    split_lines,
)
from vaultpartner.partners.model import (
    Commitment,
    ContactHistory,
    Interaction,
    InteractionKind,
    PartnerProblem,
    Recruiter,
)
from vaultpartner.partners.schema import FrontmatterLines, literal
from vaultpartner.paths import stem_of

INTERACTION_HEADINGS = frozenset({"interactions", "взаимодействия"})
KINDS: tuple[InteractionKind, ...] = ("call", "message", "meeting", "event")
_D = r"\d{4}-\d{2}-\d{2}"
_ITEM = re.compile(
    rf"^[ \t]*(?:[-*+]|\d{{1,9}}[.)])[ \t]+(?:\[\[)?({_D})(?:\]\])?(?=[\s:—–-]|$)"
    r"[ \t]*(?:[—–:-][ \t]*)?(.*)$"
)
_TASK = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,9}[.)])[ \t]+\[(.)\][ \t]+(.*)$")
_DUE = re.compile(rf"(?:📅|📆|🗓️?)\s*({_D})|[\[(]due::\s*({_D})\s*[\])]")
_DONE = re.compile(rf"✅\s*({_D})|[\[(]completion::\s*({_D})\s*[\])]")
_FIELDS = re.compile(
    r"\s*(?:(?:📅|📆|🗓️?|✅|❌|➕|🛫|⏳|⏰)\s*\S+(?:\s+\d{1,2}:\d{2})?|[🔺⏫🔼🔽⏬]"
    r"|🔁[^📅📆🗓✅❌➕🛫⏳⏰🏁🆔⛔\[]*|🏁\s*\S+|🆔\s*\S+|⛔\s*\S+"
    r"|[\[(][A-Za-z]+::[^\])]*[\])]|\^[A-Za-z0-9-]+$)"
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _code_lines(lines: Sequence[str]) -> set[int]:
    """0-based indexes of lines inside (or opening / closing) fenced code blocks."""
    inside: set[int] = set()
    fence = ""
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence:
            inside.add(index)
            closing = match is not None and not line[match.end() :].strip()
            if closing and match and match.group(1)[0] == fence[0]:
                fence = "" if len(match.group(1)) >= len(fence) else fence
        elif match and not (match.group(1)[0] == "`" and "`" in line[match.end() :]):
            fence = match.group(1)
            inside.add(index)
    return inside


def tasks(
    text: str,
    path: str,
    *,
    global_filter: str = "",
    frontmatter: Mapping[str, Any] | None = None,
) -> list[Commitment]:
    """Task lines with a due (or done) date, open and done, in line order."""
    lines = split_lines(text)
    code = _code_lines(lines)
    secret = confidential_line_numbers(text, frontmatter)
    found: list[Commitment] = []
    for index in range(body_first_line(text), len(lines)):
        match = _TASK.match(lines[index])
        if match is None or index in code:
            continue
        status, rest = match.group(1), match.group(2)
        if (global_filter and global_filter not in rest) or status in "-":
            continue
        due, done = _first_date(_DUE, rest), _first_date(_DONE, rest)
        is_done = status in "xX"
        when = due or (done if is_done else None)
        if when is None:
            continue
        description = _FIELDS.sub("", rest)
        if global_filter:
            description = description.replace(global_filter, " ")
        description = " ".join(description.split())
        found.append(
            Commitment(
                text="" if index + 1 in secret else description,
                due=when,
                source=path,
                line=index + 1,
                done=is_done,
                done_date=done if is_done else None,
            )
        )
    return found


def _first_date(pattern: re.Pattern[str], text: str) -> dt.date | None:
    match = pattern.search(text)
    if match is None:
        return None
    return as_date(match.group(1) or match.group(2))


def _section_lines(note: Note, line_count: int) -> list[range]:
    """0-based line ranges below each Interactions / Взаимодействия heading."""
    ranges: list[range] = []
    headings = note.headings
    for position, heading in enumerate(headings):
        if strip_heading(heading.text) not in INTERACTION_HEADINGS:
            continue
        end = line_count
        for later in headings[position + 1 :]:
            if later.level <= heading.level:
                end = later.line - 1
                break
        ranges.append(range(heading.line, end))
    return ranges


def list_interactions(
    note: Note, text: str, secret: frozenset[int]
) -> tuple[list[Interaction], list[PartnerProblem]]:
    """Dated list items under the note's interaction headings."""
    lines = split_lines(text)
    code = _code_lines(lines)
    found: list[Interaction] = []
    problems: list[PartnerProblem] = []
    for section in _section_lines(note, len(lines)):
        for index in section:
            match = _ITEM.match(lines[index]) if index not in code else None
            if match is None:
                continue
            day = as_date(match.group(1))
            if day is None:
                problems.append(
                    PartnerProblem(
                        code="interaction-field",
                        path=note.path,
                        line=index + 1,
                        message=f"{match.group(1)} is not a calendar date; write YYYY-MM-DD",
                        message_key="interaction-field-item-date",
                        message_values=(("date", match.group(1)),),
                    )
                )
                continue
            summary = "" if index + 1 in secret else match.group(2).strip()
            found.append(Interaction(date=day, source=note.path, line=index + 1, summary=summary))
    return found, problems


class _InteractionReader:
    def __init__(self, note: Note, text: str | None) -> None:
        self.note = note
        self.meta: dict[str, Any] = note.frontmatter or {}
        self.lines = FrontmatterLines(text)
        self.problems: list[PartnerProblem] = []

    def problem(self, key: str, message: str, text: str, **values: str) -> None:
        """One interaction-field problem: `message` in English, `text` its catalogue key."""
        self.problems.append(
            PartnerProblem(
                code="interaction-field",
                path=self.note.path,
                line=self.lines.line(key),
                message=message,
                key=key,
                message_key=f"interaction-field-{text}",
                message_values=(("key", key), *values.items()),
            )
        )

    def choice(self, key: str, choices: Sequence[str]) -> Any:
        value = self.meta.get(key)
        if value in (None, ""):
            return None
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        self.problem(
            key,
            f"{key}: expected one of {', '.join(choices)}, found {value!r}",
            "choice",
            choices=", ".join(choices),
            found=literal(value),
        )
        return None

    def items(self, key: str, secret: bool) -> tuple[str, ...]:
        value = self.meta.get(key)
        items = value if isinstance(value, list) else [] if value in (None, "") else [value]
        found: list[str] = []
        for item in items:
            if isinstance(item, str | int | float) and not isinstance(item, bool):
                if str(item).strip():
                    found.append("" if secret else str(item).strip())
            elif item is not None:
                self.problem(
                    key,
                    f"{key}: expected a list of text, found {item!r}",
                    "items",
                    found=literal(item),
                )
        return tuple(found)


def is_interaction_note(note: Note) -> bool:
    kind = (note.frontmatter or {}).get("type")
    return isinstance(kind, str) and kind.strip().lower() == "interaction"


def parse_interaction_note(
    note: Note, index: VaultIndex, text: str | None
) -> tuple[Interaction | None, tuple[str, ...], list[PartnerProblem]]:
    """(the interaction, the resolved paths of its `with` links, problems)."""
    reader = _InteractionReader(note, text)
    meta = reader.meta
    day = as_date(meta.get("date"))
    if day is None:
        value = meta.get("date")
        found = "nothing" if value in (None, "") else repr(value)
        message = f"date: expected a date YYYY-MM-DD, found {found}"
        if value in (None, ""):
            reader.problem("date", message, "date-missing")
        else:
            reader.problem("date", message, "date", found=literal(value))
    targets = _with_targets(note, index, reader)
    secret = frontmatter_confidential(meta)
    interaction = Interaction(
        date=day or _EPOCH,
        source=note.path,
        line=None,
        kind=reader.choice("kind", KINDS),
        direction=reader.choice("direction", ("me", "them")),
        gave=reader.items("gave", secret),
        received=reader.items("received", secret),
        summary="" if secret else stem_of(note.path),
        structured=True,
    )
    return (interaction if day is not None and targets else None), targets, reader.problems


_EPOCH = dt.date(1970, 1, 1)


def _with_targets(note: Note, index: VaultIndex, reader: _InteractionReader) -> tuple[str, ...]:
    value = reader.meta.get("with")
    items = value if isinstance(value, list) else [] if value in (None, "") else [value]
    if not items:
        reader.problem(
            "with", 'with: missing; add the recruiter as a quoted link "[[Name]]"', "with-missing"
        )
    for item in items:
        if not (isinstance(item, str) and item.strip().startswith("[[")):
            reader.problem(
                "with",
                f'with: expected a quoted link like "[[Name]]", found {item!r}',
                "with",
                found=literal(item),
            )
    targets: list[str] = []
    for link in note.links:
        if link.place != "frontmatter" or link.key is None:
            continue
        if link.key != "with" and not link.key.startswith("with."):
            continue
        resolution = index.resolve(link.text.linkpath, note.path)
        if resolution.resolved and resolution.path and resolution.path not in targets:
            targets.append(resolution.path)
    return tuple(targets)


def build_histories(
    recruiters: Sequence[Recruiter],
    index: VaultIndex,
    texts: Mapping[str, str],
    *,
    tasks_global_filter: str = "",
    skip: Callable[[str], bool] | None = None,
) -> tuple[list[ContactHistory], list[PartnerProblem]]:
    """One ContactHistory per recruiter (same order), and interaction problems.

    `skip(path) -> bool` leaves out notes (templates, excluded folders).
    """
    wanted = {r.path for r in recruiters}
    notes_of: dict[str, list[Interaction]] = {path: [] for path in wanted}
    problems: list[PartnerProblem] = []
    for path in sorted(index.notes):
        note = index.notes[path]
        if (skip is not None and skip(path)) or not is_interaction_note(note):
            continue
        interaction, targets, found = parse_interaction_note(note, index, texts.get(path))
        problems.extend(found)
        for target in targets:
            if interaction is not None and target in wanted:
                notes_of[target].append(interaction)
    histories: list[ContactHistory] = []
    for recruiter in recruiters:
        history, found = _history(
            recruiter, index, texts, notes_of[recruiter.path], tasks_global_filter
        )
        histories.append(history)
        problems.extend(found)
    return histories, problems


def _history(
    recruiter: Recruiter,
    index: VaultIndex,
    texts: Mapping[str, str],
    from_notes: list[Interaction],
    global_filter: str,
) -> tuple[ContactHistory, list[PartnerProblem]]:
    note = index.notes[recruiter.path]
    interactions = list(from_notes)
    problems: list[PartnerProblem] = []
    commitments: list[Commitment] = []
    text = texts.get(recruiter.path)
    if text is not None:
        secret = confidential_line_numbers(text, note.frontmatter)
        items, problems = list_interactions(note, text, secret)
        interactions.extend(items)
    for path in [recruiter.path, *sorted({i.source for i in from_notes})]:
        source_text = texts.get(path)
        source = index.notes.get(path)
        if source_text is None or source is None:
            continue
        commitments.extend(
            tasks(source_text, path, global_filter=global_filter, frontmatter=source.frontmatter)
        )
    interactions.sort(key=lambda i: (-i.date.toordinal(), i.source, i.line or 0))
    open_ones = sorted(
        (c for c in commitments if not c.done), key=lambda c: (c.due, c.source, c.line)
    )
    done = sorted(
        (c for c in commitments if c.done),
        key=lambda c: (-(c.done_date or c.due).toordinal(), c.source, c.line),
    )
    return ContactHistory(recruiter, tuple(interactions), tuple(open_ones), tuple(done)), problems
