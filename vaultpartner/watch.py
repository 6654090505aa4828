"""`vaultpartner watch`: the only watchdog user. The handler only queues paths; our loop decides.

watchdog runs handlers on its observer thread, and an exception there kills the observer
(watchdog issues #427, #793), so `QueueingHandler` does nothing but turn events into
vault-relative paths and put them on a queue. The main loop debounces, hands batches to the
engine (`vaultpartner.watcher`), rescans on overflow, restarts a dead observer, and runs a
periodic reconciliation scan. SIGINT and SIGTERM stop it cleanly.
"""

from __future__ import annotations

import errno
import logging
import logging.handlers
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
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.watchcore import Debouncer, interesting
from vaultpartner.watcher import Engine, relative, start_engine

log = logging.getLogger(__name__)
RESCAN = "\0rescan"


class QueueingHandler(FileSystemEventHandler):
    """Turns events into vault-relative paths on a queue; never raises."""

    def __init__(self, root: Path, events: queue.Queue[str]) -> None:
        self.root = root
        self.events = events

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            if event.event_type in ("opened", "closed_no_write"):
                return
            paths = [event.src_path]
            if isinstance(event, FileSystemMovedEvent):
                paths.append(event.dest_path)
            for raw in paths:
                text = raw.decode() if isinstance(raw, bytes) else raw
                rel = relative(self.root, text)
                if rel is not None and interesting(rel):
                    self.events.put(rel)
                elif rel is None and Path(text) == self.root:
                    self.events.put(RESCAN)
        except Exception:  # an exception here would kill watchdog's thread
            self.events.put(RESCAN)


class _OverflowWatch(logging.Handler):
    """watchdog only logs an inotify queue overflow; we turn the log line into a rescan."""

    def __init__(self, events: queue.Queue[str]) -> None:
        super().__init__(logging.WARNING)
        self.events = events

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.events.put(RESCAN)


@dataclass
class WatchOptions:
    polling: bool = False
    once: bool = False
    report_only: bool = False


def _observer(
    root: Path, handler: QueueingHandler, *, polling: bool, say: Callable[[str], None]
) -> BaseObserver:
    if not polling:
        observer: BaseObserver = Observer()
        try:
            observer.schedule(handler, str(root), recursive=True)
            observer.start()
            return observer
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EMFILE):
                raise
            say(
                "the inotify watch limit is reached (raise fs.inotify.max_user_watches); "
                "falling back to polling"
            )
    observer = PollingObserver(timeout=2.0)
    observer.schedule(handler, str(root), recursive=True)
    observer.start()
    return observer


def _log_to_state_folder(session: app.Session) -> logging.Handler:
    state = ensure_vault_state_dir(session.root, override=session.state_override)
    handler = logging.handlers.RotatingFileHandler(
        state / "watch.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    return handler


def run_watch(
    session: app.Session,
    options: WatchOptions,
    *,
    say: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
    stop: threading.Event | None = None,
) -> int:
    """Watch until SIGINT/SIGTERM (or `stop` is set); with options.once, reconcile and exit."""
    file_log = _log_to_state_folder(session)
    logger = logging.getLogger("vaultpartner.watch.actions")
    logger.addHandler(file_log)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the terminal already gets each line through `say`

    def tell(text: str) -> None:
        say(text)
        logger.info(text)

    engine = start_engine(session, clock=wall, report_only=options.report_only, say=tell)
    try:
        if options.once:
            engine.handle((), rescan=True)
            return 0
        return _loop(session, engine, options, tell, clock, stop or threading.Event())
    finally:
        logger.removeHandler(file_log)
        file_log.close()


def _loop(
    session: app.Session,
    engine: Engine,
    options: WatchOptions,
    say: Callable[[str], None],
    clock: Callable[[], float],
    stop: threading.Event,
) -> int:
    events: queue.Queue[str] = queue.Queue()
    handler = QueueingHandler(session.root, events)
    overflow = _OverflowWatch(events)
    logging.getLogger("watchdog.observers.inotify_c").addHandler(overflow)
    watch = session.config.watch
    debouncer = Debouncer(watch.quiet_seconds, watch.max_wait_seconds)
    reconcile_every = watch.reconcile_minutes * 60
    next_reconcile = clock() + reconcile_every
    previous = _install_signals(stop)
    observer = _observer(session.root, handler, polling=options.polling, say=say)
    say(f"watching {session.root} (Ctrl-C to stop)")
    try:
        while not stop.is_set():
            now = clock()
            wait = debouncer.due_in(now)
            timeout = min(wait if wait is not None else 1.0, max(0.0, next_reconcile - now), 1.0)
            try:
                item = events.get(timeout=timeout)
                _take(item, debouncer, clock())
                while True:  # drain what is already there without waiting
                    _take(events.get_nowait(), debouncer, clock())
            except queue.Empty:
                pass
            now = clock()
            if not observer.is_alive():
                say("the file watcher stopped; restarting it and rescanning")
                observer = _observer(session.root, handler, polling=options.polling, say=say)
                debouncer.request_rescan(now)
            if now >= next_reconcile:
                debouncer.request_rescan(now)
                next_reconcile = now + reconcile_every
            batch = debouncer.take(now)
            if batch is not None:
                _handle(engine, batch[0], batch[1], say)
    finally:
        observer.stop()
        observer.join(timeout=10)
        logging.getLogger("watchdog.observers.inotify_c").removeHandler(overflow)
        _restore_signals(previous)
        say("stopped")
    return 0


def _take(item: str, debouncer: Debouncer, now: float) -> None:
    if item == RESCAN:
        debouncer.request_rescan(now)
    else:
        debouncer.add((item,), now)


def _handle(engine: Engine, paths: set[str], rescan: bool, say: Callable[[str], None]) -> None:
    try:
        engine.handle(paths, rescan=rescan)
    except Exception as exc:  # one bad batch must not end the watcher
        log.exception("error while handling changes")
        say(
            f"error while handling {', '.join(sorted(paths)[:3]) or 'a rescan'}: {exc}; still watching"
        )


_Handler = Callable[[int, FrameType | None], object] | int | None


def _install_signals(stop: threading.Event) -> dict[int, _Handler]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, _Handler] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.getsignal(number)
        signal.signal(number, lambda *_: stop.set())
    return previous


def _restore_signals(previous: dict[int, _Handler]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)
