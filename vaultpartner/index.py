"""The vault index: every file and parsed note, name lookup, aliases, resolution and backlinks.

A `VaultIndex` is a value: `updated()` returns a new index and leaves the old one intact, so
the watcher can diff before and after. Resolution results are memoised per (linkpath, source
folder) and only the entries a change can affect are dropped, so one changed note costs one
parse plus the links that could now resolve differently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from vaultpartner.note import Link, Note, linkpaths
from vaultpartner.paths import folder_of, is_markdown, lookup_key, name_of
from vaultpartner.resolve import Prepared, Resolution, prepare, resolve_prepared


@dataclass(frozen=True, slots=True)
class FileEntry:
    """Any file Obsidian sees in the vault (notes and attachments)."""

    path: str  # vault-relative, POSIX, NFC
    size: int
    symlinked: bool = False  # reached through a symlink: resolvable, never written


@dataclass(frozen=True, slots=True)
class Backlink:
    source: str
    link: Link


def _name_key(path: str) -> str:
    return lookup_key(name_of(path))


def _link_name_keys(link: Link) -> tuple[str, ...]:
    """The lookup names a link's resolution depends on (with and without an added .md)."""
    return _name_keys(link.text.linkpath)


# A vault repeats the same link paths over and over; bounded, as the watcher runs for days.
@lru_cache(maxsize=1 << 16)
def _name_keys(linkpath: str) -> tuple[str, ...]:
    name = linkpath.lower()  # NFC already (linktext.clean)
    name = name[name.rfind("/") + 1 :]
    return (name, name + ".md") if "." in name else (name + ".md",)


def counts_as_backlink_source(note: Note) -> bool:
    """A report note written by vaultpartner links to everything it reports; it is no backlink."""
    meta = note.frontmatter or {}
    return not (meta.get("generated_by") == "vaultpartner" and meta.get("vaultpartner") == "report")


