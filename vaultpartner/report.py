"""Audit output as JSON and as an Obsidian report note. Pure: returns text."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence

from vaultpartner import __version__
from vaultpartner.findings import JSON_SCHEMA_VERSION, Finding
from vaultpartner.messages import Language
from vaultpartner.paths import is_markdown


def to_json(vault: str, stats: dict[str, int], findings: Sequence[Finding]) -> str:
    """The documented JSON shape: {"schema", "vault", "stats", "findings": [...]}."""
    return "".join(json_chunks(vault, stats, findings))


def json_chunks(vault: str, stats: dict[str, int], findings: Sequence[Finding]) -> Iterator[str]:
    """to_json's text in pieces, so the report of a large vault is never held whole.

    One finding a line: easy to grep and diff, and encoded by json's C encoder (indent makes
    json fall back to pure Python, a tenth of an audit with many findings)."""
    head = {
        "schema": JSON_SCHEMA_VERSION,
        "tool": f"vaultpartner {__version__}",
        "vault": vault,
        "stats": stats,
        "findings": [],
    }
    text = json.dumps(head, ensure_ascii=False, indent=2)
    if not findings:
        yield text + "\n"
        return
    yield text[: -len("[]\n}")] + "[\n"
    last = len(findings) - 1
    for start in range(0, len(findings), _JSON_SLICE):
        yield "".join(
            f"    {json.dumps(finding.to_json(), ensure_ascii=False)}"
            + ("\n" if start + offset == last else ",\n")
            for offset, finding in enumerate(findings[start : start + _JSON_SLICE])
        )
    yield "  ]\n}\n"


_JSON_SLICE = 1000


# A file name with one of these cannot be written inside a wikilink.
_UNLINKABLE = re.compile(r"[#|^]|\[\[|\]\]|%%")


def _note_link(path: str) -> str:
    """A wikilink that opens the file from anywhere: the full vault path resolves exactly.

    `.md` is dropped only when the rest has no dot, so `v1.2.md` and `Note.md.md` still name
    themselves; a name Obsidian cannot link to is shown as code instead.
    """
    if _UNLINKABLE.search(path) or path.endswith("\\"):
        return _code(path)
    stem = path[:-3] if is_markdown(path) else path
    target = stem if is_markdown(path) and "." not in stem.rsplit("/", 1)[-1] else path
    label = stem.rsplit("/", 1)[-1]
    return f"[[{target}|{label}]]" if target != label else f"[[{target}]]"


def _code(text: str) -> str:
    """An inline code span holding text verbatim, so it creates no link, tag or markup."""
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    padded = f" {text} " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else text
    return f"{fence}{padded}{fence}"


def _inline_message(finding: Finding) -> str:
    """The message with every quoted value (link, path, heading) inside a code span."""
    literals = sorted(
        {text for text in (finding.target, *finding.literals) if text}, key=len, reverse=True
    )
    if not literals:
        return finding.message
    pattern = re.compile("|".join(re.escape(text) for text in literals))
    return pattern.sub(lambda match: _code(match.group()), finding.message)


def to_markdown(
    vault: str,
    stats: dict[str, int],
    findings: Sequence[Finding],
    *,
    language: Language,
    today: str,
) -> str:
    """A report note for the vault: marked so it is never counted as a backlink or audited."""
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.path].append(finding)
    groups = [
        {
            "path": path,
            "link": _note_link(path),
            "findings": [
                {
                    "severity": finding.severity,
                    "code": finding.code,
                    "line": finding.line,
                    "message": _inline_message(finding),
                }
                for finding in items
            ],
        }
        for path, items in grouped.items()
    ]
    context = {"vault": vault, "stats": stats, "groups": groups, "today": today}
    from vaultpartner.render import render  # Jinja2 only for the report note

    return render("audit-report.md.j2", context, language=language)
