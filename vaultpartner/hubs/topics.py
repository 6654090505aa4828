"""Missing related topics: links in a related-topics section that open no file. Pure.

Such a link is a topic not written yet (`missing-topic`, info), which replaces the audit's
`broken-link` for that link. A near miss (a typo of an existing name) and an alias link stay
the audit's findings: those are mistakes to correct, not topics to write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vaultpartner.hubs.model import NewFileLocation
from vaultpartner.hubs.text import Section, related_section, section_links
from vaultpartner.index import VaultIndex
from vaultpartner.note import Link
from vaultpartner.paths import folder_of, is_markdown, join, lookup_key, name_of, stem_of
from vaultpartner.suggest import NameMatcher, SuggestionMemo

_ATTACHMENT_EXTENSION = re.compile(r"[A-Za-z0-9]{1,5}")
# Characters Obsidian refuses in file names, and those a link cannot carry.
_BAD_NAME = re.compile(r'[*"\\<>:|?#^\[\]\x00-\x1f]')

BlockLines = dict[str, tuple[int, int]]


@dataclass(frozen=True, slots=True)
class MissingTopic:
    source: str
    link: Link


def topic_links(
    index: VaultIndex, path: str, headings: tuple[str, ...], blocks: BlockLines
) -> tuple[Section | None, list[Link]]:
    """A note's related-topics section and its links (outside a generated hub block)."""
    note = index.notes[path]
    section = related_section(note, headings)
    if section is None:
        return None, []
    block = blocks.get(path)
    found = [
        link
        for link in section_links(note, section)
        if block is None or not block[0] <= link.line <= block[1]
    ]
    return section, found


def _looks_like_attachment(linkpath: str) -> bool:
    name = name_of(linkpath)
    dot = name.rfind(".")
    if dot <= 0:
        return False
    extension = name[dot + 1 :]
    return extension.lower() != "md" and bool(_ATTACHMENT_EXTENSION.fullmatch(extension))


def find_missing_topics(
    index: VaultIndex,
    headings: tuple[str, ...],
    *,
    eligible: Callable[[str], bool],
    cutoff: int,
    blocks: BlockLines | None = None,
    suggestions: SuggestionMemo | None = None,
) -> Iterator[MissingTopic]:
    """Every link in a related-topics section to a topic that does not exist, by path.

    `suggestions`: near misses found by an earlier run for the same names (kept by the caller).
    """
    matcher: NameMatcher | None = None
    for path in sorted(index.notes):
        # Most notes have no related-topics section: asked first, it is the cheaper question.
        links = topic_links(index, path, headings, blocks or {})[1]
        if not links or not eligible(path) or index.notes[path].unreadable is not None:
            continue
        for link in links:
            linkpath = link.text.linkpath
            if link.embed or not linkpath or _looks_like_attachment(linkpath):
                continue
            if index.resolve_link(link, path).status != "missing":
                continue
            name = name_of(linkpath)
            if "/" not in linkpath and index.alias_holders(name):
                continue  # the audit's alias-link
            if matcher is None:
                names = [stem_of(p) if is_markdown(p) else name_of(p) for p in sorted(index.files)]
                matcher = NameMatcher(names, cutoff=cutoff, memo=suggestions)
            wanted = name[:-3] if name.lower().endswith(".md") else name
            if matcher.close(wanted):
                continue  # a near miss: the audit's broken-link with a suggestion
            yield MissingTopic(path, link)


def creation_path(linkpath: str, source: str, location: NewFileLocation) -> str | None:
    """Where Obsidian creates the note when the link is clicked; None for a name it refuses.

    A bare name goes to the default location for new notes (app.json `newFileLocation`:
    vault root, the source's folder, or `newFileFolderPath`); a name with folders goes to
    that path from the vault root; `./` and `../` are relative to the source's folder.
    """
    path = linkpath.strip()
    if path.startswith("/"):
        path = path.lstrip("/")
    elif path.startswith(("./", "../")):
        parts = folder_of(source).split("/") if folder_of(source) else []
        for segment in path.split("/"):
            if segment == "..":
                if not parts:
                    return None
                parts.pop()
            elif segment != ".":
                parts.append(segment)
        path = "/".join(parts)
    elif "/" not in path:
        if location.mode == "current":
            path = join(folder_of(source), path)
        elif location.mode == "folder":
            path = join(location.folder.strip("/"), path)
    if not path.lower().endswith(".md"):
        path += ".md"
    segments = path.split("/")
    if any(not s.strip() or s in (".", "..") or _BAD_NAME.search(s) for s in segments):
        return None
    if any(s.startswith(".") for s in segments):
        return None  # hidden: not part of the vault
    return path


def exists(index: VaultIndex, path: str) -> bool:
    key = lookup_key(path)
    return any(lookup_key(candidate) == key for candidate in index.paths_named(name_of(path)))