class VaultIndex:
    """Immutable view of a vault. Build with `VaultIndex.build`, change with `updated`."""

    __slots__ = (
        "_aliases",
        "_by_name",
        "_files",
        "_memo",
        "_notes",
        "_prepared",
        "_sources_by_name",
    )

    def __init__(
        self,
        files: dict[str, FileEntry],
        notes: dict[str, Note],
        by_name: dict[str, tuple[str, ...]],
        aliases: dict[str, tuple[str, ...]],
        sources_by_name: dict[str, frozenset[str]] | None,
        memo: dict[tuple[str, str], Resolution],
        prepared: dict[str, Prepared] | None = None,
    ) -> None:
        self._files = files
        self._notes = notes
        self._by_name = by_name
        self._aliases = aliases
        self._sources_by_name = sources_by_name
        self._memo = memo
        self._prepared: dict[str, Prepared] = prepared if prepared is not None else {}

    @classmethod
    def build(cls, files: Iterable[FileEntry], notes: Iterable[Note]) -> VaultIndex:
        # Which notes name which files is worked out on first use: an audit never asks.
        return cls({}, {}, {}, {}, None, {}).updated(files=files, notes=notes)

    def _sources(self) -> dict[str, frozenset[str]]:
        if self._sources_by_name is None:
            adding: dict[str, set[str]] = defaultdict(set)
            for path, note in self._notes.items():
                for name in _source_keys(note):
                    adding[name].add(path)
            self._sources_by_name = {name: frozenset(paths) for name, paths in adding.items()}
        return self._sources_by_name

    # -- reading -----------------------------------------------------------------------------
    @property
    def files(self) -> Mapping[str, FileEntry]:
        return MappingProxyType(self._files)

    @property
    def notes(self) -> Mapping[str, Note]:
        return MappingProxyType(self._notes)

    def paths_named(self, name: str) -> tuple[str, ...]:
        """Every file whose name (with extension) matches, case-insensitively."""
        return self._by_name.get(lookup_key(name), ())

    def alias_holders(self, alias: str) -> tuple[str, ...]:
        """Notes that list this alias (case-insensitive, NFC)."""
        return self._aliases.get(lookup_key(alias), ())

    def alias_table(self) -> Mapping[str, tuple[str, ...]]:
        """Alias lookup key -> the notes holding it, in the order they were indexed."""
        return MappingProxyType(self._aliases)

    def all_names(self) -> Iterator[str]:
        return iter(self._by_name)

    def sources_naming(self, name: str) -> frozenset[str]:
        """Notes with a link whose resolution depends on files with this name (with extension).

        Only these notes' links can change target when a file of that name is added or removed.
        """
        return self._sources().get(lookup_key(name), frozenset())

    def resolve(self, linkpath: str, source: str) -> Resolution:
        """Which file `linkpath` opens from note `source` (Obsidian's getLinkpathDest)."""
        if linkpath == "":
            return Resolution("resolved", source)
        # Memoised by the text as written (cheaper than normalising on every call): first the
        # folder-independent part, then, only where the folder matters, per folder.
        prepared = self._prepared.get(linkpath)
        if prepared is None:
            prepared = self._prepared[linkpath] = prepare(linkpath, self._by_name)
        if prepared.result is not None:
            return prepared.result
        memo_key = (linkpath, folder_of(source))
        found = self._memo.get(memo_key)
        if found is None:
            found = self._memo[memo_key] = resolve_prepared(prepared, source)
        return found

    def resolve_link(self, link: Link, source: str) -> Resolution:
        return self.resolve(link.text.linkpath, source)

    def forget_resolutions(self) -> None:
        """Drop the memoised resolutions (they are rebuilt on demand): a command that has
        resolved every link and goes on with other work gives their memory back."""
        self._memo.clear()
        self._prepared.clear()

    def counted_links(self, path: str) -> Iterator[Link]:
        """Links that Obsidian counts (not inside %% comments), of one note."""
        note = self._notes.get(path)
        if note is None:
            return
        for link in note.links:
            if not link.in_comment:
                yield link

    def backlinks(self, target: str) -> list[Backlink]:
        """Notes whose counted links resolve to target (report notes excluded)."""
        found: list[Backlink] = []
        for source in sorted(self._sources().get(_name_key(target), ())):
            note = self._notes[source]
            if not counts_as_backlink_source(note):
                continue
            for link in self.counted_links(source):
                resolution = self.resolve_link(link, source)
                if resolution.resolved and resolution.path == target:
                    found.append(Backlink(source, link))
        if is_markdown(target):
            self._self_links(target, found)
        return found

    def _self_links(self, target: str, found: list[Backlink]) -> None:
        # `[[#Heading]]` links a note to itself; its empty linkpath has no name key.
        note = self._notes.get(target)
        if note is None or not counts_as_backlink_source(note):
            return
        if not any(b.source == target for b in found):
            for link in self.counted_links(target):
                if link.text.linkpath == "":
                    found.append(Backlink(target, link))

    def has_backlinks_from_others(self, target: str) -> bool:
        return any(backlink.source != target for backlink in self.backlinks(target))

    # -- changing ----------------------------------------------------------------------------
    def updated(
        self,
        *,
        files: Iterable[FileEntry] = (),
        notes: Iterable[Note] = (),
        removed: Iterable[str] = (),
    ) -> VaultIndex:
        """A new index with files added or replaced, notes (re)parsed and paths removed."""
        new_files = dict(self._files)
        new_notes = dict(self._notes)
        by_name = dict(self._by_name)
        aliases = dict(self._aliases)
        # Worked out on first use for a built index (see _sources); an index changed from one
        # with notes keeps it up to date, so a chain of changes never works it out again.
        sources = dict(self._sources()) if self._notes else None
        touched_names: set[str] = set()
        for path in removed:
            if new_files.pop(path, None) is not None:
                touched_names.add(_name_key(path))
                _drop(by_name, _name_key(path), path)
            old = new_notes.pop(path, None)
            if old is not None:
                _forget_note(old, aliases, sources)
        # Additions are gathered first and merged once per key: a large vault then builds in
        # linear time instead of copying a growing tuple or set for every file.
        new_names: dict[str, list[str]] = defaultdict(list)
        for entry in files:
            if entry.path not in new_files:
                touched_names.add(_name_key(entry.path))
                new_names[_name_key(entry.path)].append(entry.path)
            new_files[entry.path] = entry
        for key, paths in new_names.items():
            by_name[key] = (*by_name.get(key, ()), *paths)
        _add_notes(notes, new_files, new_notes, aliases, sources)
        memo = {
            key: value for key, value in self._memo.items() if not _affected(key[0], touched_names)
        }
        prepared = {
            key: value for key, value in self._prepared.items() if not _affected(key, touched_names)
        }
        return VaultIndex(new_files, new_notes, by_name, aliases, sources, memo, prepared)

    def snapshot(self) -> tuple[object, ...]:
        """Everything that defines the index's meaning, for equality checks in tests."""
        return (
            dict(self._files),
            dict(self._notes),
            {k: tuple(sorted(v)) for k, v in self._by_name.items() if v},
            {k: tuple(sorted(v)) for k, v in self._aliases.items() if v},
            {k: v for k, v in self._sources().items() if v},
        )


