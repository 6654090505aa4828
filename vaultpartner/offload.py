"""Work handed to a forked helper process while this one goes on with its own share.

After a cold load the audit's checks ran on one core while the other sat idle (10,000 notes:
about a second). A helper forked at that point shares the loaded vault with this process (copy
on write), runs its pieces of work in order, and sends each one's bytes back through a pipe as
soon as it is done; a thread here drains the pipe, so the helper never waits for us.

A helper never changes an answer, only when it is ready: whatever goes wrong in it (an
exception, a crash, a kill, damaged bytes) makes `Helper.next` return None for that piece and
the rest, and the caller then does that work itself, so a bug shows up as it would have
without the helper. Resident memory summed over the processes counts shared pages once per
process, so a helper is started only while twice this process's resident size stays within
`MEMORY_BUDGET`.
"""

from __future__ import annotations

import os
import queue
import threading
import zlib
from collections.abc import Callable, Sequence
from typing import BinaryIO

# Twice the resident size of the forking process must stay under this: a 10,000-note vault
# loaded is ~85 MB; 50,000 notes (~350 MB) stay in one process, within issue 6's 500 MB.
MEMORY_BUDGET = 320 * 1024 * 1024
_HEADER = 12  # CRC-32 of the payload, then its length


def resident_bytes() -> int | None:
    """This process's resident memory, or None where it cannot be read cheaply (not Linux)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def can_start(budget: int = MEMORY_BUDGET) -> bool:
    """Whether a helper may be forked now: fork exists, this process runs no other thread
    (a lock another thread holds would stay locked in the child), and memory allows."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    resident = resident_bytes()
    return resident is not None and 2 * resident <= budget


class Helper:
    """A forked child running pieces of work in order; `next()` gives each one's bytes."""

    def __init__(self, works: Sequence[Callable[[], bytes]]) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns here
            _child(works, read_fd, write_fd)
        os.close(write_fd)
        self._pid = pid
        self._frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._failed = False
        self._reader = threading.Thread(
            target=self._drain, args=(read_fd, len(works)), name="helper-reader", daemon=True
        )
        self._reader.start()
        self._closed = False

    def next(self) -> bytes | None:
        """The bytes of the next piece of work, waiting for them; None when the helper
        failed before finishing it (and for every piece after)."""
        if self._failed:
            return None
        frame = self._frames.get()
        if frame is None:
            self._failed = True
        return frame

    def close(self) -> None:
        """Wait for the child to finish and reap it. It is not stopped: what it does is
        bounded, and may be writing a file (the snapshot) that must not be left half made;
        on Ctrl-C it is interrupted with this process."""
        if self._closed:
            return
        self._closed = True
        self._reader.join()
        os.waitpid(self._pid, 0)

    def _drain(self, read_fd: int, count: int) -> None:
        with os.fdopen(read_fd, "rb") as pipe:
            for _ in range(count):
                frame = _read_frame(pipe)
                self._frames.put(frame)
                if frame is None:
                    return


def _read_frame(pipe: BinaryIO) -> bytes | None:
    """One frame's payload; None at a short read (the child died) or a checksum mismatch."""
    header = pipe.read(_HEADER)
    if len(header) != _HEADER:
        return None
    checksum, length = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
    payload = pipe.read(length)
    if len(payload) != length or zlib.crc32(payload) != checksum:
        return None
    return payload


def _child(
    works: Sequence[Callable[[], bytes]], read_fd: int, write_fd: int
) -> None:  # pragma: no cover - runs in the child process
    # os._exit everywhere: no atexit handlers, no flushing of buffers the parent still owns,
    # no closing of its database connections; a child only ever writes to its pipe.
    code = 1
    try:
        os.close(read_fd)
        with os.fdopen(write_fd, "wb") as pipe:
            for work in works:
                payload = work()
                header = zlib.crc32(payload).to_bytes(4, "big") + len(payload).to_bytes(8, "big")
                pipe.write(header + payload)
                pipe.flush()
        code = 0
    except BaseException:  # whatever it was, the parent does this work itself
        code = 1
    finally:
        os._exit(code)
