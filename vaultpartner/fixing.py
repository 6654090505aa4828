"""Planning `vaultpartner fix`: what is certain gets repaired, the rest is listed. Pure.

Renames made outside Obsidian are found by content (`detect_renames`: a file gone since the
snapshot and exactly one new file with the same content identity); links broken by them are
resolved against the old vault and rewritten with mv's rules (`vaultpartner.links`). Alias
links, spelling drift (when configured) and links to a renamed heading follow.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from vaultpartner.cmdmessages import command_message
from vaultpartner.findings import Finding
from vaultpartner.headings import block_id_of, has_subpath_target, strip_heading
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.linkformat import LinkFormat, encode_markdown_destination
from vaultpartner.links import LinkChange, choose_link_path, link_edit, rewrite_raw
from vaultpartner.linktext import parse_wiki_content
from vaultpartner.messages import Language
from vaultpartner.note import Link
from vaultpartner.paths import is_markdown, is_sync_conflict, name_of, stem_of
from vaultpartner.plan import FileEdit, Plan
from vaultpartner.renamepairs import earlier_names
from vaultpartner.scan import ScanResult, ScanState, scan_region
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


def detect_renames(
    before: Snapshot, now: Snapshot, known: Mapping[str, str] = {}, *, language: Language = "en"
) -> Detected:
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
            for identity in sorted(before.identities(record)):
                by_key[_key(record.size, identity)][0].append(record.path)
    for record in new.values():
        if record.identity and record.size and _key(record.size, record.identity) in by_key:
            by_key[_key(record.size, record.identity)][1].append(record.path)
    renames, uncertain = _match(list(by_key.values()))
    renames.update(_undone(before, now, gone, new, renames))
    said = [
        command_message(
            "fix-uncertain", language, old=old, count=len(news), news=", ".join(sorted(news))
        )
        for old, news in sorted(uncertain.items())
    ]
    return Detected(renames, said)


def _undone(
    before: Snapshot,
    now: Snapshot,
    gone: list[FileRecord],
    new: Mapping[str, FileRecord],
    renames: Mapping[str, str],
) -> dict[str, str]:
    """Recent renames undone: the new name gone and the old name back, whatever the content
    (a git checkout of a commit from before the rename brings older content)."""
    taken = set(renames.values())
    found: dict[str, str] = {}
    for record in gone:
        if record.path in renames:
            continue
        for old in earlier_names(before.recent_renames, record.path):
            if old in new and old not in taken and old in now.files:
                if not is_sync_conflict(old):
                    found[record.path] = old
                    taken.add(old)
                break
    return found


def _match(
    groups: list[tuple[list[str], list[str]]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(renames, old path -> the new paths it could not be told apart from), from groups of
    old and new paths sharing a content identity."""
    renames: dict[str, str] = {}
    uncertain: dict[str, list[str]] = {}
    for olds, news in groups:
        if not news:
            continue
        if len(olds) == 1 and len(news) == 1:
            paired: dict[str, str] | None = {olds[0]: news[0]}
        else:
            paired = _pair_by_name(olds, news)
        if paired is None:
            for old in olds:
                uncertain[old] = news
            continue
        for old, new_path in paired.items():
            if renames.get(old, new_path) != new_path:  # two later identities, two files
                uncertain[old] = [renames.pop(old), new_path]
            elif old not in uncertain:
                renames[old] = new_path
    taken = Counter(renames.values())
    for old, new_path in list(renames.items()):
        if taken[new_path] > 1:  # one file matching two old ones through their later identities
            uncertain[old] = [renames.pop(old)]
    return renames, uncertain


def _key(size: int, identity: str) -> tuple[int, str]:
    # A note's identity hashes all its bytes, so its size adds nothing (and a later identity
    # from the journal comes without one); an attachment's hashes only its edges.
    return (0, identity) if identity.startswith("n:") else (size, identity)


def _pair_by_name(olds: list[str], news: list[str]) -> dict[str, str] | None:
    if len(olds) != len(news):
        return None
    by_name = {name_of(path): path for path in news}
    if len(by_name) != len(news) or len({name_of(p) for p in olds}) != len(olds):
        return None
    pairs = {old: by_name.get(name_of(old), "") for old in olds}
    return pairs if all(pairs.values()) else None


