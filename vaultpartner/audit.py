"""The audit: findings about a vault index. Pure: no I/O, no clock, no printing.

Each check is a plain function over the index; `CHECKS` lists them in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from vaultpartner.findings import SEVERITY, Finding
from vaultpartner.headings import block_id_of, find_heading, has_subpath_target
from vaultpartner.index import VaultIndex, counts_as_backlink_source
from vaultpartner.linkformat import encode_markdown_destination, link_path_for
from vaultpartner.messages import Language, message
from vaultpartner.note import Link, Note
from vaultpartner.paths import is_markdown, is_sync_conflict, is_within, name_of, stem_of
from vaultpartner.suggest import close_names


@dataclass(frozen=True, slots=True)
class AuditOptions:
    language: Language = "en"
    orphans: bool = True
    suggestion_cutoff: int = 72
    template_folders: tuple[str, ...] = ()
    excluded: Callable[[str], bool] = field(default=lambda path: False)


@dataclass(frozen=True, slots=True)
class AuditResult:
    findings: tuple[Finding, ...]
    stats: dict[str, int]


def is_report_note(note: Note) -> bool:
    return not counts_as_backlink_source(note)


class _Context:
    def __init__(self, index: VaultIndex, options: AuditOptions) -> None:
        self.index = index
        self.options = options
        self._stems: dict[str, str] | None = None

    def reportable(self, path: str) -> bool:
        """Paths whose problems we report: not excluded, not templates, not conflict copies."""
        if self.options.excluded(path) or is_sync_conflict(path):
            return False
        if any(is_within(path, folder) for folder in self.options.template_folders):
            return False
        note = self.index.notes.get(path)
        return note is None or not is_report_note(note)

    def note_names(self) -> dict[str, str]:
        """Basename (as written in links) -> one path, for suggestions."""
        if self._stems is None:
            stems: dict[str, str] = {}
            for path in sorted(self.index.files):
                stems.setdefault(stem_of(path) if is_markdown(path) else name_of(path), path)
            self._stems = stems
        return self._stems

    def say(self, code: str, **values: object) -> str:
        return message(code, self.options.language, **values)


def _link_findings(ctx: _Context, source: str, link: Link) -> Iterator[Finding]:
    resolution = ctx.index.resolve_link(link, source)
    where = {"path": source, "line": link.line, "column": link.column, "target": link.raw}
    if resolution.status == "ambiguous":
        shown = [_wikilink(candidate, link) for candidate in resolution.candidates]
        yield Finding(
            "ambiguous-link",
            SEVERITY["ambiguous-link"],
            message=ctx.say(
                "ambiguous-link", target=link.raw, count=len(shown), candidates=", ".join(shown)
            ),
            suggestions=tuple(shown),
            candidates=resolution.candidates,
            **where,  # type: ignore[arg-type]
        )
    elif resolution.status == "missing":
        yield _missing(ctx, source, link, where)
    elif resolution.path is not None:
        yield from _subpath_findings(ctx, resolution.path, link, where)


def _wikilink(target_path: str, link: Link) -> str:
    """The link rewritten to name target_path by its full vault path."""
    if link.syntax == "markdown":
        destination = encode_markdown_destination(target_path + link.text.subpath)
        return f"{'!' if link.embed else ''}[{link.text.display or ''}]({destination})"
    path = target_path[:-3] if is_markdown(target_path) else target_path
    display = f"|{link.text.display}" if link.text.display is not None else ""
    return f"{'!' if link.embed else ''}[[{path}{link.text.subpath}{display}]]"


def _missing(ctx: _Context, source: str, link: Link, where: dict[str, object]) -> Finding:
    linkpath = link.text.linkpath
    name = linkpath[linkpath.rfind("/") + 1 :]
    holders = ctx.index.alias_holders(name) if "/" not in linkpath else ()
    if holders and link.syntax == "wiki":
        suggestions: list[str] = []
        for holder in holders:
            path = link_path_for(ctx.index, holder, source)
            suggestions.append(
                f"{'!' if link.embed else ''}[[{path}{link.text.subpath}|{link.text.display or name}]]"
            )
        return Finding(
            "alias-link",
            SEVERITY["alias-link"],
            message=ctx.say(
                "alias-link", target=link.raw, note=holders[0], suggestion=suggestions[0]
            ),
            suggestions=tuple(suggestions),
            **where,  # type: ignore[arg-type]
        )
    names = ctx.note_names()
    wanted = name[:-3] if name.lower().endswith(".md") else name
    close = close_names(wanted, names, cutoff=ctx.options.suggestion_cutoff)
    near = tuple(
        _wikilink_for_source(ctx, names[found], source, link)
        for found in close
        if names[found] != source
    )
    if near:
        return Finding(
            "broken-link",
            SEVERITY["broken-link-near"],
            message=ctx.say("broken-link-near", target=link.raw, suggestion=near[0]),
            suggestions=near,
            **where,  # type: ignore[arg-type]
        )
    return Finding(
        "broken-link",
        SEVERITY["broken-link"],
        message=ctx.say("broken-link", target=link.raw),
        **where,  # type: ignore[arg-type]
    )


def _wikilink_for_source(ctx: _Context, target: str, source: str, link: Link) -> str:
    if link.syntax == "markdown":
        return _wikilink(target, link)
    path = link_path_for(ctx.index, target, source)
    display = f"|{link.text.display}" if link.text.display is not None else ""
    return f"{'!' if link.embed else ''}[[{path}{link.text.subpath}{display}]]"


def _subpath_findings(
    ctx: _Context, target: str, link: Link, where: dict[str, object]
) -> Iterator[Finding]:
    subpath = link.text.subpath
    if not subpath or not is_markdown(target) or not has_subpath_target(subpath):
        return
    note = ctx.index.notes.get(target)
    if note is None or note.unreadable is not None:
        return
    block = block_id_of(subpath)
    if block is not None:
        if block not in note.block_ids:
            yield Finding(
                "broken-block",
                SEVERITY["broken-block"],
                message=ctx.say("broken-block", subpath=subpath, note=target),
                **where,  # type: ignore[arg-type]
            )
        return
    if find_heading(note.headings, subpath) is None:
        suggestions = tuple(
            f"#{heading.text}"
            for heading in note.headings
            if heading.text.lower() != subpath[1:].lower()
        )[:3]
        yield Finding(
            "broken-heading",
            SEVERITY["broken-heading"],
            message=ctx.say("broken-heading", subpath=subpath, note=target),
            suggestions=suggestions,
            **where,  # type: ignore[arg-type]
        )


def check_links(ctx: _Context) -> Iterator[Finding]:
    for path in sorted(ctx.index.notes):
        if not ctx.reportable(path):
            continue
        for link in ctx.index.counted_links(path):
            yield from _link_findings(ctx, path, link)


def check_notes(ctx: _Context) -> Iterator[Finding]:
    for path, note in sorted(ctx.index.notes.items()):
        if not ctx.reportable(path):
            continue
        if note.unreadable is not None:
            yield Finding(
                "unreadable-file",
                SEVERITY["unreadable-file"],
                path,
                None,
                None,
                ctx.say("unreadable-file", problem=note.unreadable.message),
                offset=note.unreadable.offset,
            )
        elif note.frontmatter_error is not None:
            error = note.frontmatter_error
            yield Finding(
                "invalid-frontmatter",
                SEVERITY["invalid-frontmatter"],
                path,
                error.line,
                1 if error.line is not None else None,
                ctx.say("invalid-frontmatter", problem=error.message),
            )


def check_sync_conflicts(ctx: _Context) -> Iterator[Finding]:
    for path in sorted(ctx.index.files):
        if is_sync_conflict(path) and not ctx.options.excluded(path):
            yield Finding(
                "sync-conflict",
                SEVERITY["sync-conflict"],
                path,
                None,
                None,
                ctx.say("sync-conflict"),
            )


def check_orphans(ctx: _Context) -> Iterator[Finding]:
    """Obsidian's graph sense of orphan: no resolved link in either direction."""
    if not ctx.options.orphans:
        return
    connected: set[str] = set()
    for source, note in ctx.index.notes.items():
        if is_report_note(note):
            continue
        for link in ctx.index.counted_links(source):
            resolution = ctx.index.resolve_link(link, source)
            if resolution.resolved and resolution.path != source:
                connected.add(source)
                connected.add(resolution.path or "")
    for path, note in sorted(ctx.index.notes.items()):
        if path not in connected and note.unreadable is None and ctx.reportable(path):
            yield Finding(
                "orphan-note", SEVERITY["orphan-note"], path, None, None, ctx.say("orphan-note")
            )


CHECKS: tuple[Callable[[_Context], Iterator[Finding]], ...] = (
    check_notes,
    check_links,
    check_sync_conflicts,
    check_orphans,
)


def run_audit(
    index: VaultIndex, options: AuditOptions, *, symlink_loops: Sequence[str] = ()
) -> AuditResult:
    """Every finding about the vault, sorted by path and position."""
    ctx = _Context(index, options)
    findings = [finding for check in CHECKS for finding in check(ctx)]
    findings.extend(
        Finding("symlink-loop", SEVERITY["symlink-loop"], path, None, None, ctx.say("symlink-loop"))
        for path in symlink_loops
        if ctx.reportable(path)
    )
    findings.sort(key=Finding.sort_key)
    by_severity = Counter(finding.severity for finding in findings)
    stats = {
        "files": len(index.files),
        "notes": len(index.notes),
        "links": sum(len(note.links) for note in index.notes.values()),
        "findings": len(findings),
        "errors": by_severity["error"],
        "warnings": by_severity["warning"],
        "info": by_severity["info"],
    }
    return AuditResult(tuple(findings), stats)
