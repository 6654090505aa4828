"""VaultIndex: name lookup, aliases, resolution through the index, backlinks."""

from __future__ import annotations

import unicodedata

import pytest

from vaultpartner.index import FileEntry, VaultIndex, counts_as_backlink_source
from vaultpartner.note import parse_note
from vaultpartner.resolve import Resolution

REPORT_FM = "---\ngenerated_by: vaultpartner\nvaultpartner: report\n---\n"


def build(files: dict[str, str | None]) -> VaultIndex:
    """files: path -> note text, or None for an attachment."""
    entries = [FileEntry(path, len(text or "")) for path, text in files.items()]
    notes = [parse_note(path, text.encode()) for path, text in files.items() if text is not None]
    return VaultIndex.build(entries, notes)


def sources(index: VaultIndex, target: str) -> list[tuple[str, str]]:
    return [(b.source, b.link.raw) for b in index.backlinks(target)]


def test_backlinks_from_body_and_frontmatter() -> None:
    index = build(
        {
            "HR/Рекрутинг.md": "# Этапы\n",
            "Index.md": '---\nrelated: "[[Рекрутинг]]"\n---\nSee [[рекрутинг#Этапы|этапы]].\n',
            "Other.md": "![[HR/Рекрутинг]] and [x](HR/%D0%A0%D0%B5%D0%BA%D1%80%D1%83%D1%82%D0%B8%D0%BD%D0%B3.md)",
            "Unrelated.md": "[[Missing]]",
        }
    )
    found = index.backlinks("HR/Рекрутинг.md")
    assert [(b.source, b.link.place, b.link.raw) for b in found] == [
        ("Index.md", "frontmatter", "[[Рекрутинг]]"),
        ("Index.md", "body", "[[рекрутинг#Этапы|этапы]]"),
        ("Other.md", "body", "![[HR/Рекрутинг]]"),
        ("Other.md", "body", "[x](HR/%D0%A0%D0%B5%D0%BA%D1%80%D1%83%D1%82%D0%B8%D0%BD%D0%B3.md)"),
    ]
    assert found[0].link.key == "related"
    assert index.has_backlinks_from_others("HR/Рекрутинг.md")
    assert index.backlinks("Unrelated.md") == []


def test_backlinks_follow_resolution_not_name() -> None:
    """Two notes share a name: each link counts for the one file it resolves to."""
    index = build(
        {
            "HR/Note.md": "",
            "Архив/Note.md": "",
            "HR/План.md": "[[Note]]",
            "Архив/План.md": "[[Note]]",
            "Index.md": "[[Note]] [[Архив/Note]]",
        }
    )
    assert sources(index, "HR/Note.md") == [("HR/План.md", "[[Note]]"), ("Index.md", "[[Note]]")]
    assert sources(index, "Архив/Note.md") == [
        ("Index.md", "[[Архив/Note]]"),
        ("Архив/План.md", "[[Note]]"),
    ]


def test_links_in_comments_are_not_counted() -> None:
    index = build({"Target.md": "", "Source.md": "%%[[Target]]%%\n\n%%\n[[Target]]\n%%\n"})
    assert all(link.in_comment for link in index.notes["Source.md"].links)
    assert len(index.notes["Source.md"].links) == 2
    assert list(index.counted_links("Source.md")) == []
    assert index.backlinks("Target.md") == []
    assert not index.has_backlinks_from_others("Target.md")


def test_links_in_code_are_not_backlinks() -> None:
    index = build(
        {"Target.md": "", "Source.md": "`[[Target]]`\n\n```\n[[Target]]\n```\n$[[Target]]$"}
    )
    assert index.backlinks("Target.md") == []


def test_self_links() -> None:
    index = build({"Me.md": "# H\n\n[[#H]] and [[#^blk]]\n\nPara ^blk\n", "Other.md": "[[#H]]"})
    assert sources(index, "Me.md") == [("Me.md", "[[#H]]"), ("Me.md", "[[#^blk]]")]
    assert sources(index, "Other.md") == [("Other.md", "[[#H]]")]
    assert not index.has_backlinks_from_others("Me.md")
    assert index.resolve("", "Me.md") == Resolution("resolved", "Me.md")


def test_self_links_are_not_duplicated_by_a_named_self_link() -> None:
    index = build({"Me.md": "# H\n[[Me]] [[#H]] [[Me#H]]\n"})
    assert sources(index, "Me.md") == [
        ("Me.md", "[[Me]]"),
        ("Me.md", "[[#H]]"),
        ("Me.md", "[[Me#H]]"),
    ]


def test_self_links_of_an_attachment_do_not_exist() -> None:
    index = build({"img.png": None, "Note.md": "[[#H]]"})
    assert index.backlinks("img.png") == []


def test_report_notes_are_not_backlink_sources() -> None:
    index = build(
        {
            "Target.md": "",
            "Report.md": REPORT_FM + "[[Target]]\n",
            "Human.md": "[[Target]] [[Report]]\n",
            "Almost.md": "---\ngenerated_by: vaultpartner\n---\n[[Target]]\n",
        }
    )
    assert counts_as_backlink_source(index.notes["Human.md"])
    assert not counts_as_backlink_source(index.notes["Report.md"])
    assert counts_as_backlink_source(index.notes["Almost.md"])
    assert sources(index, "Target.md") == [("Almost.md", "[[Target]]"), ("Human.md", "[[Target]]")]
    # a report is itself a normal target
    assert sources(index, "Report.md") == [("Human.md", "[[Report]]")]
    # the report's links still resolve; they just do not count as backlinks
    assert index.resolve("Target", "Report.md") == Resolution("resolved", "Target.md")


