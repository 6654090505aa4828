"""Every step of getLinkpathDest (spec 2.2), on a name table without any note parsing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from vaultpartner.paths import lookup_key, name_of, utf16_len
from vaultpartner.resolve import Resolution, resolve_linkpath


def table(paths: Sequence[str]) -> dict[str, tuple[str, ...]]:
    by_name: dict[str, tuple[str, ...]] = {}
    for path in paths:
        key = lookup_key(name_of(path))
        by_name[key] = (*by_name.get(key, ()), path)
    return by_name


def resolve(linkpath: str, paths: Sequence[str], source: str = "Index.md") -> str:
    found = resolve_linkpath(linkpath, source, table(paths))
    if found.status == "ambiguous":
        return "ambiguous: " + ", ".join(found.candidates)
    return found.path if found.path is not None else "missing"


def test_step1_empty_linkpath_is_the_source() -> None:
    assert resolve_linkpath("", "a/Self.md", {}) == Resolution("resolved", "a/Self.md")


def test_step2_lower_case_is_str_lower_not_casefold() -> None:
    assert resolve("рекрутинг", ["HR/Рекрутинг.md"]) == "HR/Рекрутинг.md"
    assert resolve("ЁЛКА", ["Ёлка.md"]) == "Ёлка.md"
    assert resolve("Елка", ["Ёлка.md"]) == "missing"
    assert resolve("STRASSE", ["Straße.md"]) == "missing"  # casefold would match
    assert resolve("İstanbul", ["İstanbul.md"]) == "İstanbul.md"
    assert resolve("Cafe\u0301", ["Café.md"]) == "Café.md"


def test_step3_name_with_a_dot_is_looked_up_as_is_first() -> None:
    assert resolve("Note.md", ["Note.md", "Note.md.md"]) == "Note.md"
    assert resolve("Note.md", ["Note.md.md"]) == "Note.md.md"
    assert resolve("v1.2", ["v1.2.md"]) == "v1.2.md"
    assert resolve("Diagram", ["img/Diagram.png"]) == "missing"
    assert resolve("Diagram.PNG", ["img/Diagram.png"]) == "img/Diagram.png"
    assert resolve("Board", ["Board.canvas"]) == "missing"
    assert resolve("Board.canvas", ["Board.canvas"]) == "Board.canvas"
    assert resolve("x/Note.MD", ["x/Note.md"]) == "x/Note.md"


def test_step4_unique_bare_name_in_any_folder() -> None:
    assert resolve("note", ["deep/er/Note.md"], source="other/X.md") == "deep/er/Note.md"
    # with a folder part the unique shortcut does not apply: the path must still match
    assert resolve("Wrong/Note", ["Other/Note.md"]) == "missing"


def test_step5_relative_paths() -> None:
    paths = ["Архив/Рекрутинг.md", "HR/Рекрутинг.md", "HR/sub/Рекрутинг.md"]
    source = "HR/План.md"
    assert resolve("../Архив/Рекрутинг", paths, source) == "Архив/Рекрутинг.md"
    assert resolve("./../Архив/Рекрутинг", paths, source) == "Архив/Рекрутинг.md"
    assert resolve("./Рекрутинг", paths, source) == "HR/Рекрутинг.md"
    assert resolve("./sub/рекрутинг", paths, source) == "HR/sub/Рекрутинг.md"
    # a relative path that names no file: steps 6-8 cannot match './…' either
    assert resolve("./Нет", [*paths, "Нет.md", "x/Нет.md"], source) == "missing"
    # climbing above the vault root matches nothing
    assert resolve("../../Рекрутинг", paths, source) == "missing"


def test_step6_exact_vault_path_wins() -> None:
    paths = ["HR/Рекрутинг.md", "Рекрутинг.md"]
    assert resolve("Рекрутинг", paths, source="HR/План.md") == "Рекрутинг.md"
    assert resolve("/HR/Рекрутинг", paths, source="x/y.md") == "HR/Рекрутинг.md"
    assert resolve("hr/рекрутинг.md", paths) == "HR/Рекрутинг.md"


def test_step7_leading_slash_means_vault_root_only() -> None:
    assert resolve("/Рекрутинг", ["HR/Рекрутинг.md"]) == "missing"
    assert resolve("/Рекрутинг", ["HR/Рекрутинг.md", "A/Рекрутинг.md"]) == "missing"
    assert resolve("/Рекрутинг", ["HR/Рекрутинг.md", "Рекрутинг.md"]) == "Рекрутинг.md"


def test_step8_suffix_match_own_folder_then_shortest() -> None:
    two = ["HR/Рекрутинг.md", "Архив/Рекрутинг.md"]
    assert resolve("Рекрутинг", two, source="HR/План.md") == "HR/Рекрутинг.md"
    assert resolve("Рекрутинг", two, source="Архив/План.md") == "Архив/Рекрутинг.md"
    assert resolve("Рекрутинг", two) == "HR/Рекрутинг.md"
    assert resolve("Рекрутинг", two, source="Архив/2023/Отчёт.md") == "HR/Рекрутинг.md"
    assert resolve("b/Note", ["a/b/Note.md", "c/Note.md"]) == "a/b/Note.md"
    assert resolve("b/Note", ["ab/Note.md", "c/Note.md"]) == "ab/Note.md"  # string suffix
    assert resolve("Note", ["zzzz/Note.md", "a/b/Note.md"]) == "a/b/Note.md"
    # own folder is a string prefix: sub-folders and look-alike siblings are in group (a)
    assert resolve("Note", ["HR/deep/er/Note.md", "Z/Note.md"], "HR/x.md") == "HR/deep/er/Note.md"
    assert resolve("Note", ["HR Archive/Note.md", "Z/Note.md"], "HR/x.md") == "HR Archive/Note.md"


def test_step8_equal_length_is_ambiguous() -> None:
    assert resolve("Tie", ["bb/Tie.md", "aa/Tie.md"]) == "ambiguous: aa/Tie.md, bb/Tie.md"
    # a tie inside the own-folder group only
    paths = ["HR/a/Tie.md", "HR/b/Tie.md", "Z/Tie.md"]
    assert resolve("Tie", paths, "HR/x.md") == "ambiguous: HR/a/Tie.md, HR/b/Tie.md"


def test_step8_lengths_are_utf16_code_units() -> None:
    assert utf16_len("😀") == 2
    assert utf16_len("Рекрутинг") == len("Рекрутинг")
    # 10 code points but 12 UTF-16 units, against 11 and 11: the BMP path is shorter in JS
    assert resolve("Note", ["😀😀/Note.md", "abc/Note.md"]) == "abc/Note.md"
    # 9 code points / 10 units against 10 / 10: a tie in JavaScript, not a win for the emoji
    assert resolve("Note", ["😀/Note.md", "ab/Note.md"]) == "ambiguous: ab/Note.md, 😀/Note.md"


def test_aliases_play_no_part() -> None:
    assert resolve("AI", ["Artificial Intelligence.md"]) == "missing"


@pytest.mark.parametrize("linkpath", ["HR", "HR/", "hr"])
def test_folders_are_never_targets(linkpath: str) -> None:
    assert resolve(linkpath, ["HR/Other.md"]) == "missing"
