"""What `mv`, `undo`, `log`, `fix`, `followups` and `new recruiter` print follows the vault's
language: each command run on a Russian vault and on an English one, compared line by line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import make_vault

from vaultpartner import app
from vaultpartner.cli import main
from vaultpartner.linkcmds import in_language
from vaultpartner.links import LinkChange, SkippedLink
from vaultpartner.messages import Language
from vaultpartner.moving import plan_move
from vaultpartner.plan import Plan

RUN_ID = re.compile(r"\b\d{8}T\d{6}Z-\w+")
WHEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
TODAY = "2026-11-26"

# Russian note names and no `language`: auto; the English vault says `language = "en"`.
MV_VAULTS = {
    "ru": {
        "vaultpartner.toml": 'exclude = ["Исключено"]\n',
        "Заметки/Старое.md": "# Старое\n",
        "Ссылки.md": "[[Старое]] и [[Старое]]\n",
        "Одна.md": "[[Старое]]\n",
        "Исключено/Черновик.md": "[[Старое]]\n",
    },
    "en": {
        "vaultpartner.toml": 'language = "en"\nexclude = ["Excluded"]\n',
        "Notes/Old.md": "# Old\n",
        "Links.md": "[[Old]] and [[Old]]\n",
        "One.md": "[[Old]]\n",
        "Excluded/Draft.md": "[[Old]]\n",
    },
}
MOVES = {"ru": ("Заметки/Старое.md", "Заметки/Новое.md"), "en": ("Notes/Old.md", "Notes/New.md")}


def invoke(state: Path, *args: str | Path, answers: str | None = None) -> Result:
    runner = CliRunner()
    argv = ["--state-dir", str(state), *map(str, args)]
    return runner.invoke(main, argv, prog_name="vaultpartner", input=answers)


def lines(text: str) -> list[str]:
    """Output lines with run ids and local times made stable."""
    return WHEN.sub("<when>", RUN_ID.sub("<id>", text)).splitlines()


def moved(tmp_path: Path, language: str) -> tuple[Path, Path, Result]:
    vault = make_vault(tmp_path / "vault", MV_VAULTS[language])
    state = tmp_path / "state"
    return vault, state, invoke(state, "mv", vault, *MOVES[language])


# -- mv ------------------------------------------------------------------------------------------

MV_OUT = {
    "ru": [
        "переименовано: Заметки/Старое.md -> Заметки/Новое.md",
        "обновлена 1 ссылка в Одна.md: Заметки/Старое.md -> Заметки/Новое.md",
        "обновлены 2 ссылки в Ссылки.md: Заметки/Старое.md -> Заметки/Новое.md",
        "запуск <id> (отменить: vaultpartner undo VAULT <id>)",
    ],
    "en": [
        "moved Notes/Old.md -> Notes/New.md",
        "rewrote 2 links in Links.md: Notes/Old.md -> Notes/New.md",
        "rewrote 1 link in One.md: Notes/Old.md -> Notes/New.md",
        "run <id> (undo with: vaultpartner undo VAULT <id>)",
    ],
}
MV_ERR = {
    "ru": [
        "warning: Исключено/Черновик.md:1: ссылка [[Старое]] не обновлена: "
        "в эту заметку писать нельзя"
    ],
    "en": ["warning: Excluded/Draft.md:1: [[Old]] not rewritten: note is not writable here"],
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_mv(tmp_path: Path, language: Language) -> None:
    _vault, _state, result = moved(tmp_path, language)
    assert result.exit_code == 1, result.output  # the excluded note's link is left
    assert lines(result.stdout) == MV_OUT[language]
    assert lines(result.stderr) == MV_ERR[language]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_mv_dry_run_prints_the_reasons_in_the_vaults_language(
    tmp_path: Path, language: str
) -> None:
    vault = make_vault(tmp_path / "vault", MV_VAULTS[language])
    result = invoke(tmp_path / "state", "mv", vault, *MOVES[language], "--dry-run")
    assert result.exit_code == 1
    assert lines(result.stdout)[:3] == MV_OUT[language][:3]


SKIPPED = {
    "ru": "Locked/B.md:1: ссылка [[S]] не обновлена: в эту заметку писать нельзя",
    "en": "Locked/B.md:1: [[S]] not rewritten: note is not writable here",
}
LONGER = {
    "ru": "обновлена 1 ссылка в HR/Plan.md: HR/Sub/Old.md -> HR/Sub/Summary.md (1 из них "
    "записана более длинным путём, чтобы открывался нужный файл)",
    "en": "rewrote 1 link in HR/Plan.md: HR/Sub/Old.md -> HR/Sub/Summary.md (1 written as a "
    "longer path so they open the right file)",
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_mv_reasons_rebuilt_from_the_plan(tmp_path: Path, language: Language) -> None:
    """English comes out exactly as moving.py writes it; Russian says the same."""
    files = {
        "Sub/Summary.md": "x\n",
        "HR/Sub/Old.md": "y\n",
        "HR/Plan.md": "[[Sub/Old]]\n",  # relative: "Sub/Summary" would open the root's one
        "S.md": "x\n",
        "Folder/A.md": "[[S]]\n",
        "Locked/B.md": "[[S]]\n",
    }
    root = make_vault(tmp_path / "vault", files)
    vault = app.load(app.open_session(root, state_override=tmp_path / "state"))

    def plan_of(old: str, new: str) -> tuple[Plan, list[LinkChange], list[SkippedLink]]:
        return plan_move(
            vault.index,
            old,
            new,
            link_format="relative",
            writable=lambda path: not path.startswith("Locked/"),
        )

    longer = ("HR/Sub/Old.md", "HR/Sub/Summary.md")
    for old, new in (longer, ("Folder", "Renamed"), ("S.md", "T.md")):
        plan = plan_of(old, new)[0]
        assert in_language(*plan_of(old, new), vault, "en") == plan
    rebuilt = in_language(*plan_of(*longer), vault, language)
    assert [edit.reason for edit in rebuilt.edits] == [LONGER[language]]
    folder = in_language(*plan_of("Folder", "Renamed"), vault, language)
    renamed = {"ru": "переименовано: Folder/ -> Renamed/", "en": "moved Folder/ -> Renamed/"}
    assert folder.moves[0].reason == renamed[language]
    skipped = in_language(*plan_of("S.md", "T.md"), vault, language).notices
    assert skipped == [SKIPPED[language]]


# -- undo and log --------------------------------------------------------------------------------

UNDO_OUT = {
    "ru": [
        "отмена <id>: обновлены 2 ссылки в Ссылки.md: Заметки/Старое.md -> Заметки/Новое.md",
        "отмена <id>: переименовано: Заметки/Старое.md -> Заметки/Новое.md",
        "запуск <id> (отменить: vaultpartner undo VAULT <id>)",
    ],
    "en": [
        "undo <id>: rewrote 1 link in One.md: Notes/Old.md -> Notes/New.md",
        "undo <id>: moved Notes/Old.md -> Notes/New.md",
        "run <id> (undo with: vaultpartner undo VAULT <id>)",
    ],
}
UNDO_ERR = {
    "ru": ["warning: Одна.md: изменён после запуска; оставлен как есть"],
    "en": ["warning: Links.md: changed since the run; left as it is"],
}
EDITED = {"ru": "Одна.md", "en": "Links.md"}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_undo(tmp_path: Path, language: str) -> None:
    vault, state, _ = moved(tmp_path, language)
    (vault / EDITED[language]).write_text("edited by hand\n", encoding="utf-8")
    result = invoke(state, "undo", vault)
    assert result.exit_code == 1, result.output
    assert lines(result.stdout) == UNDO_OUT[language]
    assert lines(result.stderr) == UNDO_ERR[language]


LOG_OUT = {
    "ru": [
        "<id>  <when>  mv Заметки/Старое.md Заметки/Новое.md",
        "    move    Заметки/Старое.md -> Заметки/Новое.md  — "
        "переименовано: Заметки/Старое.md -> Заметки/Новое.md",
        "    write   Одна.md  — обновлена 1 ссылка в Одна.md: Заметки/Старое.md -> Заметки/Новое.md",
        "    write   Ссылки.md  — "
        "обновлены 2 ссылки в Ссылки.md: Заметки/Старое.md -> Заметки/Новое.md",
    ],
    "en": [
        "<id>  <when>  mv Notes/Old.md Notes/New.md",
        "    move    Notes/Old.md -> Notes/New.md  — moved Notes/Old.md -> Notes/New.md",
        "    write   Links.md  — rewrote 2 links in Links.md: Notes/Old.md -> Notes/New.md",
        "    write   One.md  — rewrote 1 link in One.md: Notes/Old.md -> Notes/New.md",
    ],
}
EMPTY_LOG = {"ru": ["в журнале нет запусков"], "en": ["no runs recorded"]}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_log(tmp_path: Path, language: str) -> None:
    vault = make_vault(tmp_path / "vault", MV_VAULTS[language])
    state = tmp_path / "state"
    empty = invoke(state, "log", vault)
    assert empty.exit_code == 0
    assert lines(empty.stdout) == EMPTY_LOG[language]
    invoke(state, "mv", vault, *MOVES[language])
    result = invoke(state, "log", vault)
    assert result.exit_code == 0
    assert lines(result.stdout) == LOG_OUT[language]


# -- fix -----------------------------------------------------------------------------------------

FIX_VAULTS = {
    "ru": {
        "vaultpartner.toml": 'language = "ru"\n\n[hubs]\n'
        'rules = [{ hub = "Карьера", folder = "Карьера/" }]\n',
        "Старое.md": "# Старое\n",
        "Ссылки.md": "[[Старое]]\n",
        "Сломанная.md": "[[Нет такой]]\n",
        "Карьера.md": "# Карьера\n",
        "Карьера/Резюме.md": "# Резюме\n",
    },
    "en": {
        "vaultpartner.toml": 'language = "en"\n\n[hubs]\nrules = [{ hub = "Career", folder = "Career/" }]\n',
        "Old.md": "# Old\n",
        "Links.md": "[[Old]]\n",
        "Broken.md": "[[No such note]]\n",
        "Career.md": "# Career\n",
        "Career/CV.md": "# CV\n",
    },
}
FIRST_FIX = {
    "ru": [
        "исправлять ссылки не понадобилось",
        "хаб и связанные темы",
        "не исправлено: Сломанная.md:1: ссылка [[Нет такой]] никуда не ведёт: такого файла нет; "
        "создайте заметку или исправьте ссылку",
    ],
    "en": [
        "no link needed fixing",
        "hub and related topics",
        "not fixed: Broken.md:1: link [[No such note]] points to no file; create the note or "
        "correct the link",
    ],
}
NO_SNAPSHOT = {
    "ru": "warning: нет снимка индекса от прошлого запуска: переименования, сделанные вне "
    "Obsidian, в этот раз не найти (снимок сохраняется сейчас, для следующего запуска)",
    "en": "warning: no index snapshot from an earlier run: renames made outside Obsidian cannot "
    "be detected this time (one is saved now for the next run)",
}
RENAMES = {"ru": ("Старое.md", "Новое.md"), "en": ("Old.md", "New.md")}
CHANGE = {
    "ru": "Ссылки.md:1: [[Старое]] -> [[Новое]] (Старое.md переименован в Новое.md вне Obsidian)",
    "en": "Links.md:1: [[Old]] -> [[New]] (Old.md was renamed to New.md outside Obsidian)",
}
QUESTION = {"ru": "  исправить эту ссылку? [y/N]: n", "en": "  fix this link? [y/N]: n"}
DECLINED = {"ru": "отклонено: ", "en": "declined: "}
RUN_LINE = {
    "ru": "запуск <id> (отменить: vaultpartner undo VAULT <id>)",
    "en": "run <id> (undo with: vaultpartner undo VAULT <id>)",
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_fix(tmp_path: Path, language: str) -> None:
    vault = make_vault(tmp_path / "vault", FIX_VAULTS[language])
    state = tmp_path / "state"
    first = invoke(state, "fix", vault)
    assert first.exit_code == 1  # the broken link is left
    assert lines(first.stdout) == FIRST_FIX[language]
    assert lines(first.stderr) == [NO_SNAPSHOT[language]]

    old, new = RENAMES[language]
    (vault / old).rename(vault / new)
    asked = lines(invoke(state, "fix", vault, "--interactive", answers="n\n").stdout)
    assert asked[:2] == [CHANGE[language], QUESTION[language]]
    assert DECLINED[language] + CHANGE[language] in asked
    fixed = invoke(state, "fix", vault)
    assert lines(fixed.stdout)[:2] == [CHANGE[language], RUN_LINE[language]]


# -- followups and new recruiter -----------------------------------------------------------------

RECRUITER = """---
type: recruiter
name: "{name}"
telegram: "@someone"
last_contact: 2026-10-01
cadence: 6w
status: active
profile_shared: 2026-10-01
---

