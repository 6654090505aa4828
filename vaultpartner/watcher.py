"""The watcher's engine: turn a batch of touched paths into index updates and safe writes.

No threads and no watchdog here (see `vaultpartner.watch` for those): `Engine.handle` is
called with the paths a debounced batch touched; it re-reads the disk, updates the index
incrementally, recognises renames by content (never by event type), plans the same link
rewrites `vaultpartner mv` would, and applies them through the safe writer under the vault
lock. Notes edited in the last `edit_grace_seconds` are not written: their edits wait.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vaultpartner import app
from vaultpartner.apply import Applier
from vaultpartner.digest import content_hash
from vaultpartner.errors import LockedError
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.links import link_edit, plan_rename_links
from vaultpartner.moving import moved_index
from vaultpartner.note import Note, parse_note
from vaultpartner.paths import is_markdown, is_sync_conflict, nfc
from vaultpartner.plan import FileEdit, Plan
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.vaultfs import walk_vault
from vaultpartner.watchcore import RateLimiter, busy_marker, conflict_copies_of, interesting

log = logging.getLogger(__name__)
_EDGE = 64 * 1024


def file_identity(path: Path, size: int) -> str:
    """Content identity: whole-file hash for small files, size + first and last 64 KiB else."""
    with open(path, "rb") as handle:
        if size <= 2 * _EDGE:
            return content_hash(handle.read())
        head = handle.read(_EDGE)
        handle.seek(-_EDGE, os.SEEK_END)
        tail = handle.read(_EDGE)
    return f"{size}:{content_hash(head + tail)}"


@dataclass
class Deferred:
    """Link rewrites waiting until a note has not been edited for the grace period."""

    renames: dict[str, str]
    sources: set[str]


@dataclass
class Engine:
    session: app.Session
    index: VaultIndex
    identities: dict[str, str]
    clock: Callable[[], float]  # wall-clock seconds (mtime comparisons)
    report_only: bool = False
    say: Callable[[str], None] = log.info
    limiter: RateLimiter = field(default_factory=RateLimiter)
    deferred: list[Deferred] = field(default_factory=list)
    busy: set[str] = field(default_factory=set)  # git / sync markers seen on disk
    paused_reason: str | None = None

    @property
    def root(self) -> Path:
        return self.session.root

    # -- reading the disk --------------------------------------------------------------------
    def _expand(self, paths: Iterable[str], rescan: bool) -> set[str]:
        if rescan:
            return set(self.index.files) | {found.rel for found in walk_vault(self.root).files}
        wanted: set[str] = set()
        for rel in paths:
            disk = self.root / rel
            if disk.is_dir() and not disk.is_symlink():
                wanted |= {found.rel for found in walk_vault(disk).files}
                wanted = {f"{rel}/{p}" if not p.startswith(rel + "/") else p for p in wanted}
            prefix = rel + "/"
            wanted |= {path for path in self.index.files if path.startswith(prefix)}
            wanted.add(rel)
        return {path for path in wanted if interesting(path)}

    def _look(self, rel: str) -> tuple[FileEntry, Note | None, str] | None:
        disk = self.root / rel
        try:
            info = disk.stat()
            if not disk.is_file():
                return None
            identity = file_identity(disk, info.st_size)
            note = None
            if is_markdown(rel):
                note = parse_note(
                    rel, disk.read_bytes(), max_bytes=self.session.config.audit.max_note_bytes
                )
        except OSError:
            return None
        return FileEntry(rel, info.st_size), note, identity

    # -- one batch ---------------------------------------------------------------------------
    def handle(self, paths: Iterable[str], *, rescan: bool = False) -> None:
        if not self.root.is_dir():
            self.say("the vault folder is gone; all writes stopped until it returns")
            self.paused_reason = "vault root missing"
            return
        if self.paused_reason == "vault root missing":
            self.paused_reason = None
            rescan = True
        touched = self._expand(paths, rescan)
        self.busy = {path for path in touched if busy_marker(path) and (self.root / path).exists()}
        added: dict[str, tuple[FileEntry, Note | None, str]] = {}
        removed: list[str] = []
        for rel in sorted(path for path in touched if not busy_marker(path)):
            seen = self._look(rel)
            if seen is None:
                if rel in self.index.files:
                    removed.append(rel)
            elif self.identities.get(rel) != seen[2] or rel not in self.index.files:
                added[rel] = seen
        if not added and not removed:
            self._retry_deferred()
            return
        renames = self._renames(removed, added)
        before = self.index
        self.index = before.updated(
            files=[entry for entry, _, _ in added.values()],
            notes=[note for _, note, _ in added.values() if note is not None],
            removed=removed,
        )
        for rel in removed:
            self.identities.pop(rel, None)
        for rel, (_, _, identity) in added.items():
            self.identities[rel] = identity
        for old, new in renames.items():
            self.say(f"noticed a rename: {old} -> {new}")
        gone = [rel for rel in removed if rel not in renames]
        if gone:
            self._report_gone(before, gone)
        if renames:
            self._rewrite(before, renames)
        self._retry_deferred()

    def _renames(
        self, removed: list[str], added: dict[str, tuple[FileEntry, Note | None, str]]
    ) -> dict[str, str]:
        """old -> new where exactly one vanished file and one new file share their content."""
        fresh = {rel: seen[2] for rel, seen in added.items() if rel not in self.index.files}
        by_identity: dict[str, list[str]] = {}
        for rel, identity in fresh.items():
            by_identity.setdefault(identity, []).append(rel)
        vanished: dict[str, list[str]] = {}
        for rel in removed:
            known = self.identities.get(rel)
            if known is not None:
                vanished.setdefault(known, []).append(rel)
        renames: dict[str, str] = {}
        for identity, olds in vanished.items():
            news = by_identity.get(identity, [])
            if len(olds) == 1 and len(news) == 1 and not is_sync_conflict(news[0]):
                renames[olds[0]] = news[0]
            elif olds and news:
                self.say(f"several files share the content of {olds[0]}; not guessing a rename")
        return renames

    def _report_gone(self, before: VaultIndex, gone: list[str]) -> None:
        for rel in gone:
            linked = [b.source for b in before.backlinks(rel) if b.source != rel]
            if linked:
                self.say(
                    f"{rel} was deleted; {len(linked)} notes link to it (reported, not rewritten)"
                )

    # -- writing -----------------------------------------------------------------------------
    def _rewrite(self, before: VaultIndex, renames: dict[str, str]) -> None:
        unmoved = {new: old for old, new in renames.items()}
        # The index as it was, but with this batch's content: only the renames differ.
        start = moved_index(self.index, unmoved)
        changes, skipped = plan_rename_links(
            start,
            self.index,
            renames,
            link_format=self.session.obsidian.new_link_format,
            writable=self._writable,
        )
        for item in skipped:
            self.say(
                f"{item.source}:{item.link.line}: {item.link.raw} not rewritten: {item.reason}"
            )
        by_source: dict[str, list[object]] = {}
        for change in changes:
            by_source.setdefault(change.source, []).append(change)
        plan = Plan()
        waiting: set[str] = set()
        now = self.clock()
        grace = self.session.config.watch.edit_grace_seconds
        for source, items in sorted(by_source.items()):
            note = self.index.notes[source]
            if self._recently_edited(source, now, grace):
                waiting.add(source)
                continue
            what = ", ".join(f"{old} -> {new}" for old, new in renames.items())
            count = len(items)
            plan.edits.append(
                FileEdit(
                    source,
                    note.content_hash,
                    tuple(link_edit(item) for item in items),  # type: ignore[arg-type]
                    f"rewrote {count} link{'s' if count != 1 else ''} in {source}: {what}",
                )
            )
        if waiting:
            self.deferred.append(Deferred(dict(renames), waiting))
            self.say(f"{len(waiting)} notes edited in the last {int(grace)} s; their links wait")
        self._apply(plan)

    def _writable(self, path: str) -> bool:
        entry = self.index.files.get(path)
        if entry is None or entry.symlinked or self.session.config.is_excluded(path):
            return False
        return not conflict_copies_of(path, self.index.files)

    def _recently_edited(self, rel: str, now: float, grace: float) -> bool:
        try:
            return (self.root / rel).stat().st_mtime > now - grace
        except OSError:
            return True

    def _retry_deferred(self) -> None:
        if not self.deferred:
            return
        pending, self.deferred = self.deferred, []
        now = self.clock()
        grace = self.session.config.watch.edit_grace_seconds
        for item in pending:
            ready = {
                s
                for s in item.sources
                if s in self.index.notes and not self._recently_edited(s, now, grace)
            }
            later = item.sources - ready
            if later:
                self.deferred.append(Deferred(item.renames, later))
            if ready:
                self._rewrite_sources(item.renames, ready)

    def _rewrite_sources(self, renames: dict[str, str], sources: set[str]) -> None:
        live = {old: new for old, new in renames.items() if new in self.index.files}
        if not live:
            return
        unmoved = {new: old for old, new in live.items()}
        start = moved_index(self.index, unmoved)
        changes, _ = plan_rename_links(
            start,
            self.index,
            live,
            link_format=self.session.obsidian.new_link_format,
            writable=self._writable,
        )
        plan = Plan()
        for source in sorted(sources):
            items = [c for c in changes if c.source == source]
            if items:
                note = self.index.notes[source]
                reason = f"rewrote {len(items)} links in {source} (after it was edited)"
                plan.edits.append(
                    FileEdit(source, note.content_hash, tuple(link_edit(i) for i in items), reason)
                )
        self._apply(plan)

    def writes_blocked(self) -> str | None:
        if self.report_only:
            return "report-only device"
        if self.paused_reason is not None:
            return self.paused_reason
        if self.busy:
            return f"{sorted(self.busy)[0]} exists (git or sync at work)"
        if (
            ensure_vault_state_dir(self.root, override=self.session.state_override) / "paused"
        ).exists():
            return "writes paused (vaultpartner resume VAULT)"
        return self.limiter.tripped

    def _apply(self, plan: Plan) -> None:
        if plan.empty:
            return
        blocked = self.writes_blocked()
        if blocked is not None:
            for edit in plan.edits:
                self.say(f"would write {edit.path} ({edit.reason}) but {blocked}")
            return
        now = self.clock()
        allowed = Plan(notices=list(plan.notices))
        for edit in plan.edits:
            if self.limiter.allow(edit.path, now):
                allowed.edits.append(edit)
                self.limiter.record(edit.path, now)
            elif self.limiter.tripped:
                self.say(self.limiter.tripped)
        state = ensure_vault_state_dir(self.root, override=self.session.state_override)
        try:
            with Applier(self.root, state, command="watch") as applier:
                report = applier.apply(allowed)
        except LockedError as exc:
            self.say(f"{exc}; will retry")
            self.deferred.append(Deferred({}, {edit.path for edit in allowed.edits}))
            return
        for outcome in report.outcomes:
            if outcome.ok:
                self.say(outcome.reason)
                self._refresh(outcome.path)
            else:
                self.say(f"{outcome.path}: {outcome.message}")

    def _refresh(self, rel: str) -> None:
        """Index our own write at once: its echo event then finds nothing new (no loop)."""
        seen = self._look(rel)
        if seen is None:
            return
        entry, note, identity = seen
        self.index = self.index.updated(files=[entry], notes=[note] if note else [])
        self.identities[rel] = identity


def start_engine(session: app.Session, *, clock: Callable[[], float], report_only: bool = False,
                 say: Callable[[str], None] = log.info) -> Engine:  # fmt: skip
    """Index the vault (through the cache) and record every file's content identity."""
    vault = app.load(session)
    identities: dict[str, str] = {}
    for path in vault.index.files:
        note = vault.index.notes.get(path)
        if note is not None and note.content_hash:
            identities[path] = note.content_hash
        else:
            disk = session.root / path
            try:
                identities[path] = file_identity(disk, disk.stat().st_size)
            except OSError:
                continue
    return Engine(session, vault.index, identities, clock, report_only=report_only, say=say)


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


_ = dataclasses
