"""Vault-wide helpers with short cuts: the short cut never changes the answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultpartner.messages import detect_language
from vaultpartner.paths import _SYNC_CONFLICT_PATTERNS, is_sync_conflict, name_of

NAME_CHARS = st.one_of(
    st.characters(),
    st.sampled_from("абвгдеёжЖ҂҃Aaz1_ ()'.-"),
)


def _language_by_definition(names: list[str]) -> str:
    letters = cyrillic = 0
    for name in names:
        for char in name:
            if char.isalpha():
                letters += 1
                cyrillic += "\u0400" <= char <= "\u04ff"
    return "ru" if letters and cyrillic * 3 >= letters else "en"


@settings(max_examples=300, derandomize=True)
@given(st.lists(st.text(NAME_CHARS, max_size=10), max_size=8))
def test_language_detection_counts_letters_as_defined(names: list[str]) -> None:
    assert detect_language(names) == _language_by_definition(names)


def test_language_detection_examples() -> None:
    assert detect_language(["Анна Петрова", "Rec"]) == "ru"
    assert detect_language(["Anna Petrova", "Ян"]) == "en"
    assert detect_language([]) == "en"
    assert detect_language(["҂҂҂", "ab"]) == "en"  # a Cyrillic-block sign is not a letter


PIECES = [
    "Note",
    ".sync-conflict-20240101-120000-ABCDEF1",
    ".sync-conflict-2024",
    " (Conflicted copy 2024)",
    " (Anna's conflicted copy)",
    " (Case Conflict)",
    " (Unicode Encoding Conflict 1)",
    "(",
    ")",
    ".md",
    "/",
]


@settings(max_examples=300, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), max_size=5))
def test_sync_conflict_short_cut_matches_the_patterns(pieces: list[str]) -> None:
    path = "".join(pieces)
    expected = any(p.search(name_of(path)) for p in _SYNC_CONFLICT_PATTERNS)
    assert is_sync_conflict(path) == expected


FOLDER_PIECES = ["", "/", "Templates", "templates/", "Шаблоны", "A/B", "a"]
PATH_PIECES = ["Templates", "templates", "Шаблоны", "шаблоны", "A", "B", "a", "x.md", "/"]


@settings(max_examples=300, derandomize=True)
@given(
    st.lists(st.sampled_from(FOLDER_PIECES), max_size=3),
    st.lists(st.sampled_from(PATH_PIECES), min_size=1, max_size=4),
)
def test_template_folder_check_is_is_within_any_folder(
    folders: list[str], pieces: list[str]
) -> None:
    from vaultpartner.audit import AuditOptions, _Context
    from vaultpartner.index import VaultIndex
    from vaultpartner.paths import is_within

    path = "/".join(pieces)
    ctx = _Context(VaultIndex.build([], []), AuditOptions(template_folders=tuple(folders)))
    assert ctx.in_template_folder(path) == any(is_within(path, f) for f in folders)
