"""Reliability catalogue, section B: writing, crashes and resources (cases 21-33).

The kill test runs the real watcher (`python -m vaultpartner watch`) in a subprocess and
SIGKILLs it; disk-full and close/fsync errors are injected by patching the writer's steps
(mounting a tmpfs needs privileges CI may lack; tests/test_mv_faults.py mounts one when it
can).

Not applicable here, and why:
- 23 (power loss): a real "drop every un-fsynced write" layer needs a FUSE or dm-flakey
  device. What can be checked is the ordering that makes power loss harmless: every temp file
  is flushed before any rename, and the folder after it (tested below).
- 28 (permission denied on read) cannot be produced with chmod when the tests run as root;
  the PermissionError is injected instead.
- 33 (Windows share locks) cannot happen on POSIX; the Windows retry path is exercised by
  patching the platform flag (tests/test_writer.py::test_windows_replace_retries_then_gives_up).
"""

from __future__ import annotations

import errno
import os
import pathlib
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_watch_observer import fast_vault, wait_for, watching
from test_watcher import LINKS, LINKS_AFTER, OLD_BODY, OTHER, Harness

from tests.conftest import make_vault, read_vault
from vaultpartner import watch as watch_mod
from vaultpartner import writer as writer_mod
from vaultpartner.cli import main
from vaultpartner.digest import content_hash
from vaultpartner.writer import SafeWriter, is_temp_file_name

ROOT = Path(__file__).resolve().parents[2]
FAST = "[watch]\nquiet_seconds = 0.1\nedit_grace_seconds = 0\n"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path / "vault",
        {"Old.md": OLD_BODY, "Links.md": LINKS, "Sub/Other.md": OTHER, "Plain.md": "No links.\n"},
    )


def temp_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if is_temp_file_name(p.name))


