"""The index snapshot: what the vault looked like at the end of the last run.

`vaultpartner fix` compares it with the vault now to find renames made outside Obsidian (a file
gone, a new file with the same content) and renamed headings. It lives in the vault's state
folder, never in the vault, is written atomically and carries a version: a missing, damaged or
foreign snapshot is ignored with a warning, never trusted.

Content identity: a note's `content_hash` (sha256 of its bytes); an attachment's size plus the
sha256 of its first and last 64 KiB, reused from the previous snapshot while size and mtime are
unchanged, so unchanged attachments are not read again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import marshal
import os
import secrets
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from vaultpartner.cache import parser_fingerprint
from vaultpartner.journal import Journal, RunRecord
from vaultpartner.paths import is_markdown
from vaultpartner.state import vault_key
from vaultpartner.vaultfs import LoadedVault

log = logging.getLogger(__name__)

SNAPSHOT_FILE = "snapshot.bin"
SNAPSHOT_VERSION = 2
# Version 1, JSON: still read (never written) when no newer snapshot exists.
LEGACY_SNAPSHOT_FILE = "snapshot.json"
_LEGACY_VERSION = 1
_MAGIC = b"vaultpartner snapshot\n"
# How long a rename is remembered: a checkout that brings the old name back (with older
# content) within this time undoes it (see fixing.detect_renames).
RECENT_RENAME_SECONDS = 3600.0
_EDGE = 64 * 1024
_SLICE = 2000  # file records encoded at a time
_SF_DATALESS = 0x40000000  # macOS cloud placeholder: reading it would block

Headings = tuple[tuple[int, str], ...]


class FileRecord(NamedTuple):  # a tuple: a saved snapshot's records are read back as they are
    path: str
    size: int
    mtime_ns: int
    identity: str  # "n:<sha256>" for notes, "a:<sha256 of edges>" for attachments, "" unknown
    headings: Headings | None = None  # notes only: (level, text) in document order


# tuple.__new__ makes a record of a 5-tuple without a Python-level __new__.
_as_record: Any = partial(tuple.__new__, FileRecord)


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class Snapshot:
    files: Mapping[str, FileRecord]
    # Renames made outside vaultpartner and not yet handled by `fix` (old path -> new path),
    # carried forward by the commands that save a snapshot without fixing links.
    pending_renames: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    # Notes whose headings changed since the last `fix`: path now -> headings back then.
    pending_headings: Mapping[str, Headings] = field(default_factory=lambda: _frozen({}))
    # Further identities a note may have now: rewrites the journal recorded after this
    # snapshot was saved (a run killed before it could save the next one). Not stored.
    later_identities: Mapping[str, frozenset[str]] = field(default_factory=lambda: _frozen({}))
    # The newest journal run when it was saved: later runs are the ones it may have missed.
    journal_through: str | None = None
    # The parser that read the notes' headings (see cache.parser_fingerprint); not stored
    # for snapshots built in this run, which are this parser's.
    parser: str = field(default_factory=parser_fingerprint, compare=False)
    # Renames noticed lately (by the watcher or `fix`): new path -> (old path, unix time).
    recent_renames: Mapping[str, tuple[str, float]] = field(default_factory=lambda: _frozen({}))

    def identities(self, record: FileRecord) -> frozenset[str]:
        """The record's identity and any later one the journal knows of."""
        return self.later_identities.get(record.path, frozenset()) | {record.identity}

    def paths(self) -> frozenset[str]:
        return frozenset(self.files)


def _edge_hash(os_path: str, size: int) -> str:
    digest = hashlib.sha256()
    with open(os_path, "rb") as handle:
        digest.update(handle.read(_EDGE))
        if size > _EDGE:
            handle.seek(max(_EDGE, size - _EDGE))
            digest.update(handle.read(_EDGE))
    return "a:" + digest.hexdigest()


