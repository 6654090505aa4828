"""The audit: findings about a vault index. Pure: no I/O, no clock, no printing.

Per-note checks (the note's file, its links) run note by note and can be reused from an
`AuditMemo` of an earlier run; vault-wide checks (sync conflicts, orphans, symlink loops) run
over the whole index every time.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from vaultpartner.auditmemo import AuditMemo, NoteAudit, decode_share, encode_share
from vaultpartner.findings import SEVERITY, Finding
from vaultpartner.headings import Heading, block_id_of, find_heading, has_subpath_target
from vaultpartner.index import VaultIndex, counts_as_backlink_source
from vaultpartner.linkformat import encode_markdown_destination, link_path_for
from vaultpartner.messages import Language, message
from vaultpartner.note import Link, Note, Unreadable
from vaultpartner.numbered_copies import possible_copies
from vaultpartner.paths import (
    folder_of,
    is_markdown,
    is_sync_conflict,
    join,
    name_of,
    stem_of,
    within_any,
)
from vaultpartner.resolve import Resolution
from vaultpartner.suggest import NameMatcher, SuggestionMemo, close_names


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


# Conflict-copy name patterns (as in vaultpartner.paths), with the tool that makes them.
_CONFLICT_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\.sync-conflict-\d{8}-\d{6}-[A-Z0-9]{7}(?=\.|$)"), "Syncthing"),
    (re.compile(r" ?\(Conflicted copy[^)]*\)", re.IGNORECASE), "Obsidian Sync"),
    (re.compile(r" ?\([^)]*'s conflicted copy[^)]*\)", re.IGNORECASE), "Dropbox"),
    (re.compile(r" ?\((?:Case|Unicode Encoding) Conflict[^)]*\)", re.IGNORECASE), "Dropbox"),
)
_VALID_BLOCK_ID = re.compile(r"[A-Za-z0-9-]+")
_TOO_LARGE = re.compile(r"max_note_bytes \((\d+) bytes\)")
# Characters a heading link cannot carry (Obsidian drops them when it writes heading links).
_HEADING_LINK_UNSAFE = re.compile(r"[#|^\[\]\\%]+")


def is_report_note(note: Note) -> bool:
    return not counts_as_backlink_source(note)


def suggestion_names(paths: Iterable[str], template_folders: Sequence[str]) -> dict[str, str]:
    """Basename (as written in links) -> one path: the names near misses are searched among.

    Templates and sync-conflict copies resolve like any file but are never a sensible
    target to suggest."""
    stems: dict[str, str] = {}
    for path in sorted(paths):
        if is_sync_conflict(path) or within_any(path, template_folders):
            continue
        stems.setdefault(stem_of(path) if is_markdown(path) else name_of(path), path)
    return stems


class _Context:
    def __init__(
        self, index: VaultIndex, options: AuditOptions, suggestions: SuggestionMemo | None = None
    ) -> None:
        self.index = index
        self.options = options
        self.suggestions = suggestions
        self._stems: dict[str, str] | None = None
        self._matcher: NameMatcher | None = None
        self._reportable: dict[str, bool] = {}

    def reportable(self, path: str) -> bool:
        """Paths whose problems we report: not excluded, not templates, not conflict copies."""
        known = self._reportable.get(path)
        if known is None:
            known = self._reportable[path] = self._decide_reportable(path)
        return known

    def _decide_reportable(self, path: str) -> bool:
        if self.options.excluded(path) or is_sync_conflict(path):
            return False
        if self.in_template_folder(path):
            return False
        note = self.index.notes.get(path)
        return note is None or not is_report_note(note)

    def in_template_folder(self, path: str) -> bool:
        return within_any(path, self.options.template_folders)

    def note_names(self) -> dict[str, str]:
        """Basename (as written in links) -> one path, for suggestions."""
        if self._stems is None:
            self._stems = suggestion_names(self.index.files, self.options.template_folders)
        return self._stems

    def close_note_names(self, wanted: str) -> list[str]:
        if self._matcher is None:
            self._matcher = NameMatcher(
                self.note_names(), cutoff=self.options.suggestion_cutoff, memo=self.suggestions
            )
        return self._matcher.close(wanted)

    def say(self, code: str, **values: object) -> str:
        return message(code, self.options.language, **values)


def _link_findings(
    ctx: _Context, source: str, link: Link, resolution: Resolution
) -> Iterator[Finding]:
    where = {"path": source, "line": link.line, "column": link.column, "target": link.raw}
    if resolution.status == "ambiguous":
        shown = tuple(_full_path_link(candidate, link) for candidate in resolution.candidates)
        candidates = ", ".join(resolution.candidates)
        yield Finding(
            "ambiguous-link",
            SEVERITY["ambiguous-link"],
            message=ctx.say(
                "ambiguous-link",
                target=link.raw,
                count=len(shown),
                candidates=candidates,
                suggestion=shown[0],
            ),
            suggestions=shown,
            candidates=resolution.candidates,
            literals=(link.raw, *shown, *resolution.candidates),
            **where,  # type: ignore[arg-type]
        )
    elif resolution.status == "missing":
        yield _missing(ctx, source, link, where)
    elif resolution.path is not None:
        yield from _subpath_findings(ctx, resolution.path, link, where)


def _prefix(link: Link) -> str:
    return "!" if link.embed else ""


def _with_path(link: Link, path: str, subpath: str, *, display: str | None = None) -> str:
    """The link rewritten with a new link path (as written) and subpath, same syntax."""
    if link.syntax == "markdown":
        destination = encode_markdown_destination(path + subpath)
        return f"{_prefix(link)}[{link.text.display or ''}]({destination})"
    shown = display if display is not None else link.text.display
    pipe = f"|{shown}" if shown is not None else ""
    return f"{_prefix(link)}[[{path}{subpath}{pipe}]]"


def _full_path_link(target_path: str, link: Link) -> str:
    """The link rewritten to name target_path by its full vault path."""
    if link.syntax == "markdown":
        return _with_path(link, target_path, link.text.subpath)
    path = target_path[:-3] if is_markdown(target_path) else target_path
    return _with_path(link, path, link.text.subpath)


def _missing(ctx: _Context, source: str, link: Link, where: dict[str, object]) -> Finding:
    linkpath = link.text.linkpath
    name = linkpath[linkpath.rfind("/") + 1 :]
    holders = ctx.index.alias_holders(name) if "/" not in linkpath else ()
    if holders and link.syntax == "wiki":
        suggestions = tuple(
            _with_path(
                link,
                link_path_for(ctx.index, holder, source),
                link.text.subpath,
                display=link.text.display or name,
            )
            for holder in holders
        )
        return Finding(
            "alias-link",
            SEVERITY["alias-link"],
            message=ctx.say(
                "alias-link", target=link.raw, note=holders[0], suggestion=suggestions[0]
            ),
            suggestions=suggestions,
            literals=(link.raw, holders[0], suggestions[0]),
            **where,  # type: ignore[arg-type]
        )
    names = ctx.note_names()
    wanted = name[:-3] if name.lower().endswith(".md") else name
    close = ctx.close_note_names(wanted)
    near = tuple(
        _link_for_source(ctx, names[found], source, link)
        for found in close
        if names[found] != source
    )
    if near:
        return Finding(
            "broken-link",
            SEVERITY["broken-link-near"],
            message=ctx.say("broken-link-near", target=link.raw, suggestion=near[0]),
            suggestions=near,
            literals=(link.raw, near[0]),
            **where,  # type: ignore[arg-type]
        )
    return Finding(
        "broken-link",
        SEVERITY["broken-link"],
        message=ctx.say("broken-link", target=link.raw),
        literals=(link.raw,),
        **where,  # type: ignore[arg-type]
    )


def _link_for_source(ctx: _Context, target: str, source: str, link: Link) -> str:
    """The link rewritten to open target from source, in the shortest form that does."""
    markdown = link.syntax == "markdown"
    path = link_path_for(ctx.index, target, source, omit_md=not markdown)
    return _with_path(link, path, link.text.subpath)


def _heading_suggestions(
    ctx: _Context, headings: Sequence[Heading], link: Link, subpath: str
) -> tuple[str, ...]:
    """Links to the existing headings closest to the missing one, each checked to resolve."""
    wanted = [part for part in subpath.split("#") if part.strip()]
    if not wanted or not headings:
        return ()
    by_text: dict[str, Heading] = {}
    for heading in headings:
        cleaned = " ".join(_HEADING_LINK_UNSAFE.sub(" ", heading.text).split())
        if cleaned:
            by_text.setdefault(cleaned, heading)
    close = close_names(wanted[-1], by_text, cutoff=ctx.options.suggestion_cutoff)
    found: list[str] = []
    for text in close:
        if find_heading(headings, f"#{text}") is by_text[text]:
            found.append(_with_path(link, link.text.linkpath, f"#{text}"))
    return tuple(found)


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
            valid = bool(_VALID_BLOCK_ID.fullmatch(block))
            marker = f"^{block}"
            yield Finding(
                "broken-block",
                SEVERITY["broken-block"],
                message=ctx.say(
                    "broken-block" if valid else "broken-block-id",
                    subpath=subpath,
                    note=target,
                    marker=marker,
                ),
                literals=(link.raw, subpath, target, marker),
                **where,  # type: ignore[arg-type]
            )
        return
    if find_heading(note.headings, subpath) is None:
        suggestions = _heading_suggestions(ctx, note.headings, link, subpath)
        if suggestions:
            text = ctx.say(
                "broken-heading-near", subpath=subpath, note=target, suggestion=suggestions[0]
            )
        else:
            text = ctx.say("broken-heading", subpath=subpath, note=target)
        yield Finding(
            "broken-heading",
            SEVERITY["broken-heading"],
            message=text,
            suggestions=suggestions,
            literals=(link.raw, subpath, target, *suggestions[:1]),
            **where,  # type: ignore[arg-type]
        )


def _unreadable_message(ctx: _Context, problem: Unreadable) -> str:
    text = problem.message
    if problem.offset is not None and "UTF-8" in text:
        return ctx.say("unreadable-encoding", offset=problem.offset)
    if problem.offset is not None and "NUL" in text:
        return ctx.say("unreadable-nul", offset=problem.offset)
    too_large = _TOO_LARGE.search(text)
    if too_large:
        return ctx.say("unreadable-too-large", limit=too_large.group(1))
    if "placeholder" in text:
        return ctx.say("unreadable-placeholder")
    return ctx.say("unreadable-file", problem=text)


def _file_findings(ctx: _Context, path: str, note: Note) -> Iterator[Finding]:
    if note.unreadable is not None:
        yield Finding(
            "unreadable-file",
            SEVERITY["unreadable-file"],
            path,
            None,
            None,
            _unreadable_message(ctx, note.unreadable),
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
            literals=(error.message,),
        )


def _audit_note(ctx: _Context, path: str, note: Note) -> NoteAudit:
    """One note's file and link findings, with the notes they read and the links' targets."""
    index = ctx.index
    reportable = ctx.reportable(path)
    counts_links = not is_report_note(note)
    read: dict[str, str] = {}
    link_findings: list[Finding] = []
    linked: list[str] = []
    for link in index.counted_links(path):
        resolution = index.resolve(link.text.linkpath, path)
        target = resolution.path
        if target is not None and target != path and counts_links:
            linked.append(target)
        if reportable and (resolution.status != "resolved" or link.text.subpath):
            if target is not None and link.text.subpath:  # its headings or blocks are read
                found = index.notes.get(target)
                read[target] = "" if found is None else found.content_hash
            link_findings.extend(_link_findings(ctx, path, link, resolution))
    return NoteAudit(
        note.content_hash,
        tuple(read.items()),
        tuple(_file_findings(ctx, path, note)) if reportable else (),
        tuple(link_findings),
        tuple(linked),
    )


def _still_valid(entry: NoteAudit, note: Note, index: VaultIndex) -> bool:
    """Whether an earlier result for this note holds: same content, and the same content in
    every note it read. An empty hash (a file that could not be read) is never trusted."""
    if not note.content_hash or entry.content_hash != note.content_hash:
        return False
    notes = index.notes
    for target, digest in entry.read:
        found = notes.get(target)
        if ("" if found is None else found.content_hash) != digest:
            return False
    return True


def layout_key(index: VaultIndex, options: AuditOptions, context: str) -> str:
    """What every note's findings depend on besides its own content and the notes it reads."""
    digest = hashlib.sha256()
    settings = (context, options.language, options.orphans, options.suggestion_cutoff)
    digest.update(repr((settings, options.template_folders)).encode())
    for path, entry in index.files.items():  # in index order: ties keep their first-seen order
        digest.update(f"\n{path}\0{int(entry.symlinked)}".encode())
    digest.update(repr(sorted(index.alias_table().items())).encode())
    return digest.hexdigest()


