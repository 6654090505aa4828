"""vaultpartner.toml: the only file vaultpartner keeps in a vault, loaded into a typed Config."""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

from vaultpartner.config_schema import (
    SECTIONS,
    SETTINGS,
    SETTINGS_BY_KEY,
    Invalid,
    Setting,
    render_key,
    render_toml,
    section_keys,
)
from vaultpartner.errors import ConfigError

CONFIG_FILE_NAME = "vaultpartner.toml"
SOURCE_DEFAULT = "default"
SOURCE_FILE = CONFIG_FILE_NAME
SOURCE_COMMAND_LINE = "command line"

Language = Literal["auto", "ru", "en"]
FailOn = Literal["error", "warning", "never"]
SearchMode = Literal["active", "passive"]


@dataclass(frozen=True)
class AuditConfig:
    fail_on: FailOn
    orphans: bool
    suggestion_cutoff: int
    max_note_bytes: int


@dataclass(frozen=True)
class LinksConfig:
    fix_aliases: bool
    fix_case: bool


@dataclass(frozen=True)
class PartnersConfig:
    recruiter_type: str
    recruiter_tag: str
    recruiter_folder: str
    search_mode: SearchMode
    active_cadence: str  # canonical Dataview duration: "3w", "3mo" (see parse_duration)
    passive_cadence: str
    tag_cadences: Mapping[str, str] = field(hash=False)  # tag (no "#") -> duration
    followups_folder: str
    followup_name: str
    digest_note: str
    profile_note: str
    templates_folder: str
    max_new_notes: int
    reciprocity_window: int


@dataclass(frozen=True)
class WatchConfig:
    quiet_seconds: float
    max_wait_seconds: float
    edit_grace_seconds: float
    reconcile_minutes: float
    defer_open_notes: bool


@dataclass(frozen=True)
class HubsConfig:
    """[hubs]: see vaultpartner.hubs. Each rule is a read-only table with the keys `hub` and
    exactly one of `type`, `tag`, `folder`, `links_to_hub`, optionally `require_link`."""

    rules: tuple[Mapping[str, object], ...] = field(hash=False)
    symmetric_related: bool
    related_headings: tuple[str, ...]
    hub_template: str


_SECTION_TYPES: dict[str, type[Any]] = {
    "audit": AuditConfig,
    "links": LinksConfig,
    "partners": PartnersConfig,
    "watch": WatchConfig,
    "hubs": HubsConfig,
}


@dataclass(frozen=True)
class Config:
    language: Language
    exclude: tuple[str, ...]
    audit: AuditConfig
    links: LinksConfig
    partners: PartnersConfig
    watch: WatchConfig
    hubs: HubsConfig

    def value(self, key: str) -> object:
        """The value of one dotted setting key, e.g. "audit.fail_on"."""
        section, _, name = key.rpartition(".")
        holder: object = getattr(self, section) if section else self
        return cast(object, getattr(holder, name))

    @cached_property
    def _exclude_re(self) -> re.Pattern[str] | None:
        alternatives: list[str] = []
        for pattern in self.exclude:
            pattern = pattern.rstrip("/")
            alternatives.append(fnmatch.translate(pattern))
            if pattern.startswith("**/"):
                alternatives.append(fnmatch.translate(pattern[3:]))
        if not alternatives:
            return None
        return re.compile("|".join(f"(?:{a})" for a in alternatives))

    def is_excluded(self, rel_path: str) -> bool:
        """True if a vault-relative POSIX path, or a folder above it, matches `exclude`."""
        regex = self._exclude_re
        if regex is None:
            return False
        path = unicodedata.normalize("NFC", rel_path)
        while path.startswith(("./", "/")):
            path = path[1:] if path.startswith("/") else path[2:]
        parts = [part for part in path.split("/") if part]
        return any(regex.match("/".join(parts[:i])) for i in range(1, len(parts) + 1))


def _check_schema_matches_dataclasses() -> None:
    for section, cls in (("", Config), *_SECTION_TYPES.items()):
        names = [f.name for f in dataclasses.fields(cls) if f.name not in _SECTION_TYPES]
        if names != section_keys(section):
            raise RuntimeError(f"config schema and {cls.__name__} fields differ")


