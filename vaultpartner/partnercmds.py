"""The bodies of `followups`, `new recruiter` and the demo's follow-ups: functions returning exit
codes. Reading and writing happen here; deciding happens in partners.planner (pure). What the
commands print follows the vault's language (`vaultpartner.cmdmessages`)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path

from vaultpartner import app
from vaultpartner.apply import Applier, ApplyReport, diffs
from vaultpartner.cmdmessages import command_message, plan_in
from vaultpartner.console import print_lines, print_warning
from vaultpartner.digest import content_hash
from vaultpartner.errors import EXIT_FINDINGS, EXIT_OK, VaultPartnerError
from vaultpartner.linkcmds import writable
from vaultpartner.messages import Language
from vaultpartner.partners import notes
from vaultpartner.partners.generated import load_state, save_state
from vaultpartner.partners.history import build_histories
from vaultpartner.partners.model import DueReason
from vaultpartner.partners.names import fold, note_path, safe_folder, safe_stem
from vaultpartner.partners.planner import (
    FollowupPlan,
    PlannerInput,
    digest_path,
    plan_followups,
)
from vaultpartner.partners.schema import excluded, load_recruiters
from vaultpartner.paths import within_any
from vaultpartner.plan import FileCreate, Plan
from vaultpartner.profilenote import profile_changed
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.vaultfs import LoadedVault
from vaultpartner.vaulttexts import VaultTexts


def vault_templates(session: app.Session) -> Path | None:
    """The vault's templates folder (partners.templates_folder), if it exists inside the vault."""
    folder = session.config.partners.templates_folder.strip().strip("/")
    if not folder:
        return None
    path = session.root / folder
    real_root = os.path.realpath(session.root)
    if not path.is_dir() or not os.path.realpath(path).startswith(real_root + os.sep):
        return None
    return path


def _writable(session: app.Session, vault: LoadedVault) -> Callable[[str], bool]:
    base = writable(session, vault)
    folders = session.template_folders()
    return lambda path: base(path) and not within_any(path, folders)


def planner_input(
    session: app.Session, vault: LoadedVault, *, today: dt.date
) -> tuple[PlannerInput, Path | None]:
    config = session.config.partners
    texts = VaultTexts(vault)
    templates = list(session.template_folders())
    skip = excluded(config, templates)
    recruiters, _problems = load_recruiters(vault.index, texts, config, templates)
    histories, _ = build_histories(
        recruiters,
        vault.index,
        texts,
        tasks_global_filter=session.obsidian.tasks_global_filter,
        skip=lambda path: skip(path) or session.config.is_excluded(path),
    )
    state = session.state_dir
    renderer = notes.Renderer(session.language_for(vault), vault_templates(session))
    style = notes.TaskStyle(
        session.obsidian.tasks_format,
        session.obsidian.tasks_global_filter,
        session.obsidian.tasks_set_created_date,
    )
    inp = PlannerInput(
        index=vault.index,
        texts=texts,
        histories=histories,
        config=config,
        today=today,
        style=style,
        link_format=session.obsidian.new_link_format,
        renderer=renderer,
        generated=load_state(state),
        profile_changed=profile_changed(session, vault),
        writable=_writable(session, vault),
    )
    return inp, state


_REASONS = frozenset({"cadence", "profile", "commitment", "reciprocity"})
_STATUSES = frozenset({"created", "written", "moved", "deleted"})


def _reason(reason: DueReason, language: Language) -> str:
    code = reason.reason if reason.reason in _REASONS else "other"
    return command_message(
        f"followup-reason-{code}",
        language,
        code=reason.reason,
        detail=reason.detail,
        since=reason.since.isoformat(),
    )


def describe(result: FollowupPlan, language: Language = "en") -> list[str]:
    """Who is due and why, and what the run will create."""
    created = {id(item): path for path, item in result.created}
    lines = []
    for item in result.due:
        reasons = ", ".join(_reason(r, language) for r in item.reasons)
        where = created.get(id(item))
        lines.append(
            command_message(
                "followup-due",
                language,
                due=item.due.isoformat(),
                name=item.history.recruiter.name,
                reasons=reasons,
                target=f" -> {where}" if where else "",
            )
        )
    for followup in result.open:
        due = followup.due.isoformat() if followup.due else "?"
        lines.append(command_message("followup-open", language, path=followup.path, due=due))
    for note, recruiter, day in result.closed:
        values = {"note": note, "recruiter": recruiter, "day": day.isoformat()}
        lines.append(command_message("followup-closed", language, **values))
    if not lines:
        lines.append(command_message("followup-none", language))
    return lines


