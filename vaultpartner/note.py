"""Parse one note's bytes into an immutable `Note`: no I/O, no clock.

A note keeps what the index and later edits need: where its frontmatter and body are, every
link with its exact span, root headings, block ids and aliases, and facts about its bytes
(BOM, line endings, hash). It keeps no copy of the text: writers re-read the file and check
the hash, so a note the user changed meanwhile is never overwritten. Its links are kept in a
compact form (`LinkList`) and built as objects only while they are looked at.
"""

from __future__ import annotations

import marshal
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Literal, NamedTuple, overload

from vaultpartner.digest import content_hash
from vaultpartner.headings import Heading
from vaultpartner.linktext import (
    LinkText,
    parse_markdown_destination,
    parse_wiki_content,
    wiki_link_parts,
)
from vaultpartner.scan import RawLink, ScanResult, ScanState, finish, scan_region
from vaultpartner.simpleblocks import simple_inline_blocks
from vaultpartner.yamlfm import ScalarString, find_frontmatter, parse_yaml

BOM = "\ufeff"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)
_BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9-]+)$")
_CONFIDENTIAL_MARK = re.compile(r"\[!confidential\]|%%[ \t]*confidential[ \t]*%%", re.IGNORECASE)
_FM_MARKDOWN_LINK = re.compile(r"^!?\[([^\]]*)\]\((.*)\)$", re.DOTALL)

_new_tuple: Any = tuple.__new__
NO_BLOCK_IDS: frozenset[str] = frozenset()  # shared by every note without block ids
Syntax = Literal["wiki", "markdown"]
Place = Literal["body", "frontmatter"]


class Link(NamedTuple):  # a tuple: cheap to build and to pickle across processes
    """One link occurrence: what it says, and exactly where it is written."""

    syntax: Syntax
    place: Place
    embed: bool
    text: LinkText
    start: int  # character offsets into the note text (BOM excluded)
    end: int
    line: int  # 1-based
    column: int  # 1-based, in code points
    raw: str  # the exact source text of the occurrence
    in_comment: bool = False  # inside %% ... %%: kept, never reported or counted
    key: str | None = None  # frontmatter key path ("related.0")
    editable: bool = True  # False when the text cannot be spliced (YAML escapes)
    quote: str = ""  # the YAML quote around a frontmatter link ('"' or "'"), else ""


class LinkList(Sequence[Link]):
    """A note's links as one marshal blob, turned into Link objects each time they are read.

    A large vault holds hundreds of thousands of links; as objects they were three quarters
    of a loaded vault's memory (50,000 notes: ~270 MB), while a run after a small change reads
    the links of few notes. The blob is what the note cache stores, so a cached note's links
    are never decoded unless used. Equal to a tuple of the same links.
    """

    __slots__ = ("_count", "_data")

    def __init__(self, data: bytes, count: int) -> None:
        self._data = data
        self._count = count

    @classmethod
    def of(cls, links: Iterable[Link]) -> LinkList:
        if isinstance(links, LinkList):
            return links
        return cls.of_rows([link_row(link) for link in links])

    @classmethod
    def of_rows(cls, rows: Sequence[tuple[Any, ...]]) -> LinkList:
        """From links as `link_row` gives them (the parser makes its links in this form)."""
        return cls(marshal.dumps(tuple(rows)), len(rows)) if rows else EMPTY_LINKS

    @property
    def data(self) -> bytes:
        return self._data

    def decoded(self) -> tuple[Link, ...]:
        if not self._count:
            return ()
        rows = marshal.loads(self._data)  # noqa: S302 - only ever made by `of` or the cache
        return tuple(
            _new_tuple(Link, (*row[:3], _new_tuple(LinkText, row[3]), *row[4:])) for row in rows
        )

    def linkpaths(self) -> list[str]:
        """Each link's linkpath, read without building the links."""
        if not self._count:
            return []
        rows = marshal.loads(self._data)  # noqa: S302 - only ever made by `of` or the cache
        return [row[3][0] for row in rows]

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Link]:
        return iter(self.decoded())

    @overload
    def __getitem__(self, index: int) -> Link: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Link, ...]: ...

    def __getitem__(self, index: int | slice) -> Link | tuple[Link, ...]:
        return self.decoded()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LinkList):
            return self._data == other._data or self.decoded() == other.decoded()
        if isinstance(other, tuple):
            return self.decoded() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to tuples, which hash differently

    def __repr__(self) -> str:
        return f"LinkList({self.decoded()!r})"


