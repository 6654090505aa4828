"""The catalogue of command output (vaultpartner.cmdmessages): both languages, word forms that
agree with numbers, and English lines of other modules read back and said in Russian."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from vaultpartner import cmdmessages
from vaultpartner.cmdmessages import command_message, command_message_codes, from_english

PACKAGE = Path(cmdmessages.__file__).parent
# Codes whose English text other modules write; from_english reads it back from them.
PRODUCERS = {
    "skip-": PACKAGE / "links.py",
    "planner-": PACKAGE / "partners" / "planner.py",
    "hubplan-": PACKAGE / "hubs" / "planner.py",
}


FORMS = {"en": 2, "ru": 3}


def parts(text: str) -> list[tuple[str, str | None, str | None]]:
    return [(literal, name, spec) for literal, name, spec, _ in string.Formatter().parse(text)]


def fields(text: str) -> set[str]:
    return {name for _, name, _ in parts(text) if name}


def test_every_command_message_exists_in_both_languages_with_the_same_fields() -> None:
    for code in command_message_codes():
        texts = cmdmessages._MESSAGES[code]
        assert set(texts) == {"en", "ru"}, code
        en, ru = fields(texts["en"]), fields(texts["ru"])
        if code.startswith("followup-reason-"):
            # English shows rules.py's English detail, Russian the day the reason became due.
            assert en - {"detail"} == ru - {"since"}, code
        else:
            assert en == ru, code
        assert re.search("[а-яё]", texts["ru"], re.IGNORECASE), code
        for language, text in texts.items():
            for _, _, spec in parts(text):
                if spec:  # word forms: English one/other, Russian one/few/many
                    assert len(spec.split("|")) == FORMS[language], (code, language, spec)


@pytest.mark.parametrize(
    ("count", "russian"),
    [
        (1, "исправлена 1 ссылка"),
        (2, "исправлены 2 ссылки"),
        (4, "исправлены 4 ссылки"),
        (5, "исправлено 5 ссылок"),
        (11, "исправлено 11 ссылок"),
        (12, "исправлено 12 ссылок"),
        (21, "исправлена 21 ссылка"),
        (22, "исправлены 22 ссылки"),
        (111, "исправлено 111 ссылок"),
    ],
)
def test_russian_words_agree_with_the_number(count: int, russian: str) -> None:
    assert command_message("fix-reason", "ru", count=count, source="A.md") == f"{russian} в A.md"
    english = "link" if count == 1 else "links"
    assert command_message("fix-reason", "en", count=count, source="A.md") == (
        f"fixed {count} {english} in A.md"
    )


def sample(text: str) -> dict[str, object]:
    return {name: 3 if name == "count" else f"<{name} значение>" for name in fields(text)}


@pytest.mark.parametrize("prefix", sorted(PRODUCERS))
def test_english_lines_of_other_modules_are_read_back(prefix: str) -> None:
    codes = [code for code in command_message_codes() if code.startswith(prefix)]
    assert codes
    for code in codes:
        values = sample(cmdmessages._MESSAGES[code]["en"])
        english = command_message(code, "en", **values)
        assert from_english(english, "ru", prefix) == command_message(code, "ru", **values)
        assert from_english(english, "en", prefix) == english
    assert from_english("something new: x", "ru", prefix) == "something new: x"


@pytest.mark.parametrize("prefix", sorted(PRODUCERS))
def test_english_templates_still_match_the_modules_that_write_them(prefix: str) -> None:
    """Every literal part of an English template is in the producing module's source (string
    pieces split over lines joined): a reworded line there fails here, not in Russian output."""
    source = PRODUCERS[prefix].read_text(encoding="utf-8")
    joined = re.sub(r'"\s*\n\s*f?"', "", source)
    for code in command_message_codes():
        if code.startswith(prefix):
            for literal, _, _ in parts(cmdmessages._MESSAGES[code]["en"]):
                assert literal in joined, (code, literal)
