"""`plan_hubs`: hub blocks, required hub links, symmetric related topics, missing topics. Pure.

Order of work, so one run reaches a fixed point (planning again after applying is empty):

1. Hub notes are read and their blocks checked; a damaged block or user text inside it blocks
   every write to that note.
2. Related-topics sections: required hub links are added, symmetric pairs are completed or
   removed on both sides (`previous_pairs` tells a removal from a new link).
3. The notes changed in step 2 are parsed again and hub membership is computed on that
   result (adding a link can make a note a `links_to_hub` member).
4. Blocks are brought up to date (or appended), missing topics are reported, and created
   when asked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from vaultpartner.config import Config
from vaultpartner.digest import content_hash
from vaultpartner.edits import Edit, EditMismatch, apply_edits, encode_note
from vaultpartner.hubs import members as m
from vaultpartner.hubs.model import HubProblem, HubResult, HubRule, NewFileLocation, Pair, hub_rules
from vaultpartner.hubs.text import (
    BEGIN,
    END,
    Block,
    Damage,
    Lines,
    Section,
    block_lines,
    find_block,
    foreign_line,
    insert_in_section,
    newline_of,
    reader_key,
    related_section,
    removal_edit,
    tail_edit,
)
from vaultpartner.hubs.topics import creation_path, exists, find_missing_topics, topic_links
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.linkformat import LinkFormat
from vaultpartner.messages import Language
from vaultpartner.note import Link, Note, parse_note
from vaultpartner.paths import is_markdown, lookup_key, stem_of
from vaultpartner.plan import FileCreate, FileEdit, Plan
from vaultpartner.suggest import SuggestionMemo

HubRenderer = Callable[[Mapping[str, object]], str]
CONFIG_PATH = "vaultpartner.toml"
VAULT_ROOT = NewFileLocation()


@dataclass
class _Work:
    """One note being changed: its text, and the edits decided so far."""

    path: str
    note: Note
    text: str
    lines: Lines
    newline: str
    blocked: bool = False
    add: dict[str, str] = field(default_factory=dict)  # target path -> link text
    removals: list[Edit] = field(default_factory=list)
    block_edit: Edit | None = None
    block_chunk: list[str] | None = None  # a new block appended at the end

    def section_edits(self, headings: tuple[str, ...], language: Language) -> list[Edit]:
        edits = list(self.removals)
        chunk = self.section_chunk(headings, language)
        if self.add and chunk is None:
            section = _section(self.note, headings, self.lines)
            assert section is not None
            items = sorted(self.add.values(), key=lambda link: reader_key(_shown(link)))
            edits.append(insert_in_section(self.text, self.lines, section, items, self.newline))
        return edits

    def section_chunk(self, headings: tuple[str, ...], language: Language) -> list[str] | None:
        if not self.add or _section(self.note, headings, self.lines) is not None:
            return None
        items = sorted(self.add.values(), key=lambda link: reader_key(_shown(link)))
        return [f"## {heading_for(headings, language)}", "", *(f"- {item}" for item in items)]

    def all_edits(self, headings: tuple[str, ...], language: Language) -> list[Edit]:
        edits = self.section_edits(headings, language)
        if self.block_edit is not None:
            edits.append(self.block_edit)
        chunks = [c for c in (self.block_chunk, self.section_chunk(headings, language)) if c]
        if chunks:
            edits.append(tail_edit(self.text, chunks, self.newline))
        return edits


def _shown(link: str) -> str:
    """The name a reader sees in a generated link, for sorting."""
    inner = link[2:-2] if link.startswith("[[") else link[1 : link.find("](")]
    return inner.rsplit("/", 1)[-1]


def _section(note: Note, headings: tuple[str, ...], lines: Lines) -> Section | None:
    return related_section(note, headings, line_count=lines.count())


def heading_for(headings: tuple[str, ...], language: Language) -> str:
    """The heading of a new related-topics section: the first one in the note's language."""
    for heading in headings:
        cyrillic = any("\u0400" <= char <= "\u04ff" for char in heading)
        if cyrillic == (language == "ru"):
            return heading
    return headings[0] if headings else ("Связанные темы" if language == "ru" else "Related")


