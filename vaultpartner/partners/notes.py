"""Rendering the generated notes (follow-up, digest, new recruiter) from templates. No I/O here
except what `render` does with the vault's own templates.

Every value taken from a note passes `clean` before it reaches a template: one line, nothing
Templater or Jinja would run, no Tasks field markers (a stray `📅` in a name would move the task's
due date). Links to recruiters are built from their vault paths, so they open the right note.
Confidential text never gets here (history leaves it out; `gave`/`received` of a confidential
interaction note are dropped as well).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vaultpartner.generated_check import check_frontmatter
from vaultpartner.index import VaultIndex
from vaultpartner.linkformat import LinkFormat
from vaultpartner.links import choose_link_path
from vaultpartner.paths import stem_of
from vaultpartner.render import TemplateError, check_output, render, sanitize

FOLLOWUP_TEMPLATE = "followup.md.j2"
DIGEST_TEMPLATE = "digest.md.j2"
RECRUITER_TEMPLATE = "recruiter.md.j2"
FOLLOWUP_KEYS = ("generated_by", "vaultpartner", "recruiter", "due", "reasons", "status", "created")
DIGEST_KEYS = (
    "generated_by",
    "vaultpartner",
    "updated",
    "week_end",
    "overdue",
    "due_this_week",
    "open_followups",
    "recruiters",
)
RECRUITER_KEYS = (
    "type",
    "name",
    "aliases",
    "company",
    "role",
    "email",
    "phone",
    "telegram",
    "linkedin",
    "relationship_since",
    "last_contact",
    "cadence",
    "status",
    "do_not_contact_until",
    "profile_shared",
    "tags",
)
_TASK_MARKERS = re.compile(
    "[\U0001f4c5\u23f3\U0001f6eb\u2795\u2705\u274c\U0001f53a\u23eb\U0001f53c"
    "\U0001f53d\u23ec\U0001f501\U0001f3c1\U0001f194\u26d4\u23f0]\ufe0f?"
)
_LINK_UNSAFE = re.compile(r"[\[\]|#^{}<>%]")
MAX_LIST_ITEMS = 5


def clean(value: object) -> str:
    """A note value as one safe line (see module doc)."""
    text = _TASK_MARKERS.sub(" ", sanitize(str(value)))
    return sanitize(text.replace("::", ":"))


def clean_list(values: Sequence[object], limit: int = MAX_LIST_ITEMS) -> list[str]:
    return [text for text in (clean(value) for value in values) if text][:limit]


@dataclass(frozen=True, slots=True)
class TaskStyle:
    """The vault's Tasks settings that shape a generated task line."""

    format: str = "tasksPluginEmoji"  # or "dataview"
    global_filter: str = ""
    set_created: bool = False

    def parts(self, due: dt.date, created: dt.date) -> dict[str, str]:
        """prefix + description + suffix is a task line; nothing follows the date fields."""
        flt = clean(self.global_filter)
        prefix = "- [ ] " + (f"{flt} " if flt else "")
        if self.format == "dataview":
            fields = [f"[created:: {created.isoformat()}]"] if self.set_created else []
            fields.append(f"[due:: {due.isoformat()}]")
        else:
            fields = [f"\u2795 {created.isoformat()}"] if self.set_created else []
            fields.append(f"\U0001f4c5 {due.isoformat()}")
        return {"prefix": prefix, "suffix": " " + " ".join(fields)}


def _percent(text: str) -> str:
    return "".join(
        "".join(f"%{b:02X}" for b in ch.encode()) if _LINK_UNSAFE.match(ch) or ch <= " " else ch
        for ch in text
    )


def link_to(
    index: VaultIndex, target: str, source: str, *, link_format: LinkFormat, label: str = ""
) -> str:
    """A link from note `source` that opens the existing note `target`."""
    choice = choose_link_path(index, target, source, link_format=link_format, markdown=False)
    if choice is None:  # no wikilink text opens it: a Markdown link with the exact path does
        return link_text("[", target, label)
    return link_text(choice.text, target, label)


def link_text(path_text: str, target: str, label: str = "") -> str:
    """`[[path_text]]`, or a Markdown link when the path holds characters a wikilink cannot
    carry (or that must not appear in a generated note)."""
    if not _LINK_UNSAFE.search(path_text) and path_text == sanitize(path_text):
        return f"[[{path_text}]]"
    shown = re.sub(r"([\\\[\]])", r"\\\1", clean(label or stem_of(target))) or "note"
    return f"[{shown}]({_percent(target)})"