def _apply(
    session: app.Session, plan: Plan, command: str, language: Language
) -> tuple[ApplyReport, Path]:
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    with Applier(session.root, state, command=command, language=language) as applier:
        return applier.apply(plan), state


def _report(report: ApplyReport, plan: Plan, language: Language) -> int:
    for outcome in report.outcomes:
        if outcome.ok and outcome.status != "unchanged":
            values = {"path": outcome.path, "reason": outcome.reason}
            if outcome.status in _STATUSES:
                line = command_message(f"status-{outcome.status}", language, **values)
            else:  # a status the writer may add later: said as it is
                line = f"{outcome.status} {outcome.path}: {outcome.reason}"
            print_lines([line])
    for outcome in report.failed:
        print_warning(f"{outcome.path}: {outcome.message}")
    for notice in plan.notices:
        print_warning(notice)
    if report.run_id:
        print_lines([command_message("run-undo", language, run_id=report.run_id)])
    return EXIT_FINDINGS if report.failed or plan.notices else EXIT_OK


def run_followups(session: app.Session, *, today: dt.date, dry_run: bool, command: str) -> int:
    """Plan follow-ups; print the plan (and diffs with dry_run) or apply it."""
    vault = app.load(session)
    language = session.language_for(vault)
    inp, _state = planner_input(session, vault, today=today)
    result = plan_followups(inp)
    plan = plan_in(result.plan, language, "planner-")
    print_lines(describe(result, language))
    if dry_run:
        for text in diffs(session.root, plan, language=language):
            sys.stdout.write(text)
        for notice in plan.notices:
            print_warning(notice)
        return EXIT_FINDINGS if not plan.empty else EXIT_OK
    report, state = _apply(session, plan, command, language)
    record_generated(state, inp, result, report)
    return _report(report, plan, language)


def record_generated(
    state: Path, inp: PlannerInput, result: FollowupPlan, report: ApplyReport
) -> None:
    """Remember the hashes of the generated notes that were written, and forget deleted ones."""
    written = {o.path for o in report.outcomes if o.status in ("created", "written", "unchanged")}
    generated = inp.generated
    generated.forget_missing(set(inp.index.files) | written)
    for path, data in result.generated.items():
        if path in written:
            generated.record(path, content_hash(data))
    save_state(state, generated)


def run_new_recruiter(session: app.Session, name: str, *, today: dt.date) -> int:
    """Create a recruiter note from recruiter.md.j2; never overwrites."""
    vault = app.load(session)
    config = session.config.partners
    folder = safe_folder(config.recruiter_folder)
    path = note_path(folder, safe_stem(name))
    clash = [p for p in vault.index.files if fold(p) == fold(path)]
    if clash:
        raise VaultPartnerError(
            "a note with this name already exists", path=clash[0], hint="choose another name"
        )
    language = session.language_for(vault)
    renderer = notes.Renderer(language, vault_templates(session))
    context = notes.recruiter_context(
        name, today=today, recruiter_type=config.recruiter_type, tag=config.recruiter_tag
    )
    data = renderer.recruiter(context).encode("utf-8")
    reason = command_message("recruiter-reason", language, name=context["name"])
    plan = Plan(creates=[FileCreate(path, data, reason)])
    report, _state = _apply(session, plan, f"new recruiter {path}", language)
    code = _report(report, plan, language)
    if code == EXIT_OK:
        print_lines([command_message("recruiter-created", language, path=session.root / path)])
    return code


def run_demo_followups(session: app.Session, today: dt.date) -> int:
    """Write the sample vault's follow-ups and digest, and say where they are."""
    code = run_followups(session, today=today, dry_run=False, command="demo followups")
    config = session.config.partners
    lines = [f"Follow-up notes: {session.root / safe_folder(config.followups_folder)}"]
    digest = digest_path(config.digest_note)
    if digest is not None:
        lines.append(f"Digest: {session.root / digest}")
    print_lines(lines)
    return code