def _attachment(path: str, os_path: str | None, size: int, previous: Snapshot | None) -> FileRecord:
    if os_path is None:
        return FileRecord(path, size, 0, "")
    try:
        info = os.stat(os_path)
    except OSError:
        return FileRecord(path, size, 0, "")
    old = previous.files.get(path) if previous is not None else None
    if (
        old is not None
        and old.headings is None
        and old.identity
        and old.size == info.st_size
        and old.mtime_ns == info.st_mtime_ns
    ):
        return old
    if getattr(info, "st_flags", 0) & _SF_DATALESS:
        return FileRecord(path, info.st_size, info.st_mtime_ns, "")
    try:
        identity = _edge_hash(os_path, info.st_size)
    except OSError as exc:
        log.warning("cannot read %s for the index snapshot: %s", path, exc.strerror or exc)
        identity = ""
    return FileRecord(path, info.st_size, info.st_mtime_ns, identity)


def build_snapshot(vault: LoadedVault, previous: Snapshot | None = None) -> Snapshot:
    """The vault as it is now (without pending renames; see fixing.carry_forward).

    A note whose content is what `previous` recorded (by the same parser) keeps its record:
    its headings are the same, and are not gathered again.
    """
    records: dict[str, FileRecord] = {}
    index = vault.index
    before = previous.files if previous is not None else {}
    same_parser = previous is not None and previous.parser == parser_fingerprint()
    for path, entry in index.files.items():
        note = index.notes.get(path)
        if note is not None:
            identity = f"n:{note.content_hash}" if note.content_hash else ""
            old = before.get(path) if same_parser and identity else None
            if old is not None and old.identity == identity and old.headings is not None:
                records[path] = old
                continue
            headings = tuple((heading.level, heading.text) for heading in note.headings)
            records[path] = FileRecord(path, note.size, 0, identity, headings)
        elif is_markdown(path):
            records[path] = FileRecord(path, entry.size, 0, "", ())
        else:
            records[path] = _attachment(path, vault.os_paths.get(path), entry.size, previous)
    return Snapshot(_frozen(records))


# -- storage ---------------------------------------------------------------------------------


def _frame(value: Any) -> bytes:
    payload = marshal.dumps(value)
    return len(payload).to_bytes(4, "big") + zlib.crc32(payload).to_bytes(4, "big") + payload


def _encode(snapshot: Snapshot, vault: str) -> Iterator[bytes]:
    """The snapshot as checksummed marshal frames: a header, then the file records a slice
    at a time (a large vault's records are never all encoded at once).

    marshal, not JSON: the snapshot is saved by every audit, and reading, checking and
    writing 10,000 records as JSON cost a sixth of an audit after a small change.
    """
    records = sorted(snapshot.files.values(), key=lambda record: record.path)
    header = (
        SNAPSHOT_VERSION,
        vault,
        parser_fingerprint(),
        len(records),
        snapshot.journal_through,
        tuple(sorted(snapshot.pending_renames.items())),
        tuple(sorted(snapshot.recent_renames.items())),
        tuple(sorted(snapshot.pending_headings.items())),
    )
    yield _MAGIC + _frame(header)
    for start in range(0, len(records), _SLICE):
        yield _frame(
            tuple(
                (r.path, r.size, r.mtime_ns, r.identity, r.headings)
                for r in records[start : start + _SLICE]
            )
        )


def save_snapshot(state_dir: Path, vault_root: Path, snapshot: Snapshot) -> Path:
    """Write the snapshot atomically (temp file in the state folder, fsync, os.replace),
    noting the newest journal run it has seen."""
    through = Journal.of_state(state_dir).newest_run_id()
    snapshot = dataclasses.replace(snapshot, journal_through=through)
    target = state_dir / SNAPSHOT_FILE
    temp = state_dir / f".{SNAPSHOT_FILE}.{secrets.token_hex(4)}.tmp"
    try:
        with open(temp, "xb") as handle:
            handle.writelines(_encode(snapshot, vault_key(vault_root)))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    (state_dir / LEGACY_SNAPSHOT_FILE).unlink(missing_ok=True)  # replaced by this one
    return target


def _saved_file(state_dir: Path) -> Path | None:
    """The saved snapshot's file: this version's, else a version-1 one, else None."""
    for name in (SNAPSHOT_FILE, LEGACY_SNAPSHOT_FILE):
        if (state_dir / name).exists():
            return state_dir / name
    return None


def snapshot_exists(state_dir: Path) -> bool:
    return _saved_file(state_dir) is not None


class _Damaged(ValueError):
    pass


