"""Topic hubs (vaultpartner.hubs): golden vaults per rule in ru and en, idempotence, user
edits, damaged blocks, CRLF, reader sorting, symmetric removal, missing topics."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from vaultpartner.config import Config, load_config
from vaultpartner.edits import apply_edits
from vaultpartner.hubs import HubResult, Pair, plan_hubs, reader_key
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.messages import Language
from vaultpartner.note import BOM, parse_note
from vaultpartner.render import render

GOLDEN = Path(__file__).parent / "golden_hubs"
Files = Mapping[str, str]


def build(files: Files) -> VaultIndex:
    entries, notes = [], []
    for path, text in files.items():
        data = text.encode("utf-8")
        entries.append(FileEntry(path, len(data)))
        if path.endswith(".md"):
            notes.append(parse_note(path, data))
    return VaultIndex.build(entries, notes)


def config(tmp_path: Path, toml: str) -> Config:
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    (folder / "vaultpartner.toml").write_text(toml, encoding="utf-8")
    return load_config(folder).config


def texts_of(files: Files) -> dict[str, str]:
    return {path: text.removeprefix(BOM) for path, text in files.items()}


def plan(
    files: Files,
    conf: Config,
    *,
    language: Language = "ru",
    previous: frozenset[Pair] = frozenset(),
    create: bool = False,
) -> HubResult:
    return plan_hubs(
        build(files),
        texts_of(files),
        conf,
        previous_pairs=previous,
        language=language,
        create_missing=create,
        render_hub=lambda context: render("hub.md.j2", context, language=language),
    )


def applied(files: Files, result: HubResult) -> dict[str, str]:
    out = dict(files)
    for edit in result.plan.edits:
        text = files[edit.path]
        bom = text.startswith(BOM)
        out[edit.path] = (BOM if bom else "") + apply_edits(text.removeprefix(BOM), edit.edits)
    for create in result.plan.creates:
        assert create.path not in out
        out[create.path] = create.data.decode("utf-8")
    return out


def codes(result: HubResult) -> list[tuple[str, str, str, int | None]]:
    return [(p.code, p.key, p.path, p.line) for p in result.problems]


# --- golden vaults -----------------------------------------------------------------------

RECRUITER = "---\ntype: recruiter\n---\n# {name}\n\nЗаметки.\n"
RECRUITER_EN = "---\ntype: recruiter\n---\n# {name}\n\nNotes.\n"

CASES: dict[str, tuple[str, dict[str, str]]] = {
    "type-ru": (
        '[hubs]\nrules = [{ hub = "Рекрутинг", type = "recruiter", require_link = true }]\n',
        {
            "Рекрутинг.md": "# Рекрутинг\n\nКак я работаю с рекрутерами.\n",
            "Рекрутеры/Ёлкина Анна.md": RECRUITER.format(name="Ёлкина Анна"),
            "Рекрутеры/елисеев Пётр.md": RECRUITER.format(name="Елисеев Пётр")
            + "\n## Связанные темы\n\n- [[HR]]\n\n## Прочее\n\nтекст\n",
            "Рекрутеры/Борис.md": RECRUITER.format(name="Борис") + "\nСм. [[Рекрутинг]].\n",
            "HR.md": "# HR\n",
        },
    ),
    "type-en": (
        '[hubs]\nrules = [{ hub = "Recruiting", type = "recruiter", require_link = true }]\n',
        {
            "Recruiting.md": "# Recruiting\n\nHow I work with recruiters.\n",
            "People/anna Smith.md": RECRUITER_EN.format(name="Anna Smith"),
            "People/Émile Roy.md": RECRUITER_EN.format(name="Émile Roy")
            + "\n## Related\n\n- [[HR]]\n",
            "People/Bob.md": RECRUITER_EN.format(name="Bob") + "\nSee [[Recruiting]].\n",
            "HR.md": "# HR\n",
        },
    ),
    "tag-ru": (
        '[hubs]\nrules = [{ hub = "HR", tag = "hr" }]\n',
        {
            "HR.md": "# HR\n\n%% vaultpartner:begin hub %%\n- [[Старая]]\n"
            "%% vaultpartner:end hub %%\n\nМои заметки после блока.\n",
            "Старая.md": "# Старая\n",
            "Ольга.md": "---\ntags: [hr/it]\n---\n# Ольга\n",
            "Ирина.md": "---\ntags:\n  - HR\n---\n# Ирина\n",
            "Павел.md": "---\ntags: [hrm]\n---\n# Павел\n",
        },
    ),
    "tag-en": (
        '[hubs]\nrules = [{ hub = "HR", tag = "#hr" }]\n',
        {
            "HR.md": "# HR\n\n%% vaultpartner:begin hub %%\n%% vaultpartner:end hub %%\n\nMine.\n",
            "Olga.md": "---\ntags: [hr]\n---\n# Olga\n",
            "Dave.md": "---\ntags: [sales]\n---\n# Dave\n",
        },
    ),
    "folder-ru": (
        '[hubs]\nrules = [{ hub = "Карьера", folder = "Карьера/" }]\n',
        {
            "Карьера.md": "# Карьера\n\n## Ссылки\n\n%% vaultpartner:begin hub %%\n"
            "%% vaultpartner:end hub %%\n\n## Ещё\n",
            "Карьера/Цели.md": "# Цели\n",
            "Карьера/Резюме.md": "# Резюме\n",
            "Карьера/Архив/2024.md": "# 2024\n",
            "Другое/Цели.md": "# Чужие цели\n",
        },
    ),
    "folder-en": (
        '[hubs]\nrules = [{ hub = "Career", folder = "Career" }]\n',
        {
            "Career.md": "# Career",
            "Career/Goals.md": "# Goals\n",
            "Career/cv.md": "# CV\n",
        },
    ),
    "links-ru": (
        '[hubs]\nrules = [{ hub = "Собеседования", links_to_hub = true }]\n',
        {
            "Собеседования.md": "# Собеседования\n",
            "Яндекс.md": "# Яндекс\n\nГотовлюсь: [[Собеседования]].\n",
            "Озон.md": "# Озон\n\n%% [[Собеседования]] в комментарии не считается %%\n",
            "Тинькофф.md": '---\nrelated: "[[Собеседования]]"\n---\n# Тинькофф\n',
        },
    ),
    "links-en": (
        '[hubs]\nrules = [{ hub = "Interviews", links_to_hub = true }]\n',
        {
            "Interviews.md": "# Interviews\n",
            "Acme.md": "# Acme\n\nPrep: [[Interviews#Questions]].\n",
            "Globex.md": "# Globex\n",
        },
    ),
    "symmetric-ru": (
        "[hubs]\nsymmetric_related = true\n",
        {
            "Карьера.md": "# Карьера\n\n## Связанные темы\n\n- [[HR]] - роль HR\n",
            "HR.md": "# HR\n\nО роли HR.\n",
            "Рекрутинг.md": "# Рекрутинг\n\n### связанные темы\n- [[Карьера]]\n\n## Дальше\n",
        },
    ),
    "symmetric-en": (
        "[hubs]\nsymmetric_related = true\n",
        {
            "Career.md": "# Career\n\n## Related\n\n- [[HR]]\n- [[Recruiting]]\n",
            "HR.md": "# HR\n\n## Related\n\n- [[Career]]\n",
            "Recruiting.md": "# Recruiting",
        },
    ),
    "missing-ru": (
        '[hubs]\nrules = [{ hub = "Темы/Сеть", folder = "Люди" }]\n',
        {
            "Партнёрство.md": "# Партнёрство\n\n## Связанные темы\n\n- [[Собеседования]] - "
            "подготовка\n- [[Темы/Карьера]]\n",
            "Люди/Анна.md": "# Анна\n",
        },
    ),
    "missing-en": (
        "",
        {
            "Partnership.md": "# Partnership\n\n## Related\n\n- [[Interviews]]\n",
            "Notes/Other.md": "# Other\n\n## Related\n\n- [[Interviews]]\n",
        },
    ),
}


def _problems_text(result: HubResult) -> str:
    lines = [f"{p.path}:{p.line or '-'} {p.code} {p.key} {dict(p.values)}" for p in result.problems]
    lines += [f"notice: {notice}" for notice in result.plan.notices]
    return "\n".join(lines) + "\n"


def check_golden(case: str, files: dict[str, str], report: str, update: bool) -> None:
    folder = GOLDEN / case
    if update:
        for old in sorted(folder.rglob("*"), reverse=True) if folder.exists() else []:
            old.unlink() if old.is_file() else old.rmdir()
        for path, text in {**files, "problems.txt": report}.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(text.encode("utf-8"))
    expected = {
        p.relative_to(folder).as_posix(): p.read_bytes().decode("utf-8")
        for p in folder.rglob("*")
        if p.is_file()
    }
    assert expected.pop("problems.txt") == report
    assert sorted(files) == sorted(expected)
    for path, text in files.items():
        assert text == expected[path], path


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, tmp_path: Path, update_golden: bool) -> None:
    toml, files = CASES[case]
    language: Language = "ru" if case.endswith("-ru") else "en"
    conf = config(tmp_path, f'language = "{language}"\n{toml}')
    result = plan(files, conf, language=language, create=True)
    after = applied(files, result)
    check_golden(case, after, _problems_text(result), update_golden)
    # idempotence: the vault after the plan needs nothing more
    again = plan(after, conf, language=language, previous=frozenset(result.pairs), create=True)
    assert again.plan.empty, [e.path for e in again.plan.edits] + [
        c.path for c in again.plan.creates
    ]
    assert not [p for p in again.problems if p.code != "missing-topic"]
    assert again.pairs == result.pairs


# --- the block ---------------------------------------------------------------------------

HUB_RULE = '[hubs]\nrules = [{ hub = "HR", tag = "hr" }]\n'
MEMBER = "---\ntags: [hr]\n---\n# {name}\n"


def test_block_moved_to_the_top_is_updated_in_place(tmp_path: Path) -> None:
    conf = config(tmp_path, HUB_RULE)
    files = {
        "HR.md": "%% vaultpartner:begin hub %%\n- [[Борис]]\n%% vaultpartner:end hub %%\n"
        "# HR\n\nМой текст [[Борис]].\n",
        "Анна.md": MEMBER.format(name="Анна"),
        "Борис.md": MEMBER.format(name="Борис"),
    }
    after = applied(files, plan(files, conf))
    assert after["HR.md"] == (
        "%% vaultpartner:begin hub %%\n- [[Анна]]\n- [[Борис]]\n%% vaultpartner:end hub %%\n"
        "# HR\n\nМой текст [[Борис]].\n"
    )


def test_stale_member_is_removed_and_reported(tmp_path: Path) -> None:
    conf = config(tmp_path, HUB_RULE)
    files = {
        "HR.md": "# HR\n%% vaultpartner:begin hub %%\n- [[Анна]]\n- [[Вера]]\n"
        "%% vaultpartner:end hub %%\n",
        "Анна.md": MEMBER.format(name="Анна"),
        "Вера.md": "# Вера\n",
    }
    result = plan(files, conf)
    assert codes(result) == [("hub-missing-member", "hub-stale-member", "HR.md", 4)]
    assert applied(files, result)["HR.md"] == (
        "# HR\n%% vaultpartner:begin hub %%\n- [[Анна]]\n%% vaultpartner:end hub %%\n"
    )


@pytest.mark.parametrize(
    ("inside", "line"),
    [
        ("- [[Анна]]\nмоя заметка\n", 4),
        ("- [[Анна|Аня]]\n", 3),
        ("* [[Анна]]\n", 3),
        ("- [[Анна]] — лучший рекрутер\n", 3),
    ],
)
def test_user_text_inside_the_block_stops_the_note(tmp_path: Path, inside: str, line: int) -> None:
    conf = config(tmp_path, HUB_RULE)
    files = {
        "HR.md": f"# HR\n%% vaultpartner:begin hub %%\n{inside}%% vaultpartner:end hub %%\n",
        "Анна.md": MEMBER.format(name="Анна"),
        "Борис.md": MEMBER.format(name="Борис"),
    }
    result = plan(files, conf)
    assert ("hub-block-damaged", "hub-block-edited", "HR.md", line) in codes(result)
    assert not [edit for edit in result.plan.edits if edit.path == "HR.md"]


def test_blank_lines_inside_the_block_are_ours(tmp_path: Path) -> None:
    conf = config(tmp_path, HUB_RULE)
    files = {
        "HR.md": "# HR\n%% vaultpartner:begin hub %%\n\n- [[Анна]]\n  \n%% vaultpartner:end hub %%\n",
        "Анна.md": MEMBER.format(name="Анна"),
    }
    result = plan(files, conf)
    assert codes(result) == []
    assert applied(files, result)["HR.md"] == (
        "# HR\n%% vaultpartner:begin hub %%\n- [[Анна]]\n%% vaultpartner:end hub %%\n"
    )


BEGIN, END = "%% vaultpartner:begin hub %%", "%% vaultpartner:end hub %%"


@pytest.mark.parametrize(
    ("body", "key", "line"),
    [
        (f"# HR\n{BEGIN}\n- [[Анна]]\n", "hub-block-missing-marker", 2),
        (f"# HR\n- [[Анна]]\n{END}\n", "hub-block-missing-marker", 3),
        (f"# HR\n{BEGIN}\n{BEGIN}\n- [[Анна]]\n{END}\n{END}\n", "hub-block-nested", 3),
        (f"{BEGIN}\n{END}\n# HR\n{BEGIN}\n{END}\n", "hub-block-duplicated", 4),
        (f"# HR\n{END}\n- [[Анна]]\n{BEGIN}\n", "hub-block-order", 2),
        (f"# HR {BEGIN}\n- [[Анна]]\n{END}\n", "hub-block-inline", 1),
        (f"# HR\n{BEGIN}\n- [[Анна]]\n{END} text\n", "hub-block-inline", 4),
        (f"# HR\n{BEGIN}\n{BEGIN}\n{END}\n", "hub-block-nested", 3),
        (f"# HR\n{BEGIN}\n{END}\n{END}\n", "hub-block-order", 4),
        (f"# HR\n{BEGIN}\n{END}\n{BEGIN}\n", "hub-block-duplicated", 4),
    ],
)
def test_damaged_markers_block_every_write(tmp_path: Path, body: str, key: str, line: int) -> None:
    conf = config(
        tmp_path,
        '[hubs]\nrules = [{ hub = "HR", tag = "hr" }]\nsymmetric_related = true\n',
    )
    files = {
        "HR.md": body,
        "Анна.md": MEMBER.format(name="Анна"),
        "Борис.md": MEMBER.format(name="Борис") + "\n## Связанные темы\n\n- [[Вера]]\n",
        "Вера.md": "# Вера\n",
        "Темы.md": "# Темы\n\n## Связанные темы\n\n- [[HR]]\n",
    }
    result = plan(files, conf)
    assert ("hub-block-damaged", key, "HR.md", line) in codes(result)
    assert "HR.md" not in {edit.path for edit in result.plan.edits}
    # other notes are still handled
    assert "Вера.md" in {edit.path for edit in result.plan.edits}


def test_no_members_and_no_block_writes_nothing(tmp_path: Path) -> None:
    conf = config(tmp_path, HUB_RULE)
    result = plan({"HR.md": "# HR\n", "Анна.md": "# Анна\n"}, conf)
    assert result.plan.empty
    assert result.problems == []


def test_hub_never_lists_itself_or_excluded_notes(tmp_path: Path) -> None:
    conf = config(tmp_path, HUB_RULE)
    files = {
        "HR.md": MEMBER.format(name="HR"),
        "Архив/Анна.md": MEMBER.format(name="Анна"),
        "Вера.md": MEMBER.format(name="Вера"),
    }
    result = plan_hubs(
        build(files),
        files,
        conf,
        eligible=lambda path: not path.startswith("Архив/"),
    )
    after = applied(files, result)
    assert after["HR.md"].endswith(f"\n\n{BEGIN}\n- [[Вера]]\n{END}\n")


# --- line endings, BOM, sorting ----------------------------------------------------------


def test_crlf_notes_keep_their_line_endings(tmp_path: Path) -> None:
    conf = config(tmp_path, '[hubs]\nrules = [{ hub = "HR", tag = "hr", require_link = true }]\n')
    files = {
        "HR.md": "# HR\r\n\r\nТекст",
        "Анна.md": "---\r\ntags: [hr]\r\n---\r\n# Анна\r\n",
        "Борис.md": "---\r\ntags: [hr]\r\n---\r\n# Борис\r\n\r\n## Связанные темы\r\n- [[Анна]]",
    }
    result = plan(files, conf)
    after = applied(files, result)
    assert after["HR.md"] == (
        f"# HR\r\n\r\nТекст\r\n\r\n{BEGIN}\r\n- [[Анна]]\r\n- [[Борис]]\r\n{END}\r\n"
    )
    assert (
        after["Анна.md"]
        == "---\r\ntags: [hr]\r\n---\r\n# Анна\r\n\r\n## Связанные темы\r\n\r\n- [[HR]]\r\n"
    )
    assert after["Борис.md"].endswith("## Связанные темы\r\n- [[Анна]]\r\n- [[HR]]")
    assert plan(after, conf).plan.empty
    crlf_block = {**after, "Вера.md": "---\ntags: [hr]\n---\n"}
    again = applied(crlf_block, plan(crlf_block, conf))
    assert f"{BEGIN}\r\n- [[Анна]]\r\n- [[Борис]]\r\n- [[Вера]]\r\n{END}\r\n" in again["HR.md"]


def test_bom_note(tmp_path: Path) -> None:
    conf = config(tmp_path, HUB_RULE)
    files = {"HR.md": BOM + "# HR\n", "Анна.md": BOM + MEMBER.format(name="Анна")}
    after = applied(files, plan(files, conf))
    assert after["HR.md"] == f"{BOM}# HR\n\n{BEGIN}\n- [[Анна]]\n{END}\n"


def test_reader_sorting_with_yo_and_case() -> None:
    names = ["ёлка", "Ель", "еда", "Елена", "ЁЖ", "яблоко", "Zebra", "apple", "Éclair", "ель"]
    assert sorted(names, key=reader_key) == [
        "apple", "Éclair", "Zebra", "еда", "ЁЖ", "Елена", "ёлка", "Ель", "ель", "яблоко",
    ]  # fmt: skip


def test_block_is_sorted_by_name_not_path(tmp_path: Path) -> None:
    conf = config(tmp_path, HUB_RULE)
    files = {
        "HR.md": "# HR\n",
        "Я/ёж.md": MEMBER.format(name="ёж"),
        "А/Ель.md": MEMBER.format(name="Ель"),
        "Б/ежевика.md": MEMBER.format(name="ежевика"),
        "В/Ежевика.md": MEMBER.format(name="Ежевика"),
    }
    after = applied(files, plan(files, conf))
    assert after["HR.md"].split(BEGIN)[1] == (
        "\n- [[ёж]]\n- [[В/Ежевика]]\n- [[Б/ежевика]]\n- [[Ель]]\n" + END + "\n"
    )


# --- required hub links ------------------------------------------------------------------


def test_required_link_is_never_duplicated(tmp_path: Path) -> None:
    conf = config(tmp_path, '[hubs]\nrules = [{ hub = "HR", tag = "hr", require_link = true }]\n')
    files = {
        "HR.md": f"# HR\n{BEGIN}\n- [[Анна]]\n- [[Вера]]\n{END}\n",
        "Анна.md": '---\ntags: [hr]\nhub: "[[HR]]"\n---\n# Анна\n',
        "Вера.md": "---\ntags: [hr]\n---\n# Вера\n\nКак в [HR](HR.md).\n",
    }
    result = plan(files, conf)
    assert result.plan.empty
    assert result.problems == []


def test_required_link_in_an_english_note_uses_the_english_heading(tmp_path: Path) -> None:
    conf = config(tmp_path, '[hubs]\nrules = [{ hub = "HR", tag = "hr", require_link = true }]\n')
    files = {"HR.md": f"# HR\n{BEGIN}\n- [[Ann]]\n{END}\n", "Ann.md": MEMBER.format(name="Ann")}
    after = applied(files, plan(files, conf, language="en"))
    assert after["Ann.md"].endswith("# Ann\n\n## Related\n\n- [[HR]]\n")


# --- symmetric related topics ------------------------------------------------------------

SYMMETRIC = "[hubs]\nsymmetric_related = true\n"


def test_symmetric_removal_is_not_restored(tmp_path: Path) -> None:
    conf = config(tmp_path, SYMMETRIC)
    files = {
        "A.md": "# A\n\n## Related\n\n- [[B]] - why\n- [[C]]\n",
        "B.md": "# B\n\n## Related\n\n- [[C]]\n",  # the user removed [[A]] here
        "C.md": "# C\n\n## Related\n\n- [[A]]\n- [[B]]\n",
    }
    previous = frozenset({("A.md", "B.md"), ("A.md", "C.md"), ("B.md", "C.md")})
    result = plan(files, conf, previous=previous)
    assert codes(result) == [("related-asymmetric", "related-removed", "A.md", 5)]
    after = applied(files, result)
    assert after["A.md"] == "# A\n\n## Related\n\n- [[C]]\n"
    assert after["B.md"] == files["B.md"]
    assert result.pairs == {("A.md", "C.md"), ("B.md", "C.md")}
    again = plan(after, conf, previous=frozenset(result.pairs))
    assert again.plan.empty
    assert again.problems == []


def test_symmetric_new_link_is_completed_and_remembered(tmp_path: Path) -> None:
    conf = config(tmp_path, SYMMETRIC)
    files = {"A.md": "# A\n\n## Related\n- [[B]]\n", "B.md": "# B\n"}
    result = plan(files, conf, language="en")
    assert applied(files, result)["B.md"] == "# B\n\n## Related\n\n- [[A]]\n"
    assert result.pairs == {("A.md", "B.md")}


def test_symmetric_removal_of_a_link_inside_text_is_left_to_the_user(tmp_path: Path) -> None:
    conf = config(tmp_path, SYMMETRIC)
    files = {
        "A.md": "# A\n\n## Related\n\nSee [[B]] and [[C]].\n",
        "B.md": "# B\n",
        "C.md": "# C\n",
    }
    previous = frozenset({("A.md", "B.md")})
    result = plan(files, conf, previous=previous)
    assert ("related-asymmetric", "related-removed-by-hand", "A.md", 5) in codes(result)
    assert ("A.md", "B.md") in result.pairs  # removal still pending: never restored
    assert "B.md" not in {edit.path for edit in result.plan.edits}


def test_removed_last_line_without_newline(tmp_path: Path) -> None:
    conf = config(tmp_path, SYMMETRIC)
    files = {
        "A.md": "# A\n\n## Related\n- [[C]]\n- [[B]]",
        "B.md": "# B\n",
        "C.md": "# C\n\n## Related\n- [[A]]\n",
    }
    result = plan(files, conf, previous=frozenset({("A.md", "B.md"), ("A.md", "C.md")}))
    assert applied(files, result)["A.md"] == "# A\n\n## Related\n- [[C]]"


def test_symmetric_is_off_by_default(tmp_path: Path) -> None:
    conf = config(tmp_path, "")
    files = {"A.md": "# A\n\n## Related\n- [[B]]\n", "B.md": "# B\n"}
    result = plan(files, conf)
    assert result.plan.empty
    assert result.problems == []
    assert result.pairs == set()
