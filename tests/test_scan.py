"""The inline scanner: adversarial input completes, every span is exact.

No timing assertions: a quadratic scanner would run into the timeout, not a clock check.
"""

from __future__ import annotations

import random

import pytest

from vaultpartner.note import Note, parse_note
from vaultpartner.scan import ScanResult, ScanState, finish, scan_region

LINE = 40_000


def parse(text: str) -> Note:
    note = parse_note("Note.md", text.encode("utf-8"))
    assert note.unreadable is None
    for link in note.links:
        if link.place == "body":
            assert text[link.start : link.end] == link.raw
    return note


ADVERSARIAL = {
    "open brackets": "[[" * (LINE // 2),
    "open brackets then close": "[[" * (LINE // 2) + "x]]",
    "single brackets": "[" * LINE + "]]",
    "unclosed contents": "[[a" * (LINE // 3) + "]]",
    "close brackets": "]]" * (LINE // 2),
    "markdown openers": "[x](" * (LINE // 4),
    "bracket paren": "](" * (LINE // 2),
    "backticks": "`" * LINE,
    "backtick pairs": "`a" * (LINE // 2),
    "growing backtick runs": " ".join("`" * n for n in range(1, 280)),
    "escaped backticks": "\\``" * (LINE // 3),
    "dollars": "$" * LINE,
    "dollar pairs": "$a" * (LINE // 2),
    "dollar spaced": "$ a " * (LINE // 4),
    "percents": "%" * LINE,
    "comment toggles": "%%[[a]]" * (LINE // 7),
    "backslashes": "\\" * LINE,
    "angle destinations": "[a](<" * (LINE // 5),
    "titles": '[a](b "' * (LINE // 7),
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_line_completes(name: str) -> None:
    text = ADVERSARIAL[name]
    parse(text)
    parse(f"# {text}\n\n| {text} |\n| - |\n| {text} |\n\n> {text}\n")


@pytest.mark.timeout(20)
def test_many_lines_and_comments_complete() -> None:
    text = "\n\n".join(f"para %%c{i}%% [[N{i}]] `code` $m$ ^id{i}" for i in range(5000))
    note = parse(text)
    assert len(note.links) == 5000
    assert len(note.block_ids) == 5000


def test_nested_candidates() -> None:
    note = parse("[[a [[Inner]] c]] [[[[x]] [[Sq]uare]]")
    # `[[[[x]]`: the candidates at the first and second bracket contain `[[` and are rejected;
    # the one at the second bracket has content `[x`, which is allowed (spec 1.1 items 1-2).
    assert [link.raw for link in note.links] == ["[[Inner]]", "[[[x]]", "[[Sq]uare]]"]
    assert note.links[1].text.linkpath == "[x"


def test_scan_region_reports_offsets() -> None:
    text = "ab ![[X|y]] [t](<a b.md> 'ti') %%[[C]]"
    out = ScanResult([], [])
    state = ScanState()
    scan_region(text, 0, len(text), state, out)
    finish(state, len(text), out)
    wiki, markdown, commented = out.links
    assert (wiki.kind, wiki.embed, text[wiki.start : wiki.end]) == ("wiki", True, "![[X|y]]")
    assert text[wiki.content_start : wiki.content_end] == "X|y"
    assert markdown.angle
    assert text[markdown.content_start : markdown.content_end] == "a b.md"
    assert text[markdown.label_start : markdown.label_end] == "t"
    assert text[markdown.start : markdown.end] == "[t](<a b.md> 'ti')"
    assert commented.in_comment
    assert out.comments == [(text.index("%%"), len(text))]


FRAGMENTS = [
    "[[A]]",
    "![[B.png|100]]",
    "[t](N.md)",
    "[",
    "]",
    "[[",
    "]]",
    "`",
    "``",
    "$",
    "$$",
    "%%",
    "\\",
    "|",
    "#",
    "^x",
    "(",
    ")",
    "<",
    ">",
    " ",
    "\n",
    "\n\n",
    "> ",
    "- ",
    "    ",
    "```",
    "Ж",
    "😀",
    "\r\n",
    "---",
    "| a |",
    "[[C\\|d]]",
    "[x](<a b>)",
]


@pytest.mark.timeout(60)
def test_random_notes_have_exact_spans() -> None:
    rng = random.Random(20261126)
    for _ in range(400):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 80)))
        note = parse(text)
        ends = [(link.start, link.end) for link in note.links if link.place == "body"]
        for start, end in ends:
            assert 0 <= start < end <= len(text)
