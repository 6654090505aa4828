"""Reliability catalogue, section C: concurrency with the user, Obsidian and git (cases 34-41).

Not applicable here, and why:
- 36 (note open in Obsidian, read from `.obsidian/workspace.json`): vaultpartner ships no
  such option; the edit grace period (`[watch] edit_grace_seconds`, case 35) is what keeps
  it from writing a note that keeps changing, whether Obsidian has it open or not.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_watch_observer import fast_vault, wait_for, watching
from test_watcher import LINKS, LINKS_AFTER, OLD_BODY, OTHER, Harness

from tests.conftest import make_vault, read_vault
from vaultpartner import app
from vaultpartner.cli import main
from vaultpartner.errors import LockedError
from vaultpartner.watch import RESCAN, WatchOptions, run_watch
from vaultpartner.writer import SafeWriter


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path / "vault",
        {"Old.md": OLD_BODY, "Links.md": LINKS, "Sub/Other.md": OTHER, "Plain.md": "No links.\n"},
    )


# -- 34: the user types between our read and our rename ---------------------------------------
def test_34_edit_between_read_and_replace_is_kept_and_the_work_recomputed(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(vault)
    real_recheck = SafeWriter._recheck
    typed = {"done": False}

    def user_types_first(self: SafeWriter, target: Path, *args: object) -> None:
        if target.name == "Links.md" and not typed["done"]:
            typed["done"] = True
            with open(target, "a", encoding="utf-8") as handle:
                handle.write("typed by the user\n")
        real_recheck(self, target, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(SafeWriter, "_recheck", user_types_first)
    os.rename(vault / "Old.md", vault / "New.md")
    h.handle("Old.md", "New.md")
    assert h.text("Links.md") == LINKS + "typed by the user\n"  # nothing lost
    assert h.engine.pending  # the rewrite waits, it is not dropped
    h.age("Links.md", 3600)
    h.engine.retry()
    assert h.text("Links.md") == LINKS_AFTER + "typed by the user\n"


# -- 37: two watchers on one vault ------------------------------------------------------------
@pytest.mark.timeout(60)
def test_37_a_second_watcher_refuses_to_start_naming_the_first(tmp_path: Path) -> None:
    root = fast_vault(tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    with watching(root):
        with pytest.raises(LockedError, match=rf"pid {os.getpid()}"):
            run_watch(app.open_session(root), WatchOptions(once=True), say=lambda text: None)
        result = CliRunner().invoke(main, ["watch", str(root), "--once"])
        assert result.exit_code == 3
        assert f"pid {os.getpid()}" in result.output
    # once the first has stopped, a new one starts
    assert CliRunner().invoke(main, ["watch", str(root), "--once"]).exit_code == 0


# -- 38: git checkout: many files, the lock file, the working tree stays clean ----------------
def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True, timeout=30
    )
    return done.stdout


def init_repo(root: Path) -> None:
    (root / ".gitignore").write_text("vaultpartner.toml\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.com")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")


@pytest.mark.timeout(90)
def test_38_checkouts_back_and_forth_cause_no_rewrites(tmp_path: Path) -> None:
    files = {f"Notes/n{i:02d}.md": f"# n{i}\n\n[[Hub]] [[Other{i % 3}]]\n" for i in range(60)}
    files |= {"Hub.md": "# Hub\n", **{f"Other{i}.md": f"# O{i}\n" for i in range(3)}}
    root = fast_vault(tmp_path / "v", files)
    init_repo(root)
    git(root, "checkout", "-q", "-b", "other")
    git(root, "mv", "Hub.md", "Центр.md")
    for i in range(60):
        path = root / f"Notes/n{i:02d}.md"
        path.write_text(path.read_text("utf-8").replace("[[Hub]]", "[[Центр]]"), "utf-8")
    git(root, "commit", "-q", "-am", "rename the hub")
    git(root, "checkout", "-q", "main")
    with watching(root) as run:
        for branch in ("other", "main", "other", "main"):
            git(root, "checkout", "-q", branch)
            run.settle()
            assert git(root, "status", "--porcelain") == ""
        assert run.count("rewrote ") == 0
        assert "Hub.md" in run.engine.index.files


# -- 39: conflict markers from git ------------------------------------------------------------
def test_39_notes_with_git_conflict_markers_are_skipped_and_reported(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path / "v",
        {"Old.md": "# Old\n", "Links.md": "Intro\n\n[[Old]]\n", "Other.md": "[[Old]]\n"},
    )
    init_repo(root)
    git(root, "checkout", "-q", "-b", "theirs")
    (root / "Links.md").write_text("Intro from them\n\n[[Old]]\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "theirs")
    git(root, "checkout", "-q", "main")
    (root / "Links.md").write_text("Intro from us\n\n[[Old]]\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "ours")
    merge = subprocess.run(
        ["git", "merge", "-q", "theirs"], cwd=root, capture_output=True, timeout=30, check=False
    )
    assert merge.returncode != 0
    conflicted = (root / "Links.md").read_bytes()
    assert b"<<<<<<< " in conflicted
    h = Harness(root)
    os.rename(root / "Old.md", root / "New.md")
    said = h.handle("Old.md", "New.md")
    said += h.handle("Links.md")
    assert (root / "Links.md").read_bytes() == conflicted
    assert h.text("Other.md") == "[[New]]\n"
    told = [line for line in said if "conflict markers" in line]
    assert told == ["Links.md has git conflict markers; not written until they are resolved"]


def test_39_a_setext_underline_is_not_a_conflict_marker(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path / "v", {"Old.md": "# Old\n", "Links.md": "Title\n=======\n\n[[Old]]\n"}
    )
    h = Harness(root)
    os.rename(root / "Old.md", root / "New.md")
    h.handle("Old.md", "New.md")
    assert h.text("Links.md") == "Title\n=======\n\n[[New]]\n"


# -- 40: no loop on its own writes, with the real observer ------------------------------------
@pytest.mark.timeout(60)
def test_40_after_one_rename_exactly_the_intended_writes_then_none(tmp_path: Path) -> None:
    root = fast_vault(
        tmp_path / "v", {"Old.md": "# Old\n", "A.md": "[[Old]]\n", "B.md": "[[Old|b]]\n"}
    )
    with watching(root) as run:
        os.rename(root / "Old.md", root / "New.md")
        wait_for(lambda: run.count("rewrote ") == 2, what="two rewrites")
        run.settle()
        snapshot = read_vault(root)
        batches = run.engine.batches
        run.loop.events.put(RESCAN)  # a reconciliation pass too
        wait_for(lambda: run.engine.batches > batches, what="the rescan")
        run.settle()
        assert run.count("rewrote ") == 2
        assert read_vault(root) == snapshot


def test_38_links_a_checkout_brings_back_are_not_rewritten(tmp_path: Path) -> None:
    """Found by the soak: a checkout restores `B/X.md` and a note saying `[[B/X]]` in one
    batch. Planned against the names before the checkout, `[[B/X]]` opened `A/X.md` (same
    name), so the watcher "repaired" it to `[[A/X]]`; links a batch brings are now left alone."""
    root = make_vault(
        tmp_path / "v",
        {"A/X.md": "# A\n", "B/X r1.md": "# B\n", "S.md": "[[X r1]] and [[A/X]]\n"},
    )
    h = Harness(root)
    os.rename(root / "B/X r1.md", root / "B/X.md")  # what the checkout does, all at once
    (root / "S.md").write_text("[[B/X]] and [[A/X]]\n", encoding="utf-8")
    h.age("S.md", 3600)
    said = h.handle("B/X r1.md", "B/X.md", "S.md")
    assert "noticed a rename: B/X r1.md -> B/X.md" in said
    assert h.writes == []
    assert h.text("S.md") == "[[B/X]] and [[A/X]]\n"


def test_38_a_link_written_just_before_a_rename_in_the_same_batch_follows_it(
    tmp_path: Path,
) -> None:
    """Found by the soak: a link to `R/P` added a moment before `R/P.md` was moved landed in
    the rename's batch and was taken for a link written for the new names, though it opens
    nothing now. Only links of the batch that open a note are left alone."""
    root = make_vault(tmp_path / "v", {"R/P.md": "# P\n", "S.md": "start\n", "Q/x.md": ""})
    h = Harness(root)
    (root / "S.md").write_text("start\n[[R/P]]\n", encoding="utf-8")
    os.rename(root / "R/P.md", root / "Q/P r1.md")
    h.age("S.md", 3600)
    said = h.handle("R/P.md", "Q/P r1.md", "S.md")
    assert "noticed a rename: R/P.md -> Q/P r1.md" in said
    assert h.text("S.md") == "start\n[[P r1]]\n"
