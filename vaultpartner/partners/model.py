"""The partnership data model: plain values shared by the schema, history, rules and notes.

Pure values, no I/O. Dates are `datetime.date`; `today` is always a parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["active", "paused", "archived"]
InteractionKind = Literal["call", "message", "meeting", "event"]
Direction = Literal["me", "them"]
# Reason codes written to follow-up notes (English, stable: Dataview/Bases can filter on them).
Reason = Literal["cadence", "profile", "commitment", "reciprocity"]
FollowupStatus = Literal["open", "done", "skipped"]


@dataclass(frozen=True, slots=True)
class Recruiter:
    """A recruiter note as vaultpartner understands it (flat frontmatter keys, see README)."""

    path: str  # vault-relative path of the note
    name: str  # `name`, else the note's basename
    aliases: tuple[str, ...] = ()
    company: str | None = None  # the link text inside company: "[[...]]"
    role: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    telegrams: tuple[str, ...] = ()
    linkedins: tuple[str, ...] = ()
    relationship_since: dt.date | None = None
    last_contact: dt.date | None = None  # the typed value only; see ContactHistory
    cadence: str | None = None  # canonical duration ("6w"), validated
    status: Status = "active"
    do_not_contact_until: dt.date | None = None
    profile_shared: dt.date | None = None
    tags: tuple[str, ...] = ()
    confidential: bool = False


@dataclass(frozen=True, slots=True)
class Interaction:
    """One contact: an interaction note, or a dated list item in the recruiter note."""

    date: dt.date
    source: str  # path of the note it comes from
    line: int | None  # 1-based line of a list item; None for an interaction note
    kind: InteractionKind | None = None
    direction: Direction | None = None
    gave: tuple[str, ...] = ()
    received: tuple[str, ...] = ()
    summary: str = ""  # the list item's text or the note's title; "" when confidential
    structured: bool = False  # an interaction note (with gave/received), not a list item


@dataclass(frozen=True, slots=True)
class Commitment:
    """An open task line with a due date, in a recruiter or interaction note."""

    text: str  # the task's description ("" when confidential)
    due: dt.date
    source: str
    line: int
    done: bool = False
    done_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ContactHistory:
    recruiter: Recruiter
    interactions: tuple[Interaction, ...]  # newest first
    commitments: tuple[Commitment, ...]  # open ones, earliest due first
    done_commitments: tuple[Commitment, ...] = ()  # ticked tasks (done_date), newest first

    @property
    def last_contact(self) -> dt.date | None:
        """The newest of the typed last_contact and every interaction."""
        dates = [i.date for i in self.interactions]
        if self.recruiter.last_contact is not None:
            dates.append(self.recruiter.last_contact)
        return max(dates, default=None)


@dataclass(frozen=True, slots=True)
class DueReason:
    reason: Reason
    since: dt.date  # the day this reason became due
    detail: str  # short English detail for logs ("6w since 2026-10-02")


@dataclass(frozen=True, slots=True)
class FollowupDue:
    """A recruiter who should be contacted, with every reason (rules.py decides this)."""

    history: ContactHistory
    due: dt.date  # earliest date the follow-up is due (never before do_not_contact_until)
    reasons: tuple[DueReason, ...]


@dataclass(frozen=True, slots=True)
class ExistingFollowup:
    """A follow-up note already in the vault (generated_by: vaultpartner, vaultpartner: followup)."""

    path: str
    recruiter_path: str | None  # the recruiter the `recruiter:` link resolves to
    due: dt.date | None
    status: FollowupStatus
    tasks_total: int
    tasks_done: int
    newest_done_date: dt.date | None  # newest ✅ date among its ticked tasks
    content_hash: str

    @property
    def completed(self) -> bool:
        """Done when `status: done` is set, or all its task lines are ticked."""
        return self.status == "done" or (
            self.tasks_total > 0 and self.tasks_done == self.tasks_total
        )


@dataclass(frozen=True, slots=True)
class PartnerProblem:
    """Something the audit reports about partnership data (recruiter-field, duplicate-contact...)."""

    code: str
    path: str
    line: int | None
    message: str
    severity: Literal["error", "warning", "info"] = "warning"
    related: tuple[str, ...] = field(default_factory=tuple)
    key: str | None = None  # the frontmatter key concerned, when there is one
    # The message in any language: a key of the ru/en catalogue (vaultpartner.messages) and
    # the values for its `{fields}` (keys, values as written, paths, dates: never translated).
    # `message` above stays the English text, for logs and callers that want one string.
    message_key: str | None = None
    message_values: tuple[tuple[str, str], ...] = ()

    @property
    def fields(self) -> dict[str, str]:
        """The values of `message_key`'s fields, by name."""
        return dict(self.message_values)
