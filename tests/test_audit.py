"""Audit checks that the golden vaults do not cover on their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_vault

from vaultpartner.audit import AuditOptions, conflict_original, run_audit
from vaultpartner.findings import SEVERITY, Finding
from vaultpartner.headings import find_heading
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.messages import message, message_codes
from vaultpartner.note import Note, Unreadable
from vaultpartner.vaultfs import load_vault


def audit(root: Path, **options: object) -> list[Finding]:
    vault = load_vault(root, max_bytes=1 << 20)
    return list(run_audit(vault.index, AuditOptions(**options), symlink_loops=vault.loops).findings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a/Note.sync-conflict-20260101-120000-ABCDEFG.md", ("a/Note.md", "Syncthing")),
        ("Note (Conflicted copy Laptop 202601011200).md", ("Note.md", "Obsidian Sync")),
        ("img/pic (Anna's conflicted copy 2026-01-01).png", ("img/pic.png", "Dropbox")),
        ("Note (Case Conflict).md", ("Note.md", "Dropbox")),
        ("Note.md", None),
    ],
)
def test_conflict_original(path: str, expected: tuple[str, str] | None) -> None:
    assert conflict_original(path) == expected


def test_conflict_copy_without_original(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"Gone (Conflicted copy X 1).md": "x\n"})
    [finding] = audit(root, orphans=False)
    assert finding.code == "sync-conflict"
    assert "Gone.md no longer exists" in finding.message


def test_templates_and_conflict_copies_are_never_suggested(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path / "v",
        {
            "A.md": "[[Recruiter]] [[Recruitng]]\n",
            "Templates/Recruiters.md": "x\n",
            "Recruiting.sync-conflict-20260101-120000-ABCDEFG.md": "x\n",
        },
    )
    findings = audit(root, orphans=False, template_folders=("Templates",))
    broken = [f for f in findings if f.code == "broken-link"]
    assert [(f.target, f.severity, f.suggestions) for f in broken] == [
        ("[[Recruiter]]", "warning", ()),
        ("[[Recruitng]]", "warning", ()),
    ]


def test_heading_suggestions_are_links_that_resolve(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path / "v",
        {
            "A.md": "![[B#Step: one|x]] [[B#Stepz]]\n",
            "B.md": "# Steps\n\n## Step: one|two\n\ntext\n",
        },
    )
    findings = [f for f in audit(root, orphans=False) if f.code == "broken-heading"]
    # "#Step: one" is not the heading "Step: one|two"; the suggestion drops the "|" that a
    # wikilink cannot carry, keeps the embed and display text, and finds the heading.
    assert [(f.target, f.suggestions) for f in findings] == [
        ("![[B#Step: one|x]]", ("![[B#Step: one two|x]]",)),
        ("[[B#Stepz]]", ("[[B#Steps]]",)),
    ]
    index = load_vault(root, max_bytes=1 << 20).index
    heading = find_heading(index.notes["B.md"].headings, "#Step: one two")
    assert heading is not None
    assert heading.text == "Step: one|two"


def test_unreadable_messages_say_what_to_do() -> None:
    cases = {
        Unreadable("not valid UTF-8 at byte 3", 3): "re-save it as UTF-8",
        Unreadable("contains a NUL byte at byte 9; the file looks damaged", 9): "backup",
        Unreadable("larger than max_note_bytes (10 bytes); not read", None): "raise",
        Unreadable("cloud placeholder, not downloaded; not read", None): "download",
        Unreadable("permission denied", None): "permissions",
    }
    for problem, advice in cases.items():
        note = Note(path="N.md", size=1, content_hash="", unreadable=problem)
        index = VaultIndex.build([FileEntry("N.md", 1)], [note])
        [finding] = run_audit(index, AuditOptions(orphans=False)).findings
        assert finding.code == "unreadable-file"
        assert finding.offset == problem.offset
        assert advice in finding.message


def test_symlink_loop_is_reported(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", {"A.md": "x\n"})
    (root / "loop").symlink_to(root, target_is_directory=True)
    findings = audit(root, orphans=False)
    assert [(f.code, f.path, f.severity) for f in findings] == [("symlink-loop", "loop", "warning")]


def test_every_message_exists_in_both_languages_with_the_same_fields() -> None:
    import string

    from vaultpartner import messages

    for code in message_codes():
        texts = messages._MESSAGES[code]
        assert set(texts) == {"en", "ru"}
        fields = [
            {name for _, name, _, _ in string.Formatter().parse(texts[lang]) if name}
            for lang in ("en", "ru")
        ]
        assert fields[0] == fields[1], code
        assert ";" in texts["en"] or "—" in texts["en"], f"{code}: say what to do"


def test_every_severity_code_has_a_message() -> None:
    for code in SEVERITY:
        assert message(code, "en", **dict.fromkeys(_fields(code), "x"))


def _fields(code: str) -> set[str]:
    import string

    from vaultpartner import messages

    text = messages._MESSAGES[code]["en"]
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
