"""The plain-note fast path must give exactly what markdown-it's block parse gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vaultpartner.note as note_module
from vaultpartner.note import parse_note
from vaultpartner.simpleblocks import simple_inline_blocks

LINES = [
    "",
    "Plain text with [[Link]] and [[Other|shown]].",
    "Text with `code [[NotALink]]` and ``double ` tick`` then [[After]].",
    "A [md link](Note%20Name.md) and ![embed](img.png).",
    "- item [[ListLink]]",
    "  - nested item [[Nested]] ^blk-1",
    "1. ordered [[Ordered#Heading]]",
    "> quoted [[Quoted]]",
    "> [!note] callout [[Callout]]",
    "# Heading [[InHeading]]",
    "## Second heading",
    "###### Six #",
    "#hashtag is not a heading",
    "Paragraph ending with a block id ^para-id",
    "^alone-id",
    "%%comment [[Commented]]%%",
    "%%",
    "opening `tick",
    "closing tick` [[MaybeCode]]",
    "escaped \\[[NotLink]] and \\`tick",
    "* star item `code",
    "+ plus item` [[PlusLink]]",
    "$inline math [[Math]]$ and $5 and $6",
    "line with trailing spaces   ",
    "[[Broken",
    "link]] across lines",
    "| pipes [[Link\\|alias]] | in text |",
    "- # list heading [[ListHeading]]",
    "> > deeply quoted [[Deep]] `tick",
    "> - quoted item [[QuotedItem]]",
    ">",
    "> # quoted heading ^qid",
    "10) numbered [[Numbered]] `x",
    "```",
    "```markdown",
    "````",
    "~~~",
    "~~~ info `with` ticks",
    "```py `x`",
    "  ```",
    "> ```",
    "- ```",
    "inline ```x [[InTicks]]``` code",
    "- [ ] task in code? [[Task]] 📅 2026-12-01",
    "    indented [[MaybeCode]]",
    "```   ",
]


def parse_both(body: str) -> tuple[object, object]:
    data = body.encode()
    fast = parse_note("n.md", data)
    original = note_module.simple_inline_blocks
    note_module.simple_inline_blocks = lambda _body: None  # type: ignore[assignment]
    try:
        full = parse_note("n.md", data)
    finally:
        note_module.simple_inline_blocks = original
    return fast, full


@settings(max_examples=3000, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=14))
def test_fast_path_agrees_with_markdown_it(lines: list[str]) -> None:
    body = "\n".join(lines) + "\n"
    fast, full = parse_both(body)
    assert fast.links == full.links  # type: ignore[attr-defined]
    assert fast.headings == full.headings  # type: ignore[attr-defined]
    assert fast.block_ids == full.block_ids  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        "  ```\n[[x]]\n```\n",
        "```\n[[x]]\n  ```\n",
        "> ```\n[[x]]\n",
        "use ```x``` inline\n",
        "    indented code [[x]]\n",
        "<div>\n[[x]]\n</div>\n",
        "Title\n---\n",
        "Title\n===\n",
        "[ref]: Note.md\n",
        "  # indented heading\n",
        "| a | b |\n|---|---|\n| [[x]] | y |\n",
        "$$\n[[x]]\n$$\n",
        "a\r\nb\r\n",
    ],
)
def test_anything_unusual_goes_to_markdown_it(body: str) -> None:
    assert simple_inline_blocks(body) is None


def test_plain_notes_take_the_fast_path() -> None:
    assert simple_inline_blocks("# H\n\nText [[A]].\n- item\n> quote\n") is not None