def pending_renames(
    before: Snapshot, now: Snapshot, known: Mapping[str, str] = {}, *, language: Language = "en"
) -> tuple[dict[str, str], Detected]:
    """Renames not handled yet: those carried in `before` followed through the new ones."""
    detected = detect_renames(before, now, known, language=language)
    both = {**known, **detected.renames}
    chained = {old: moved_path(mid, both) for old, mid in before.pending_renames.items()}
    merged = {**chained, **detected.renames}
    kept = {old: new for old, new in merged.items() if new in now.files and old not in now.files}
    return kept, detected


def _origins(
    detected: Mapping[str, str], known: Mapping[str, str], now: Snapshot
) -> dict[str, str]:
    """Path now -> its path in the earlier snapshot, for files renamed or moved since."""
    origins = {new: old for old, new in detected.items()}
    back = {new: old for old, new in known.items()}
    for path in now.files:
        if path not in origins and moved_path(path, back) != path:
            origins[path] = moved_path(path, back)
    return origins


def headings_before(before: Snapshot, path: str) -> Headings | None:
    """A note's headings as the last `fix` saw them (pending) or the last snapshot recorded."""
    was = before.pending_headings.get(path)
    if was is None and path in before.files:
        was = before.files[path].headings
    return was


def carry_forward(
    before: Snapshot | None, now: Snapshot, *, known: Mapping[str, str] = {}
) -> Snapshot:
    """`now`, plus the renames and heading changes `fix` has not handled yet.

    Commands that do not fix links (audit, mv, undo, fix --dry-run) save this, so a rename
    noticed by an audit is still known to the next `fix`. `known`: moves vaultpartner made.
    """
    if before is None:
        return now
    renames, detected = pending_renames(before, now, known)
    origins = _origins(detected.renames, known, now)
    headings: dict[str, Headings] = {}
    for path, record in now.files.items():
        origin = origins.get(path, path)
        if before.files.get(origin) is record and origin not in before.pending_headings:
            continue  # the record carried over as it was (build_snapshot): nothing changed
        was = headings_before(before, origin)
        if record.headings is not None and was is not None and was != record.headings:
            headings[path] = was
    return Snapshot(now.files, renames, headings)


# -- rewriting one link ------------------------------------------------------------------------

_LINK_UNSAFE = re.compile(r"[:#|^\\\[\]%]")


def heading_change(was: Headings, now: Headings) -> int | None:
    """The index of the one renamed heading, when nothing else about the headings changed."""
    if len(was) != len(now) or any(a[0] != b[0] for a, b in zip(was, now, strict=True)):
        return None
    changed = [i for i, (a, b) in enumerate(zip(was, now, strict=True)) if a[1] != b[1]]
    return changed[0] if len(changed) == 1 else None


def _walk(headings: Headings, segments: list[str]) -> dict[int, int] | None:
    """Segment position -> heading index along a `#A#B` chain (later and deeper), or None."""
    matched: dict[int, int] = {}
    position, min_level = 0, 0
    for k, segment in enumerate(segments):
        wanted = strip_heading(segment)
        if not wanted:
            continue
        for j in range(position, len(headings)):
            level, text = headings[j]
            if level > min_level and strip_heading(text) == wanted:
                matched[k], position, min_level = j, j + 1, level
                break
        else:
            return None
    return matched or None


def retarget_heading(link: Link, raw: str, index: int, was: Headings, now: Headings) -> str | None:
    """`raw` with the segments that named heading `index` renamed, if that then resolves."""
    segments = link.text.subpath.split("#")
    matched = _walk(was, segments)
    if matched is None or index not in matched.values():
        return None
    new_text = " ".join(_LINK_UNSAFE.sub(" ", now[index][1]).split())
    if not new_text:
        return None
    changed = {k: new_text for k, j in matched.items() if j == index}
    renamed = [changed.get(k, segment) for k, segment in enumerate(segments)]
    last = max(matched)
    after = _walk(now, renamed)
    if after is None or after.get(last) != matched[last]:
        return None
    return _replace_segments(raw, link.syntax == "markdown", len(segments), changed)


def _replace_segments(raw: str, markdown: bool, count: int, changed: dict[int, str]) -> str | None:
    if markdown:
        found = ScanResult([], [])
        scan_region(raw, 0, len(raw), ScanState(), found)
        if not found.links:
            return None
        parsed = found.links[0]
        start, end = parsed.content_start, parsed.content_end
        encode = (lambda text: text) if parsed.angle else encode_markdown_destination
    else:
        open_at = raw.index("[[") + 2
        parts = parse_wiki_content(raw[open_at : raw.rindex("]]")])
        start, end = open_at + parts.target_start, open_at + parts.target_end
        encode = lambda text: text  # noqa: E731
    target = raw[start:end]
    cut = target.find("#")
    segments = target[cut:].split("#") if cut >= 0 else []
    if len(segments) != count:
        return None
    for k, text in changed.items():
        segments[k] = encode(text)
    return raw[:start] + target[:cut] + "#".join(segments) + raw[end:]


