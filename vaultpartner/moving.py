"""Planning `vaultpartner mv`: which files move, and which links must change. Pure.

A file or folder move is a rename map (old path -> new path) applied to the index; the links
whose resolution would change are then rewritten (`vaultpartner.links`), and nothing else.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from vaultpartner.errors import VaultPartnerError
from vaultpartner.index import VaultIndex
from vaultpartner.linkformat import LinkFormat
from vaultpartner.links import LinkChange, SkippedLink, link_edit, plan_rename_links
from vaultpartner.paths import lookup_key, nfc
from vaultpartner.plan import FileEdit, FileMove, Plan

# Obsidian refuses these in names on some platform, or they break links (spec 1.1 item 14).
_FORBIDDEN = re.compile(r'[*"\\<>:|?#^\[\]\x00-\x1f]')


def clean_rel(path: str) -> str:
    """A vault-relative path as the index spells it: NFC, '/' separators, no leading './'."""
    cleaned = nfc(path.replace("\\", "/")).strip()
    while cleaned.startswith("./"):
        cleaned = cleaned[2:]
    return cleaned.strip("/")


def check_new_name(new: str) -> None:
    for part in new.split("/"):
        if part in ("", ".", ".."):
            raise VaultPartnerError("the new path has an empty, '.' or '..' part", path=new)
        if part.startswith("."):
            raise VaultPartnerError(
                "names starting with '.' are hidden from Obsidian",
                path=new,
                hint="choose another name",
            )
        bad = _FORBIDDEN.search(part)
        if bad:
            raise VaultPartnerError(
                f"the name contains {bad.group()!r}, which Obsidian forbids or cannot link to",
                path=new,
                hint='avoid * " \\ < > : | ? # ^ [ ]',
            )
        if part.endswith((" ", ".")):
            raise VaultPartnerError("a name may not end with a space or a dot", path=new)


def rename_map(index: VaultIndex, old: str, new: str) -> dict[str, str]:
    """old path -> new path for every file the move touches (one file, or a whole folder)."""
    if old in index.files:
        return {old: new}
    prefix = old + "/"
    inside = {
        path: new + "/" + path[len(prefix) :] for path in index.files if path.startswith(prefix)
    }
    if not inside:
        raise VaultPartnerError(
            "no such file or folder in the vault", path=old, hint="check the path"
        )
    return inside


def _folders(paths: Iterable[str]) -> set[str]:
    """Lookup keys of every folder that holds one of paths, at any depth."""
    found: set[str] = set()
    for path in paths:
        key = lookup_key(path)
        cut = key.rfind("/")
        while cut > 0 and key[:cut] not in found:
            found.add(key[:cut])
            cut = key.rfind("/", 0, cut)
    return found


def _check_free(index: VaultIndex, old: str, new: str, renames: Mapping[str, str]) -> None:
    moving = {lookup_key(path) for path in renames}
    staying = [path for path in index.files if lookup_key(path) not in moving]
    taken = {lookup_key(path): path for path in staying}
    folders = _folders(staying)
    if lookup_key(new) in taken or lookup_key(new) in folders:
        shown = taken.get(lookup_key(new), "a folder of that name")
        raise VaultPartnerError(
            f"{shown} already exists (names are compared ignoring case)",
            path=new,
            hint="choose another name, or move the other file first",
        )
    for target in renames.values():
        clash = taken.get(lookup_key(target))
        if clash is not None:
            raise VaultPartnerError(
                f"{clash} already exists (names are compared ignoring case)",
                path=target,
                hint="choose another name, or move the other file first",
            )
        if lookup_key(target) in folders:
            raise VaultPartnerError("a folder with that name exists", path=target)
    parts = new.split("/")
    for depth in range(1, len(parts)):
        parent = lookup_key("/".join(parts[:depth]))
        if parent in taken:
            raise VaultPartnerError(f"{taken[parent]} is a file, so it cannot hold {new}", path=new)


def moved_index(index: VaultIndex, renames: Mapping[str, str]) -> VaultIndex:
    """The index as it will be after the files move (contents unchanged)."""
    files = [dataclasses.replace(index.files[old], path=new) for old, new in renames.items()]
    notes = [
        dataclasses.replace(index.notes[old], path=new)
        for old, new in renames.items()
        if old in index.notes
    ]
    return index.updated(removed=list(renames), files=files, notes=notes)


def plan_move(
    index: VaultIndex,
    old: str,
    new: str,
    *,
    link_format: LinkFormat,
    writable: Callable[[str], bool],
) -> tuple[Plan, list[LinkChange], list[SkippedLink]]:
    """The plan for `vaultpartner mv`: the move, then every link rewrite it needs."""
    old, new = clean_rel(old), clean_rel(new)
    check_new_name(new)
    if old == new:
        raise VaultPartnerError("the old and new paths are the same", path=old)
    renames = rename_map(index, old, new)
    is_folder = old not in index.files
    if is_folder and lookup_key(new).startswith(lookup_key(old) + "/"):
        raise VaultPartnerError("cannot move a folder into itself", path=new)
    if lookup_key(old) != lookup_key(new):
        _check_free(index, old, new, renames)
    for path in renames:
        if not writable(path):
            raise VaultPartnerError(
                "cannot move a file that is excluded or reached through a symlink", path=path
            )
    after = moved_index(index, renames)
    changes, skipped = plan_rename_links(
        index, after, renames, link_format=link_format, writable=writable
    )
    # A note is moved only if it is still the content the plan was made from.
    expected = index.notes[old].content_hash if old in index.notes else None
    moved_what = f"{old}/ -> {new}/" if is_folder else f"{old} -> {new}"
    plan = Plan(moves=[FileMove(old, new, expected, f"moved {moved_what}")])
    by_source: dict[str, list[LinkChange]] = defaultdict(list)
    for change in changes:
        by_source[change.source].append(change)
    for source, items in sorted(by_source.items()):
        note = after.notes[source]
        count = len(items)
        reason = f"rewrote {count} link{'s' if count != 1 else ''} in {source}: {moved_what}"
        longer = [item for item in items if item.longer_form]
        if longer:
            reason += f" ({len(longer)} written as a longer path so they open the right file)"
        plan.edits.append(
            FileEdit(source, note.content_hash, tuple(link_edit(item) for item in items), reason)
        )
    plan.notices.extend(
        f"{item.source}:{item.link.line}: {item.link.raw} not rewritten: {item.reason}"
        for item in skipped
    )
    return plan, changes, skipped
