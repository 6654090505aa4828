"""The only code that writes into a user's vault: compare-and-swap, temp file, fsync, replace."""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import stat
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from vaultpartner.digest import content_hash
from vaultpartner.durable import syncfs
from vaultpartner.paths import is_sync_conflict

__all__ = ["SafeWriter", "WriteResult", "is_temp_file_name"]

log = logging.getLogger(__name__)

Status = Literal[
    "written", "created", "moved", "deleted", "unchanged", "conflict", "refused", "error"
]

# Union of the Windows set and what Obsidian forbids or breaks links with (spec 4.2).
_FORBIDDEN = frozenset('*"\\<>:|?#^[]') | {chr(c) for c in range(32)} | {"\x7f"}
# A leading dot hides the file from Obsidian and most sync tools; `.tmp` holds new content
# (safe to delete), `.mv` is a note parked mid case-only rename (must be restored, not deleted).
_TEMP_RE = re.compile(r"^\.(?P<orig>.+)\.vp-[0-9a-f]{8}\.(?P<kind>tmp|mv)$", re.DOTALL)
_NAME_MAX = 255  # bytes, ext4/APFS/NTFS all cap a name component here
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_IS_WINDOWS = sys.platform == "win32"
_REPLACE_ATTEMPTS = 5
_SF_DATALESS = 0x40000000  # macOS: iCloud placeholder whose data is not on disk
_CONFLICT_MSG = "changed on disk since it was read; skipped, run again"
_EXISTS_MSG = "already exists; vaultpartner never overwrites on create"
# Absolute (POSIX or Windows), backslashed, NUL-bearing, or with empty/./.. parts.
_BAD_REL = re.compile(r"^(/|[A-Za-z]:)|\\|\x00|(^|/)\.{0,2}(/|$)")
_ERRNO_TEXT = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "name too long",
    errno.EIO: "input/output error",
}


def is_temp_file_name(name: str) -> bool:
    """True for names of files SafeWriter creates transiently (watchers should ignore them)."""
    return _TEMP_RE.match(name) is not None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """The outcome for one file; SafeWriter never raises for per-file problems."""

    path: str
    status: Status
    message: str
    old_hash: str | None
    new_hash: str | None
    old_bytes: bytes | None


class _Stop(Exception):
    """Ends one operation early with a ready result (refusal or conflict)."""

    def __init__(self, status: Status, message: str) -> None:
        super().__init__(message)
        self.status: Status = status
        self.message = message


def _refused(message: str) -> _Stop:
    return _Stop("refused", message)


def _temp_name(name: str, kind: str) -> str:
    suffix = f".vp-{secrets.token_hex(4)}.{kind}"
    if kind == "mv":
        return f".{name}{suffix}"  # must stay whole: cleanup restores the note from it
    # Long (e.g. Cyrillic) names would push the temp name past NAME_MAX; shorten our copy only.
    room = _NAME_MAX - 1 - len(suffix)
    short = name.encode()[:room].decode(errors="ignore")
    return f".{short}{suffix}"


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _fsync(fd: int) -> None:
    if sys.platform == "darwin":
        import fcntl

        # Plain fsync on macOS does not flush the drive cache (Apple fsync(2)).
        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
        except OSError:
            pass
    os.fsync(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some file systems (network, FUSE) reject directory fsync; the rename already happened.
        log.debug("could not fsync folder %s: %s", folder, exc)
    finally:
        os.close(fd)


class _Staged(NamedTuple):
    """A temp file written by write_many, waiting for its rename."""

    number: int
    rel: str
    target: Path
    temp: Path
    st: os.stat_result
    expected_hash: str
    new: bytes
    old: bytes


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _replace(src: Path, dst: Path) -> None:
    # On Windows a reader holding the file without FILE_SHARE_DELETE makes MoveFileEx fail
    # for a moment (spec 2.4, catalogue 33); elsewhere PermissionError is final.
    for attempt in range(_REPLACE_ATTEMPTS):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if not _IS_WINDOWS or attempt == _REPLACE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * 2**attempt)


