"""The declarative table of vaultpartner.toml settings and how each value is checked.

Adding a setting is one `Setting` entry here plus the matching typed field on the
section dataclass in `vaultpartner.config` (an import-time check keeps the two in step).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NamedTuple

Kind = Literal[
    "str",
    "bool",
    "int",
    "float",
    "choice",
    "patterns",
    "duration",
    "durations",
    "strings",
    "tables",
]


class Invalid(ValueError):
    """A value does not fit its setting; `expected` says what would."""

    def __init__(
        self, expected: str, found: object, *, note: str | None = None, subkey: str | None = None
    ) -> None:
        super().__init__(expected)
        self.expected = expected
        self.found = found
        self.note = note  # a more precise reason, when there is one
        self.subkey = subkey  # the offending entry of a table setting (as written)


@dataclass(frozen=True)
class Setting:
    key: str  # dotted: "language", "audit.fail_on"
    kind: Kind
    default: object
    en: str
    ru: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    # kind "tables" (a list of inline tables): each entry's keys and their kinds ("str" or
    # "bool"), the keys every entry must have, and the keys of which exactly one must be set.
    fields: tuple[tuple[str, Literal["str", "bool"]], ...] = ()
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        """ "" for top-level keys, else the table name."""
        return self.key.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.key.rpartition(".")[2]

    def description(self, language: str) -> str:
        return self.ru if language == "ru" else self.en

    @property
    def expected(self) -> str:
        """What a valid value looks like, in English, for error messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        if self.kind in ("int", "float"):
            noun = "an integer" if self.kind == "int" else "a number"
            low, high = self.minimum, self.maximum
            if low is not None and high is not None:
                return f"{noun} from {_num(low)} to {_num(high)}"
            if low is not None:
                return f"{noun} {'>' if self.exclusive_minimum else '>='} {_num(low)}"
            return noun
        return {
            "str": "a string",
            "bool": "true or false",
            "patterns": 'a list of glob pattern strings, e.g. ["Archive/", "*.excalidraw.md"]',
            "duration": _DURATION_EXPECTED,
            "durations": 'a table of tag = duration, e.g. { hot = "1w" }',
            "strings": 'a list of non-empty strings, e.g. ["Related"]',
            "tables": self._tables_expected(),
        }[self.kind]

    def _tables_expected(self) -> str:
        keys = ", ".join(name for name, _ in self.fields)
        return f"a list of inline tables with the keys {keys}"

    def check(self, value: object) -> object:
        """Return the normalised value or raise `Invalid`."""
        kind = self.kind
        if kind in ("str", "choice", "duration") and not isinstance(value, str):
            raise Invalid(self.expected, value)
        if kind == "bool" and not isinstance(value, bool):
            raise Invalid(self.expected, value)
        if kind == "choice" and value not in self.choices:
            raise Invalid(self.expected, value)
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise Invalid(self.expected, value)
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Invalid(self.expected, value)
            if not math.isfinite(value):
                raise Invalid(self.expected, value)
            value = float(value)
        if kind in ("int", "float"):
            assert isinstance(value, int | float)
            self._check_range(value)
        if kind == "duration":
            assert isinstance(value, str)
            return _checked_duration(value, self.expected)
        if kind == "patterns":
            return _checked_patterns(value, self.expected)
        if kind == "durations":
            return _checked_durations(value, self.expected)
        if kind == "strings":
            return _checked_strings(value, self.expected)
        if kind == "tables":
            return self._checked_tables(value)
        return value

    def _checked_tables(self, value: object) -> tuple[Mapping[str, object], ...]:
        """A list of tables, each with known keys of the right kinds (`fields`)."""
        expected = self.expected
        if not isinstance(value, list | tuple):
            raise Invalid(expected, value)
        kinds = dict(self.fields)
        valid = ", ".join(kinds)
        result: list[Mapping[str, object]] = []
        for number, entry in enumerate(value, start=1):
            where = f"entry {number} ({render_toml(entry)})"
            if not isinstance(entry, Mapping):
                raise Invalid(expected, value, note=f"{where} is not a table")
            table: dict[str, object] = {}
            for key, item in entry.items():
                kind = kinds.get(str(key))
                if kind is None:
                    raise Invalid(
                        expected,
                        value,
                        note=f'{where}: unknown key "{key}"; valid keys: {valid}',
                    )
                if kind == "bool" and not isinstance(item, bool):
                    raise Invalid(expected, value, note=f"{where}: {key} must be true or false")
                if kind == "str":
                    if not isinstance(item, str) or not item.strip():
                        raise Invalid(
                            expected, value, note=f"{where}: {key} must be a non-empty string"
                        )
                    item = unicodedata.normalize("NFC", item.strip())
                table[str(key)] = item
            missing = [key for key in self.required if key not in table]
            if missing:
                raise Invalid(expected, value, note=f"{where}: {missing[0]} is missing")
            chosen = [key for key in self.one_of if key in table]
            if self.one_of and len(chosen) != 1:
                choices = ", ".join(self.one_of)
                raise Invalid(expected, value, note=f"{where}: set exactly one of {choices}")
            result.append(MappingProxyType(table))
        return tuple(result)

    def _check_range(self, value: float) -> None:
        low, high = self.minimum, self.maximum
        too_low = low is not None and (value <= low if self.exclusive_minimum else value < low)
        if too_low or (high is not None and value > high):
            raise Invalid(self.expected, value)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class Duration(NamedTuple):
    number: int
    unit: Literal["d", "w", "mo", "y"]


