"""parse_note facts beyond the fixture cases: frontmatter flags, lines, bytes."""

from __future__ import annotations

from vaultpartner.note import parse_note


def test_horizontal_rule_start_is_frontmatter_like_obsidian() -> None:
    # Obsidian treats a first line `---` with a later `---` line as frontmatter, whatever is
    # between (spec 4.1); the paragraph is not body text, the text after the fence is.
    note = parse_note("N.md", b"---\nA paragraph [[In]].\n---\nAfter [[Out]]\n")
    assert note.has_frontmatter
    assert note.frontmatter is None
    assert note.frontmatter_error is not None
    assert [link.raw for link in note.links] == ["[[Out]]"]
    assert note.body_line == 4
    assert note.headings == ()  # `A paragraph` + `---` is not a setext heading here


def test_without_closing_fence_everything_is_body() -> None:
    note = parse_note("N.md", b"---\nA paragraph [[In]].\n")
    assert not note.has_frontmatter
    assert note.body_start == 0
    assert [link.raw for link in note.links] == ["[[In]]"]


def test_bom_crlf_and_positions() -> None:
    data = '\ufeff---\r\nrelated: "[[A]]"\r\n---\r\n# T\r\n[[B]]\r\n'.encode()
    note = parse_note("N.md", data)
    assert note.bom
    assert note.newline == "\r\n"
    assert note.has_frontmatter
    assert note.frontmatter == {"related": "[[A]]"}
    assert [(link.raw, link.line, link.column) for link in note.links] == [
        ("[[A]]", 2, 10),
        ("[[B]]", 5, 1),
    ]
    assert [(h.text, h.line) for h in note.headings] == [("T", 4)]


def test_aliases_and_tags() -> None:
    note = parse_note("N.md", b"---\nAliases: AI\ntags: ['#x', y, 'has space']\n---\n")
    assert note.aliases == ("AI",)
    assert note.tags == ("x", "y")  # entries with spaces are ignored (spec 4.4)


def test_unreadable_bytes() -> None:
    assert parse_note("N.md", b"\xff\xfe").unreadable is not None
    assert parse_note("N.md", b"a\x00b").unreadable is not None
    assert parse_note("N.md", b"x" * 11, max_bytes=10).unreadable is not None


def test_links_are_kept_compact_and_read_back_as_the_links_parsed() -> None:
    from vaultpartner.note import EMPTY_LINKS, Link, LinkList

    note = parse_note("n.md", b"---\nrel: '[[A]]'\n---\n[[B#h|x]] ![m](C.md)\n")
    assert isinstance(note.links, LinkList)
    links = tuple(note.links)
    assert [link.raw for link in links] == ["[[A]]", "[[B#h|x]]", "![m](C.md)"]
    assert all(isinstance(link, Link) for link in links)
    assert note.links == links  # equal to a tuple of the same links, both ways
    assert links == note.links
    assert note.links[1].text.subpath == "#h"
    assert note.links[1:] == links[1:]
    assert len(note.links) == 3
    assert LinkList.of(links) == note.links
    assert LinkList.of(links[:2]) != note.links
    assert parse_note("e.md", b"no links\n").links is EMPTY_LINKS
    assert not EMPTY_LINKS
    assert EMPTY_LINKS == ()
