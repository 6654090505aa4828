"""What Obsidian writes for a link to a file (fileToLinktext), per the vault's newLinkFormat."""

from __future__ import annotations

from typing import Literal, Protocol

from vaultpartner.paths import folder_of, is_markdown, lookup_key, name_of
from vaultpartner.resolve import Resolution

LinkFormat = Literal["shortest", "relative", "absolute"]


class Resolver(Protocol):
    def resolve(self, linkpath: str, source: str) -> Resolution: ...

    def paths_named(self, name: str) -> tuple[str, ...]: ...


def _without_md(path: str) -> str:
    return path[:-3] if is_markdown(path) else path


def relative_path(target: str, source: str) -> str:
    """Obsidian's relative form: '../' per level up to the common folder, no './' prefix."""
    source_parts = folder_of(source).split("/") if folder_of(source) else []
    target_parts = target.split("/")
    common = 0
    while (
        common < len(source_parts)
        and common < len(target_parts) - 1
        and source_parts[common] == target_parts[common]
    ):
        common += 1
    ups = [".."] * (len(source_parts) - common)
    return "/".join(ups + target_parts[common:])


def link_path_for(
    index: Resolver,
    target: str,
    source: str,
    *,
    link_format: LinkFormat = "shortest",
    omit_md: bool = True,
) -> str:
    """The path part Obsidian writes for a link from source to target.

    Wikilinks to notes omit `.md` (omit_md=True); Markdown links keep it; attachments always
    keep their extension.
    """
    full = _without_md(target) if omit_md else target
    if link_format == "absolute":
        return full
    if link_format == "relative":
        relative = relative_path(target, source)
        return _without_md(relative) if omit_md else relative
    bare = name_of(full)
    if _only_destination(index, bare, target):
        return bare
    return full


def _only_destination(index: Resolver, bare: str, target: str) -> bool:
    """Whether getLinkpathDest(bare) is the one-element list [target] (spec 2.2, 2.7).

    That is so when the name is unique in the vault, or when target sits at the vault root
    (the exact vault path wins over every same-named file). A file in the source's own folder
    merely comes first in a longer list, so Obsidian writes its full path.
    """
    candidates: tuple[str, ...] = index.paths_named(bare) if "." in bare else ()
    if not candidates:
        candidates = index.paths_named(bare + ".md")
    if len(candidates) == 1:
        return candidates[0] == target
    return (
        "/" not in target
        and target in candidates
        and lookup_key(target)
        in (
            lookup_key(bare),
            lookup_key(bare + ".md"),
        )
    )


def encode_markdown_destination(path: str) -> str:
    """Obsidian's encodeSpecialChars: only space, backslash and ASCII controls are escaped."""
    out = []
    for char in path:
        if char == " " or char == "\\" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)
