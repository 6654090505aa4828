"""VaultLock: one writer per vault, stale locks taken over, killed holders never block."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from vaultpartner import lock as lock_mod
from vaultpartner.errors import EXIT_LOCKED, LockedError
from vaultpartner.lock import VaultLock, read_holder

ROOT = Path(__file__).resolve().parents[1]

HOLDER = """
import sys, time
from pathlib import Path
from vaultpartner.lock import VaultLock
with VaultLock(Path(sys.argv[1]), command="watch"):
    print("locked", flush=True)
    time.sleep(60)
"""


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_holder_info_is_written_and_removed_on_release(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with VaultLock(state, command="fix --all") as lock:
        assert lock.held
        holder = read_holder(state)
        assert holder is not None
        assert holder["pid"] == os.getpid()
        assert holder["host"] == socket.gethostname()
        assert holder["command"] == "fix --all"
        assert "started" in holder
    assert read_holder(state) is None
    assert not (state / "lock").exists()


def test_second_lock_in_same_process_names_the_holder(tmp_path: Path) -> None:
    with VaultLock(tmp_path, command="watch"):
        with pytest.raises(LockedError) as info:
            VaultLock(tmp_path, command="fix").acquire()
        error = info.value
        assert error.exit_code == EXIT_LOCKED
        assert f"pid {os.getpid()}" in error.message
        assert "`watch`" in error.message
        assert "since " in error.message
        assert error.hint is not None
        assert "wait" in error.hint
        # The refused attempt must not have disturbed the holder's record.
        holder = read_holder(tmp_path)
        assert holder is not None
        assert holder["command"] == "watch"
    with VaultLock(tmp_path, command="fix"):
        pass


def test_lock_is_not_reentrant(tmp_path: Path) -> None:
    lock = VaultLock(tmp_path, command="x")
    with lock, pytest.raises(RuntimeError):
        lock.acquire()


def test_stale_lock_of_dead_pid_is_taken_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stale = {
        "pid": dead_pid(),
        "host": socket.gethostname(),
        "command": "crashed",
        "started": "2026-01-01T00:00:00+00:00",
    }
    (tmp_path / "lock").write_text(json.dumps(stale))
    with caplog.at_level(logging.WARNING), VaultLock(tmp_path, command="fix"):
        holder = read_holder(tmp_path)
        assert holder is not None
        assert holder["pid"] == os.getpid()
    assert any("stale vault lock" in r.getMessage() for r in caplog.records)
    assert any(str(stale["pid"]) in r.getMessage() for r in caplog.records)


def test_garbage_lock_file_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / "lock").write_bytes(b"\x00\x00")
    with VaultLock(tmp_path, command="fix"):
        assert read_holder(tmp_path) is not None


@pytest.mark.timeout(60)
def test_lock_of_sigkilled_child_is_released(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked", child.stderr
        with pytest.raises(LockedError, match=f"pid {child.pid}"):
            VaultLock(tmp_path, command="fix").acquire()
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    assert (tmp_path / "lock").exists()  # a crash leaves the file behind
    with VaultLock(tmp_path, command="fix"):
        holder = read_holder(tmp_path)
        assert holder is not None
        assert holder["pid"] == os.getpid()


def test_read_holder_without_lock(tmp_path: Path) -> None:
    assert read_holder(tmp_path / "missing") is None
    (tmp_path / "lock").write_text("[1]")
    assert read_holder(tmp_path) is None


@pytest.mark.parametrize(
    ("pid", "host", "taken"),
    [("dead", "here", True), ("self", "here", False), ("dead", "elsewhere", False)],
)
def test_fallback_without_flock_checks_the_recorded_pid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pid: str, host: str, taken: bool
) -> None:
    recorded = {
        "pid": dead_pid() if pid == "dead" else os.getpid(),
        "host": socket.gethostname() if host == "here" else "other-machine",
        "command": "watch",
        "started": "2026-01-01T00:00:00+00:00",
    }
    (tmp_path / "lock").write_text(json.dumps(recorded))

    def alive(pid: int) -> bool:  # the real Windows check needs kernel32
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(lock_mod, "_pid_alive", alive)
    lock = VaultLock(tmp_path, command="fix")
    if taken:
        with lock:
            holder = read_holder(tmp_path)
            assert holder is not None
            assert (holder["pid"], holder["command"]) == (os.getpid(), "fix")
        assert not (tmp_path / "lock").exists()
    else:
        with pytest.raises(LockedError, match=f"pid {recorded['pid']}"):
            lock.acquire()
        assert read_holder(tmp_path) == recorded
