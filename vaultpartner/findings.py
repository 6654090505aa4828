"""Audit findings: codes, the fixed severity table, and the JSON shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
JSON_SCHEMA_VERSION = 1

# The one severity table (README "Findings"). broken-link is an error only when a near-miss
# target exists (a typo); otherwise it is a warning, because linking a note not written yet is
# normal Obsidian use.
SEVERITY: dict[str, Severity] = {
    "broken-link": "warning",
    "broken-link-near": "error",
    "ambiguous-link": "error",
    "broken-heading": "error",
    "broken-block": "error",
    "invalid-frontmatter": "error",
    "unreadable-file": "error",
    "alias-link": "warning",
    "sync-conflict": "warning",
    "symlink-loop": "warning",
    "orphan-note": "info",
    "overdue-followup": "info",
    # Partnership data (vaultpartner.partners); each problem carries its own severity too.
    "recruiter-field": "warning",
    "interaction-field": "warning",
    "duplicate-contact": "warning",
    "recruiter-no-contact": "info",
    "confidential-leak": "warning",
    # topic hubs (vaultpartner.hubs): opt-in rules, so what `fix` repairs is a warning
    "hub-missing-member": "warning",
    "hub-block-damaged": "error",
    "hub-link-missing": "warning",
    "related-asymmetric": "warning",
    "missing-topic": "info",
}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    path: str  # vault-relative POSIX path
    line: int | None  # 1-based; None for file-level findings
    column: int | None  # 1-based, in code points
    message: str
    target: str | None = None  # the link as written
    suggestions: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    offset: int | None = None  # byte offset, for unreadable-file
    # Text quoted in `message` (links, paths, headings): the report note puts these in code
    # spans so they create no links or tags. Not part of the JSON.
    literals: tuple[str, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, self.column or 0, self.code)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "code": self.code,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "target": self.target,
            "suggestion": self.suggestions[0] if self.suggestions else None,
            "suggestions": list(self.suggestions),
        }
        if self.code == "ambiguous-link":
            data["candidates"] = list(self.candidates)
        if self.code == "unreadable-file":
            data["offset"] = self.offset
        return data


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
