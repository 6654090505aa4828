"""Turning due follow-ups and the follow-up notes already in the vault into a Plan. Pure.

1. Existing follow-up notes (`generated_by: vaultpartner`, `vaultpartner: followup`) are read
   into `ExistingFollowup`s: their recruiter link, due, status and task lines.
2. Closing the loop: a completed follow-up (`status: done`, or every task ticked) records the
   contact: the recruiter's `last_contact` becomes the newest ✅ date (else the run's date) and
   the follow-up's `status` becomes `done`, each edited in place (fmedit: every other byte kept).
3. The rules decide who is due, from the updated histories; one note per due recruiter is
   created at `{followups_folder}/{followup_name}.md`, at most `max_new_notes` per run.
4. An open follow-up or the digest that is still exactly what vaultpartner wrote (its hash is
   recorded in the state folder) is re-rendered when its content would change; once the user
   edited it, it is left alone and reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from vaultpartner.config import PartnersConfig
from vaultpartner.dates import as_date
from vaultpartner.edits import Edit
from vaultpartner.fmedit import FrontmatterEditError, set_value, yaml_scalar
from vaultpartner.index import VaultIndex
from vaultpartner.linkformat import LinkFormat
from vaultpartner.partners import notes
from vaultpartner.partners.existing import read_existing
from vaultpartner.partners.generated import GeneratedState
from vaultpartner.partners.model import (
    ContactHistory,
    ExistingFollowup,
    FollowupDue,
    PartnerProblem,
)
from vaultpartner.partners.names import (
    fill_pattern,
    fold,
    note_path,
    safe_folder,
    safe_stem,
    unique_note_path,
)
from vaultpartner.partners.rules import due_followups
from vaultpartner.partners.views import Linker, digest_text, followup_facts
from vaultpartner.plan import FileCreate, FileEdit, Plan


@dataclass(frozen=True)
class PlannerInput:
    index: VaultIndex
    texts: Mapping[str, str]  # note text without BOM, by vault path
    histories: Sequence[ContactHistory]
    config: PartnersConfig
    today: dt.date
    style: notes.TaskStyle
    link_format: LinkFormat
    renderer: notes.Renderer
    generated: GeneratedState
    profile_changed: dt.date | None = None
    writable: Callable[[str], bool] = lambda _path: True


@dataclass
class FollowupPlan:
    plan: Plan
    due: list[FollowupDue]  # every due follow-up this run decided on
    created: list[tuple[str, FollowupDue]] = field(default_factory=list)
    postponed: list[FollowupDue] = field(default_factory=list)  # over max_new_notes
    open: list[ExistingFollowup] = field(default_factory=list)  # open before this run
    closed: list[tuple[str, str, dt.date]] = field(default_factory=list)  # followup, recruiter
    generated: dict[str, bytes] = field(default_factory=dict)  # path -> bytes we write
    problems: list[PartnerProblem] = field(default_factory=list)


def _set(inp: PlannerInput, path: str, key: str, value: str) -> list[Edit] | str:
    try:
        return set_value(inp.texts[path], key, value)
    except (FrontmatterEditError, KeyError) as exc:
        return f"{path}: cannot set {key} ({exc}); edit it by hand"


def close_loop(
    inp: PlannerInput, existing: Sequence[ExistingFollowup], result: FollowupPlan
) -> tuple[list[ContactHistory], list[ExistingFollowup]]:
    """Edits recording completed follow-ups; the histories and follow-ups as they will be."""
    by_path = {h.recruiter.path: h for h in inp.histories}
    contact: dict[str, dt.date] = {}
    updated: list[ExistingFollowup] = []
    for followup in existing:
        recruiter = followup.recruiter_path
        if not followup.completed or recruiter is None or recruiter not in by_path:
            updated.append(followup)
            continue
        day = followup.newest_done_date or inp.today
        if followup.status != "done":
            edits = _set(inp, followup.path, "status", "done")
            if isinstance(edits, str) or not inp.writable(followup.path):
                why = edits if isinstance(edits, str) else f"{followup.path}: not writable"
                result.plan.notices.append(why)
                updated.append(followup)
                continue
            result.plan.edits.append(
                FileEdit(followup.path, followup.content_hash, tuple(edits), "follow-up done")
            )
            contact[recruiter] = max(day, contact.get(recruiter, day))
        else:
            last = by_path[recruiter].last_contact
            if last is not None and last >= (followup.newest_done_date or followup.due or day):
                updated.append(followup)  # recorded already
                continue
            contact[recruiter] = max(day, contact.get(recruiter, day))
        result.closed.append((followup.path, recruiter, day))
        updated.append(dataclasses.replace(followup, status="done"))
    histories = []
    for history in inp.histories:
        path = history.recruiter.path
        when = contact.get(path)
        typed = history.recruiter.last_contact
        if when is None or (typed is not None and typed >= when):
            histories.append(history)
            continue
        edits = _set(inp, path, "last_contact", yaml_scalar(when))
        note = inp.index.notes[path]
        if isinstance(edits, str) or not inp.writable(path):
            result.plan.notices.append(edits if isinstance(edits, str) else f"{path}: not writable")
            histories.append(history)
            continue
        reason = f"last_contact {when.isoformat()} (follow-up done)"
        result.plan.edits.append(FileEdit(path, note.content_hash, tuple(edits), reason))
        moved = dataclasses.replace(history.recruiter, last_contact=when)
        histories.append(dataclasses.replace(history, recruiter=moved))
    return histories, updated


def _rewrite(inp: PlannerInput, path: str, new: str, reason: str, result: FollowupPlan) -> None:
    """Replace a generated note we wrote and the user has not touched; report it otherwise."""
    note = inp.index.notes[path]
    old = inp.texts.get(path)
    if old is None or old == new:
        return
    if not inp.generated.untouched(path, note.content_hash) or not inp.writable(path):
        result.plan.notices.append(f"{path}: edited since vaultpartner wrote it; left as it is")
        return
    edit = Edit(0, len(old), old, new)
    result.plan.edits.append(FileEdit(path, note.content_hash, (edit,), reason))
    result.generated[path] = (("\ufeff" if note.bom else "") + new).encode("utf-8")


def _created_of(inp: PlannerInput, path: str) -> dt.date:
    meta = inp.index.notes[path].frontmatter or {}
    return as_date(meta.get("created")) or inp.today


def plan_followups(inp: PlannerInput) -> FollowupPlan:
    """The whole run's plan: closing edits, new follow-ups, refreshed notes, the digest."""
    config = inp.config
    result = FollowupPlan(Plan(), [])
    existing = read_existing(inp.index, inp.texts, global_filter=inp.style.global_filter)
    histories, existing = close_loop(inp, existing, result)
    due, problems = due_followups(
        histories,
        today=inp.today,
        config=config,
        profile_changed=inp.profile_changed,
        existing=existing,
    )
    result.due, result.problems = due, problems
    linker = Linker(inp.index, inp.link_format)
    open_notes = _open_by_recruiter(existing, result)
    result.open = sorted(open_notes.values(), key=lambda f: (f.due or dt.date.max, f.path))
    # Every reason of recruiters whose follow-up is open (to refresh untouched notes).
    open_paths = {f.path for f in open_notes.values()}
    still_open = [f for f in existing if f.path not in open_paths]
    reasons_now, _ = due_followups(
        histories,
        today=inp.today,
        config=config,
        profile_changed=inp.profile_changed,
        existing=still_open,
    )
    for item in reasons_now:
        followup = open_notes.get(item.history.recruiter.path)
        if followup is None or followup.due is None:
            continue
        refreshed = dataclasses.replace(item, due=followup.due)
        facts = followup_facts(
            refreshed, followup.path, _created_of(inp, followup.path), inp, linker
        )
        text = inp.renderer.followup(notes.followup_context(facts, inp.style))
        _rewrite(inp, followup.path, text, "follow-up refreshed", result)
    folder = safe_folder(config.followups_folder)
    taken = set(inp.index.files)
    budget = config.max_new_notes
    for item in due:
        recruiter = item.history.recruiter
        if any(f.recruiter_path == recruiter.path and f.due == item.due for f in existing):
            continue
        if len(result.created) >= budget:
            result.postponed.append(item)
            continue
        stem = safe_stem(
            fill_pattern(config.followup_name, date=item.due.isoformat(), name=recruiter.name)
        )
        orphan = _unlinked_followup(existing, note_path(folder, stem), item.due)
        if orphan is not None:
            # Most likely this very follow-up, its recruiter renamed and the link not yet
            # repaired (a rename outside Obsidian, a watcher stopped midway): a second
            # note would be a duplicate once the link is fixed.
            result.plan.notices.append(
                f"{orphan.path}: its recruiter link opens nothing; no second follow-up for "
                f"{recruiter.name} until it does (vaultpartner fix VAULT repairs renames)"
            )
            continue
        path = unique_note_path(folder, stem, taken)
        if not inp.writable(path):
            result.plan.notices.append(f"{path}: excluded by the settings; not created")
            continue
        taken.add(path)
        facts = followup_facts(item, path, inp.today, inp, linker)
        data = inp.renderer.followup(notes.followup_context(facts, inp.style)).encode("utf-8")
        result.plan.creates.append(FileCreate(path, data, f"follow-up for {recruiter.name}"))
        result.generated[path] = data
        result.created.append((path, item))
    if result.postponed:
        names = ", ".join(f.history.recruiter.name for f in result.postponed)
        result.plan.notices.append(
            f"{len(result.postponed)} more follow-ups are due but partners.max_new_notes "
            f"({budget}) was reached: {names}; run again to create them"
        )
    _plan_digest(inp, histories, existing, result, linker, taken)
    return result


