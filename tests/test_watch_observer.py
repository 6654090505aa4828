"""`run_watch` with a real watchdog observer on tmp vaults.

Every test has a timeout and polls the disk (or what the watcher said) with a deadline; no
fixed sleeps beyond polling intervals. The watcher runs in a background thread and is stopped
through its `stop` event; the conftest guard fails any test that leaks a thread.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from watchdog.observers import Observer

from tests.conftest import make_vault, read_vault
from vaultpartner import app
from vaultpartner.cli import main
from vaultpartner.watch import INOTIFY_LOGGER, WatchLoop, WatchOptions, run_watch
from vaultpartner.watcher import Engine

FAST = "[watch]\nquiet_seconds = 0.2\nedit_grace_seconds = 0\n"
LINKS = "See [[Old]], [[Old|alias]] and ![[Old]].\n\n```\n[[Old]]\n```\n---\n"
LINKS_AFTER = "See [[New]], [[New|alias]] and ![[New]].\n\n```\n[[Old]]\n```\n---\n"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


@dataclass
class Running:
    loop: WatchLoop
    lines: list[str] = field(default_factory=list)

    @property
    def engine(self) -> Engine:
        return self.loop.engine

    def said(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def count(self, text: str) -> int:
        return sum(1 for line in list(self.lines) if text in line)

    def settle(self) -> None:
        """Wait until the loop has nothing queued or pending and a few quiet periods passed."""
        quiet = self.loop.debouncer.quiet
        stable_since = time.monotonic()
        last = len(self.lines)
        deadline = time.monotonic() + 15

        def idle() -> bool:
            return (
                self.loop.events.empty()
                and self.loop.debouncer.due_in(self.loop.clock()) is None
                and not self.engine.pending
            )

        while time.monotonic() < deadline:
            if len(self.lines) != last or not idle():
                last = len(self.lines)
                stable_since = time.monotonic()
            elif time.monotonic() - stable_since > 4 * quiet:
                return
            time.sleep(0.02)
        raise AssertionError("the watcher never settled")


@contextmanager
def watching(root: Path, *, options: WatchOptions | None = None) -> Iterator[Running]:
    session = app.open_session(root)
    ready = threading.Event()
    stop = threading.Event()
    holder: dict[str, Running] = {}
    lines: list[str] = []
    result: dict[str, object] = {}

    def started(loop: WatchLoop) -> None:
        holder["running"] = Running(loop, lines)
        ready.set()

    def target() -> None:
        try:
            result["code"] = run_watch(
                session, options or WatchOptions(), say=lines.append, stop=stop, started=started
            )
        except BaseException as exc:  # pragma: no cover - reported below
            result["error"] = exc
            ready.set()

    thread = threading.Thread(target=target, name="watch-under-test")
    thread.start()
    try:
        assert ready.wait(30), "the watcher did not start"
        if "error" in result:
            raise AssertionError(f"run_watch failed: {result['error']!r}")
        yield holder["running"]
    finally:
        stop.set()
        if "running" in holder:
            holder["running"].loop.wake()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the watcher did not stop"
    assert result.get("code") == 0, result
    assert lines[-1] == "stopped"


def fast_vault(root: Path, files: dict[str, str]) -> Path:
    make_vault(root, {"vaultpartner.toml": FAST, **files})
    return root


@pytest.mark.timeout(60)
def test_an_os_rename_is_followed_by_its_links(tmp_path: Path) -> None:
    root = fast_vault(
        tmp_path / "v", {"Old.md": "# Old\n", "Links.md": LINKS, "Deep/Other.md": "[[Old]]\n"}
    )
    with watching(root) as run:
        os.rename(root / "Old.md", root / "New.md")
        wait_for(lambda: (root / "Deep/Other.md").read_text("utf-8") == "[[New]]\n")
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == LINKS_AFTER)
        run.settle()
        assert run.count("rewrote ") == 2
        assert run.said("noticed a rename: Old.md -> New.md")


@pytest.mark.timeout(60)
def test_a_git_checkout_of_a_branch_with_a_moved_note(tmp_path: Path) -> None:
    root = fast_vault(
        tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n", "Edited.md": "one\n"}
    )
    (root / ".gitignore").write_text("vaultpartner.toml\n", encoding="utf-8")

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, check=True, capture_output=True, text=True, timeout=30
        )
        return done.stdout

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Test")
    git("config", "user.email", "test@example.com")
    git("config", "commit.gpgsign", "false")
    git("add", "-A")
    git("commit", "-q", "-m", "start")
    git("checkout", "-q", "-b", "moved")
    git("mv", "Old.md", "New.md")
    (root / "Links.md").write_text("[[New]]\n", encoding="utf-8")
    (root / "Edited.md").write_text("two\n", encoding="utf-8")
    git("commit", "-q", "-am", "rename Old to New")
    git("checkout", "-q", "main")
    with watching(root) as run:
        git("checkout", "-q", "moved")
        wait_for(lambda: run.said("noticed a rename: Old.md -> New.md"), what="the rename")
        run.settle()
        assert run.count("rewrote ") == 0
        assert git("status", "--porcelain") == ""
        assert "New.md" in run.engine.index.files
        assert "Old.md" not in run.engine.index.files
        git("checkout", "-q", "main")
        wait_for(lambda: run.said("noticed a rename: New.md -> Old.md"), what="the way back")
        run.settle()
        assert run.count("rewrote ") == 0
        assert git("status", "--porcelain") == ""


@pytest.mark.timeout(60)
def test_a_note_renamed_and_edited_at_once_keeps_its_links(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    with watching(root) as run:
        os.rename(root / "Old.md", root / "New.md")
        with open(root / "New.md", "a", encoding="utf-8") as handle:
            handle.write("edited right after the rename\n")
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == "[[New]]\n", what="links")
        run.settle()
        assert run.said("noticed a rename: Old.md -> New.md")


@pytest.mark.timeout(60)
def test_events_while_git_holds_its_index_lock_make_one_batch(tmp_path: Path) -> None:
    """Soak: a checkout whose events fell into two batches had its renames judged apart from
    the notes it rewrote. While `.git/index.lock` exists, the batch keeps growing."""
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    (root / ".git").mkdir()
    lock = root / ".git/index.lock"
    with watching(root) as run:
        lock.write_bytes(b"")
        os.rename(root / "Old.md", root / "New.md")
        time.sleep(1.5)  # several quiet periods
        assert not run.said("noticed a rename")
        (root / "Links.md").write_text("[[New]]\n", encoding="utf-8")
        time.sleep(0.5)
        lock.unlink()
        wait_for(lambda: run.said("noticed a rename: Old.md -> New.md"), what="the rename")
        run.settle()
        assert run.count("rewrote ") == 0
        assert (root / "Links.md").read_text("utf-8") == "[[New]]\n"


@pytest.mark.timeout(120)
def test_a_burst_of_a_thousand_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fast_vault(tmp_path / "v", {"Index.md": "[[n0001]]\n"})
    looks: Counter[str] = Counter()
    real_look = Engine._look

    def counting(self: Engine, rel: str) -> object:
        looks[rel] += 1
        return real_look(self, rel)

    monkeypatch.setattr(Engine, "_look", counting)
    before = (root / "Index.md").read_bytes()
    with watching(root) as run:
        burst = root / "Burst"
        burst.mkdir()
        names = [f"Burst/n{number:04d}.md" for number in range(1000)]
        for number, rel in enumerate(names):
            (root / rel).write_text(f"# Note {number}\n\n[[Index]]\n", encoding="utf-8")
        wait_for(
            lambda: all(rel in run.engine.index.notes for rel in names),
            timeout=60,
            what="all 1000 notes indexed",
        )
        run.settle()
        assert run.count("rewrote ") == 0
        assert max(looks[rel] for rel in names) == 1  # one processing pass per note
        assert run.loop.rescans == 0
    assert (root / "Index.md").read_bytes() == before


@pytest.mark.timeout(60)
def test_a_vim_style_save_is_no_rename(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    with watching(root) as run:
        probe = root / "4913"
        probe.write_bytes(b"")
        probe.unlink()
        os.rename(root / "Old.md", root / "Old.md~")
        (root / "Old.md").write_text("# Old\n\nedited in vim\n", encoding="utf-8")
        (root / "Old.md~").unlink()
        new_size = (root / "Old.md").stat().st_size
        wait_for(lambda: run.engine.index.files["Old.md"].size == new_size, what="the save")
        run.settle()
        assert not run.said("rename")
        assert not run.said("deleted")
        assert run.count("rewrote ") == 0
        assert (root / "Links.md").read_text("utf-8") == "[[Old]]\n"
        assert "Old.md~" not in run.engine.index.files
        assert "4913" not in run.engine.index.files


@pytest.mark.timeout(60)
def test_an_overflow_log_line_triggers_a_rescan(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    with watching(root) as run:
        assert run.loop.rescans == 0
        logging.getLogger(INOTIFY_LOGGER).warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
        wait_for(lambda: run.loop.rescans >= 1, what="a rescan")
        assert run.said("the event queue overflowed; rescanning the vault")
        assert run.count("rewrote ") == 0


@pytest.mark.timeout(60)
def test_a_dead_observer_is_restarted_and_the_vault_rescanned(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    with watching(root) as run:
        first = run.loop.observer
        assert first is not None
        first.stop()
        first.join(timeout=10)
        os.rename(root / "Old.md", root / "New.md")  # while nobody watches
        wait_for(lambda: run.said("restarting it and rescanning"), what="the restart")
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == "[[New]]\n", what="links")
        assert run.loop.observer is not first
        assert run.loop.observer is not None
        assert run.loop.observer.is_alive()
        # and the new observer sees later changes
        os.rename(root / "New.md", root / "Newer.md")
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == "[[Newer]]\n", what="again")


@pytest.mark.timeout(60)
def test_the_inotify_watch_limit_falls_back_to_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_watches(self: object) -> None:
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(Observer, "start", no_watches)
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    with watching(root) as run:
        assert run.said("fs.inotify.max_user_watches")
        assert run.said("falling back to polling")
        assert run.loop.polling
        os.rename(root / "Old.md", root / "New.md")
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == "[[New]]\n", timeout=30)


@pytest.mark.timeout(60)
def test_polling_on_request(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    with watching(root, options=WatchOptions(polling=True)) as run:
        assert run.loop.polling
        os.rename(root / "Old.md", root / "New.md")
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == "[[New]]\n", timeout=30)


@pytest.mark.timeout(60)
def test_the_vault_root_vanishing_and_coming_back(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    away = tmp_path / "away"
    with watching(root) as run:
        shutil.move(root, away)
        wait_for(lambda: run.said("the vault folder is gone"), what="the message")
        assert run.count("rewrote ") == 0
        shutil.move(away, root)
        wait_for(lambda: run.said("the vault folder is back"), what="the return")
        run.settle()
        os.rename(root / "Old.md", root / "New.md")
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == "[[New]]\n", what="links")


@pytest.mark.timeout(60)
def test_watch_once_from_the_command_line(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    before = read_vault(root)
    result = CliRunner().invoke(main, ["watch", str(root), "--once"])
    assert result.exit_code == 0, result.output
    assert read_vault(root) == before


@pytest.mark.timeout(60)
def test_watch_once_notices_nothing_to_do_and_logs(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n"})
    result = CliRunner().invoke(main, ["watch", str(root), "--once", "--report-only"])
    assert result.exit_code == 0, result.output
    state = app.open_session(root).state_dir
    assert (state / "watch.log").exists()


@pytest.mark.timeout(60)
def test_a_rename_between_the_engines_load_and_the_observers_start_is_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Soak: a note renamed a second after a restart, after the engine had loaded the vault
    but before the observer ran, kept its links broken (no event, and the next start's
    snapshot already had the new name)."""
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    real_start = WatchLoop._start_observer

    def rename_first(self: WatchLoop) -> None:
        os.rename(root / "Old.md", root / "New.md")  # in the window: no event will tell
        real_start(self)

    monkeypatch.setattr(WatchLoop, "_start_observer", rename_first)
    with watching(root) as run:
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == "[[New]]\n")
        run.settle()
        assert run.loop.rescans == 0  # caught up without a rescan of the vault
