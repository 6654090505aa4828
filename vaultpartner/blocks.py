"""Block structure of a note body via markdown-it-py: the only markdown-it user.

Only the block phase runs (inline parsing is disabled): it tells which lines are inline
content (paragraphs, headings, table cells, footnotes) and which are code, math or HTML, where
Obsidian indexes no links. Inline scanning is done by `vaultpartner.scan` on the raw text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # loaded with the parser: most notes never need it (see simpleblocks)
    from markdown_it import MarkdownIt


class InlineBlock(NamedTuple):  # a tuple: a note's parse makes one per paragraph
    """Lines [first_line, end_line) of the body (0-based) holding inline content."""

    first_line: int
    end_line: int
    heading_level: int  # 1-6 for a heading directly under the document root, else 0
    content: str  # markdown-it's view of the content (container markers removed)
    table_row: bool = False  # cells are separate inline contexts


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    parser = (
        MarkdownIt("commonmark")
        .enable("table")
        .use(dollarmath_plugin, allow_labels=False, double_inline=True)
        .use(footnote_plugin)
    )
    # footnote_tail would drop unreferenced footnote definitions, and the links in them.
    parser.disable(["inline", "footnote_tail"])
    return parser


def inline_blocks(body: str) -> list[InlineBlock]:
    """The inline-content blocks of a note body, in document order, without duplicates."""
    tokens = _parser().parse(body)
    blocks: list[InlineBlock] = []
    seen: set[tuple[int, int]] = set()
    pending_heading = 0
    previous = ""
    for token in tokens:
        kind, previous = previous, token.type
        if token.type == "heading_open":
            pending_heading = int(token.tag[1]) if token.level == 0 else 0
            continue
        if token.type != "inline" or token.map is None:
            continue
        span = (token.map[0], token.map[1])
        level, pending_heading = pending_heading, 0
        if span in seen:  # table cells of one row share their line
            continue
        seen.add(span)
        in_table = kind in ("td_open", "th_open")
        blocks.append(InlineBlock(span[0], span[1], level, token.content, in_table))
    return blocks
