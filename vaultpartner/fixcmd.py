"""The body of `vaultpartner fix`, and saving the index snapshot after every command."""

from __future__ import annotations

import dataclasses
import logging
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from vaultpartner import app, hubcmd
from vaultpartner.apply import Applier, ApplyReport, diffs
from vaultpartner.cmdmessages import command_message, plan_in
from vaultpartner.console import print_lines, print_warning
from vaultpartner.edits import decode_note
from vaultpartner.errors import EXIT_FINDINGS, EXIT_OK
from vaultpartner.findings import Finding
from vaultpartner.fixing import (
    FixChange,
    FixInputs,
    build_plan,
    describe,
    leftovers,
    plan_fix,
)
from vaultpartner.hubs import HubResult
from vaultpartner.index import FileEntry
from vaultpartner.messages import Language
from vaultpartner.note import Link, parse_note
from vaultpartner.paths import stem_of, within_any
from vaultpartner.plan import Plan
from vaultpartner.snaprecord import record_snapshot
from vaultpartner.snapshot import (
    Snapshot,
    build_snapshot,
    load_snapshot_and_journal,
)
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.vaultfs import LoadedVault

log = logging.getLogger(__name__)
_WIKILINK = re.compile(r"\[\[.*?\]\]")

Confirm = Callable[[str], bool]


def _note_reader(vault: LoadedVault) -> Callable[[str, Link], bool]:
    """Whether a body link sits on a line with another `|` (a table row: use `\\|`)."""
    texts: dict[str, str] = {}

    def in_table(source: str, link: Link) -> bool:
        if link.place != "body":
            return False
        if source not in texts:
            try:
                texts[source] = decode_note(Path(vault.os_paths[source]).read_bytes())[0]
            except (OSError, KeyError, UnicodeDecodeError):
                texts[source] = ""
        text = texts[source]
        start = max(text.rfind("\n", 0, link.start), text.rfind("\r", 0, link.start)) + 1
        ends = [i for i in (text.find("\n", link.end), text.find("\r", link.end)) if i >= 0]
        end = min(ends) if ends else len(text)
        around = text[start : link.start] + " " + text[link.end : end]
        return "|" in _WIKILINK.sub("", around)

    return in_table


def _writable(session: app.Session, vault: LoadedVault) -> Callable[[str], bool]:
    """Notes fix may edit: not reached through a symlink, not excluded by the config."""

    def check(path: str) -> bool:
        entry = vault.index.files.get(path)
        return not (entry is not None and entry.symlinked) and not session.config.is_excluded(path)

    return check


def _inputs(
    session: app.Session, vault: LoadedVault, before: Snapshot | None, language: Language
) -> FixInputs:
    folders = session.template_folders()
    return FixInputs(
        index=vault.index,
        before=before,
        now=build_snapshot(vault, before),
        link_format=session.obsidian.new_link_format,
        fix_aliases=session.config.links.fix_aliases,
        fix_case=session.config.links.fix_case,
        writable=_writable(session, vault),
        suggestable=lambda path: not within_any(path, folders),
        in_table=_note_reader(vault),
        language=language,
    )


def _after_writes(vault: LoadedVault, report: ApplyReport) -> LoadedVault:
    """The vault with the notes this run wrote or created parsed again (for the snapshot).

    Not a fresh load: a rename made by someone else meanwhile would then be in the snapshot
    as if this run had handled its links."""
    written = [o.path for o in report.outcomes if o.status in ("written", "created")]
    entries, notes = [], []
    os_paths = dict(vault.os_paths)
    for path in written:
        os_path = os_paths.setdefault(path, str(vault.root / path))
        try:
            data = Path(os_path).read_bytes()
        except OSError:
            continue
        entry = vault.index.files.get(path)
        entries.append(FileEntry(path, len(data), entry.symlinked if entry else False))
        notes.append(parse_note(path, data))
    index = vault.index.updated(files=entries, notes=notes)
    return dataclasses.replace(vault, index=index, os_paths=os_paths)


