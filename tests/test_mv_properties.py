"""Hypothesis properties of `vaultpartner mv` planning and rewriting (issue 3).

Most examples plan in memory (`moving.plan_move` + `edits.splice_bytes`); a smaller number run
the real command on disk. Vaults are drawn from a small pool of folders and names so that name
clashes, own-folder preferences, exact-path shadows and relative links all occur often.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_vault, read_vault
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import PROFILE

from vaultpartner.cli import main
from vaultpartner.digest import content_hash
from vaultpartner.edits import splice_bytes
from vaultpartner.errors import VaultPartnerError
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.linkformat import LinkFormat, encode_markdown_destination, link_path_for
from vaultpartner.links import plan_rename_links
from vaultpartner.moving import plan_move, rename_map
from vaultpartner.note import Link, parse_note
from vaultpartner.paths import folder_of, is_markdown, lookup_key, name_of, stem_of
from vaultpartner.plan import Plan
from vaultpartner.resolve import Resolution

FOLDERS = ("", "A", "A/B", "B", "Ab", "Архив")
NAMES = ("Note", "note", "Рекрутинг", "Найм", "План", "v1.2")
ATTACHMENTS = ("pic.png", "Схема.png")
FORMATS: tuple[LinkFormat, ...] = ("shortest", "relative", "absolute")
DISPLAYS = (None, "alias", "наш найм", "Note", "Рекрутинг")
CODE_MARK = "code:"

Vault = dict[str, bytes]


def join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def relative(target: str, source: str) -> str:
    up = folder_of(source).count("/") + 1 if folder_of(source) else 0
    return "../" * up + target


@st.composite
def file_sets(draw: st.DrawFn) -> list[str]:
    """Vault paths, unique ignoring case (as the file system of a real vault would force)."""
    pool = [join(f, n + ".md") for f in FOLDERS for n in NAMES]
    pool += [join(f, a) for f in ("", "img", "A") for a in ATTACHMENTS]
    chosen = draw(st.lists(st.sampled_from(pool), min_size=2, max_size=9, unique=True))
    seen: dict[str, str] = {}
    for path in chosen:
        seen.setdefault(lookup_key(path), path)
    return sorted(seen.values())


@st.composite
def link_texts(draw: st.DrawFn, files: list[str], source: str) -> str:
    """One link to a file of the vault (or to nothing), in one of the many forms users write."""
    target = draw(st.sampled_from([*files, "Нет такой.md"]))
    md = is_markdown(target)
    bare = target[:-3] if md else target
    form = draw(st.integers(0, 5))
    if form == 0:
        path = name_of(bare)
    elif form == 1:
        path = bare
    elif form == 2:
        path = relative(bare, source)
    elif form == 3:
        path = name_of(target)
    elif form == 4:
        path = name_of(bare).lower()
    else:
        path = "/" + bare
    subpath = draw(st.sampled_from(["", "", "#Этапы", "#^q1"]))
    display = draw(st.sampled_from([*DISPLAYS, stem_of(target)]))
    kind = draw(st.integers(0, 6))
    bang = "!" if draw(st.integers(0, 4)) == 0 else ""
    if kind <= 2:
        shown = "" if display is None else f"|{display}"
        return f"{bang}[[{path}{subpath}{shown}]]"
    label = display if display is not None else stem_of(target)
    destination = path if md or form != 0 else name_of(target)
    if not is_markdown(destination) and md:
        destination += ".md"
    if kind == 3:
        return f"{bang}[{label}](<{destination}{subpath}>)"
    return f"{bang}[{label}]({encode_markdown_destination(destination)}{subpath})"


@st.composite
def note_texts(draw: st.DrawFn, files: list[str], source: str) -> str:
    lines: list[str] = []
    if draw(st.booleans()):
        quote = draw(st.sampled_from(['"', "'"]))
        first = draw(link_texts(files, source)).lstrip("!")
        if first.startswith("[["):
            lines += ["---", "# comment", f"related: {quote}{first}{quote}  # tail", "n: 1", "---"]
    lines.append("# Этапы")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 9))
        link = draw(link_texts(files, source))
        if kind == 0:
            lines.append(f"{CODE_MARK} `{link}`")
        elif kind == 1:
            lines += ["```", f"{CODE_MARK} {link}", "```"]
        elif kind == 2 and link.startswith("[[") and "|" in link:
            lines += ["| a | b |", "|---|---|", f"| x | {link.replace('|', chr(92) + '|')} |"]
        elif kind == 3:
            lines.append(f"%%{link}%%")
        else:
            lines.append(f"text {link} more ^q1")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom = "\ufeff" if draw(st.integers(0, 5)) == 0 else ""
    return bom + newline.join(lines) + newline


@dataclass(frozen=True)
class Case:
    vault: Vault
    old: str
    new: str
    link_format: LinkFormat


@st.composite
def cases(draw: st.DrawFn) -> Case:
    files = draw(file_sets())
    vault: Vault = {}
    for path in files:
        if is_markdown(path):
            vault[path] = draw(note_texts(files, path)).encode("utf-8")
        else:
            vault[path] = b"\x89PNG fake"
    folders = sorted({folder_of(p) for p in files if folder_of(p)})
    if folders and draw(st.integers(0, 4)) == 0:
        old = draw(st.sampled_from(folders))
        new = draw(st.sampled_from(["Новая", "A/Новая", "Ab", "C/D"]))
    else:
        old = draw(st.sampled_from(files))
        ext = old[old.rfind(".") :]
        stem = draw(st.sampled_from([*NAMES, "Другое", stem_of(old).upper()]))
        new = join(draw(st.sampled_from([*FOLDERS, "C"])), stem + ext)
    return Case(vault, old, new, draw(st.sampled_from(FORMATS)))


# -- in-memory planning and applying -------------------------------------------------------


def build(vault: Vault) -> VaultIndex:
    entries = [FileEntry(path, len(data)) for path, data in vault.items()]
    notes = [parse_note(path, data) for path, data in vault.items() if is_markdown(path)]
    return VaultIndex.build(entries, notes)


def plan_for(vault: Vault, old: str, new: str, fmt: LinkFormat) -> tuple[Plan, dict[str, str]]:
    index = build(vault)
    try:
        plan, _changes, _skipped = plan_move(
            index, old, new, link_format=fmt, writable=lambda path: True
        )
    except VaultPartnerError:
        assume(False)
        raise
    return plan, rename_map(index, old, new)


def apply_in_memory(vault: Vault, plan: Plan, renames: dict[str, str]) -> Vault:
    moved = {renames.get(path, path): data for path, data in vault.items()}
    for edit in plan.edits:
        assert content_hash(moved[edit.path]) == edit.expected_hash
        moved[edit.path] = splice_bytes(moved[edit.path], edit.edits)
    return moved


def mv(vault: Vault, old: str, new: str, fmt: LinkFormat) -> tuple[Vault, Plan]:
    plan, renames = plan_for(vault, old, new, fmt)
    return apply_in_memory(vault, plan, renames), plan


def resolved_targets(vault: Vault) -> dict[tuple[str, int], str | None]:
    """(note, link number) -> the file the link opens (None when it opens none)."""
    index = build(vault)
    found: dict[tuple[str, int], str | None] = {}
    for path, note in index.notes.items():
        for number, link in enumerate(note.links):
            resolution = index.resolve_link(link, path)
            found[(path, number)] = resolution.path if resolution.resolved else None
    return found


def pieces_outside_links(data: bytes) -> list[str]:
    """The note's text with every link span cut out: what must never change."""
    note = parse_note("x.md", data)
    text = data.decode("utf-8")
    text = text[1:] if text.startswith("\ufeff") else text
    pieces, position = [], 0
    for link in sorted(note.links, key=lambda item: item.start):
        pieces.append(text[position : link.start])
        position = link.end
    pieces.append(text[position:])
    return pieces


