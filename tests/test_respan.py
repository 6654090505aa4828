"""A note after `mv`'s link rewrites, derived without parsing, equals the note parsed again."""

from __future__ import annotations

from hypothesis import given, settings
from test_mv_properties import Case, apply_in_memory, cases, plan_for

from vaultpartner.edits import Edit
from vaultpartner.note import parse_note
from vaultpartner.respan import edited_note


@settings(max_examples=300, deadline=None, derandomize=True)
@given(cases())
def test_edited_note_equals_a_fresh_parse(case: Case) -> None:
    plan, renames = plan_for(case.vault, case.old, case.new, case.link_format)
    after = apply_in_memory(case.vault, plan, renames)
    moved = {renames.get(path, path): data for path, data in case.vault.items()}
    for edit in plan.edits:
        before = parse_note(edit.path, moved[edit.path])
        derived = edited_note(before, edit.edits, after[edit.path])
        if derived is not None:
            assert derived == parse_note(edit.path, after[edit.path])


def test_a_body_link_rewrite_is_derived_and_offsets_follow() -> None:
    text = "# T\n\nSee [[Old]] and [[Old|x]] then [b](B.md).\n[[Old#T]]\n"
    before = parse_note("n.md", text.encode())
    edits = [
        Edit(link.start, link.end, link.raw, link.raw.replace("Old", "Новое имя"))
        for link in before.links
        if "Old" in link.raw
    ]
    data = text.replace("Old", "Новое имя").encode()
    derived = edited_note(before, edits, data)
    assert derived is not None
    assert derived == parse_note("n.md", data)


def test_bytes_that_are_not_the_edited_note_are_refused() -> None:
    text = "See [[Old]].\n"
    before = parse_note("n.md", text.encode())
    (link,) = before.links
    edit = Edit(link.start, link.end, "[[Old]]", "[[New]]")
    assert edited_note(before, [edit], b"See [[New]]. Typed meanwhile.\n") is None
    assert edited_note(before, [edit], b"See [[New]].\n") is not None


def test_a_link_on_a_heading_line_is_left_to_a_full_parse() -> None:
    text = "# About [[Old]]\n"
    before = parse_note("n.md", text.encode())
    (link,) = before.links
    edit = Edit(link.start, link.end, "[[Old]]", "[[New]]")
    assert edited_note(before, [edit], b"# About [[New]]\n") is None
