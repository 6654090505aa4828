"""`vaultpartner fix`: renames outside Obsidian, alias links, spelling drift, renamed headings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import make_vault, read_vault

from vaultpartner.cli import main
from vaultpartner.fixing import detect_renames, heading_change
from vaultpartner.snapshot import FileRecord, Snapshot


def invoke(*args: str | Path, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        main, [str(arg) for arg in args], prog_name="vaultpartner", input=stdin
    )


def audit(vault: Path) -> None:
    assert invoke("audit", vault).exit_code in (0, 1)


def fix(vault: Path, *extra: str, stdin: str | None = None) -> Result:
    return invoke("fix", vault, *extra, stdin=stdin)


OLD = "# Old\n\n## H\n\ntext\n"
LINKS = (
    '---\nrelated: "[[Old]]"\n---\n'
    "[[Old]] and [[Old|x]] and ![[Old#H]] and [t](Old.md)\n"
    "`[[Old]]` stays\n"
)
LINKS_FIXED = (
    '---\nrelated: "[[New]]"\n---\n'
    "[[New]] and [[New|x]] and ![[New#H]] and [t](New.md)\n"
    "`[[Old]]` stays\n"
)


def test_rename_by_file_manager_after_audit_is_fixed_exactly(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": LINKS})
    audit(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    result = fix(vault)
    assert result.exit_code == 0, result.output
    assert read_vault(vault)["A.md"] == LINKS_FIXED.encode()
    assert "A.md:2: [[Old]] -> [[New]] (Old.md was renamed to New.md outside Obsidian)" in (
        result.stdout
    )
    assert "A.md:4: [t](Old.md) -> [t](New.md)" in result.stdout
    assert "run " in result.stdout
    again = fix(vault)  # idempotent
    assert again.exit_code == 0, again.output
    assert "no link needed fixing" in again.stdout
    assert read_vault(vault)["A.md"] == LINKS_FIXED.encode()


def test_a_rename_after_a_rewrite_the_snapshot_missed_is_fixed(tmp_path: Path) -> None:
    """Soak finding: the watcher rewrote a link inside Old.md and was killed before saving its
    snapshot; Old.md was renamed while it was down. The journal knows the rewrite, so the
    renamed note still matches what the snapshot had."""
    from vaultpartner.apply import Applier
    from vaultpartner.digest import content_hash
    from vaultpartner.edits import Edit
    from vaultpartner.plan import FileEdit, Plan
    from vaultpartner.state import ensure_vault_state_dir

    body = OLD + "See [[Other]].\n"
    vault = make_vault(tmp_path / "v", {"Old.md": body, "A.md": LINKS, "Other.md": "x\n"})
    audit(vault)
    start = body.index("[[Other]]")
    edit = Edit(start, start + len("[[Other]]"), "[[Other]]", "[[Other|o]]")
    plan = Plan(edits=[FileEdit("Old.md", content_hash(body.encode()), (edit,), "a rewrite")])
    with Applier(vault, ensure_vault_state_dir(vault), command="watch") as applier:
        assert not applier.apply(plan).failed
    os.rename(vault / "Old.md", vault / "New.md")
    result = fix(vault)
    assert result.exit_code == 0, result.output
    assert read_vault(vault)["A.md"] == LINKS_FIXED.encode()


def test_rename_noticed_by_two_audits_is_still_fixed(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": LINKS})
    audit(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    audit(vault)
    audit(vault)
    assert fix(vault).exit_code == 0
    assert read_vault(vault)["A.md"] == LINKS_FIXED.encode()


def test_folder_rename(tmp_path: Path) -> None:
    files = {
        "Люди/Анна.md": "# Анна\n",
        "Люди/Борис.md": "# Борис\n",
        "Hub.md": "[[Люди/Анна]] [[Борис]] [x](Люди/Анна.md)\n",
    }
    vault = make_vault(tmp_path / "v", files)
    audit(vault)
    os.rename(vault / "Люди", vault / "Рекрутеры")
    result = fix(vault)
    assert result.exit_code == 0, result.output
    # Борис is unique, so [[Борис]] still resolves and is not touched.
    assert read_vault(vault)["Hub.md"] == "[[Анна]] [[Борис]] [x](Анна.md)\n".encode()


def test_delete_and_create_with_same_content_is_a_rename(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": "[[Old]]\n"})
    audit(vault)
    data = (vault / "Old.md").read_bytes()
    (vault / "Old.md").unlink()
    (vault / "Notes").mkdir()
    (vault / "Notes" / "Renamed.md").write_bytes(data)
    assert fix(vault).exit_code == 0
    assert read_vault(vault)["A.md"] == b"[[Renamed]]\n"


def test_ambiguous_rename_is_listed_not_fixed(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": "[[Old]]\n"})
    audit(vault)
    os.rename(vault / "Old.md", vault / "One.md")
    (vault / "Two.md").write_text(OLD, encoding="utf-8")
    before = read_vault(vault)
    result = fix(vault)
    assert result.exit_code == 1
    assert read_vault(vault) == before
    assert "Old.md is gone and 2 new files have the same content (One.md, Two.md)" in (
        result.stderr.replace("\n", " ")
    )
    assert "not fixed: A.md:1:" in result.stdout


def test_alias_link(tmp_path: Path) -> None:
    files = {
        "Anna.md": "---\naliases: [Аня]\n---\nAnna\n",
        "A.md": "[[Аня]] ![[Аня#H]] [[Аня|she]]\n\n| a | [[Аня]] |\n|---|---|\n[x](Аня.md)\n",
    }
    vault = make_vault(tmp_path / "v", files)
    result = fix(vault)
    assert (
        read_vault(vault)["A.md"]
        == (
            "[[Anna|Аня]] ![[Anna#H|Аня]] [[Anna|she]]\n\n| a | [[Anna\\|Аня]] |\n|---|---|\n"
            "[x](Аня.md)\n"
        ).encode()
    )
    assert result.exit_code == 1  # the Markdown link is left alone and listed
    assert "not fixed: A.md:5:" in result.stdout


def test_alias_fix_can_be_turned_off(tmp_path: Path) -> None:
    files = {
        "vaultpartner.toml": "[links]\nfix_aliases = false\n",
        "Anna.md": "---\naliases: [Аня]\n---\n",
        "A.md": "[[Аня]]\n",
    }
    vault = make_vault(tmp_path / "v", files)
    assert fix(vault).exit_code == 1
    assert read_vault(vault)["A.md"] == "[[Аня]]\n".encode()


@pytest.mark.parametrize("enabled", [False, True])
def test_spelling_drift_only_when_configured(tmp_path: Path, enabled: bool) -> None:
    files = {
        "vaultpartner.toml": f"[links]\nfix_case = {str(enabled).lower()}\n",
        "Ёлка.md": "x\n",
        "Café.md": "y\n",
        "A.md": "[[Елка]] [[Cafe|c]] [[Рекрутнг]]\n",
    }
    vault = make_vault(tmp_path / "v", files)
    result = fix(vault)
    expected = "[[Ёлка]] [[Café|c]] [[Рекрутнг]]\n" if enabled else files["A.md"]
    assert read_vault(vault)["A.md"] == expected.encode()
    assert result.exit_code == 1  # [[Рекрутнг]] is only listed


HEADINGS = "# Title\n\n## Контакты\n\ntext\n\n## Other\n"


def test_renamed_heading(tmp_path: Path) -> None:
    files = {
        "Note.md": HEADINGS,
        "A.md": "[[Note#Контакты]] ![[Note#Title#Контакты|c]] [x](Note.md#Контакты) [[Note#Other]]\n",
    }
    vault = make_vault(tmp_path / "v", files)
    audit(vault)
    (vault / "Note.md").write_text(HEADINGS.replace("Контакты", "Связь и контакты"), "utf-8")
    result = fix(vault)
    assert result.exit_code == 0, result.output
    assert (
        read_vault(vault)["A.md"]
        == (
            "[[Note#Связь и контакты]] ![[Note#Title#Связь и контакты|c]] "
            "[x](Note.md#Связь%20и%20контакты) [[Note#Other]]\n"
        ).encode()
    )


def test_two_renamed_headings_are_not_fixed(tmp_path: Path) -> None:
    files = {"Note.md": HEADINGS, "A.md": "[[Note#Контакты]]\n"}
    vault = make_vault(tmp_path / "v", files)
    audit(vault)
    changed = HEADINGS.replace("Контакты", "Связь").replace("Other", "Другое")
    (vault / "Note.md").write_text(changed, "utf-8")
    result = fix(vault)
    assert result.exit_code == 1
    assert read_vault(vault)["A.md"] == "[[Note#Контакты]]\n".encode()
    assert "not fixed: A.md:1:" in result.stdout


def test_dry_run_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": LINKS})
    audit(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    before = read_vault(vault)
    result = fix(vault, "--dry-run")
    assert result.exit_code == 1
    assert read_vault(vault) == before
    assert "-[[Old]] and [[Old|x]]" in result.stdout
    assert "+[[New]] and [[New|x]]" in result.stdout
    # the dry run keeps the rename in mind: the real run still fixes it
    assert fix(vault).exit_code == 0
    assert read_vault(vault)["A.md"] == LINKS_FIXED.encode()


def test_interactive_asks_link_by_link(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": "[[Old]] [[Old|x]]\n"})
    audit(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    result = fix(vault, "--interactive", stdin="y\nn\n")
    assert result.exit_code == 1
    assert read_vault(vault)["A.md"] == b"[[New]] [[Old|x]]\n"
    assert "declined: A.md:1: [[Old|x]] -> [[New|x]]" in result.stdout


def test_undo_of_a_fix_restores_bytes(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": LINKS})
    audit(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    before = read_vault(vault)
    assert fix(vault).exit_code == 0
    assert read_vault(vault) != before
    assert invoke("undo", vault).exit_code == 0
    assert read_vault(vault) == before


def test_symlinked_notes_are_not_edited(tmp_path: Path) -> None:
    outside = make_vault(tmp_path / "outside", {"L.md": "[[Old]]\n"})
    vault = make_vault(tmp_path / "v", {"Old.md": OLD})
    (vault / "Linked").symlink_to(outside, target_is_directory=True)
    audit(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    result = fix(vault)
    assert result.exit_code == 1
    assert (outside / "L.md").read_bytes() == b"[[Old]]\n"
    assert (
        "Linked/L.md:1: [[Old]] not fixed: the note is excluded or reached through a symlink"
        in (result.stderr.replace("\n", " "))
    )


def test_without_snapshot_renames_are_not_guessed(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"New.md": OLD, "A.md": "[[Old]]\n"})
    result = fix(vault)
    assert result.exit_code == 1
    assert "no index snapshot" in result.stderr
    assert read_vault(vault)["A.md"] == b"[[Old]]\n"


def _record(path: str, identity: str, size: int = 10) -> FileRecord:
    return FileRecord(path, size, 0, identity, ())


def test_detect_renames_pairs_one_to_one_and_by_name() -> None:
    before = Snapshot(
        {p: _record(p, i) for p, i in [("a.md", "n:1"), ("F/x.md", "n:2"), ("F/y.md", "n:2")]}
    )
    now = Snapshot(
        {p: _record(p, i) for p, i in [("b.md", "n:1"), ("G/x.md", "n:2"), ("G/y.md", "n:2")]}
    )
    found = detect_renames(before, now)
    assert found.renames == {"a.md": "b.md", "F/x.md": "G/x.md", "F/y.md": "G/y.md"}
    assert found.uncertain == []
    empty_before = Snapshot({"e.md": _record("e.md", "n:0", size=0)})
    empty_now = Snapshot({"f.md": _record("f.md", "n:0", size=0)})
    assert detect_renames(empty_before, empty_now).renames == {}


def test_heading_change_needs_exactly_one_text_change() -> None:
    was = ((1, "A"), (2, "B"))
    assert heading_change(was, ((1, "A"), (2, "C"))) == 1
    assert heading_change(was, ((1, "X"), (2, "C"))) is None
    assert heading_change(was, ((1, "A"), (3, "C"))) is None
    assert heading_change(was, ((1, "A"),)) is None
    assert heading_change(was, was) is None


def test_moves_made_by_mv_are_not_renames_outside(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": "[[Old]]\n"})
    audit(vault)
    assert invoke("mv", vault, "Old.md", "New.md").exit_code == 0
    assert read_vault(vault)["A.md"] == b"[[New]]\n"
    # a link to a note "Old" not written yet is not a link to the moved note
    (vault / "B.md").write_text("[[Old]]\n", encoding="utf-8")
    result = fix(vault)
    assert result.exit_code == 1  # listed as broken, not rewritten
    assert read_vault(vault)["B.md"] == b"[[Old]]\n"


def test_rename_outside_then_mv_is_still_fixed(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "Other.md": "o\n", "A.md": "[[Old]]\n"})
    audit(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    assert invoke("mv", vault, "Other.md", "Moved.md").exit_code == 0
    assert fix(vault).exit_code == 0
    assert read_vault(vault)["A.md"] == b"[[New]]\n"


def test_renamed_heading_seen_by_audits_and_renamed_note(tmp_path: Path) -> None:
    files = {"Note.md": HEADINGS, "A.md": "[[Note#Контакты]] [[#Local]]\n\n# Local\n"}
    vault = make_vault(tmp_path / "v", files)
    audit(vault)
    (vault / "Note.md").write_text(HEADINGS.replace("Контакты", "Связь"), "utf-8")
    audit(vault)
    os.rename(vault / "Note.md", vault / "Renamed.md")
    audit(vault)
    (vault / "A.md").write_text("[[Note#Контакты]] [[#Local]]\n\n# Локально\n", "utf-8")
    result = fix(vault)
    assert result.exit_code == 0, result.output
    assert read_vault(vault)["A.md"] == "[[Renamed#Связь]] [[#Локально]]\n\n# Локально\n".encode()


def test_a_link_taken_over_by_a_same_named_note_is_repaired(tmp_path: Path) -> None:
    # [[Note]] opened the root Note.md; once that is renamed outside Obsidian, the bare link
    # silently opens a/Note.md instead. Still "resolved", but no longer the note it meant.
    vault = make_vault(
        tmp_path / "v",
        {"Note.md": "root note\n", "a/Note.md": "another\n", "Index.md": "see [[Note]]\n"},
    )
    audit(vault)
    os.rename(vault / "Note.md", vault / "Renamed.md")
    result = fix(vault)
    assert result.exit_code == 0, result.output
    assert (vault / "Index.md").read_text(encoding="utf-8") == "see [[Renamed]]\n"


def test_a_taken_over_link_in_an_edited_note_is_left_alone(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "v",
        {"Note.md": "root note\n", "a/Note.md": "another\n", "Index.md": "see [[Note]]\n"},
    )
    audit(vault)
    os.rename(vault / "Note.md", vault / "Renamed.md")
    (vault / "Index.md").write_text("see [[Note]] (edited)\n", encoding="utf-8")
    fix(vault)
    assert (vault / "Index.md").read_text(encoding="utf-8") == "see [[Note]] (edited)\n"


def test_later_identities_never_pair_one_old_note_with_two_new_ones() -> None:
    def files(*records: FileRecord) -> dict[str, FileRecord]:
        return {record.path: record for record in records}

    before = Snapshot(
        files(FileRecord("Old.md", 10, 0, "n:aaa")),
        later_identities={"Old.md": frozenset({"n:bbb"})},
    )
    now = Snapshot(files(FileRecord("X.md", 10, 0, "n:aaa"), FileRecord("Y.md", 12, 0, "n:bbb")))
    detected = detect_renames(before, now)
    assert detected.renames == {}
    assert len(detected.uncertain) == 1
    only_later = Snapshot(files(FileRecord("Y.md", 12, 0, "n:bbb")))
    assert detect_renames(before, only_later).renames == {"Old.md": "Y.md"}


def test_a_rename_while_fix_writes_hubs_is_fixed_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fix` with topic hubs saved its snapshot from a fresh load after writing the hubs: a
    note renamed by someone else meanwhile was recorded under its new name as handled, and
    its links stayed broken. The snapshot is now the run's own view plus what it wrote."""
    from vaultpartner import fixcmd

    vault = make_vault(
        tmp_path / "v",
        {
            "vaultpartner.toml": '[hubs]\nrules = [{ hub = "HR", tag = "#hr" }]\n',
            "HR.md": "# HR\n",
            "Old.md": "---\ntags: [hr]\n---\n# Old\n",
            "A.md": "[[Old]]\n",
        },
    )
    audit(vault)
    apply_hubs = fixcmd._apply_hubs

    def renamed_meanwhile(*args: object, **kwargs: object) -> object:
        report = apply_hubs(*args, **kwargs)  # type: ignore[arg-type]
        os.rename(vault / "Old.md", vault / "New.md")
        return report

    monkeypatch.setattr(fixcmd, "_apply_hubs", renamed_meanwhile)
    first = fix(vault)
    assert "[[Old]]" in read_vault(vault)["HR.md"].decode(), first.output
    monkeypatch.setattr(fixcmd, "_apply_hubs", apply_hubs)
    second = fix(vault)
    assert read_vault(vault)["A.md"] == b"[[New]]\n", second.output


