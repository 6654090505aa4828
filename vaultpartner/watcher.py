"""The watcher's engine: turn a batch of touched paths into index updates and safe writes.

No threads and no watchdog here (see `vaultpartner.watch` for those): `Engine.handle` is
called with the paths a debounced batch touched; it re-reads the disk, updates the index
incrementally, recognises renames by content (never by event type), plans the same link
rewrites `vaultpartner mv` would, and applies them through the safe writer under the vault
lock.

Writes that cannot happen now are not dropped, they wait in `Engine.pending` and are planned
again from the index of the moment (so a rewrite Obsidian or the user already made is never
repeated): notes edited in the last `edit_grace_seconds`, and every write while
`.git/index.lock`, a sync client's temp file or the `pause` flag exists, or while the vault
lock is held by another command. `Engine.retry` (called after each batch, and by the loop
while anything waits) carries them out once the reason is gone.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vaultpartner import app
from vaultpartner.apply import PAUSED_FLAG, Applier
from vaultpartner.digest import content_hash
from vaultpartner.errors import LockedError
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.links import LinkChange, SkippedLink, link_edit, plan_rename_links
from vaultpartner.moving import moved_index
from vaultpartner.note import Note, parse_note
from vaultpartner.numbered_copies import in_possible_pair
from vaultpartner.paths import folder_of, is_markdown, is_sync_conflict, nfc
from vaultpartner.plan import FileEdit, Plan
from vaultpartner.renamepairs import (
    EMPTY_IDENTITY,
    Batch,
    earlier_names,
    fresh_links,
    pair_renames,
)
from vaultpartner.snapshot import RECENT_RENAME_SECONDS
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.vaultfs import walk_vault
from vaultpartner.watchcore import (
    BUSY_MARKERS,
    RateLimiter,
    busy_marker,
    conflict_copies_of,
    interesting,
    is_sync_temp,
)
from vaultpartner.workspace import OpenNotes

log = logging.getLogger(__name__)
_EDGE = 64 * 1024
_SF_DATALESS = 0x40000000  # macOS: iCloud placeholder whose data is not on disk
ROOT_GONE = "the vault folder is gone"
BLOCKED_POLL_SECONDS = 1.0  # how often waiting writes look again while git/sync/pause block them
_REPORT_GONE_MAX = 20
PLACEHOLDER = "placeholder"
SPLIT_RENAME_SECONDS = 10.0  # how long a file gone may still turn out to have been renamed
RESTORED_SECONDS = 30.0  # how long a deleted path counts as given back when a rename reuses it
# git's merge/rebase/stash conflict markers ("=======" alone is also a Setext underline).
_CONFLICT_MARKERS = re.compile(rb"^(?:<{7}|>{7})(?: |\r?$)", re.MULTILINE)

Stamp = tuple[int, int]  # (size, mtime_ns): a cheap "maybe changed" test for rescans


def file_identity(path: Path, size: int) -> str:
    """Content identity: whole-file hash for small files, size + first and last 64 KiB else.

    Notes are always hashed whole (their identity is `Note.content_hash`); this is for
    attachments.
    """
    with open(path, "rb") as handle:
        if size <= 2 * _EDGE:
            return content_hash(handle.read())
        head = handle.read(_EDGE)
        handle.seek(-_EDGE, os.SEEK_END)
        tail = handle.read(_EDGE)
    return f"{size}:{content_hash(head + tail)}"


@dataclass(frozen=True, slots=True)
class Seen:
    """One file as it is on disk now."""

    entry: FileEntry
    note: Note | None
    identity: str
    stamp: Stamp


@dataclass
class Pending:
    """Link rewrites for renames that could not be written yet.

    `sources` None means every note the renames affect; otherwise only those notes.
    """

    renames: dict[str, str]
    sources: set[str] | None
    fresh: dict[str, set[str]] = field(default_factory=dict)  # see renamepairs.fresh_links


@dataclass
class Engine:
    session: app.Session
    index: VaultIndex
    identities: dict[str, str]
    clock: Callable[[], float]  # wall-clock seconds (compared with note mtimes)
    report_only: bool = False
    say: Callable[[str], None] = log.info
    limiter: RateLimiter = field(default_factory=RateLimiter)
    pending: list[Pending] = field(default_factory=list)
    stamps: dict[str, Stamp] = field(default_factory=dict)
    sync_temps: set[str] = field(default_factory=set)  # sync clients' temp files seen
    ours: dict[str, int] = field(default_factory=dict)  # mtime_ns our last write left
    conflicted: set[str] = field(default_factory=set)  # notes with git conflict markers, told
    told: set[tuple[str, str]] = field(default_factory=set)  # one-time messages already said
    paused_reason: str | None = None
    # content identity -> (path, when) of files gone in recent batches (renamepairs._split_renames)
    gone_recently: dict[str, tuple[str, float]] = field(default_factory=dict)
    gone_paths: dict[str, float] = field(default_factory=dict)  # path -> when it went
    # new path -> (old path, when) of renames noticed lately, to know one undone
    recent_renames: dict[str, tuple[str, float]] = field(default_factory=dict)
    # Notes open in Obsidian ([watch] defer_open_notes): their writes wait until closed.
    open_in_obsidian: Callable[[], frozenset[str]] | None = None
    needs_rescan: bool = False
    batches: int = 0
    _said_blocked: str | None = None

    @property
    def root(self) -> Path:
        return self.session.root

    # -- reading the disk --------------------------------------------------------------------
    def _expand(self, paths: Iterable[str], rescan: bool) -> set[str]:
        """The files to look at: the touched paths, files inside touched folders, and on a
        rescan every file whose size or mtime differs from what was last seen."""
        if rescan:
            return self._rescan_paths()
        files = self.index.files
        wanted: set[str] = set()
        for rel in paths:
            wanted.add(rel)
            if rel in files:
                continue
            disk = self.root / rel
            if disk.is_dir() and not disk.is_symlink():  # a folder created or moved in
                wanted |= {f"{rel}/{found.rel}" for found in walk_vault(disk).files}
            if not disk.is_file():  # a folder deleted or moved away: its known files
                prefix = rel + "/"
                wanted |= {path for path in files if path.startswith(prefix)}
        return {path for path in wanted if interesting(path)}

    def _rescan_paths(self) -> set[str]:
        on_disk = {found.rel: found for found in walk_vault(self.root).files}
        wanted = {path for path in self.index.files if path not in on_disk}
        for rel, found in on_disk.items():
            if rel not in self.index.files or self.stamps.get(rel) != (
                found.size,
                found.mtime_ns,
            ):
                wanted.add(rel)
        wanted |= self.sync_temps
        return {path for path in wanted if interesting(path)}

    def _look(self, rel: str) -> Seen | str | None:
        """The file as it is now; None when it is not there; PLACEHOLDER for a cloud
        placeholder (never read, never treated as deleted)."""
        disk = self._disk(rel)
        try:
            info = disk.stat()
            if not disk.is_file():
                return None
            if getattr(info, "st_flags", 0) & _SF_DATALESS:
                self._tell_once(rel, "is a cloud placeholder (not downloaded); not read")
                return PLACEHOLDER
            symlinked = self._through_symlink(rel)
            stamp = (info.st_size, info.st_mtime_ns)
            if is_markdown(rel):
                data = disk.read_bytes()
                note = parse_note(rel, data, max_bytes=self.session.config.audit.max_note_bytes)
                entry = FileEntry(rel, len(data), symlinked)
                return Seen(entry, note, note.content_hash, stamp)
            identity = file_identity(disk, info.st_size)
        except PermissionError:
            # Unreadable is not gone: never taken for a deletion or one half of a rename.
            self._tell_once(rel, "cannot be read (permission denied); skipped")
            return PLACEHOLDER
        except OSError:
            return None
        return Seen(FileEntry(rel, info.st_size, symlinked), None, identity, stamp)

    def _tell_once(self, rel: str, what: str) -> None:
        if (rel, what) not in self.told:
            self.told.add((rel, what))
            self.say(f"{rel} {what}")

    def _disk(self, rel: str) -> Path:
        """Where rel is on disk: its name there may be NFD (written on macOS), rel is NFC."""
        disk = self.root / rel
        if os.path.lexists(disk):
            return disk
        folder = self.root
        for part in rel.split("/"):
            if not os.path.lexists(folder / part):
                try:
                    names = os.listdir(folder)
                except OSError:
                    return disk
                match = next((name for name in names if nfc(name) == part), None)
                if match is None:
                    return disk
                part = match
            folder = folder / part
        return folder

    def _through_symlink(self, rel: str) -> bool:
        known = self.index.files.get(rel)
        if known is not None and known.symlinked:
            return True
        disk = self._disk(rel)
        if disk.is_symlink():
            return True
        real_root = os.path.realpath(self.root)
        real_folder = os.path.realpath(disk.parent)
        expected = os.path.normpath(os.path.join(real_root, *folder_of(rel).split("/")))
        return nfc(real_folder) != nfc(expected)

    # -- one batch ---------------------------------------------------------------------------
    def handle(
        self,
        paths: Iterable[str],
        *,
        rescan: bool = False,
        moves: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Handle one debounced batch. Never raises: an error is reported with the paths,
        and the next batch rescans the vault so nothing the failed one saw is lost.

        `moves`: (old, new) files the observer reported moved, in order.
        """
        paths = set(paths)
        try:
            self._handle(paths, rescan, moves)
        except Exception as exc:
            shown = ", ".join(sorted(paths)[:3]) or "a rescan"
            log.exception("error while handling %s", shown)
            self.say(f"error while handling {shown}: {exc!r}; still watching")
            self.needs_rescan = True

    def _handle(self, paths: set[str], rescan: bool, moves: Sequence[tuple[str, str]]) -> None:
        self.batches += 1
        if not self.root.is_dir():
            if self.paused_reason != ROOT_GONE:
                self.say(f"{ROOT_GONE}; all writes stopped until it returns")
            self.paused_reason = ROOT_GONE
            return
        if self.paused_reason == ROOT_GONE:
            self.say("the vault folder is back; rescanning it")
            self.paused_reason = None
            rescan = True
        if self.needs_rescan:
            rescan, self.needs_rescan = True, False
        touched = self._expand(paths, rescan)
        for rel in touched:
            if is_sync_temp(rel):
                self.sync_temps.add(rel)
        added: dict[str, Seen] = {}
        removed: list[str] = []
        for rel in sorted(path for path in touched if not busy_marker(path)):
            seen = self._look(rel)
            if seen == PLACEHOLDER:
                continue
            if not isinstance(seen, Seen):
                self.stamps.pop(rel, None)
                if rel in self.index.files:
                    removed.append(rel)
                continue
            self.stamps[rel] = seen.stamp
            if self.identities.get(rel) != seen.identity or rel not in self.index.files:
                added[rel] = seen
        if added or removed:
            self._update(added, removed, moves)
        self.retry()

    def _update(
        self, added: dict[str, Seen], removed: list[str], moves: Sequence[tuple[str, str]] = ()
    ) -> None:
        now = self.clock()
        self.gone_recently = {
            identity: (path, when)
            for identity, (path, when) in self.gone_recently.items()
            if now - when <= SPLIT_RENAME_SECONDS
        }
        self.recent_renames = {
            new: (old, when)
            for new, (old, when) in self.recent_renames.items()
            if now - when <= RECENT_RENAME_SECONDS  # as long as the snapshot keeps them
        }
        batch = Batch(
            removed,
            {rel: seen.identity for rel, seen in added.items()},
            self.identities,
            self.index.files,
            self.gone_recently,
            moves,
            # Undone without the content to prove it (a checkout of older content): only
            # within moments; a different note under an old name later is a new note.
            {
                new: (old, when)
                for new, (old, when) in self.recent_renames.items()
                if now - when <= RESTORED_SECONDS
            },
        )
        renames, shared = pair_renames(batch)
        undoing = self._remember_renames(renames, now)
        for old in shared:
            self.say(f"several files share the content of {old}; not guessing a rename")
        self.gone_recently = {
            identity: entry
            for identity, entry in self.gone_recently.items()
            if entry[0] not in renames
        }
        self.gone_paths = {
            path: when for path, when in self.gone_paths.items() if now - when <= RESTORED_SECONDS
        }
        given_back = undoing | {new for new in renames.values() if new in self.gone_paths}
        for rel in removed:
            identity = self.identities.get(rel)
            if rel not in renames and identity and identity != EMPTY_IDENTITY:
                self.gone_recently[identity] = (rel, now)
            self.gone_paths[rel] = now
        for rel in added:
            self.gone_paths.pop(rel, None)
        before = self.index
        self.index = before.updated(
            files=[seen.entry for seen in added.values()],
            notes=[seen.note for seen in added.values() if seen.note is not None],
            removed=removed,
        )
        for rel in removed:
            self.identities.pop(rel, None)
            self.ours.pop(rel, None)
        for rel, seen in added.items():
            self.identities[rel] = seen.identity
        fresh = fresh_links(before, {rel: seen.note for rel, seen in added.items()}, renames)
        for old, new in renames.items():
            self.say(f"noticed a rename: {old} -> {new}")
        gone = [rel for rel in removed if rel not in renames]
        if gone:
            self._report_gone(before, gone)
        if renames:
            # Names a waiting rename had taken away and this batch gives back (a rename undone,
            # a checkout): links that opened another note only meanwhile must go back, not
            # be pinned to that note.
            # Also a path that went away a moment ago (a rename taken for a deletion, then
            # undone by a checkout): resolution is back to what it was before it went.
            restored = given_back | {
                old
                for item in self.pending
                for old, new in item.renames.items()
                if renames.get(new) == old
            }
            for item in self.pending:  # a note renamed again: its waiting links follow it
                item.renames = {
                    old: renames.get(new, new)
                    for old, new in item.renames.items()
                    if renames.get(new, new) != old
                }
            self.pending = [item for item in self.pending if item.renames]
            created = [
                rel for rel in added if rel not in before.files and rel not in renames.values()
            ]
            self._rewrite(
                renames, None, first=True, fresh=fresh, restored=restored, created=created
            )

    def follow(self, renames: dict[str, str]) -> None:
        """Renames found outside the event stream (made while the watcher started up): their
        links are rewritten as for renames seen live."""
        live = {old: new for old, new in renames.items() if new in self.index.files}
        undoing = self._remember_renames(live, self.clock())
        for old, new in live.items():
            self.say(f"noticed a rename: {old} -> {new}")
        if live:
            # Soak: a checkout undid a rename the start-up `fix` had just followed.
            self._rewrite(live, None, first=True, fresh={}, restored=undoing)

    def _remember_renames(self, renames: dict[str, str], now: float) -> set[str]:
        """Record renames as recent; return the names given back by those that undo a recent
        one (remembered across restarts)."""
        undoing = {
            new for old, new in renames.items() if new in earlier_names(self.recent_renames, old)
        }
        for old, new in renames.items():
            # The old name's own entry stays: a chain of renames can be undone at once.
            self.recent_renames[new] = (old, now)
        return undoing

    def _report_gone(self, before: VaultIndex, gone: list[str]) -> None:
        reported = 0
        linked_total = 0
        for rel in gone:
            linked = sorted({b.source for b in before.backlinks(rel) if b.source != rel})
            if not linked:
                continue
            linked_total += 1
            if reported < _REPORT_GONE_MAX:
                reported += 1
                count = len(linked)
                self.say(
                    f"{rel} was deleted or moved out of the vault; {count} "
                    f"note{'s' if count != 1 else ''} link to it (reported, not rewritten): "
                    + ", ".join(linked[:3])
                    + (", ..." if count > 3 else "")
                )
        if linked_total > reported:
            self.say(f"... and {linked_total - reported} more vanished files with links to them")

    # -- writing -----------------------------------------------------------------------------
    def _plan_links(
        self,
        renames: dict[str, str],
        created: Collection[str] = (),
        returned: Collection[str] = (),
    ) -> tuple[dict[str, str], list[LinkChange], list[SkippedLink]]:
        """The link changes the renames need in the index of now (notes' current content).

        `created`: files new in the renames' own batch; links are judged as they resolved
        before it, so none is kept on a note that did not exist yet (soak: a checkout that
        brought back two same-named notes pinned links to the farther one). `returned`: notes
        moved back where they were a moment ago; their own links are judged from there, not
        from where they were only meanwhile (soak: a relative link pinned to a same-named
        note it opened only while its note was elsewhere).
        """
        files = self.index.files
        live = {
            old: new
            for old, new in renames.items()
            if new in files and old not in files and old != new
        }
        if not live:
            return live, [], []
        unmoved = {new: old for old, new in live.items()}
        # The index as it is, but with the renamed files back under their old names.
        start = moved_index(self.index, unmoved)
        if created:
            start = start.updated(removed=[path for path in created if path in start.files])
        changes, skipped = plan_rename_links(
            start,
            self.index,
            live,
            link_format=self.session.obsidian.new_link_format,
            writable=self._writable,
        )
        if returned:
            changes = [
                change
                for change in changes
                if change.source not in returned or _meant_from_here(start, live, change)
            ]
        return live, changes, skipped

    def _rewrite(
        self,
        renames: dict[str, str],
        only: set[str] | None,
        *,
        first: bool,
        fresh: dict[str, set[str]],
        restored: set[str] | frozenset[str] = frozenset(),
        created: Collection[str] = (),
    ) -> None:
        live, changes, skipped = self._plan_links(renames, created, restored)
        # A name given back, or a note that appeared in the batch (soak: a checkout brought
        # back a same-named note), takes links over as it would in Obsidian: no rename did it.
        taken_over = {*restored, *created}
        if taken_over:
            changes = [c for c in changes if not self._taken_over(c, live, taken_over)]
        if first:
            for item in skipped:
                self.say(
                    f"{item.source}:{item.link.line}: {item.link.raw} not rewritten: {item.reason}"
                )
        by_source = self._by_source(changes, only, first=first, fresh=fresh)
        if not by_source:
            return
        plan = Plan()
        waiting: set[str] = set()
        now = self.clock()
        grace = self.session.config.watch.edit_grace_seconds
        open_now = self._open_now()
        for source, items in sorted(by_source.items()):
            if self._must_wait(source, now, grace, open_now):
                waiting.add(source)
                continue
            count = len(items)
            targets = {item.target for item in items}
            # Only the renames this note's links follow, not every rename of the batch; a
            # link that a new name would take over is kept on the note it opened.
            followed = [f"{old} -> {new}" for old, new in live.items() if new in targets]
            kept = sorted(targets - set(live.values()))
            what = ", ".join([*followed, *(f"kept on {path}" for path in kept)])
            plan.edits.append(
                FileEdit(
                    source,
                    self.index.notes[source].content_hash,
                    tuple(link_edit(item) for item in items),
                    f"rewrote {count} link{'s' if count != 1 else ''} in {source}: {what}",
                )
            )
        if self.report_only:
            for edit in plan.edits:
                self.say(f"would write {edit.path} ({edit.reason}) but this is a report-only run")
            return
        if waiting:
            self.pending.append(Pending(dict(live), waiting, fresh))
            if first:
                edited = sorted(waiting - open_now)
                if edited:
                    self.say(
                        f"{_count(edited)} edited in the last {grace:g} s; "
                        f"their links wait: {_some(edited)}"
                    )
                opened = sorted(waiting & open_now)
                if opened:
                    self.say(
                        f"{_count(opened)} open in Obsidian (defer_open_notes); their links "
                        f"wait until closed: {_some(opened)}"
                    )
        self._apply(plan, live, fresh)

    def _by_source(
        self,
        changes: list[LinkChange],
        only: set[str] | None,
        *,
        first: bool,
        fresh: dict[str, set[str]],
    ) -> dict[str, list[LinkChange]]:
        """The changes to write, by note: not links written with the rename (fresh) that open
        a note, and only in `only` notes when given."""
        by_source: dict[str, list[LinkChange]] = {}
        for change in changes:
            if change.link.raw in fresh.get(change.source, ()) and self._opens_something(change):
                if first:
                    self.say(
                        f"{change.source}:{change.link.line}: {change.link.raw} not rewritten: "
                        "written at the same time as the rename, for the new names"
                    )
                continue
            if only is None or change.source in only:
                by_source.setdefault(change.source, []).append(change)
        return by_source

    def _opens_something(self, change: LinkChange) -> bool:
        """A link written with the renames is meant for the new names only if it opens one:
        one that opens nothing was written before the rename, in the same batch (soak)."""
        return self.index.resolve_link(change.link, change.source).resolved

    def _taken_over(self, change: LinkChange, live: dict[str, str], notes: set[str]) -> bool:
        """A change that would keep a link on the note it opened before, away from one of
        `notes` that opens now (not a rename's new name)."""
        if change.target in live.values():
            return False
        now = self.index.resolve_link(change.link, change.source)
        return now.resolved and now.path in notes

    def _writable(self, path: str) -> bool:
        entry = self.index.files.get(path)
        if entry is None or entry.symlinked or self.session.config.is_excluded(path):
            return False
        if is_sync_conflict(path):
            return False
        if conflict_copies_of(path, self.index.files):
            return False
        if in_possible_pair(path, self.index.notes):
            return False
        if self._is_placeholder(path):
            return False  # reading it would download it, writing it would race the download
        return not self._has_conflict_markers(path)

    def _is_placeholder(self, path: str) -> bool:
        try:
            info = self._disk(path).stat()
        except OSError:
            return True
        if getattr(info, "st_flags", 0) & _SF_DATALESS:
            self._tell_once(path, "is a cloud placeholder (not downloaded); not read")
            return True
        return False

    def _has_conflict_markers(self, path: str) -> bool:
        """A note in the middle of a git merge, rebase or stash pop is never written."""
        try:
            data = self._disk(path).read_bytes()
        except OSError:
            return True
        if _CONFLICT_MARKERS.search(data) is None:
            self.conflicted.discard(path)
            return False
        if path not in self.conflicted:
            self.conflicted.add(path)
            self.say(f"{path} has git conflict markers; not written until they are resolved")
        return True

    def _open_now(self) -> frozenset[str]:
        return frozenset() if self.open_in_obsidian is None else self.open_in_obsidian()

    def _must_wait(self, rel: str, now: float, grace: float, open_now: frozenset[str]) -> bool:
        """Whether a write to rel waits: open in Obsidian, or edited in the grace period."""
        return rel in open_now or self._recently_edited(rel, now, grace)

    def _recently_edited(self, rel: str, now: float, grace: float) -> bool:
        if grace <= 0:
            return False
        try:
            info = self._disk(rel).stat()
        except OSError:
            return True
        if self.ours.get(rel) == info.st_mtime_ns:
            return False  # the last change was our own write, not the user typing
        return info.st_mtime > now - grace

    def git_at_work(self) -> str | None:
        """The git lock file that exists now, if any."""
        for marker in BUSY_MARKERS:
            if (self.root / marker).exists():
                return marker
        return None

    def writes_blocked(self) -> str | None:
        """Why no write may happen now, or None."""
        if self.paused_reason is not None:
            return self.paused_reason
        marker = self.git_at_work()
        if marker is not None:
            return f"{marker} exists (git is at work)"
        for temp in sorted(self.sync_temps):
            if (self.root / temp).exists():
                return f"{temp} exists (a sync client is at work)"
            self.sync_temps.discard(temp)
        state = ensure_vault_state_dir(self.root, override=self.session.state_override)
        if (state / PAUSED_FLAG).exists():
            return "writes are paused (vaultpartner resume VAULT)"
        return self.limiter.tripped

    def _wait(
        self, renames: dict[str, str], sources: set[str], why: str, fresh: dict[str, set[str]]
    ) -> None:
        self.pending.append(Pending(dict(renames), set(sources), fresh))
        if self._said_blocked != why:
            self._said_blocked = why
            count = len(sources)
            self.say(
                f"{count} note{'s' if count != 1 else ''} not written yet: {why}; "
                "they will be once that is over"
            )

    def _apply(self, plan: Plan, renames: dict[str, str], fresh: dict[str, set[str]]) -> None:
        if plan.empty or not self._may_write(plan, renames, fresh):
            return
        now = self.clock()
        allowed = Plan(notices=list(plan.notices))
        for edit in plan.edits:
            if self.limiter.allow(edit.path, now):
                allowed.edits.append(edit)
                self.limiter.record(edit.path, now)
            elif self.limiter.tripped:
                self.say(f"not written: {edit.path}: {self.limiter.tripped}")
        if allowed.empty:
            return
        state = ensure_vault_state_dir(self.root, override=self.session.state_override)
        try:
            with Applier(self.root, state, command="watch") as applier:
                report = applier.apply(allowed)
        except LockedError as exc:
            self._wait(renames, {edit.path for edit in allowed.edits}, str(exc), fresh)
            return
        retry: set[str] = set()
        for outcome in report.outcomes:
            if outcome.ok:
                self._refresh(outcome.path, ours=True, written=outcome.new_hash)
                self.say(outcome.reason)
            elif outcome.status == "conflict":
                # Changed after it was read (the user typing, Obsidian rewriting the link):
                # read it again and plan once more from what it says now.
                self._refresh(outcome.path)
                retry.add(outcome.path)
            else:
                self.say(f"{outcome.path}: {outcome.message}")
        if retry:
            self.pending.append(Pending(dict(renames), retry, fresh))

    def _may_write(self, plan: Plan, renames: dict[str, str], fresh: dict[str, set[str]]) -> bool:
        """Whether the plan may be written now; if not, it waits (or is dropped, said)."""
        blocked = self.writes_blocked()
        if blocked is not None:
            if self.limiter.tripped is not None and blocked == self.limiter.tripped:
                for edit in plan.edits:
                    self.say(f"not written: {edit.path} ({edit.reason}): {blocked}")
                return False
            self._wait(renames, {edit.path for edit in plan.edits}, blocked, fresh)
            return False
        self._said_blocked = None
        stale = self._stale_renames(renames)
        if stale is not None:
            # The disk moved on since the index was read (a checkout, a sync): look again
            # before writing; the rescan plans these links anew if the renames still hold.
            self.needs_rescan = True
            self._wait(renames, {edit.path for edit in plan.edits}, stale, fresh)
            return False
        return True

    def _stale_renames(self, renames: dict[str, str]) -> str | None:
        """Why the renames no longer match the disk (a new name gone or changed, an old
        name back), or None when each still holds."""
        for old, new in renames.items():
            seen = self._look(new)
            if not isinstance(seen, Seen) or seen.identity != self.identities.get(new):
                return f"{new} changed or went away since it was read"
            if old.casefold() != new.casefold() and os.path.lexists(self._disk(old)):
                return f"{old} is back"
        return None

    def _refresh(self, rel: str, *, ours: bool = False, written: str | None = None) -> None:
        """Index a file as it is now. After our own write, its echo then finds nothing new.

        A note renamed between our write and this look is gone already: it is remembered
        under the content we wrote (`written`), so its old and new names still pair up.
        """
        seen = self._look(rel)
        if not isinstance(seen, Seen):
            if written is not None and seen is None and rel in self.identities:
                self.identities[rel] = written
            return
        if ours:
            self.ours[rel] = seen.stamp[1]
        self.index = self.index.updated(
            files=[seen.entry], notes=[seen.note] if seen.note is not None else []
        )
        self.identities[rel] = seen.identity
        self.stamps[rel] = seen.stamp

    # -- waiting writes ----------------------------------------------------------------------
    def retry(self) -> None:
        """Write what waits, as far as nothing blocks it any more."""
        if not self.pending or self.report_only:
            self.pending.clear()
            return
        if self.writes_blocked() is not None:
            return
        if self.needs_rescan:  # the disk moved on under a waiting plan: look first
            self.handle((), rescan=True)  # ends by calling retry() again, rescan done
            return
        now = self.clock()
        grace = self.session.config.watch.edit_grace_seconds
        open_now = self._open_now()
        pending, self.pending = self.pending, []
        for item in pending:
            if item.sources is None:
                self._rewrite(item.renames, None, first=False, fresh=item.fresh)
                continue
            ready = {s for s in item.sources if not self._must_wait(s, now, grace, open_now)}
            later = item.sources - ready
            if later:
                self.pending.append(Pending(item.renames, later, item.fresh))
            if ready:
                self._rewrite(item.renames, ready, first=False, fresh=item.fresh)

    def next_retry_in(self) -> float | None:
        """Seconds until waiting writes should be tried again; None when nothing waits."""
        if not self.pending:
            return None
        if self.writes_blocked() is not None:
            return BLOCKED_POLL_SECONDS
        now = self.clock()
        grace = self.session.config.watch.edit_grace_seconds
        soonest: float | None = None
        open_now = self._open_now()
        for item in self.pending:
            for source in item.sources or ():
                if source in open_now:
                    return BLOCKED_POLL_SECONDS  # closing a tab sends no event to wait for
                try:
                    due = (self.root / source).stat().st_mtime + grace - now
                except OSError:
                    due = BLOCKED_POLL_SECONDS
                soonest = due if soonest is None else min(soonest, due)
        return BLOCKED_POLL_SECONDS if soonest is None else max(0.05, soonest + 0.05)


