"""SafeWriter: compare-and-swap, refusals, failure modes and crash safety on real files."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from vaultpartner import writer as writer_mod
from vaultpartner.digest import content_hash
from vaultpartner.writer import SafeWriter, WriteResult, is_temp_file_name

ROOT = Path(__file__).resolve().parents[1]
CHILD = Path(__file__).with_name("fault_writer_child.py")
H = content_hash


def note(vault: Path, rel: str, data: bytes = b"old\n", mode: int | None = None) -> Path:
    path = vault / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mode is not None:
        path.chmod(mode)
    return path


def leftovers(vault: Path) -> list[str]:
    return sorted(
        p.relative_to(vault).as_posix() for p in vault.rglob("*") if is_temp_file_name(p.name)
    )


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    return root


# ----------------------------------------------------------------- write
def test_write_replaces_content_and_reports_hashes(vault: Path) -> None:
    path = note(vault, "a.md")
    result = SafeWriter(vault).write("a.md", b"new\n", expected_hash=H(b"old\n"))
    assert result == WriteResult("a.md", "written", "written", H(b"old\n"), H(b"new\n"), b"old\n")
    assert path.read_bytes() == b"new\n"
    assert leftovers(vault) == []


def test_unchanged_bytes_are_not_written(vault: Path) -> None:
    path = note(vault, "a.md")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = path.stat()
    result = SafeWriter(vault).write("a.md", b"old\n", expected_hash=H(b"old\n"))
    assert result.status == "unchanged"
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_stale_expected_hash_is_a_conflict(vault: Path) -> None:
    path = note(vault, "a.md", b"user edit\n")
    result = SafeWriter(vault).write("a.md", b"ours\n", expected_hash=H(b"old\n"))
    assert result.status == "conflict"
    assert "changed on disk since it was read" in result.message
    assert path.read_bytes() == b"user edit\n"


def test_edit_between_read_and_replace_is_kept(vault: Path) -> None:
    path = note(vault, "a.md")

    def user_saves(stage: str) -> None:
        if stage == "before-replace":
            path.write_bytes(b"typed by the user\n")

    result = SafeWriter(vault, fault_hook=user_saves).write(
        "a.md", b"ours\n", expected_hash=H(b"old\n")
    )
    assert result.status == "conflict"
    assert path.read_bytes() == b"typed by the user\n"
    assert leftovers(vault) == []


def test_fault_hook_sees_every_stage_in_order(vault: Path) -> None:
    note(vault, "a.md")
    stages: list[str] = []
    SafeWriter(vault, fault_hook=stages.append).write("a.md", b"x", expected_hash=H(b"old\n"))
    assert stages == ["after-temp-write", "before-replace", "after-replace"]


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o600, 0o640])
def test_mode_is_preserved(vault: Path, mode: int) -> None:
    path = note(vault, "a.md", mode=mode)
    assert SafeWriter(vault).write("a.md", b"x", expected_hash=H(b"old\n")).status == "written"
    assert path.stat().st_mode & 0o7777 == mode


def test_read_only_note_is_refused(vault: Path) -> None:
    path = note(vault, "a.md", mode=0o444)
    result = SafeWriter(vault).write("a.md", b"x", expected_hash=H(b"old\n"))
    assert result.status == "refused"
    assert "note is read-only" in result.message
    assert path.read_bytes() == b"old\n"


def test_symlinked_note_is_refused(vault: Path, tmp_path: Path) -> None:
    target = note(tmp_path, "outside.md")
    (vault / "a.md").symlink_to(target)
    result = SafeWriter(vault).write("a.md", b"x", expected_hash=H(b"old\n"))
    assert result.status == "refused"
    assert "symlink" in result.message
    assert (vault / "a.md").is_symlink()
    assert target.read_bytes() == b"old\n"


def test_symlinked_folder_is_refused(vault: Path, tmp_path: Path) -> None:
    target = note(tmp_path, "outside/a.md")
    (vault / "notes").symlink_to(target.parent, target_is_directory=True)
    writer = SafeWriter(vault)
    result = writer.write("notes/a.md", b"x", expected_hash=H(b"old\n"))
    assert result.status == "refused"
    assert "folder notes is a symlink" in result.message
    assert writer.create("notes/b.md", b"x").status == "refused"
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.md"]


def test_hard_linked_note_is_refused(vault: Path) -> None:
    path = note(vault, "a.md")
    os.link(path, vault / "b.md")
    result = SafeWriter(vault).write("a.md", b"x", expected_hash=H(b"old\n"))
    assert result.status == "refused"
    assert "hard-linked" in result.message
    assert path.read_bytes() == (vault / "b.md").read_bytes() == b"old\n"


def test_missing_note_is_refused(vault: Path) -> None:
    result = SafeWriter(vault).write("gone.md", b"x", expected_hash=H(b"old\n"))
    assert result.status == "refused"
    assert not (vault / "gone.md").exists()


@pytest.mark.parametrize(
    "rel", ["../escape.md", "notes/../../escape.md", "/tmp/escape.md", "", "a//b.md", "./a.md"]
)
def test_paths_leaving_the_vault_are_refused(vault: Path, tmp_path: Path, rel: str) -> None:
    note(vault, "notes/a.md")
    writer = SafeWriter(vault)
    assert writer.write(rel, b"x", expected_hash=H(b"old\n")).status == "refused"
    assert writer.create(rel, b"x").status == "refused"
    assert not (tmp_path / "escape.md").exists()


@pytest.mark.parametrize(
    "data", [b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\nbody\r\n", b"no final newline", b"a\rb\n"]
)
def test_bytes_are_written_exactly(vault: Path, data: bytes) -> None:
    path = note(vault, "a.md")
    SafeWriter(vault).write("a.md", data, expected_hash=H(b"old\n"))
    assert path.read_bytes() == data


def _fail_with(monkeypatch: pytest.MonkeyPatch, name: str, code: int) -> None:
    real: Callable[..., object] = getattr(os, name)

    def failing(*args: object) -> object:
        if name == "close":
            real(*args)  # like NFS: the descriptor is gone, the delayed error still surfaces
        if name != "open" or ".vp-" in str(args[0]):
            raise OSError(code, os.strerror(code))
        return real(*args)

    monkeypatch.setattr(os, name, failing)


@pytest.mark.parametrize(
    ("func", "code", "text"),
    [
        ("write", errno.ENOSPC, "disk full (No space left on device)"),
        ("fsync", errno.ENOSPC, "disk full"),
        ("close", errno.EIO, "input/output error"),
        ("open", errno.EACCES, "permission denied"),
        ("replace", errno.EROFS, "read-only file system"),
    ],
)
def test_os_errors_leave_original_and_no_temp(
    vault: Path, monkeypatch: pytest.MonkeyPatch, func: str, code: int, text: str
) -> None:
    path = note(vault, "a.md", mode=0o644)
    writer = SafeWriter(vault)
    _fail_with(monkeypatch, func, code)
    result = writer.write("a.md", b"x" * 100_000, expected_hash=H(b"old\n"))
    monkeypatch.undo()
    assert result.status == "error"
    assert text in result.message
    assert "a.md" in result.message
    assert path.read_bytes() == b"old\n"
    assert leftovers(vault) == []


def test_read_only_folder_reports_permission_denied(vault: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    path = note(vault, "ro/a.md")
    path.parent.chmod(0o555)
    try:
        result = SafeWriter(vault).write("ro/a.md", b"x", expected_hash=H(b"old\n"))
    finally:
        path.parent.chmod(0o755)
    assert result.status == "error"
    assert "permission denied" in result.message
    assert path.read_bytes() == b"old\n"


def test_windows_replace_retries_then_gives_up(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = note(vault, "a.md")
    calls: list[int] = []
    real_replace = os.replace

    def busy_twice(src: str, dst: str) -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise PermissionError(errno.EACCES, "sharing violation")
        real_replace(src, dst)

    monkeypatch.setattr(writer_mod, "_IS_WINDOWS", True)
    monkeypatch.setattr(time, "sleep", lambda _s: None)
    monkeypatch.setattr(os, "replace", busy_twice)
    assert SafeWriter(vault).write("a.md", b"x", expected_hash=H(b"old\n")).status == "written"
    assert len(calls) == 3
    assert path.read_bytes() == b"x"

    calls.clear()

    def always_busy(src: str, dst: str) -> None:
        calls.append(1)
        raise PermissionError(errno.EACCES, "sharing violation")

    monkeypatch.setattr(os, "replace", always_busy)
    result = SafeWriter(vault).write("a.md", b"y", expected_hash=H(b"x"))
    assert result.status == "error"
    assert len(calls) == writer_mod._REPLACE_ATTEMPTS
    assert path.read_bytes() == b"x"
    assert leftovers(vault) == []


def test_posix_replace_permission_error_is_not_retried(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note(vault, "a.md")
    calls: list[int] = []

    def denied(src: str, dst: str) -> None:
        calls.append(1)
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(writer_mod, "_IS_WINDOWS", False)
    monkeypatch.setattr(os, "replace", denied)
    assert SafeWriter(vault).write("a.md", b"x", expected_hash=H(b"old\n")).status == "error"
    assert calls == [1]


def test_long_names_get_a_short_enough_temp_name(vault: Path) -> None:
    rel = "Я" * 120 + ".md"  # 243 bytes: the naive temp name would exceed NAME_MAX
    path = note(vault, rel)
    assert SafeWriter(vault).write(rel, b"x", expected_hash=H(b"old\n")).status == "written"
    assert path.read_bytes() == b"x"


# ----------------------------------------------------------------- create
def test_create_makes_parents_and_never_overwrites(vault: Path) -> None:
    writer = SafeWriter(vault)
    result = writer.create("People/Recruiters/Анна.md", b"hello\n")
    assert result.status == "created"
    assert result.new_hash == H(b"hello\n")
    path = vault / "People/Recruiters/Анна.md"
    assert path.read_bytes() == b"hello\n"
    assert path.stat().st_nlink == 1

    again = writer.create("People/Recruiters/Анна.md", b"other\n")
    assert again.status == "refused"
    assert "already exists" in again.message
    # A second folder differing only by case would collide on macOS/Windows devices.
    assert writer.create("people/x.md", b"other\n").status == "refused"
    assert sorted(os.listdir(vault)) == ["People"]
    assert writer.create("People/Recruiters/АННА.md", b"other\n").status == "refused"
    assert path.read_bytes() == b"hello\n"
    assert leftovers(vault) == []


def test_create_uses_umask_mode(vault: Path) -> None:
    old = os.umask(0o027)
    try:
        SafeWriter(vault).create("a.md", b"x")
    finally:
        os.umask(old)
    assert (vault / "a.md").stat().st_mode & 0o777 == 0o640


def test_create_falls_back_when_hard_links_are_unsupported(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    writer = SafeWriter(vault)
    assert writer.create("a.md", b"x").status == "created"
    assert writer.create("a.md", b"y").status == "refused"
    assert (vault / "a.md").read_bytes() == b"x"
    assert leftovers(vault) == []


def test_create_racing_another_creator_keeps_theirs(vault: Path) -> None:
    def other_device(stage: str) -> None:
        if stage == "before-replace":
            (vault / "a.md").write_bytes(b"synced from phone\n")

    result = SafeWriter(vault, fault_hook=other_device).create("a.md", b"ours\n")
    assert result.status == "refused"
    assert (vault / "a.md").read_bytes() == b"synced from phone\n"
    assert leftovers(vault) == []


@pytest.mark.parametrize("char", [*list('*"\\<>:|?#^[]'), "\x01", "\n"])
def test_create_refuses_forbidden_characters(vault: Path, char: str) -> None:
    result = SafeWriter(vault).create(f"bad{char}name.md", b"x")
    assert result.status == "refused"
    assert list(vault.iterdir()) == []


# ----------------------------------------------------------------- move and delete
def test_move_file_creates_parents(vault: Path) -> None:
    note(vault, "Яндекс.md", b"co\n")
    result = SafeWriter(vault).move("Яндекс.md", "Компании/Яндекс.md", expected_hash=H(b"co\n"))
    assert result.status == "moved"
    assert result.old_hash == result.new_hash == H(b"co\n")
    assert not (vault / "Яндекс.md").exists()
    assert (vault / "Компании/Яндекс.md").read_bytes() == b"co\n"
    assert (vault / "Компании/Яндекс.md").stat().st_nlink == 1


def test_move_folder(vault: Path) -> None:
    note(vault, "old/a.md")
    note(vault, "old/sub/b.md")
    assert SafeWriter(vault).move("old", "archive/new").status == "moved"
    assert (vault / "archive/new/sub/b.md").read_bytes() == b"old\n"
    assert not (vault / "old").exists()


def test_move_with_stale_hash_is_a_conflict(vault: Path) -> None:
    note(vault, "a.md", b"edited\n")
    result = SafeWriter(vault).move("a.md", "b.md", expected_hash=H(b"old\n"))
    assert result.status == "conflict"
    assert (vault / "a.md").exists()
    assert not (vault / "b.md").exists()


@pytest.mark.parametrize(("existing", "dst"), [("b.md", "b.md"), ("b.md", "B.md")])
def test_move_refuses_existing_destination(vault: Path, existing: str, dst: str) -> None:
    note(vault, "a.md", b"a\n")
    note(vault, existing, b"b\n")
    result = SafeWriter(vault).move("a.md", dst)
    assert result.status == "refused"
    assert "already exists" in result.message
    assert sorted(p.read_bytes() for p in vault.iterdir()) == [b"a\n", b"b\n"]


def test_move_refuses_nfc_spelling_of_existing_nfd_name(vault: Path) -> None:
    note(vault, "a.md", b"a\n")
    note(vault, "Cafe\u0301.md", b"b\n")  # macOS writes decomposed names
    result = SafeWriter(vault).move("a.md", "caf\u00e9.md")
    assert result.status == "refused"
    assert len(list(vault.iterdir())) == 2


def test_case_only_rename(vault: Path) -> None:
    note(vault, "notes/recruiter.md", b"r\n")
    result = SafeWriter(vault).move("notes/recruiter.md", "notes/Recruiter.md")
    assert result.status == "moved"
    assert os.listdir(vault / "notes") == ["Recruiter.md"]
    assert (vault / "notes/Recruiter.md").read_bytes() == b"r\n"


def test_move_refuses_symlink_and_missing_source(vault: Path, tmp_path: Path) -> None:
    (vault / "link.md").symlink_to(note(tmp_path, "t.md"))
    writer = SafeWriter(vault)
    assert writer.move("link.md", "other.md").status == "refused"
    assert writer.move("missing.md", "other.md").status == "refused"
    assert writer.move("link.md", "../out.md").status == "refused"
    assert (vault / "link.md").is_symlink()
    assert not (vault / "other.md").exists()


def test_delete_checks_hash(vault: Path) -> None:
    path = note(vault, "a.md")
    writer = SafeWriter(vault)
    assert writer.delete("a.md", expected_hash=H(b"other")).status == "conflict"
    assert path.exists()
    result = writer.delete("a.md", expected_hash=H(b"old\n"))
    assert (result.status, result.old_bytes, result.new_hash) == ("deleted", b"old\n", None)
    assert not path.exists()


# ----------------------------------------------------------------- temp files
def test_is_temp_file_name() -> None:
    assert is_temp_file_name(".x.md.vp-deadbeef.tmp")
    assert is_temp_file_name(".Анна.md.vp-0123abcd.mv")
    assert not is_temp_file_name("x.md.vp-deadbeef.tmp")
    assert not is_temp_file_name(".x.md.vp-deadbee.tmp")
    assert not is_temp_file_name(".x.md.tmp")
    assert not is_temp_file_name(".syncthing.x.md.tmp")


def test_cleanup_removes_only_our_leftovers(vault: Path) -> None:
    ours = [".x.md.vp-deadbeef.tmp", "sub/.y.md.vp-0badf00d.tmp"]
    keep = [
        "x.md",
        ".hidden.md",
        ".syncthing.x.md.tmp",
        "x.md.vp-deadbeef.tmp",
        ".git/.z.md.vp-deadbeef.tmp",
        ".obsidian/.w.md.vp-deadbeef.tmp",
    ]
    for rel in ours + keep:
        note(vault, rel)
    (vault / "dirlike").mkdir()
    (vault / "dirlike/.q.md.vp-12345678.tmp").mkdir()  # not a file: never ours to delete
    assert SafeWriter(vault).cleanup_temp_files() == sorted(ours)
    for rel in keep:
        assert (vault / rel).exists(), rel
    assert (vault / "dirlike/.q.md.vp-12345678.tmp").is_dir()


def test_cleanup_restores_a_note_parked_by_an_interrupted_case_rename(vault: Path) -> None:
    note(vault, "notes/.recruiter.md.vp-0123abcd.mv", b"r\n")
    assert SafeWriter(vault).cleanup_temp_files() == []
    assert os.listdir(vault / "notes") == ["recruiter.md"]


# ----------------------------------------------------------------- crashes
def _prepare_vault(tmp_path: Path, count: int) -> tuple[Path, bytes, bytes, list[str]]:
    vault = tmp_path / "vault"
    a = b"# Old\n" + b"old line\n" * 20_000
    b = b"# New\n" + b"new line\r\n" * 25_000
    (tmp_path / "a.bin").write_bytes(a)
    (tmp_path / "b.bin").write_bytes(b)
    for i in range(count):
        note(vault, f"notes/n{i:03d}.md", a)
    args = [str(vault), str(count), str(tmp_path / "a.bin"), str(tmp_path / "b.bin")]
    return vault, a, b, args


def _spawn(args: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.timeout(120)
def test_sigkill_at_random_moments_never_tears_a_note(tmp_path: Path) -> None:
    count = 200
    vault, a, b, args = _prepare_vault(tmp_path, count)
    rng = random.Random(1234)
    progressed = False
    for _ in range(10):
        child = _spawn(args)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr
        time.sleep(rng.uniform(0.05, 0.4))
        assert child.poll() is None, child.communicate()
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        for i in range(count):
            data = (vault / f"notes/n{i:03d}.md").read_bytes()
            assert data in (a, b), f"n{i:03d}.md is torn ({len(data)} bytes)"
            progressed = progressed or data == b
        SafeWriter(vault).cleanup_temp_files()
        assert leftovers(vault) == []
    assert progressed, "the child never finished a write; the test proved nothing"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("stage", "expect_new", "orphans"),
    [("after-temp-write", False, 1), ("before-replace", False, 1), ("after-replace", True, 0)],
)
def test_sigkill_at_each_stage(tmp_path: Path, stage: str, expect_new: bool, orphans: int) -> None:
    vault, a, b, args = _prepare_vault(tmp_path, 3)
    child = _spawn([*args, "--kill-at", stage])
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert (vault / "notes/n000.md").read_bytes() == (b if expect_new else a)
    assert (vault / "notes/n001.md").read_bytes() == a
    assert len(leftovers(vault)) == orphans
    assert len(SafeWriter(vault).cleanup_temp_files()) == orphans
    assert leftovers(vault) == []


def test_owner_and_group_are_preserved(vault: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can hand files to another user")
    path = note(vault, "a.md", mode=0o664)
    os.chown(path, 12345, 23456)
    assert SafeWriter(vault).write("a.md", b"x", expected_hash=H(b"old\n")).status == "written"
    st = path.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (12345, 23456, 0o664)


def test_foreign_owner_that_cannot_be_kept_is_refused(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can hand files to another user")
    path = note(vault, "a.md")
    os.chown(path, 12345, 23456)

    def denied(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", denied)  # what a non-root writer gets
    result = SafeWriter(vault).write("a.md", b"x", expected_hash=H(b"old\n"))
    assert result.status == "refused"
    assert "another user" in result.message
    assert path.read_bytes() == b"old\n"
    assert path.stat().st_uid == 12345
    assert leftovers(vault) == []
