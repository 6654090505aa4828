"""The partnership audit: one entry point gathering every partner problem. Pure, no I/O.

`partner_problems` = recruiter field problems (schema.py) + `duplicate-contact` + property types
that disagree across the vault (`recruiter-field`) + interaction problems (history.py) +
`recruiter-no-contact` + (with `today`) `overdue-followup` for every due follow-up.
`confidential-leak` is separate: `leak_problems` (confidential.py) over the fingerprints that
`note_fingerprints` computes, so a caller can keep hashes instead of texts.

Types: `types` is `.obsidian/types.json`'s `types` (key -> Obsidian type name). A schema key
with a declared type is checked against it in every recruiter note; a key with no declared
type is reported where its Obsidian type differs from the type most recruiter notes use (ties:
the alphabetically first type wins). Empty values fit any type. A value that already has a
`recruiter-field` problem for the same key is not reported twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from vaultpartner.config import PartnersConfig
from vaultpartner.dates import parse_datetime_kind
from vaultpartner.index import VaultIndex
from vaultpartner.partners.confidential import (
    confidential_fingerprints,
    leak_problems,
    public_fingerprints,
)
from vaultpartner.partners.history import build_histories
from vaultpartner.partners.model import ExistingFollowup, PartnerProblem, Recruiter
from vaultpartner.partners.rules import due_followups
from vaultpartner.partners.schema import (
    SCHEMA_KEYS,
    FrontmatterLines,
    excluded,
    literal,
    load_recruiters,
)

__all__ = [
    "duplicate_contacts",
    "leak_problems",
    "note_fingerprints",
    "obsidian_type",
    "partner_problems",
    "type_problems",
]

_LIST_TYPES = frozenset({"multitext", "aliases", "tags"})
_COMPATIBLE: dict[str, frozenset[str]] = {
    "text": frozenset({"text", "date", "datetime"}),
    "date": frozenset({"date"}),
    "datetime": frozenset({"date", "datetime"}),
    "number": frozenset({"number"}),
    "checkbox": frozenset({"checkbox"}),
}


def obsidian_type(value: object) -> str | None:
    """The Obsidian property type a value reads as; None for an empty value."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "multitext"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, dt.date):
        return "datetime" if isinstance(value, dt.datetime) else "date"
    return parse_datetime_kind(str(value).strip()) or "text"


def _fits(declared: str, found: str) -> bool:
    if declared in _LIST_TYPES:
        return found in ("multitext", "text")
    return found in _COMPATIBLE.get(declared, frozenset({declared}))


def _contact_keys(recruiter: Recruiter) -> list[tuple[str, str, str]]:
    """(frontmatter key, normalised value, as written) for each contact of a recruiter."""
    keys: list[tuple[str, str, str]] = []
    keys += [("email", e.strip().lower(), e) for e in recruiter.emails]
    for phone in recruiter.phones:
        digits = re.sub(r"\D", "", phone)
        keys.append(("phone", ("+" if phone.strip().startswith("+") else "") + digits, phone))
    for handle in recruiter.telegrams:
        name = re.sub(r"^(?:https?://)?(?:t\.me/)?@?", "", handle.strip()).lower()
        keys.append(("telegram", name, handle))
    return [k for k in keys if k[1].strip("+")]


def duplicate_contacts(
    recruiters: Sequence[Recruiter], texts: Mapping[str, str]
) -> list[PartnerProblem]:
    """One `duplicate-contact` per pair of recruiter notes sharing an e-mail, phone or handle."""
    holders: dict[tuple[str, str], dict[str, str]] = {}
    for recruiter in recruiters:
        for key, normal, written in _contact_keys(recruiter):
            holders.setdefault((key, normal), {}).setdefault(recruiter.path, written)
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for (key, _normal), by_path in holders.items():
        paths = sorted(by_path)
        for i, first in enumerate(paths):
            for second in paths[i + 1 :]:
                pairs.setdefault((first, second), []).append((key, by_path[first]))
    problems: list[PartnerProblem] = []
    for (first, second), shared in sorted(pairs.items()):
        shared.sort()
        what = ", ".join(f"{key} {written!r}" for key, written in shared)
        contacts = ", ".join(f"{key} {literal(written)}" for key, written in shared)
        problems.append(
            PartnerProblem(
                code="duplicate-contact",
                path=first,
                line=FrontmatterLines(texts.get(first)).line(shared[0][0]),
                message=f"{what} also in {second}: the same person twice? merge the notes "
                "or correct the contact",
                severity="warning",
                related=(second,),
                key=shared[0][0],
                message_key="duplicate-contact-pair",
                message_values=(("contacts", contacts), ("other", second)),
            )
        )
    return problems


