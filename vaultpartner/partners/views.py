"""What the generated notes show, built from histories and follow-ups. Pure (the planner's helper).

Links are written as Obsidian would write them for the vault's newLinkFormat, including links
to notes this same run creates, so that a second run renders the very same text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from vaultpartner.index import VaultIndex
from vaultpartner.linkformat import LinkFormat, relative_path
from vaultpartner.partners import notes
from vaultpartner.partners.model import ContactHistory, ExistingFollowup, FollowupDue
from vaultpartner.partners.rules import cadence_for
from vaultpartner.paths import name_of

if TYPE_CHECKING:
    from vaultpartner.partners.planner import PlannerInput


class Linker:
    """Links between notes, for notes that exist and for notes this run creates."""

    def __init__(self, index: VaultIndex, link_format: LinkFormat) -> None:
        self.index = index
        self.link_format = link_format

    def link(self, target: str, source: str, label: str = "") -> str:
        if target in self.index.files:
            return notes.link_to(
                self.index, target, source, link_format=self.link_format, label=label
            )
        full = target.removesuffix(".md")
        if self.link_format == "shortest":
            text = full if self.index.paths_named(name_of(target)) else name_of(full)
        elif self.link_format == "relative":
            text = relative_path(target, source).removesuffix(".md")
        else:
            text = full
        return notes.link_text(text, target, label)


def _recent_items(history: ContactHistory, window: int) -> tuple[list[str], list[str]]:
    structured = [i for i in history.interactions if i.structured][: max(window, 1)]
    gave = notes.clean_list([item for i in structured for item in i.gave])
    received = notes.clean_list([item for i in structured for item in i.received])
    return gave, received


def followup_facts(
    item: FollowupDue, path: str, created: dt.date, inp: PlannerInput, linker: Linker
) -> notes.FollowupFacts:
    history = item.history
    recruiter = history.recruiter
    last = history.last_contact
    newest = history.interactions[0] if history.interactions else None
    if newest is not None and newest.date != last:
        newest = None
    gave, received = _recent_items(history, inp.config.reciprocity_window)
    commitments = tuple(
        (notes.clean(c.text), c.due) for c in history.commitments[: notes.MAX_LIST_ITEMS]
    )
    return notes.FollowupFacts(
        recruiter_link=linker.link(recruiter.path, path, recruiter.name),
        name=notes.clean(recruiter.name) or notes.clean(name_of(recruiter.path)),
        company=notes.clean(recruiter.company or ""),
        role=notes.clean(recruiter.role or ""),
        due=item.due,
        created=created,
        reasons=tuple((r.reason, r.since, notes.clean(r.detail)) for r in item.reasons),
        cadence=cadence_for(history, inp.config),
        last_contact=last,
        last_kind=(newest.kind or "") if newest else "",
        last_summary=notes.clean(newest.summary) if newest else "",
        gave=tuple(gave),
        received=tuple(received),
        commitments=commitments,
    )


def _reasons_of(inp: PlannerInput, path: str) -> tuple[str, ...]:
    note = inp.index.notes.get(path)
    raw = (note.frontmatter or {}).get("reasons") if note else None
    if not isinstance(raw, list):
        return ()
    return tuple(notes.clean(r) for r in raw if isinstance(r, str) and notes.clean(r))


def digest_text(
    inp: PlannerInput,
    path: str,
    histories: Sequence[ContactHistory],
    existing: Sequence[ExistingFollowup],
    created: Sequence[tuple[str, FollowupDue]],
    linker: Linker,
) -> str:
    by_path = {h.recruiter.path: h for h in histories}
    rows: list[notes.DigestRow] = []
    for followup in existing:
        history = by_path.get(followup.recruiter_path or "")
        if followup.completed or followup.status != "open" or history is None:
            continue
        recruiter = history.recruiter
        rows.append(
            notes.DigestRow(
                link=linker.link(followup.path, path),
                recruiter_link=linker.link(recruiter.path, path, recruiter.name),
                name=notes.clean(recruiter.name),
                due=followup.due,
                reasons=_reasons_of(inp, followup.path),
            )
        )
    for note_path, item in created:
        recruiter = item.history.recruiter
        rows.append(
            notes.DigestRow(
                link=linker.link(note_path, path),
                recruiter_link=linker.link(recruiter.path, path, recruiter.name),
                name=notes.clean(recruiter.name),
                due=item.due,
                reasons=tuple(r.reason for r in item.reasons),
            )
        )
    balance = [
        notes.BalanceRow(
            recruiter_link=linker.link(h.recruiter.path, path, h.recruiter.name),
            name=notes.clean(h.recruiter.name),
            gave=sum(len(i.gave) for i in h.interactions),
            received=sum(len(i.received) for i in h.interactions),
            last_contact=h.last_contact,
        )
        for h in histories
        if h.recruiter.status != "archived"
    ]
    context = notes.digest_context(inp.today, rows, balance)
    return inp.renderer.digest(context)
