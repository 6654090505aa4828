"""Follow-up rules: who is due a message, since when, and why. Pure and deterministic.

For every ACTIVE recruiter (paused and archived ones are never due), the reasons are:

- `cadence`: the cadence has passed since the last contact. The cadence is the recruiter's
  `cadence`, else the first of the recruiter's tags (in its tag order) with a
  `partners.tag_cadences` rule (tags compared case-insensitively), else
  `active_cadence` / `passive_cadence` per `search_mode`. since = last contact + cadence.
- `profile`: my profile changed after `profile_shared` (`profile_changed > profile_shared`,
  or `profile_shared` missing while `profile_changed` is known). since = profile_changed.
- `commitment`: an open task with a due date on or before the horizon. since = earliest due.
- `reciprocity`: the last `reciprocity_window` structured interactions (interaction notes) all
  have an empty `gave`. since = the newest of them.

Decisions:

- A recruiter with no known contact date at all gets `recruiter-no-contact` (info) and no
  cadence or reciprocity reason; a due commitment still makes them due, and so does the
  profile reason when `profile_shared` is set (a recruiter who never got the profile and was
  never contacted gets no "updated profile" nudge).
- `do_not_contact_until`: the due date moves to that day (contact is allowed ON it), so nothing
  is due before it.
- At most one open follow-up per recruiter: an existing follow-up for the recruiter that is
  neither completed nor skipped suppresses a new one.
- Completed and skipped follow-ups are "handled": the newest handled date (completed: the
  newest done date, else its due date; skipped: its due date) counts as a contact for the
  cadence, and a reason whose `since` is on or before it is considered dealt with.
- A follow-up is returned when its due date is on or before the horizon (`today` by
  default); every reason due by then is listed, in the order cadence, profile, commitment,
  reciprocity. Results are sorted by (due, name, path).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from vaultpartner.config import PartnersConfig
from vaultpartner.dates import add_duration
from vaultpartner.partners.model import (
    ContactHistory,
    DueReason,
    ExistingFollowup,
    FollowupDue,
    PartnerProblem,
)
from vaultpartner.paths import lookup_key


def cadence_for(history: ContactHistory, config: PartnersConfig) -> str:
    """The cadence that applies to this recruiter (canonical duration text)."""
    recruiter = history.recruiter
    if recruiter.cadence:
        return recruiter.cadence
    rules = {lookup_key(tag): cadence for tag, cadence in config.tag_cadences.items()}
    for tag in recruiter.tags:
        found = rules.get(lookup_key(tag.lstrip("#")))
        if found is not None:
            return found
    return config.active_cadence if config.search_mode == "active" else config.passive_cadence


def _handled(path: str, existing: Sequence[ExistingFollowup]) -> tuple[bool, dt.date | None]:
    """(an open follow-up exists, newest handled date) for one recruiter."""
    is_open = False
    handled: dt.date | None = None
    for followup in existing:
        if followup.recruiter_path != path:
            continue
        if followup.completed:
            day = followup.newest_done_date or followup.due
        elif followup.status == "skipped":
            day = followup.due
        else:
            is_open = True
            continue
        if day is not None and (handled is None or day > handled):
            handled = day
    return is_open, handled


def _reasons(
    history: ContactHistory,
    config: PartnersConfig,
    profile_changed: dt.date | None,
    handled: dt.date | None,
    horizon: dt.date,
) -> list[DueReason]:
    recruiter = history.recruiter
    last = history.last_contact
    reasons: list[DueReason] = []
    base = max((d for d in (last, handled) if d is not None), default=None)
    if last is not None and base is not None:
        cadence = cadence_for(history, config)
        since = add_duration(base, cadence)
        reasons.append(DueReason("cadence", since, f"{cadence} since {base.isoformat()}"))
    shared = recruiter.profile_shared
    if profile_changed is not None and (
        (shared is not None and profile_changed > shared) or (shared is None and last is not None)
    ):
        was = shared.isoformat() if shared else "never"
        detail = f"profile changed {profile_changed.isoformat()}, shared {was}"
        reasons.append(DueReason("profile", profile_changed, detail))
    due_tasks = [c for c in history.commitments if c.due <= horizon]
    if due_tasks:
        first = min(c.due for c in due_tasks)
        reasons.append(DueReason("commitment", first, f"{len(due_tasks)} due, first {first}"))
    window = config.reciprocity_window
    structured = [i for i in history.interactions if i.structured][:window]
    if len(structured) == window and not any(i.gave for i in structured):
        since = structured[0].date
        reasons.append(DueReason("reciprocity", since, f"nothing given in last {window}"))
    return [r for r in reasons if handled is None or r.since > handled]


def due_followups(
    histories: Sequence[ContactHistory],
    *,
    today: dt.date,
    config: PartnersConfig,
    profile_changed: dt.date | None,
    existing: Sequence[ExistingFollowup],
    horizon: dt.date | None = None,
) -> tuple[list[FollowupDue], list[PartnerProblem]]:
    """Follow-ups due by `horizon` (default `today`), and `recruiter-no-contact` problems."""
    until = max(horizon or today, today)
    due_list: list[FollowupDue] = []
    problems: list[PartnerProblem] = []
    for history in histories:
        recruiter = history.recruiter
        if recruiter.status != "active":
            continue
        if history.last_contact is None:
            problems.append(
                PartnerProblem(
                    code="recruiter-no-contact",
                    path=recruiter.path,
                    line=None,
                    message=(
                        "no known contact date: set last_contact, add a dated item under "
                        "## Interactions, or an interaction note that links this recruiter"
                    ),
                    severity="info",
                    key="last_contact",
                    message_key="recruiter-no-contact-date",
                    message_values=(("key", "last_contact"),),
                )
            )
        is_open, handled = _handled(recruiter.path, existing)
        if is_open:
            continue
        reasons = [
            r
            for r in _reasons(history, config, profile_changed, handled, until)
            if r.since <= until
        ]
        if not reasons:
            continue
        due = min(r.since for r in reasons)
        if recruiter.do_not_contact_until is not None:
            due = max(due, recruiter.do_not_contact_until)
        if due <= until:
            due_list.append(FollowupDue(history, due, tuple(reasons)))
    due_list.sort(key=lambda f: (f.due, f.history.recruiter.name, f.history.recruiter.path))
    return due_list, problems
