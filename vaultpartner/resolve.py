"""Obsidian's link resolution (getLinkpathDest), exactly, with ties reported as ambiguous.

Spec: shared/spec/obsidian-links.md section 2.2. Pure functions over a name lookup table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from vaultpartner.paths import folder_of, lookup_key, utf16_len

Status = Literal["resolved", "ambiguous", "missing"]


@dataclass(frozen=True, slots=True)
class Resolution:
    status: Status
    path: str | None = None
    candidates: tuple[str, ...] = ()  # the equally good files of an ambiguous link

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"


MISSING = Resolution("missing")


def _normalise_relative(folder_key: str, linkpath: str) -> str | None:
    """Resolve ./ and ../ against the source folder; None when it climbs above the vault."""
    parts = folder_key.split("/") if folder_key else []
    for segment in linkpath.split("/"):
        if segment == ".":
            continue
        if segment == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(segment)
    return "/".join(parts)


@dataclass(frozen=True, slots=True)
class Prepared:
    """The part of resolving a linkpath that does not depend on the source note's folder."""

    wanted: str  # lower-cased, NFC, with ".md" appended when that was needed
    candidates: tuple[str, ...]
    result: Resolution | None  # set when the folder cannot change the answer


def prepare(linkpath: str, by_name: Mapping[str, Sequence[str]]) -> Prepared:
    """Steps 2-4 of getLinkpathDest: the candidates, and the answer when it is already known."""
    wanted = lookup_key(linkpath)
    name = wanted[wanted.rfind("/") + 1 :]
    candidates: Sequence[str] = by_name.get(name, ()) if "." in name else ()
    if not candidates:
        wanted, name = wanted + ".md", name + ".md"
        candidates = by_name.get(name, ())
        if not candidates:
            return Prepared(wanted, (), MISSING)
    if "/" not in wanted and len(candidates) == 1:
        return Prepared(wanted, tuple(candidates), Resolution("resolved", candidates[0]))
    return Prepared(wanted, tuple(candidates), None)


def resolve_prepared(prepared: Prepared, source_path: str) -> Resolution:
    """Steps 5-8: relative paths, the exact vault path, then suffix matches by folder."""
    if prepared.result is not None:
        return prepared.result
    wanted = prepared.wanted
    # Index paths are NFC already, so lower() is their lookup key.
    keyed = [(path.lower(), path) for path in prepared.candidates]
    folder_key = folder_of(source_path).lower()
    if wanted.startswith(("./", "../")):
        relative = _normalise_relative(folder_key, wanted)
        for key, path in keyed:
            if key == relative:
                return Resolution("resolved", path)
    exact = wanted[1:] if wanted.startswith("/") else wanted
    for key, path in keyed:
        if key == exact:
            return Resolution("resolved", path)
    if wanted.startswith("/"):
        return MISSING
    matches = [(key, path) for key, path in keyed if key.endswith(wanted)]
    own_folder = [path for key, path in matches if key.startswith(folder_key)]
    elsewhere = [path for key, path in matches if not key.startswith(folder_key)]
    for group in (own_folder, elsewhere):
        if group:
            return _shortest(group)
    return MISSING


def resolve_linkpath(
    linkpath: str, source_path: str, by_name: Mapping[str, Sequence[str]]
) -> Resolution:
    """Which file a linkpath (subpath already removed) opens from source_path.

    by_name maps a lower-cased file name with extension to every vault path with that name.
    """
    if linkpath == "":
        return Resolution("resolved", source_path)
    return resolve_prepared(prepare(linkpath, by_name), source_path)


def _shortest(group: list[str]) -> Resolution:
    """Shortest path wins; an equal-length tie is decided by Obsidian's index order, unknowable."""
    lengths = [utf16_len(path) for path in group]
    best = min(lengths)
    tied = tuple(
        sorted(path for path, length in zip(group, lengths, strict=True) if length == best)
    )
    if len(tied) > 1:
        return Resolution("ambiguous", None, tied)
    return Resolution("resolved", tied[0])
