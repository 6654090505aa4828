"""Audit output as JSON and as an Obsidian report note. Pure: returns text."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from vaultpartner import __version__
from vaultpartner.findings import JSON_SCHEMA_VERSION, Finding
from vaultpartner.messages import Language
from vaultpartner.paths import is_markdown

_TITLES: dict[Language, dict[str, str]] = {
    "en": {
        "title": "Vault audit",
        "summary": "{errors} errors, {warnings} warnings, {info} info in {notes} notes ({links} links).",
        "clean": "No findings.",
        "line": "line",
        "file": "file",
    },
    "ru": {
        "title": "Проверка хранилища",
        "summary": "Ошибок: {errors}, предупреждений: {warnings}, замечаний: {info} — "
        "заметок: {notes}, ссылок: {links}.",
        "clean": "Замечаний нет.",
        "line": "строка",
        "file": "файл",
    },
}


def to_json(vault: str, stats: dict[str, int], findings: Sequence[Finding]) -> str:
    """The documented JSON shape: {"schema", "vault", "stats", "findings": [...]}."""
    document = {
        "schema": JSON_SCHEMA_VERSION,
        "tool": f"vaultpartner {__version__}",
        "vault": vault,
        "stats": stats,
        "findings": [finding.to_json() for finding in findings],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _note_link(path: str) -> str:
    """A wikilink that opens the note from anywhere: the full vault path always resolves exactly."""
    target = path[:-3] if is_markdown(path) else path
    label = target.rsplit("/", 1)[-1]
    return f"[[{target}|{label}]]" if "/" in target else f"[[{target}]]"


def _code(text: str) -> str:
    """Inline code that can hold backticks, so link text in messages never becomes a link."""
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _inline_message(finding: Finding) -> str:
    text = finding.message
    for literal in {finding.target, *finding.suggestions, *finding.candidates} - {None, ""}:
        if literal and literal in text:
            text = text.replace(literal, _code(literal))
    return text


def to_markdown(
    vault: str,
    stats: dict[str, int],
    findings: Sequence[Finding],
    *,
    language: Language,
    today: str,
) -> str:
    """A report note for the vault: marked so it is never counted as a backlink or audited."""
    words = _TITLES[language]
    lines = [
        "---",
        "generated_by: vaultpartner",
        "vaultpartner: report",
        f"created: {today}",
        f"errors: {stats['errors']}",
        f"warnings: {stats['warnings']}",
        f"info: {stats['info']}",
        "---",
        "",
        f"# {words['title']}",
        "",
        words["summary"].format(**stats),
        "",
    ]
    if not findings:
        lines += [words["clean"], ""]
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.path].append(finding)
    for path, items in grouped.items():
        lines += [f"## {_note_link(path)}", ""]
        for finding in items:
            where = f"{words['line']} {finding.line}" if finding.line else words["file"]
            lines.append(
                f"- **{finding.severity}** `{finding.code}` ({where}): {_inline_message(finding)}"
            )
        lines.append("")
    return "\n".join(lines)
