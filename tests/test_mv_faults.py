"""Fault tests of `vaultpartner mv` (issue 3; reliability spec 5.B and 5.C).

The kill and disk-full tests run the real command in a subprocess; the concurrent-edit tests
drive `Applier` in-process so the edit lands exactly between plan and write.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_vault, read_vault

from vaultpartner import writer as writer_mod
from vaultpartner.apply import Applier
from vaultpartner.cli import main
from vaultpartner.linkformat import LinkFormat
from vaultpartner.lock import VaultLock
from vaultpartner.moving import plan_move
from vaultpartner.plan import Plan
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.vaultfs import load_vault
from vaultpartner.writer import SafeWriter, is_temp_file_name

ROOT = Path(__file__).resolve().parents[1]
SOURCES = 1000
OLD, NEW = "Темы/Рекрутинг.md", "Темы/Найм.md"


def source_text(i: int, name: str) -> bytes:
    body = f"# Заметка {i}\n\nСм. [[{name}]] и [[{name}#Этапы|этапы]].\n" + "Текст. " * 40
    return (body + "\n").encode("utf-8")


def big_vault(root: Path, count: int = SOURCES) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """A vault with `count` notes linking OLD; returns (files before, files after the mv)."""
    before: dict[str, bytes] = {OLD: "# Рекрутинг\n\n## Этапы\n".encode()}
    after: dict[str, bytes] = {NEW: before[OLD]}
    for i in range(count):
        rel = f"Заметки/{i // 100:02d}/n{i:04d}.md"
        before[rel] = source_text(i, "Рекрутинг")
        after[rel] = source_text(i, "Найм")
    make_vault(root, before)
    return before, after


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaultpartner", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def temp_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if is_temp_file_name(p.name))


# -- SIGKILL during a 1,000-file rewrite --------------------------------------------------


@pytest.mark.timeout(600)
def test_sigkill_at_random_moments_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state0"
    before, after = big_vault(vault)
    started = time.monotonic()
    done = cli("--state-dir", str(state), "mv", str(vault), OLD, NEW)
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert read_vault(vault) == after
    rng = random.Random(20261126)
    for attempt in range(4):
        vault_n, state_n = tmp_path / f"vault{attempt}", tmp_path / f"state{attempt + 1}"
        make_vault(vault_n, before)
        delay = rng.uniform(0.05, duration)
        command = ["--state-dir", str(state_n), "mv", str(vault_n), OLD, NEW]
        process = subprocess.Popen(
            [sys.executable, "-m", "vaultpartner", *command],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        check_old_or_new(vault_n, before, after)

        # undo cleans temp files first, then restores exactly the vault before the run.
        undo = cli("--state-dir", str(state_n), "undo", str(vault_n))
        if undo.returncode == 2:  # killed before the run was journalled: nothing was changed
            assert "nothing to undo" in undo.stderr
            assert read_vault(vault_n) == before
        else:
            assert undo.returncode == 0, (attempt, delay, undo.stdout, undo.stderr)
            assert temp_files(vault_n) == []
            assert read_vault(vault_n) == before, (attempt, delay)
        # ... and running the command again then completes the rename.
        again = cli("--state-dir", str(state_n), "mv", str(vault_n), OLD, NEW)
        assert again.returncode == 0, again.stderr
        assert read_vault(vault_n) == after
        assert temp_files(vault_n) == []


def check_old_or_new(root: Path, before: dict[str, bytes], after: dict[str, bytes]) -> None:
    files = {k: v for k, v in read_vault(root).items() if not is_temp_file_name(Path(k).name)}
    moved = [path for path in (OLD, NEW) if path in files]
    assert len(moved) == 1, moved  # the note is at exactly one of its names, whole
    assert files[moved[0]] == before[OLD]
    for rel, data in files.items():
        if rel in (OLD, NEW):
            continue
        assert data in (before[rel], after[rel]), rel
    assert set(files) - {OLD, NEW} == set(before) - {OLD}


def test_temp_files_of_a_killed_run_are_removed_by_the_next_writing_command(
    tmp_path: Path,
) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state"
    _before, after = big_vault(vault, count=3)
    leftover = vault / "Заметки/00" / ".n0000.md.vp-0123abcd.tmp"
    leftover.write_bytes(b"half")
    done = cli("--state-dir", str(state), "mv", str(vault), OLD, NEW)
    assert done.returncode == 0, done.stderr
    assert "removed a temporary file" in done.stderr
    assert not leftover.exists()
    assert read_vault(vault) == after


# -- a concurrent edit between plan and write ---------------------------------------------


def plan_for(vault: Path, fmt: LinkFormat = "shortest") -> Plan:
    index = load_vault(vault, max_bytes=10**7).index
    plan, _changes, _skipped = plan_move(index, OLD, NEW, link_format=fmt, writable=lambda p: True)
    return plan


def test_edit_after_planning_is_kept_and_the_note_skipped(tmp_path: Path) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state"
    _before, after = big_vault(vault, count=5)
    plan = plan_for(vault)
    edited = "Заметки/00/n0002.md"
    users = "# Мой текст\n\n[[Рекрутинг]] — правлю прямо сейчас\n".encode()
    (vault / edited).write_bytes(users)
    with Applier(vault, state, command="test") as applier:
        report = applier.apply(plan)
    assert [(o.path, o.status) for o in report.failed] == [(edited, "conflict")]
    assert "changed on disk" in report.failed[0].message
    files = read_vault(vault)
    assert files[edited] == users
    assert {k: v for k, v in files.items() if k != edited} == {
        k: v for k, v in after.items() if k != edited
    }


def test_edit_between_temp_write_and_replace_is_kept(tmp_path: Path) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state"
    _before, after = big_vault(vault, count=3)
    plan = plan_for(vault)
    victim = vault / "Заметки/00/n0001.md"
    users = b"user typed this\n"
    fired: list[str] = []

    def hook(stage: str) -> None:
        # The user saves n0001 right after our temp file for it is written.
        ours = any(p.name.startswith(".n0001.md.vp-") for p in victim.parent.iterdir())
        if stage == "after-temp-write" and not fired and ours:
            fired.append(stage)
            victim.write_bytes(users)

    with Applier(vault, state, command="test") as applier:
        applier.writer = SafeWriter(vault, fault_hook=hook)
        report = applier.apply(plan)
    assert fired
    assert [o.status for o in report.failed] == ["conflict"]
    assert victim.read_bytes() == users
    assert temp_files(vault) == []
    others = {k: v for k, v in read_vault(vault).items() if not k.endswith("n0001.md")}
    assert others == {k: v for k, v in after.items() if not k.endswith("n0001.md")}


# -- disk full ----------------------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_disk_full_on_a_small_tmpfs(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "mnt", "256k") as mount:
        vault = mount / "vault"
        big = ("x" * 120_000 + "\n[[Рекрутинг]]\n").encode()
        make_vault(vault, {OLD: b"# R\n", "Big.md": big, "Small.md": "[[Рекрутинг]]\n".encode()})
        filler = mount / "filler"
        free = os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize
        filler.write_bytes(b"\0" * max(0, free - 60_000))  # room for Small.md, not for Big.md
        state = tmp_path / "state"  # the journal lives elsewhere, as it normally does
        done = cli("--state-dir", str(state), "mv", str(vault), OLD, NEW)
        assert done.returncode == 1, done.stderr
        assert "Big.md" in done.stderr
        assert "disk full" in done.stderr
        assert (vault / "Big.md").read_bytes() == big  # original intact
        assert (vault / "Small.md").read_bytes() == "[[Найм]]\n".encode()
        assert temp_files(vault) == []


def test_disk_full_injected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state"
    before, after = big_vault(vault, count=4)
    real_write = os.write
    victim = "n0002.md"

    def full(fd: int, data: bytes | memoryview) -> int:
        if victim in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(writer_mod.os, "write", full)
    result = CliRunner().invoke(main, ["--state-dir", str(state), "mv", str(vault), OLD, NEW])
    assert result.exit_code == 1, result.output
    assert "n0002.md" in result.output
    assert "disk full" in result.output
    files = read_vault(vault)
    bad = "Заметки/00/n0002.md"
    assert files[bad] == before[bad]
    assert {k: v for k, v in files.items() if k != bad} == {
        k: v for k, v in after.items() if k != bad
    }
    assert temp_files(vault) == []


# -- read-only notes ----------------------------------------------------------------------


def test_read_only_note_is_skipped_and_the_others_processed(tmp_path: Path) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state"
    before, after = big_vault(vault, count=4)
    locked = "Заметки/00/n0001.md"
    (vault / locked).chmod(0o444)
    result = CliRunner().invoke(main, ["--state-dir", str(state), "mv", str(vault), OLD, NEW])
    assert result.exit_code == 1, result.output
    assert "n0001.md" in result.output
    assert "read-only" in result.output
    files = read_vault(vault)
    assert files[locked] == before[locked]
    assert (vault / locked).stat().st_mode & 0o777 == 0o444
    assert {k: v for k, v in files.items() if k != locked} == {
        k: v for k, v in after.items() if k != locked
    }


# -- two writers --------------------------------------------------------------------------


def test_second_writer_exits_3_naming_the_holder(tmp_path: Path) -> None:
    vault, state = tmp_path / "vault", tmp_path / "state"
    before, _after = big_vault(vault, count=2)
    vault_state = ensure_vault_state_dir(vault, override=state)
    with VaultLock(vault_state, command="mv held-by-test"):
        done = cli("--state-dir", str(state), "mv", str(vault), OLD, NEW)
    assert done.returncode == 3, done.stderr
    assert f"pid {os.getpid()}" in done.stderr
    assert "mv held-by-test" in done.stderr
    assert read_vault(vault) == before
    # Read-only commands never lock: a dry run works while the lock is held.
    with VaultLock(vault_state, command="mv held-by-test"):
        dry = cli("--state-dir", str(state), "mv", str(vault), OLD, NEW, "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert read_vault(vault) == before
