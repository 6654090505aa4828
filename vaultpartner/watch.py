"""`vaultpartner watch`: the only watchdog user. The handler only queues paths; our loop decides.

watchdog runs handlers on its observer thread, and an exception there kills the observer
(watchdog issues #427, #793), so `QueueingHandler` does nothing but turn events into
vault-relative paths and put them on a queue. `WatchLoop` debounces, hands batches to the
engine (`vaultpartner.watcher`), rescans on overflow, restarts a dead observer, retries
writes that had to wait, and runs a periodic reconciliation scan. While nothing happens it
sleeps on the queue for `IDLE_TICK` seconds at a time (the tick only bounds how long a stop
request from another thread can go unnoticed; SIGINT and SIGTERM wake it at once).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import logging.handlers
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from watchdog.events import FileSystemEvent, FileSystemEventHandler, FileSystemMovedEvent
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from vaultpartner import app
from vaultpartner.errors import LockedError
from vaultpartner.index import VaultIndex
from vaultpartner.lock import VaultLock
from vaultpartner.partners.generated import load_state
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.vaultfs import LoadedVault, walk_vault
from vaultpartner.watchcore import Debouncer, busy_marker, interesting
from vaultpartner.watcher import ROOT_GONE, Engine, relative, start_engine
from vaultpartner.watchstart import FollowupSchedule, partner_note, run_startup
from vaultpartner.writer import SafeWriter

log = logging.getLogger(__name__)
RESCAN = "\0rescan"
OVERFLOW = "\0overflow"
WAKE = "\0wake"
MOVED = "\0moved\0"  # MOVED + old + "\0" + new: one file moved inside the vault
IDLE_TICK = 2.0  # seconds; health checks and stop requests are looked at this often
POLLING_INTERVAL = 2.0
INOTIFY_LOGGER = "watchdog.observers.inotify_c"
# How often (at most) the index snapshot is saved while the index changes: renames made while
# the watcher is stopped (or killed) are recognised at the next start by comparing with it.
SNAPSHOT_EVERY = 5.0
# One watcher per vault: its own lock (in a sub-folder of the state folder, beside the write
# lock every writing command takes for a moment), held for the watcher's whole life.
WATCHER_LOCK_FOLDER = "watcher"
_SKIPPED_EVENTS = frozenset({"opened", "closed_no_write"})


class QueueingHandler(FileSystemEventHandler):
    """Turns events into vault-relative paths on a queue; never raises."""

    def __init__(self, root: Path, events: queue.Queue[str]) -> None:
        self.root = Path(os.path.abspath(root))
        self.events = events

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            self._queue(event)
        except Exception:  # an exception here would kill watchdog's thread
            with contextlib.suppress(Exception):
                self.events.put(RESCAN)
                log.debug("cannot interpret an event", exc_info=True)

    def _queue(self, event: FileSystemEvent) -> None:
        if event.event_type in _SKIPPED_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's entries changed: the entries have events of their own
        raws = [event.src_path]
        if isinstance(event, FileSystemMovedEvent):
            raws.append(event.dest_path)
            if not event.is_directory and self._queue_move(event):
                return
        for raw in raws:
            text = os.fsdecode(raw)
            if not text:
                continue
            rel = relative(self.root, text)
            if rel is not None:
                if interesting(rel):
                    self.events.put(rel)
            elif event.is_directory and Path(text) == self.root:
                self.events.put(RESCAN)  # the vault folder itself was deleted or moved

    def _queue_move(self, event: FileSystemMovedEvent) -> bool:
        """A file moved from one vault path to another, as one item: the rename is then
        known even when the file changes again before the batch looks at it."""
        old = relative(self.root, os.fsdecode(event.src_path))
        new = relative(self.root, os.fsdecode(event.dest_path))
        if old is None or new is None or not (interesting(old) and interesting(new)):
            return False
        if busy_marker(old) or busy_marker(new):
            return False
        self.events.put(f"{MOVED}{old}\0{new}")
        return True


class _OverflowWatch(logging.Handler):
    """watchdog only logs an inotify queue overflow; we turn the log line into a rescan."""

    def __init__(self, events: queue.Queue[str]) -> None:
        super().__init__(logging.WARNING)
        self.events = events

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            if "overflow" in record.getMessage().lower():
                self.events.put(OVERFLOW)


@dataclass
class WatchOptions:
    polling: bool = False
    once: bool = False
    report_only: bool = False
    apply_backlog: bool = False


def _discard(observer: BaseObserver) -> None:
    with contextlib.suppress(Exception):
        observer.stop()
    if observer.is_alive():
        observer.join(timeout=10)


def _observer(
    root: Path, handler: QueueingHandler, *, polling: bool, say: Callable[[str], None]
) -> tuple[BaseObserver, bool]:
    """A started observer, and whether it polls (the fallback when inotify runs out)."""
    if not polling:
        observer: BaseObserver = Observer()
        try:
            observer.schedule(handler, str(root), recursive=True)
            observer.start()
            return observer, False
        except OSError as exc:
            _discard(observer)
            if exc.errno == errno.ENOSPC:
                limit = "fs.inotify.max_user_watches"
            elif exc.errno == errno.EMFILE:
                limit = "fs.inotify.max_user_instances"
            else:
                raise
            say(
                f"the inotify limit is reached ({exc.strerror or exc}); falling back to polling "
                f"every {POLLING_INTERVAL:g} s. To watch without polling raise {limit}, e.g. "
                f"sudo sysctl {limit}=524288"
            )
    observer = PollingObserver(timeout=POLLING_INTERVAL)
    observer.schedule(handler, str(root), recursive=True)
    observer.start()
    return observer, True


def _observer_alive(observer: BaseObserver) -> bool:
    return observer.is_alive() and all(emitter.is_alive() for emitter in observer.emitters)


def _log_to_state_folder(session: app.Session) -> logging.Handler:
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    handler = logging.handlers.RotatingFileHandler(
        state / "watch.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    return handler


class WatchLoop:
    """The loop between the observer's queue and the engine; `step` is one turn of it."""

    def __init__(
        self,
        session: app.Session,
        engine: Engine,
        options: WatchOptions,
        say: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.engine = engine
        self.options = options
        self.say = say
        self.clock = clock
        self.events: queue.Queue[str] = queue.Queue()
        self.handler = QueueingHandler(session.root, self.events)
        self._overflow = _OverflowWatch(self.events)
        watch = session.config.watch
        self.debouncer = Debouncer(watch.quiet_seconds, watch.max_wait_seconds)
        self.moves: list[tuple[str, str]] = []  # files the observer saw move, in this batch
        self.reconcile_every = max(1.0, watch.reconcile_minutes * 60)
        self.next_reconcile = clock() + self.reconcile_every
        self.observer: BaseObserver | None = None
        self.polling = options.polling
        self.rescans = 0
        self._retry_at = 0.0
        self._root_was_gone = False
        self.followups = FollowupSchedule(grace=watch.edit_grace_seconds)
        self._snapshot_of: object = engine.index  # the index the saved snapshot describes
        self._snapshot_at = clock()
        self.today: Callable[[], dt.date] = dt.date.today

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        inotify_log = logging.getLogger(INOTIFY_LOGGER)
        inotify_log.addHandler(self._overflow)
        if inotify_log.getEffectiveLevel() > logging.WARNING:
            inotify_log.setLevel(logging.WARNING)
        self._start_observer()
        self._catch_up_to_the_observer()
        how = "polling" if self.polling else "Ctrl-C to stop"
        self.say(f"watching {self.session.root} ({how})")

    def _catch_up_to_the_observer(self) -> None:
        """Files that appeared, went or changed size between the engine's load and the start
        of the observer: no event tells of them, so they are handled as if one had (soak: a
        note renamed a second after a restart, in that window, kept its links broken)."""
        known = self.engine.index.files
        now = self.clock()
        seen: set[str] = set()
        for found in walk_vault(self.session.root).files:
            seen.add(found.rel)
            entry = known.get(found.rel)
            if entry is None or entry.size != found.size:
                self.debouncer.add((found.rel,), now)
        for rel in known:
            if rel not in seen:
                self.debouncer.add((rel,), now)

    def _start_observer(self) -> None:
        self.observer, polling = _observer(
            self.session.root, self.handler, polling=self.polling, say=self.say
        )
        self.polling = self.polling or polling

    def close(self) -> None:
        if self.observer is not None:
            _discard(self.observer)
            self.observer = None
        logging.getLogger(INOTIFY_LOGGER).removeHandler(self._overflow)

    def wake(self) -> None:
        """Make a waiting `step` return at once (signal handlers, other threads)."""
        self.events.put(WAKE)

    # -- one turn ----------------------------------------------------------------------------
    def timeout(self) -> float:
        """How long the next `step` may sleep: until the batch is due, waiting writes are
        due, the reconciliation is due, or one idle tick."""
        now = self.clock()
        candidates = [IDLE_TICK, self.next_reconcile - now]
        if self.followups.due_at is not None:
            candidates.append(self.followups.due_at - now)
        due = self.debouncer.due_in(now)
        if due is not None:
            candidates.append(due)
        if self.engine.pending:
            candidates.append(self._retry_at - now)
        return max(0.0, min(candidates))

    def step(self, timeout: float) -> None:
        try:
            item = self.events.get(timeout=timeout)
        except queue.Empty:
            pass
        else:
            self._take(item)
            with contextlib.suppress(queue.Empty):
                while True:  # drain what is already there without waiting
                    self._take(self.events.get_nowait())
        now = self.clock()
        self._check_health(now)
        if now >= self.next_reconcile:
            self.debouncer.request_rescan(now)
            self.next_reconcile = now + self.reconcile_every
        batch = self.debouncer.take(now, held=self.engine.git_at_work() is not None)
        if batch is not None:
            paths, rescan = batch
            if rescan:
                self.rescans += 1
            moves, self.moves = self.moves, []
            self.engine.handle(paths, rescan=rescan, moves=moves)
            index = self.engine.index
            generated = load_state(self.session.state_dir)
            self.followups.notice(
                paths, lambda p: partner_note(index, self.session, p, generated), now
            )
            # After a batch, save the snapshot at once: links just rewritten must be in it
            # before the process can be killed, or a rename made while it is down could not
            # be traced back to them at the next start.
            self._snapshot_at = float("-inf")
        elif self.engine.pending and now >= self._retry_at and self.debouncer.due_in(now) is None:
            # Never while events wait for their quiet period: git may just have checked out
            # another commit, and links planned on the index of before would follow renames
            # that no longer exist (soak: renames undone by a checkout during `git add`).
            self._retry()
        if self.followups.due(self.clock(), self.today()):
            self._partners()
        self._snapshot(self.clock())
        if self.engine.pending:
            wait = self.engine.next_retry_in()
            self._retry_at = self.clock() + (wait if wait is not None else IDLE_TICK)

    def _partners(self) -> None:
        """Follow-ups (and topic hubs, when configured) planned again, as their commands do."""
        from vaultpartner.fixcmd import run_hubs
        from vaultpartner.partnercmds import run_followups

        today = self.today()
        self.followups.done(today)
        try:
            dry = self.options.report_only or self.engine.writes_blocked() is not None
            run_followups(self.session, today=today, dry_run=dry, command="watch: follow-ups")
            if not dry:
                run_hubs(self.session, command="watch: hubs")
        except Exception as exc:  # one bad run must not end the watcher
            log.exception("error while planning follow-ups")
            self.say(f"error while planning follow-ups: {exc!r}; still watching")

    def _snapshot(self, now: float) -> None:
        """Save the index snapshot when the index changed (at most every SNAPSHOT_EVERY s).

        Without it, a note edited while watching and renamed while the watcher is stopped
        would not match the snapshot of the last start, and its links could not be repaired.
        Earlier renames are carried forward, so links still waiting are repaired at start.
        """
        if self.engine.index is self._snapshot_of or now - self._snapshot_at < SNAPSHOT_EVERY:
            return
        from vaultpartner.snaprecord import record_snapshot

        index = self.engine.index
        record_snapshot(
            self.session, _as_loaded(self.session, index), noticed=self.engine.recent_renames
        )
        self._snapshot_of, self._snapshot_at = index, now

    def _retry(self) -> None:
        try:
            self.engine.retry()
        except Exception as exc:  # one bad retry must not end the watcher
            log.exception("error while writing waiting changes")
            self.say(f"error while writing waiting changes: {exc!r}; still watching")

    def _take(self, item: str) -> None:
        now = self.clock()
        if item == WAKE:
            return
        if item == OVERFLOW:
            if not self.debouncer.rescan:
                self.say("the event queue overflowed; rescanning the vault")
            self.debouncer.request_rescan(now)
        elif item == RESCAN:
            self.debouncer.request_rescan(now)
        elif item.startswith(MOVED):
            old, _, new = item[len(MOVED) :].partition("\0")
            self.moves.append((old, new))
            self.debouncer.add((old, new), now)
        else:
            self.debouncer.add((item,), now)

    def _check_health(self, now: float) -> None:
        if not self.session.root.is_dir():
            self._root_was_gone = True
            if self.engine.paused_reason != ROOT_GONE and not self.debouncer.rescan:
                self.debouncer.request_rescan(now)  # the engine notices and stops writes
            return
        if not self._root_was_gone and self.observer is not None and _observer_alive(self.observer):
            return
        if self._root_was_gone:
            self._root_was_gone = False
            self.say("the vault folder is back; watching it again")
        else:
            self.say("the file watcher stopped; restarting it and rescanning")
        if self.observer is not None:
            _discard(self.observer)
            self.observer = None
        try:
            self._start_observer()
        except OSError as exc:
            self.say(f"cannot watch {self.session.root} yet: {exc.strerror or exc}")
            return
        self.debouncer.request_rescan(now)


def run_watch(
    session: app.Session,
    options: WatchOptions,
    *,
    say: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
    stop: threading.Event | None = None,
    started: Callable[[WatchLoop], None] | None = None,
) -> int:
    """Watch until SIGINT/SIGTERM (or `stop` is set); with options.once, reconcile and exit.

    `started`, when given, is called with the running loop (tests and benchmarks use it).
    """
    file_log = _log_to_state_folder(session)
    logger = logging.getLogger("vaultpartner.watch.actions")
    logger.addHandler(file_log)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the terminal already gets each line through `say`

    def tell(text: str) -> None:
        say(text)
        logger.info(text)

    state = ensure_vault_state_dir(session.root, override=session.state_override)
    instance = VaultLock(state / WATCHER_LOCK_FOLDER, command="watch")
    try:
        instance.acquire()  # a second watcher on this vault stops here, naming the first
    except LockedError:
        logger.removeHandler(file_log)
        file_log.close()
        raise
    try:
        if not options.report_only:
            _remove_leftovers(session, state, tell)
        run_startup(
            session,
            apply_backlog=options.apply_backlog,
            report_only=options.report_only,
            today=dt.date.today(),
            say=tell,
        )
        engine = start_engine(session, clock=wall, report_only=options.report_only, say=tell)
        catch_up(session, engine)
        if options.once:
            engine.handle((), rescan=True)
            return 0
        loop = WatchLoop(session, engine, options, tell, clock)
        return _run(loop, stop or threading.Event(), started)
    finally:
        instance.release()
        logger.removeHandler(file_log)
        file_log.close()


def catch_up(session: app.Session, engine: Engine) -> None:
    """What the engine cannot learn from events, read from the snapshot the start-up `fix`
    saved: the renames followed lately (so one undone by a checkout right after a restart
    still takes its links back), and the renames made between that `fix` and the engine's
    own load of the vault (no event tells of them, and the engine's index already has the
    new names, so without this their links would stay broken)."""
    from vaultpartner.fixing import detect_renames
    from vaultpartner.snapshot import build_snapshot, load_snapshot_and_journal

    state = ensure_vault_state_dir(session.root, override=session.state_override)
    before = load_snapshot_and_journal(state, session.root)
    if before is None:
        return
    engine.recent_renames.update(before.recent_renames)
    now = build_snapshot(_as_loaded(session, engine.index), before)
    engine.follow(detect_renames(before, now).renames)


def _as_loaded(session: app.Session, index: VaultIndex) -> LoadedVault:
    """The engine's index as a loaded vault, for the snapshot functions."""
    os_paths = {path: str(session.root / path) for path in index.files}
    return LoadedVault(session.root, index, (), os_paths)


def _remove_leftovers(session: app.Session, state: Path, say: Callable[[str], None]) -> None:
    """Temp files of a write that was killed (catalogue 21), removed under the write lock.

    When another command holds the lock its temp files are live: they are left alone, and
    the next write the watcher makes (through `Applier`) removes any leftovers then.
    """
    lock = VaultLock(state, command="watch: cleanup")
    try:
        lock.acquire()
    except LockedError:
        return
    try:
        for rel in SafeWriter(session.root).cleanup_temp_files():
            say(f"removed {rel}, a temporary file left by an interrupted write")
    finally:
        lock.release()


def _run(
    loop: WatchLoop, stop: threading.Event, started: Callable[[WatchLoop], None] | None
) -> int:
    previous = _install_signals(stop, loop)
    try:
        loop.start()
        if started is not None:
            started(loop)
        while not stop.is_set():
            loop.step(loop.timeout())
    finally:
        loop.close()
        _restore_signals(previous)
        loop.say("stopped")
    return 0


_Handler = Callable[[int, FrameType | None], object] | int | None


def _install_signals(stop: threading.Event, loop: WatchLoop) -> dict[int, _Handler]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def stop_now(*_: object) -> None:
        stop.set()
        loop.wake()

    previous: dict[int, _Handler] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.getsignal(number)
        signal.signal(number, stop_now)
    return previous


def _restore_signals(previous: dict[int, _Handler]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)
