"""User-facing text in English and Russian. Codes stay English; messages follow `language`."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "ru"]

_MESSAGES: dict[str, dict[Language, str]] = {
    "broken-link": {
        "en": "link {target} points to no file",
        "ru": "ссылка {target} никуда не ведёт: такого файла нет",
    },
    "broken-link-near": {
        "en": "link {target} points to no file; did you mean {suggestion}?",
        "ru": "ссылка {target} никуда не ведёт; может быть, {suggestion}?",
    },
    "ambiguous-link": {
        "en": "link {target} could open any of {count} equally close files; Obsidian's choice "
        "cannot be known, write the folder: {candidates}",
        "ru": "ссылка {target} подходит к {count} файлам на равном расстоянии; какой откроет "
        "Obsidian, узнать нельзя — укажите папку: {candidates}",
    },
    "alias-link": {
        "en": "{target} is an alias of {note}; Obsidian does not resolve aliases, write {suggestion}",
        "ru": "{target} — псевдоним заметки {note}; Obsidian не открывает ссылки по псевдониму, "
        "пишите {suggestion}",
    },
    "broken-heading": {
        "en": "heading {subpath} not found in {note}",
        "ru": "в заметке {note} нет заголовка {subpath}",
    },
    "broken-block": {
        "en": "block {subpath} not found in {note}",
        "ru": "в заметке {note} нет блока {subpath}",
    },
    "invalid-frontmatter": {
        "en": "frontmatter is not valid: {problem}; Obsidian shows no properties for this note",
        "ru": "ошибка в свойствах (frontmatter): {problem}; Obsidian не покажет свойства этой заметки",
    },
    "unreadable-file": {
        "en": "cannot read: {problem}",
        "ru": "не удаётся прочитать: {problem}",
    },
    "orphan-note": {
        "en": "no links to or from this note",
        "ru": "на эту заметку нет ссылок, и она ни на что не ссылается",
    },
    "sync-conflict": {
        "en": "sync conflict copy; merge it by hand, vaultpartner will not touch it or its original",
        "ru": "копия конфликта синхронизации; объедините вручную — vaultpartner не тронет ни её, "
        "ни оригинал",
    },
    "symlink-loop": {
        "en": "symbolic link loop; the folder is read once and not followed again",
        "ru": "петля символических ссылок; папка прочитана один раз и дальше не обходится",
    },
}


def message(code: str, language: Language, **values: object) -> str:
    return _MESSAGES[code][language].format(**values)


def has_message(code: str) -> bool:
    return code in _MESSAGES


def detect_language(names: list[str]) -> Language:
    """Russian when at least a third of the letters in the vault's note names are Cyrillic."""
    letters = cyrillic = 0
    for name in names:
        for char in name:
            if char.isalpha():
                letters += 1
                cyrillic += "\u0400" <= char <= "\u04ff"
    return "ru" if letters and cyrillic * 3 >= letters else "en"