def _headings(value: object) -> Headings:
    if not isinstance(value, list):
        raise _Damaged("headings are not a list")
    out: list[tuple[int, str]] = []
    for item in value:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], int)
            and isinstance(item[1], str)
        ):
            raise _Damaged("a heading is not [level, text]")
        out.append((item[0], item[1]))
    return tuple(out)


def _record(item: object) -> FileRecord:
    if not (isinstance(item, list) and len(item) == 5):
        raise _Damaged("a file entry is not [path, size, mtime_ns, identity, headings]")
    path, size, mtime_ns, identity, headings = item
    if not (
        isinstance(path, str)
        and isinstance(size, int)
        and isinstance(mtime_ns, int)
        and isinstance(identity, str)
    ):
        raise _Damaged("a file entry has values of the wrong type")
    return FileRecord(
        path, size, mtime_ns, identity, None if headings is None else _headings(headings)
    )


def _frames(data: bytes) -> Iterator[Any]:
    view = memoryview(data)
    position = len(_MAGIC)
    while position < len(view):
        if position + 8 > len(view):
            raise _Damaged("truncated")
        length = int.from_bytes(view[position : position + 4], "big")
        crc = int.from_bytes(view[position + 4 : position + 8], "big")
        payload = view[position + 8 : position + 8 + length]
        if len(payload) != length or zlib.crc32(payload) != crc:
            raise _Damaged("a checksum does not match (truncated or damaged)")
        try:
            yield marshal.loads(payload)  # noqa: S302 - our own file, checksummed
        except (ValueError, EOFError, TypeError) as exc:
            raise _Damaged(str(exc)) from None
        position += 8 + length


def _decode(data: bytes, vault: str) -> Snapshot:
    """The snapshot in `data`; _Damaged unless it is whole, ours and of this vault."""
    if not data.startswith(_MAGIC):
        raise _Damaged("not a vaultpartner snapshot of this version")
    frames = _frames(data)
    header = next(frames, None)
    if not (isinstance(header, tuple) and len(header) == 8 and header[0] == SNAPSHOT_VERSION):
        raise _Damaged("unknown snapshot header")
    _version, owner, parser, count, through, renames, recent, headings = header
    if owner != vault:
        raise _Damaged(f"it belongs to another vault ({owner!r})")
    records: dict[str, FileRecord] = {}
    try:
        for chunk in frames:
            for item in chunk:
                if len(item) != 5:
                    raise TypeError(f"{len(item)} fields")
                records[item[0]] = _as_record(item)
    except (TypeError, IndexError, KeyError) as exc:  # checksummed, but not what we write
        raise _Damaged(f"a file record is not what vaultpartner writes ({exc})") from None
    if len(records) != count:
        raise _Damaged(f"{len(records)} file records where {count} were saved")
    return Snapshot(
        _frozen(records),
        _frozen(dict(renames)),
        _frozen(dict(headings)),
        journal_through=through,
        recent_renames=_frozen(dict(recent)),
        parser=parser,
    )


def _decode_legacy(data: bytes, vault: str) -> Snapshot:
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict):
        raise _Damaged("not a JSON object")
    if document.get("version") != _LEGACY_VERSION or document.get("tool") != "vaultpartner":
        raise _Damaged(f"unknown version {document.get('version')!r}")
    if document.get("vault") != vault:
        raise _Damaged(f"it belongs to another vault ({document.get('vault')!r})")
    files = document.get("files")
    renames = document.get("pending_renames")
    headings = document.get("pending_headings")
    if not (isinstance(files, list) and isinstance(renames, dict) and isinstance(headings, dict)):
        raise _Damaged("missing files, pending_renames or pending_headings")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in renames.items()):
        raise _Damaged("pending_renames is not a map of paths")
    through = document.get("journal_through")
    if through is not None and not isinstance(through, str):
        raise _Damaged("journal_through is not a run id")
    records = {record.path: record for record in map(_record, files)}
    return Snapshot(
        _frozen(records),
        _frozen(renames),
        _frozen({str(path): _headings(value) for path, value in headings.items()}),
        journal_through=through,
        recent_renames=_frozen(_recent(document.get("recent_renames", {}))),
        parser="",  # not recorded: its headings are never reused
    )


def _recent(value: object) -> dict[str, tuple[str, float]]:
    if not isinstance(value, dict):
        raise _Damaged("recent_renames is not a map")
    recent: dict[str, tuple[str, float]] = {}
    for new, item in value.items():
        if not (
            isinstance(new, str)
            and isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], int | float)
        ):
            raise _Damaged("a recent rename is not [old path, time]")
        recent[new] = (item[0], float(item[1]))
    return recent


