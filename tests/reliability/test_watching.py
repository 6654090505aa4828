"""Reliability catalogue, section A: watching and event interpretation (cases 1-20).

Cases already proven elsewhere are listed in tests/reliability/CATALOGUE.md with their test
ids; this module adds the ones that had no test. Engine tests hand the touched paths to
`Engine.handle` as a debounced batch would (no threads, no sleeps); observer tests run the
real watchdog observer with deadlines, never with timing assertions.

Not applicable here, and why:
- 8 on a case-insensitive file system (APFS, NTFS): CI runs on Linux/ext4 only; the
  case-only rename is tested on ext4, and the writer's case-insensitive refusal logic is
  tested in test_writer.py.
- 12 with a real kernel queue overflow (40,000 creates + renames): takes minutes and depends
  on `fs.inotify.max_queued_events`; the overflow log line watchdog writes is injected instead.
- 18 dataless files exist only on macOS (st_flags); the flag is injected through `Path.stat`.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from test_watch_observer import fast_vault, wait_for, watching
from test_watcher import LINKS, LINKS_AFTER, OLD_BODY, OTHER, Harness

from tests.conftest import make_vault, read_vault


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path / "vault",
        {"Old.md": OLD_BODY, "Links.md": LINKS, "Sub/Other.md": OTHER, "Plain.md": "No links.\n"},
    )


def renames_said(lines: list[str]) -> list[str]:
    return [line for line in lines if "rename" in line]


# -- 4: editors' temp-file saves --------------------------------------------------------------
@pytest.mark.parametrize("temp", [".goutputstream-X1Y2Z3", ".subl3f2a.tmp", "Old.md.kate-swp~"])
def test_4_gedit_and_sublime_saves_are_changes_not_renames(vault: Path, temp: str) -> None:
    h = Harness(vault)
    scratch = vault / temp
    scratch.write_text(OLD_BODY + "\nedited\n", encoding="utf-8")
    os.replace(scratch, vault / "Old.md")
    said = h.handle(temp, "Old.md")
    assert renames_said(said) == []
    assert h.writes == []
    assert temp not in h.engine.index.files
    assert h.engine.index.files["Old.md"].size == len((OLD_BODY + "\nedited\n").encode())
    assert h.text("Links.md") == LINKS


# -- 8: case-only rename ----------------------------------------------------------------------
def test_8_case_only_rename_is_a_rename_without_duplicates(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"note.md": "# n\n", "Links.md": "[[note]] [[note#n]]\n"})
    h = Harness(root)
    os.rename(root / "note.md", root / "Note.md")
    said = h.handle("note.md", "Note.md")
    assert "noticed a rename: note.md -> Note.md" in said
    assert not any("deleted" in line for line in said)
    assert "note.md" not in h.engine.index.files
    assert "Note.md" in h.engine.index.files
    # Obsidian resolves [[note]] case-insensitively: the link still opens the note.
    assert h.writes == []
    assert h.text("Links.md") == "[[note]] [[note#n]]\n"
    assert sorted(os.listdir(root)) == ["Links.md", "Note.md", "vaultpartner.toml"]


# -- 10: folder moved into the vault, then edited ----------------------------------------------
@pytest.mark.timeout(60)
def test_10_folder_moved_in_is_watched_and_later_renames_are_followed(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Hub.md": "[[Inside]]\n"})
    outside = make_vault(tmp_path / "outside/Folder", {"Inside.md": "# In\n", "B.md": "x\n"})
    with watching(root) as run:
        shutil.move(outside, root / "Folder")
        wait_for(lambda: "Folder/Inside.md" in run.engine.index.notes, what="indexed")
        (root / "Folder/B.md").write_text("edited\n", encoding="utf-8")
        wait_for(lambda: run.engine.index.files["Folder/B.md"].size == 7, what="the edit")
        os.rename(root / "Folder/Inside.md", root / "Folder/Moved.md")
        wait_for(lambda: (root / "Hub.md").read_text("utf-8") == "[[Moved]]\n", what="links")
        run.settle()
        assert run.count("rewrote ") == 1


# -- 13: rename storm ---------------------------------------------------------------------------
def test_13_rename_storm_back_to_the_start_is_a_no_op(vault: Path) -> None:
    h = Harness(vault)
    names = ["Old.md", "B.md", "C.md"]
    for _ in range(50):
        for here, there in zip(names, [*names[1:], names[0]], strict=True):
            os.rename(vault / here, vault / there)
    said = h.handle(*names)
    assert renames_said(said) == []
    assert h.writes == []
    assert read_vault(vault)["Links.md"] == LINKS.encode()


@pytest.mark.timeout(60)
def test_13_rename_storm_under_the_real_observer_ends_where_it_started(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    with watching(root) as run:
        names = ["Old.md", "B.md", "C.md"]
        for _ in range(50):
            for here, there in zip(names, [*names[1:], names[0]], strict=True):
                os.rename(root / here, root / there)
        run.settle()
        assert (root / "Links.md").read_text("utf-8") == "[[Old]]\n"
        assert (root / "Old.md").read_text("utf-8") == "# Old\n"
        assert run.engine.limiter.tripped is None
        assert set(run.engine.index.files) == {"Old.md", "Links.md", "vaultpartner.toml"}


# -- 17: remount re-announces everything ------------------------------------------------------
def test_17_every_file_reannounced_with_new_mtimes_is_zero_work(vault: Path) -> None:
    h = Harness(vault)
    before = read_vault(vault)
    h.age_everything(10)  # a remount: new mtimes, same bytes
    everything = [p.relative_to(vault).as_posix() for p in vault.rglob("*") if p.is_file()]
    said = h.handle(*everything)
    said += h.handle(rescan=True)
    assert said == []
    assert h.writes == []
    assert read_vault(vault) == before


# -- 18: dataless placeholders and legacy iCloud stubs ----------------------------------------
class _Dataless:
    """A stat result with macOS's SF_DATALESS flag set."""

    st_flags = 0x40000000

    def __init__(self, real: os.stat_result) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_18_dataless_note_is_not_read_not_deleted_and_reported_once(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(vault)
    real_stat = pathlib.Path.stat
    real_read = pathlib.Path.read_bytes
    reads: list[str] = []

    def stat(self: Path, *, follow_symlinks: bool = True) -> Any:
        info = real_stat(self, follow_symlinks=follow_symlinks)
        return _Dataless(info) if self.name == "Links.md" else info

    def read_bytes(self: Path) -> bytes:
        reads.append(self.name)
        return real_read(self)

    monkeypatch.setattr(pathlib.Path, "stat", stat)
    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    os.rename(vault / "Old.md", vault / "New.md")
    said = h.handle("Links.md", "Old.md", "New.md")
    said += h.handle("Links.md")
    assert "Links.md" not in reads
    assert [line for line in said if "placeholder" in line] == [
        "Links.md is a cloud placeholder (not downloaded); not read"
    ]
    assert "Links.md" in h.engine.index.files  # not treated as deleted
    assert h.text("Sub/Other.md") == "Also [[New]].\n"  # the other notes are still served


def test_18_legacy_icloud_stub_is_reported_never_a_rename_target(vault: Path) -> None:
    h = Harness(vault)
    before = read_vault(vault)
    os.rename(vault / "Old.md", vault / ".Old.md.icloud")
    said = h.handle("Old.md", ".Old.md.icloud")
    assert renames_said(said) == []
    assert any("Old.md was deleted or moved out" in line for line in said)  # reported only
    assert h.writes == []
    assert ".Old.md.icloud" not in h.engine.index.files
    after = read_vault(vault)
    assert after.pop(".Old.md.icloud") == before.pop("Old.md")
    assert after == before


# -- 19: symlinked folders, including a loop --------------------------------------------------
@pytest.mark.timeout(30)
def test_19_symlink_loop_and_outside_folder_no_hang_no_writes_through(tmp_path: Path) -> None:
    outside = make_vault(tmp_path / "outside", {"Shared.md": "[[Old]]\n"})
    root = make_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    (root / "Loop").symlink_to(root)
    (root / "Out").symlink_to(outside)
    h = Harness(root)
    os.rename(root / "Old.md", root / "New.md")
    h.handle("Old.md", "New.md", "Loop", "Out/Shared.md")
    h.handle(rescan=True)
    assert h.text("Links.md") == "[[New]]\n"
    assert (outside / "Shared.md").read_text("utf-8") == "[[Old]]\n"
    assert not any(path.startswith("Loop/") for path in h.engine.index.files)


# -- 20: on_created before the content --------------------------------------------------------
def test_20_a_copy_seen_while_still_empty_is_still_a_rename(vault: Path) -> None:
    h = Harness(vault)
    (vault / "New.md").write_bytes(b"")  # the create event arrives before the bytes
    said = h.handle("New.md")
    assert h.writes == []
    assert renames_said(said) == []
    (vault / "New.md").write_text(OLD_BODY, encoding="utf-8")
    (vault / "Old.md").unlink()  # a move across file systems: copy, then delete
    said = h.handle("New.md", "Old.md")
    assert "noticed a rename: Old.md -> New.md" in said
    assert h.text("Links.md") == LINKS_AFTER
    assert len(h.writes) == 2


@pytest.mark.timeout(60)
def test_20_late_content_under_the_real_observer(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n\ntext\n", "Links.md": "[[Old]]\n"})
    with watching(root) as run:
        with open(root / "New.md", "wb") as handle:
            handle.flush()
            time.sleep(0.3)  # the writer is slow; the watcher may see the empty file first
            handle.write(b"# Old\n\ntext\n")
        (root / "Old.md").unlink()
        wait_for(lambda: (root / "Links.md").read_text("utf-8") == "[[New]]\n", what="links")
        run.settle()
        assert run.count("rewrote ") == 1
        assert (root / "New.md").read_bytes() == b"# Old\n\ntext\n"
