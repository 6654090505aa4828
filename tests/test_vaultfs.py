"""Reading real vault folders: what is skipped, followed, unreadable, and parallel == serial."""

from __future__ import annotations

import contextlib
import os
import unicodedata
from pathlib import Path

import pytest
from conftest import make_vault

from vaultpartner import vaultfs
from vaultpartner.errors import VaultError
from vaultpartner.index import FileEntry
from vaultpartner.vaultfs import load_vault, walk_vault

MAX = 1024 * 1024


def write(root: Path, rel: str, data: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "Vault Работа"
    root.mkdir()
    return root


def test_dot_folders_and_dot_files_are_skipped(vault: Path) -> None:
    write(vault, "Note.md", "[[Other]]")
    for hidden in (".obsidian/app.md", ".trash/Old.md", ".git/x.md", ".hidden/Deep/n.md"):
        write(vault, hidden, "[[Note]]")
    write(vault, "Sub/.DS_Store", b"\x00\x01")
    write(vault, "Sub/.secret.md", "[[Note]]")
    write(vault, "Sub/Visible.md", "")
    loaded = load_vault(vault, max_bytes=MAX, jobs=1)
    assert sorted(loaded.index.files) == ["Note.md", "Sub/Visible.md"]
    assert sorted(loaded.index.notes) == ["Note.md", "Sub/Visible.md"]
    assert loaded.index.backlinks("Note.md") == []
    assert loaded.loops == ()


def test_attachments_are_files_but_not_notes(vault: Path) -> None:
    write(vault, "img/Diagram.png", b"\x89PNG\r\n")
    write(vault, "Board.canvas", "{}")
    write(vault, "Index.md", "![[Diagram.png]]")
    loaded = load_vault(vault, max_bytes=MAX, jobs=1)
    assert loaded.index.files["img/Diagram.png"] == FileEntry("img/Diagram.png", 6, False)
    assert sorted(loaded.index.notes) == ["Index.md"]
    assert [b.source for b in loaded.index.backlinks("img/Diagram.png")] == ["Index.md"]
    assert loaded.os_paths["img/Diagram.png"] == str(vault / "img" / "Diagram.png")


def test_missing_root_and_file_root(tmp_path: Path) -> None:
    with pytest.raises(VaultError):
        load_vault(tmp_path / "nope", max_bytes=MAX)
    write(tmp_path, "file.md", "")
    with pytest.raises(VaultError):
        load_vault(tmp_path / "file.md", max_bytes=MAX)


def test_symlinked_folder_is_indexed_as_symlinked(tmp_path: Path, vault: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "Shared.md", "[[Note]]")
    write(outside, "deep/Deeper.md", "")
    write(vault, "Note.md", "[[Shared]]")
    (vault / "Linked").symlink_to(outside, target_is_directory=True)
    write(tmp_path, "single.md", "")
    (vault / "single-link.md").symlink_to(tmp_path / "single.md")
    loaded = load_vault(vault, max_bytes=MAX, jobs=1)
    files = loaded.index.files
    assert files["Linked/Shared.md"].symlinked
    assert files["Linked/deep/Deeper.md"].symlinked
    assert files["single-link.md"].symlinked
    assert not files["Note.md"].symlinked
    assert loaded.index.resolve("Shared", "Note.md").path == "Linked/Shared.md"
    assert [b.source for b in loaded.index.backlinks("Note.md")] == ["Linked/Shared.md"]
    assert loaded.loops == ()


@pytest.mark.timeout(30)
def test_symlink_to_an_ancestor_is_a_loop_reported_once(vault: Path) -> None:
    write(vault, "A/Note.md", "")
    (vault / "A" / "up").symlink_to(vault, target_is_directory=True)
    (vault / "A" / "self").symlink_to(vault / "A", target_is_directory=True)
    loaded = load_vault(vault, max_bytes=MAX, jobs=1)
    assert sorted(loaded.loops) == ["A/self", "A/up"]
    assert sorted(loaded.index.files) == ["A/Note.md"]


@pytest.mark.timeout(30)
def test_loop_inside_a_symlinked_folder_is_reported_once(tmp_path: Path, vault: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "Shared.md", "")
    (outside / "back").symlink_to(outside, target_is_directory=True)  # loops to its own ancestor
    (outside / "vault").symlink_to(vault, target_is_directory=True)  # back into the vault root
    (vault / "Linked").symlink_to(outside, target_is_directory=True)
    walk = walk_vault(vault)
    assert sorted(walk.loops) == ["Linked/back", "Linked/vault"]
    assert [found.rel for found in walk.files] == ["Linked/Shared.md"]


@pytest.mark.timeout(30)
def test_symlink_into_the_vault_is_not_walked_twice(vault: Path) -> None:
    write(vault, "Real/Note.md", "")
    (vault / "Alias").symlink_to(vault / "Real", target_is_directory=True)
    walk = walk_vault(vault)
    assert [found.rel for found in walk.files] == ["Real/Note.md"]
    assert walk.loops == ["Alias"]


def test_non_utf8_note_is_unreadable_with_byte_offset(vault: Path) -> None:
    write(vault, "Old.md", b"Hello " + "Привет".encode("cp1251"))
    write(vault, "Index.md", "[[Old]]")
    loaded = load_vault(vault, max_bytes=MAX, jobs=1)
    note = loaded.index.notes["Old.md"]
    assert note.unreadable is not None
    assert note.unreadable.offset == 6
    assert "UTF-8" in note.unreadable.message
    assert note.links == ()
    # still a file, still a link target
    assert loaded.index.resolve("Old", "Index.md").path == "Old.md"


def test_nul_bytes_make_a_note_unreadable(vault: Path) -> None:
    write(vault, "Damaged.md", "Жук [[Note]]".encode() + b"\x00\x00rest")
    note = load_vault(vault, max_bytes=MAX, jobs=1).index.notes["Damaged.md"]
    assert note.unreadable is not None
    assert note.unreadable.offset == len("Жук [[Note]]".encode())
    assert "NUL" in note.unreadable.message
    assert note.links == ()


def test_note_larger_than_max_bytes_is_not_read(vault: Path) -> None:
    write(vault, "Big.md", "[[Note]]" + "x" * 100)
    write(vault, "Exact.md", "y" * 100)
    loaded = load_vault(vault, max_bytes=100, jobs=1)
    big = loaded.index.notes["Big.md"]
    assert big.unreadable is not None
    assert "larger than" in big.unreadable.message
    assert big.size == 108
    assert big.links == ()
    assert loaded.index.notes["Exact.md"].unreadable is None
    assert loaded.index.files["Big.md"].size == 108


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files regardless of mode"
)
def test_permission_denied_note_is_unreadable(vault: Path) -> None:
    locked = write(vault, "Locked.md", "[[Note]]")
    locked.chmod(0)
    try:
        note = load_vault(vault, max_bytes=MAX, jobs=1).index.notes["Locked.md"]
    finally:
        locked.chmod(0o644)
    assert note.unreadable is not None
    assert note.unreadable.message == "permission denied"


