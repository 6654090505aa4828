"""Reading a vault from disk the way Obsidian does: walk, read bytes, parse (in parallel).

This module only reads. Writing into a vault is `vaultpartner.writer`'s job alone.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO, NamedTuple

from vaultpartner.cache import FileStamp, NoteCache
from vaultpartner.digest import content_hash
from vaultpartner.errors import VaultError
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.note import Note, Unreadable, parse_note
from vaultpartner.paths import is_hidden_name, is_markdown, nfc
from vaultpartner.wire import dumps_each, loads_each

log = logging.getLogger(__name__)

# macOS marks iCloud "Optimize Storage" files whose data is not on disk; reading one blocks.
_SF_DATALESS = 0x40000000
PARALLEL_THRESHOLD = 400
_CHUNK = 250

Progress = Callable[[int, int], None]  # (done, total)


class FoundFile(NamedTuple):  # a tuple: a walk makes one per file, 50,000 in a large vault
    rel: str  # vault-relative, POSIX, NFC
    os_path: str  # the real name on disk (may be NFD, may use another separator)
    size: int
    symlinked: bool
    placeholder: bool = False
    mtime_ns: int = 0
    ctime_ns: int = 0


@dataclass(slots=True)
class Walk:
    files: list[FoundFile] = field(default_factory=list)
    loops: list[str] = field(default_factory=list)  # vault-relative paths of looping symlinks


def check_vault_root(root: Path) -> Path:
    """The vault folder, or a VaultError that says what is wrong."""
    if not root.exists():
        raise VaultError("vault folder does not exist", path=str(root), hint="check the path")
    if not root.is_dir():
        raise VaultError("not a folder", path=str(root), hint="pass the vault's folder, not a file")
    return root


def walk_vault(root: Path) -> Walk:
    """Every file Obsidian sees: dot-files and dot-folders skipped, folder symlinks followed once."""
    walk = Walk()
    real_root = os.path.realpath(root)
    _walk_folder(str(root), "", False, {real_root}, real_root, walk)
    walk.files.sort(key=_BY_REL)
    return walk


_BY_REL = attrgetter("rel")
_BY_NAME = attrgetter("name")


def _walk_folder(
    folder: str, rel: str, symlinked: bool, ancestors: set[str], real_root: str, walk: Walk
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=_BY_NAME)
    except OSError as exc:
        log.warning("cannot list %s: %s", rel or ".", exc.strerror or exc)
        return
    for entry in entries:
        if is_hidden_name(entry.name):
            continue
        child_rel = nfc(entry.name) if not rel else f"{rel}/{nfc(entry.name)}"
        try:
            is_link = entry.is_symlink()
            if entry.is_dir():
                _enter(entry, child_rel, symlinked or is_link, ancestors, real_root, walk)
            elif entry.is_file():
                info = entry.stat()
                placeholder = bool(getattr(info, "st_flags", 0) & _SF_DATALESS)
                walk.files.append(
                    FoundFile(
                        child_rel,
                        entry.path,
                        info.st_size,
                        symlinked or is_link,
                        placeholder,
                        info.st_mtime_ns,
                        info.st_ctime_ns,
                    )
                )
        except OSError as exc:  # vanished or unreadable between listing and stat
            log.warning("cannot read %s: %s", child_rel, exc.strerror or exc)


def _enter(
    entry: os.DirEntry[str],
    rel: str,
    symlinked: bool,
    ancestors: set[str],
    real_root: str,
    walk: Walk,
) -> None:
    real = os.path.realpath(entry.path)
    if entry.is_symlink() and (real in ancestors or _inside(real, real_root)):
        walk.loops.append(rel)
        return
    _walk_folder(entry.path, rel, symlinked, ancestors | {real}, real_root, walk)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def read_note(found: FoundFile, max_bytes: int) -> Note:
    """Read and parse one note; a read failure becomes an unreadable note, never an exception."""
    if found.placeholder:
        problem = Unreadable("cloud placeholder, not downloaded; not read", None)
        return Note(path=found.rel, size=found.size, content_hash="", unreadable=problem)
    try:
        if found.size > max_bytes:
            return _too_large(found, max_bytes)
        with open(found.os_path, "rb") as handle:
            data = read_bounded(handle, found.size, max_bytes)
    except OSError as exc:
        reason = (
            "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
        )
        return Note(
            path=found.rel, size=found.size, content_hash="", unreadable=Unreadable(reason, None)
        )
    return parse_note(found.rel, data, max_bytes=max_bytes)


def read_bounded(handle: BinaryIO, expected_size: int, max_bytes: int) -> bytes:
    """The file's bytes, at most max_bytes + 1 of them (one more tells it is too large).

    Read as the size a stat gave plus one byte, then the rest if it grew meanwhile: asking
    for max_bytes + 1 at once made Python allocate (and the kernel map and unmap) 16 MiB for
    every note, a fifth of a cold load's time."""
    data = handle.read(min(expected_size, max_bytes) + 1)
    if len(data) > expected_size and len(data) <= max_bytes:
        data += handle.read(max_bytes + 1 - len(data))
    return data


