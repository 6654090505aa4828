"""The journal of runs: what each run changed, with pre-images, kept outside the vault."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, cast, get_args

from vaultpartner.digest import content_hash
from vaultpartner.errors import VaultPartnerError

__all__ = ["Journal", "JournalEntry", "RunHandle", "RunRecord"]

log = logging.getLogger(__name__)

Action = Literal["write", "create", "move", "delete"]
_ACTIONS: frozenset[str] = frozenset(get_args(Action))
_RUN_ID_RE = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)-[0-9a-f]{6}$")
_STAMP = "%Y%m%dT%H%M%SZ"
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
# A pre-image: its sha256, and (offset, length) in the run's pack (None: a file of its own).
Preimage = tuple[str, tuple[int, int] | None]
JOURNAL_FOLDER = "journal"  # in the vault's state folder
PACK_FILE = "preimages.pack"  # the run's pre-images, end to end; entries give offset and length


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One change to one file; for a move, path is the new path and old_path the old one."""

    action: Action
    path: str
    old_path: str | None
    old_hash: str | None
    new_hash: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One recorded run; finished is None when the process stopped before finish()."""

    run_id: str
    started: datetime
    command: str
    entries: tuple[JournalEntry, ...]
    finished: datetime | None = None
    # Entries are recorded before their change is made (so a killed run can still be undone);
    # these indices were recorded but then not carried out (conflict, refused, error).
    not_applied: frozenset[int] = frozenset()

    def applied(self) -> list[tuple[int, JournalEntry]]:
        return [(i, entry) for i, entry in enumerate(self.entries) if i not in self.not_applied]


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse directory fsync; the data itself is already synced
    finally:
        os.close(fd)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("journal clock must return an aware datetime")
    return value.astimezone(UTC)


class RunHandle:
    """Appends entries of one run; every record() is on disk before it returns."""

    def __init__(self, folder: Path, run_id: str) -> None:
        self.run_id = run_id
        self._folder = folder
        self._count = 0
        self._fd: int | None = os.open(
            folder / "entries.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
        )
        self._pack_fd: int | None = None
        self._packed: dict[str, tuple[int, int]] = {}  # blob -> (offset, length) in the pack

    def _append(self, obj: dict[str, Any]) -> None:
        self._append_all([obj])

    def _append_all(self, objects: Sequence[dict[str, Any]]) -> None:
        if self._fd is None:
            raise RuntimeError(f"run {self.run_id} is already finished")
        line = "".join(
            json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n" for obj in objects
        ).encode()
        # One write per line keeps lines whole unless the process dies mid-write,
        # and the reader drops such a torn last line.
        view = memoryview(line)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)

    def record(self, entry: JournalEntry, old_bytes: bytes | None) -> int:
        """Store the pre-image first, then the entry; returns the entry's index in the run."""
        return self.record_many([(entry, old_bytes)])[0]

    def record_many(self, items: Sequence[tuple[JournalEntry, bytes | None]]) -> list[int]:
        """Like record for many entries, with one flush of the state folder for all of them.

        Every pre-image is on disk (appended to the run's pack and fsynced once)
        before the entry lines that name them are written and fsynced.
        """
        blobs: list[str | None] = []
        fresh: dict[str, bytes] = {}
        for _entry, old_bytes in items:
            if old_bytes is None:
                blobs.append(None)
                continue
            blob = content_hash(old_bytes)
            blobs.append(blob)
            if blob not in self._packed:
                fresh[blob] = old_bytes
        if fresh:
            self._append_pack(fresh)
        lines = [
            {
                "kind": "entry",
                "action": entry.action,
                "path": entry.path,
                "old_path": entry.old_path,
                "old_hash": entry.old_hash,
                "new_hash": entry.new_hash,
                "reason": entry.reason,
                "blob": blob,
                "at": None if blob is None else list(self._packed[blob]),
            }
            for (entry, _), blob in zip(items, blobs, strict=True)
        ]
        self._append_all(lines)
        first = self._count
        self._count += len(items)
        return list(range(first, self._count))

    def _append_pack(self, contents: dict[str, bytes]) -> None:
        """Pre-images go into one file per run, appended and fsynced once per batch: a
        thousand rewritten notes cost one write and one fsync, not a thousand files.
        Offsets are taken from the file itself, so a failed append (disk full) leaves
        nothing that a later entry could point into wrongly."""
        if self._pack_fd is None:
            self._pack_fd = os.open(
                self._folder / PACK_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
            )
            _fsync_dir(self._folder)
        offset = os.fstat(self._pack_fd).st_size
        where: dict[str, tuple[int, int]] = {}
        for blob, data in contents.items():
            where[blob] = (offset, len(data))
            offset += len(data)
        view = memoryview(b"".join(contents.values()))
        while view:
            view = view[os.write(self._pack_fd, view) :]
        os.fsync(self._pack_fd)
        self._packed.update(where)

    def mark_not_applied(self, index: int, status: str) -> None:
        """The change recorded as entry `index` was not made (its outcome is `status`)."""
        self._append({"kind": "outcome", "index": index, "status": status})

    def finish(self, finished: datetime | None = None) -> None:
        """Mark the run complete and close it; safe to call twice."""
        if self._fd is None:
            return
        when = _utc(finished) if finished is not None else datetime.now(UTC)
        try:
            self._append({"kind": "finish", "finished": when.isoformat()})
        finally:
            os.close(self._fd)
            self._fd = None
            if self._pack_fd is not None:
                os.close(self._pack_fd)
                self._pack_fd = None

    def __enter__(self) -> RunHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()


