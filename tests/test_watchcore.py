"""Filters, the queueing handler, the debouncer and the rate limiter: hand-made events, no sleeps."""

from __future__ import annotations

import logging
import os
import queue
import unicodedata
from pathlib import Path

import pytest
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
)

from vaultpartner import watch
from vaultpartner.watch import (
    INOTIFY_LOGGER,
    MOVED,
    OVERFLOW,
    RESCAN,
    QueueingHandler,
    _OverflowWatch,
)
from vaultpartner.watchcore import (
    Debouncer,
    RateLimiter,
    busy_marker,
    conflict_copies_of,
    interesting,
    is_scratch,
)

ROOT = Path("/vaults/main")


def queued(*events: FileSystemEvent, root: Path = ROOT) -> list[str]:
    items: queue.Queue[str] = queue.Queue()
    handler = QueueingHandler(root, items)
    for event in events:
        handler.dispatch(event)
    found = []
    while not items.empty():
        found.append(items.get_nowait())
    return found


def p(rel: str) -> str:
    return f"{ROOT}/{rel}"


# -- the handler -------------------------------------------------------------------------------
def test_file_events_queue_vault_relative_paths() -> None:
    assert queued(
        FileCreatedEvent(p("a.md")),
        FileModifiedEvent(p("Папка/b.md")),
        FileDeletedEvent(p("c.md")),
        FileClosedEvent(p("a.md")),
    ) == ["a.md", "Папка/b.md", "c.md", "a.md"]


def test_a_move_inside_the_vault_queues_one_move_item() -> None:
    assert queued(FileMovedEvent(p("Old.md"), p("Sub/New.md"))) == [f"{MOVED}Old.md\0Sub/New.md"]


def test_a_move_with_one_end_outside_the_vault_or_ignored_queues_the_other_end() -> None:
    assert queued(FileMovedEvent(p("Old.md"), "/elsewhere/New.md")) == ["Old.md"]
    assert queued(FileMovedEvent(p(".New.md.swp"), p("New.md"))) == ["New.md"]


def test_a_folder_move_queues_both_folders() -> None:
    assert queued(DirMovedEvent(p("sub"), p("sub2"))) == ["sub", "sub2"]
    assert queued(DirCreatedEvent(p("new")), DirDeletedEvent(p("gone"))) == ["new", "gone"]


def test_bytes_paths_are_decoded() -> None:
    src = os.fsencode(p("Компании/Яндекс.md"))
    dest = os.fsencode(p("Компании/Yandex.md"))
    assert queued(FileMovedEvent(src, dest)) == [f"{MOVED}Компании/Яндекс.md\0Компании/Yandex.md"]
    assert queued(FileCreatedEvent(os.fsencode(p("x.md")))) == ["x.md"]


def test_paths_are_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Йошкар-Ола.md")
    assert nfd != "Йошкар-Ола.md"
    assert queued(FileCreatedEvent(p(nfd))) == ["Йошкар-Ола.md"]
    assert queued(FileCreatedEvent(os.fsencode(p(nfd)))) == ["Йошкар-Ола.md"]


def test_noise_events_are_not_queued() -> None:
    assert (
        queued(
            FileOpenedEvent(p("a.md")),
            FileClosedNoWriteEvent(p("a.md")),
            DirModifiedEvent(p("Папка")),
            DirModifiedEvent(str(ROOT)),
        )
        == []
    )


def test_paths_outside_the_vault_are_ignored() -> None:
    assert queued(FileCreatedEvent("/elsewhere/a.md"), FileModifiedEvent(str(ROOT))) == []


def test_the_vault_folder_itself_vanishing_asks_for_a_rescan() -> None:
    assert queued(DirDeletedEvent(str(ROOT))) == [RESCAN]
    assert queued(DirMovedEvent(str(ROOT), "/elsewhere/moved")) == [RESCAN]