class Offload(Protocol):
    """Somewhere else to compute a share of the per-note results meanwhile (the shell forks a
    helper process that shares this one's memory)."""

    @property
    def share(self) -> float:
        """The fraction of the notes to recompute that is handed over."""

    def start(self, compute: Callable[[], bytes] | None) -> Callable[[], bytes | None] | None:
        """Run `compute` elsewhere; a function that waits for its bytes (None when it
        failed), or None when nothing can be started now. Called once per audit, with None
        when there are too few notes to hand over (the caller's own work may go there)."""


# Fewer notes to recompute than this are checked here: a helper would cost more than it saves.
OFFLOAD_MINIMUM = 2000


def audit_notes(
    ctx: _Context, memo: AuditMemo | None, offload: Offload | None = None
) -> dict[str, NoteAudit]:
    """Every note's own findings, by path in order; reused from `memo` where still valid (and
    the memo updated to this vault). With `offload`, a share of the notes to recompute is
    checked elsewhere meanwhile; what does not come back from there is checked here."""
    notes = ctx.index.notes
    if memo is not None:
        key = layout_key(ctx.index, ctx.options, memo.context)
        if memo.key != key:
            memo.key, memo.notes, memo.fresh = key, {}, True
    known = {} if memo is None else memo.notes
    ordered = sorted(notes)
    todo = [
        path
        for path in ordered
        if (entry := known.get(path)) is None or not _still_valid(entry, notes[path], ctx.index)
    ]
    handed, collect = _hand_over(ctx, todo, offload)
    fresh: dict[str, NoteAudit] = {}
    for path in todo[: len(todo) - len(handed)]:
        fresh[path] = _audit_note(ctx, path, notes[path])
    if collect is not None:
        back = _collected(ctx, collect())
        for path in handed:  # only what was handed over, whatever came back
            entry = back.get(path)
            fresh[path] = _audit_note(ctx, path, notes[path]) if entry is None else entry
    results = {path: fresh[path] if path in fresh else known[path] for path in ordered}
    if memo is not None:
        memo.dirty.update(fresh)
        memo.removed.update(path for path in known if path not in results)
        memo.notes = results
    return results


