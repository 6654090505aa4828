"""The values the hub planner works with: rules, problems, the result. No logic beyond parsing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from vaultpartner.config import HubsConfig
from vaultpartner.plan import Plan

Pair = tuple[str, str]  # two note paths, sorted: an unordered pair of related topics


@dataclass(frozen=True, slots=True)
class HubRule:
    """One `[hubs] rules` entry: a hub note and who belongs to it (exactly one criterion)."""

    hub: str  # the hub as a link path from the vault root ("Рекрутинг", "Темы/HR")
    type: str | None = None  # frontmatter `type` equals this (case-insensitive)
    tag: str | None = None  # frontmatter tag equals this or is nested below it ("hr/it")
    folder: str | None = None  # the note lies in this folder (or below)
    links_to_hub: bool = False  # the note links the hub (outside generated hub blocks)
    require_link: bool = False  # members must link the hub in their related-topics section


def hub_rules(config: HubsConfig) -> tuple[HubRule, ...]:
    """The rules of a loaded config (already validated by the settings schema)."""
    rules: list[HubRule] = []
    for table in config.rules:
        text = {key: str(value) for key, value in table.items() if isinstance(value, str)}
        rules.append(
            HubRule(
                hub=text["hub"].strip("/").removesuffix(".md"),
                type=text.get("type"),
                tag=text["tag"].lstrip("#") if "tag" in text else None,
                folder=text["folder"].strip("/") if "folder" in text else None,
                links_to_hub=table.get("links_to_hub") is True,
                require_link=table.get("require_link") is True,
            )
        )
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class NewFileLocation:
    """Obsidian's `newFileLocation` / `newFileFolderPath` (app.json): where a bare name goes."""

    mode: Literal["root", "current", "folder"] = "root"
    folder: str = ""


@dataclass(frozen=True, slots=True)
class HubProblem:
    """One problem, to become a `findings.Finding` (code, severity) with message `key`."""

    code: str  # hub-missing-member | hub-block-damaged | hub-link-missing | ...
    path: str
    line: int | None
    column: int | None
    key: str  # the message key in vaultpartner.messages (a variant of the code)
    values: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None  # the link as written, for link findings

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line or 0, self.column or 0, self.code, self.key)


@dataclass
class HubResult:
    plan: Plan
    problems: list[HubProblem]
    pairs: set[Pair]  # symmetric related pairs after the plan: store them for the next run
