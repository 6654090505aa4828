"""Link rewriting decisions: which links a rename breaks, and their new text. Pure.

The rules are Obsidian's (shared/spec/obsidian-links.md section 3.3): the kind of link, `!`,
`\\|`, `<...>` destinations, Markdown titles and subpaths are kept; the path part is written in
the vault's newLinkFormat; display text follows the display rules. A link is only touched when
its resolution would change, and the new text is checked to resolve back to the intended file
(a longer form is written when the short one would open another file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from vaultpartner.edits import Edit
from vaultpartner.index import VaultIndex
from vaultpartner.linkformat import LinkFormat, encode_markdown_destination, link_path_for
from vaultpartner.linktext import parse_wiki_content
from vaultpartner.note import Link, Note, parse_note
from vaultpartner.paths import is_markdown, name_of, stem_of
from vaultpartner.resolve import Resolution
from vaultpartner.scan import ScanResult, ScanState, scan_region


@dataclass(frozen=True, slots=True)
class LinkChange:
    """One rewritten link, with why."""

    source: str  # the note's path after the change
    link: Link
    new_raw: str
    target: str  # the file the link must open after the change
    longer_form: bool  # the format's preferred text would open another file


@dataclass(frozen=True, slots=True)
class SkippedLink:
    source: str
    link: Link
    reason: str


@dataclass(frozen=True, slots=True)
class PathChoice:
    text: str
    longer_form: bool


def choose_link_path(
    index: VaultIndex, target: str, source: str, *, link_format: LinkFormat, markdown: bool
) -> PathChoice | None:
    """What to write for a link from source to target so that it opens target.

    First the vault's newLinkFormat; if that text would resolve elsewhere, the full vault path
    (which an exact-path match resolves), with `.md` as a last resort; None when no text opens
    target (e.g. a file without extension, or names equal ignoring case).
    """
    preferred = link_path_for(index, target, source, link_format=link_format, omit_md=not markdown)
    if _opens(index, preferred, source, target):
        return PathChoice(preferred, False)
    full = target[:-3] if is_markdown(target) and not markdown else target
    for text in dict.fromkeys((full, target)):
        if _opens(index, text, source, target):
            return PathChoice(text, True)
    return None


def _opens(index: VaultIndex, text: str, source: str, target: str) -> bool:
    return index.resolve(text, source) == Resolution("resolved", target)


def rewrite_raw(link: Link, new_path: str, *, old_target: str, new_target: str) -> str:
    """The link's new source text with its path part replaced, per Obsidian's rules."""
    if link.syntax == "wiki":
        return _rewrite_wiki(link.raw, new_path, old_target=old_target, new_target=new_target)
    return _rewrite_markdown(link.raw, new_path, old_target=old_target, new_target=new_target)


def _rewrite_wiki(raw: str, new_path: str, *, old_target: str, new_target: str) -> str:
    open_at = raw.index("[[")
    close_at = raw.rindex("]]")
    content = raw[open_at + 2 : close_at]
    parts = parse_wiki_content(content)
    target_raw = content[parts.target_start : parts.target_end]
    cut = target_raw.find("#")
    old_path_raw = target_raw if cut < 0 else target_raw[:cut]
    subpath_raw = "" if cut < 0 else target_raw[cut:]
    new_content = (
        content[: parts.target_start] + new_path + subpath_raw + content[parts.target_end :]
    )
    display = parts.text.display
    if display is not None and "/" in old_path_raw and display == stem_of(old_target):
        shift = len(new_content) - len(content)
        start = content.rindex(display) + shift
        new_content = (
            new_content[:start] + stem_of(new_target) + new_content[start + len(display) :]
        )
    return raw[: open_at + 2] + new_content + raw[close_at:]


def _rewrite_markdown(raw: str, new_path: str, *, old_target: str, new_target: str) -> str:
    found = ScanResult([], [])
    scan_region(raw, 0, len(raw), ScanState(), found)
    if not found.links:
        return raw
    parsed = found.links[0]
    destination = raw[parsed.content_start : parsed.content_end]
    cut = destination.find("#")
    subpath_raw = "" if cut < 0 else destination[cut:]
    new_destination = (
        new_path if parsed.angle else encode_markdown_destination(new_path)
    ) + subpath_raw
    label = raw[parsed.label_start : parsed.label_end]
    old_stem = stem_of(old_target)
    old_full = old_target[:-3] if is_markdown(old_target) else old_target
    if label == old_stem:
        label = stem_of(new_target)
    elif "/" in label and label == old_full:
        label = new_target[:-3] if is_markdown(new_target) else new_target
    return (
        raw[: parsed.label_start]
        + label
        + raw[parsed.label_end : parsed.content_start]
        + new_destination
        + raw[parsed.content_end :]
    )


def yaml_escape(text: str, quote: str) -> str:
    """Text placed inside an existing quoted YAML scalar."""
    if quote == '"':
        return text.replace("\\", "\\\\").replace('"', '\\"')
    if quote == "'":
        return text.replace("'", "''")
    return text


def link_edit(change: LinkChange) -> Edit:
    """The splice for one change, escaped for the frontmatter value's YAML quotes."""
    link = change.link
    return Edit(link.start, link.end, link.raw, yaml_escape(change.new_raw, link.quote))