def code_lines(data: bytes) -> list[str]:
    return [line for line in data.decode("utf-8").splitlines() if CODE_MARK in line]


# -- properties ----------------------------------------------------------------------------


@settings(PROFILE, max_examples=150)
@given(case=cases())
def test_planning_without_renames_changes_nothing(case: Case) -> None:
    index = build(case.vault)
    changes, skipped = plan_rename_links(index, index, {}, link_format=case.link_format)
    assert changes == []
    assert skipped == []


@settings(PROFILE, max_examples=150)
@given(case=cases())
def test_links_keep_their_targets_and_nothing_else_changes(case: Case) -> None:
    after, plan = mv(case.vault, case.old, case.new, case.link_format)
    renames = rename_map(build(case.vault), case.old, case.new)
    skipped = {line.split(":", 1)[0] for line in plan.notices}
    before_targets = resolved_targets(case.vault)
    after_targets = resolved_targets(after)
    back = {new: old for old, new in renames.items()}
    for (path, number), target in after_targets.items():
        old_path = back.get(path, path)
        was = before_targets[(old_path, number)]  # edits never add or remove a link
        if was is None or old_path in skipped:
            continue
        # No link that resolved before is broken or points elsewhere now.
        assert target == renames.get(was, was), (path, number)
    for path, data in case.vault.items():
        if is_markdown(path):
            new_data = after[renames.get(path, path)]
            assert pieces_outside_links(new_data) == pieces_outside_links(data)
            assert code_lines(new_data) == code_lines(data)


