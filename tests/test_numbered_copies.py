"""Possible conflict copies named like iCloud's (catalogue 44): the name and the content."""

from __future__ import annotations

from vaultpartner.note import Note, parse_note
from vaultpartner.numbered_copies import (
    in_possible_pair,
    looks_like_a_copy,
    numbered_original,
    possible_copies,
)

NOTE = "---\ntags: [hr]\nstatus: open\n---\n# Анна\n\n## Контакты\n\nSee [[Яндекс]] and [[Pay]].\n"


def note(path: str, text: str) -> Note:
    return parse_note(path, text.encode("utf-8"))


def test_numbered_names_and_their_originals() -> None:
    assert numbered_original("People/Анна 2.md") == "People/Анна.md"
    assert numbered_original("Анна 9.md") == "Анна.md"
    assert numbered_original("Анна 10.md") is None
    assert numbered_original("Анна2.md") is None
    assert numbered_original("Анна 2.pdf") is None
    assert numbered_original("2.md") is None


def test_the_same_bytes_or_mostly_the_same_note_is_a_copy() -> None:
    original = note("Анна.md", NOTE)
    assert looks_like_a_copy(note("Анна 2.md", NOTE), original)
    edited = NOTE.replace("See", "Saw") + "\nA line written on the phone.\n"
    assert looks_like_a_copy(note("Анна 2.md", edited), original)


def test_another_note_with_the_same_title_is_not_a_copy() -> None:
    original = note("Анна.md", NOTE)
    assert not looks_like_a_copy(note("Анна 2.md", "# Second call\n\nSee [[Ozon]].\n"), original)
    # too little to tell: two different one-line notes
    assert not looks_like_a_copy(note("A 2.md", "x\n"), note("A.md", "y\n"))
    # one template, two notes: a property value differs
    other = NOTE.replace("status: open", "status: done")
    assert not looks_like_a_copy(note("Анна 2.md", other), original)
    # one template, other links
    assert not looks_like_a_copy(
        note("Анна 2.md", NOTE.replace("[[Яндекс]] and [[Pay]]", "[[Ozon]] and [[Avito]]")),
        original,
    )


def test_possible_copies_of_a_vault() -> None:
    notes = {
        "Анна.md": note("Анна.md", NOTE),
        "Анна 2.md": note("Анна 2.md", NOTE),
        "Meeting.md": note("Meeting.md", "# M\n[[a]] [[b]]\n"),
        "Meeting 2.md": note("Meeting 2.md", "# Another\n[[c]]\n"),
        "Lonely 2.md": note("Lonely 2.md", NOTE),
    }
    assert possible_copies(notes) == {"Анна 2.md": "Анна.md"}


def test_both_notes_of_a_possible_pair_are_in_it() -> None:
    notes = {
        "P/Анна.md": note("P/Анна.md", NOTE),
        "P/Анна 3.md": note("P/Анна 3.md", NOTE),
        "P/Other.md": note("P/Other.md", NOTE),
    }
    assert in_possible_pair("P/Анна 3.md", notes)
    assert in_possible_pair("P/Анна.md", notes)
    assert not in_possible_pair("P/Other.md", notes)
    assert not in_possible_pair("P/Missing.md", notes)
