"""Applier and the rename planner: edge cases the golden vaults do not reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_vault, read_vault

from vaultpartner.apply import Applier, diffs
from vaultpartner.digest import content_hash
from vaultpartner.errors import VaultPartnerError
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.journal import JournalEntry
from vaultpartner.linkformat import link_path_for
from vaultpartner.links import plan_rename_links
from vaultpartner.moving import moved_index, plan_move
from vaultpartner.note import parse_note
from vaultpartner.paths import is_markdown
from vaultpartner.plan import FileMove, Plan
from vaultpartner.vaultfs import load_vault


def index_of(files: dict[str, str]) -> VaultIndex:
    entries = [FileEntry(path, len(text)) for path, text in files.items()]
    notes = [parse_note(p, t.encode()) for p, t in files.items() if is_markdown(p)]
    return VaultIndex.build(entries, notes)


def test_shortest_writes_the_full_path_for_a_same_folder_file_whose_name_is_not_unique() -> None:
    # spec 2.7: the bare name only when getLinkpathDest returns exactly this one file.
    index = index_of({"HR/Note.md": "", "Архив/Note.md": "", "HR/x.md": "", "Root.md": ""})
    assert link_path_for(index, "HR/Note.md", "HR/x.md") == "HR/Note"
    index = index_of({"Note.md": "", "HR/Note.md": "", "HR/x.md": ""})
    assert link_path_for(index, "Note.md", "HR/x.md") == "Note"  # the vault root wins
    assert link_path_for(index, "HR/Note.md", "HR/x.md") == "HR/Note"


def test_frontmatter_link_in_single_quotes_is_escaped_for_yaml() -> None:
    files = {"Old.md": "", "Src.md": "---\nrel: '[[Old]]' # c\n---\n"}
    index = index_of(files)
    plan, _changes, _skipped = plan_move(
        index, "Old.md", "O'Brien.md", link_format="shortest", writable=lambda p: True
    )
    (edit,) = plan.edits
    assert [(e.old, e.new) for e in edit.edits] == [("[[Old]]", "[[O''Brien]]")]


def test_a_file_no_link_can_open_is_reported_not_rewritten() -> None:
    files = {"Old.md": "", "Src.md": "[[Old]]\n"}
    index = index_of(files)
    plan, changes, skipped = plan_move(
        index, "Old.md", "Old", link_format="shortest", writable=lambda p: True
    )
    assert changes == []
    assert [s.reason for s in skipped] == ["no link text opens Old"]
    assert plan.notices == ["Src.md:1: [[Old]] not rewritten: no link text opens Old"]


def test_planning_with_the_same_index_and_no_renames_is_empty() -> None:
    index = index_of({"A.md": "[[B]] [x](B.md)", "B.md": "[[A]]"})
    assert plan_rename_links(index, moved_index(index, {}), {}, link_format="relative") == (
        [],
        [],
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("A", "A/B", "into itself"),
        ("A/x.md", "B", "already exists"),
        ("A/x.md", "C.md/x.md", "is a file"),
        ("A", "B", "already exists"),
    ],
)
def test_moves_that_cannot_work_are_refused_before_anything_happens(
    old: str, new: str, message: str
) -> None:
    index = index_of({"A/x.md": "", "B/y.md": "", "C.md": ""})
    with pytest.raises(VaultPartnerError, match=message):
        plan_move(index, old, new, link_format="shortest", writable=lambda p: True)


def test_dry_run_diff_of_a_moved_note_reads_it_at_its_old_place(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"A/x.md": "[[../Index]]\n", "Index.md": "i\n"})
    index = load_vault(vault, max_bytes=10**6).index
    plan, _c, _s = plan_move(index, "A/x.md", "B/C/x.md", link_format="relative", writable=bool)
    text = "".join(diffs(vault, plan))
    assert "+[[../../Index]]" in text
    assert "cannot read" not in text


def test_edits_are_not_made_when_the_move_fails(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": "o\n", "Src.md": "[[Old]]\n"})
    index = load_vault(vault, max_bytes=10**6).index
    plan, _c, _s = plan_move(index, "Old.md", "New.md", link_format="shortest", writable=bool)
    (vault / "Old.md").write_bytes(b"changed by the user\n")  # the move's hash check fails
    with Applier(vault, tmp_path / "state", command="t") as applier:
        report = applier.apply(plan)
    assert [(o.path, o.status) for o in report.outcomes] == [
        ("New.md", "conflict"),
        ("Src.md", "skipped"),
    ]
    assert read_vault(vault) == {"Old.md": b"changed by the user\n", "Src.md": b"[[Old]]\n"}


def test_undo_of_an_interrupted_run_skips_changes_that_never_happened(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": "o\n", "Src.md": "[[Old]]\n"})
    state = tmp_path / "state"
    with Applier(vault, state, command="mv") as applier:
        # What a run killed right after journalling (before any change) leaves behind.
        run = applier.journal.start_run("mv Old.md New.md")
        h = content_hash(b"o\n")
        run.record(JournalEntry("move", "New.md", "Old.md", h, h, "moved"), None)
        src = content_hash(b"[[Old]]\n")
        run.record(
            JournalEntry("write", "Src.md", None, src, content_hash(b"[[New]]\n"), "r"),
            b"[[Old]]\n",
        )
        record = applier.journal.get(run.run_id)
        report = applier.undo(record)
    assert [(o.path, o.status) for o in report.outcomes] == [
        ("Src.md", "unchanged"),
        ("New.md", "unchanged"),
    ]
    assert not report.failed
    assert read_vault(vault) == {"Old.md": b"o\n", "Src.md": b"[[Old]]\n"}


def test_moving_a_folder_plan_has_one_move(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"A/x.md": "[[y]]", "A/y.md": "", "R.md": "[[A/x]]"})
    index = load_vault(vault, max_bytes=10**6).index
    plan, _c, _s = plan_move(index, "A", "Z/A2", link_format="absolute", writable=bool)
    assert plan.moves == [FileMove("A", "Z/A2", None, "moved A/ -> Z/A2/")]
    with Applier(vault, tmp_path / "state", command="t") as applier:
        report = applier.apply(plan)
    assert not report.failed
    assert read_vault(vault) == {"Z/A2/x.md": b"[[y]]", "Z/A2/y.md": b"", "R.md": b"[[Z/A2/x]]"}
    assert isinstance(plan, Plan)