def test_a_rename_fix_followed_then_undone_by_a_checkout_takes_the_links_back(
    tmp_path: Path,
) -> None:
    """Soak finding: a checkout of a commit from before a rename, right after the links were
    rewritten (and the watcher killed): the old name is back with older content, the new one
    gone. `fix` remembers the renames it followed, and takes the links back."""
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": LINKS})
    audit(vault)
    os.rename(vault / "Old.md", vault / "New.md")
    assert fix(vault).exit_code == 0
    assert read_vault(vault)["A.md"] == LINKS_FIXED.encode()
    (vault / "New.md").unlink()
    (vault / "Old.md").write_text(OLD + "older\n", encoding="utf-8")
    result = fix(vault)
    assert result.exit_code == 0, result.output
    assert read_vault(vault)["A.md"] == LINKS.encode()


def test_two_renames_fix_followed_then_undone_by_one_checkout_take_the_links_back(
    tmp_path: Path,
) -> None:
    """The same with two renames in a row: the chain Old -> Mid -> New is followed back."""
    vault = make_vault(tmp_path / "v", {"Old.md": OLD, "A.md": LINKS})
    audit(vault)
    os.rename(vault / "Old.md", vault / "Mid.md")
    assert fix(vault).exit_code == 0
    os.rename(vault / "Mid.md", vault / "New.md")
    assert fix(vault).exit_code == 0
    assert read_vault(vault)["A.md"] == LINKS_FIXED.encode()
    (vault / "New.md").unlink()
    (vault / "Old.md").write_text(OLD + "older\n", encoding="utf-8")
    result = fix(vault)
    assert result.exit_code == 0, result.output
    assert read_vault(vault)["A.md"] == LINKS.encode()
