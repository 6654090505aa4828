"""One writer per vault: a lock file in the per-user state folder, never in the vault."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from vaultpartner.errors import LockedError

# Windows has no flock: there the lock is O_EXCL plus a liveness check of the recorded pid.
if sys.platform != "win32":
    import fcntl

__all__ = ["LOCK_NAME", "VaultLock", "read_holder"]

log = logging.getLogger(__name__)

LOCK_NAME = "lock"
_ATTEMPTS = 20  # only lost races with a releasing or crashed holder make us retry

# Locks this process holds. A forked child (a parser worker) inherits their fds, and with
# them the flock: orphaned by a killed parent, it kept the vault locked (soak). The child
# closes its copies at once; the lock stays the parent's.
_HELD: set[VaultLock] = set()


def _forget_inherited_locks() -> None:
    for lock in list(_HELD):
        fd, lock._fd = lock._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_locks)


def read_holder(state_dir: Path) -> dict[str, Any] | None:
    """The JSON the current (or last, if it crashed) holder wrote, or None."""
    try:
        data = json.loads((Path(state_dir) / LOCK_NAME).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        # os.kill(pid, 0) would terminate the process on Windows; ask the kernel instead.
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _describe(holder: dict[str, Any] | None, path: Path) -> LockedError:
    if holder is None:
        who = "another vaultpartner process (it has not written its details yet)"
    else:
        who = (
            f"another vaultpartner process (pid {holder.get('pid')} on {holder.get('host')}, "
            f"`{holder.get('command')}`, since {holder.get('started')})"
        )
    return LockedError(
        f"the vault is in use by {who}",
        path=str(path),
        hint="wait for it to finish or stop that process, then run again; if no such process "
        f"exists (e.g. it ran on another machine), delete {path}",
    )


class VaultLock:
    """Context manager holding the vault's write lock; flock makes a killed holder harmless."""

    def __init__(self, state_dir: Path, *, command: str) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / LOCK_NAME
        self.command = command
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise LockedError naming the holder."""
        if self._fd is not None:
            raise RuntimeError("VaultLock is not re-entrant")
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for _ in range(_ATTEMPTS):
            fd = self._try_once()
            if fd is not None:
                self._fd = fd
                _HELD.add(self)
                return
        raise _describe(read_holder(self.state_dir), self.path)

    def _try_once(self) -> int | None:
        """One attempt: the fd on success, None to retry after a lost race."""
        created = True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            created = False
            try:
                fd = os.open(self.path, os.O_RDWR)
            except FileNotFoundError:
                return None  # the holder released between our two opens
        try:
            if sys.platform != "win32":
                stale = self._flock(fd)
            elif created:
                stale = None
            else:
                stale = self._check_pid(fd)
            if not created and stale is not None:
                log.warning(
                    "taking over a stale vault lock left by pid %s (`%s`, since %s)",
                    stale.get("pid"),
                    stale.get("command"),
                    stale.get("started"),
                )
            self._write_info(fd)
            return fd
        except _Retry:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise

    def _flock(self, fd: int) -> dict[str, Any] | None:
        """Lock fd; returns what a dead previous holder left in the file."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _describe(_read_fd(fd), self.path) from None
        # The holder may have unlinked this inode while we waited; a lock on it means nothing.
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            raise _Retry from None
        st = os.fstat(fd)
        if (st.st_ino, st.st_dev) != (current.st_ino, current.st_dev):
            raise _Retry
        return _read_fd(fd)

    def _check_pid(self, fd: int) -> dict[str, Any] | None:
        holder = _read_fd(fd)
        if holder is None:
            raise _describe(None, self.path)
        same_host = holder.get("host") == socket.gethostname()
        pid = holder.get("pid")
        if not same_host or not isinstance(pid, int) or _pid_alive(pid):
            raise _describe(holder, self.path)
        return holder

    def _write_info(self, fd: int) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        data = json.dumps(info, ensure_ascii=False).encode()
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)
        os.fsync(fd)

    def release(self) -> None:
        """Drop the lock; the file goes first so no one locks an inode about to vanish."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _HELD.discard(self)
        if sys.platform == "win32":
            os.close(fd)  # Windows cannot delete a file that is still open
        try:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        finally:
            if sys.platform != "win32":
                os.close(fd)

    def __enter__(self) -> VaultLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class _Retry(Exception):
    """Lost a race with a releasing holder; try again from the start."""


def _read_fd(fd: int) -> dict[str, Any] | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        data = json.loads(b"".join(chunks))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
