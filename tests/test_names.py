"""Safe file names from hostile note fields."""

from __future__ import annotations

import pytest

from vaultpartner.partners.names import (
    MAX_STEM_BYTES,
    UNTITLED,
    fill_pattern,
    safe_folder,
    safe_stem,
    unique_note_path,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Анна Петрова", "Анна Петрова"),
        ("../../etc/passwd", "etc passwd"),
        ("/etc/passwd", "etc passwd"),
        ("C:\\Windows\\x", "C Windows x"),
        ('a*b"c<d>e:f|g?h#i^j[k]l', "a b c d e f g h i j k l"),
        ("line\nbreak\r\x00nul", "line break nul"),
        (".hidden", "hidden"),
        ("trailing. . ", "trailing"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("LPT1", "_LPT1"),
        ("", UNTITLED),
        ("...", UNTITLED),
        ("{{ 7*7 }} <% tp.file %>", "7 7 tp.file"),
        ("a{{{{b}}}}c", "a b c"),
    ],
)
def test_safe_stem(raw: str, expected: str) -> None:
    assert safe_stem(raw) == expected


def test_long_cyrillic_name_is_cut_on_a_character_boundary() -> None:
    name = "Ж" * 300
    stem = safe_stem(name)
    assert len(stem.encode()) <= MAX_STEM_BYTES
    assert set(stem) == {"Ж"}
    # the writer's temporary name still fits NAME_MAX
    assert len(f".{stem}.md.vp-00000000.tmp".encode()) <= 255


def test_combining_marks_stay_with_their_letter() -> None:
    name = "й" * 200  # NFC-composed; decomposed input is normalised first
    assert safe_stem("и\u0306" * 200) == safe_stem(name)


def test_folder_and_pattern() -> None:
    assert safe_folder("../Follow-ups//./x:y/") == "Follow-ups/x y"
    assert fill_pattern("{date} {name} {other}", date="2026-11-13", name="A") == (
        "2026-11-13 A {other}"
    )


def test_unique_path_is_deterministic_and_case_insensitive() -> None:
    taken = {"F/2026-11-13 Анна.md", "f/2026-11-13 анна 2.md"}
    assert unique_note_path("F", "2026-11-13 Анна", taken) == "F/2026-11-13 Анна 3.md"
    long = "Ж" * 300
    stem = safe_stem(long)
    path = unique_note_path("", stem, {f"{stem}.md"})
    assert path.endswith(" 2.md")
    assert len(path.removesuffix(".md").encode()) <= MAX_STEM_BYTES
