"""The bodies of `mv`, `undo` and `log`: plain functions returning exit codes.

What they print follows the vault's language (`vaultpartner.cmdmessages`).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from vaultpartner import app
from vaultpartner.apply import Applier, ApplyReport, diffs
from vaultpartner.cache import NoteCache
from vaultpartner.cmdmessages import command_message, from_english
from vaultpartner.console import print_lines, print_warning
from vaultpartner.errors import EXIT_FINDINGS, EXIT_OK, VaultPartnerError
from vaultpartner.index import FileEntry
from vaultpartner.journal import Journal
from vaultpartner.links import LinkChange, SkippedLink
from vaultpartner.messages import Language
from vaultpartner.moving import clean_rel, moved_index, plan_move, rename_map
from vaultpartner.note import Note
from vaultpartner.paths import folder_of, is_markdown, nfc
from vaultpartner.plan import Plan
from vaultpartner.respan import edited_note
from vaultpartner.snaprecord import record_snapshot
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.vaultfs import LoadedVault, reparse, walk_vault


def vault_path(root: Path, given: str) -> str:
    """OLD/NEW as vault-relative paths: given relative to the vault, or absolute inside it."""
    path = Path(given)
    if not path.is_absolute():
        return clean_rel(given)
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path.parent)) / path.name
    try:
        return clean_rel(nfc(real.relative_to(real_root).as_posix()))
    except ValueError:
        raise VaultPartnerError(
            "path is outside the vault", path=given, hint=f"give a path inside {root}"
        ) from None


def writable(session: app.Session, vault: LoadedVault) -> Callable[[str], bool]:
    """Notes we may write: not reached through a symlink, not excluded by the config."""

    def check(path: str) -> bool:
        entry = vault.index.files.get(path)
        return not (entry is not None and entry.symlinked) and not session.config.is_excluded(path)

    return check


def vault_language(session: app.Session) -> Language:
    """`Session.language_for` without loading the vault: `undo` and `log` parse no note."""
    if session.config.language != "auto":
        return session.config.language
    return session.language_of(f.rel for f in walk_vault(session.root).files if is_markdown(f.rel))


def show_plan(session: app.Session, plan: Plan, language: Language) -> None:
    """What a run would do: one reason line per change, then the diffs."""
    print_lines([move.reason for move in plan.moves] + [edit.reason for edit in plan.edits])
    for text in diffs(session.root, plan, language=language):
        sys.stdout.write(text)
    for notice in plan.notices:
        print_warning(notice)


def run_line(run_id: str, language: Language) -> str:
    return command_message("run-undo", language, run_id=run_id)


def report(outcomes: ApplyReport, plan: Plan, language: Language) -> int:
    lines = [
        f"{outcome.reason}"
        for outcome in outcomes.outcomes
        if outcome.ok and outcome.status != "unchanged"
    ]
    print_lines(lines)
    for outcome in outcomes.failed:
        # The writer's messages start with the path already.
        text = (
            outcome.message
            if outcome.message.startswith(outcome.path)
            else f"{outcome.path}: {outcome.message}"
        )
        if outcome.status == "conflict":
            text += command_message("mv-conflict-hint", language)
        print_warning(text)
    for notice in plan.notices:
        print_warning(notice)
    if outcomes.run_id:
        print_lines([run_line(outcomes.run_id, language)])
    return EXIT_FINDINGS if outcomes.failed or plan.notices else EXIT_OK


def run_mv(session: app.Session, old: str, new: str, *, dry_run: bool, command: str) -> int:
    vault = app.load(session)
    old_rel, new_rel = vault_path(session.root, old), vault_path(session.root, new)
    check = writable(session, vault)
    plan, changes, skipped = plan_move(
        vault.index,
        old_rel,
        new_rel,
        link_format=session.obsidian.new_link_format,
        writable=check,
    )
    language = session.language_for(vault)
    plan = in_language(plan, changes, skipped, vault, language)
    if dry_run:
        show_plan(session, plan, language)
        return EXIT_FINDINGS if not plan.empty else EXIT_OK
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    with Applier(session.root, state, command=command, language=language) as applier:
        outcome = applier.apply(plan)
    if not outcome.failed:
        known = {move.src: move.dst for move in plan.moves}
        record_snapshot(session, moved_vault(session, vault, plan, outcome), known=known)
    return report(outcome, plan, language)


def in_language(
    plan: Plan,
    changes: Sequence[LinkChange],
    skipped: Sequence[SkippedLink],
    vault: LoadedVault,
    language: Language,
) -> Plan:
    """mv's plan with its reasons and notices in `language`, rebuilt from what plan_move
    decided: moving.py writes them in English, and the journal keeps the reasons shown.
    English comes out as moving.py wrote it (tests/test_command_language.py checks)."""
    moves, what = [], ""
    for move in plan.moves:
        folder = move.src not in vault.index.files
        what = f"{move.src}/ -> {move.dst}/" if folder else f"{move.src} -> {move.dst}"
        code = "mv-renamed" if folder_of(move.src) == folder_of(move.dst) else "mv-moved"
        moves.append(dataclasses.replace(move, reason=command_message(code, language, what=what)))
    longer: dict[str, int] = {}
    for change in changes:
        longer[change.source] = longer.get(change.source, 0) + change.longer_form
    edits = []
    for edit in plan.edits:
        values = {"source": edit.path, "what": what}
        reason = command_message("mv-rewrote", language, count=len(edit.edits), **values)
        if longer.get(edit.path):
            reason += command_message("mv-longer", language, count=longer[edit.path])
        edits.append(dataclasses.replace(edit, reason=reason))
    notices = [
        command_message(
            "mv-not-rewritten",
            language,
            source=item.source,
            line=item.link.line,
            raw=item.link.raw,
            reason=from_english(item.reason, language, "skip-"),
        )
        for item in skipped
    ]
    return Plan(moves=moves, edits=edits, creates=list(plan.creates), notices=notices)


def moved_vault(
    session: app.Session, vault: LoadedVault, plan: Plan, outcome: ApplyReport
) -> LoadedVault:
    """The vault as `mv` left it, without reading it all again: the index with the files
    moved, and the notes this run rewrote parsed again (and remembered in the note cache,
    so the next command does not parse them)."""
    renames: dict[str, str] = {}
    for move in plan.moves:
        renames |= rename_map(vault.index, move.src, move.dst)
    index = moved_index(vault.index, renames)
    os_paths = {renames.get(path, path): where for path, where in vault.os_paths.items()}
    for old, new in renames.items():
        os_paths[new] = str(vault.root / new)
        os_paths.pop(old, None)
    written = sorted({o.path for o in outcome.outcomes if o.status == "written"})
    edits = {edit.path: edit.edits for edit in plan.edits}

    def derive(path: str, data: bytes) -> Note | None:
        before = index.notes.get(path)
        if before is None or path not in edits:
            return None
        return edited_note(before, edits[path], data)

    state = ensure_vault_state_dir(session.root, override=session.state_override)
    cache = NoteCache.open(state)
    try:
        parsed = reparse(
            [(path, os_paths[path]) for path in written if path in os_paths],
            max_bytes=session.config.audit.max_note_bytes,
            cache=cache,
            derive=derive,
        )
    finally:
        if cache is not None:
            cache.close()
    entries = [
        FileEntry(path, note.size, index.files[path].symlinked) for path, note in parsed.items()
    ]
    index = index.updated(files=entries, notes=list(parsed.values()))
    return dataclasses.replace(vault, index=index, os_paths=os_paths)


def run_undo(session: app.Session, run_id: str | None, *, command: str) -> int:
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    journal = Journal.of_state(state)
    if run_id is None:
        runs = [run for run in journal.runs() if not run.command.startswith("undo ")]
        if not runs:
            raise VaultPartnerError(
                "nothing to undo: the journal has no runs", path=str(session.root)
            )
        record = runs[0]
    else:
        record = journal.get(run_id)
    language = vault_language(session)
    with Applier(session.root, state, command=command, language=language) as applier:
        outcome = applier.undo(record)
    if not outcome.failed:
        known = {
            entry.path: entry.old_path
            for _index, entry in record.applied()
            if entry.action == "move" and entry.old_path is not None
        }
        record_snapshot(session, known=known)
    return report(outcome, Plan(), language)


def run_log(session: app.Session, since: datetime | None) -> int:
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    runs = Journal.of_state(state).runs(since=since)
    language = vault_language(session)
    lines: list[str] = []
    for run in runs:
        when = run.started.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        status = "" if run.finished else command_message("log-interrupted", language)
        lines.append(f"{run.run_id}  {when}  {run.command}{status}")
        # The action stays a journal word in every language (scripts count "    write" lines).
        for _index, entry in run.applied():
            where = f"{entry.old_path} -> {entry.path}" if entry.action == "move" else entry.path
            lines.append(f"    {entry.action:<6}  {where}  — {entry.reason}")
    if not lines:
        lines.append(command_message("log-empty", language))
    print_lines(lines)
    return EXIT_OK


def command_line(args: Sequence[str]) -> str:
    return " ".join(args)