@dataclass(frozen=True)
class Renderer:
    """Renders one kind of generated note and checks its frontmatter before anyone writes it."""

    language: str
    vault_templates: Path | None = None

    def _render(self, name: str, context: Mapping[str, object]) -> str:
        text = render(name, context, language=self.language, vault_templates=self.vault_templates)
        check_output(name, text)
        return text

    def followup(self, context: Mapping[str, object]) -> str:
        text = self._render(FOLLOWUP_TEMPLATE, context)
        meta = check_frontmatter(
            FOLLOWUP_TEMPLATE,
            text,
            FOLLOWUP_KEYS,
            {"generated_by": "vaultpartner", "vaultpartner": "followup", "status": "open"},
        )
        if str(meta.get("due")) != context["due"]:
            raise TemplateError(f"template {FOLLOWUP_TEMPLATE}: due must be {context['due']}")
        return text

    def digest(self, context: Mapping[str, object]) -> str:
        text = self._render(DIGEST_TEMPLATE, context)
        check_frontmatter(
            DIGEST_TEMPLATE,
            text,
            DIGEST_KEYS,
            {"generated_by": "vaultpartner", "vaultpartner": "digest"},
        )
        return text

    def recruiter(self, context: Mapping[str, object]) -> str:
        text = self._render(RECRUITER_TEMPLATE, context)
        check_frontmatter(RECRUITER_TEMPLATE, text, RECRUITER_KEYS)
        return text


# --- contexts ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowupFacts:
    """What a follow-up note says, already cleaned (built by the planner from the history)."""

    recruiter_link: str
    name: str
    company: str
    role: str
    due: dt.date
    created: dt.date
    reasons: tuple[tuple[str, dt.date, str], ...]  # (code, since, detail)
    cadence: str
    last_contact: dt.date | None
    last_kind: str
    last_summary: str
    gave: tuple[str, ...]
    received: tuple[str, ...]
    commitments: tuple[tuple[str, dt.date], ...]  # (text, due)


def followup_context(facts: FollowupFacts, style: TaskStyle) -> dict[str, object]:
    return {
        "due": facts.due.isoformat(),
        "created": facts.created.isoformat(),
        "recruiter": {
            "link": facts.recruiter_link,
            "name": facts.name,
            "company": facts.company,
            "role": facts.role,
            "cadence": facts.cadence,
        },
        "reasons": [
            {"code": code, "since": since.isoformat(), "detail": detail}
            for code, since, detail in facts.reasons
        ],
        "reason_codes": [code for code, _since, _detail in facts.reasons],
        "last_contact": {
            "date": facts.last_contact.isoformat() if facts.last_contact else "",
            "kind": facts.last_kind,
            "summary": facts.last_summary,
        },
        "gave": list(facts.gave),
        "received": list(facts.received),
        "commitments": [{"text": text, "due": due.isoformat()} for text, due in facts.commitments],
        "task": style.parts(facts.due, facts.created),
    }


@dataclass(frozen=True, slots=True)
class DigestRow:
    link: str  # the follow-up note (or the recruiter, for balance rows)
    recruiter_link: str
    name: str
    due: dt.date | None
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BalanceRow:
    recruiter_link: str
    name: str
    gave: int
    received: int
    last_contact: dt.date | None


def digest_context(
    today: dt.date,
    open_rows: Sequence[DigestRow],
    balance: Sequence[BalanceRow],
) -> dict[str, object]:
    week_end = today + dt.timedelta(days=6)

    def row(item: DigestRow) -> dict[str, object]:
        due = item.due.isoformat() if item.due else ""
        days = (today - item.due).days if item.due else 0
        return {
            "link": item.link,
            "recruiter_link": item.recruiter_link,
            "name": item.name,
            "due": due,
            "days_overdue": days,
            "reasons": list(item.reasons),
        }

    ordered = sorted(open_rows, key=lambda r: (r.due or dt.date.max, r.name, r.link))
    overdue = [row(r) for r in ordered if r.due is not None and r.due < today]
    this_week = [row(r) for r in ordered if r.due is not None and today <= r.due <= week_end]
    return {
        "today": today.isoformat(),
        "week_end": week_end.isoformat(),
        "overdue": overdue,
        "due_this_week": this_week,
        "open_count": len(open_rows),
        "balance": [
            {
                "recruiter_link": b.recruiter_link,
                "name": b.name,
                "gave": b.gave,
                "received": b.received,
                "balance": b.gave - b.received,
                "last_contact": b.last_contact.isoformat() if b.last_contact else "",
            }
            for b in sorted(balance, key=lambda b: (b.name, b.recruiter_link))
        ],
    }


def recruiter_context(
    name: str, *, today: dt.date, recruiter_type: str, tag: str
) -> dict[str, object]:
    return {
        "name": clean(name),
        "today": today.isoformat(),
        "type": clean(recruiter_type) or "recruiter",
        "tags": [t for t in (clean(tag).lstrip("#"),) if t] or ["recruiter"],
    }
