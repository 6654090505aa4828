"""Reliability catalogue, section D: sync artefacts and conflicts (cases 42-47).

Notes on applicability:
- 44, iCloud's `name 2.md`: " 2" is also how vaultpartner (and people) name a second note
  with the same title, so the name alone is not enough: `Note 2.md` beside `Note.md` is a
  *possible* conflict copy when its content is the same, or it has the same properties and
  headings and mostly the same links (`vaultpartner.numbered_copies`). It is then reported and the watcher writes to
  neither; otherwise it is an ordinary note. Obsidian Sync's "(Conflicted copy …)" naming is
  a conflict copy by its name alone.
- 46 is two devices with one writer: vaultpartner's answer is `watch --report-only` on the
  passive device (tests/test_watcher.py::test_report_only_writes_nothing).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_followups import CASES, run
from test_watcher import LINKS, OLD_BODY, OTHER, Harness

from tests.conftest import make_vault, read_vault
from vaultpartner.cli import main
from vaultpartner.digest import content_hash
from vaultpartner.writer import SafeWriter

CONFLICT_COPIES = [
    "Links.sync-conflict-20260101-120000-ABCDEFG.md",  # Syncthing
    "Links (Anna's conflicted copy 2026-01-01).md",  # Dropbox
    "Links (Case Conflict).md",  # Dropbox
    "Links (Unicode Encoding Conflict).md",  # Dropbox
    "Links (Conflicted copy 2026-01-01 120000).md",  # Obsidian Sync
]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path / "vault",
        {"Old.md": OLD_BODY, "Links.md": LINKS, "Sub/Other.md": OTHER, "Plain.md": "No links.\n"},
    )


# -- 42 / 43 / 44: conflict copies ------------------------------------------------------------
@pytest.mark.parametrize("copy", CONFLICT_COPIES)
def test_42_43_44_conflict_copy_is_never_touched_and_pauses_its_note(
    vault: Path, copy: str
) -> None:
    h = Harness(vault)
    theirs = LINKS.replace("Some", "Their") + "their line\n"
    (vault / copy).write_text(theirs, encoding="utf-8")
    h.handle(copy)
    os.rename(vault / "Old.md", vault / "New.md")
    said = h.handle("Old.md", "New.md")
    assert (vault / copy).read_text("utf-8") == theirs  # not edited, not deleted
    assert h.text("Links.md") == LINKS  # writes to the original wait for the user
    assert h.text("Sub/Other.md") == "Also [[New]].\n"
    assert any(line.startswith("Links.md:") and "not writable" in line for line in said)
    # the user resolves the conflict by deleting the copy: Links.md may be written again
    # (its skipped links were reported; `vaultpartner fix` repairs them)
    (vault / copy).unlink()
    h.handle(copy)
    assert h.engine._writable("Links.md")


@pytest.mark.parametrize("copy", [*CONFLICT_COPIES, "Old 2.md"])
def test_42_43_44_a_copy_of_a_vanished_note_is_no_rename_target(vault: Path, copy: str) -> None:
    copy = copy.replace("Links", "Old")
    h = Harness(vault)
    shutil.copy(vault / "Old.md", vault / copy)
    h.handle(copy)
    said = h.handle("Old.md")  # Old.md is still there: nothing happens
    assert said == []
    assert (vault / copy).read_text("utf-8") == OLD_BODY
    assert h.writes == []


@pytest.mark.parametrize(
    "copy",
    [
        LINKS,  # the same bytes
        LINKS.replace("See [[Old]]", "Seen [[Old]]") + "\nmore from the other device\n",
    ],
)
def test_44_icloud_numbered_copy_is_a_possible_conflict_copy(vault: Path, copy: str) -> None:
    """`Links 2.md` beside `Links.md` with the same bytes, or the same properties and headings
    and mostly the same links: reported as a possible conflict copy, neither note written."""
    h = Harness(vault)
    (vault / "Links 2.md").write_text(copy, encoding="utf-8")
    h.age("Links 2.md", 3600)
    h.handle("Links 2.md")
    os.rename(vault / "Old.md", vault / "New.md")
    h.handle("Old.md", "New.md")
    assert h.text("Links.md") == LINKS
    assert h.text("Links 2.md") == copy
    assert "[[New]]" in h.text("Sub/Other.md")  # other notes are written as usual
    result = CliRunner().invoke(main, ["audit", str(vault), "--format", "json"])
    findings = json.loads(result.output)["findings"]
    possible = [f for f in findings if f["code"] == "sync-conflict" and f["path"] == "Links 2.md"]
    assert len(possible) == 1
    assert "possibly a conflict copy of Links.md" in possible[0]["message"]
    # the user resolves it by deleting one: Links.md may be written again (its skipped
    # links were reported; `vaultpartner fix` repairs them), as for named conflict copies
    (vault / "Links 2.md").unlink()
    h.handle("Links 2.md")
    assert h.engine._writable("Links.md")


def test_44_a_numbered_note_of_its_own_is_an_ordinary_note(vault: Path) -> None:
    """ " 2" is also how people (and vaultpartner) name a second note with the same title:
    with other content it is a note like any other, and its links follow renames."""
    h = Harness(vault)
    (vault / "Links 2.md").write_text("# Second meeting\n\nSee [[Old]].\n", encoding="utf-8")
    h.age("Links 2.md", 3600)
    h.handle("Links 2.md")
    os.rename(vault / "Old.md", vault / "New.md")
    h.handle("Old.md", "New.md")
    assert h.text("Links 2.md") == "# Second meeting\n\nSee [[New]].\n"
    assert "[[New]]" in h.text("Links.md")


# -- 45: sync clients' temp files and folders -------------------------------------------------
@pytest.mark.parametrize("temp", ["~syncthing~Links.md.tmp", ".syncthing.Links.md.tmp"])
def test_45_a_sync_download_in_progress_pauses_every_write(vault: Path, temp: str) -> None:
    h = Harness(vault)
    (vault / temp).write_bytes(b"partial")
    h.handle(temp)
    os.rename(vault / "Old.md", vault / "New.md")
    said = h.handle("Old.md", "New.md")
    assert h.text("Links.md") == LINKS
    assert any("a sync client is at work" in line for line in said)
    assert temp not in h.engine.index.files
    (vault / temp).unlink()
    h.handle(temp)
    assert "[[New]]" in h.text("Links.md")


def test_45_sync_tool_folders_are_never_indexed_or_written(vault: Path) -> None:
    for folder in (".stversions", ".dropbox.cache", ".trash"):
        make_vault(vault / folder, {"Links~20260101-120000.md": LINKS})
    before = {p: d for p, d in read_vault(vault).items() if p.startswith(".")}
    h = Harness(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    h.handle("Old.md", "New.md", ".stversions/Links~20260101-120000.md")
    assert not any(path.startswith(".") for path in h.engine.index.files)
    after = {p: d for p, d in read_vault(vault).items() if p.startswith(".")}
    assert after == before


# -- 47: a generated follow-up already arrived from another device ----------------------------
def test_47_followup_from_another_device_is_neither_overwritten_nor_duplicated(
    tmp_path: Path,
) -> None:
    first = make_vault(tmp_path / "laptop", CASES["cadence-ru"])
    run(first, tmp_path / "laptop-state")
    made = sorted(p.name for p in (first / "Follow-ups").iterdir() if p.name != "Digest.md")
    assert made
    second = make_vault(tmp_path / "phone", CASES["cadence-ru"])
    synced = {}
    for name in made:  # arrives by sync, and the user already edited it on the laptop
        text = (first / "Follow-ups" / name).read_text("utf-8") + "\nмоя заметка\n"
        (second / "Follow-ups").mkdir(exist_ok=True)
        (second / "Follow-ups" / name).write_text(text, encoding="utf-8")
        synced[name] = text
    run(second, tmp_path / "phone-state")
    run(second, tmp_path / "phone-state", dt.date(2026, 11, 27))
    for name, text in synced.items():
        assert (second / "Follow-ups" / name).read_text("utf-8") == text
    names = sorted(p.name for p in (second / "Follow-ups").iterdir() if p.name != "Digest.md")
    assert names == made  # no "… 2.md" duplicate for the same recruiter


# -- 42 (writer side): no command ever edits a conflict copy ----------------------------------
def test_42_the_writer_refuses_to_edit_or_delete_a_conflict_copy(vault: Path) -> None:
    copy = vault / CONFLICT_COPIES[0]
    copy.write_text(LINKS, encoding="utf-8")
    writer = SafeWriter(vault)
    digest = content_hash(copy.read_bytes())
    assert writer.write(copy.name, b"x\n", expected_hash=digest).status == "refused"
    assert writer.delete(copy.name, expected_hash=digest).status == "refused"
    assert copy.read_text("utf-8") == LINKS


def test_42_fix_after_a_rename_leaves_conflict_copies_alone(vault: Path) -> None:
    state = vault.parent / "state"
    runner = CliRunner()
    assert runner.invoke(main, ["--state-dir", str(state), "fix", str(vault)]).exit_code == 0
    copy = vault / CONFLICT_COPIES[0]
    copy.write_text(LINKS, encoding="utf-8")
    os.rename(vault / "Old.md", vault / "New.md")
    runner.invoke(main, ["--state-dir", str(state), "fix", str(vault)])
    assert copy.read_text("utf-8") == LINKS
    assert (vault / "Sub/Other.md").read_text("utf-8") == "Also [[New]].\n"