def _add_notes(
    notes: Iterable[Note],
    files: Mapping[str, FileEntry],
    into: dict[str, Note],
    aliases: dict[str, tuple[str, ...]],
    sources: dict[str, frozenset[str]] | None,
) -> None:
    """Notes (re)parsed: replaced in `into`, their aliases and link names tables updated."""
    latest = {note.path: note for note in notes}
    new_aliases: dict[str, list[str]] = defaultdict(list)
    new_sources: dict[str, set[str]] = defaultdict(set)
    for path, note in latest.items():
        if path not in files:
            raise ValueError(f"note {path} has no FileEntry")
        old = into.get(path)
        if old is not None:
            _forget_note(old, aliases, sources)
        into[path] = note
        for alias in _alias_keys(note):
            new_aliases[alias].append(path)
        if sources is not None:
            for name in _source_keys(note):
                new_sources[name].add(path)
    for key, paths in new_aliases.items():
        aliases[key] = (*aliases.get(key, ()), *paths)
    if sources is not None:
        for name, adding in new_sources.items():
            sources[name] = sources.get(name, frozenset()) | adding


def _affected(linkpath_as_written: str, touched_names: set[str]) -> bool:
    """Whether adding or removing files with these names can change how the link resolves."""
    if not touched_names:
        return False
    linkpath = lookup_key(linkpath_as_written)
    name = linkpath[linkpath.rfind("/") + 1 :]
    return name in touched_names or name + ".md" in touched_names


def _drop(table: dict[str, tuple[str, ...]], key: str, path: str) -> None:
    remaining = tuple(p for p in table.get(key, ()) if p != path)
    if remaining:
        table[key] = remaining
    else:
        table.pop(key, None)


def _alias_keys(note: Note) -> set[str]:
    return {lookup_key(alias) for alias in note.aliases}


def _source_keys(note: Note) -> set[str]:
    keys: set[str] = set()
    for linkpath in linkpaths(note.links):
        if linkpath:
            keys.update(_name_keys(linkpath))
    return keys


def _forget_note(
    note: Note, aliases: dict[str, tuple[str, ...]], sources: dict[str, frozenset[str]] | None
) -> None:
    for alias in _alias_keys(note):
        _drop(aliases, alias, note.path)
    if sources is None:
        return
    for name in _source_keys(note):
        remaining = sources.get(name, frozenset()) - {note.path}
        if remaining:
            sources[name] = remaining
        else:
            sources.pop(name, None)