_check_schema_matches_dataclasses()


def _build_config(values: Mapping[str, object]) -> Config:
    top: dict[str, object] = {}
    sections: dict[str, dict[str, object]] = {name: {} for name in SECTIONS}
    for key, value in values.items():
        section, _, name = key.rpartition(".")
        (sections[section] if section else top)[name] = value
    for section, cls in _SECTION_TYPES.items():
        top[section] = cls(**sections[section])
    return cast(Config, cast(Any, Config)(**top))


DEFAULT_CONFIG: Config = _build_config({s.key: s.check(s.default) for s in SETTINGS})


@dataclass(frozen=True)
class LoadedConfig:
    config: Config
    sources: Mapping[str, str]  # dotted key -> "default" | "vaultpartner.toml" | "command line"
    path: Path | None  # the vaultpartner.toml that was read, if there is one


# --- locating keys in the file text, for line numbers ---------------------------------

_KEY_PART = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER_RE = re.compile(rf"\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?")
_ASSIGN_RE = re.compile(rf"\s*({_DOTTED})\s*=")
_PART_RE = re.compile(_KEY_PART)


def _split_key(dotted: str) -> list[str]:
    return [p.strip("\"'") for p in _PART_RE.findall(dotted)]


def _find_line(text: str, path: list[str]) -> int | None:
    """1-based line where a key (or, failing that, its closest parent) is set."""
    found: dict[tuple[str, ...], int] = {}
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER_RE.fullmatch(line):
            table = _split_key(header.group(1))
            found.setdefault(tuple(table), number)
        elif assign := _ASSIGN_RE.match(line):
            found.setdefault(tuple(table + _split_key(assign.group(1))), number)
    for length in range(len(path), 0, -1):
        if tuple(path[:length]) in found:
            return found[tuple(path[:length])]
    return None


# --- loading ---------------------------------------------------------------------------


def _unknown_key_error(
    key_path: list[str], *, path: str | None, line: int | None, is_table: bool = False
) -> ConfigError:
    section = key_path[0] if len(key_path) > 1 and key_path[0] in SECTIONS else ""
    name = ".".join(key_path[1:]) if section else ".".join(key_path)
    names = section_keys(section) if section else [*section_keys(""), *SECTIONS]
    guesses = difflib.get_close_matches(name, names, n=1)
    if section:
        what = f'unknown key "{name}" in [{section}]'
        hint = f"valid keys in [{section}]: {', '.join(names)}"
    else:
        what = f"unknown section [{name}]" if is_table else f'unknown key "{name}"'
        shown = [*section_keys(""), *(f"[{s}]" for s in SECTIONS)]
        hint = f"valid top-level keys: {', '.join(shown)}"
    if guesses:
        guess = f"[{guesses[0]}]" if guesses[0] in SECTIONS else f'"{guesses[0]}"'
        hint = f"did you mean {guess}? {hint}"
    return ConfigError(what, path=path, line=line, hint=hint)


def _invalid_error(
    setting: Setting, exc: Invalid, *, path: str | None, line: int | None
) -> ConfigError:
    key = setting.key if exc.subkey is None else f"{setting.key}.{render_key(exc.subkey)}"
    where = "" if path is not None else " (command line)"
    message = f"{key}{where}: expected {exc.expected}, found {render_toml(exc.found)}"
    if exc.note:
        message = f"{key}{where}: {exc.note}"
        if setting.kind != "duration" and exc.subkey is None:
            message += f" (expected {exc.expected})"
    return ConfigError(
        message, path=path, line=line, hint=f"default: {render_toml(setting.default)}"
    )


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(
            f"cannot read the settings file: {exc.strerror or exc}", path=str(path)
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            "the settings file is not UTF-8 text", path=str(path), hint="save it as UTF-8"
        ) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", reason)
        line = int(where.group(1)) if where else None
        if where:
            reason = f"{reason[: where.start()]} at column {where.group(2)}"
        elif reason.endswith("(at end of document)"):
            line = max(1, len(text.splitlines()))
        raise ConfigError(
            f"invalid TOML: {reason}",
            path=str(path),
            line=line,
            hint='strings need quotes and each setting is `key = value`, e.g. language = "ru"',
        ) from None


