"""What every command does first: open the vault with its settings, load it, audit it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vaultpartner.cache import NoteCache
from vaultpartner.config import Config, LoadedConfig, load_config
from vaultpartner.findings import SEVERITY, Finding
from vaultpartner.messages import Language, detect_language, message
from vaultpartner.obsidian_settings import ObsidianSettings, read_obsidian_settings
from vaultpartner.paths import stem_of
from vaultpartner.state import ensure_vault_state_dir, vault_state_dir
from vaultpartner.vaultfs import (
    LoadedVault,
    Progress,
    Walk,
    WorkerTask,
    check_vault_root,
    load_vault,
)

if TYPE_CHECKING:  # the audit (and rapidfuzz) is loaded only by commands that audit
    from vaultpartner.audit import AuditOptions, AuditResult, Offload
    from vaultpartner.auditmemo import AuditMemo
    from vaultpartner.suggest import SuggestionMemo

_DUE_TEXT = re.compile(r"due (\S+) \((.*)\)")


@dataclass(frozen=True)
class Session:
    root: Path
    loaded: LoadedConfig
    obsidian: ObsidianSettings
    warnings: tuple[str, ...]
    state_override: Path | None

    @property
    def config(self) -> Config:
        return self.loaded.config

    @property
    def state_dir(self) -> Path:
        """The vault's state folder (not created here: read-only commands create nothing)."""
        return vault_state_dir(self.root, override=self.state_override)

    def obsidian_types(self) -> dict[str, str]:
        """Property types from .obsidian/types.json ({"types": {"due": "date", ...}}), if any."""
        path = self.root / self.obsidian.config_folder / "types.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        types = data.get("types") if isinstance(data, dict) else None
        if not isinstance(types, dict):
            return {}
        return {str(key): str(value) for key, value in types.items() if isinstance(value, str)}

    def template_folders(self) -> tuple[str, ...]:
        ours = self.config.partners.templates_folder.strip("/")
        return tuple(dict.fromkeys((*self.obsidian.template_folders, *([ours] if ours else []))))

    def language_for(self, vault: LoadedVault | None) -> Language:
        if vault is None and self.config.language == "auto":
            return "en"
        return self.language_of(vault.index.notes if vault is not None else ())

    def language_of(self, note_paths: Iterable[str]) -> Language:
        """The configured language, or with `auto` the one the note names are written in."""
        if self.config.language != "auto":
            return self.config.language
        return detect_language([stem_of(path) for path in note_paths])

    def audit_options(self, language: Language) -> AuditOptions:
        from vaultpartner.audit import AuditOptions

        return AuditOptions(
            language=language,
            orphans=self.config.audit.orphans,
            suggestion_cutoff=self.config.audit.suggestion_cutoff,
            template_folders=self.template_folders(),
            excluded=self.config.is_excluded,
        )


def open_session(
    root: Path,
    *,
    overrides: Mapping[str, object] | None = None,
    extra_excludes: Sequence[str] = (),
    state_override: Path | None = None,
) -> Session:
    check_vault_root(root)
    loaded = load_config(root, overrides=overrides)
    if extra_excludes:
        config = dataclasses.replace(
            loaded.config, exclude=(*loaded.config.exclude, *extra_excludes)
        )
        loaded = dataclasses.replace(loaded, config=config)
    obsidian, warnings = read_obsidian_settings(root)
    return Session(root, loaded, obsidian, tuple(warnings), state_override)


def load(
    session: Session,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    use_cache: bool = True,
    walk: Walk | None = None,
    note_cache: NoteCache | None = None,
    task: WorkerTask | None = None,
) -> LoadedVault:
    """The whole vault, parsed; unchanged notes come from the note cache in the state folder.

    `walk`: a walk of the vault made just before (not repeated). `note_cache`: the cache,
    already open (the caller closes it). `task`: work for the parser workers, if any run."""
    cache = note_cache
    if use_cache and cache is None:
        state = ensure_vault_state_dir(session.root, override=session.state_override)
        cache = NoteCache.open(state)
    try:
        return load_vault(
            session.root,
            max_bytes=session.config.audit.max_note_bytes,
            jobs=jobs,
            progress=progress,
            cache=cache,
            walk=walk,
            task=task,
        )
    finally:
        if cache is not None and cache is not note_cache:
            cache.close()