def _count(notes: Sequence[str]) -> str:
    return f"{len(notes)} note{'s' if len(notes) != 1 else ''}"


def _some(notes: Sequence[str]) -> str:
    return ", ".join(notes[:3]) + (", ..." if len(notes) > 3 else "")


def _meant_from_here(start: VaultIndex, live: dict[str, str], change: LinkChange) -> bool:
    """Whether the change points the link where it led from its note's present place before
    the batch (followed through the batch's renames)."""
    was = start.resolve_link(change.link, change.source)
    if not was.resolved or was.path is None:
        return False
    return change.target == live.get(was.path, was.path)


def start_engine(
    session: app.Session,
    *,
    clock: Callable[[], float],
    report_only: bool = False,
    say: Callable[[str], None] = log.info,
) -> Engine:
    """Index the vault (through the cache) and record every file's content identity."""
    # Stamps first: a file changed while the index loads then differs at the next rescan.
    stamps = {found.rel: (found.size, found.mtime_ns) for found in walk_vault(session.root).files}
    vault = app.load(session)
    identities: dict[str, str] = {}
    for path in vault.index.files:
        note = vault.index.notes.get(path)
        if note is not None:
            identities[path] = note.content_hash
            continue
        disk = session.root / path
        try:
            identities[path] = file_identity(disk, disk.stat().st_size)
        except OSError:
            continue
    open_in_obsidian = None
    if session.config.watch.defer_open_notes:
        open_in_obsidian = OpenNotes(session.root / session.obsidian.config_folder)
    return Engine(
        session,
        vault.index,
        identities,
        clock,
        report_only=report_only,
        say=say,
        stamps=stamps,
        open_in_obsidian=open_in_obsidian,
    )


def relative(root: Path, raw: str) -> str | None:
    """A watchdog path as a vault-relative NFC POSIX path, or None outside the vault."""
    try:
        rel = Path(raw).relative_to(root)
    except ValueError:
        try:
            rel = Path(os.path.realpath(raw)).relative_to(os.path.realpath(root))
        except ValueError:
            return None
    text = nfc(rel.as_posix())
    return None if text in ("", ".") else text