@settings(PROFILE, max_examples=150)
@given(case=cases())
def test_rewriting_is_idempotent(case: Case) -> None:
    after, _plan = mv(case.vault, case.old, case.new, case.link_format)
    renames = rename_map(build(case.vault), case.old, case.new)
    index = build(after)
    changes, skipped = plan_rename_links(index, index, renames, link_format=case.link_format)
    assert changes == []
    assert skipped == []
    # Planning the same move from scratch decides exactly the same edits.
    again, _ = plan_for(case.vault, case.old, case.new, case.link_format)
    assert again == _plan


def in_format(index: VaultIndex, link: Link, source: str, fmt: LinkFormat) -> bool:
    """Whether a link's path part is what Obsidian would write for its target."""
    resolution = index.resolve_link(link, source)
    if not resolution.resolved or resolution.path is None or not link.editable:
        return False
    markdown = link.syntax == "markdown"
    wanted = link_path_for(index, resolution.path, source, link_format=fmt, omit_md=not markdown)
    written = link.raw
    if markdown:
        match = re.search(r"\]\(<?([^)>]*?)(#[^)>]*)?>?(?: \"[^\"]*\")?\)$", written)
        shown = match.group(1) if match else None
        return shown in (wanted, encode_markdown_destination(wanted))
    return link.text.linkpath == wanted and f"[[{wanted}" in written


@settings(PROFILE, max_examples=120)
@given(case=cases())
def test_round_trip_restores_targets_and_formatted_links(case: Case) -> None:
    there, _ = mv(case.vault, case.old, case.new, case.link_format)
    back, _ = mv(there, case.new, case.old, case.link_format)
    renames = rename_map(build(case.vault), case.old, case.new)
    assert set(back) == set(case.vault)
    start, end = resolved_targets(case.vault), resolved_targets(back)
    for key, target in start.items():
        if target is not None:
            assert end[key] == target, key
    # Links to the moved files that were in the vault's link format come back byte for byte
    # (unless their display text equals the new name: Obsidian's display rule then renames it).
    # Not under "relative": there the text written on the way out can be a bare name, which
    # still resolves after the way back and is therefore left alone (spec 3.2 step 4, R10).
    index, index_back = build(case.vault), build(back)
    new_stems = {stem_of(new) for new in renames.values()}
    for path, note in index.notes.items():
        links_back = index_back.notes[path].links
        for number, link in enumerate(note.links):
            resolution = index.resolve_link(link, path)
            if case.link_format == "relative" or resolution.path not in renames:
                continue
            if not in_format(index, link, path, case.link_format):
                continue
            if link.text.display in new_stems:
                continue
            assert links_back[number].raw == link.raw, (path, link.raw, links_back[number].raw)
    # A second round trip ends byte-identical to the first.
    there2, _ = mv(back, case.old, case.new, case.link_format)
    back2, _ = mv(there2, case.new, case.old, case.link_format)
    assert back2 == back


# -- a few real runs on disk ---------------------------------------------------------------


@pytest.fixture(scope="module")
def disk_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mv-props")


@settings(PROFILE, max_examples=15)
@given(case=cases())
def test_real_command_matches_in_memory_plan(case: Case, disk_root: Path) -> None:
    expected, _ = mv(case.vault, case.old, case.new, case.link_format)
    vault, state = disk_root / "vault", disk_root / "state"
    for folder in (vault, state):
        shutil.rmtree(folder, ignore_errors=True)
    settings_json = f'{{"newLinkFormat": "{case.link_format}"}}'.encode()
    make_vault(vault, {**case.vault, ".obsidian/app.json": settings_json})
    result = CliRunner().invoke(
        main, ["--state-dir", str(state), "mv", str(vault), case.old, case.new]
    )
    assert result.exit_code in (0, 1), result.output
    on_disk = read_vault(vault)
    del on_disk[".obsidian/app.json"]
    assert on_disk == expected
    result = CliRunner().invoke(main, ["--state-dir", str(state), "undo", str(vault)])
    assert result.exit_code == 0, result.output
    restored = read_vault(vault)
    del restored[".obsidian/app.json"]
    assert restored == case.vault


def test_resolution_helper_sanity() -> None:
    index = build({"A/Note.md": b"", "B/Note.md": b"[[Note]]"})
    assert index.resolve("Note", "B/Note.md") == Resolution("resolved", "B/Note.md")
