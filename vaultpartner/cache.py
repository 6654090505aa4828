"""Persistent cache of parsed notes (sqlite3) in the per-user state folder, never in the vault.

A note is taken from the cache when its path, size, mtime_ns and ctime_ns match what was
recorded; a file whose timestamps are too close to the moment it was cached (the file system
may not have ticked) or lie in the future (a clock that went backwards) is re-read and its
content hash compared instead. A damaged cache, or one written by another version of the parser,
is deleted and rebuilt, never trusted. WAL mode lets readers run beside the one writer; a
command that cannot get the write lock quickly simply does not update the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, NamedTuple

from vaultpartner import __version__
from vaultpartner.note import Note
from vaultpartner.wire import note_from_wire, note_to_wire

log = logging.getLogger(__name__)

CACHE_FILE = "notes-cache.sqlite3"
# 32 KiB pages: a cold run writes the notes in a quarter of the pages of the default 4 KiB,
# and its write-ahead log stays under the automatic checkpoint (1,000 pages) up to ~30 MB, so
# copying the log into the file is spread over later runs instead of weighing on the first
# (10,000 notes: the cache's writes 0.1 -> 0.03 s).
PAGE_SIZE = 32768
# Timestamps within this distance of the caching moment are not trusted (coarse file-system
# clocks: 2 s on FAT, 1 s on HFS+; ext4's ns timestamps tick with the kernel clock).
_DOUBT_NS = 2_000_000_000
# Up to this many hits are read one by one; more, in one pass over the table.
_FEW = 64
_PARSER_MODULES = (
    "note.py", "scan.py", "blocks.py", "simpleblocks.py", "yamlfm.py", "yamlload.py", "linktext.py",
    "headings.py", "wire.py", "paths.py",
)  # fmt: skip


@lru_cache(maxsize=1)
def parser_fingerprint() -> str:
    """Identifies the parser that produced cached notes: any change to it empties the cache.

    Worked out once per process: it describes the code that is running."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for name in _PARSER_MODULES:
        try:
            digest.update((package / name).read_bytes())
        except OSError:  # pragma: no cover - an installation without sources
            digest.update(name.encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class FileStamp:
    path: str
    size: int
    mtime_ns: int
    ctime_ns: int


class _Row(NamedTuple):
    """What is known of a cached note without its serialised form (read only for hits)."""

    path: str
    size: int
    mtime_ns: int
    ctime_ns: int
    cached_at_ns: int
    content_hash: str


# A row as the query returns it, made a _Row without a Python-level __new__.
_as_row: Any = partial(tuple.__new__, _Row)


def _state(row: _Row | None, stamp: FileStamp, now_ns: int) -> str:
    """ "changed" (or unknown), "doubtful" (timestamps too close or in the future), or "same"."""
    if row is None or (row.size, row.mtime_ns, row.ctime_ns) != (
        stamp.size,
        stamp.mtime_ns,
        stamp.ctime_ns,
    ):
        return "changed"
    newest = max(stamp.mtime_ns, stamp.ctime_ns)
    if newest >= row.cached_at_ns - _DOUBT_NS or newest > now_ns or row.cached_at_ns > now_ns:
        return "doubtful"
    return "same"


class NoteCache:
    """Open with `NoteCache.open(state_dir)`; use `lookup`, then `store` the parsed misses."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._path = path
        self._rows: dict[str, _Row] | None = None

    @classmethod
    def open(cls, state_dir: Path) -> NoteCache | None:
        """The cache for a vault's state folder; None (and a warning) if it cannot be used."""
        path = state_dir / CACHE_FILE
        for attempt in (1, 2):
            try:
                return cls(_connect(path), path)
            except sqlite3.DatabaseError as exc:
                if attempt == 2:
                    log.warning("note cache unusable (%s); continuing without it", exc)
                    return None
                log.warning("note cache damaged (%s); rebuilding it", exc)
                _remove(path)
        return None  # pragma: no cover - the loop always returns

    def _load_rows(self) -> dict[str, _Row]:
        if self._rows is None:
            try:
                cursor = self._db.execute(
                    "SELECT path, size, mtime_ns, ctime_ns, cached_at_ns, hash FROM notes"
                )
                self._rows = {row[0]: _as_row(row) for row in cursor}
            except sqlite3.DatabaseError as exc:
                log.warning("note cache damaged (%s); rebuilding it", exc)
                self._reset()
                self._rows = {}
        return self._rows

    def _reset(self) -> None:
        self._db.close()
        _remove(self._path)
        self._db = _connect(self._path)

    def lookup(
        self,
        stamps: Iterable[FileStamp],
        *,
        verify: Mapping[str, str] | None = None,
    ) -> tuple[dict[str, Note], list[FileStamp], dict[str, str]]:
        """(cached notes, stamps to parse, hashes of doubtful rows for the caller to verify).

        A doubtful row (timestamps too close to caching, or in the future) is returned in the
        third value: the caller reads the file, and if its hash matches, `accept` it.
        """
        rows = self._load_rows()
        now_ns = time.time_ns()
        same: dict[str, FileStamp] = {}
        misses: list[FileStamp] = []
        doubtful: dict[str, str] = {}
        for stamp in stamps:
            row = rows.get(stamp.path)
            state = _state(row, stamp, now_ns)
            if state == "changed" or row is None:
                misses.append(stamp)
            elif state == "doubtful":
                doubtful[stamp.path] = row.content_hash
            else:
                same[stamp.path] = stamp
        hits: dict[str, Note] = {}
        for path, wire in self._blobs(same):
            note = self._decode(path, wire)
            if note is not None:
                hits[path] = note
        misses.extend(stamp for path, stamp in same.items() if path not in hits)
        return hits, misses, doubtful

    def _blobs(self, wanted: Mapping[str, object]) -> Iterator[tuple[str, bytes]]:
        """(path, serialised note) of the wanted rows, streamed: never all held at once."""
        if not wanted:
            return
        try:
            if len(wanted) <= _FEW:
                for path in wanted:
                    row = self._db.execute(
                        "SELECT wire FROM notes WHERE path = ?", (path,)
                    ).fetchone()
                    if row is not None:
                        yield path, row[0]
                return
            for path, wire in self._db.execute("SELECT path, wire FROM notes"):
                if path in wanted:
                    yield path, wire
        except sqlite3.DatabaseError as exc:  # the rows already read stay good
            log.warning("note cache damaged (%s); re-reading the notes", exc)

    def unchanged_hashes(
        self, stamps: Iterable[FileStamp], verify: Callable[[str, str], bool] | None = None
    ) -> dict[str, str] | None:
        """path -> content hash when every note is exactly as cached, else None.

        A note whose timestamps leave doubt (changed within moments of being cached, see
        _state) counts as unchanged when `verify(path, content hash)` confirms its content;
        only a few are checked (more mean a change is likely), then recorded as checked."""
        rows = self._load_rows()
        now_ns = time.time_ns()
        hashes: dict[str, str] = {}
        doubtful: list[FileStamp] = []
        for stamp in stamps:
            row = rows.get(stamp.path)
            state = _state(row, stamp, now_ns)
            if row is None or state == "changed":
                return None
            if state == "doubtful":
                if verify is None or len(doubtful) >= _FEW:
                    return None
                doubtful.append(stamp)
            hashes[stamp.path] = row.content_hash
        if doubtful:
            assert verify is not None  # a doubtful note returned None above otherwise
            if not all(verify(stamp.path, hashes[stamp.path]) for stamp in doubtful):
                return None
            self.confirm(doubtful)
        return hashes

    def accept(self, path: str) -> Note | None:
        """A doubtful row whose content the caller verified."""
        for found, wire in self._blobs({path: None}):
            return self._decode(found, wire)
        return None

    def _decode(self, path: str, wire: bytes) -> Note | None:
        # Checked whole: a note's links stay encoded until used, so damage found later would
        # surface far from here.
        payload = memoryview(wire)[4:]
        if len(wire) < 4 or zlib.crc32(payload) != int.from_bytes(wire[:4], "big"):
            log.warning("note cache entry for %s is damaged; re-reading the note", path)
            return None
        try:
            note = note_from_wire(marshal.loads(payload))  # noqa: S302 - our own cache
        except (ValueError, EOFError, TypeError) as exc:
            log.warning("note cache entry for %s is damaged (%s); re-reading the note", path, exc)
            return None
        return note if note.path == path else None

    def store(
        self, items: Iterable[tuple[FileStamp, Note, bytes | None]], *, keep: Iterable[str] | None
    ) -> None:
        """Record parsed notes (with their wire blob when the caller has it already) and forget
        paths not in `keep` (None: forget nothing); best effort.

        `items` may be produced while parsing: rows are written as they come, so their blobs
        are never all held at once. `items` is always consumed to its end.
        """
        now_ns = time.time_ns()  # before the notes are read: a change while reading is doubtful

        def records() -> Iterator[tuple[str, int, int, int, int, str, bytes]]:
            for stamp, note, blob in items:
                if blob is None:
                    try:
                        blob = marshal.dumps(note_to_wire(note))
                    except ValueError:  # a frontmatter value marshal cannot hold: not cached
                        continue
                yield (
                    stamp.path,
                    stamp.size,
                    stamp.mtime_ns,
                    stamp.ctime_ns,
                    now_ns,
                    note.content_hash,
                    zlib.crc32(blob).to_bytes(4, "big") + blob,
                )

        rows = records()
        present = None if keep is None else set(keep)
        stale = [] if present is None else [(p,) for p in self._load_rows() if p not in present]
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?, ?, ?, ?)", rows
                )
                self._db.executemany("DELETE FROM notes WHERE path = ?", stale)
        except sqlite3.OperationalError as exc:  # busy: another writer; the cache just lags
            log.info("note cache not updated (%s)", exc)
        except sqlite3.DatabaseError as exc:
            log.warning("note cache damaged while writing (%s); it will be rebuilt", exc)
            self._reset()
        finally:
            for _ in rows:  # what the caller produces must all be produced
                pass

    def confirm(self, stamps: Iterable[FileStamp]) -> None:
        """Doubtful rows whose content the caller verified: recorded as checked now, so they
        stop being doubtful (their notes are not serialised again)."""
        now_ns = time.time_ns()
        rows = [
            (now_ns, stamp.path, stamp.size, stamp.mtime_ns, stamp.ctime_ns) for stamp in stamps
        ]
        if not rows:
            return
        try:
            with self._db:
                self._db.executemany(
                    "UPDATE notes SET cached_at_ns = ? WHERE path = ? AND size = ?"
                    " AND mtime_ns = ? AND ctime_ns = ?",
                    rows,
                )
        except sqlite3.DatabaseError as exc:  # busy or damaged: it stays doubtful, no harm
            log.info("note cache not updated (%s)", exc)

    def tidy(self) -> None:
        """Copy the write-ahead log into the file and empty it (best effort: skipped while
        another process reads). A cold run leaves tens of megabytes there (see PAGE_SIZE);
        otherwise the next run's first write copies them, and every connection opened before
        that reads through them."""
        with contextlib.suppress(sqlite3.DatabaseError):
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        self._db.close()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(str(path) + suffix).unlink()


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=0.5)
    db.execute(f"PRAGMA page_size={PAGE_SIZE}")  # takes effect in a new file only
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    found = dict(db.execute("SELECT key, value FROM meta").fetchall())
    fingerprint = parser_fingerprint()
    if found.get("parser") != fingerprint:
        with db:
            db.execute("DROP TABLE IF EXISTS notes")
            db.execute("DROP TABLE IF EXISTS results")
            db.execute("DROP TABLE IF EXISTS result_rows")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('parser', ?)", (fingerprint,))
        _resize_pages(db)
    db.execute(
        "CREATE TABLE IF NOT EXISTS notes (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,"
        " ctime_ns INTEGER, cached_at_ns INTEGER, hash TEXT, wire BLOB)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value BLOB, created_ns INTEGER)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS result_rows (kind TEXT, path TEXT, value BLOB,"
        " PRIMARY KEY (kind, path)) WITHOUT ROWID"
    )
    return db