def reparse(link: Link, new_raw: str) -> Link | None:
    """The link Obsidian would see in new_raw, written where `link` was; None if none."""
    if link.place == "frontmatter":
        quote = link.quote
        text = f"---\nk: {quote}{yaml_escape(new_raw, quote)}{quote}\n---\n"
    else:
        text = new_raw
    found = parse_note("reparse.md", text.encode("utf-8")).links
    if len(found) != 1:
        return None
    again = found[0]
    if again.syntax != link.syntax or again.embed != link.embed or again.place != link.place:
        return None
    if link.place == "body" and (again.start, again.end) != (0, len(new_raw)):
        return None
    return again


def _check_rewrite(
    after: VaultIndex, link: Link, new_raw: str, source: str, target: str
) -> str | None:
    """Why the rewritten text would not open target with the same subpath, or None."""
    again = reparse(link, new_raw)
    if again is None:
        return f"{new_raw} would not be read as one link"
    if again.text.subpath != link.text.subpath:
        return f"{new_raw} would change the heading or block part"
    if not _opens(after, again.text.linkpath, source, target):
        return f"{new_raw} would not open {target}"
    return None


def affected_sources(before: VaultIndex, after: VaultIndex, renames: Mapping[str, str]) -> set[str]:
    """Notes (paths after the move) with a link whose resolution the renames can change.

    A link's target depends only on the files sharing its name and on its note's folder: so
    only notes linking an old or new name, and the moved notes themselves, need a look.
    """
    back = {new: old for old, new in renames.items()}
    names = {name_of(path) for pair in renames.items() for path in pair}
    sources: set[str] = set()
    for name in names:
        sources |= after.sources_naming(name)
        for source in before.sources_naming(name):
            sources.add(renames.get(source, source))
    sources.update(new for new in renames.values() if new in after.notes)
    return {
        source
        for source in sources
        if source in after.notes and back.get(source, source) in before.notes
    }


def plan_rename_links(
    before: VaultIndex,
    after: VaultIndex,
    renames: Mapping[str, str],
    *,
    link_format: LinkFormat,
    writable: Callable[[str], bool] = lambda path: True,
) -> tuple[list[LinkChange], list[SkippedLink]]:
    """Every link whose target would change because of `renames` (old path -> new path).

    `before` is the index before the files moved, `after` the index after; sources are taken
    from `after` (moved notes under their new paths, with unchanged content).
    """
    back = {new: old for old, new in renames.items()}
    changes: list[LinkChange] = []
    skipped: list[SkippedLink] = []
    for source_after in sorted(affected_sources(before, after, renames)):
        note = after.notes[source_after]
        source_before = back.get(source_after, source_after)
        for link in _rewritable_links(note):
            if link.text.linkpath == "":
                continue
            old = before.resolve(link.text.linkpath, source_before)
            if old.status != "resolved" or old.path is None:
                continue
            target_after = renames.get(old.path, old.path)
            if _opens(after, link.text.linkpath, source_after, target_after):
                continue
            if not writable(source_after):
                skipped.append(SkippedLink(source_after, link, "note is not writable here"))
                continue
            if not link.editable:
                skipped.append(
                    SkippedLink(source_after, link, "frontmatter value uses YAML escapes")
                )
                continue
            choice = choose_link_path(
                after,
                target_after,
                source_after,
                link_format=link_format,
                markdown=link.syntax == "markdown",
            )
            if choice is None:
                skipped.append(
                    SkippedLink(source_after, link, f"no link text opens {target_after}")
                )
                continue
            new_raw = rewrite_raw(link, choice.text, old_target=old.path, new_target=target_after)
            problem = _check_rewrite(after, link, new_raw, source_after, target_after)
            if problem is not None:
                skipped.append(SkippedLink(source_after, link, problem))
                continue
            changes.append(
                LinkChange(source_after, link, new_raw, target_after, choice.longer_form)
            )
    return changes, skipped


def _rewritable_links(note: Note) -> Iterator[Link]:
    """Every link Obsidian's updater would see; links in %% comments too (README choice)."""
    yield from note.links