class _Planner:
    def __init__(
        self,
        index: VaultIndex,
        texts: Mapping[str, str],
        config: Config,
        *,
        previous_pairs: Collection[Pair],
        link_format: LinkFormat,
        language: Language,
        eligible: Callable[[str], bool],
        create_missing: bool,
        render_hub: HubRenderer | None,
        new_file_location: NewFileLocation,
        suggestions: SuggestionMemo | None,
    ) -> None:
        self.index = index
        self.suggestions = suggestions
        self.texts = texts
        self.config = config
        self.headings = config.hubs.related_headings
        self.previous = {_pair(a, b) for a, b in previous_pairs}
        self.link_format = link_format
        self.language = language
        self.eligible = eligible
        self.create_missing = create_missing
        self.render_hub = render_hub
        self.location = new_file_location
        self.plan = Plan()
        self.problems: list[HubProblem] = []
        self.work: dict[str, _Work | None] = {}
        self.blocks: dict[str, Block] = {}
        self.block_lines: dict[str, tuple[int, int]] = {}
        self.pairs: set[Pair] = set()

    # -- reading -----------------------------------------------------------------------------
    def writable(self, path: str) -> _Work | None:
        """The note's work item, or None when it cannot be written (and why, once)."""
        if path in self.work:
            return self.work[path]
        work: _Work | None = None
        note = self.index.notes.get(path)
        text = self.texts.get(path)
        if note is None or note.unreadable is not None or not self.eligible(path):
            pass
        elif text is None:
            self.plan.notices.append(f"{path}: cannot read the note; hub links left as they are")
        elif content_hash(encode_note(text, note.bom)) != note.content_hash:
            self.plan.notices.append(f"{path}: changed while being read; run again")
        else:
            lines = Lines(text)
            work = _Work(path, note, text, lines, newline_of(note, text))
        self.work[path] = work
        return work

    def problem(
        self,
        code: str,
        path: str,
        key: str,
        *,
        link: Link | None = None,
        line: int | None = None,
        **values: str,
    ) -> None:
        self.problems.append(
            HubProblem(
                code,
                path,
                link.line if link is not None else line,
                link.column if link is not None else (1 if line is not None else None),
                key,
                values,
                link.raw if link is not None else None,
            )
        )

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> HubResult:
        rules = hub_rules(self.config.hubs)
        hubs: dict[str, list[HubRule]] = {}
        missing_hubs: dict[str, list[HubRule]] = {}
        for rule in rules:
            resolution = self.index.resolve(rule.hub, "")
            if resolution.resolved and resolution.path and is_markdown(resolution.path):
                hubs.setdefault(resolution.path, []).append(rule)
            elif resolution.status == "ambiguous":
                shown = ", ".join(resolution.candidates)
                self.plan.notices.append(
                    f"[hubs] hub {rule.hub!r} fits several notes ({shown}); write its folder"
                )
            else:
                missing_hubs.setdefault(rule.hub, []).append(rule)
        for hub in sorted(hubs):
            self._check_block(hub)
        before = {hub: self._members(self.index, hub, rs) for hub, rs in hubs.items()}
        for hub, hub_rules_ in sorted(hubs.items()):
            for rule in hub_rules_:
                if rule.require_link:
                    self._require_links(hub, self._rule_members(self.index, hub, rule))
        if self.config.hubs.symmetric_related:
            self._symmetric(before)
        after = self._index_after()
        for hub, hub_rules_ in sorted(hubs.items()):
            self._update_block(after, hub, self._members(after, hub, hub_rules_))
        self._missing_topics(after, missing_hubs)
        self._finish()
        self.problems.sort(key=HubProblem.sort_key)
        return HubResult(self.plan, self.problems, self.pairs)

    def _rule_members(self, index: VaultIndex, hub: str, rule: HubRule) -> set[str]:
        return m.members(index, rule, hub, self.eligible, self.block_lines)

    def _members(self, index: VaultIndex, hub: str, rules: list[HubRule]) -> set[str]:
        found: set[str] = set()
        for rule in rules:
            found |= self._rule_members(index, hub, rule)
        return found

    # -- 1. blocks ---------------------------------------------------------------------------
    def _check_block(self, hub: str) -> None:
        work = self.writable(hub)
        if work is None:
            return
        found = find_block(work.text)
        name = stem_of(hub)
        if isinstance(found, Damage):
            work.blocked = True
            self.problem("hub-block-damaged", hub, found.key, line=found.line, hub=name)
            return
        if found is None:
            return
        self.block_lines[hub] = (found.begin_line, found.end_line)
        foreign = foreign_line(work.text, found)
        if foreign is not None:
            work.blocked = True
            self.problem("hub-block-damaged", hub, "hub-block-edited", line=foreign, hub=name)
            return
        self.blocks[hub] = found

    # -- 2a. required hub links --------------------------------------------------------------
    def _require_links(self, hub: str, members: set[str]) -> None:
        for member in sorted(members):
            if m.links_to(self.index, member, hub, {}):
                continue
            link = m.link_for(self.index, hub, member, self.link_format)
            heading = self._heading_of(member)
            self.problem("hub-link-missing", member, "hub-link-missing", link=None,
                         hub=link, heading=heading)  # fmt: skip
            work = self.writable(member)
            if work is not None and not work.blocked:
                work.add.setdefault(hub, link)

    def _heading_of(self, path: str) -> str:
        note = self.index.notes[path]
        section = related_section(note, self.headings)
        if section is not None:
            for heading in note.headings:
                if heading.line == section.heading_line:
                    return heading.text
        return heading_for(self.headings, self.language)

    # -- 2b. symmetric related topics --------------------------------------------------------
    def _symmetric(self, members: Mapping[str, set[str]]) -> None:
        edges: dict[str, dict[str, list[Link]]] = {}
        for path in sorted(self.index.notes):
            if not self.eligible(path) or self.index.notes[path].unreadable is not None:
                continue
            for link in topic_links(self.index, path, self.headings, self.block_lines)[1]:
                resolution = self.index.resolve_link(link, path)
                target = resolution.path
                if (
                    not resolution.resolved
                    or target is None
                    or target == path
                    or target not in self.index.notes
                    or not is_markdown(target)
                    or not self.eligible(target)
                ):
                    continue
                edges.setdefault(path, {}).setdefault(target, []).append(link)
        candidates = {_pair(a, b) for a, targets in edges.items() for b in targets}
        for a, b in sorted(candidates | self.previous):
            if b in members.get(a, ()) or a in members.get(b, ()):
                continue  # a hub and its member: the hub's block lists it
            ab, ba = b in edges.get(a, {}), a in edges.get(b, {})
            if ab and ba:
                self.pairs.add((a, b))
            elif ab or ba:
                source, target = (a, b) if ab else (b, a)
                links = edges[source][target]
                if (a, b) in self.previous:
                    self._remove_related(source, target, links)
                else:
                    self._add_related(source, target, links[0])

    def _add_related(self, source: str, target: str, link: Link) -> None:
        self.problem("related-asymmetric", source, "related-asymmetric", link=link,
                     other=stem_of(target))  # fmt: skip
        work = self.writable(target)
        if work is None or work.blocked:
            return
        work.add.setdefault(source, m.link_for(self.index, source, target, self.link_format))
        self.pairs.add(_pair(source, target))

    def _remove_related(self, source: str, target: str, links: list[Link]) -> None:
        work = self.writable(source)
        if work is None or work.blocked:
            self.pairs.add(_pair(source, target))  # try again next time, never restore
            return
        section_all = topic_links(self.index, source, self.headings, self.block_lines)[1]
        edits = [removal_edit(work.text, work.lines, link, section_all) for link in links]
        if any(edit is None for edit in edits):
            for link in links:
                self.problem("related-asymmetric", source, "related-removed-by-hand",
                             link=link, other=stem_of(target))  # fmt: skip
            self.pairs.add(_pair(source, target))
            return
        for link in links:
            self.problem("related-asymmetric", source, "related-removed", link=link,
                         other=stem_of(target))  # fmt: skip
        work.removals.extend(edit for edit in edits if edit is not None)

    # -- 3. the vault as it will be ----------------------------------------------------------
    def _index_after(self) -> VaultIndex:
        entries: list[FileEntry] = []
        notes: list[Note] = []
        for path, work in sorted(self.work.items()):
            if work is None or work.blocked or not (work.add or work.removals):
                continue
            edits = work.section_edits(self.headings, self.language)
            chunk = work.section_chunk(self.headings, self.language)
            if chunk:
                edits.append(tail_edit(work.text, [chunk], work.newline))
            try:
                text = apply_edits(work.text, edits)
            except EditMismatch as exc:  # overlapping removals: a bug, never a write
                self.plan.notices.append(f"{path}: hub edits overlap ({exc}); left as it is")
                work.blocked = True
                continue
            data = encode_note(text, work.note.bom)
            entry = self.index.files[path]
            entries.append(FileEntry(path, len(data), entry.symlinked))
            notes.append(parse_note(path, data))
        if not notes:
            return self.index
        return self.index.updated(files=entries, notes=notes)

    # -- 4. blocks up to date ----------------------------------------------------------------
    def _update_block(self, after: VaultIndex, hub: str, members: set[str]) -> None:
        work = self.writable(hub)
        if work is None or work.blocked:
            return
        name = stem_of(hub)
        ordered = sorted(members, key=lambda path: (reader_key(stem_of(path)), path))
        links = [m.link_for(after, member, hub, self.link_format) for member in ordered]
        block = self.blocks.get(hub)
        if block is None:
            if not members:
                return
            for member in ordered:
                self.problem("hub-missing-member", hub, "hub-missing-member", hub=name,
                             member=stem_of(member))  # fmt: skip
            work.block_chunk = [BEGIN, *(f"- {link}" for link in links), END]
            return
        listed: dict[str, Link] = {}
        for link in self.index.counted_links(hub):
            if link.place == "body" and block.begin_line < link.line < block.end_line:
                resolution = self.index.resolve_link(link, hub)
                if resolution.path is not None:
                    listed.setdefault(resolution.path, link)
        for member in ordered:
            if member not in listed:
                self.problem("hub-missing-member", hub, "hub-missing-member",
                             line=block.begin_line, hub=name, member=stem_of(member))  # fmt: skip
        for path, link in sorted(listed.items()):
            if path not in members:
                self.problem("hub-missing-member", hub, "hub-stale-member", link=link,
                             hub=name, member=stem_of(path))  # fmt: skip
        old = work.text[block.inner_start : block.inner_end]
        new = block_lines(links, block.newline)
        if old != new:
            work.block_edit = Edit(block.inner_start, block.inner_end, old, new)

    # -- 4b. missing topics ------------------------------------------------------------------
    def _missing_topics(self, after: VaultIndex, missing_hubs: Mapping[str, list[HubRule]]) -> None:
        wanted: dict[str, tuple[str, list[str], list[HubRule]]] = {}  # key -> path, sources
        for linkpath, rules in sorted(missing_hubs.items()):
            self.problem("missing-topic", CONFIG_PATH, "missing-hub", hub=linkpath)
            path = creation_path(linkpath, "", VAULT_ROOT)
            if path is not None:
                wanted.setdefault(lookup_key(path), (path, [], []))[2].extend(rules)
        for topic in find_missing_topics(
            self.index,
            self.headings,
            eligible=self.eligible,
            cutoff=self.config.audit.suggestion_cutoff,
            blocks=self.block_lines,
            suggestions=self.suggestions,
        ):
            self.problem("missing-topic", topic.source, "missing-topic", link=topic.link)
            path = creation_path(topic.link.text.linkpath, topic.source, self.location)
            if path is not None:
                sources = wanted.setdefault(lookup_key(path), (path, [], []))[1]
                if topic.source not in sources:
                    sources.append(topic.source)
        if not self.create_missing:
            return
        for _key, (path, sources, rules) in sorted(wanted.items()):
            self._create_topic(after, path, sources, rules)

    def _create_topic(
        self, after: VaultIndex, path: str, sources: list[str], rules: list[HubRule]
    ) -> None:
        if exists(self.index, path) or not self.eligible(path):
            self.plan.notices.append(f"{path}: not created (it exists or is excluded)")
            return
        if self.render_hub is None:
            self.plan.notices.append(f"{path}: not created (no hub template)")
            return
        ordered = sorted(sources, key=lambda p: (reader_key(stem_of(p)), p))
        block: list[str] | None = None
        if rules:
            found: set[str] = set()
            for rule in rules:
                found |= m.members(after, rule, path, self.eligible, self.block_lines)
            members = sorted(found, key=lambda p: (reader_key(stem_of(p)), p))
            block = [m.link_for(after, member, path, self.link_format) for member in members]
        context: dict[str, object] = {
            "name": stem_of(path),
            "related_heading": heading_for(self.headings, self.language),
            "related": [m.link_for(after, source, path, self.link_format) for source in ordered],
            "block": block,
            "begin": BEGIN,
            "end": END,
        }
        text = self.render_hub(context)
        self.plan.creates.append(FileCreate(path, text.encode("utf-8"), "missing topic"))

    # -- the plan ----------------------------------------------------------------------------
    def _finish(self) -> None:
        for path, work in sorted(self.work.items()):
            if work is None or work.blocked:
                continue
            edits = work.all_edits(self.headings, self.language)
            if not edits:
                continue
            try:
                apply_edits(work.text, edits)
            except EditMismatch as exc:
                self.plan.notices.append(f"{path}: hub edits overlap ({exc}); left as it is")
                continue
            self.plan.edits.append(
                FileEdit(path, work.note.content_hash, tuple(edits), "hub and related topics")
            )


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