def _hand_over(
    ctx: _Context, todo: list[str], offload: Offload | None
) -> tuple[list[str], Callable[[], bytes | None] | None]:
    """(the notes handed over, the function that collects their results), or ([], None)."""
    if offload is None:
        return [], None
    handed = todo[len(todo) - int(len(todo) * offload.share) :]
    if len(todo) < OFFLOAD_MINIMUM or not handed:
        offload.start(None)
        return [], None
    files = tuple(ctx.index.files)

    def compute() -> bytes:  # runs in the helper, on its copy of everything here
        entries = {path: _audit_note(ctx, path, ctx.index.notes[path]) for path in handed}
        memo = ctx.suggestions
        found = (memo.key, memo.found) if memo is not None and memo.changed else None
        return encode_share(entries, files, found)

    collect = offload.start(compute)
    return (handed, collect) if collect is not None else ([], None)


def _collected(ctx: _Context, data: bytes | None) -> dict[str, NoteAudit]:
    """The helper's results, with the near misses it searched added to ours."""
    decoded = None if data is None else decode_share(data, tuple(ctx.index.files))
    if decoded is None:
        return {}
    found, entries = decoded
    if ctx.suggestions is not None and isinstance(found, tuple) and len(found) == 2:
        ctx.suggestions.merge(*found)
    return entries