_UNITS: dict[str, Literal["d", "w", "mo", "y"]] = {
    "d": "d", "day": "d", "days": "d",
    "w": "w", "week": "w", "weeks": "w",
    "mo": "mo", "month": "mo", "months": "mo",
    "y": "y", "year": "y", "years": "y",
}  # fmt: skip
_DURATION_EXPECTED = 'a duration such as "3d", "2w", "3mo" or "1y"'
_DURATION_RE = re.compile(r"\s*(\d+)\s*([A-Za-z]+)\s*")


def parse_duration(text: str) -> Duration:
    """Parse a Dataview-style duration ("3w", "3mo", "2 weeks"); raise ValueError."""
    match = _DURATION_RE.fullmatch(text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        if match and match.group(2).lower() == "m":
            raise ValueError(
                f'"{text}" is ambiguous: Dataview reads "m" as minutes; '
                f'use "mo" for months (e.g. "{match.group(1)}mo")'
            )
        raise ValueError(f'"{text}" is not a duration: use d, w, mo or y, e.g. "3w" or "3mo"')
    number = int(match.group(1))
    if number < 1:
        raise ValueError(f'"{text}" is not a usable interval: it must be at least 1')
    return Duration(number, unit)


def format_duration(duration: Duration) -> str:
    return f"{duration.number}{duration.unit}"


def _checked_duration(text: str, expected: str) -> str:
    try:
        return format_duration(parse_duration(text))
    except ValueError as exc:
        raise Invalid(expected, text, note=str(exc)) from None


def _checked_patterns(value: object, expected: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise Invalid(expected, value)
    patterns: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise Invalid(expected, value, note=f"{render_toml(item)} is not a string")
        pattern = unicodedata.normalize("NFC", item.strip())
        while pattern.startswith(("./", "/")):
            pattern = pattern[1:] if pattern.startswith("/") else pattern[2:]
        if not pattern.strip("/"):
            raise Invalid(expected, value, note=f"{render_toml(item)} matches nothing")
        patterns.append(pattern)
    return tuple(patterns)


def _checked_durations(value: object, expected: str) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise Invalid(expected, value)
    result: dict[str, str] = {}
    for tag, text in value.items():
        name = unicodedata.normalize("NFC", str(tag).strip().lstrip("#"))
        if not name:
            raise Invalid(expected, value, note=f"{render_toml(tag)} is not a tag")
        if not isinstance(text, str):
            raise Invalid(_DURATION_EXPECTED, text, subkey=str(tag))
        try:
            result[name] = format_duration(parse_duration(text))
        except ValueError as exc:
            raise Invalid(_DURATION_EXPECTED, text, note=str(exc), subkey=str(tag)) from None
    return MappingProxyType(result)


def _checked_strings(value: object, expected: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise Invalid(expected, value)
    items: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise Invalid(expected, value, note=f"{render_toml(item)} is not a non-empty string")
        items.append(unicodedata.normalize("NFC", item.strip()))
    return tuple(items)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def render_key(key: str) -> str:
    """A TOML key: bare when possible, else quoted."""
    return key if _BARE_KEY.fullmatch(key) else render_toml(key)


def render_toml(value: object) -> str:
    """Render a setting value as TOML (also used to show found values in errors)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = (f"{render_key(str(k))} = {render_toml(v)}" for k, v in value.items())
        return "{ " + ", ".join(items) + " }"
    return repr(value)


_s = Setting


SECTIONS: tuple[str, ...] = ("audit", "links", "partners", "watch", "hubs")

SETTINGS: tuple[Setting, ...] = (
    _s("language", "choice", "auto",
       'Interface language: "auto" (from the system locale), "ru" or "en".',
       'Язык интерфейса: "auto" (по системной локали), "ru" или "en".',
       choices=("auto", "ru", "en")),
    _s("exclude", "patterns", (),
       'Vault-relative glob patterns to ignore; a folder name or "folder/" ignores all inside it.',
       'Glob-шаблоны путей в хранилище, которые пропускаются; "папка/" исключает всё внутри.'),
    _s("audit.fail_on", "choice", "error",
       'Lowest severity that makes `audit` exit with code 1: "error", "warning" or "never".',
       'С какой серьёзности находок `audit` выходит с кодом 1: "error", "warning" или "never".',
       choices=("error", "warning", "never")),
    _s("audit.orphans", "bool", True,
       "Report notes that no other note links to.",
       "Сообщать о заметках, на которые не ссылается ни одна другая заметка."),
    _s("audit.suggestion_cutoff", "int", 72,
       "Minimum similarity (0-100) for suggesting a target for a broken link.",
       "Минимальное сходство (0-100), при котором для битой ссылки предлагается цель.",
       minimum=0, maximum=100),
    _s("audit.max_note_bytes", "int", 16_777_216,
       "Notes larger than this many bytes are skipped with a warning.",
       "Заметки больше этого числа байт пропускаются с предупреждением.",
       minimum=0, exclusive_minimum=True),
    _s("links.fix_aliases", "bool", True,
       "Rewrite a link that names a note's alias to [[Note|alias]].",
       "Переписывать ссылку на псевдоним (alias) заметки в вид [[Заметка|псевдоним]]."),
    _s("links.fix_case", "bool", False,
       "Fix the letter case of links that differ from the note name (Obsidian resolves them).",
       "Исправлять регистр букв ссылки, если он не совпадает с именем заметки."),
    _s("partners.recruiter_type", "str", "recruiter",
       "Frontmatter `type` value that marks a recruiter note.",
       "Значение поля `type` во frontmatter, которое отмечает заметку о рекрутере."),
    _s("partners.recruiter_tag", "str", "",
       "Tag that marks a recruiter note (empty: not used).",
       "Тег, который отмечает заметку о рекрутере (пусто: не используется)."),
    _s("partners.recruiter_folder", "str", "",
       "Folder whose notes are recruiter notes (empty: not used).",
       "Папка, заметки в которой считаются заметками о рекрутерах (пусто: не используется)."),
    _s("partners.search_mode", "choice", "passive",
       'Your job search mode, which picks the follow-up cadence: "active" or "passive".',
       'Режим поиска работы, от которого зависит частота напоминаний: "active" или "passive".',
       choices=("active", "passive")),
    _s("partners.active_cadence", "duration", "3w",
       "Follow-up interval in active mode, a Dataview duration: 3d, 2w, 3mo, 1y.",
       "Интервал напоминаний в активном режиме, длительность Dataview: 3d, 2w, 3mo, 1y."),
    _s("partners.passive_cadence", "duration", "3mo",
       "Follow-up interval in passive mode, a Dataview duration: 3d, 2w, 3mo, 1y.",
       "Интервал напоминаний в пассивном режиме, длительность Dataview: 3d, 2w, 3mo, 1y."),
    _s("partners.tag_cadences", "durations", MappingProxyType({}),
       'Per-tag follow-up intervals that override the mode\'s cadence, e.g. { hot = "1w" }.',
       'Интервалы напоминаний для тегов вместо интервала режима, например { hot = "1w" }.'),
    _s("partners.followups_folder", "str", "Follow-ups",
       "Folder where new follow-up notes are created.",
       "Папка, в которой создаются новые заметки-напоминания."),
    _s("partners.followup_name", "str", "{date} {name}",
       "File name pattern for a new follow-up note; {date} and {name} are filled in.",
       "Шаблон имени новой заметки-напоминания; {date} и {name} подставляются."),
    _s("partners.digest_note", "str", "Follow-ups/Digest",
       "Note (path without .md) that receives the follow-up digest.",
       "Заметка (путь без .md), в которую записывается сводка напоминаний."),
    _s("partners.profile_note", "str", "",
       "Note that describes you and your search, used by templates (empty: none).",
       "Заметка с вашим профилем и целями поиска для шаблонов (пусто: нет)."),
    _s("partners.templates_folder", "str", "vaultpartner/templates",
       "Vault folder with vaultpartner's note templates.",
       "Папка хранилища с шаблонами заметок vaultpartner."),
    _s("partners.max_new_notes", "int", 10,
       "Most new notes one run may create (0: create none).",
       "Наибольшее число новых заметок за один запуск (0: не создавать).",
       minimum=0),
    _s("partners.reciprocity_window", "int", 3,
       "How many recent interactions count when checking that a partnership is two-way.",
       "Сколько последних взаимодействий учитывать при проверке взаимности партнёрства.",
       minimum=1),
    _s("watch.quiet_seconds", "float", 1.0,
       "Seconds without file changes before `watch` handles a batch.",
       "Сколько секунд без изменений файлов ждать, прежде чем `watch` обработает пакет.",
       minimum=0, exclusive_minimum=True),
    _s("watch.max_wait_seconds", "float", 10.0,
       "Longest a batch may wait, in seconds, while files keep changing.",
       "Наибольшее ожидание пакета в секундах, пока файлы продолжают меняться.",
       minimum=0, exclusive_minimum=True),
    _s("watch.edit_grace_seconds", "float", 30.0,
       "Leave a note alone this many seconds after its last edit (0: no wait).",
       "Не трогать заметку столько секунд после её последней правки (0: без ожидания).",
       minimum=0),
    _s("watch.reconcile_minutes", "float", 10.0,
       "Minutes between full rescans that catch changes the watcher missed.",
       "Интервал в минутах между полными пересканированиями, которые ловят пропущенные изменения.",
       minimum=0, exclusive_minimum=True),
    _s("watch.defer_open_notes", "bool", False,
       "Leave notes open in Obsidian (its workspace.json) alone until their tab is closed.",
       "Не трогать заметки, открытые в Obsidian (по workspace.json), пока вкладка не закрыта."),
    # [hubs]: see vaultpartner.hubs for what the rules mean.
    _s("hubs.rules", "tables", (),
       'Topic hubs and who belongs to each: [{ hub = "HR", tag = "hr" }]; one of type, tag, '
       "folder or links_to_hub = true per rule; require_link = true makes members link the hub.",
       'Заметки-хабы и их участники: [{ hub = "HR", tag = "hr" }]; в правиле одно из type, tag, '
       "folder или links_to_hub = true; require_link = true: участники должны ссылаться на хаб.",
       fields=(("hub", "str"), ("type", "str"), ("tag", "str"), ("folder", "str"),
               ("links_to_hub", "bool"), ("require_link", "bool")),
       required=("hub",), one_of=("type", "tag", "folder", "links_to_hub")),
    _s("hubs.symmetric_related", "bool", False,
       "Keep related-topic links two-way: if A lists B, B lists A (removals apply to both).",
       "Делать связанные темы взаимными: если A ссылается на B, B ссылается на A."),
    _s("hubs.related_headings", "strings", ("Связанные темы", "Related"),
       "Headings of the related-topics section (any level, case-insensitive).",
       "Заголовки раздела связанных тем (любого уровня, без учёта регистра)."),
    _s("hubs.hub_template", "str", "hub.md.j2",
       "Template for topic notes created by `fix --create-missing`.",
       "Шаблон для заметок-тем, которые создаёт `fix --create-missing`."),
)  # fmt: skip

SETTINGS_BY_KEY: Mapping[str, Setting] = MappingProxyType({s.key: s for s in SETTINGS})


def section_keys(section: str) -> list[str]:
    """Names of the settings in one section ("" = top level, without the sections)."""
    return [s.name for s in SETTINGS if s.section == section]