def test_nfd_file_name_is_indexed_as_nfc(vault: Path) -> None:
    nfd_name = unicodedata.normalize("NFD", "Café Ёлка.md")
    nfd_folder = unicodedata.normalize("NFD", "Проекты й")
    assert nfd_name != unicodedata.normalize("NFC", nfd_name)
    write(vault, f"{nfd_folder}/{nfd_name}", "")
    write(vault, "Index.md", "[[Café Ёлка]]")
    loaded = load_vault(vault, max_bytes=MAX, jobs=1)
    rel = "Проекты й/Café Ёлка.md"
    assert rel in loaded.index.files
    assert rel in loaded.index.notes
    assert loaded.index.notes[rel].path == rel
    assert loaded.os_paths[rel] == os.path.join(vault, nfd_folder, nfd_name)
    assert loaded.index.resolve("Café Ёлка", "Index.md").path == rel
    assert loaded.index.paths_named("café ёлка.md") == (rel,)


def _many_notes(vault: Path, count: int) -> None:
    for number in range(count):
        folder = ("", "A", "Б/В")[number % 3]
        links = f"[[n{(number * 7) % count}]] [[n{number + 1}#H]]"
        write(vault, f"{folder}/n{number}.md".lstrip("/"), f"# H\n{links}\n`[[n0]]`\n")
    write(vault, "bad.md", b"\xff\xfe")
    write(vault, "img.png", b"png")