def _describe(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    label = _ERRNO_TEXT.get(exc.errno or 0)
    return f"{label} ({text})" if label else text


class SafeWriter:
    """Writes, creates, moves and deletes vault files without ever losing the user's bytes."""

    def __init__(
        self, vault_root: Path, *, fault_hook: Callable[[str], None] | None = None
    ) -> None:
        self.root = Path(os.path.realpath(vault_root))
        self._hook = fault_hook

    # ----------------------------------------------------------------- public operations
    def write(self, rel: str, new: bytes, *, expected_hash: str) -> WriteResult:
        """Replace an existing file's bytes if it still hashes to expected_hash."""
        old: bytes | None = None
        try:
            target = self._locate(rel, create_parents=False)
            st = self._check_file(target)
            old = _read(target)
            if content_hash(old) != expected_hash:
                raise _Stop("conflict", _CONFLICT_MSG)
            if new == old:
                return WriteResult(
                    rel, "unchanged", "already up to date", expected_hash, expected_hash, old
                )
            temp = self._write_temp(target, new, like=st)
            try:
                self._call_hook("before-replace")
                self._recheck(target, st, expected_hash)
                _replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)
            self._call_hook("after-replace")
            _fsync_dir(target.parent)
            return WriteResult(rel, "written", "written", expected_hash, content_hash(new), old)
        except (_Stop, OSError) as problem:
            return self._outcome(rel, "could not write", problem, old)

    def write_many(self, items: Sequence[tuple[str, bytes, str]]) -> list[WriteResult]:
        """write() for many files (rel, new bytes, expected hash), with one flush for all.

        Every temp file is written first, then all are flushed to disk at once, then each is
        compared again and renamed over its note, then the folders are flushed. A crash at
        any moment still leaves each note wholly old or wholly new: no rename happens before
        every new content is durable. One file's problem never stops the others.
        """
        results: dict[int, WriteResult] = {}
        staged: list[_Staged] = []
        try:
            for number, (rel, new, expected_hash) in enumerate(items):
                staged_or_result = self._stage(rel, new, expected_hash)
                if isinstance(staged_or_result, WriteResult):
                    results[number] = staged_or_result
                else:
                    staged.append(staged_or_result._replace(number=number))
            try:
                self._flush([item.temp for item in staged])
            except OSError as exc:
                for item in staged:
                    results[item.number] = self._outcome(item.rel, "could not write", exc, item.old)
                    item.temp.unlink(missing_ok=True)  # `staged` is emptied: remove them here
                staged = []
            folders: dict[Path, None] = {}
            for item in staged:
                results[item.number] = self._commit(item)
                if results[item.number].status == "written":
                    folders[item.target.parent] = None
            self._flush_folders(list(folders))
        finally:
            for item in staged:
                item.temp.unlink(missing_ok=True)
        return [results[number] for number in range(len(items))]

    def _stage(self, rel: str, new: bytes, expected_hash: str) -> _Staged | WriteResult:
        old: bytes | None = None
        try:
            target = self._locate(rel, create_parents=False)
            st = self._check_file(target)
            old = _read(target)
            if content_hash(old) != expected_hash:
                raise _Stop("conflict", _CONFLICT_MSG)
            if new == old:
                return WriteResult(
                    rel, "unchanged", "already up to date", expected_hash, expected_hash, old
                )
            temp = self._write_temp(target, new, like=st, sync=False)
            return _Staged(-1, rel, target, temp, st, expected_hash, new, old)
        except (_Stop, OSError) as problem:
            return self._outcome(rel, "could not write", problem, old)

    def _commit(self, item: _Staged) -> WriteResult:
        try:
            try:
                self._call_hook("before-replace")
                self._recheck(item.target, item.st, item.expected_hash)
                _replace(item.temp, item.target)
            finally:
                item.temp.unlink(missing_ok=True)
            self._call_hook("after-replace")
        except (_Stop, OSError) as problem:
            return self._outcome(item.rel, "could not write", problem, item.old)
        return WriteResult(
            item.rel, "written", "written", item.expected_hash, content_hash(item.new), item.old
        )

    def _flush(self, temps: list[Path]) -> None:
        """Make the temp files durable: one syncfs on Linux, else an fsync per file."""
        if not temps:
            return
        if syncfs(self.root):
            return
        for temp in temps:
            fd = os.open(temp, os.O_RDONLY | _NOFOLLOW | _BINARY)
            try:
                _fsync(fd)
            finally:
                os.close(fd)

    def _flush_folders(self, folders: list[Path]) -> None:
        if not folders:
            return
        try:
            if syncfs(self.root):
                return
        except OSError as exc:
            log.debug("could not sync the vault's file system: %s", exc)
        for folder in folders:
            _fsync_dir(folder)

    def create(self, rel: str, data: bytes) -> WriteResult:
        """Create a new file; never overwrites anything, creates missing parent folders."""
        try:
            self._check_names(rel)
            target = self._locate(rel, create_parents=True)
            self._refuse_clash(target, except_name=None)
            temp = self._write_temp(target, data, like=None)
            try:
                self._call_hook("before-replace")
                self._link_new(temp, target, data)
            finally:
                temp.unlink(missing_ok=True)
            self._call_hook("after-replace")
            _fsync_dir(target.parent)
            return WriteResult(rel, "created", "created", None, content_hash(data), None)
        except (_Stop, OSError) as problem:
            return self._outcome(rel, "could not create", problem, None)

    def move(self, src: str, dst: str, *, expected_hash: str | None = None) -> WriteResult:
        """Rename a file or folder; refuses to replace anything at dst."""
        digest: str | None = None
        try:
            self._check_names(dst)
            source = self._locate(src, create_parents=False)
            try:
                st = os.lstat(source)
            except FileNotFoundError:
                raise _refused(f"{src} does not exist; nothing to move") from None
            if stat.S_ISLNK(st.st_mode):
                raise _refused(f"{src} is a symlink; vaultpartner does not move symlinks")
            if stat.S_ISREG(st.st_mode):
                digest = content_hash(_read(source))
                if expected_hash is not None and digest != expected_hash:
                    raise _Stop("conflict", _CONFLICT_MSG)
            elif not stat.S_ISDIR(st.st_mode) or expected_hash is not None:
                raise _refused(f"{src} is not a regular file")
            if dst.startswith(src + "/"):
                raise _refused(f"cannot move {src} into itself")
            if src == dst:
                return WriteResult(
                    dst, "unchanged", "source and destination are the same", digest, digest, None
                )
            case_only = _fold(src) == _fold(dst)
            if case_only and src.rpartition("/")[0] != dst.rpartition("/")[0]:
                raise _refused("folder names differ only by case; rename the folder itself")
            target = self._locate(dst, create_parents=not case_only)
            self._refuse_clash(target, except_name=source.name if case_only else None)
            self._call_hook("before-replace")
            self._rename(source, target, case_only=case_only, is_file=stat.S_ISREG(st.st_mode))
            self._call_hook("after-replace")
            _fsync_dir(target.parent)
            if source.parent != target.parent:
                _fsync_dir(source.parent)
            return WriteResult(dst, "moved", f"moved {src} -> {dst}", digest, digest, None)
        except (_Stop, OSError) as problem:
            return self._outcome(dst, f"could not move {src}", problem, None, digest)

    def delete(self, rel: str, *, expected_hash: str) -> WriteResult:
        """Remove a file if it still hashes to expected_hash (the caller keeps the pre-image)."""
        old: bytes | None = None
        try:
            target = self._locate(rel, create_parents=False)
            st = self._check_file(target)
            old = _read(target)
            if content_hash(old) != expected_hash:
                raise _Stop("conflict", _CONFLICT_MSG)
            self._call_hook("before-replace")
            self._recheck(target, st, expected_hash)
            target.unlink()
            self._call_hook("after-replace")
            _fsync_dir(target.parent)
            return WriteResult(rel, "deleted", "deleted", expected_hash, None, old)
        except (_Stop, OSError) as problem:
            return self._outcome(rel, "could not delete", problem, old)

    def cleanup_temp_files(self) -> list[str]:
        """Remove leftovers of interrupted writes; returns the removed vault-relative paths."""
        removed: list[str] = []
        for folder, dirs, files in os.walk(self.root, followlinks=False):
            # Never look inside .git, .obsidian, .trash and friends; our temp files sit
            # next to notes, and are found by their own leading-dot names.
            dirs[:] = [d for d in dirs if not d.startswith(".") or is_temp_file_name(d)]
            for name in [*files, *dirs]:
                match = _TEMP_RE.match(name)
                if match is None:
                    continue
                path = Path(folder, name)
                rel = path.relative_to(self.root).as_posix()
                if match["kind"] == "mv":
                    self._restore_parked(path, match["orig"], rel)
                    continue
                try:
                    if stat.S_ISREG(os.lstat(path).st_mode):
                        path.unlink()
                        removed.append(rel)
                except OSError as exc:
                    log.warning("could not remove leftover temp file %s: %s", rel, exc)
            dirs[:] = [d for d in dirs if not is_temp_file_name(d)]
        return sorted(removed)

    # ----------------------------------------------------------------- checks
    def _locate(self, rel: str, *, create_parents: bool) -> Path:
        """Map rel to an absolute path whose folders are real (no symlinks) and inside the vault."""
        parts = rel.split("/")
        if _BAD_REL.search(rel):
            raise _refused("not a plain vault-relative path (absolute, '..' or empty part)")
        folder = self.root
        for i, part in enumerate(parts[:-1]):
            folder = folder / part
            shown = "/".join(parts[: i + 1])
            try:
                st = os.lstat(folder)
            except FileNotFoundError:
                if not create_parents:
                    raise _refused(f"folder {shown} does not exist") from None
                self._refuse_clash(folder, except_name=None)
                os.mkdir(folder)
                _fsync_dir(folder.parent)
                continue
            if stat.S_ISLNK(st.st_mode):
                raise _refused(f"folder {shown} is a symlink; vaultpartner never writes through it")
            if not stat.S_ISDIR(st.st_mode):
                raise _refused(f"{shown} is not a folder")
        real = os.path.realpath(folder)
        if real != str(self.root) and not real.startswith(str(self.root) + os.sep):
            raise _refused("path leaves the vault")
        return folder / parts[-1]

    def _check_file(self, target: Path) -> os.stat_result:
        if is_sync_conflict(target.name):
            # The user merges it by hand; vaultpartner neither edits nor deletes it (spec 2.6).
            raise _refused("is a sync-conflict copy; vaultpartner never edits it")
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            raise _refused("file does not exist; it may have been moved or deleted") from None
        if stat.S_ISLNK(st.st_mode):
            raise _refused("note is a symlink; edit the file it points to by hand")
        if not stat.S_ISREG(st.st_mode):
            raise _refused("not a regular file")
        if st.st_nlink > 1:
            raise _refused("note is hard-linked; a rewrite would split the links, edit it by hand")
        if getattr(st, "st_flags", 0) & _SF_DATALESS:
            raise _refused("note is a cloud placeholder (not downloaded); open it once first")
        # The mode check also holds for root, for whom access() always says yes.
        if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise _refused("note is read-only; make it writable to let vaultpartner edit it")
        return st

    @staticmethod
    def _check_names(rel: str) -> None:
        for part in rel.split("/"):
            bad = sorted({c for c in part if c in _FORBIDDEN})
            if bad:
                shown = " ".join(repr(c)[1:-1] for c in bad)
                raise _refused(f"name contains characters Obsidian forbids: {shown}")
            if part.endswith((" ", ".")) and part not in (".", ".."):
                raise _refused("name ends with a space or dot, which Windows cannot store")

    @staticmethod
    def _refuse_clash(target: Path, *, except_name: str | None) -> None:
        # Obsidian and macOS/Windows treat names case-insensitively; a clash there means overwrite.
        wanted = _fold(target.name)
        for entry in os.listdir(target.parent):
            if _fold(entry) == wanted and entry != except_name:
                raise _refused(f"{entry} already exists in that folder; pick another name")

    def _recheck(self, target: Path, before: os.stat_result, expected_hash: str) -> None:
        # Compare-and-swap: the user (or Obsidian) may have saved since we read (spec 2.5).
        try:
            st = os.lstat(target)
            same_file = (st.st_ino, st.st_dev) == (before.st_ino, before.st_dev)
            if (
                not same_file
                or stat.S_ISLNK(st.st_mode)
                or content_hash(_read(target)) != expected_hash
            ):
                raise _Stop("conflict", _CONFLICT_MSG)
        except FileNotFoundError:
            raise _Stop("conflict", _CONFLICT_MSG) from None

    # ----------------------------------------------------------------- disk steps
    def _write_temp(
        self, target: Path, data: bytes, *, like: os.stat_result | None, sync: bool = True
    ) -> Path:
        """Write data beside target under a hidden name, with like's owner and mode.

        sync=False leaves the flush to the caller (write_many flushes all temp files at once).
        """
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
        while True:
            temp = target.with_name(_temp_name(target.name, "tmp"))
            try:
                # 0o666 lets the umask decide for new files, as any editor would.
                fd = os.open(temp, flags, 0o600 if like is not None else 0o666)
                break
            except FileExistsError:
                continue
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                if like is not None:
                    self._copy_owner_and_mode(fd, temp, like)
                if sync:
                    _fsync(fd)
            finally:
                os.close(fd)  # close can report delayed write errors (NFS); let them count
            self._call_hook("after-temp-write")
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp

    @staticmethod
    def _copy_owner_and_mode(fd: int, temp: Path, like: os.stat_result) -> None:
        # rename keeps the temp file's owner; a shared vault must not silently change hands.
        owner = (like.st_uid, like.st_gid)
        if hasattr(os, "fchown") and (os.fstat(fd).st_uid, os.fstat(fd).st_gid) != owner:
            try:
                os.fchown(fd, *owner)
            except PermissionError:
                raise _refused("note belongs to another user or group; edit it by hand") from None
        # After chown, which may clear set-id bits; mkstemp-style 0600 would lock others out.
        if hasattr(os, "fchmod"):
            os.fchmod(fd, stat.S_IMODE(like.st_mode))
        else:
            os.chmod(temp, stat.S_IMODE(like.st_mode))

    def _link_new(self, temp: Path, target: Path, data: bytes) -> None:
        try:
            os.link(temp, target)  # fails if target exists: an atomic "create, never overwrite"
            return
        except FileExistsError:
            raise _refused(_EXISTS_MSG) from None
        except OSError as exc:
            log.debug("hard links unsupported for %s (%s); using exclusive create", target, exc)
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o666)
        except FileExistsError:
            raise _refused(_EXISTS_MSG) from None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                _fsync(fh.fileno())
        except BaseException:
            target.unlink(missing_ok=True)  # we created it a moment ago; a half file helps nobody
            raise

    def _rename(self, source: Path, target: Path, *, case_only: bool, is_file: bool) -> None:
        if case_only:
            # Case-insensitive file systems see a.md -> A.md as a no-op; park under a temp name.
            parked = source.with_name(_temp_name(source.name, "mv"))
            os.rename(source, parked)
            try:
                os.rename(parked, target)
            except OSError:
                os.rename(parked, source)
                raise
        elif is_file:
            try:
                os.link(source, target)  # refuses an existing target, unlike rename on POSIX
            except FileExistsError:
                raise _refused("destination already exists") from None
            except OSError:
                os.rename(source, target)
                return
            os.unlink(source)
        else:
            os.rename(source, target)

    def _restore_parked(self, path: Path, orig: str, rel: str) -> None:
        try:
            self._refuse_clash(path.with_name(orig), except_name=None)
            os.rename(path, path.with_name(orig))
            log.warning("restored %s to %s after an interrupted rename", rel, orig)
        except (_Stop, OSError) as exc:
            log.warning("%s holds a note from an interrupted rename; rename it back: %s", rel, exc)

    def _call_hook(self, stage: str) -> None:
        if self._hook is not None:
            self._hook(stage)

    # ----------------------------------------------------------------- results
    @staticmethod
    def _outcome(
        rel: str, what: str, problem: _Stop | OSError, old: bytes | None, digest: str | None = None
    ) -> WriteResult:
        """The result of a stopped or failed operation, which changed nothing on disk."""
        old_hash = content_hash(old) if old is not None else digest
        if isinstance(problem, _Stop):
            message = f"{rel}: {problem.message}"
            return WriteResult(rel, problem.status, message, old_hash, old_hash, old)
        why = _describe(problem)
        message = f"{rel}: {what}: {why}; the file was left unchanged, fix this and run again"
        return WriteResult(rel, "error", message, old_hash, old_hash, old)
