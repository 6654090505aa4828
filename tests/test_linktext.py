"""Link text as Obsidian reads it: decodeURI, wikilink content, cleaning, embed sizes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultpartner.linktext import (
    LinkText,
    clean,
    decode_uri,
    embed_size,
    is_external,
    js_trim,
    parse_markdown_destination,
    parse_wiki_content,
)


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("My%20Note.md", "My Note.md"),
        ("plain", "plain"),
        ("%D0%9D%D0%B0%D0%B9%D0%BC", "Найм"),
        ("%F0%9F%98%80", "😀"),
        # reserved characters stay encoded, exactly as written (case kept)
        ("C%23.md", "C%23.md"),
        ("a%2Fb%2fc", "a%2Fb%2fc"),
        ("Why%3F", "Why%3F"),
        ("%3B%2C%40%26%3D%2B%24%3A", "%3B%2C%40%26%3D%2B%24%3A"),
        # '%' itself is not reserved: %25 decodes, and the result is not decoded again
        ("%41%2541", "A%41"),
        ("50%25", "50%"),
    ],
)
def test_decode_uri_like_javascript(encoded: str, decoded: str) -> None:
    assert decode_uri(encoded) == decoded


@pytest.mark.parametrize(
    "malformed",
    [
        "100%",  # lone %
        "%zz",  # not hex
        "%%41",  # % before a valid escape
        "%E0%A4%A",  # truncated sequence
        "%C3%28",  # bad continuation byte
        "%80",  # lone continuation byte
        "%ED%A0%80",  # UTF-8 encoded surrogate
        "%F8%88%80%80%80",  # 5-byte form
        "%C0%AF",  # overlong
    ],
)
def test_decode_uri_malformed_is_none(malformed: str) -> None:
    assert decode_uri(malformed) is None


def test_markdown_destination() -> None:
    assert parse_markdown_destination("My%20Note.md#Sec%20One") == LinkText(
        "My Note.md", "#Sec One", None
    )
    assert parse_markdown_destination("#Heading%20Text") == LinkText("", "#Heading Text", None)
    assert parse_markdown_destination("Note%23x.md") == LinkText("Note%23x.md", "", None)
    assert parse_markdown_destination("%20Note%C2%A0") == LinkText("Note", "", None)
    assert parse_markdown_destination("100%.md") is None
    assert parse_markdown_destination("") is None
    for external in ("https://x.org", "mailto:a@b", "obsidian://open", "file:///x", "//host/x"):
        assert is_external(external)
        assert parse_markdown_destination(external) is None
    assert not is_external("Note.md")
    assert not is_external("../Note.md")


@pytest.mark.parametrize(
    ("content", "linkpath", "subpath", "display"),
    [
        ("Note", "Note", "", None),
        ("  Note  |  shown  ", "Note", "", "shown"),
        ("|x", "|x", "", None),  # a pipe at position 0 does not split
        ("  |x", "|x", "", None),  # ... also after trimming
        ("A|B|C", "A", "", "B|C"),  # first pipe only
        ("A|", "A", "", ""),
        ("A\\|B", "A", "", "B"),  # table escape: the backslash is dropped
        ("A\\", "A", "", None),  # ... also without a pipe
        ("A\\\\|B", "A\\", "", "B"),  # only one backslash is dropped
        ("\u00a0A\u00a0B\u00a0", "A B", "", None),  # NBSP -> space, trimmed
        ("Cafe\u0301", "Café", "", None),  # NFC
        ("Note#H#I", "Note", "#H#I", None),
        ("Note|C# notes", "Note", "", "C# notes"),  # '#' in display text is harmless
        ("#^blk", "", "#^blk", None),
        ("\ufeffA", "A", "", None),  # JavaScript trim removes U+FEFF
        ("\x1cA", "\x1cA", "", None),  # ... but not U+001C, which Python's strip would
    ],
)
def test_parse_wiki_content(content: str, linkpath: str, subpath: str, display: str | None) -> None:
    assert parse_wiki_content(content).text == LinkText(linkpath, subpath, display)


def test_parse_wiki_content_positions() -> None:
    parts = parse_wiki_content("  Note\\|shown ")
    assert (parts.target_start, parts.target_end, parts.pipe) == (2, 6, 7)
    assert parts.escaped_pipe
    plain = parse_wiki_content(" A | b")
    assert (plain.target_start, plain.target_end, plain.pipe, plain.escaped_pipe) == (
        1,
        2,
        3,
        False,
    )
    assert parse_wiki_content("A\\").escaped_pipe is False


def test_clean_and_trim() -> None:
    assert clean("\u00a0 Cafe\u0301 \u3000") == "Café"
    assert js_trim("\u2028x\u0085") == "x\u0085"


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        (None, (None, None, None)),
        ("300", (None, 300, None)),
        ("100x145", (None, 100, 145)),
        ("alt|200", ("alt", 200, None)),
        ("alt", ("alt", None, None)),
        ("a|b", ("a|b", None, None)),
        ("x100", ("x100", None, None)),
    ],
)
def test_embed_size(
    display: str | None, expected: tuple[str | None, int | None, int | None]
) -> None:
    assert embed_size(display) == expected


@settings(max_examples=3000, derandomize=True, deadline=None)
@given(st.text(alphabet="ab Ёё|#\\\u00a0\ufeff\u0301\t\u3000\x1c\x85.,[]/^", max_size=12))
def test_fast_wiki_link_parts_agree_with_the_full_parse(content: str) -> None:
    from vaultpartner.linktext import wiki_link_parts

    assert wiki_link_parts(content) == tuple(parse_wiki_content(content).text)


@settings(max_examples=2000, derandomize=True, deadline=None)
@given(st.binary(max_size=10), st.booleans())
def test_decode_uri_of_escaped_bytes_is_their_utf8_with_reserved_kept(
    raw: bytes, lower: bool
) -> None:
    encoded = "".join(f"%{byte:02x}" if lower else f"%{byte:02X}" for byte in raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        assert decode_uri(encoded) is None
        return
    expected = "".join(
        (f"%{ord(char):02x}" if lower else f"%{ord(char):02X}") if char in ";/?:@&=+$,#" else char
        for char in text
    )
    assert decode_uri(encoded) == expected