def _resize_pages(db: sqlite3.Connection) -> None:
    """Give an emptied cache of an older version the page size of a new one (VACUUM needs
    the file to itself; when another process has it open, it stays as it is)."""
    if db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE:
        return
    with contextlib.suppress(sqlite3.OperationalError):
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute(f"PRAGMA page_size={PAGE_SIZE}")
        db.execute("VACUUM")
    with contextlib.suppress(sqlite3.OperationalError):
        db.execute("PRAGMA journal_mode=WAL")


class ResultCache:
    """Audit results of an unchanged vault, keyed by everything they depend on.

    One connection, opened at first use and kept: opening one costs a millisecond or two, and
    the last connection to close copies the write-ahead log into the file, which the note
    cache's connection closing after a cold load is then not (see PAGE_SIZE). A process that
    ends without closing it leaves the log for the next one, as SQLite intends. Like the note
    cache's, the connection stays with the file it opened (a cache folder deleted meanwhile
    costs this run's results, nothing else); after an error it is opened afresh."""

    def __init__(self, state_dir: Path) -> None:
        self._path = state_dir / CACHE_FILE
        self._db: sqlite3.Connection | None = None

    def connect(self) -> None:
        """Open the connection now (best effort; every method opens it when needed)."""
        with contextlib.suppress(sqlite3.DatabaseError):
            self._connection()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = _connect(self._path)
        return self._db

    def _failed(self) -> None:
        """After an error the connection is opened afresh (the file may have been replaced)."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def get(self, key: str) -> bytes | None:
        try:
            db = self._connection()
            rows = db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchall()
        except sqlite3.DatabaseError:
            self._failed()
            return None
        return bytes(rows[0][0]) if rows else None

    def put(self, key: str, value: bytes) -> None:
        try:
            db = self._connection()
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                    (key, value, time.time_ns()),
                )
                # Only the latest few are worth keeping (a few rows per set of options).
                db.execute(
                    "DELETE FROM results WHERE key NOT IN "
                    "(SELECT key FROM results ORDER BY created_ns DESC LIMIT 16)"
                )
        except sqlite3.DatabaseError as exc:
            self._failed()
            log.info("audit result not cached (%s)", exc)

    # Results kept a row per note (`kind` names the set): one changed note rewrites one row,
    # not the whole set. The row with the empty path holds the key the set belongs to.

    def get_rows(self, kind: str) -> tuple[str, dict[str, bytes]]:
        """(key, path -> value) of the set `kind`; ("", {}) when there is none."""
        try:
            db = self._connection()
            rows = db.execute(
                "SELECT path, value FROM result_rows WHERE kind = ?", (kind,)
            ).fetchall()
        except sqlite3.DatabaseError:
            self._failed()
            return "", {}
        found = {path: bytes(value) for path, value in rows}
        key = found.pop("", b"")
        try:
            return key.decode(), found
        except UnicodeDecodeError:
            return "", {}

    def put_rows(
        self,
        kind: str,
        key: str,
        rows: Mapping[str, bytes],
        *,
        removed: Iterable[str] = (),
        replace: bool = False,
    ) -> None:
        """Store `rows` (and forget `removed`) in the set `kind` of `key`; `replace`: the set
        is only `rows` from now on. Without `replace` the rows are added only while the set
        still belongs to `key` (another run may have replaced it since it was read). One
        transaction: a set is never half-updated."""
        try:
            db = self._connection()
            with db:
                db.execute("BEGIN IMMEDIATE")
                if replace:
                    db.execute("DELETE FROM result_rows WHERE kind = ?", (kind,))
                else:
                    stored = db.execute(
                        "SELECT value FROM result_rows WHERE kind = ? AND path = ''", (kind,)
                    ).fetchall()
                    if not stored or bytes(stored[0][0]) != key.encode():
                        return
                db.executemany(
                    "DELETE FROM result_rows WHERE kind = ? AND path = ?",
                    [(kind, path) for path in removed if path],
                )
                db.executemany(
                    "INSERT OR REPLACE INTO result_rows VALUES (?, ?, ?)",
                    [(kind, "", key.encode())]
                    + [(kind, path, value) for path, value in rows.items() if path],
                )
        except sqlite3.DatabaseError as exc:
            self._failed()
            log.info("per-note results not cached (%s)", exc)