# {name}
"""
NAMES = {"ru": "Анна Петрова", "en": "Olga Ivanova"}


def followups_vault(tmp_path: Path, language: str) -> Path:
    name = NAMES[language]
    files = {
        "vaultpartner.toml": f'language = "{language}"\n',
        f"People/{name}.md": RECRUITER.format(name=name),
    }
    return make_vault(tmp_path / "vault", files)


def followups_out(language: str) -> list[list[str]]:
    """What three runs print: the first writes the follow-up, the second finds it open, the
    third (its task ticked) records the contact."""
    name = NAMES[language]
    note = f"Follow-ups/2026-11-12 {name}.md"
    if language == "ru":
        return [
            [
                f"срок 2026-11-12  {name}: пора напомнить о себе (с 2026-11-12) -> {note}",
                f"создана заметка {note}: напоминание для рекрутера {name}",
                "создана заметка Follow-ups/Digest.md: сводка напоминаний",
                RUN_LINE[language],
            ],
            [f"открыто  {note} (срок 2026-11-12)"],
            [
                f"выполнено  {note}: записан контакт с People/{name}.md от 2026-11-27",
                f"изменена заметка {note}: напоминание выполнено",
                f"изменена заметка People/{name}.md: last_contact 2026-11-27 "
                "(напоминание выполнено)",
                "изменена заметка Follow-ups/Digest.md: сводка обновлена",
                RUN_LINE[language],
            ],
        ]
    return [
        [
            f"due 2026-11-12  {name}: cadence (6w since 2026-10-01) -> {note}",
            f"created {note}: follow-up for {name}",
            "created Follow-ups/Digest.md: follow-up digest",
            RUN_LINE[language],
        ],
        [f"open  {note} (due 2026-11-12)"],
        [
            f"done  {note}: contact with People/{name}.md recorded on 2026-11-27",
            f"written {note}: follow-up done",
            f"written People/{name}.md: last_contact 2026-11-27 (follow-up done)",
            "written Follow-ups/Digest.md: digest updated",
            RUN_LINE[language],
        ],
    ]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_followups(tmp_path: Path, language: str) -> None:
    vault = followups_vault(tmp_path, language)
    state = tmp_path / "state"
    expected = followups_out(language)
    first = invoke(state, "followups", vault, "--today", TODAY)
    assert (first.exit_code, lines(first.stdout), first.stderr) == (0, expected[0], "")
    again = invoke(state, "followups", vault, "--today", TODAY)
    assert (again.exit_code, lines(again.stdout), again.stderr) == (0, expected[1], "")
    followup = vault / f"Follow-ups/2026-11-12 {NAMES[language]}.md"
    text = followup.read_text(encoding="utf-8")
    ticked = text.replace("- [ ] ", "- [x] ").replace(" 📅 ", " ✅ 2026-11-27 📅 ", 1)
    followup.write_text(ticked, encoding="utf-8")
    done = invoke(state, "followups", vault, "--today", "2026-11-28")
    assert (done.exit_code, lines(done.stdout), done.stderr) == (0, expected[2], "")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_followups_dry_run_and_nothing_due(tmp_path: Path, language: str) -> None:
    vault = followups_vault(tmp_path, language)
    dry = invoke(tmp_path / "state", "followups", vault, "--today", TODAY, "--dry-run")
    assert dry.exit_code == 1
    assert lines(dry.stdout)[0] == followups_out(language)[0][0]
    early = invoke(tmp_path / "state", "followups", vault, "--today", "2026-10-02", "--dry-run")
    none = {"ru": "напоминать пока никому не нужно", "en": "no follow-ups are due"}[language]
    assert lines(early.stdout)[0] == none


@pytest.mark.parametrize("language", ["ru", "en"])
def test_new_recruiter(tmp_path: Path, language: str) -> None:
    vault = make_vault(tmp_path / "vault", {"vaultpartner.toml": f'language = "{language}"\n'})
    name = NAMES[language]
    result = invoke(tmp_path / "state", "new", "recruiter", vault, name)
    assert result.exit_code == 0, result.output
    if language == "ru":
        expected = [
            f"создана заметка {name}.md: новый рекрутер {name}",
            RUN_LINE[language],
            f"создана заметка {vault / f'{name}.md'}",
        ]
    else:
        expected = [
            f"created {name}.md: new recruiter {name}",
            RUN_LINE[language],
            f"created {vault / f'{name}.md'}",
        ]
    assert lines(result.stdout) == expected
