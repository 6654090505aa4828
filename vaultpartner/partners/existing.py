"""The follow-up notes already in the vault, as the planner and the audit's checks read them.

Pure; kept apart from the planner, so the audit reads them without loading note rendering.
"""

from __future__ import annotations

from collections.abc import Mapping

from vaultpartner.dates import as_date
from vaultpartner.index import VaultIndex
from vaultpartner.partners.history import tasks
from vaultpartner.partners.model import ExistingFollowup, FollowupStatus
from vaultpartner.partners.schema import is_followup

_STATUSES: tuple[FollowupStatus, ...] = ("open", "done", "skipped")


def read_existing(
    index: VaultIndex, texts: Mapping[str, str], *, global_filter: str = ""
) -> list[ExistingFollowup]:
    """Every follow-up note in the vault, sorted by path."""
    found: list[ExistingFollowup] = []
    for path in sorted(index.notes):
        note = index.notes[path]
        if not is_followup(note.frontmatter):
            continue
        meta = note.frontmatter or {}
        recruiter = None
        for link in note.links:
            if link.place == "frontmatter" and link.key == "recruiter":
                resolution = index.resolve_link(link, path)
                recruiter = resolution.path if resolution.resolved else None
                break
        raw_status = str(meta.get("status", "open")).strip().lower()
        status: FollowupStatus = next((s for s in _STATUSES if s == raw_status), "open")
        text = texts.get(path, "")
        lines = tasks(text, path, global_filter=global_filter, frontmatter=meta)
        done_dates = [c.done_date for c in lines if c.done and c.done_date is not None]
        found.append(
            ExistingFollowup(
                path=path,
                recruiter_path=recruiter,
                due=as_date(meta.get("due")),
                status=status,
                tasks_total=len(lines),
                tasks_done=sum(1 for c in lines if c.done),
                newest_done_date=max(done_dates, default=None),
                content_hash=note.content_hash,
            )
        )
    return found