EMPTY_LINKS = LinkList(marshal.dumps(()), 0)


def link_row(link: Link) -> tuple[Any, ...]:
    """A link as plain tuples (what marshal stores): its LinkText a plain tuple too."""
    return (*link[:3], tuple(link.text), *link[4:])


def linkpaths(links: Sequence[Link]) -> Iterable[str]:
    """Each link's linkpath; a LinkList's are read without building its links."""
    if isinstance(links, LinkList):
        return links.linkpaths()
    return (link.text.linkpath for link in links)


@dataclass(frozen=True, slots=True)
class FrontmatterError:
    message: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Unreadable:
    message: str
    offset: int | None  # byte offset of the first bad byte


@dataclass(frozen=True, slots=True)
class Note:
    path: str
    size: int
    content_hash: str
    bom: bool = False
    newline: str = "\n"  # "\n", "\r\n", "\r", "mixed" or "" (no line break at all)
    has_frontmatter: bool = False
    frontmatter: dict[str, Any] | None = None  # None when absent or invalid
    frontmatter_error: FrontmatterError | None = None
    body_start: int = 0
    body_line: int = 1  # 1-based line where the body starts
    links: Sequence[Link] = ()  # a LinkList for parsed and cached notes
    headings: tuple[Heading, ...] = ()
    block_ids: frozenset[str] = field(default_factory=frozenset)
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    unreadable: Unreadable | None = None
    confidential: bool = False  # holds text marked confidential (see partners/confidential.py)


def parse_note(path: str, data: bytes, *, max_bytes: int = 16 * 1024 * 1024) -> Note:
    """Parse a note's bytes. Never raises for bad input: problems are recorded on the note."""
    digest = content_hash(data)
    if len(data) > max_bytes:
        problem = Unreadable(f"larger than max_note_bytes ({max_bytes} bytes); not read", None)
        return Note(path=path, size=len(data), content_hash=digest, unreadable=problem)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = Unreadable(f"not valid UTF-8 at byte {exc.start}", exc.start)
        return Note(path=path, size=len(data), content_hash=digest, unreadable=problem)
    nul = text.find("\x00")
    if nul >= 0:
        offset = len(text[:nul].encode("utf-8"))
        problem = Unreadable(
            f"contains a NUL byte at byte {offset}; the file looks damaged", offset
        )
        return Note(path=path, size=len(data), content_hash=digest, unreadable=problem)
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    return _parse_text(path, text, size=len(data), digest=digest, bom=bom)