def conflict_original(path: str) -> tuple[str, str] | None:
    """(original path, sync tool) of a conflict copy; None when path is not one."""
    name = name_of(path)
    for pattern, tool in _CONFLICT_MARKERS:
        match = pattern.search(name)
        if match:
            original = (name[: match.start()] + name[match.end() :]).strip()
            return join(folder_of(path), original), tool
    return None


def check_sync_conflicts(ctx: _Context) -> Iterator[Finding]:
    """Conflict copies by their names, and possible ones by name and content (`Note 2.md`)."""
    notes = ctx.index.notes
    found: list[tuple[str, str, str]] = []  # (copy, message, original)
    for path, original in possible_copies(notes).items():
        same = notes[path].content_hash == notes[original].content_hash
        code = "sync-conflict-identical" if same else "sync-conflict-possible"
        found.append((path, ctx.say(code, original=original), original))
    for path in ctx.index.files:
        if is_sync_conflict(path):
            original, tool = conflict_original(path) or (path, "sync")
            exists = original in ctx.index.files
            code = "sync-conflict" if exists else "sync-conflict-orphaned"
            found.append((path, ctx.say(code, tool=tool, original=original), original))
    for path, text, original in sorted(found):
        if not ctx.options.excluded(path):
            yield Finding(
                "sync-conflict",
                SEVERITY["sync-conflict"],
                path,
                None,
                None,
                text,
                literals=(original,),
            )