def with_alias(raw: str, new_path: str, *, table: bool) -> str | None:
    """`[[Alias#sub]]` as `[[Note#sub|Alias]]`; `!`, subpath and any display text kept."""
    open_at = raw.index("[[") + 2
    close_at = raw.rindex("]]")
    content = raw[open_at:close_at]
    parts = parse_wiki_content(content)
    target = content[parts.target_start : parts.target_end]
    cut = target.find("#")
    alias, subpath = (target, "") if cut < 0 else (target[:cut], target[cut:])
    rest = content[parts.target_end :]
    if parts.pipe < 0:
        if rest.strip():
            return None
        rest = ("\\|" if table else "|") + alias + rest
    new = content[: parts.target_start] + new_path + subpath + rest
    return raw[:open_at] + new + raw[close_at:]


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
    language: Language = "en"  # of the reasons and notices


class _Fixed(NamedTuple):
    raw: str
    target: str
    kind: str
    why: str


class _Planner:
    def __init__(self, inputs: FixInputs) -> None:
        self.inputs = inputs
        self.index = inputs.index
        self.result = FixResult()
        self.renames: dict[str, str] = {}
        self.back: dict[str, str] = {}  # path now -> where links inside it were written
        self.origin: dict[str, str] = {}  # path now -> path in the snapshot
        old_paths: set[str] = set()
        if inputs.before is not None:
            self.renames, detected = pending_renames(
                inputs.before, inputs.now, language=inputs.language
            )
            self.result.notices.extend(detected.uncertain)
            self.origin = _origins(detected.renames, {}, inputs.now)
            self.back = {**{new: old for old, new in self.renames.items()}, **self.origin}
            old_paths = set(inputs.before.files) | set(inputs.before.pending_renames)
        self.result.renames = dict(self.renames)
        self.old_index = VaultIndex.build((FileEntry(path, 0) for path in sorted(old_paths)), ())
        self.headings = self._heading_changes()
        self.folded: dict[str, list[str]] = defaultdict(list)
        for path in inputs.index.files:
            if not is_sync_conflict(path) and inputs.suggestable(path):
                self.folded[fold(stem_of(path) if is_markdown(path) else name_of(path))].append(
                    path
                )

    def _heading_changes(self) -> dict[str, tuple[int, Headings, Headings]]:
        before = self.inputs.before
        found: dict[str, tuple[int, Headings, Headings]] = {}
        if before is None:
            return found
        for path, record in self.inputs.now.files.items():
            was = headings_before(before, self.origin.get(path, path))
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
        fixed = _Fixed(link.raw, resolution.path or "", "", "")
        if not resolution.resolved or self._captured(source, link, resolution.path):
            found = self._retarget(source, link, resolution.status)
            if found is None:
                return
            fixed = found
        subpath = link.text.subpath
        if (
            fixed.target in self.headings
            and block_id_of(subpath) is None
            and has_subpath_target(subpath)
        ):
            index, was, now = self.headings[fixed.target]
            renamed = retarget_heading(link, fixed.raw, index, was, now)
            if renamed is not None:
                why = self._say(
                    "fix-why-heading",
                    old=repr(was[index][1]),
                    target=fixed.target,
                    new=repr(now[index][1]),
                )
                fixed = _Fixed(
                    renamed,
                    fixed.target,
                    fixed.kind or "heading",
                    f"{fixed.why}; {why}" if fixed.why else why,
                )
        if fixed.raw != link.raw:
            self._emit(FixChange(source, link, fixed.raw, fixed.target, fixed.kind, fixed.why))

    def _say(self, code: str, **values: object) -> str:
        return command_message(code, self.inputs.language, **values)

    def _captured(self, source: str, link: Link, now: str | None) -> bool:
        """A link that still resolves, but to another file than the renamed one it opened
        (a same-named note took it over). Only links of notes unchanged since the snapshot
        count: a link that came with an edit was not necessarily there before the rename."""
        if not self.renames or not link.text.linkpath or self.inputs.before is None:
            return False
        old_source = self.back.get(source, source)
        was = self.inputs.before.files.get(old_source)
        is_now = self.inputs.now.files.get(source)
        if was is None or is_now is None or not was.identity or was.identity != is_now.identity:
            return False
        before = self.old_index.resolve(link.text.linkpath, old_source)
        return before.resolved and before.path in self.renames and now != self.renames[before.path]

    def _retarget(self, source: str, link: Link, status: str) -> _Fixed | None:
        linkpath = link.text.linkpath
        if not linkpath:
            return None
        old_source = self.back.get(source, source)
        before = self.old_index.resolve(linkpath, old_source)
        if before.resolved and before.path is not None:
            target = self.renames.get(before.path, before.path)
            moved = before.path in self.renames or old_source != source
            if moved and target in self.index.files:
                why = (
                    self._say("fix-why-renamed", old=before.path, new=target)
                    if before.path != target
                    else self._say("fix-why-moved", source=source, old_source=old_source)
                )
                return self._rewrite(source, link, before.path, target, "rename", why)
        if status != "missing":
            return None
        name = linkpath[linkpath.rfind("/") + 1 :]
        holders = self.index.alias_holders(name) if "/" not in linkpath else ()
        if holders:
            if self.inputs.fix_aliases and link.syntax == "wiki" and len(holders) == 1:
                return self._alias(source, link, holders[0], name)
            return None
        return self._spelling(source, link, linkpath) if self.inputs.fix_case else None

    def _alias(self, source: str, link: Link, holder: str, name: str) -> _Fixed | None:
        choice = self._choose(source, holder, markdown=False)
        if choice is None:
            return None
        raw = with_alias(link.raw, choice, table=self.inputs.in_table(source, link))
        if raw is None:
            return None
        why = self._say("fix-why-alias", name=repr(name), holder=holder)
        return _Fixed(raw, holder, "alias", why)

    def _spelling(self, source: str, link: Link, linkpath: str) -> _Fixed | None:
        wanted = linkpath[:-3] if linkpath.lower().endswith(".md") else linkpath
        name = wanted[wanted.rfind("/") + 1 :]
        found = [
            path
            for path in self.folded.get(fold(name), ())
            if fold(path[:-3] if is_markdown(path) else path).endswith(fold(wanted))
            and path != source
        ]
        if len(found) != 1:
            return None
        named = linkpath if "." in name_of(linkpath) else linkpath + ".md"
        why = self._say("fix-why-spelling", path=found[0])
        return self._rewrite(source, link, named, found[0], "case", why)

    def _choose(self, source: str, target: str, *, markdown: bool) -> str | None:
        choice = choose_link_path(
            self.index, target, source, link_format=self.inputs.link_format, markdown=markdown
        )
        return None if choice is None else choice.text

    def _rewrite(
        self, source: str, link: Link, old: str, new: str, kind: str, why: str
    ) -> _Fixed | None:
        text = self._choose(source, new, markdown=link.syntax == "markdown")
        if text is None:
            return None
        return _Fixed(rewrite_raw(link, text, old_target=old, new_target=new), new, kind, why)

    def _emit(self, change: FixChange) -> None:
        link = change.link
        self.result.handled.add((change.source, link.line, link.column))
        where = f"{change.source}:{link.line}: {link.raw}"
        if not self.inputs.writable(change.source):
            self.result.notices.append(self._say("fix-excluded", where=where))
        elif not link.editable:
            self.result.notices.append(self._say("fix-yaml-escapes", where=where))
        else:
            self.result.changes.append(change)


def plan_fix(inputs: FixInputs) -> FixResult:
    return _Planner(inputs).run()


def describe(change: FixChange) -> str:
    return (
        f"{change.source}:{change.link.line}: {change.link.raw} -> {change.new_raw} ({change.why})"
    )


def build_plan(
    index: VaultIndex, changes: list[FixChange], notices: list[str], *, language: Language = "en"
) -> Plan:
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
        reason = command_message("fix-reason", language, count=len(items), source=source)
        plan.edits.append(FileEdit(source, index.notes[source].content_hash, edits, reason))
    return plan


def leftovers(findings: tuple[Finding, ...], result: FixResult) -> Iterator[Finding]:
    """Link findings the fix did not handle: listed with the audit's suggestions."""
    for finding in findings:
        key = (finding.path, finding.line or 0, finding.column or 0)
        if finding.code in LINK_CODES and key not in result.handled:
            yield finding