def _open_by_recruiter(
    existing: Sequence[ExistingFollowup], result: FollowupPlan
) -> dict[str, ExistingFollowup]:
    """Each recruiter's open follow-up: the one due first when there are several, which a
    notice names (a checkout or a sync can bring back an old one beside the current one; the
    user may have written in both, so neither is closed or deleted)."""
    by_recruiter: dict[str, list[ExistingFollowup]] = {}
    for followup in existing:
        if not followup.completed and followup.status == "open" and followup.recruiter_path:
            by_recruiter.setdefault(followup.recruiter_path, []).append(followup)
    chosen: dict[str, ExistingFollowup] = {}
    for recruiter, followups in sorted(by_recruiter.items()):
        followups.sort(key=lambda f: (f.due or dt.date.max, f.path))
        chosen[recruiter] = followups[0]
        if len(followups) > 1:
            others = ", ".join(f.path for f in followups[1:])
            result.plan.notices.append(
                f"{recruiter}: {len(followups)} open follow-ups; using {followups[0].path}, "
                f"also open: {others} (close or delete the ones you do not need)"
            )
    return chosen


def _unlinked_followup(
    existing: Sequence[ExistingFollowup], path: str, due: dt.date
) -> ExistingFollowup | None:
    """An open follow-up at the name a new one would take, due the same day, whose
    `recruiter` link opens nothing."""
    folded = fold(path)
    for followup in existing:
        if (
            followup.recruiter_path is None
            and not followup.completed
            and followup.status == "open"
            and followup.due == due
            and fold(followup.path) == folded
        ):
            return followup
    return None


def digest_path(digest_note: str) -> str | None:
    raw = digest_note.strip().removesuffix(".md")
    if not raw:
        return None
    folder, _, name = raw.replace("\\", "/").rpartition("/")
    stem = safe_stem(name)
    safe = safe_folder(folder)
    return f"{safe}/{stem}.md" if safe else f"{stem}.md"


def _plan_digest(
    inp: PlannerInput,
    histories: Sequence[ContactHistory],
    existing: Sequence[ExistingFollowup],
    result: FollowupPlan,
    linker: Linker,
    taken: set[str],
) -> None:
    path = digest_path(inp.config.digest_note)
    if path is None:
        return
    text = digest_text(inp, path, histories, existing, result.created, linker)
    if path in inp.index.files:
        if path not in inp.index.notes:
            result.plan.notices.append(f"{path}: cannot read the digest note; not rewritten")
            return
        _rewrite(inp, path, text, "digest updated", result)
    elif inp.config.max_new_notes > 0 and inp.writable(path) and path not in taken:
        data = text.encode("utf-8")
        result.plan.creates.append(FileCreate(path, data, "follow-up digest"))
        result.generated[path] = data