def type_problems(
    metas: Mapping[str, Mapping[str, Any]], types: Mapping[str, str], texts: Mapping[str, str]
) -> list[PartnerProblem]:
    """Schema keys whose Obsidian type disagrees with types.json or across recruiter notes."""
    problems: list[PartnerProblem] = []
    for key in SCHEMA_KEYS:
        found = {
            path: kind
            for path in sorted(metas)
            if key in metas[path] and (kind := obsidian_type(metas[path][key])) is not None
        }
        if not found:
            continue
        declared = types.get(key)
        if declared is not None:
            wrong = {p: k for p, k in found.items() if not _fits(declared, k)}
            why = f".obsidian/types.json declares {key} as {declared}"
            variant = "recruiter-field-type-declared"
            expected = {"declared": declared}
        else:
            counts = Counter(found.values())
            usual = sorted(counts, key=lambda k: (-counts[k], k))[0]
            wrong = {p: k for p, k in found.items() if k != usual}
            why = f"{key} is {usual} in {counts[usual]} recruiter note(s)"
            variant = "recruiter-field-type-usual"
            expected = {"usual": usual, "count": str(counts[usual])}
        for path, kind in wrong.items():
            problems.append(
                PartnerProblem(
                    code="recruiter-field",
                    path=path,
                    line=FrontmatterLines(texts.get(path)).line(key),
                    message=f"{key}: {why}, but here it is {kind}; use one type everywhere",
                    severity="warning",
                    key=key,
                    message_key=variant,
                    message_values=(("key", key), *expected.items(), ("kind", kind)),
                )
            )
    return problems


def note_fingerprints(
    index: VaultIndex, texts: Mapping[str, str]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(confidential fingerprints per note, fingerprints of the other lines per note)."""
    secret: dict[str, set[str]] = {}
    public: dict[str, set[str]] = {}
    for path in sorted(texts):
        note = index.notes.get(path)
        meta = note.frontmatter if note is not None else None
        found = confidential_fingerprints(texts[path], meta)
        if found:
            secret[path] = found
        public[path] = public_fingerprints(texts[path], meta)
    return secret, public


def _dedupe(problems: list[PartnerProblem]) -> list[PartnerProblem]:
    seen: set[tuple[str, str, str]] = set()
    kept: list[PartnerProblem] = []
    for problem in problems:
        if problem.code == "recruiter-field" and problem.key is not None:
            mark = (problem.code, problem.path, problem.key)
            if mark in seen:
                continue
            seen.add(mark)
        kept.append(problem)
    return kept


def partner_problems(
    index: VaultIndex,
    texts: Mapping[str, str],
    *,
    config: PartnersConfig,
    types: Mapping[str, str],
    tasks_global_filter: str,
    today: dt.date | None,
    profile_changed: dt.date | None = None,
    existing: Sequence[ExistingFollowup] = (),
    exclude_folders: Sequence[str] = (),
) -> list[PartnerProblem]:
    """Every partnership problem of the vault, sorted by (path, line, code, message)."""
    recruiters, problems = load_recruiters(index, texts, config, exclude_folders)
    metas = {r.path: index.notes[r.path].frontmatter or {} for r in recruiters}
    problems = _dedupe([*problems, *type_problems(metas, types, texts)])
    problems += duplicate_contacts(recruiters, texts)
    skip = excluded(config, exclude_folders)
    histories, found = build_histories(
        recruiters, index, texts, tasks_global_filter=tasks_global_filter, skip=skip
    )
    problems += found
    due, found = due_followups(
        histories,
        today=today or dt.date.min,
        config=config,
        profile_changed=profile_changed,
        existing=existing,
    )
    problems += found
    if today is not None:
        for item in due:
            why = ", ".join(r.reason for r in item.reasons)
            problems.append(
                PartnerProblem(
                    code="overdue-followup",
                    path=item.history.recruiter.path,
                    line=None,
                    message=f"follow-up due {item.due.isoformat()} ({why})",
                    severity="info",
                )
            )
    return sorted(problems, key=lambda p: (p.path, p.line or 0, p.code, p.message))
