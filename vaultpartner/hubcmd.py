"""Shell glue for topic hubs: build the hub plan for a loaded vault, turn hub problems into
findings, remember the symmetric related pairs in the state folder.

The decisions are in `vaultpartner.hubs` (pure); this module reads what they need (note texts,
`.obsidian/app.json`'s new-note location, the pairs of the last run) and renders templates.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from vaultpartner import app
from vaultpartner.config import Config
from vaultpartner.findings import SEVERITY, Finding
from vaultpartner.hubs import (
    HubProblem,
    HubRenderer,
    HubResult,
    NewFileLocation,
    Pair,
    missing_topic_links,
    plan_hubs,
)
from vaultpartner.index import VaultIndex, counts_as_backlink_source
from vaultpartner.messages import Language, message
from vaultpartner.paths import is_sync_conflict, within_any
from vaultpartner.suggest import SuggestionMemo
from vaultpartner.vaultfs import LoadedVault

PAIRS_FILE = "hub-pairs.json"


def hubs_configured(config: Config) -> bool:
    """Whether `[hubs]` asks for any writing (the watcher applies hub plans only then)."""
    return bool(config.hubs.rules) or config.hubs.symmetric_related


def new_file_location(root: Path, config_folder: str = ".obsidian") -> NewFileLocation:
    """Obsidian's default location for new notes (app.json); the vault root when unknown."""
    try:
        data = json.loads((root / config_folder / "app.json").read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        return NewFileLocation()
    if not isinstance(data, dict):
        return NewFileLocation()
    mode = data.get("newFileLocation")
    folder = data.get("newFileFolderPath")
    if mode == "current":
        return NewFileLocation("current")
    if mode == "folder" and isinstance(folder, str) and folder.strip("/ "):
        return NewFileLocation("folder", folder.strip().strip("/"))
    return NewFileLocation()


def eligible(session: app.Session, vault: LoadedVault | VaultIndex) -> Callable[[str], bool]:
    """Notes hubs may count, report and write: not excluded, not templates, not conflict
    copies, not report notes, not reached through a symlink."""
    folders = session.template_folders()
    index = vault if isinstance(vault, VaultIndex) else vault.index

    def check(path: str) -> bool:
        entry = index.files.get(path)
        note = index.notes.get(path)
        if entry is not None and entry.symlinked:
            return False
        if session.config.is_excluded(path) or is_sync_conflict(path):
            return False
        if within_any(path, folders):
            return False
        return note is None or counts_as_backlink_source(note)

    return check


def renderer(session: app.Session, language: Language) -> HubRenderer:
    from vaultpartner.partnercmds import vault_templates

    name = session.config.hubs.hub_template
    folder = vault_templates(session)

    from vaultpartner.render import check_output, render  # Jinja2 only when hubs are written

    def render_hub(context: Mapping[str, object]) -> str:
        text = render(name, context, language=language, vault_templates=folder)
        check_output(name, text)
        return text

    return render_hub


# --- pairs of the last run ---------------------------------------------------------------


def load_pairs(state_dir: Path) -> set[Pair]:
    """The symmetric related pairs saved by the last run (none when unreadable)."""
    try:
        data = json.loads((state_dir / PAIRS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    pairs: set[Pair] = set()
    if isinstance(data, dict) and isinstance(data.get("pairs"), list):
        for item in data["pairs"]:
            if isinstance(item, list) and len(item) == 2 and all(isinstance(p, str) for p in item):
                pairs.add((item[0], item[1]))
    return pairs


def save_pairs(state_dir: Path, pairs: Iterable[Pair]) -> None:
    """Replace the saved pairs atomically (a temporary file, then os.replace)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    target = state_dir / PAIRS_FILE
    temporary = state_dir / (PAIRS_FILE + ".tmp")
    payload = {"schema": 1, "pairs": [list(pair) for pair in sorted(pairs)]}
    temporary.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, target)


# --- planning ----------------------------------------------------------------------------


def plan_for_vault(
    session: app.Session,
    vault: LoadedVault,
    *,
    language: Language,
    create_missing: bool = False,
    previous_pairs: Iterable[Pair] | None = None,
    suggestions: SuggestionMemo | None = None,
) -> HubResult:
    """The hub plan for a loaded vault (note texts read from disk as needed)."""
    from vaultpartner.vaulttexts import VaultTexts

    return plan_for_index(
        session,
        vault.index,
        VaultTexts(vault),
        language=language,
        create_missing=create_missing,
        previous_pairs=previous_pairs,
        suggestions=suggestions,
    )


def plan_for_index(
    session: app.Session,
    index: VaultIndex,
    texts: Mapping[str, str],
    *,
    language: Language,
    create_missing: bool = False,
    previous_pairs: Iterable[Pair] | None = None,
    suggestions: SuggestionMemo | None = None,
) -> HubResult:
    """The hub plan for an index (the watcher's), with note texts (BOM removed) by path.

    `suggestions`: near misses of missing topics found by an earlier run (kept by the caller).
    """
    pairs = set(previous_pairs) if previous_pairs is not None else load_pairs(session.state_dir)
    return plan_hubs(
        index,
        texts,
        session.config,
        previous_pairs=pairs,
        link_format=session.obsidian.new_link_format,
        language=language,
        eligible=eligible(session, index),
        create_missing=create_missing,
        render_hub=renderer(session, language) if create_missing else None,
        new_file_location=new_file_location(session.root, session.obsidian.config_folder),
        suggestions=suggestions,
    )


# --- findings ----------------------------------------------------------------------------


def to_finding(problem: HubProblem, language: Language) -> Finding:
    values: dict[str, object] = dict(problem.values)
    values.setdefault("target", problem.target or "")
    literals = tuple(dict.fromkeys(v for v in (problem.target, *problem.values.values()) if v))
    return Finding(
        problem.code,
        SEVERITY[problem.code],
        problem.path,
        problem.line,
        problem.column,
        message(problem.key, language, **values),
        target=problem.target,
        literals=literals,
    )


def hub_findings(result: HubResult, language: Language) -> list[Finding]:
    return [to_finding(problem, language) for problem in result.problems]


def merge_findings(audit: Sequence[Finding], hubs: Sequence[Finding]) -> list[Finding]:
    """The audit's findings with hub findings added; `missing-topic` replaces the plain
    `broken-link` at the same link, and gives way to any other finding there (a near-miss
    typo, an alias link)."""
    spots = {(f.path, f.line, f.column) for f in hubs if f.code == "missing-topic"}
    plain = {
        (f.path, f.line, f.column)
        for f in audit
        if f.code == "broken-link" and f.severity == SEVERITY["broken-link"]
    }
    other = {(f.path, f.line, f.column) for f in audit} - plain
    kept = [
        f
        for f in audit
        if not (f.code == "broken-link" and (f.path, f.line, f.column) in spots & plain)
    ]
    kept.extend(
        f
        for f in hubs
        if f.code != "missing-topic"
        or f.path == "vaultpartner.toml"
        or (f.path, f.line, f.column) not in other
    )
    return sorted(kept, key=Finding.sort_key)


def audit_findings(
    session: app.Session, vault: LoadedVault, audit: Sequence[Finding], language: Language
) -> list[Finding]:
    """`audit`'s findings with the hub findings merged in (read-only: nothing is written)."""
    result = plan_for_vault(session, vault, language=language)
    return merge_findings(audit, hub_findings(result, language))


def topic_spots(session: app.Session, vault: LoadedVault) -> set[tuple[str, int, int]]:
    """Where the audit's `broken-link` is a `missing-topic` instead (see hubs.topics)."""
    return missing_topic_links(vault.index, session.config, eligible=eligible(session, vault))