def _too_large(found: FoundFile, max_bytes: int) -> Note:
    problem = Unreadable(f"larger than max_note_bytes ({max_bytes} bytes); not read", None)
    return Note(path=found.rel, size=found.size, content_hash="", unreadable=problem)


_PARENT_CHECK_SECONDS = 0.5


def _exit_with_parent(parent: int) -> None:
    """Pool worker start: leave when the parent is gone. A worker of a killed parent would
    otherwise wait forever on a pipe no one reads (soak: orphans after a SIGKILL mid-load)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# Work a caller gives the parser workers (see WorkerTask). Set only while a pool is running:
# forked workers inherit it with the rest of the module.
_WORKER_TASK: WorkerTask | None = None


@dataclass(frozen=True, slots=True)
class WorkerTask:
    """Work for the parser workers besides parsing, in two steps.

    `scan` runs in a worker with each chunk's parsed notes; `plan` turns what it returned
    into work items, here (where they can be told apart from those of other chunks); each
    item is run by `work` in a worker once the parsing is done, and its result handed to
    `collect`, here. Runs only when the notes are parsed by workers."""

    scan: Callable[[Sequence[Note]], object]
    plan: Callable[[object], Sequence[object]]
    work: Callable[[object], object]
    collect: Callable[[object], None]


def _parse_chunk(chunk: Sequence[FoundFile], max_bytes: int) -> tuple[bytes, object]:
    notes = [read_note(found, max_bytes) for found in chunk]
    return dumps_each(notes), None if _WORKER_TASK is None else _WORKER_TASK.scan(notes)


def _work(item: object) -> object:
    assert _WORKER_TASK is not None  # set before the pool's workers were forked
    return _WORKER_TASK.work(item)


def read_notes(
    found_notes: Sequence[FoundFile],
    *,
    max_bytes: int,
    jobs: int,
    progress: Progress | None = None,
    task: WorkerTask | None = None,
) -> Iterator[Note]:
    """Parse notes, across processes when there are many; yields in input order."""
    for note, _blob in read_notes_wired(
        found_notes, max_bytes=max_bytes, jobs=jobs, progress=progress, task=task
    ):
        yield note


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def read_notes_wired(
    found_notes: Sequence[FoundFile],
    *,
    max_bytes: int,
    jobs: int,
    progress: Progress | None = None,
    task: WorkerTask | None = None,
) -> Iterator[tuple[Note, bytes | None]]:
    """Like read_notes, each note with the wire blob a worker made of it (None when parsed
    here): the note cache stores that blob as it is."""
    total = len(found_notes)
    if jobs <= 1 or total < PARALLEL_THRESHOLD or not _can_fork():
        for done, found in enumerate(found_notes, 1):
            yield read_note(found, max_bytes), None
            if progress and done % 100 == 0:
                progress(done, total)
        if progress:
            progress(total, total)
        return
    import multiprocessing  # only a large parse pays for the pool's imports
    from concurrent.futures import Future, ProcessPoolExecutor

    chunks = [found_notes[i : i + _CHUNK] for i in range(0, total, _CHUNK)]
    # fork: workers inherit the imported modules, so start-up costs milliseconds, not seconds.
    context = multiprocessing.get_context("fork")
    done = 0
    global _WORKER_TASK
    _WORKER_TASK = task  # workers are forked with it
    try:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            work: list[Future[object]] = []
            for data, scanned in pool.map(_parse_chunk, chunks, [max_bytes] * len(chunks)):
                if task is not None:  # queued behind the chunks still to parse
                    work.extend(pool.submit(_work, item) for item in task.plan(scanned))
                items = loads_each(data)
                yield from items
                done += len(items)
                if progress:
                    progress(done, total)
            if task is not None:
                for future in work:
                    task.collect(future.result())
    finally:
        _WORKER_TASK = None


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True, slots=True)
class LoadedVault:
    root: Path
    index: VaultIndex
    loops: tuple[str, ...]  # folder symlinks not followed (loops or overlaps)
    os_paths: dict[str, str]


def load_vault(
    root: Path,
    *,
    max_bytes: int,
    jobs: int | None = None,
    progress: Progress | None = None,
    cache: NoteCache | None = None,
    walk: Walk | None = None,
    task: WorkerTask | None = None,
) -> LoadedVault:
    """Walk, read and index a whole vault (through the note cache when one is given).

    `walk`: the vault's walk when the caller has just made one (it is not walked again).
    `task`: work for the parser workers, if workers parse (see WorkerTask).
    """
    check_vault_root(root)
    with bulk_allocation():
        return _load(
            root,
            max_bytes=max_bytes,
            jobs=jobs,
            progress=progress,
            cache=cache,
            walk=walk,
            task=task,
        )


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    Parsed notes are trees of tuples with no cycles; without this, the collector re-scans
    them again and again while a large vault loads, which costs more than the parsing. The
    objects are then moved out of the collector's view (gc.freeze) for the rest of the run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _load(
    root: Path,
    *,
    max_bytes: int,
    jobs: int | None,
    progress: Progress | None,
    cache: NoteCache | None,
    walk: Walk | None,
    task: WorkerTask | None = None,
) -> LoadedVault:
    if walk is None:
        walk = walk_vault(root)
    found_notes = [found for found in walk.files if is_markdown(found.rel)]
    workers = jobs or default_jobs()
    if cache is None:
        notes = list(
            read_notes(found_notes, max_bytes=max_bytes, jobs=workers, progress=progress, task=task)
        )
    else:
        notes = _through_cache(
            cache, found_notes, max_bytes=max_bytes, jobs=workers, progress=progress, task=task
        )
    entries = [FileEntry(found.rel, found.size, found.symlinked) for found in walk.files]
    index = VaultIndex.build(entries, notes)
    return LoadedVault(
        root, index, tuple(walk.loops), {found.rel: found.os_path for found in walk.files}
    )


def reparse(
    files: Sequence[tuple[str, str]],
    *,
    max_bytes: int,
    cache: NoteCache | None,
    derive: Callable[[str, bytes], Note | None] | None = None,
) -> dict[str, Note]:
    """Notes this process just wrote, parsed again (or derived by `derive` from what it knew
    before) and remembered in the note cache, so the next command does not parse them. Each
    file is stat'ed before it is read: a change after that has another timestamp."""
    stamped: list[tuple[FileStamp, Note, bytes | None]] = []
    notes: dict[str, Note] = {}
    with bulk_allocation():
        for rel, os_path in files:  # (vault-relative path, its name on disk)
            try:
                info = os.stat(os_path)
                with open(os_path, "rb") as handle:
                    data = read_bounded(handle, info.st_size, max_bytes)
            except OSError:
                continue
            note = derive(rel, data) if derive is not None else None
            if note is None:
                note = parse_note(rel, data, max_bytes=max_bytes)
            notes[rel] = note
            if note.unreadable is None:
                stamp = FileStamp(rel, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
                stamped.append((stamp, note, None))
    if cache is not None:
        cache.store(stamped, keep=None)
    return notes


def _stamp(found: FoundFile) -> FileStamp:
    return FileStamp(found.rel, found.size, found.mtime_ns, found.ctime_ns)


def same_content(found: FoundFile, expected: str, max_bytes: int) -> bool:
    """Whether the file's bytes now hash to `expected` (False when it cannot be read)."""
    try:
        with open(found.os_path, "rb") as handle:
            return content_hash(read_bounded(handle, found.size, max_bytes)) == expected
    except OSError:
        return False


def _through_cache(
    cache: NoteCache,
    found_notes: Sequence[FoundFile],
    *,
    max_bytes: int,
    jobs: int,
    progress: Progress | None,
    task: WorkerTask | None = None,
) -> list[Note]:
    """Cached notes where the file is unchanged; parse only the rest, then remember them."""
    by_path = {found.rel: found for found in found_notes}
    stamps = (_stamp(found) for found in found_notes if not found.placeholder)
    hits, misses, doubtful = cache.lookup(stamps)
    to_parse = [by_path[stamp.path] for stamp in misses]
    to_parse += [found for found in found_notes if found.placeholder]
    confirmed: list[FileStamp] = []  # marked checked so they stop being doubtful
    for path, expected in doubtful.items():
        accepted = cache.accept(path) if same_content(by_path[path], expected, max_bytes) else None
        if accepted is None:
            to_parse.append(by_path[path])
        else:
            hits[path] = accepted
            confirmed.append(_stamp(by_path[path]))
    parsed: list[Note] = []

    def fresh() -> Iterator[tuple[FileStamp, Note, bytes | None]]:
        # Rows are stored while the workers parse, so their blobs are never all held at once.
        wired = read_notes_wired(
            to_parse, max_bytes=max_bytes, jobs=jobs, progress=progress, task=task
        )
        for found, (note, blob) in zip(to_parse, wired, strict=True):
            parsed.append(note)
            if not found.placeholder:
                yield _stamp(found), note, blob

    cache.store(fresh(), keep=by_path)
    cache.confirm(confirmed)
    merged = {**hits, **{note.path: note for note in parsed}}
    return [merged[found.rel] for found in found_notes]