def _flatten_file(data: Mapping[str, Any], text: str, file: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, value in data.items():
        if name in SECTIONS:
            if not isinstance(value, dict):
                line = _find_line(text, [name])
                raise ConfigError(
                    f"[{name}] must be a table, found {render_toml(value)}",
                    path=file,
                    line=line,
                    hint=f"write it as a section: [{name}]",
                )
            for sub, sub_value in value.items():
                if f"{name}.{sub}" not in SETTINGS_BY_KEY:
                    line = _find_line(text, [name, sub])
                    raise _unknown_key_error([name, sub], path=file, line=line)
                values[f"{name}.{sub}"] = sub_value
        elif name in SETTINGS_BY_KEY:
            values[name] = value
        else:
            line = _find_line(text, [name])
            is_table = isinstance(value, dict)
            raise _unknown_key_error([name], path=file, line=line, is_table=is_table)
    return values


def _parse_override(setting: Setting, raw: object) -> object:
    """Command-line strings for non-string settings are read as TOML values ("80", "true")."""
    if not isinstance(raw, str) or setting.kind in ("str", "choice", "duration"):
        return raw
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def load_config(vault_root: Path, *, overrides: Mapping[str, object] | None = None) -> LoadedConfig:
    """Defaults, then <vault>/vaultpartner.toml, then command-line overrides (None = not given)."""
    values: dict[str, object] = {s.key: s.check(s.default) for s in SETTINGS}
    sources: dict[str, str] = dict.fromkeys(values, SOURCE_DEFAULT)
    toml_path = vault_root / CONFIG_FILE_NAME
    found_path: Path | None = None
    if toml_path.exists():
        found_path = toml_path
        file = str(toml_path)
        text, data = _read_toml(toml_path)
        for key, raw in _flatten_file(data, text, file).items():
            setting = SETTINGS_BY_KEY[key]
            try:
                values[key] = setting.check(raw)
            except Invalid as exc:
                key_path = key.split(".") + ([] if exc.subkey is None else [exc.subkey])
                line = _find_line(text, key_path)
                raise _invalid_error(setting, exc, path=file, line=line) from None
            sources[key] = SOURCE_FILE
    for key, raw in (overrides or {}).items():
        if raw is None:
            continue
        known = SETTINGS_BY_KEY.get(key)
        if known is None:
            raise _unknown_key_error(key.split("."), path=None, line=None)
        try:
            values[key] = known.check(_parse_override(known, raw))
        except Invalid as exc:
            raise _invalid_error(known, exc, path=None, line=None) from None
        sources[key] = SOURCE_COMMAND_LINE
    return LoadedConfig(_build_config(values), MappingProxyType(sources), found_path)


# --- showing settings ------------------------------------------------------------------

_HEADER_TEXT = {
    "en": (
        "vaultpartner settings for this vault (vaultpartner.toml).",
        "Every setting is commented out and shows its default value.",
        'To change one, remove the "# " in front of it and edit the value.',
    ),
    "ru": (
        "Настройки vaultpartner для этого хранилища (vaultpartner.toml).",
        "Все настройки закомментированы и показывают значения по умолчанию.",
        'Чтобы изменить настройку, удалите "# " перед ней и поправьте значение.',
    ),
}


def default_config_text(language: str = "en") -> str:
    """A fully commented default vaultpartner.toml, with descriptions in "ru" or "en"."""
    if language not in _HEADER_TEXT:
        raise ValueError(f"language must be 'ru' or 'en', not {language!r}")
    lines = [f"# {line}" for line in _HEADER_TEXT[language]]
    section = ""
    for setting in SETTINGS:
        if setting.section != section:
            section = setting.section
            lines += ["", f"[{section}]"]
        lines += ["", f"# {setting.description(language)}"]
        lines.append(f"# {setting.name} = {render_toml(setting.default)}")
    return "\n".join(lines) + "\n"


def effective_settings(loaded: LoadedConfig) -> list[tuple[str, str, str]]:
    """(dotted key, value rendered as TOML, source) for every setting, in schema order."""
    return [
        (s.key, render_toml(loaded.config.value(s.key)), loaded.sources.get(s.key, SOURCE_DEFAULT))
        for s in SETTINGS
    ]