def _newline_style(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    kinds = [kind for kind, count in (("\r\n", crlf), ("\n", lf), ("\r", cr)) if count]
    if not kinds:
        return ""
    return kinds[0] if len(kinds) == 1 else "mixed"


def _plus_newline(offset: int, length: int) -> int:
    return offset + length + 1


class _Lines:
    """Offset -> (line, column), with the same line breaks markdown-it uses."""

    def __init__(self, text: str) -> None:
        if "\r" in text:
            self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        else:  # the lines' lengths (split and measured in C), each plus its "\n", summed
            ends = accumulate(map(len, text.split("\n")[:-1]), _plus_newline, initial=0)
            self.starts = list(ends)
        self.length = len(text)

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


def _parse_text(path: str, text: str, *, size: int, digest: str, bom: bool) -> Note:
    lines = _Lines(text)
    block = find_frontmatter(text)
    frontmatter: dict[str, Any] | None = None
    fm_error: FrontmatterError | None = None
    rows: list[tuple[Any, ...]] = []  # the links, as LinkList stores them
    body_start = 0
    if block is not None:
        body_start = block.body_start
        parsed = parse_yaml(text, block)
        if parsed.error is not None:
            fm_error = FrontmatterError(parsed.error, parsed.error_line)
        else:
            frontmatter = parsed.data
            rows.extend(map(link_row, _frontmatter_links(text, parsed.strings)))
    body_line_index = lines.position(body_start)[0] - 1
    body_rows, headings, block_ids = _parse_body(text, body_start, body_line_index, lines)
    rows.extend(body_rows)
    # Both marks need "[!" or "%%": testing for those first spares most notes the regex.
    marked = ("[!" in text or "%%" in text) and bool(_CONFIDENTIAL_MARK.search(text))
    secret = marked or _truthy((frontmatter or {}).get("confidential"))
    return Note(
        path=path,
        size=size,
        content_hash=digest,
        confidential=secret,
        bom=bom,
        newline=_newline_style(text),
        has_frontmatter=block is not None,
        frontmatter=frontmatter,
        frontmatter_error=fm_error,
        body_start=body_start,
        body_line=body_line_index + 1,
        links=LinkList.of_rows(rows),
        headings=tuple(headings),
        block_ids=frozenset(block_ids) if block_ids else NO_BLOCK_IDS,
        aliases=_string_list(frontmatter, "aliases"),
        # spec 4.4: tag entries containing spaces are ignored; a leading '#' is optional
        tags=tuple(
            tag.lstrip("#")
            for tag in _string_list(frontmatter, "tags")
            if not any(char.isspace() for char in tag)
        ),
    )


def _truthy(value: object) -> bool:
    """A property value that marks a note confidential (mistyped values fail safe)."""
    if value is None or value is False or value == 0:
        return False
    return not (isinstance(value, str) and value.strip().lower() in ("", "false", "no", "off", "0"))


def _needs_block_parse(body: str) -> bool:
    return any(marker in body for marker in ("[[", "](", "#", "^", "%%")) or bool(
        _SETEXT.search(body)
    )


def _parse_body(
    text: str, body_start: int, body_line_index: int, lines: _Lines
) -> tuple[list[tuple[Any, ...]], list[Heading], set[str]]:
    """The body's links (as link_row gives them), root headings and block ids."""
    body = text[body_start:]
    if not _needs_block_parse(body):
        return [], [], set()
    blocks = simple_inline_blocks(body)
    if blocks is None:  # markdown-it, loaded only when a note needs it (most do not)
        from vaultpartner.blocks import inline_blocks

        blocks = inline_blocks(body)
    state, result = ScanState(), ScanResult([], [])
    ranges: list[tuple[int, int]] = []
    starts, count, length = lines.starts, len(lines.starts), lines.length
    for inline in blocks:  # offsets of its first line and the next (the text's end past the last)
        first, after = body_line_index + inline.first_line, body_line_index + inline.end_line
        start = starts[first] if first < count else length
        end = starts[after] if after < count else length
        ranges.append((start, end))
        if inline.table_row:
            for cell_start, cell_end in _table_cells(text, start, end):
                scan_region(text, cell_start, cell_end, state, result)
        else:
            scan_region(text, start, end, state, result)
    finish(state, len(text), result)
    comments = result.comments
    headings: list[Heading] = []
    block_ids: set[str] = set()
    for inline, (start, end) in zip(blocks, ranges, strict=True):
        if inline.heading_level and not (comments and _inside(comments, start)):
            line = body_line_index + inline.first_line + 1
            headings.append(Heading(inline.heading_level, inline.content.strip(), line))
        found = _BLOCK_ID.search(inline.content.rstrip()) if "^" in inline.content else None
        # The id sits at the end of the block: it counts unless that spot is in a comment.
        if found and not (comments and _inside(comments, _last_char(text, start, end))):
            block_ids.add(found.group(1).lower())
    rows = [_body_link_row(text, raw, starts) for raw in result.links]
    return [row for row in rows if row is not None], headings, block_ids


_WIKILINK_SPAN = re.compile(r"\[\[[^\n]*?\]\]")


def _table_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A table row's cells: split at pipes that are neither escaped nor inside a wikilink.

    Cells are separate inline contexts (a code span never pairs backticks across cells); a
    `[[Note|alias]]` inside a cell keeps its pipe, as Obsidian's link parser sees it whole.
    """
    protected = [m.span() for m in _WIKILINK_SPAN.finditer(text, start, end)]
    cells: list[tuple[int, int]] = []
    cell_start = start
    position = text.find("|", start, end)
    while position >= 0:
        escaped = position > start and text[position - 1] == "\\"
        inside = any(a < position < b for a, b in protected)
        if not escaped and not inside:
            cells.append((cell_start, position))
            cell_start = position + 1
        position = text.find("|", position + 1, end)
    cells.append((cell_start, end))
    return cells


def _last_char(text: str, start: int, end: int) -> int:
    """Offset of the last non-blank character of text[start:end]."""
    return start + max(len(text[start:end].rstrip()) - 1, 0)


def _inside(comments: list[tuple[int, int]], offset: int) -> bool:
    """Whether offset lies in a comment; comments are sorted and disjoint (binary search)."""
    index = bisect_right(comments, (offset, 1 << 62)) - 1
    return index >= 0 and comments[index][0] <= offset < comments[index][1]


def _body_link_row(text: str, raw: RawLink, starts: list[int]) -> tuple[Any, ...] | None:
    """A body link as link_row gives it (built as plain tuples: the parser makes one per
    link, tens of thousands in a vault). `starts`: the text's line starts (see _Lines)."""
    kind, start, end, embed, content_start, content_end, label_start, label_end, angle, hidden = raw
    if kind == "wiki":
        parts = wiki_link_parts(text[content_start:content_end])
        syntax: Syntax = "wiki"
    else:
        destination = text[content_start:content_end]
        parsed = parse_markdown_destination(destination if angle else _unescape(destination))
        if parsed is None:
            return None
        parts = (parsed.linkpath, parsed.subpath, text[label_start:label_end])
        syntax = "markdown"
    index = bisect_right(starts, start) - 1  # _Lines.position, inlined
    return (
        syntax, "body", embed, parts, start, end, index + 1, start - starts[index] + 1,
        text[start:end], hidden, None, True, "",
    )  # fmt: skip


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unescape(destination: str) -> str:
    return _ESCAPED.sub(r"\1", destination) if "\\" in destination else destination


def _frontmatter_links(text: str, strings: tuple[ScalarString, ...]) -> list[Link]:
    links: list[Link] = []
    for scalar in strings:
        value = scalar.value
        link_text: LinkText | None = None
        syntax: Syntax = "wiki"
        if value.startswith("[[") and value.endswith("]]") and len(value) > 4:
            inner = value[2:-2]
            if "[[" not in inner and "]]" not in inner:
                link_text = parse_wiki_content(inner).text
        else:
            match = _FM_MARKDOWN_LINK.match(value)
            if match:
                destination = match.group(2).strip()
                if destination.startswith("<") and destination.endswith(">"):
                    destination = destination[1:-1]
                parsed = parse_markdown_destination(destination)
                if parsed is not None:
                    link_text = LinkText(parsed.linkpath, parsed.subpath, match.group(1))
                    syntax = "markdown"
        if link_text is None:
            continue
        quoted = scalar.style in ("'", '"')
        inner_start, inner_end = (
            (scalar.start + 1, scalar.end - 1) if quoted else (scalar.start, scalar.end)
        )
        editable = text[inner_start:inner_end] == value
        links.append(
            Link(
                syntax=syntax,
                place="frontmatter",
                embed=value.startswith("!"),
                text=link_text,
                start=inner_start if editable else scalar.start,
                end=inner_end if editable else scalar.end,
                line=scalar.line,
                column=scalar.column,
                raw=value,
                key=scalar.key,
                editable=editable,
                quote=scalar.style if scalar.style in ("'", '"') else "",
            )
        )
    return links


def _string_list(frontmatter: dict[str, Any] | None, key: str) -> tuple[str, ...]:
    """A list-or-string property, the key matched case-insensitively as Obsidian does."""
    if not frontmatter:
        return ()
    for name, value in frontmatter.items():
        if isinstance(name, str) and name.lower() == key:
            items = value if isinstance(value, list) else [value]
            return tuple(
                str(item).strip()
                for item in items
                if isinstance(item, str | int | float)
                and not isinstance(item, bool)
                and str(item).strip()
            )
    return ()