@pytest.mark.parametrize(
    "rel",
    [
        ".obsidian/workspace.json",
        ".obsidian/plugins/x/data.json",
        ".git/index",
        ".git/HEAD",
        ".git/objects/ab/cdef",
        ".trash/old.md",
        "4913",
        "Папка/4913",
        "5036",
        "a.md~",
        "Папка/a.md~",
        ".a.md.swp",
        ".a.md.swx",
        "a.md___jb_tmp___",
        "a.md___jb_old___",
        "a.md___jb_bak___",
        ".goutputstream-XYZ123",
        ".a.md.vp-0123abcd.tmp",
        "Папка/.Заметка.md.vp-89abcdef.mv",
        ".#a.md",
        ".subl1a2b.tmp",
        "file.crdownload",
    ],
)
def test_scratch_and_hidden_files_are_never_queued(rel: str) -> None:
    assert queued(
        FileCreatedEvent(p(rel)),
        FileModifiedEvent(p(rel)),
        FileDeletedEvent(p(rel)),
        FileMovedEvent(p(rel), p("elsewhere.md")),
    ) == ["elsewhere.md"]
    assert not interesting(rel)


def test_editor_scratch_names() -> None:
    for name in ("4913", "a.md~", ".a.md.swp", "a.md___jb_tmp___", ".goutputstream-XYZ"):
        assert is_scratch(name), name
    assert is_scratch(".a.md.vp-0123abcd.tmp")
    assert not is_scratch("a.md")
    assert not is_scratch("4913 notes.md")
    assert not is_scratch("Report.tmp.md")


def test_git_and_sync_markers_are_queued() -> None:
    assert queued(
        FileCreatedEvent(p(".git/index.lock")),
        FileMovedEvent(p(".git/index.lock"), p(".git/index")),
        FileCreatedEvent(p(".syncthing.a.md.tmp")),
        FileCreatedEvent(p("~syncthing~b.md.tmp")),
    ) == [".git/index.lock", ".git/index.lock", ".syncthing.a.md.tmp", "~syncthing~b.md.tmp"]
    assert busy_marker(".git/index.lock")
    assert busy_marker(".syncthing.a.md.tmp")
    assert not busy_marker("a.md")