# -- 21 / 22: SIGKILL of the real watcher -----------------------------------------------------
def _start_watcher(root: Path, state: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "vaultpartner", "--state-dir", str(state), "watch", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert child.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the line comes once the observer runs
        line = child.stdout.readline()
        if not line or line.startswith("watching "):
            break
    return child


@pytest.mark.timeout(120)
def test_21_22_sigkill_of_the_watcher_at_random_moments(tmp_path: Path) -> None:
    """Every note is wholly old or wholly rewritten at any kill; the next run finishes the job
    without applying anything twice, and removes the orphan temp files it finds."""
    count = 40
    files = {"vaultpartner.toml": FAST, "N0.md": "# N0\n"}
    files |= {f"S/s{i:02d}.md": f"# s{i}\n\n[[N0]] and [[N0#N0|zero]]\n" for i in range(count)}
    root = make_vault(tmp_path / "vault", files)
    state = tmp_path / "state"
    rng = random.Random(8)
    name = "N0"
    for step in range(1, 5):
        child = _start_watcher(root, state)
        new = f"N{step}"
        os.rename(root / f"{name}.md", root / f"{new}.md")
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        for i in range(count):
            text = (root / f"S/s{i:02d}.md").read_text("utf-8")
            assert text in {f"# s{i}\n\n[[{n}]] and [[{n}#N0|zero]]\n" for n in (name, new)}
        name = new
    (root / "S/.s00.md.vp-0123abcd.tmp").write_bytes(b"half a no")  # an orphan, by hand
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vaultpartner",
            "--state-dir",
            str(state),
            "watch",
            str(root),
            "--once",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "removed S/.s00.md.vp-0123abcd.tmp" in result.stdout
    assert temp_files(root) == []
    for i in range(count):
        text = (root / f"S/s{i:02d}.md").read_text("utf-8")
        assert text == f"# s{i}\n\n[[{name}]] and [[{name}#N0|zero]]\n"
    # a second reconciliation finds nothing left to do
    snapshot = read_vault(root)
    again = CliRunner().invoke(main, ["--state-dir", str(state), "watch", str(root), "--once"])
    assert again.exit_code == 0, again.output
    assert read_vault(root) == snapshot


def test_22_a_restart_after_the_writes_rebuilds_from_disk_and_writes_nothing(vault: Path) -> None:
    first = Harness(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    first.handle("Old.md", "New.md")
    assert first.text("Links.md") == LINKS_AFTER
    before = read_vault(vault)
    second = Harness(vault)  # a new process: index from disk, nothing in memory
    said = second.handle(rescan=True)
    said += second.handle("Old.md", "New.md", "Links.md")
    assert second.writes == []
    assert read_vault(vault) == before, said


# -- 23: durability ordering ------------------------------------------------------------------
def test_23_temp_is_flushed_before_the_rename_and_the_folder_after(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    real_fsync, real_replace, real_dir = (
        writer_mod._fsync,
        writer_mod._replace,
        writer_mod._fsync_dir,
    )
    monkeypatch.setattr(writer_mod, "_fsync", lambda fd: (steps.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(
        writer_mod, "_replace", lambda a, b: (steps.append("replace"), real_replace(a, b))
    )
    monkeypatch.setattr(writer_mod, "_fsync_dir", lambda d: (steps.append("dir"), real_dir(d)))
    old = (vault / "Plain.md").read_bytes()
    result = SafeWriter(vault).write("Plain.md", b"new\n", expected_hash=content_hash(old))
    assert result.status == "written"
    assert steps == ["fsync", "replace", "dir"]


def test_23_many_writes_flush_every_temp_before_the_first_rename(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    real_replace = writer_mod._replace

    def flush(self: SafeWriter, temps: list[Path]) -> None:
        steps.append(f"flush {len(temps)}")
        os.sync()

    monkeypatch.setattr(SafeWriter, "_flush", flush)
    monkeypatch.setattr(
        writer_mod, "_replace", lambda a, b: (steps.append("replace"), real_replace(a, b))
    )
    items = []
    for rel in ("Plain.md", "Links.md", "Sub/Other.md"):
        old = (vault / rel).read_bytes()
        items.append((rel, old + b"more\n", content_hash(old)))
    results = SafeWriter(vault).write_many(items)
    assert [r.status for r in results] == ["written"] * 3
    assert steps == ["flush 3", "replace", "replace", "replace"]


# -- 24 / 25: disk full, also when only fsync or close reports it ------------------------------
def _enospc(*_: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_25_enospc_from_fsync_leaves_the_original_and_no_temp(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_mod, "_fsync", _enospc)
    old = (vault / "Plain.md").read_bytes()
    result = SafeWriter(vault).write("Plain.md", b"x" * 10_000, expected_hash=content_hash(old))
    assert result.status == "error"
    assert "Plain.md" in result.message
    assert "disk full" in result.message
    assert (vault / "Plain.md").read_bytes() == old
    assert temp_files(vault) == []


def test_25_enospc_from_close_leaves_the_original_and_no_temp(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temps: set[int] = set()
    real_open, real_close = os.open, os.close

    def tracking_open(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        fd = real_open(path, flags, mode, **kw)
        if is_temp_file_name(os.path.basename(os.fsdecode(path))):
            temps.add(fd)
        return fd

    def failing_close(fd: int) -> None:
        real_close(fd)
        if fd in temps:
            temps.discard(fd)
            raise OSError(errno.ENOSPC, "No space left on device")  # NFS reports it here

    monkeypatch.setattr(os, "open", tracking_open)
    monkeypatch.setattr(os, "close", failing_close)
    old = (vault / "Plain.md").read_bytes()
    result = SafeWriter(vault).write("Plain.md", b"new\n", expected_hash=content_hash(old))
    monkeypatch.undo()
    assert result.status == "error"
    assert "disk full" in result.message
    assert (vault / "Plain.md").read_bytes() == old
    assert temp_files(vault) == []


def test_24_the_watcher_reports_disk_full_once_and_does_not_retry_in_a_loop(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(vault)
    before = read_vault(vault)
    monkeypatch.setattr(writer_mod, "_fsync", _enospc)
    monkeypatch.setattr(writer_mod, "syncfs", lambda root: False)
    os.rename(vault / "Old.md", vault / "New.md")
    said = h.handle("Old.md", "New.md")
    failures = [line for line in said if "disk full" in line]
    assert {line.split(":")[0] for line in failures} == {"Links.md", "Sub/Other.md"}
    assert not h.engine.pending  # not queued for an immediate retry
    after = read_vault(vault)
    assert after.pop("New.md") == before.pop("Old.md")
    assert after == before
    assert temp_files(vault) == []


# -- 26: read-only note, under the watcher ------------------------------------------------------
def test_26_the_watcher_skips_a_read_only_note_and_writes_the_others(vault: Path) -> None:
    h = Harness(vault)
    os.chmod(vault / "Links.md", 0o444)
    os.rename(vault / "Old.md", vault / "New.md")
    said = h.handle("Old.md", "New.md")
    assert any("Links.md" in line and "read-only" in line for line in said)
    assert h.text("Links.md") == LINKS
    assert h.text("Sub/Other.md") == "Also [[New]].\n"


# -- 28: permission denied on read ------------------------------------------------------------
def test_28_unreadable_note_is_skipped_reported_once_and_never_taken_as_deleted(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(vault)
    real_read = pathlib.Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.name == "Plain.md":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", denied)
    said = h.handle("Plain.md")
    said += h.handle("Plain.md")
    assert said == ["Plain.md cannot be read (permission denied); skipped"]
    assert "Plain.md" in h.engine.index.files
    os.rename(vault / "Old.md", vault / "New.md")  # and the watcher keeps working
    h.handle("Old.md", "New.md")
    assert h.text("Links.md") == LINKS_AFTER


# -- 29: mode kept through the watcher ---------------------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o664])
def test_29_mode_survives_a_watcher_rewrite(vault: Path, mode: int) -> None:
    os.chmod(vault / "Links.md", mode)
    h = Harness(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    h.handle("Old.md", "New.md")
    assert h.text("Links.md") == LINKS_AFTER
    assert (vault / "Links.md").stat().st_mode & 0o7777 == mode


# -- 30 / 31: hard links and symlinks under the watcher --------------------------------------
def test_30_hard_linked_note_is_refused_both_names_unchanged(vault: Path, tmp_path: Path) -> None:
    os.link(vault / "Links.md", tmp_path / "elsewhere.md")
    h = Harness(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    said = h.handle("Old.md", "New.md")
    assert any("hard-linked" in line for line in said)
    assert h.text("Links.md") == LINKS
    assert (tmp_path / "elsewhere.md").read_text("utf-8") == LINKS


# -- 32: NUL-filled note ----------------------------------------------------------------------
def test_32_nul_filled_note_is_never_parsed_or_rewritten(vault: Path) -> None:
    damaged = b"[[Old]]\n" + b"\x00" * 4096
    (vault / "Damaged.md").write_bytes(damaged)
    h = Harness(vault)
    assert h.engine.index.notes["Damaged.md"].unreadable is not None
    os.rename(vault / "Old.md", vault / "New.md")
    h.handle("Old.md", "New.md", "Damaged.md")
    assert (vault / "Damaged.md").read_bytes() == damaged
    assert h.text("Links.md") == LINKS_AFTER


# -- 18 (writer side): a dataless placeholder is never written --------------------------------
def test_writer_refuses_a_cloud_placeholder(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_lstat = os.lstat

    class Dataless:
        st_flags = 0x40000000

        def __init__(self, real: os.stat_result) -> None:
            self._real = real

        def __getattr__(self, name: str) -> Any:
            return getattr(self._real, name)

    def lstat(path: Any, *args: Any, **kwargs: Any) -> Any:
        info = real_lstat(path, *args, **kwargs)
        return Dataless(info) if os.fspath(path).endswith("Plain.md") else info

    monkeypatch.setattr(os, "lstat", lstat)
    old = (vault / "Plain.md").read_bytes()
    result = SafeWriter(vault).write("Plain.md", b"x\n", expected_hash=content_hash(old))
    monkeypatch.undo()
    assert result.status == "refused"
    assert "placeholder" in result.message
    assert (vault / "Plain.md").read_bytes() == old


# -- 22: the index snapshot follows the watcher, so a kill loses no rename --------------------
@pytest.mark.timeout(60)
def test_22_a_note_edited_while_watching_then_renamed_while_stopped_is_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_mod, "SNAPSHOT_EVERY", 0.0)
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    runner = CliRunner()
    assert runner.invoke(main, ["watch", str(root), "--once", "--apply-backlog"]).exit_code == 0
    with watching(root) as run:
        (root / "Old.md").write_text("# Old\n\nedited while watching\n", encoding="utf-8")
        wait_for(lambda: run.engine.index.files["Old.md"].size == 29, what="the edit")
        run.settle()
    os.rename(root / "Old.md", root / "New.md")  # while no watcher runs
    result = runner.invoke(main, ["watch", str(root), "--once"])
    assert result.exit_code == 0, result.output
    assert (root / "Links.md").read_text("utf-8") == "[[New]]\n"
