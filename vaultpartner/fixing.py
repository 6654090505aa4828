"""Planning `vaultpartner fix`: what is certain gets repaired, the rest is listed. Pure.

Renames made outside Obsidian are found by content (`detect_renames`: a file gone since the
snapshot and exactly one new file with the same content identity); links broken by them are
resolved against the old vault and rewritten with mv's rules (`vaultpartner.links`). Alias
links, spelling drift (when configured) and links to a renamed heading follow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from vaultpartner.findings import Finding
from vaultpartner.headings import block_id_of, has_subpath_target
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.linkformat import LinkFormat
from vaultpartner.links import LinkChange, choose_link_path, link_edit, rewrite_raw
from vaultpartner.note import Link
from vaultpartner.paths import is_markdown, is_sync_conflict, name_of, stem_of
from vaultpartner.plan import FileEdit, Plan
from vaultpartner.retarget import (
    heading_change,
    retarget_heading,
    with_alias,
)
from vaultpartner.snapshot import FileRecord, Headings, Snapshot
from vaultpartner.suggest import fold

LINK_CODES = frozenset(
    {"broken-link", "ambiguous-link", "alias-link", "broken-heading", "broken-block"}
)


@dataclass(frozen=True, slots=True)
class Detected:
    renames: dict[str, str]  # old path -> new path, certain (1:1 by content)
    uncertain: list[str]  # what could not be decided, as sentences


def moved_path(path: str, moves: Mapping[str, str]) -> str:
    """Where path is after moves of files or folders (old -> new); path itself if untouched."""
    if path in moves:
        return moves[path]
    for old, new in moves.items():
        if path.startswith(old + "/"):
            return new + path[len(old) :]
    return path


def detect_renames(before: Snapshot, now: Snapshot, known: Mapping[str, str] = {}) -> Detected:
    """Files gone since `before` matched 1:1 by content with files new in `now`.

    Moves vaultpartner made itself (`known`) are no renames "outside". Empty files and files of
    unknown identity are never matched. Several files with the same content are matched only
    when their names pair them one to one (a folder rename); otherwise they are listed.
    """
    gone = [r for path, r in before.files.items() if path not in now.files]
    new = {path: r for path, r in now.files.items() if path not in before.files}
    for record in list(gone):
        if moved_path(record.path, known) in new:
            gone.remove(record)
            new.pop(moved_path(record.path, known))
    by_key: dict[tuple[int, str], tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for record in gone:
        if record.identity and record.size:
            by_key[(record.size, record.identity)][0].append(record.path)
    for record in new.values():
        if record.identity and record.size and (record.size, record.identity) in by_key:
            by_key[(record.size, record.identity)][1].append(record.path)
    renames: dict[str, str] = {}
    uncertain: list[str] = []
    for olds, news in by_key.values():
        if not news:
            continue
        if len(olds) == 1 and len(news) == 1:
            renames[olds[0]] = news[0]
            continue
        paired = _pair_by_name(olds, news)
        if paired is not None:
            renames.update(paired)
            continue
        for old in sorted(olds):
            uncertain.append(
                f"{old} is gone and {len(news)} new files have the same content "
                f"({', '.join(sorted(news))}): not certain which is the renamed one, "
                "links to it left alone"
            )
    return Detected(renames, uncertain)


def _pair_by_name(olds: list[str], news: list[str]) -> dict[str, str] | None:
    if len(olds) != len(news):
        return None
    by_name = {name_of(path): path for path in news}
    if len(by_name) != len(news) or len({name_of(p) for p in olds}) != len(olds):
        return None
    pairs = {old: by_name.get(name_of(old), "") for old in olds}
    return pairs if all(pairs.values()) else None


def pending_renames(
    before: Snapshot, now: Snapshot, known: Mapping[str, str] = {}
) -> tuple[dict[str, str], list[str]]:
    """Renames not yet handled: those carried in `before`, followed through the new ones."""
    detected = detect_renames(before, now, known)
    both = {**known, **detected.renames}
    chained = {old: moved_path(mid, both) for old, mid in before.pending_renames.items()}
    merged = {**chained, **detected.renames}
    kept = {old: new for old, new in merged.items() if new in now.files and old not in now.files}
    return kept, detected.uncertain


def _old_path(path: str, back: Mapping[str, str]) -> str:
    return back.get(path, path)


def carry_forward(
    before: Snapshot | None, now: Snapshot, *, known: Mapping[str, str] = {}
) -> Snapshot:
    """`now`, plus the renames and heading changes `fix` has not handled yet."""
    if before is None:
        return now
    renames, _ = pending_renames(before, now, known)
    back = {new: old for old, new in {**renames, **known}.items()}
    moved_back = {new: old for old, new in known.items()}
    headings: dict[str, Headings] = {}
    for path, record in now.files.items():
        if record.headings is None:
            continue
        old = _old_path(path, back) if path in back else moved_back_path(path, moved_back)
        was = before.pending_headings.get(old)
        if was is None and old in before.files:
            was = before.files[old].headings
        if was is not None and was != record.headings:
            headings[path] = was
    return Snapshot(now.files, renames, headings)


def moved_back_path(path: str, moved_back: Mapping[str, str]) -> str:
    return moved_path(path, moved_back)


@dataclass(frozen=True, slots=True)
class FixChange:
    source: str
    link: Link
    new_raw: str
    target: str
    kind: str  # rename | alias | case | heading
    why: str
    longer_form: bool = False


@dataclass
class FixResult:
    changes: list[FixChange] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    handled: set[tuple[str, int, int]] = field(default_factory=set)
    renames: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FixInputs:
    index: VaultIndex
    before: Snapshot | None
    now: Snapshot
    link_format: LinkFormat
    fix_aliases: bool = True
    fix_case: bool = False
    writable: Callable[[str], bool] = lambda path: True
    suggestable: Callable[[str], bool] = lambda path: True
    in_table: Callable[[str, Link], bool] = lambda source, link: False


class _Planner:
    def __init__(self, inputs: FixInputs) -> None:
        self.inputs = inputs
        self.index = inputs.index
        self.result = FixResult()
        self.renames: dict[str, str] = {}
        old_paths: set[str] = set()
        detected_back: dict[str, str] = {}
        if inputs.before is not None:
            self.renames, uncertain = pending_renames(inputs.before, inputs.now)
            self.result.notices.extend(uncertain)
            detected_back = {
                new: old
                for old, new in detect_renames(inputs.before, inputs.now).renames.items()
            }
            old_paths = set(inputs.before.files) | set(inputs.before.pending_renames)
        self.result.renames = dict(self.renames)
        self.back = {**{new: old for old, new in self.renames.items()}, **detected_back}
        self.old_index = VaultIndex.build((FileEntry(path, 0) for path in sorted(old_paths)), ())
        self.headings = self._heading_changes()
        self.folded: dict[str, list[str]] = defaultdict(list)
        for path in inputs.index.files:
            if not is_sync_conflict(path) and inputs.suggestable(path):
                self.folded[fold(stem_of(path) if is_markdown(path) else name_of(path))].append(path)

    def _heading_changes(self) -> dict[str, tuple[int, Headings, Headings]]:
        before = self.inputs.before
        found: dict[str, tuple[int, Headings, Headings]] = {}
        if before is None:
            return found
        for path, record in self.inputs.now.files.items():
            old = self.back.get(path, path)
            was = before.pending_headings.get(old)
            if was is None:
                old_record: FileRecord | None = before.files.get(old)
                was = old_record.headings if old_record is not None else None
            if was is not None and record.headings is not None:
                changed = heading_change(was, record.headings)
                if changed is not None:
                    found[path] = (changed, was, record.headings)
        return found

    def run(self) -> FixResult:
        for source, note in sorted(self.index.notes.items()):
            for link in note.links:
                self._link(source, link)
        return self.result

    def _link(self, source: str, link: Link) -> None:
        resolution = self.index.resolve(link.text.linkpath, source)
        raw, target, kind, why = link.raw, resolution.path, "", ""
        if not resolution.resolved:
            fixed = self._retarget(source, link, resolution.status)
            if fixed is None:
                return
            raw, target, kind, why = fixed
        if target is None:
            return
        subpath = link.text.subpath
        if target in self.headings and subpath and block_id_of(subpath) is None:
            if has_subpath_target(subpath):
                index, was, now = self.headings[target]
                renamed = retarget_heading(link, raw, index, was, now)
                if renamed is not None:
                    raw = renamed
                    kind = kind or "heading"
                    why = ", ".join(filter(None, [why, f"heading {was[index][1]!r} of {target} "
                                                  f"is now {now[index][1]!r}"]))
        if raw != link.raw:
            self._emit(FixChange(source, link, raw, target, kind, why))

    def _retarget(
        self, source: str, link: Link, status: str
    ) -> tuple[str, str, str, str] | None:
        linkpath = link.text.linkpath
        if not linkpath:
            return None
        old_source = self.back.get(source, source)
        before = self.old_index.resolve(linkpath, old_source)
        if before.resolved and before.path is not None:
            target = self.renames.get(before.path, before.path)
            moved = before.path in self.renames or old_source != source
            if moved and target in self.index.files:
                raw = self._path_rewrite(source, link, before.path, target)
                why = (
                    f"{before.path} was renamed to {target} outside Obsidian"
                    if before.path != target
                    else f"the note moved from {old_source}"
                )
                return raw, target, "rename", why
        if status != "missing":
            return None
        name = linkpath[linkpath.rfind("/") + 1 :]
        holders = self.index.alias_holders(name) if "/" not in linkpath else ()
        if holders:
            if not self.inputs.fix_aliases or link.syntax != "wiki" or len(holders) != 1:
                return None
            choice = choose_link_path(
                self.index, holders[0], source, link_format=self.inputs.link_format, markdown=False
            )
            raw = with_alias(link.raw, choice.text, table=self.inputs.in_table(source, link))
            return raw, holders[0], "alias", f"{name!r} is an alias of {holders[0]}"
        if self.inputs.fix_case:
            return self._spelling(source, link, linkpath)
        return None

    def _spelling(self, source: str, link: Link, linkpath: str) -> tuple[str, str, str, str] | None:
        wanted = linkpath[:-3] if linkpath.lower().endswith(".md") else linkpath
        name = wanted[wanted.rfind("/") + 1 :]
        found = [
            path
            for path in self.folded.get(fold(name), ())
            if fold(path.rsplit(".", 1)[0] if is_markdown(path) else path).endswith(fold(wanted))
            and path != source
        ]
        if len(found) != 1:
            return None
        named = linkpath if "." in name_of(linkpath) else linkpath + ".md"
        raw = self._path_rewrite(source, link, named, found[0])
        return raw, found[0], "case", f"spelling variant of {found[0]}"

    def _path_rewrite(self, source: str, link: Link, old: str, new: str) -> str:
        choice = choose_link_path(
            self.index,
            new,
            source,
            link_format=self.inputs.link_format,
            markdown=link.syntax == "markdown",
        )
        return rewrite_raw(link, choice.text, old_target=old, new_target=new)

    def _emit(self, change: FixChange) -> None:
        link = change.link
        self.result.handled.add((change.source, link.line, link.column))
        where = f"{change.source}:{link.line}: {link.raw}"
        if not self.inputs.writable(change.source):
            self.result.notices.append(
                f"{where} not fixed: the note is excluded or reached through a symlink"
            )
        elif not link.editable:
            self.result.notices.append(f"{where} not fixed: the frontmatter value uses YAML escapes")
        else:
            self.result.changes.append(change)


def plan_fix(inputs: FixInputs) -> FixResult:
    return _Planner(inputs).run()


def describe(change: FixChange) -> str:
    return f"{change.source}:{change.link.line}: {change.link.raw} -> {change.new_raw} ({change.why})"


def build_plan(index: VaultIndex, changes: list[FixChange], notices: list[str]) -> Plan:
    """One FileEdit per note, tied to the content hash the changes were decided from."""
    by_source: dict[str, list[FixChange]] = defaultdict(list)
    for change in changes:
        by_source[change.source].append(change)
    plan = Plan(notices=list(notices))
    for source, items in sorted(by_source.items()):
        edits = tuple(
            link_edit(LinkChange(c.source, c.link, c.new_raw, c.target, c.longer_form))
            for c in sorted(items, key=lambda c: c.link.start)
        )
        count = len(items)
        reason = f"fixed {count} link{'s' if count != 1 else ''} in {source}"
        plan.edits.append(FileEdit(source, index.notes[source].content_hash, edits, reason))
    return plan


def leftovers(findings: tuple[Finding, ...], result: FixResult) -> Iterator[Finding]:
    """Link findings the fix did not handle: listed with the audit's suggestions."""
    for finding in findings:
        key = (finding.path, finding.line or 0, finding.column or 0)
        if finding.code in LINK_CODES and key not in result.handled:
            yield finding
