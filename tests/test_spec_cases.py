"""Every case of the spec's section 5 table (shared/spec/obsidian-links.md), as fixtures.

Input: `option ...` and `?query ...` lines, then the vault: `=== path` for a file and
`>>> path` for the source note, each followed by its content. Expected: one line per link of
the source note (frontmatter links first, then body links in order), `(no links)` when there is
none, then one line per query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fixtures import FixtureCase, read_fixture_file, render_escapes, unescape

from vaultpartner.headings import block_id_of, find_heading, has_subpath_target
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.linkformat import link_path_for
from vaultpartner.linktext import embed_size
from vaultpartner.note import Link, parse_note
from vaultpartner.paths import is_markdown, nfc
from vaultpartner.vaultfs import load_vault

CASES = read_fixture_file(Path(__file__).parent / "data" / "spec_cases.txt")


@dataclass
class Vault:
    options: set[str] = field(default_factory=set)
    queries: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path as written -> content
    source: str = ""


def parse_vault(text: str) -> Vault:
    vault = Vault()
    current: str | None = None
    content: list[str] = []

    def flush() -> None:
        if current is not None:
            vault.files[current] = "\n".join(content)

    for line in unescape(text).split("\n"):
        if line.startswith(("=== ", ">>> ")):
            flush()
            current, content = line[4:], []
            if line.startswith(">>> "):
                vault.source = current
        elif current is not None:
            content.append(line)
        elif line.startswith("option "):
            vault.options.update(line[7:].split())
        elif line.startswith("?"):
            name, _, argument = line[1:].partition(" ")
            vault.queries.append((name, argument))
        elif line.strip():
            raise ValueError(f"unexpected line before the first file: {line!r}")
    flush()
    assert vault.source, "no source note (>>> path)"
    return vault


def build_in_memory(vault: Vault) -> VaultIndex:
    entries, notes = [], []
    for path, content in vault.files.items():
        data = content.encode("utf-8")
        entries.append(FileEntry(path, len(data)))
        if is_markdown(path):
            notes.append(parse_note(path, data))
    return VaultIndex.build(entries, notes)


def build_on_disk(vault: Vault, root: Path) -> VaultIndex:
    for path, content in vault.files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))
    return load_vault(root, max_bytes=10**7).index


def _subpath_result(index: VaultIndex, target: str, link: Link) -> str | None:
    subpath = link.text.subpath
    if not subpath or not has_subpath_target(subpath) or not is_markdown(target):
        return None
    note = index.notes[target]
    block = block_id_of(subpath)
    if block is not None:
        return f"block {block}" if block in note.block_ids else "block not found"
    heading = find_heading(note.headings, subpath)
    if heading is None:
        return "heading not found"
    return f'heading "{heading.text}" line {heading.line}'


def render_link(index: VaultIndex, source: str, link: Link) -> str:
    head = f"{link.line}:{link.column}"
    if link.place == "frontmatter":
        head += f" fm:{link.key}"
    head += f" {link.syntax}" + (" embed" if link.embed else "")
    resolution = index.resolve_link(link, source)
    extras: list[str] = []
    display = link.text.display
    if resolution.status == "resolved" and resolution.path is not None:
        outcome = resolution.path
        found = _subpath_result(index, resolution.path, link)
        if found:
            extras.append(found)
        if link.embed and not is_markdown(resolution.path):
            display, width, height = embed_size(display)
            if width is not None:
                extras.append(f"width {width}" + (f" height {height}" if height else ""))
    elif resolution.status == "ambiguous":
        outcome = "ambiguous: " + ", ".join(resolution.candidates)
    else:
        outcome = f'unresolved "{link.text.linkpath}"'
        holders = index.alias_holders(link.text.linkpath)
        if holders:
            extras.append("alias of " + ", ".join(holders))
    if display is not None:
        extras.append(f'display "{display}"')
    if link.in_comment:
        extras.append("in comment")
    line = f"{head} {link.raw} -> {outcome}"
    return line + "".join(f"; {extra}" for extra in extras)


def render_query(index: VaultIndex, source: str, name: str, argument: str) -> str:
    if name == "backlinks":
        sources = sorted({b.source for b in index.backlinks(argument)})
        return f"backlinks of {argument}: " + (", ".join(sources) or "none")
    if name == "insert":  # what the [[ suggester inserts for an alias of a file
        target, _, alias = argument.partition("|")
        path = link_path_for(index, target, source)
        shown = "" if alias.lower() == path.lower() else f"|{alias}"
        return f"insert {argument}: [[{path}{shown}]]"
    raise ValueError(f"unknown query {name!r}")


def render_case(index: VaultIndex, vault: Vault) -> str:
    source = nfc(vault.source)
    note = index.notes[source]
    lines = [render_link(index, source, link) for link in note.links] or ["(no links)"]
    lines += [render_query(index, source, name, arg) for name, arg in vault.queries]
    return render_escapes("\n".join(lines))


@pytest.mark.parametrize("case", CASES, ids=[case.title for case in CASES])
def test_spec_case(case: FixtureCase, tmp_path: Path) -> None:
    vault = parse_vault(case.input)
    on_disk = "disk" in vault.options
    index = build_on_disk(vault, tmp_path) if on_disk else build_in_memory(vault)
    assert render_case(index, vault) == case.expected


def test_every_table_case_is_covered() -> None:
    numbers = {case.title.split(" ", 1)[0].rstrip(":") for case in CASES}
    wanted = {str(n) for n in range(1, 71) if n not in (38, 39)} | {"T1", "T2"}
    assert wanted <= numbers, sorted(wanted - numbers)