def plan_hubs(
    index: VaultIndex,
    texts: Mapping[str, str],
    config: Config,
    *,
    previous_pairs: Collection[Pair] = frozenset(),
    link_format: LinkFormat = "shortest",
    language: Language = "en",
    eligible: Callable[[str], bool] = lambda _path: True,
    create_missing: bool = False,
    render_hub: HubRenderer | None = None,
    new_file_location: NewFileLocation = VAULT_ROOT,
    suggestions: SuggestionMemo | None = None,
) -> HubResult:
    """Everything `[hubs]` asks for, as problems and one Plan (FileEdits with the hashes the
    texts were read at; FileCreates for missing topics when `create_missing`).

    `texts`: note texts without BOM, by path (read lazily is fine: only hub notes and the
    notes that get an edit are looked up). `eligible`: notes that may be members, reported
    and written (not excluded, not templates, not report notes, not behind a symlink).
    `previous_pairs`: the `pairs` of the last run (symmetric related topics); store the
    result's `pairs` for the next one. `suggestions`: near misses of missing topics found by
    an earlier run (kept by the caller).
    """
    return _Planner(
        index,
        texts,
        config,
        previous_pairs=previous_pairs,
        link_format=link_format,
        language=language,
        eligible=eligible,
        create_missing=create_missing,
        render_hub=render_hub,
        new_file_location=new_file_location,
        suggestions=suggestions,
    ).run()


def missing_topic_links(
    index: VaultIndex, config: Config, *, eligible: Callable[[str], bool] = lambda _p: True
) -> set[tuple[str, int, int]]:
    """(source, line, column) of every link the audit should report as `missing-topic`
    instead of `broken-link`."""
    return {
        (topic.source, topic.link.line, topic.link.column)
        for topic in find_missing_topics(
            index,
            config.hubs.related_headings,
            eligible=eligible,
            cutoff=config.audit.suggestion_cutoff,
        )
    }