def run_fix(
    session: app.Session,
    *,
    dry_run: bool,
    interactive: bool,
    command: str,
    confirm: Confirm | None = None,
    create_missing: bool = False,
) -> int:
    vault = app.load(session)
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    before = load_snapshot_and_journal(state, session.root)
    audit_result, language = app.audit(session, vault)
    if before is None:
        print_warning(command_message("fix-no-snapshot", language))
    result = plan_fix(_inputs(session, vault, before, language))
    listed = list(leftovers(audit_result.findings, result))
    changes = result.changes
    declined: list[FixChange] = []
    if interactive and not dry_run and changes:
        ask = confirm if confirm is not None else (lambda _text: False)
        accepted = [
            c for c in changes if ask(command_message("fix-confirm", language, change=describe(c)))
        ]
        declined = [c for c in changes if c not in accepted]
        changes = accepted
    plan = build_plan(vault.index, changes, result.notices, language=language)
    if dry_run:
        for text in diffs(session.root, plan, language=language):
            sys.stdout.write(text)
        hubs = _hub_plan(session, vault, create_missing=create_missing)
        if hubs is not None:
            for text in diffs(session.root, hubs.plan, language=language):
                sys.stdout.write(text)
            listed = _without_created(listed, hubs.plan)
        _list(listed, result.notices, declined, language)
        record_snapshot(session, vault)
        pending = not plan.empty or listed or result.notices or (hubs and not hubs.plan.empty)
        return EXIT_FINDINGS if pending else EXIT_OK
    report = ApplyReport(None, ())
    if not plan.empty:
        with Applier(session.root, state, command=command, language=language) as applier:
            report = applier.apply(plan)
    failed = {o.path for o in report.failed}
    done = [c for c in changes if c.source not in failed]
    nothing = command_message("fix-nothing", language)
    print_lines([describe(change) for change in done] or [nothing])
    for outcome in report.failed:
        print_warning(f"{outcome.path}: {outcome.message}")
    if report.run_id:
        print_lines([command_message("run-undo", language, run_id=report.run_id)])
    after = _after_writes(vault, report)
    hub_failed = False
    hubs = _hub_plan(session, after, create_missing=create_missing)
    if hubs is not None:
        hub_report = _apply_hubs(session, state, hubs, command=command, language=language)
        hub_failed = hub_report is not None and bool(hub_report.failed)
        listed = _without_created(listed, hubs.plan)
        if hub_report is not None:
            after = _after_writes(after, hub_report)
    _list(listed, result.notices, declined, language)
    complete = not failed and not declined
    followed = {new: (old, time.time()) for old, new in result.renames.items()}
    record_snapshot(session, after, handled=complete, noticed=followed)
    problems = failed or declined or listed or result.notices or hub_failed
    return EXIT_FINDINGS if problems else EXIT_OK


def _hub_plan(
    session: app.Session, vault: LoadedVault, *, create_missing: bool
) -> HubResult | None:
    """Topic hubs (`[hubs]` in vaultpartner.toml) and, with --create-missing, missing topics."""
    if not (hubcmd.hubs_configured(session.config) or create_missing):
        return None
    language = session.language_for(vault)
    result = hubcmd.plan_for_vault(session, vault, language=language, create_missing=create_missing)
    return dataclasses.replace(result, plan=plan_in(result.plan, language, "hubplan-"))


def _apply_hubs(
    session: app.Session, state: Path, hubs: HubResult, *, command: str, language: Language
) -> ApplyReport | None:
    """Apply the hub plan (None when there was nothing to write). Pairs are saved only after
    success."""
    for notice in hubs.plan.notices:
        print_warning(notice)
    if hubs.plan.empty:
        hubcmd.save_pairs(state, hubs.pairs)
        return None
    with Applier(session.root, state, command=command, language=language) as applier:
        report = applier.apply(hubs.plan)
    print_lines([o.reason for o in report.outcomes if o.ok and o.status != "unchanged"])
    for outcome in report.failed:
        print_warning(outcome.message)
    if not report.failed:
        hubcmd.save_pairs(state, hubs.pairs)
    return report


def _without_created(listed: list[Finding], plan: Plan) -> list[Finding]:
    """Broken links to topics that --create-missing creates are no longer left over."""
    created = {stem_of(create.path).lower() for create in plan.creates}
    return [
        finding
        for finding in listed
        if not (finding.target and _link_name(finding.target).lower() in created)
    ]


def _link_name(raw: str) -> str:
    inner = raw.strip("!").strip("[]")
    return inner.split("|", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]


def _list(
    listed: list[Finding], notices: list[str], declined: list[FixChange], language: Language
) -> None:
    lines = [
        command_message("fix-not-fixed", language, path=f.path, line=f.line, message=f.message)
        for f in listed
    ]
    lines.extend(
        command_message("fix-declined", language, change=describe(change)) for change in declined
    )
    print_lines(lines)
    for notice in notices:
        print_warning(notice)


def run_hubs(session: app.Session, *, command: str) -> bool:
    """Bring topic hubs up to date (the watcher's call); True when something failed."""
    if not hubcmd.hubs_configured(session.config):
        return False
    vault = app.load(session)
    hubs = _hub_plan(session, vault, create_missing=False)
    if hubs is None:
        return False
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    language = session.language_for(vault)
    report = _apply_hubs(session, state, hubs, command=command, language=language)
    return report is not None and bool(report.failed)