class Journal:
    """Runs stored as runs/<run_id>/entries.jsonl plus the run's pre-images, end to end, in
    runs/<run_id>/preimages.pack (older runs: one file each in runs/<run_id>/blobs/)."""

    def __init__(
        self,
        state_dir: Path,
        *,
        keep_runs: int = 50,
        keep_days: int = 30,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.keep_runs = keep_runs
        self.keep_days = keep_days
        self._clock = clock or (lambda: datetime.now(UTC))
        self._runs_dir = self.state_dir / "runs"
        self._reported: set[str] = set()  # damage is reported once, not on every listing
        self._blob_names: dict[str, list[Preimage | None]] = {}  # parsed once per run, for undo

    @classmethod
    def of_state(cls, state_dir: Path) -> Journal:
        """The journal of a vault, in its state folder."""
        return cls(Path(state_dir) / JOURNAL_FOLDER)

    def start_run(self, command: str) -> RunHandle:
        """Open a new run (pruning old ones) and write its header durably."""
        self._runs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        started = _utc(self._clock())
        while True:
            run_id = f"{started.strftime(_STAMP)}-{secrets.token_hex(3)}"
            folder = self._runs_dir / run_id
            try:
                folder.mkdir(mode=0o700)
                break
            except FileExistsError:
                continue
        _fsync_dir(self._runs_dir)
        handle = RunHandle(folder, run_id)
        header = {"kind": "run", "run_id": run_id, "command": command}
        handle._append({**header, "started": started.isoformat()})
        _fsync_dir(folder)
        self.prune(keep=run_id)
        return handle

    def runs(self, since: datetime | None = None) -> list[RunRecord]:
        """All readable runs, newest first; since filters by start time."""
        run_ids = self._run_ids()
        if since is not None:  # run ids start with their start time: skip older ones unread
            floor = _utc(since).replace(microsecond=0).strftime(_STAMP)
            run_ids = [run_id for run_id in run_ids if run_id[: len(floor)] >= floor]
        records = [r for r in map(self._load, run_ids) if r is not None]
        if since is not None:
            records = [r for r in records if r.started >= _utc(since)]
        return sorted(records, key=lambda r: (r.started, r.run_id), reverse=True)

    def newest_run_id(self) -> str | None:
        """The id of the newest run (by start time), or None."""
        return max(self._run_ids(), default=None)

    def runs_after(self, run_id: str) -> list[RunRecord]:
        """Runs started after `run_id` (and any others of the same second), oldest first."""
        stamp = run_id.partition("-")[0]
        later = [r for r in self._run_ids() if r.partition("-")[0] >= stamp and r != run_id]
        records = [r for r in map(self._load, later) if r is not None]
        return sorted(records, key=lambda r: (r.started, r.run_id))

    def get(self, run_id: str) -> RunRecord:
        """The run with this id; raises VaultPartnerError with a hint when unknown."""
        record = self._load(run_id) if _RUN_ID_RE.match(run_id) else None
        if record is None:
            recent = ", ".join(r.run_id for r in self.runs()[:3]) or "none recorded yet"
            raise VaultPartnerError(
                f"no run {run_id!r} in the journal",
                path=str(self._runs_dir),
                hint=f"pick a run id from the run list (newest: {recent}); "
                f"only the newest {self.keep_runs} runs of the last {self.keep_days} days are kept",
            )
        return record

    def previous_content(self, run_id: str, index: int) -> bytes | None:
        """The bytes entry `index` of the run replaced (None if the file did not exist)."""
        blobs = self._blob_names.get(run_id)
        if blobs is None:
            self.get(run_id)
            parsed = self._parse(run_id)
            blobs = parsed[3] if parsed is not None else []
            self._blob_names[run_id] = blobs
        if not 0 <= index < len(blobs):
            raise VaultPartnerError(
                f"run {run_id} has no entry {index}",
                hint=f"it has {len(blobs)} entries, numbered from 0",
            )
        found = blobs[index]
        if found is None:
            return None
        blob, at = found
        folder = self._runs_dir / run_id
        # Runs written before pre-images were packed keep one file per pre-image.
        path = folder / PACK_FILE if at is not None else folder / "blobs" / blob
        damaged = "the journal folder was damaged; the previous content cannot be restored"
        try:
            with open(path, "rb") as handle:
                if at is not None:
                    handle.seek(at[0])
                data = handle.read(at[1] if at is not None else -1)
        except OSError as exc:
            raise VaultPartnerError(
                f"the saved copy is unreadable: {exc.strerror}", path=str(path), hint=damaged
            ) from exc
        if content_hash(data) != blob:
            raise VaultPartnerError(
                "the saved copy is corrupt (hash mismatch)", path=str(path), hint=damaged
            )
        return data

    def prune(self, *, keep: str | None = None) -> None:
        """Drop runs beyond the newest keep_runs and runs older than keep_days."""
        cutoff = _utc(self._clock()) - timedelta(days=self.keep_days)
        newest_first = sorted(self._run_ids(), reverse=True)
        for position, run_id in enumerate(newest_first):
            match = _RUN_ID_RE.match(run_id)
            if match is None or run_id == keep:
                continue
            started = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
            if position >= self.keep_runs or started < cutoff:
                shutil.rmtree(self._runs_dir / run_id, ignore_errors=True)

    # ----------------------------------------------------------------- reading
    def _run_ids(self) -> list[str]:
        try:
            names = os.listdir(self._runs_dir)
        except FileNotFoundError:
            return []
        return [n for n in names if _RUN_ID_RE.match(n)]

    def _load(self, run_id: str) -> RunRecord | None:
        parsed = self._parse(run_id)
        if parsed is None:
            return None
        header, finished, entries, _, not_applied = parsed
        path = self._runs_dir / run_id / "entries.jsonl"
        try:
            started = _utc(datetime.fromisoformat(header["started"]))
            return RunRecord(
                run_id,
                started,
                str(header["command"]),
                tuple(entries),
                finished,
                frozenset(not_applied),
            )
        except (KeyError, TypeError, ValueError) as exc:
            self._warn(f"{path}: damaged run header, run ignored ({exc})")
            return None

    def _parse(
        self, run_id: str
    ) -> (
        tuple[dict[str, Any], datetime | None, list[JournalEntry], list[Preimage | None], set[int]]
        | None
    ):
        """Header, finish time, entries and their blob names; one parse shared by all readers."""
        path = self._runs_dir / run_id / "entries.jsonl"
        header: dict[str, Any] | None = None
        finished: datetime | None = None
        entries: list[JournalEntry] = []
        blobs: list[Preimage | None] = []
        not_applied: set[int] = set()
        for obj in self._lines(path):
            try:
                if obj["kind"] == "run":
                    header = obj
                elif obj["kind"] == "finish":
                    finished = _utc(datetime.fromisoformat(obj["finished"]))
                elif obj["kind"] == "entry":
                    entry, blob = _entry(obj)
                    entries.append(entry)
                    blobs.append(blob)
                elif obj["kind"] == "outcome":
                    not_applied.add(int(obj["index"]))
            except (KeyError, TypeError, ValueError) as exc:
                self._warn(f"{path}: skipping a damaged journal line ({exc})")
        return None if header is None else (header, finished, entries, blobs, not_applied)

    def _warn(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            log.warning("%s", message)

    def _lines(self, path: Path) -> Iterator[dict[str, Any]]:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return
        lines = raw.split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                # A torn final line is what a killed run leaves; only earlier damage is news.
                if number != len(lines):
                    self._warn(f"{path}:{number}: skipping a damaged journal line ({exc})")
                continue
            yield obj


def _entry(obj: dict[str, Any]) -> tuple[JournalEntry, Preimage | None]:
    action = obj["action"]
    if action not in _ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    for key in ("old_hash", "new_hash"):
        if obj[key] is not None and not _HASH_RE.match(str(obj[key])):
            raise ValueError(f"bad {key}")
    blob = obj.get("blob")
    if blob is not None and not _HASH_RE.match(str(blob)):
        raise ValueError("bad blob name")
    at = obj.get("at")
    if at is not None and not (
        isinstance(at, list)
        and len(at) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in at)
    ):
        raise ValueError("bad pre-image position")
    entry = JournalEntry(
        action=cast(Action, action),
        path=str(obj["path"]),
        old_path=None if obj["old_path"] is None else str(obj["old_path"]),
        old_hash=obj["old_hash"],
        new_hash=obj["new_hash"],
        reason=str(obj["reason"]),
    )
    return entry, None if blob is None else (str(blob), None if at is None else (at[0], at[1]))