def audit(
    session: Session,
    vault: LoadedVault,
    *,
    suggestions: SuggestionMemo | None = None,
    memo: AuditMemo | None = None,
    offload: Offload | None = None,
    language: Language | None = None,
) -> tuple[AuditResult, Language]:
    """The audit's findings; `suggestions` and `memo` (kept by the caller) carry work over
    from an earlier run; `offload`: where a share of the checks may run meanwhile;
    `language`: the session's language for this vault, when the caller knows it already."""
    language = language or session.language_for(vault)
    options = session.audit_options(language)
    from vaultpartner.audit import run_audit

    result = run_audit(
        vault.index,
        options,
        symlink_loops=vault.loops,
        suggestions=suggestions,
        memo=memo,
        offload=offload,
    )
    return result, language


def load_partner_checks() -> None:
    """Import what partner_findings runs (otherwise imported at its first call): a helper
    process forked afterwards then finds it loaded instead of loading it again."""
    import vaultpartner.partners.checks
    import vaultpartner.partners.existing
    import vaultpartner.profilenote
    import vaultpartner.vaulttexts  # noqa: F401


def partner_findings(
    session: Session, vault: LoadedVault, *, today: dt.date | None, language: Language
) -> list[Finding]:
    """Partnership findings: recruiter-field, interaction-field, duplicate-contact,
    recruiter-no-contact and confidential-leak; with `today`, also `overdue-followup` (info):
    recruiters due a follow-up that has no note yet (on the recruiter note), and open
    follow-up notes past their due date."""
    from vaultpartner.messages import has_message
    from vaultpartner.partners.checks import leak_problems, note_fingerprints, partner_problems
    from vaultpartner.partners.existing import read_existing
    from vaultpartner.profilenote import profile_changed
    from vaultpartner.vaulttexts import VaultTexts

    texts = VaultTexts(vault)
    global_filter = session.obsidian.tasks_global_filter
    existing = read_existing(vault.index, texts, global_filter=global_filter)
    problems = partner_problems(
        vault.index,
        texts,
        config=session.config.partners,
        types=session.obsidian_types(),
        tasks_global_filter=global_filter,
        today=today,
        profile_changed=profile_changed(session, vault) if today is not None else None,
        existing=existing,
        exclude_folders=session.template_folders(),
    )
    if any(note.confidential for note in vault.index.notes.values()):
        problems += leak_problems(*note_fingerprints(vault.index, texts))
    # Values quoted as written, and example links, go in code spans in a report note.
    quoted_fields = frozenset({"found", "contacts", "other", "source", "date", "suggestion"})
    example_link = re.compile(r'"\[\[[^\[\]"]*\]\]"')
    found: list[Finding] = []
    names = {path: stem_of(path) for path in vault.index.notes}
    for problem in problems:
        if session.config.is_excluded(problem.path):
            continue
        if problem.code != "overdue-followup":
            column = 1 if problem.line is not None else None
            fields = problem.fields
            try:
                if problem.message_key is None or not has_message(problem.message_key):
                    raise KeyError(problem.message_key)
                text = message(problem.message_key, language, **fields)
            except KeyError:  # no template, or a field missing: the English detail in a frame
                text = message(problem.code, language, detail=problem.message)
            quoted = [value for name, value in fields.items() if name in quoted_fields]
            literals = tuple(dict.fromkeys((*quoted, *example_link.findall(text))))
            found.append(
                Finding(
                    problem.code,
                    problem.severity,
                    problem.path,
                    problem.line,
                    column,
                    text,
                    literals=literals,
                )
            )
            continue
        match = _DUE_TEXT.search(problem.message)
        due, reasons = (match.group(1), match.group(2)) if match else ("?", problem.message)
        recruiter = f"[[{names.get(problem.path, problem.path)}]]"
        text = message("overdue-followup", language, recruiter=recruiter, due=due, reasons=reasons)
        found.append(
            Finding(
                "overdue-followup",
                SEVERITY["overdue-followup"],
                problem.path,
                None,
                None,
                text,
                literals=(recruiter,),
            )
        )
    for followup in existing:
        if today is None or followup.completed or followup.status != "open":
            continue
        if followup.due is None:
            continue
        if followup.due < today and not session.config.is_excluded(followup.path):
            text = message("overdue-followup-open", language, due=followup.due.isoformat())
            severity = SEVERITY["overdue-followup"]
            found.append(Finding("overdue-followup", severity, followup.path, None, None, text))
    return sorted(found, key=Finding.sort_key)