def _loaded_equal(serial: vaultfs.LoadedVault, parallel: vaultfs.LoadedVault) -> None:
    assert parallel.index.snapshot() == serial.index.snapshot()
    assert list(parallel.index.notes) == list(serial.index.notes)
    assert parallel.loops == serial.loops
    assert parallel.os_paths == serial.os_paths


@pytest.mark.timeout(120)
def test_parallel_and_serial_reading_agree(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _many_notes(vault, 420)  # above the real PARALLEL_THRESHOLD of 400
    calls: list[tuple[int, int]] = []
    parallel = load_vault(vault, max_bytes=MAX, jobs=2, progress=lambda d, t: calls.append((d, t)))
    serial = load_vault(vault, max_bytes=MAX, jobs=1)
    _loaded_equal(serial, parallel)
    assert calls[-1] == (421, 421)
    assert (250, 421) in calls  # one progress report per chunk: the pool really ran
    assert parallel.index.notes["bad.md"].unreadable is not None


@pytest.mark.timeout(120)
def test_parallel_with_small_threshold_and_chunks(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_notes(vault, 40)
    monkeypatch.setattr(vaultfs, "PARALLEL_THRESHOLD", 5)
    monkeypatch.setattr(vaultfs, "_CHUNK", 7)
    calls: list[tuple[int, int]] = []
    parallel = load_vault(vault, max_bytes=MAX, jobs=2, progress=lambda d, t: calls.append((d, t)))
    serial = load_vault(vault, max_bytes=MAX, jobs=1)
    _loaded_equal(serial, parallel)
    assert calls == [(min(done, 41), 41) for done in range(7, 42 + 6, 7)]


@pytest.mark.timeout(120)
def test_parallel_reading_through_the_cache_stores_the_workers_blobs(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers hand each note's wire blob to the cache; a note marshal cannot hold (a YAML
    timestamp) comes through pickle and is simply not cached."""
    from vaultpartner.cache import NoteCache

    _many_notes(vault, 40)
    write(vault, "dated.md", "---\nwhen: !!timestamp 2024-01-02T03:04:05\n---\n[[n1]]\n")
    monkeypatch.setattr(vaultfs, "PARALLEL_THRESHOLD", 5)
    monkeypatch.setattr(vaultfs, "_CHUNK", 7)
    serial = load_vault(vault, max_bytes=MAX, jobs=1)

    def through_cache() -> vaultfs.LoadedVault:
        cache = NoteCache.open(tmp_path / "state")
        assert cache is not None
        try:
            return load_vault(vault, max_bytes=MAX, jobs=2, cache=cache)
        finally:
            cache.close()

    cold = through_cache()
    _loaded_equal(serial, cold)
    assert cold.index.notes["dated.md"].frontmatter is not None
    warm = through_cache()
    _loaded_equal(serial, warm)
    cache = NoteCache.open(tmp_path / "state")
    assert cache is not None
    try:
        stamps = vaultfs.walk_vault(vault).files
        hits, misses, doubtful = cache.lookup(
            vaultfs.FileStamp(f.rel, f.size, f.mtime_ns, f.ctime_ns)
            for f in stamps
            if f.rel.endswith(".md")
        )
    finally:
        cache.close()
    assert "dated.md" in {stamp.path for stamp in misses}
    assert len(hits) + len(doubtful) == 41  # every other note, bad.md included


def test_read_error_becomes_an_unreadable_note(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same path as a permission error, also when the tests run as root."""
    write(vault, "Locked.md", "[[Note]]")
    write(vault, "Open.md", "[[Locked]]")
    real_open = open

    def deny(path: str, *args: object, **kwargs: object) -> object:
        if str(path).endswith("Locked.md"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(vaultfs, "open", deny, raising=False)
    loaded = load_vault(vault, max_bytes=MAX, jobs=1)
    note = loaded.index.notes["Locked.md"]
    assert note.unreadable is not None
    assert note.unreadable.message == "permission denied"
    assert note.size == len("[[Note]]")
    assert loaded.index.notes["Open.md"].unreadable is None


_KILLED_MID_LOAD = """
import multiprocessing, os, signal, sys
from pathlib import Path
from vaultpartner.lock import VaultLock
from vaultpartner.paths import is_markdown
from vaultpartner.vaultfs import read_notes_wired, walk_vault

root, state = Path(sys.argv[1]), Path(sys.argv[2])
VaultLock(state, command="test").acquire()
found = [f for f in walk_vault(root).files if is_markdown(f.rel)]
loading = read_notes_wired(found, max_bytes=1 << 20, jobs=2)
next(loading)  # the pool's workers are running now
print(" ".join(str(child.pid) for child in multiprocessing.active_children()), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.timeout(60)
def test_parser_workers_of_a_killed_command_leave_and_do_not_hold_the_vault_lock(
    tmp_path: Path,
) -> None:
    import signal
    import subprocess
    import sys
    import time

    from vaultpartner.lock import VaultLock

    root = make_vault(tmp_path / "v", {f"n{i}.md": f"[[n{i + 1}]]\n" * 50 for i in range(900)})
    state = tmp_path / "state"
    out = tmp_path / "out.txt"
    with out.open("w") as stream:  # a file: the workers' copy of it keeps no pipe open
        done = subprocess.run(
            [sys.executable, "-c", _KILLED_MID_LOAD, str(root), str(state)],
            stdout=stream,
            stderr=subprocess.STDOUT,
            timeout=50,
            check=False,
        )
    assert done.returncode == -signal.SIGKILL, out.read_text()
    workers = [int(pid) for pid in out.read_text().split()]
    assert workers
    try:
        with VaultLock(state, command="after"):  # the orphans hold no copy of the flock
            pass
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in workers):
            assert time.monotonic() < deadline, "orphaned parser workers did not leave"
            time.sleep(0.1)
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _count_notes(notes: object) -> int:
    return len(notes)  # type: ignore[arg-type]


@pytest.mark.timeout(120)
def test_a_worker_task_scans_every_chunk_and_its_work_runs_in_the_workers(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    _many_notes(vault, 40)
    monkeypatch.setattr(vaultfs, "PARALLEL_THRESHOLD", 5)
    monkeypatch.setattr(vaultfs, "_CHUNK", 7)
    planned: list[object] = []
    collected: list[object] = []

    def plan(scanned: object) -> list[object]:
        planned.append(scanned)
        return [scanned, -1] if scanned == 7 else []  # work for the full chunks only

    task = vaultfs.WorkerTask(
        scan=_count_notes,
        plan=plan,
        work=lambda item: (item, os.getpid()),
        collect=collected.append,
    )
    parallel = load_vault(vault, max_bytes=MAX, jobs=2, task=task)
    assert len(parallel.index.notes) == 41
    assert sorted(planned) == [6] + [7] * 5  # each chunk scanned once, in a worker
    assert sorted(item for item, _pid in collected) == [-1] * 5 + [7] * 5  # type: ignore[misc]
    assert os.getpid() not in {pid for _item, pid in collected}  # type: ignore[misc]
    assert vaultfs._WORKER_TASK is None
    planned.clear()
    load_vault(vault, max_bytes=MAX, jobs=1, task=task)  # parsed here: no workers, no task
    assert planned == []


@pytest.mark.parametrize("now", [0, 5, 9, 10, 11, 12, 40])
@pytest.mark.parametrize("walked", [0, 5, 10, 11, 50])
def test_a_bounded_read_gets_the_file_as_it_is_now_up_to_one_byte_past_the_limit(
    tmp_path: Path, walked: int, now: int
) -> None:
    """The walk's size is only a hint: a note that grew or shrank since is read whole, and
    one past max_bytes shows it by one byte more."""
    from vaultpartner.vaultfs import read_bounded

    path = tmp_path / "note.md"
    path.write_bytes(bytes(range(65, 65 + now)))
    with open(path, "rb") as handle:
        data = read_bounded(handle, walked, 10)
    assert data == bytes(range(65, 65 + min(now, 11)))
