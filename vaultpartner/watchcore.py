"""The watcher's decisions, without threads or watchdog: filters, debouncing, rate limits.

Events are hints: they only say which paths to look at. `Debouncer` gathers them until the
vault has been quiet for a moment (or a maximum wait has passed); the loop then re-reads the
disk and works from what is there. The clock is injected, so tests need no sleeps.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from vaultpartner.paths import is_sync_conflict, name_of
from vaultpartner.writer import is_temp_file_name

# Editors' and sync tools' scratch files: never notes, never renames (reliability.md 1.3).
_SCRATCH = re.compile(
    r"^(?:4913|5036|5159)$"  # vim's writability probe
    r"|~$|\.sw[a-p]$|^\.#"  # vim/kate backups, vim swap files, emacs locks
    r"|___jb_(?:tmp|old|bak)___$"  # JetBrains safe write
    r"|^\.goutputstream-"  # gedit / GIO
    r"|^\.subl[0-9a-f]*\.tmp$"  # Sublime Text
    r"|\.vp-[0-9a-f]{8}\.(?:tmp|mv)$"  # our own temp files
    r"|^\.syncthing\..*\.tmp$|^~syncthing~.*\.tmp$"  # Syncthing downloads
    r"|\.crdownload$|\.part$|\.partial$|^\.~lock\.",
    re.IGNORECASE,
)
# While one of these exists, another program is rewriting the vault: writes wait.
BUSY_MARKERS = (".git/index.lock", ".git/HEAD.lock")
_BUSY_MARKERS = BUSY_MARKERS


def is_scratch(rel: str) -> bool:
    name = name_of(rel)
    return bool(_SCRATCH.search(name)) or is_temp_file_name(name)


def is_sync_temp(rel: str) -> bool:
    name = name_of(rel)
    return name.startswith((".syncthing.", "~syncthing~")) and name.endswith(".tmp")


def interesting(rel: str) -> bool:
    """Paths the watcher reacts to: vault files, plus markers of git and sync activity."""
    if rel in _BUSY_MARKERS or is_sync_temp(rel):
        return True
    parts = rel.split("/")
    if any(part.startswith(".") for part in parts):
        return False
    return not is_scratch(rel)


def busy_marker(rel: str) -> bool:
    return rel in _BUSY_MARKERS or is_sync_temp(rel)


@dataclass
class Debouncer:
    """Collect paths until `quiet` seconds pass without news, or `max_wait` since the first.

    While another program holds the vault (`take(now, held=True)`: git's index lock exists),
    the batch keeps growing for up to `max_held` seconds: a checkout is one batch, so the
    renames it makes and the notes it rewrites are judged together (soak: a checkout split
    over two batches pinned links to a same-named note).
    """

    quiet: float
    max_wait: float
    max_held: float = 60.0
    _pending: set[str] = field(default_factory=set)
    _first: float | None = None
    _last: float | None = None
    _held: bool = False
    rescan: bool = False

    def add(self, paths: Iterable[str], now: float) -> None:
        added = False
        for path in paths:
            self._pending.add(path)
            added = True
        if added:
            self._touch(now)

    def request_rescan(self, now: float) -> None:
        self.rescan = True
        self._touch(now)

    def _touch(self, now: float) -> None:
        if self._first is None:
            self._first = now
        self._last = now

    def due_in(self, now: float) -> float | None:
        """Seconds until the batch is ready; None when nothing is pending."""
        if self._first is None or self._last is None:
            return None
        limit = self._first + (max(self.max_held, self.max_wait) if self._held else self.max_wait)
        return max(0.0, min(self._last + self.quiet, limit) - now)

    def take(self, now: float, *, held: bool = False) -> tuple[set[str], bool] | None:
        """The batch (paths, full rescan wanted) when ready, else None.

        `held`: another program is still at work on the vault; a ready batch waits one more
        quiet period (up to `max_held` since its first event).
        """
        wait = self.due_in(now)
        if wait is None or wait > 0:
            return None
        if held and self._first is not None and now - self._first < self.max_held:
            self._held = True
            self._last = now
            return None
        batch, rescan = self._pending, self.rescan
        self._pending, self.rescan = set(), False
        self._first = self._last = None
        self._held = False
        return batch, rescan


@dataclass
class RateLimiter:
    """Stops a runaway: at most `per_file` writes to one file and `total` writes per window.

    A batch writes each note at most once, so a note written again and again within a couple
    of minutes means a loop (a rule reacting to its own output), not a user renaming things.
    Once tripped it stays tripped: writes stop until the watcher is restarted.
    """

    window: float = 120.0
    per_file: int = 6
    total: int = 1000
    _writes: deque[tuple[float, str]] = field(default_factory=deque)
    tripped: str | None = None

    def allow(self, path: str, now: float) -> bool:
        while self._writes and self._writes[0][0] < now - self.window:
            self._writes.popleft()
        if self.tripped is not None:
            return False
        same = sum(1 for _, written in self._writes if written == path)
        if same >= self.per_file:
            self.tripped = (
                f"{path} was written {same} times in {int(self.window)} s; "
                "writes stopped to break a possible loop (restart the watcher to resume)"
            )
            return False
        if len(self._writes) >= self.total:
            self.tripped = (
                f"{len(self._writes)} writes in {int(self.window)} s; "
                "writes stopped to break a possible loop (restart the watcher to resume)"
            )
            return False
        return True

    def record(self, path: str, now: float) -> None:
        self._writes.append((now, path))


def conflict_copies_of(path: str, files: Iterable[str]) -> list[str]:
    """Sync-conflict copies that belong to path (same folder, name starting with its stem)."""
    folder, _, name = path.rpartition("/")
    stem = name.rsplit(".", 1)[0]
    found = []
    for other in files:
        other_folder, _, other_name = other.rpartition("/")
        if (
            other_folder == folder
            and other != path
            and other_name.startswith(stem)
            and is_sync_conflict(other)
        ):
            found.append(other)
    return found
