"""Who belongs to a hub, and how a member is linked from a note. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from vaultpartner.hubs.model import HubRule
from vaultpartner.index import VaultIndex
from vaultpartner.linkformat import LinkFormat, encode_markdown_destination
from vaultpartner.links import choose_link_path
from vaultpartner.note import Note
from vaultpartner.paths import is_markdown, is_within, lookup_key, stem_of

_WIKI_UNSAFE = re.compile(r"[\[\]|#^\r\n]")
_LABEL_UNSAFE = re.compile(r"([\\\[\]])")

# Lines (first, last) of each hub note's generated block: links there are ours, not the user's.
BlockLines = Mapping[str, tuple[int, int]]


def _type_matches(note: Note, wanted: str) -> bool:
    for key, value in (note.frontmatter or {}).items():
        if isinstance(key, str) and key.lower() == "type":
            values = value if isinstance(value, list) else [value]
            return any(
                isinstance(item, str) and lookup_key(item.strip()) == lookup_key(wanted)
                for item in values
            )
    return False


def _tag_matches(note: Note, wanted: str) -> bool:
    key = lookup_key(wanted)
    return any(lookup_key(tag) == key or lookup_key(tag).startswith(key + "/") for tag in note.tags)


def links_to(index: VaultIndex, path: str, target: str, blocks: BlockLines) -> bool:
    """Whether a counted link of the note (outside a generated hub block) opens target."""
    block = blocks.get(path)
    for link in index.counted_links(path):
        if block is not None and link.place == "body" and block[0] < link.line < block[1]:
            continue
        resolution = index.resolve_link(link, path)
        if resolution.resolved and resolution.path == target:
            return True
    return False


def is_member(
    index: VaultIndex, rule: HubRule, hub: str, path: str, note: Note, blocks: BlockLines
) -> bool:
    if path == hub or note.unreadable is not None or not is_markdown(path):
        return False
    if rule.type is not None:
        return _type_matches(note, rule.type)
    if rule.tag is not None:
        return _tag_matches(note, rule.tag)
    if rule.folder is not None:
        return is_within(path, rule.folder)
    return rule.links_to_hub and links_to(index, path, hub, blocks)


def members(
    index: VaultIndex,
    rule: HubRule,
    hub: str,
    eligible: Callable[[str], bool],
    blocks: BlockLines,
) -> set[str]:
    return {
        path
        for path, note in index.notes.items()
        if eligible(path) and is_member(index, rule, hub, path, note, blocks)
    }


def link_for(index: VaultIndex, target: str, source: str, link_format: LinkFormat) -> str:
    """A link written in `source` that opens `target`: a wikilink in the vault's format, or a
    Markdown link with the exact path when no wikilink can carry the name."""
    choice = choose_link_path(index, target, source, link_format=link_format, markdown=False)
    if choice is not None and not _WIKI_UNSAFE.search(choice.text):
        return f"[[{choice.text}]]"
    label = _LABEL_UNSAFE.sub(r"\\\1", stem_of(target))
    return f"[{label}]({encode_markdown_destination(target)})"
