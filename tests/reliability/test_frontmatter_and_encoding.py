"""Reliability catalogue, section E: frontmatter and encoding (cases 48-63).

The frontmatter editor (`vaultpartner.fmedit`) and the parser have their own thorough tests
(tests/test_fmedit.py, test_yamlfm.py, test_note.py, test_vaultfs.py, test_scan.py); this
module adds the cases where a *watcher rewrite* meets odd bytes, and the cases with no test.

A note on case 51: Obsidian itself reads a `---` on the very first line as the start of
frontmatter, so `---` / paragraph / `---` *is* frontmatter-like to vaultpartner too (an
invalid one: not a mapping). What the catalogue asks for, "content never lost", holds: no
property is ever written into such a note, and link rewrites keep every other byte.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from test_watcher import Harness

from tests.conftest import make_vault
from vaultpartner.edits import apply_edits, decode_note, encode_note
from vaultpartner.fmedit import FrontmatterEditError, set_value
from vaultpartner.note import parse_note


def renamed(root: Path, files: dict[str, bytes | str]) -> Harness:
    """A vault with Old.md plus files; Old.md renamed to New.md and the batch handled."""
    make_vault(root, {"Old.md": "# Old\n", **files})
    h = Harness(root)
    os.rename(root / "Old.md", root / "New.md")
    h.handle("Old.md", "New.md", *files)
    return h


# -- 51: horizontal rules at the top ----------------------------------------------------------
RULES = "---\nJust a paragraph between rules\n---\nRest [[Old]]\n"


def test_51_rules_at_the_top_never_get_a_property_and_keep_their_text() -> None:
    with pytest.raises(FrontmatterEditError):
        set_value(RULES, "status", "done")
    note = parse_note("r.md", RULES.encode())
    assert note.frontmatter is None
    assert note.frontmatter_error is not None


def test_51_a_link_rewrite_under_rules_keeps_every_other_byte(tmp_path: Path) -> None:
    h = renamed(tmp_path / "v", {"Rules.md": RULES})
    assert h.text("Rules.md") == RULES.replace("[[Old]]", "[[New]]")


# -- 53: BOM ----------------------------------------------------------------------------------
BOM_NOTE = '\ufeff---\r\nrelated: "[[Old]]"\r\nstatus: open\r\n---\r\nSee [[Old]].\r\n'


def test_53_bom_is_kept_and_no_second_block_appears(tmp_path: Path) -> None:
    h = renamed(tmp_path / "v", {"Bom.md": BOM_NOTE.encode()})
    data = (tmp_path / "v/Bom.md").read_bytes()
    assert data == BOM_NOTE.replace("[[Old]]", "[[New]]").encode()
    text, bom = decode_note(data)
    assert bom
    edited = encode_note(apply_edits(text, set_value(text, "status", "done")), bom)
    assert edited.startswith(b"\xef\xbb\xbf---\r\n")
    assert edited.count(b"---") == 2
    assert b"status: done\r\n" in edited
    assert h.writes


# -- 57: JSON frontmatter ----------------------------------------------------------------------
JSON_NOTE = '---\n{"status": "open", "tags": ["a", "b"]}\n---\nBody\n'


def test_57_json_frontmatter_is_never_rewritten_as_yaml() -> None:
    with pytest.raises(FrontmatterEditError):  # adding a key would need a YAML line
        set_value(JSON_NOTE, "new_key", "done")
    # an existing value is spliced in place, quotes kept: still JSON, every other byte kept
    changed = apply_edits(JSON_NOTE, set_value(JSON_NOTE, "status", "done"))
    assert changed == JSON_NOTE.replace('"open"', '"done"')
    assert parse_note("j.md", JSON_NOTE.encode()).frontmatter == {
        "status": "open",
        "tags": ["a", "b"],
    }


# -- 58 / 59: other encodings and binary files ------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        "Ссылка на [[Old]] в cp1251\n".encode("cp1251"),
        "UTF-16 note [[Old]]\n".encode("utf-16"),
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) + b"[[Old]]",
    ],
    ids=["windows-1251", "utf-16", "binary"],
)
def test_58_59_non_utf8_notes_are_never_written(tmp_path: Path, data: bytes) -> None:
    h = renamed(tmp_path / "v", {"Strange.md": data, "Good.md": "[[Old]]\n"})
    assert (tmp_path / "v/Strange.md").read_bytes() == data
    assert h.engine.index.notes["Strange.md"].unreadable is not None
    assert h.text("Good.md") == "[[New]]\n"


# -- 60: mixed line endings and lone CR -------------------------------------------------------
def test_60_mixed_line_endings_are_preserved_exactly(tmp_path: Path) -> None:
    mixed = b"one\r\ntwo [[Old]]\nthree\rfour [[Old|x]]\r\n\rlast"
    renamed(tmp_path / "v", {"Mixed.md": mixed})
    assert (tmp_path / "v/Mixed.md").read_bytes() == mixed.replace(b"[[Old", b"[[New")


# -- 61: notes over the size cap --------------------------------------------------------------
@pytest.mark.timeout(30)
def test_61_a_note_over_the_size_cap_is_skipped_and_the_watcher_stays_useful(
    tmp_path: Path,
) -> None:
    huge = ("[[Old]]\n" + "x" * (17 * 1024 * 1024) + "\n").encode()  # cap: 16 MiB
    h = renamed(tmp_path / "v", {"Huge.md": huge, "Good.md": "[[Old]]\n"})
    assert (tmp_path / "v/Huge.md").read_bytes() == huge
    assert "larger than" in (h.engine.index.notes["Huge.md"].unreadable or "").__str__()
    assert h.text("Good.md") == "[[New]]\n"


# -- 62: ReDoS input --------------------------------------------------------------------------
@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", ["[[" * 50_000, "[[" * 50_000 + "]]", "![[a|" * 20_000])
def test_62_pathological_brackets_parse_quickly(text: str) -> None:
    note = parse_note("redos.md", text.encode())
    assert note.unreadable is None


# -- 63: Unicode names ------------------------------------------------------------------------
def test_63_rename_to_an_nfd_name_writes_nfc_links_and_no_duplicate(tmp_path: Path) -> None:
    root = tmp_path / "v"
    make_vault(root, {"Old.md": "# Old\n", "Links.md": "[[Old]]\n"})
    h = Harness(root)
    nfd = unicodedata.normalize("NFD", "Ёлка.md")
    os.rename(root / "Old.md", root / nfd)
    said = h.handle("Old.md", unicodedata.normalize("NFC", nfd))
    assert "noticed a rename: Old.md -> Ёлка.md" in said
    assert h.text("Links.md") == "[[Ёлка]]\n"  # NFC, as Obsidian writes it
    assert sorted(os.listdir(root)) == sorted(["Links.md", nfd, "vaultpartner.toml"])
