"""Recruiter notes: which notes they are, and the flat frontmatter schema read into `Recruiter`.

A note is a recruiter note when ANY configured selector matches: `type: <recruiter_type>`
(default "recruiter"; compared case-insensitively), the tag `recruiter_tag` (when set), or a
path under `recruiter_folder` (when set). Notes under `templates_folder` and the caller's
excluded folders are never recruiter notes.

Schema (flat keys; empty values and `null` count as missing):

| key | expected | if mistyped (warning) |
|---|---|---|
| `name` | text | the note's basename |
| `aliases`, `tags` | list of text (or one text) | () |
| `company` | a quoted link, `"[[Яндекс]]"` | None |
| `role` | text | None |
| `email`, `phone`, `telegram`, `linkedin` | quoted text or a list of them | the bad item is dropped |
| `relationship_since`, `last_contact`, `do_not_contact_until`, `profile_shared` | date `YYYY-MM-DD` | None |
| `cadence` | Dataview duration `30d`, `6w`, `3mo`, `1y` (bare `m` is ambiguous) | None (config cadence) |
| `status` | active / paused / archived | active |
| `confidential` | checkbox true / false | **true** (fails safe) |

Recommended (missing -> info): `company`, and at least one way to contact them (`email`,
`phone`, `telegram` or `linkedin`). Everything else is optional. All problems have the code
`recruiter-field`, the note's path and the line of the key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from vaultpartner.config import PartnersConfig
from vaultpartner.config_schema import format_duration, parse_duration
from vaultpartner.dates import as_date
from vaultpartner.index import VaultIndex
from vaultpartner.note import Note
from vaultpartner.partners.confidential import frontmatter_confidential
from vaultpartner.partners.model import PartnerProblem, Recruiter, Status
from vaultpartner.paths import is_within, lookup_key, stem_of, within_any
from vaultpartner.yamlfm import find_frontmatter

CONTACT_KEYS = ("email", "phone", "telegram", "linkedin")
DATE_KEYS = ("relationship_since", "last_contact", "do_not_contact_until", "profile_shared")
SCHEMA_KEYS = (
    "name", "aliases", "company", "role", *CONTACT_KEYS, *DATE_KEYS,
    "cadence", "status", "tags", "confidential",
)  # fmt: skip
STATUSES: tuple[Status, ...] = ("active", "paused", "archived")
_LINK = re.compile(r"\[\[([^\[\]|#]*)(?:[#|][^\[\]]*)?\]\]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[\d\s().-]{5,}")
_TELEGRAM = re.compile(r"(?:https?://)?(?:t\.me/|@)?([A-Za-z0-9_]{3,32})")
_MONTHS = re.compile(r"\s*(\d+)\s*m\s*", re.IGNORECASE)  # Dataview: minutes, not months
_ZERO = re.compile(r"\s*0+\s*(?:d|days?|w|weeks?|mo|months?|y|years?)\s*", re.IGNORECASE)
_EXPECTED_CONTACT = {
    "email": 'an e-mail address like "anna@example.com"',
    "phone": 'a quoted phone number like "+7 999 123-45-67"',
    "telegram": 'a quoted handle like "@anna_hr"',
    "linkedin": "a quoted profile address",
}


class FrontmatterLines:
    """Line numbers of top-level frontmatter keys, found by scanning the note's text."""

    def __init__(self, text: str | None) -> None:
        self.lines: dict[str, int] = {}
        if text is None:
            return
        block = find_frontmatter(text)
        if block is None:
            return
        first = text.count("\n", 0, block.yaml_start) + 1
        for offset, line in enumerate(text[block.yaml_start : block.yaml_end].splitlines()):
            match = re.match(r"""(["']?)([^\s"':#][^"':]*?)\1[ \t]*:(?:\s|$)""", line)
            if match:
                self.lines.setdefault(match.group(2), first + offset)

    def line(self, key: str) -> int | None:
        return self.lines.get(key)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a nested object"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def literal(value: object) -> str:
    """A value as YAML wrote it, for messages in any language: 'text', 42, true, [a, b]."""
    text = _literal(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _folder_key(folder: str) -> str:
    return folder.strip().strip("/")


def is_recruiter_note(note: Note, config: PartnersConfig) -> bool:
    """Whether any configured selector (type, tag, folder) marks the note as a recruiter note."""
    wanted, tag, folder = _selectors(config.recruiter_type, config.recruiter_tag,
                                     config.recruiter_folder)  # fmt: skip
    kind = note.frontmatter.get("type") if note.frontmatter else None
    if wanted and isinstance(kind, str) and lookup_key(kind.strip()) == wanted:
        return True
    if tag and any(lookup_key(t) == tag for t in note.tags):
        return True
    return bool(folder) and is_within(note.path, folder)


@lru_cache(maxsize=16)
def _selectors(kind: str, tag: str, folder: str) -> tuple[str, str, str]:
    """The recruiter selectors' comparison keys (asked for every note of the vault)."""
    return lookup_key(kind.strip()), lookup_key(tag.strip().lstrip("#")), _folder_key(folder)


def excluded(config: PartnersConfig, exclude_folders: Sequence[str]) -> Callable[[str], bool]:
    """Whether a path lies under the templates folder or one of the excluded folders."""
    folders = [
        f for f in (_folder_key(config.templates_folder), *map(_folder_key, exclude_folders)) if f
    ]
    return lambda path: within_any(path, folders)


def recruiter_paths(
    index: VaultIndex, config: PartnersConfig, exclude_folders: Sequence[str] = ()
) -> list[str]:
    """Sorted paths of the recruiter notes with a readable frontmatter."""
    skip = excluded(config, exclude_folders)
    return sorted(
        path
        for path, note in index.notes.items()
        if note.frontmatter is not None and not skip(path) and is_recruiter_note(note, config)
    )


class _Reader:
    """Reads one recruiter note's frontmatter, collecting problems."""

    def __init__(self, note: Note, text: str | None) -> None:
        self.note = note
        self.meta: dict[str, Any] = note.frontmatter or {}
        self.lines = FrontmatterLines(text)
        self.problems: list[PartnerProblem] = []

    def problem(
        self, key: str, message: str, text: str, severity: str = "warning", **values: str
    ) -> None:
        """One recruiter-field problem: `message` in English, `text` its catalogue key."""
        self.problems.append(
            PartnerProblem(
                code="recruiter-field",
                path=self.note.path,
                line=self.lines.line(key),
                message=message,
                severity="info" if severity == "info" else "warning",
                key=key,
                message_key=f"recruiter-field-{text}",
                message_values=(("key", key), *values.items()),
            )
        )

    def get(self, key: str) -> Any:
        value = self.meta.get(key)
        return None if value == "" or value == [] else value

    def text(self, key: str) -> str | None:
        value = self.get(key)
        if value is None or isinstance(value, str):
            return value.strip() if value else None
        self.problem(
            key, f"{key}: expected text, found {_shown(value)}", "text", found=literal(value)
        )
        return None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        items = value if isinstance(value, list) else [] if value is None else [value]
        found: list[str] = []
        for item in items:
            if isinstance(item, str) and item.strip():
                found.append(item.strip())
            elif item not in (None, ""):
                self.problem(
                    key,
                    f"{key}: expected text or a list of text, found {_shown(item)}",
                    "texts",
                    found=literal(item),
                )
        return tuple(found)

    def date(self, key: str) -> Any:
        value = self.get(key)
        found = as_date(value)
        if value is not None and found is None:
            self.problem(
                key,
                f"{key}: expected a date YYYY-MM-DD, found {_shown(value)}",
                "date",
                found=literal(value),
            )
        return found

    def contacts(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        items = value if isinstance(value, list) else [] if value is None else [value]
        found: list[str] = []
        for item in items:
            problem = _contact_problem(key, item)
            if problem is None:
                if isinstance(item, str) and item.strip():
                    found.append(item.strip())
            else:
                self.problem(key, problem[0], problem[1], found=literal(item))
        return tuple(found)


def _contact_problem(key: str, item: object) -> tuple[str, str] | None:
    """(English message, catalogue variant) when a contact value is wrong, else None."""
    if item is None or item == "":
        return None
    expected = _EXPECTED_CONTACT[key]
    if isinstance(item, int | float) and not isinstance(item, bool):
        lost = "lost its '+' and leading zeros" if key == "phone" else "is not text"
        return (
            f"{key}: {item} is a number, so YAML {lost}; quote it (expected {expected})",
            "phone-number" if key == "phone" else "contact-number",
        )
    if not isinstance(item, str):
        return f"{key}: expected {expected}, found {_shown(item)}", key
    text = item.strip()
    valid = {
        "email": _EMAIL.fullmatch(text),
        "phone": _PHONE.fullmatch(text) and sum(c.isdigit() for c in text) >= 5,
        "telegram": _TELEGRAM.fullmatch(text),
        "linkedin": True,
    }[key]
    return None if valid else (f"{key}: expected {expected}, found {_shown(item)}", key)


def _company(reader: _Reader) -> str | None:
    value = reader.get("company")
    if value is None:
        reader.problem(
            "company",
            'company is missing; add a quoted link like "[[Яндекс]]"',
            "company-missing",
            "info",
        )
        return None
    if isinstance(value, str):
        match = _LINK.fullmatch(value.strip())
        if match and match.group(1).strip():
            return match.group(1).strip()
    hint = ""
    variant = "company"
    if isinstance(value, list) and value and isinstance(value[0], list):
        hint = " (an unquoted [[...]] is read by YAML as a nested list)"
        variant = "company-unquoted"
    reader.problem(
        "company",
        f'company: must be a quoted link like "[[Яндекс]]", found {_shown(value)}{hint}',
        variant,
        found=literal(value),
    )
    return None


def _cadence(reader: _Reader) -> str | None:
    value = reader.get("cadence")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        reader.problem(
            "cadence",
            f'cadence: {value} has no unit; write "{value}d" (or w, mo, y)',
            "cadence-unit",
            found=literal(value),
            suggestion=f'"{value}d"',
        )
        return None
    if not isinstance(value, str):
        reader.problem(
            "cadence",
            f'cadence: expected a duration like "6w", found {_shown(value)}',
            "cadence",
            found=literal(value),
        )
        return None
    try:
        return format_duration(parse_duration(value))
    except ValueError as exc:
        months = _MONTHS.fullmatch(value)
        if months:
            variant, values = "cadence-minutes", {"suggestion": f'"{months.group(1)}mo"'}
        elif _ZERO.fullmatch(value):
            variant, values = "cadence-zero", {}
        else:
            variant, values = "cadence", {}
        reader.problem("cadence", f"cadence: {exc}", variant, found=literal(value), **values)
        return None


def _status(reader: _Reader) -> Status:
    value = reader.get("status")
    if value is None:
        return "active"
    if isinstance(value, str):
        for status in STATUSES:
            if value.strip().lower() == status:
                return status
    reader.problem(
        "status",
        f"status: expected active, paused or archived, found {_shown(value)}; treated as active",
        "status",
        found=literal(value),
    )
    return "active"


def _confidential(reader: _Reader) -> bool:
    value = reader.get("confidential")
    if value is None or isinstance(value, bool):
        return value is True
    secret = frontmatter_confidential(reader.meta)
    reader.problem(
        "confidential",
        f"confidential: expected true or false, found {_shown(value)}; "
        f"treated as {'true' if secret else 'false'}",
        "confidential",
        found=literal(value),
        treated="true" if secret else "false",
    )
    return secret


def parse_recruiter(note: Note, text: str | None = None) -> tuple[Recruiter, list[PartnerProblem]]:
    """The recruiter a note describes and its field problems; `text` gives problem lines."""
    reader = _Reader(note, text)
    name = reader.text("name") or stem_of(note.path)
    contacts = {key: reader.contacts(key) for key in CONTACT_KEYS}
    if not any(contacts.values()):
        reader.problem(
            "email",
            "no way to contact them: add email, phone, telegram or linkedin",
            "no-contact",
            "info",
        )
    dates = {key: reader.date(key) for key in DATE_KEYS}
    recruiter = Recruiter(
        path=note.path,
        name=name,
        aliases=reader.texts("aliases"),
        company=_company(reader),
        role=reader.text("role"),
        emails=contacts["email"],
        phones=contacts["phone"],
        telegrams=contacts["telegram"],
        linkedins=contacts["linkedin"],
        cadence=_cadence(reader),
        status=_status(reader),
        tags=note.tags,
        confidential=_confidential(reader),
        **dates,
    )
    reader.texts("tags")
    return recruiter, reader.problems


def load_recruiters(
    index: VaultIndex,
    texts: Mapping[str, str],
    config: PartnersConfig,
    exclude_folders: Sequence[str] = (),
) -> tuple[list[Recruiter], list[PartnerProblem]]:
    """Every recruiter note parsed (sorted by path), and their field problems."""
    recruiters: list[Recruiter] = []
    problems: list[PartnerProblem] = []
    for path in recruiter_paths(index, config, exclude_folders):
        recruiter, found = parse_recruiter(index.notes[path], texts.get(path))
        recruiters.append(recruiter)
        problems.extend(found)
    return recruiters, problems


def is_followup(frontmatter: Mapping[str, object] | None) -> bool:
    return bool(frontmatter) and (
        frontmatter.get("generated_by") == "vaultpartner"  # type: ignore[union-attr]
        and frontmatter.get("vaultpartner") == "followup"  # type: ignore[union-attr]
    )