def test_an_exception_inside_the_handler_never_escapes(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(root: Path, raw: str) -> str | None:
        raise RuntimeError("boom")

    monkeypatch.setattr(watch, "relative", broken)
    items: queue.Queue[str] = queue.Queue()
    handler = QueueingHandler(ROOT, items)
    handler.dispatch(FileCreatedEvent(p("a.md")))  # must not raise
    handler.on_any_event(FileMovedEvent(p("a.md"), p("b.md")))
    assert items.get_nowait() == RESCAN


def test_undecodable_bytes_do_not_escape() -> None:
    # A non-UTF-8 name: fsdecode keeps it with surrogates; the handler still never raises.
    raw = os.fsencode(p("")) + b"\xff\xfe.md"
    found = queued(FileCreatedEvent(raw))
    assert len(found) == 1


def test_conflict_copies_belong_to_their_note() -> None:
    files = [
        "a.md",
        "a.sync-conflict-20260101-120000-ABCDEFG.md",
        "Sub/a.sync-conflict-20260101-120000-ABCDEFG.md",
        "b.md",
    ]
    assert conflict_copies_of("a.md", files) == ["a.sync-conflict-20260101-120000-ABCDEFG.md"]
    assert conflict_copies_of("b.md", files) == []


# -- overflow ----------------------------------------------------------------------------------
def test_the_overflow_log_line_becomes_a_rescan_request() -> None:
    items: queue.Queue[str] = queue.Queue()
    watch = _OverflowWatch(items)
    logger = logging.getLogger(INOTIFY_LOGGER)
    logger.addHandler(watch)
    try:
        logger.warning("some other warning")
        logger.warning("Inotify queue overflowed; filesystem events were lost")
    finally:
        logger.removeHandler(watch)
    assert items.get_nowait() == OVERFLOW
    assert items.empty()


def rescan_wanted(debouncer: Debouncer) -> bool:
    return debouncer.rescan


def tripped(limiter: RateLimiter) -> str | None:
    return limiter.tripped


# -- the debouncer -----------------------------------------------------------------------------
def test_a_batch_waits_for_the_quiet_period() -> None:
    debouncer = Debouncer(quiet=1.0, max_wait=10.0)
    assert debouncer.due_in(0.0) is None
    assert debouncer.take(0.0) is None
    debouncer.add(["a.md"], 0.0)
    assert debouncer.due_in(0.0) == 1.0
    assert debouncer.take(0.5) is None
    debouncer.add(["b.md"], 0.5)
    assert debouncer.take(1.2) is None  # quiet since 0.5 only
    assert debouncer.due_in(1.2) == pytest.approx(0.3)
    assert debouncer.take(1.5) == ({"a.md", "b.md"}, False)
    assert debouncer.due_in(1.5) is None
    assert debouncer.take(100.0) is None


def test_an_empty_add_does_not_start_a_batch() -> None:
    debouncer = Debouncer(quiet=1.0, max_wait=10.0)
    debouncer.add([], 0.0)
    assert debouncer.due_in(0.0) is None


def test_continuous_activity_cannot_starve_the_batch() -> None:
    debouncer = Debouncer(quiet=1.0, max_wait=10.0)
    now = 0.0
    taken = []
    while now < 25.0:
        debouncer.add([f"n{now:.1f}.md"], now)  # an event every 0.5 s, never quiet
        batch = debouncer.take(now)
        if batch is not None:
            taken.append((now, len(batch[0])))
        now += 0.5
    assert [when for when, _ in taken] == [10.0, 20.5]
    assert taken[0][1] == 21  # everything from 0.0 to 10.0


def test_duplicate_paths_collapse() -> None:
    debouncer = Debouncer(quiet=1.0, max_wait=10.0)
    for at in range(5):
        debouncer.add(["a.md", "a.md"], at * 0.1)
    assert debouncer.take(2.0) == ({"a.md"}, False)


def test_rescan_requests_travel_with_the_batch() -> None:
    debouncer = Debouncer(quiet=1.0, max_wait=10.0)
    debouncer.request_rescan(0.0)
    assert debouncer.rescan
    assert debouncer.take(0.5) is None
    debouncer.add(["a.md"], 0.5)
    assert debouncer.take(1.5) == ({"a.md"}, True)
    assert not rescan_wanted(debouncer)
    debouncer.add(["b.md"], 2.0)
    assert debouncer.take(3.0) == ({"b.md"}, False)


def test_a_batch_waits_while_git_is_at_work() -> None:
    """A checkout is one batch: events keep joining it while git's index lock exists."""
    debouncer = Debouncer(quiet=1.0, max_wait=10.0, max_held=60.0)
    debouncer.add(["a.md"], 0.0)
    assert debouncer.take(1.0, held=True) is None
    assert debouncer.due_in(1.0) == 1.0  # asks again after one more quiet period
    debouncer.add(["b.md"], 1.5)
    assert debouncer.take(12.0, held=True) is None  # past max_wait, still held
    assert debouncer.due_in(12.0) == 1.0
    assert debouncer.take(13.0) == ({"a.md", "b.md"}, False)  # the lock is gone


def test_a_lock_left_behind_holds_a_batch_no_longer_than_max_held() -> None:
    debouncer = Debouncer(quiet=1.0, max_wait=10.0, max_held=30.0)
    debouncer.add(["a.md"], 0.0)
    now, taken = 1.0, None
    while taken is None and now < 100.0:
        taken = debouncer.take(now, held=True)
        now += 1.0
    assert taken == ({"a.md"}, False)
    assert 30.0 <= now - 1.0 <= 31.0
    debouncer.add(["b.md"], 200.0)
    assert debouncer.due_in(200.0) == 1.0  # the next batch starts unheld


# -- the rate limiter --------------------------------------------------------------------------
def test_per_file_limit_trips_and_stays_tripped() -> None:
    limiter = RateLimiter(window=60.0, per_file=3, total=100)
    for at in range(3):
        assert limiter.allow("a.md", float(at))
        limiter.record("a.md", float(at))
    assert limiter.tripped is None
    assert not limiter.allow("a.md", 3.0)
    message = tripped(limiter)
    assert message is not None
    assert "a.md" in message
    assert "restart" in message
    # other files and later times stay blocked: the breaker does not reset itself
    assert not limiter.allow("b.md", 4.0)
    assert not limiter.allow("a.md", 10_000.0)


def test_global_limit_trips_and_stays_tripped() -> None:
    limiter = RateLimiter(window=60.0, per_file=100, total=5)
    for number in range(5):
        assert limiter.allow(f"n{number}.md", 1.0)
        limiter.record(f"n{number}.md", 1.0)
    assert not limiter.allow("n5.md", 2.0)
    message = tripped(limiter)
    assert message is not None
    assert "5 writes" in message
    assert not limiter.allow("n6.md", 10_000.0)


def test_writes_outside_the_window_do_not_count() -> None:
    limiter = RateLimiter(window=60.0, per_file=2, total=100)
    for at in (0.0, 30.0, 100.0, 130.0, 200.0):
        assert limiter.allow("a.md", at)
        limiter.record("a.md", at)
    assert limiter.tripped is None