def check_orphans(ctx: _Context, notes: dict[str, NoteAudit]) -> Iterator[Finding]:
    """Obsidian's graph sense of orphan: no resolved link in either direction."""
    if not ctx.options.orphans:
        return
    connected: set[str] = set()
    for source, entry in notes.items():
        if entry.linked:
            connected.add(source)
            connected.update(entry.linked)
    for path, note in sorted(ctx.index.notes.items()):
        if path not in connected and note.unreadable is None and ctx.reportable(path):
            yield Finding(
                "orphan-note", SEVERITY["orphan-note"], path, None, None, ctx.say("orphan-note")
            )


def run_audit(
    index: VaultIndex,
    options: AuditOptions,
    *,
    symlink_loops: Sequence[str] = (),
    suggestions: SuggestionMemo | None = None,
    memo: AuditMemo | None = None,
    offload: Offload | None = None,
) -> AuditResult:
    """Every finding about the vault, sorted by path and position.

    `suggestions`: names found close to broken links by an earlier run, reused while the
    vault's note names are the same, and completed with this run's (the caller keeps it).
    `memo`: per-note results of an earlier run, reused where they still hold, and brought up
    to date with this run's (the caller keeps it too).
    `offload`: where a share of the per-note checks can run meanwhile (see Offload).
    """
    ctx = _Context(index, options, suggestions)
    per_note = audit_notes(ctx, memo, offload)
    findings = [finding for entry in per_note.values() for finding in entry.file_findings]
    findings.extend(finding for entry in per_note.values() for finding in entry.link_findings)
    findings.extend(check_sync_conflicts(ctx))
    findings.extend(check_orphans(ctx, per_note))
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