def with_recent_renames(
    snapshot: Snapshot,
    previous: Snapshot | None,
    noticed: Mapping[str, tuple[str, float]],
    now: float,
) -> Snapshot:
    """The snapshot remembering the renames noticed lately: the previous snapshot's, then
    `noticed` (new path -> (old path, time)), those older than RECENT_RENAME_SECONDS dropped."""
    recent = dict(previous.recent_renames) if previous is not None else {}
    for new, (old, when) in noticed.items():
        recent[new] = (old, when)  # the old name's own entry stays: chains are followed back
    kept = {
        new: (old, when)
        for new, (old, when) in recent.items()
        if now - when <= RECENT_RENAME_SECONDS and old != new
    }
    return dataclasses.replace(snapshot, recent_renames=_frozen(kept))


def with_journal(snapshot: Snapshot, runs: Iterable[RunRecord]) -> Snapshot:
    """The snapshot plus the identities notes may have taken since by our own rewrites.

    The watcher saves its snapshot right after each batch of rewrites; killed in between, the
    snapshot still has the notes' old content, and a note renamed while the watcher was down
    would match nothing. The journal has those rewrites (old hash -> new hash): each note may
    now be any identity along its chain. A write whose outcome is unknown (the run was killed)
    may or may not have landed, which is why identities are added, never replaced.
    """
    ordered = sorted(runs, key=lambda record: (record.started, record.run_id))
    if not ordered:
        return dataclasses.replace(snapshot, later_identities=_frozen({}))
    chains = {path: {r.identity} for path, r in snapshot.files.items() if r.identity}
    for run in ordered:
        for _index, entry in run.applied():
            if entry.action != "write" or entry.old_hash is None or entry.new_hash is None:
                continue
            chain = chains.get(entry.path)
            if chain is not None and f"n:{entry.old_hash}" in chain:
                chain.add(f"n:{entry.new_hash}")
    later = {
        path: frozenset(chain - {snapshot.files[path].identity})
        for path, chain in chains.items()
        if len(chain) > 1
    }
    return dataclasses.replace(snapshot, later_identities=_frozen(later))


def load_snapshot_and_journal(state_dir: Path, vault_root: Path) -> Snapshot | None:
    """The saved snapshot with the journal's later rewrites (see with_journal)."""
    snapshot = load_snapshot(state_dir, vault_root)
    if snapshot is None:
        return None
    journal = Journal.of_state(state_dir)
    if snapshot.journal_through is not None:
        return with_journal(snapshot, journal.runs_after(snapshot.journal_through))
    saved_file = _saved_file(state_dir)
    if saved_file is None:
        return snapshot
    try:
        saved = saved_file.stat().st_mtime
    except OSError:
        return snapshot
    # Runs from a minute before the save on: a run that started before it and wrote after
    # is included; one already in the snapshot adds nothing (its old hash is not the one).
    since = datetime.fromtimestamp(saved - 60, tz=UTC)
    return with_journal(snapshot, journal.runs(since=since))


def _read_saved(state_dir: Path) -> tuple[Path, bytes] | None:
    """(file, bytes) of the saved snapshot, or of a version-1 one when there is no newer."""
    for name in (SNAPSHOT_FILE, LEGACY_SNAPSHOT_FILE):
        target = state_dir / name
        try:
            return target, target.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("ignoring the index snapshot %s: %s", target, exc.strerror or exc)
            return None
    return None


def load_snapshot(state_dir: Path, vault_root: Path) -> Snapshot | None:
    """The saved snapshot, or None (with a logged warning when one exists but is not usable).

    A version-1 snapshot (JSON) is read when there is no newer one."""
    found = _read_saved(state_dir)
    if found is None:
        return None
    target, data = found
    decode = _decode if target.name == SNAPSHOT_FILE else _decode_legacy
    try:
        snapshot = decode(data, vault_key(vault_root))
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError and _Damaged included
        log.warning(
            "ignoring the index snapshot %s: damaged or from another version (%s)", target, exc
        )
        return None
    return with_recent_renames(snapshot, None, snapshot.recent_renames, time.time())
