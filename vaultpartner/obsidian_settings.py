"""Read (never write) the Obsidian settings that change how vaultpartner treats a vault."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar, cast

_T = TypeVar("_T")

LinkFormat = Literal["shortest", "relative", "absolute"]
_LINK_FORMATS: tuple[LinkFormat, ...] = ("shortest", "relative", "absolute")

TEMPLATES_JSON = "templates.json"
TEMPLATER_JSON = "plugins/templater-obsidian/data.json"
TASKS_JSON = "plugins/obsidian-tasks-plugin/data.json"
APP_JSON = "app.json"


def _normalise_folder(folder: str) -> str:
    folder = unicodedata.normalize("NFC", folder.strip())
    while folder.startswith("./"):
        folder = folder[2:]
    return folder.strip("/")


@dataclass(frozen=True)
class ObsidianSettings:
    config_folder: str = ".obsidian"
    # app.json
    new_link_format: LinkFormat = "shortest"
    use_markdown_links: bool = False
    always_update_links: bool = False
    # templates.json (core Templates plugin) and Templater's data.json: raw values, None if unset
    core_templates_folder: str | None = None
    templater_folder: str | None = None
    # Tasks plugin data.json
    tasks_format: str = "tasksPluginEmoji"
    tasks_global_filter: str = ""
    tasks_set_created_date: bool = False

    @property
    def template_folders(self) -> tuple[str, ...]:
        """Vault-relative folders holding templates (NFC, no leading/trailing "/"), no repeats."""
        folders: list[str] = []
        for raw in (self.core_templates_folder, self.templater_folder):
            folder = _normalise_folder(raw) if raw else ""
            if folder and folder not in folders:
                folders.append(folder)
        return tuple(folders)


DEFAULT_OBSIDIAN_SETTINGS = ObsidianSettings()


class _Reader:
    """Reads one config folder's JSON files, collecting warnings instead of raising."""

    def __init__(self, folder: Path, config_folder: str) -> None:
        self.folder = folder
        self.config_folder = config_folder
        self.warnings: list[str] = []

    def load(self, relative: str) -> dict[str, object]:
        path = self.folder / relative
        shown = f"{self.config_folder}/{relative}"
        try:
            data: object = json.loads(path.read_bytes().decode("utf-8-sig"))
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self.warnings.append(f"{shown}: cannot read it ({exc.strerror or exc}); using defaults")
            return {}
        except (UnicodeDecodeError, ValueError) as exc:
            self.warnings.append(f"{shown}: not valid JSON ({exc}); using defaults")
            return {}
        if not isinstance(data, dict):
            self.warnings.append(f"{shown}: expected a JSON object; using defaults")
            return {}
        return cast(dict[str, object], data)

    def value(self, data: dict[str, object], relative: str, key: str, default: _T) -> _T:
        """data[key] if present and of the default's type, else the default (with a warning)."""
        if key not in data or data[key] is None:
            return default
        value = data[key]
        if type(value) is not type(default):
            shown = f"{self.config_folder}/{relative}"
            self.warnings.append(f"{shown}: {key} has an unexpected value {value!r}; ignoring it")
            return default
        return value

    def folder_value(self, relative: str, key: str) -> str | None:
        data = self.load(relative)
        folder = self.value(data, relative, key, "")
        return folder or None


def read_obsidian_settings(
    vault_root: Path, *, config_folder: str = ".obsidian"
) -> tuple[ObsidianSettings, list[str]]:
    """The vault's Obsidian settings and warnings about files that could not be used.

    A missing config folder or file means Obsidian's defaults; a broken file never raises.
    """
    reader = _Reader(vault_root / config_folder, config_folder)
    app = reader.load(APP_JSON)
    link_format = reader.value(app, APP_JSON, "newLinkFormat", "shortest")
    if link_format not in _LINK_FORMATS:
        reader.warnings.append(
            f"{config_folder}/{APP_JSON}: unknown newLinkFormat {link_format!r}; using shortest"
        )
        link_format = "shortest"
    tasks = reader.load(TASKS_JSON)
    settings = ObsidianSettings(
        config_folder=config_folder,
        new_link_format=cast(LinkFormat, link_format),
        use_markdown_links=reader.value(app, APP_JSON, "useMarkdownLinks", False),
        always_update_links=reader.value(app, APP_JSON, "alwaysUpdateLinks", False),
        core_templates_folder=reader.folder_value(TEMPLATES_JSON, "folder"),
        templater_folder=reader.folder_value(TEMPLATER_JSON, "templates_folder"),
        tasks_format=reader.value(tasks, TASKS_JSON, "taskFormat", "tasksPluginEmoji"),
        tasks_global_filter=reader.value(tasks, TASKS_JSON, "globalFilter", ""),
        tasks_set_created_date=reader.value(tasks, TASKS_JSON, "setCreatedDate", False),
    )
    return settings, reader.warnings