def test_report_note_self_link_is_not_a_backlink() -> None:
    index = build({"Report.md": REPORT_FM + "# H\n[[#H]]\n"})
    assert index.backlinks("Report.md") == []


def test_alias_lookup_is_case_insensitive_and_nfc() -> None:
    index = build(
        {
            "Artificial Intelligence.md": "---\naliases: [AI, Искусственный интеллект]\n---\n",
            "Ёлка.md": "---\naliases: Новогодняя ёлка\n---\n",
            "Other.md": "---\naliases:\n  - ai\n  - Café\n---\n",
            "Plain.md": "",
        }
    )
    assert index.alias_holders("ai") == ("Artificial Intelligence.md", "Other.md")
    assert index.alias_holders("AI") == index.alias_holders("ai")
    assert index.alias_holders("ИСКУССТВЕННЫЙ ИНТЕЛЛЕКТ") == ("Artificial Intelligence.md",)
    assert index.alias_holders("новогодняя ЁЛКА") == ("Ёлка.md",)
    assert index.alias_holders(unicodedata.normalize("NFD", "CAFÉ")) == ("Other.md",)
    assert index.alias_holders("Plain") == ()
    # aliases never resolve links (spec 5 case 43)
    assert index.resolve("AI", "Plain.md").status == "missing"


def test_aliases_follow_note_changes() -> None:
    index = build({"A.md": "---\naliases: [X]\n---\n"})
    changed = index.updated(
        files=[FileEntry("A.md", 1)], notes=[parse_note("A.md", b"---\naliases: [Y]\n---\n")]
    )
    assert changed.alias_holders("x") == ()
    assert changed.alias_holders("y") == ("A.md",)
    assert index.alias_holders("x") == ("A.md",)  # the old index is untouched
    assert changed.updated(removed=["A.md"]).alias_holders("y") == ()


def test_paths_named() -> None:
    index = build(
        {
            "HR/Рекрутинг.md": "",
            "Архив/рекрутинг.md": "",
            "img/Diagram.PNG": None,
            "Diagram.png": None,
            "Note.md.md": "",
        }
    )
    assert index.paths_named("РЕКРУТИНГ.MD") == ("HR/Рекрутинг.md", "Архив/рекрутинг.md")
    assert index.paths_named("diagram.png") == ("img/Diagram.PNG", "Diagram.png")
    assert index.paths_named("Рекрутинг") == ()  # the name includes the extension
    assert index.paths_named("note.md.md") == ("Note.md.md",)
    assert index.paths_named(unicodedata.normalize("NFD", "Café.md")) == ()
    assert set(index.all_names()) == {"рекрутинг.md", "diagram.png", "note.md.md"}
    removed = index.updated(removed=["Diagram.png"])
    assert removed.paths_named("diagram.png") == ("img/Diagram.PNG",)
    assert index.paths_named("diagram.png") == ("img/Diagram.PNG", "Diagram.png")


def test_paths_named_keeps_the_order_files_were_added() -> None:
    index = build({"b/x.md": "", "a/x.md": ""})
    assert index.paths_named("x.md") == ("b/x.md", "a/x.md")
    assert index.updated(files=[FileEntry("c/X.md", 0)]).paths_named("x.md") == (
        "b/x.md",
        "a/x.md",
        "c/X.md",
    )


def test_resolution_uses_spec_rules_through_the_index() -> None:
    index = build(
        {
            "HR/Рекрутинг.md": "",
            "Архив/Рекрутинг.md": "",
            "HR/План.md": "",
            "Архив/2023/Отчёт.md": "",
            "Index.md": "",
            "img/Diagram.png": None,
        }
    )
    assert index.resolve("Рекрутинг", "HR/План.md").path == "HR/Рекрутинг.md"
    assert index.resolve("Рекрутинг", "Index.md").path == "HR/Рекрутинг.md"
    assert index.resolve("Рекрутинг", "Архив/2023/Отчёт.md").path == "HR/Рекрутинг.md"
    assert index.resolve("архив/рекрутинг", "HR/План.md").path == "Архив/Рекрутинг.md"
    assert index.resolve("Diagram", "Index.md").status == "missing"
    assert index.resolve("Diagram.png", "Index.md").path == "img/Diagram.png"
    # the memo is keyed by source folder: another note in the same folder gets the same answer
    assert index.resolve("Рекрутинг", "Архив/x.md").path == "Архив/Рекрутинг.md"
    assert index.resolve("Рекрутинг", "Архив/y.md").path == "Архив/Рекрутинг.md"


def test_updated_drops_stale_resolutions() -> None:
    index = build({"A/Note.md": "", "Index.md": "[[Note]]"})
    assert index.resolve("Note", "Index.md").path == "A/Note.md"
    with_root = index.updated(files=[FileEntry("Note.md", 0)], notes=[parse_note("Note.md", b"")])
    assert with_root.resolve("Note", "Index.md").path == "Note.md"
    assert index.resolve("Note", "Index.md").path == "A/Note.md"
    assert sources(with_root, "Note.md") == [("Index.md", "[[Note]]")]
    assert sources(with_root, "A/Note.md") == []
    gone = with_root.updated(removed=["Note.md", "A/Note.md"])
    assert gone.resolve("Note", "Index.md").status == "missing"
    assert sources(gone, "A/Note.md") == []


def test_note_without_file_entry_is_refused() -> None:
    with pytest.raises(ValueError, match="no FileEntry"):
        VaultIndex.build([], [parse_note("A.md", b"")])


def test_index_mappings_are_read_only() -> None:
    index = build({"A.md": ""})
    with pytest.raises(TypeError):
        index.files["B.md"] = FileEntry("B.md", 0)  # type: ignore[index]
    with pytest.raises(TypeError):
        index.notes["A.md"] = parse_note("A.md", b"x")  # type: ignore[index]
