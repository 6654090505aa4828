"""What the watcher does besides link rewrites: the backlog at start, and follow-ups.

At start, renames made while the watcher was stopped are recognised from the index snapshot
in the state folder (by content) and repaired as `vaultpartner fix` would, and due follow-ups
are written as `vaultpartner followups` would. On the very first start over a vault (no saved
state) that backlog is only reported: it is written once the user has run `fix` /
`followups` once, or passes `--apply-backlog`. While watching, a change to a recruiter,
interaction, follow-up or profile note plans follow-ups again once the note has been quiet for
the edit grace period, and so does a new day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vaultpartner import app
from vaultpartner.index import VaultIndex
from vaultpartner.partners.generated import FILE_NAME as GENERATED_FILE
from vaultpartner.partners.generated import GeneratedState
from vaultpartner.paths import is_within
from vaultpartner.snapshot import snapshot_exists

_PARTNER_TYPES = frozenset({"recruiter", "interaction", "profile"})


@dataclass
class Backlog:
    fix_seen: bool  # a snapshot exists: `fix`, `audit` or `mv` ran before
    followups_seen: bool  # `followups` ran before (its generated-notes state exists)


def backlog_state(session: app.Session) -> Backlog:
    state = session.state_dir
    return Backlog(snapshot_exists(state), (state / GENERATED_FILE).exists())


def run_startup(
    session: app.Session,
    *,
    apply_backlog: bool,
    report_only: bool,
    today: dt.date,
    say: Callable[[str], None],
) -> None:
    """Repair renames made while stopped and write due follow-ups (or only report them)."""
    from vaultpartner.fixcmd import run_fix
    from vaultpartner.partnercmds import run_followups

    seen = backlog_state(session)
    write_fixes = (seen.fix_seen or apply_backlog) and not report_only
    write_followups = (seen.followups_seen or apply_backlog) and not report_only
    if not (write_fixes and write_followups) and not report_only:
        say(
            "first start over this vault: the backlog below is only reported; run "
            "`vaultpartner fix` and `vaultpartner followups` once, or restart with --apply-backlog"
        )
    run_fix(session, dry_run=not write_fixes, interactive=False, command="watch: backlog fix")
    run_followups(session, today=today, dry_run=not write_followups, command="watch: follow-ups")


def partner_note(
    index: VaultIndex,
    session: app.Session,
    path: str,
    generated: GeneratedState | None = None,
) -> bool:
    """Whether a change to this note can change the follow-up plan.

    A generated note exactly as vaultpartner wrote it (`generated`) is its own echo, not a
    change: planning again because of it would create the next `max_new_notes` follow-ups,
    and the next, until the cap meant to stop a flood of notes had let all of them through.
    """
    note = index.notes.get(path)
    if generated is not None and note is not None and generated.untouched(path, note.content_hash):
        return False
    if is_within(path, session.config.partners.followups_folder):
        return True
    if note is None:
        return False
    kind = (note.frontmatter or {}).get("type")
    if kind in _PARTNER_TYPES or kind == session.config.partners.recruiter_type:
        return True
    folder = session.config.partners.recruiter_folder
    return bool(folder) and is_within(path, folder)


@dataclass
class FollowupSchedule:
    """When to plan follow-ups again: after partnership notes settle, and on a new day."""

    grace: float
    due_at: float | None = None
    day: dt.date | None = None
    touched: set[str] = field(default_factory=set)

    def notice(self, paths: Iterable[str], is_partner: Callable[[str], bool], now: float) -> None:
        relevant = {path for path in paths if is_partner(path)}
        if relevant:
            self.touched |= relevant
            self.due_at = now + self.grace

    def due(self, now: float, today: dt.date) -> bool:
        if self.day is None:
            self.day = today
        if today != self.day:
            return True
        return self.due_at is not None and now >= self.due_at

    def done(self, today: dt.date) -> None:
        self.due_at, self.day = None, today
        self.touched.clear()
