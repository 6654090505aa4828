"""Property tests: link round trips, nothing found in code, markdown-it agreement, index updates."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from strategies import (
    PROFILE,
    NoteText,
    WikiSpec,
    format_wikilink,
    nfd,
    whole_notes,
    wiki_specs,
)

from vaultpartner.index import Backlink, FileEntry, VaultIndex
from vaultpartner.linktext import LinkText, parse_wiki_content
from vaultpartner.note import Link, Note, parse_note
from vaultpartner.paths import lookup_key, nfc
from vaultpartner.resolve import Resolution

# == 1. round trip ===============================================================================

CONTEXTS = {
    "paragraph": "Смотри {} и дальше.",
    "line-start": "{} starts the line",
    "list": "- item {}\n- next",
    "quote": "> quoted {}",
    "callout": "> [!note] Title\n> body {} end",
    "heading": "## Heading {}",
    "table": "| a | b |\n|---|---|\n| {} | x |",
    "footnote": "[^1]: note {}\n\nText[^1]",
}


def _content(spec: WikiSpec, link: str) -> str:
    return link[(3 if spec.embed else 2) : -2]


@settings(PROFILE, max_examples=300)
@given(spec=wiki_specs(), context=st.sampled_from(sorted(CONTEXTS)))
def test_wikilink_round_trip(spec: WikiSpec, context: str) -> None:
    link = format_wikilink(spec)
    assert parse_wiki_content(_content(spec, link)).text == spec.expected

    template = CONTEXTS[context]
    text = template.format(link)
    note = parse_note("Папка/Заметка.md", text.encode("utf-8"))
    assert len(note.links) == 1, (text, note.links)
    found = note.links[0]
    assert found.text == spec.expected
    assert found.raw == link
    assert found.embed == spec.embed
    assert found.syntax == "wiki"
    assert not found.in_comment
    start = template.index("{}")
    assert (found.start, found.end) == (start, start + len(link))
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    assert (found.line, found.column) == (line, column)


@settings(PROFILE, max_examples=150)
@given(spec=wiki_specs(), how=st.sampled_from(["nfd", "nbsp"]))
def test_wikilink_target_is_cleaned(spec: WikiSpec, how: str) -> None:
    """NFD input and no-break spaces come back NFC with plain spaces (spec 1.1 item 7)."""
    if how == "nfd":
        written = WikiSpec(
            nfd(spec.linkpath),
            nfd(spec.subpath),
            spec.display,
            spec.escape_pipe,
            spec.embed,
            spec.pad,
        )
    else:
        written = WikiSpec(
            spec.linkpath.replace(" ", "\u00a0"),
            spec.subpath.replace(" ", "\u00a0"),
            spec.display,
            spec.escape_pipe,
            spec.embed,
            spec.pad,
        )
    link = format_wikilink(written)
    parsed = parse_wiki_content(_content(written, link)).text
    assert parsed == LinkText(nfc(spec.linkpath), nfc(spec.subpath), spec.display)


def _splice(text: str, links: Iterable[Link]) -> str:
    out: list[str] = []
    pos = 0
    for link in sorted(links, key=lambda link: link.start):
        assert link.start >= pos, "link spans overlap"
        out.append(text[pos : link.start])
        out.append(link.raw)
        pos = link.end
    out.append(text[pos:])
    return "".join(out)


@settings(PROFILE, max_examples=200)
@given(note_text=whole_notes())
def test_link_spans_are_exact(note_text: NoteText) -> None:
    note = parse_note("n.md", note_text.data)
    text = note_text.text
    assert note.unreadable is None
    assert note.bom == note_text.data.startswith(b"\xef\xbb\xbf")
    editable = [link for link in note.links if link.editable]
    for link in note.links:
        assert 0 <= link.start <= link.end <= len(text)
        if link.place == "body":
            assert link.editable
            assert "\n" not in link.raw
            assert "\r" not in link.raw
        # a frontmatter value with YAML escapes is not spliceable, and says so
        assert link.editable == (text[link.start : link.end] == link.raw)
        line_start = max(text.rfind("\n", 0, link.start), text.rfind("\r", 0, link.start)) + 1
        assert link.line == len(text[:line_start].splitlines()) + 1
        if link.place == "body":  # a frontmatter link's column is that of its YAML scalar
            assert link.column == link.start - line_start + 1
    spliced = _splice(text, editable)
    assert spliced == text
    assert ("\ufeff" if note.bom else "").encode() + spliced.encode("utf-8") == note_text.data


# == 2. nothing is found inside code or math =====================================================


class _Markers:
    def __init__(self) -> None:
        self.counter = itertools.count()
        self.real: set[str] = set()

    def code(self) -> str:
        return f"[[CODE-{next(self.counter)}]]"

    def real_link(self, form: int) -> str:
        name = f"REAL-{next(self.counter)}"
        self.real.add(name)
        return (f"[[{name}]]", f"![[{name}]]", f"[[{name}#H|shown]]", f"[[{name}\\|t]]")[form]


def _code_span(markers: _Markers, ticks: int, others: list[int]) -> str:
    fence = "`" * ticks
    inner = " ".join("`" * n for n in others if n != ticks)
    return f"{fence} a {inner} {markers.code()} {fence}"


@st.composite
def _paragraph(draw: st.DrawFn, markers: _Markers) -> str:
    pieces = ["Text"]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            pieces.append(markers.real_link(draw(st.integers(0, 3))))
        elif kind == 1:
            ticks = draw(st.integers(1, 3))
            pieces.append(_code_span(markers, ticks, draw(st.lists(st.integers(1, 4), max_size=3))))
        elif kind == 2:
            pieces.append(f"${markers.code()} x$")
        elif kind == 3:
            pieces.append(f"$${markers.code()}$$")
        elif kind == 4:
            pieces.append(draw(st.sampled_from(["word", "слово", "a_b", "*em*", "(x)"])))
        else:
            pieces.append("\n" + draw(st.sampled_from(["more", "ещё"])))
    return " ".join(pieces)


@st.composite
def _fence(draw: st.DrawFn, markers: _Markers, indent: str, closed: bool = True) -> str:
    char = draw(st.sampled_from("`~"))
    length = draw(st.integers(3, 5))
    info = draw(st.sampled_from(["", "python", 'md title="x"', "{.c}", "dataview"]))
    lines = [f"{indent}{char * length}{info}"]
    for _ in range(draw(st.integers(1, 3))):
        filler = draw(st.sampled_from(["", char * (length - 1) + " ", "    ", "# "]))
        lines.append(f"{indent}{filler}{markers.code()}")
    if closed:
        lines.append(f"{indent}{char * (length + draw(st.integers(0, 1)))}")
    return "\n".join(lines)


@st.composite
def _code_block(draw: st.DrawFn, markers: _Markers) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(_fence(markers, ""))
    if kind == 1:  # a fence inside a list item, the item text holding a real link
        bullet = draw(st.sampled_from(["- ", "* ", "1. "]))
        indent = " " * len(bullet)
        item = f"{bullet}item {markers.real_link(0)}"
        return f"{item}\n{draw(_fence(markers, indent))}\n\nEnd of list."
    if kind == 2:  # nested list
        inner = draw(_fence(markers, "    "))
        return f"- a\n  - b {markers.real_link(2)}\n{inner}\n\nEnd of list."
    if kind == 3:
        prefix = draw(st.sampled_from(["> ", ">"]))
        fence = draw(_fence(markers, ""))
        quoted = "\n".join(prefix + line for line in fence.split("\n"))
        return f"> [!note] {markers.real_link(0)}\n{quoted}"
    if kind == 4:
        indent = draw(st.sampled_from(["    ", "\t", "     "]))
        lines = [f"{indent}{markers.code()}" for _ in range(draw(st.integers(1, 3)))]
        return "\n".join(lines)
    if kind == 5:
        return f"$$\n{markers.code()}\n{markers.code()}\n$$"
    if kind == 6:
        return f"$$ {markers.code()} $$"
    if kind == 7:
        code = _code_span(markers, draw(st.integers(1, 3)), [])
        return f"| a | b |\n|---|---|\n| {code} | {markers.real_link(0)} |"
    if kind == 8:
        return f"## Heading {markers.real_link(draw(st.integers(0, 2)))}"
    return draw(_paragraph(markers))


@st.composite
def code_documents(draw: st.DrawFn) -> tuple[str, set[str]]:
    markers = _Markers()
    blocks = [draw(_code_block(markers)) for _ in range(draw(st.integers(1, 8)))]
    if draw(st.booleans()):  # an unclosed fence runs to the end of the note
        blocks.append(draw(_fence(markers, "", closed=False)))
    return "\n\n".join(blocks) + "\n", markers.real


@settings(PROFILE, max_examples=200)
@given(document=code_documents())
def test_nothing_is_found_in_code_or_math(document: tuple[str, set[str]]) -> None:
    text, real = document
    note = parse_note("n.md", text.encode("utf-8"))
    linkpaths = [link.text.linkpath for link in note.links]
    assert not [path for path in linkpaths if path.startswith("CODE")], text
    assert sorted(linkpaths) == sorted(real), text


# == 3. agreement with markdown-it (the reference) ===============================================

SOUP = (
    "word",
    "Слово",
    "[[",
    "]]",
    "[",
    "]",
    "(",
    ")",
    "|",
    "\\",
    "`",
    "``",
    "%%",
    "!",
    "#",
    "*",
    "_",
    "[[Note]]",
    "[[A|b]]",
    "[[A\\|b]]",
    "`[[Coded]]`",
    "[x](Note.md)",
)


# Table cells take no unescaped `|`: markdown-it splits cells before it sees code spans, we scan
# the whole row (a known difference, see the xfail tests below).
TABLE_SOUP = tuple(token for token in SOUP if "|" not in token.replace("\\|", ""))


@st.composite
def _soup_line(draw: st.DrawFn, alphabet: tuple[str, ...] = SOUP) -> str:
    tokens = draw(st.lists(st.sampled_from(alphabet), min_size=1, max_size=10))
    glue = draw(st.sampled_from([" ", ""]))
    return "word " + glue.join(tokens)  # a word first: never a block marker at line start


@st.composite
def _soup_block(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 7))
    lines = draw(st.lists(_soup_line(), min_size=1, max_size=3))
    if kind == 0:
        return "\n".join(lines)
    if kind == 1:
        return "\n".join(f"- {line}" for line in lines)
    if kind == 2:
        return "\n".join(f"> {line}" for line in lines)
    if kind == 3:
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        return "\n".join([fence, *lines, fence])
    if kind == 4:
        return "\n".join(f"    {line}" for line in lines)
    if kind == 5:
        rows = draw(st.lists(_soup_line(TABLE_SOUP), min_size=1, max_size=3))
        return "| h | h2 |\n|---|---|\n" + "\n".join(f"| {row} | c |" for row in rows)
    if kind == 6:
        return f"# {lines[0]}"
    return f"- item\n  ```\n  {lines[0]}\n  ```\n\nEnd."


def _code_texts(tokens: list[Token]) -> tuple[list[str], list[tuple[int, int]]]:
    """Text of every code span and code block, and the line ranges of code blocks."""
    texts: list[str] = []
    ranges: list[tuple[int, int]] = []
    for token in tokens:
        if token.type in ("fence", "code_block"):
            texts.append(token.content)
            assert token.map is not None
            ranges.append((token.map[0], token.map[1]))
        elif token.type == "inline":
            texts.extend(
                child.content for child in token.children or () if child.type == "code_inline"
            )
    return texts, ranges


def _occurrences(haystack: str, needle: str) -> int:
    count, pos = 0, haystack.find(needle)
    while pos >= 0:
        count, pos = count + 1, haystack.find(needle, pos + 1)
    return count


def _unpipe(text: str) -> str:
    return text.replace("\\|", "|")


@lru_cache(maxsize=1)
def _reference() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


@settings(PROFILE, max_examples=500)
@given(blocks=st.lists(_soup_block(), min_size=1, max_size=6))
def test_links_agree_with_markdown_it_code(blocks: list[str]) -> None:
    text = "\n\n".join(blocks) + "\n"
    note = parse_note("n.md", text.encode("utf-8"))
    # A backtick inside `[[...]]`: we let the wikilink win, CommonMark lets a code span win
    # (see test_backtick_inside_wikilink_starts_code_span); leave that open question out.
    assume(not any("`" in link.raw for link in note.links))
    code_texts, code_lines = _code_texts(_reference().parse(text))
    for link in note.links:  # never on a line markdown-it puts in a code block
        assert not any(first <= link.line - 1 < end for first, end in code_lines), (link, text)
    # Every link's text occurs at least as often outside code spans as we found it. A table
    # cell's `\|` reaches markdown-it's code span as `|`, so compare with `\|` read as `|`.
    found = Counter(_unpipe(link.raw) for link in note.links)
    codes = [_unpipe(code) for code in code_texts]
    for raw, count in found.items():
        in_code = sum(_occurrences(code, raw) for code in codes)
        assert count <= _occurrences(_unpipe(text), raw) - in_code, (raw, text, note.links)


# == 4. incremental index == index built from scratch ============================================

FOLDERS = ("", "A", "A/Sub", "Архив", "B")
NOTE_NAMES = ("Note", "note", "Рекрутинг", "План", "v1.2", "Index", "Note.md", "Ёлка")
ATTACHMENT_NAMES = ("img.png", "Diagram.png", "Note.png", "doc.PDF")
TARGETS = (
    "Note",
    "note",
    "NOTE.MD",
    "Note.md",
    "A/Note",
    "A/Sub/Note",
    "Sub/Note",
    "/Note",
    "./Note",
    "../Note",
    "../A/Note",
    "Рекрутинг",
    "архив/рекрутинг",
    "План",
    "v1.2",
    "Index",
    "ёлка",
    "img.png",
    "IMG.PNG",
    "Diagram.png",
    "Note.png",
    "doc.pdf",
    "Missing",
    "B",
)


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


@st.composite
def _note_content(draw: st.DrawFn) -> str:
    lines: list[str] = []
    meta: list[str] = []
    if draw(st.integers(0, 3)) == 0:
        meta.append(f'related: "[[{draw(st.sampled_from(TARGETS))}]]"')
    if draw(st.integers(0, 3)) == 0:
        meta.append(f"aliases: [{draw(st.sampled_from(['AI', 'ai', 'Найм']))}]")
    if draw(st.integers(0, 5)) == 0:
        meta.extend(["generated_by: vaultpartner", "vaultpartner: report"])
    if meta:
        lines.extend(["---", *meta, "---"])
    lines.append("# H")
    for _ in range(draw(st.integers(0, 5))):
        target = draw(st.sampled_from(TARGETS))
        sub = draw(st.sampled_from(["", "#H", "#^b1"]))
        form = draw(st.integers(0, 5))
        lines.append(
            (
                f"[[{target}{sub}]]",
                f"![[{target}]]",
                f"[t]({target.replace(' ', '%20')}{sub})",
                f"%%[[{target}]]%%",
                "[[#H]]",
                f"`[[{target}]]`",
            )[form]
        )
    return "\n".join(lines) + "\n"


Model = dict[str, "str | int"]  # note path -> text, attachment path -> size


@lru_cache(maxsize=4096)
def _parsed(path: str, content: str) -> Note:
    return parse_note(path, content.encode("utf-8"))


def _entry(path: str, value: str | int) -> FileEntry:
    size = value if isinstance(value, int) else len(value.encode("utf-8"))
    return FileEntry(path, size)


def _scratch(model: Model) -> VaultIndex:
    paths = sorted(model)
    notes = [_parsed(p, v) for p in paths if isinstance(v := model[p], str)]
    return VaultIndex.build([_entry(p, model[p]) for p in paths], notes)


def _free(model: Model, path: str) -> bool:
    """Paths are unique case-insensitively, as on the file systems Obsidian runs on."""
    return lookup_key(path) not in {lookup_key(p) for p in model}


PROBE_SOURCES = tuple(_join(folder, "probe.md") for folder in FOLDERS)


def _observations(index: VaultIndex, model: Model) -> tuple[object, ...]:
    """What users of the index see: resolutions of links and probes, and every backlink list."""
    links: list[tuple[str, int, Resolution]] = []
    for path in sorted(index.notes):
        for number, link in enumerate(index.notes[path].links):
            links.append((path, number, index.resolve(link.text.linkpath, path)))
    probes = [(t, s, index.resolve(t, s)) for t in TARGETS for s in PROBE_SOURCES]
    backlinks: dict[str, list[Backlink]] = {p: index.backlinks(p) for p in sorted(model)}
    return links, probes, backlinks


@st.composite
def _vault(draw: st.DrawFn) -> Model:
    model: Model = {}
    for _ in range(draw(st.integers(3, 15))):
        path = _join(draw(st.sampled_from(FOLDERS[:3])), draw(st.sampled_from(NOTE_NAMES)) + ".md")
        if _free(model, path):
            model[path] = draw(_note_content())
    for _ in range(draw(st.integers(0, 3))):
        path = _join(draw(st.sampled_from(FOLDERS[:3])), draw(st.sampled_from(ATTACHMENT_NAMES)))
        if _free(model, path):
            model[path] = draw(st.integers(0, 100))
    return model


def _apply(index: VaultIndex, model: Model, data: st.DataObject) -> VaultIndex:
    """Draw one operation, apply it to the model (in place) and return the updated index."""
    notes = sorted(p for p, v in model.items() if isinstance(v, str))
    attachments = sorted(p for p, v in model.items() if isinstance(v, int))
    op = data.draw(st.sampled_from(["add", "change", "remove", "rename", "attach", "detach"]))
    folder = data.draw(st.sampled_from(FOLDERS))
    if op in ("change", "remove", "rename") and notes:
        path = data.draw(st.sampled_from(notes))
        if op == "change":
            model[path] = data.draw(_note_content())
            return index.updated(
                files=[_entry(path, model[path])], notes=[_parsed(path, model[path])]
            )
        content = model.pop(path)
        if op == "remove":
            return index.updated(removed=[path])
        new = _join(folder, data.draw(st.sampled_from(NOTE_NAMES)) + ".md")
        if not _free(model, new):
            return index.updated(removed=[path])
        model[new] = content
        assert isinstance(content, str)
        added = {"files": [_entry(new, content)], "notes": [_parsed(new, content)]}
        if data.draw(st.booleans()):  # one call does both
            return index.updated(removed=[path], **added)  # type: ignore[arg-type]
        return index.updated(removed=[path]).updated(**added)  # type: ignore[arg-type]
    if op == "detach" and attachments:
        path = data.draw(st.sampled_from(attachments))
        del model[path]
        return index.updated(removed=[path])
    if op == "attach":
        path = _join(folder, data.draw(st.sampled_from(ATTACHMENT_NAMES)))
        if _free(model, path):
            model[path] = data.draw(st.integers(0, 100))
            return index.updated(files=[_entry(path, model[path])])
        return index
    path = _join(folder, data.draw(st.sampled_from(NOTE_NAMES)) + ".md")
    if _free(model, path):
        model[path] = data.draw(_note_content())
        return index.updated(files=[_entry(path, model[path])], notes=[_parsed(path, model[path])])
    return index


@settings(PROFILE, max_examples=200)
@given(initial=_vault(), data=st.data())
def test_incremental_index_equals_scratch(initial: Model, data: st.DataObject) -> None:
    model = dict(initial)
    index = _scratch(model)
    assert index.snapshot() == _scratch(dict(reversed(model.items()))).snapshot()
    for _ in range(data.draw(st.integers(1, 12), label="steps")):
        before = index.snapshot()
        seen_before = _observations(index, model)  # also fills the resolution memo
        old_model = dict(model)
        old = index
        index = _apply(index, model, data)
        assert old.snapshot() == before, "updated() changed the old index"
        assert _observations(old, old_model) == seen_before, "updated() changed the old index"
        scratch = _scratch(model)
        assert index.snapshot() == scratch.snapshot()
        assert _observations(index, model) == _observations(scratch, model)
    # and once more on a fresh incremental index whose memo is only partly warm
    assert _observations(index, model) == _observations(_scratch(model), model)


# -- known differences from markdown-it, found by the property above -----------------------------

TABLE = "| a | b |\n|---|---|\n"


def _reference_code(text: str) -> list[str]:
    return _code_texts(_reference().parse(text))[0]


def test_code_span_does_not_pair_across_table_cells() -> None:
    text = TABLE + "| ` | `[[Note]]` |\n"
    assert _reference_code(text) == ["[[Note]]"]
    assert parse_note("n.md", text.encode()).links == ()


def test_link_between_cells_with_lone_backticks_is_found() -> None:
    text = TABLE + "| `x | [[Note]] | y` |\n"
    assert _reference_code(text) == []
    assert [link.raw for link in parse_note("n.md", text.encode()).links] == ["[[Note]]"]


def test_wikilink_is_read_before_a_code_span_that_starts_inside_it() -> None:
    # A documented choice (README, UNCONFIRMED table): links are read left to right, so a
    # backtick inside `[[...]]` belongs to the wikilink. CommonMark (markdown-it) would let the
    # code span win; Obsidian's own precedence here is not established.
    text = "word [[ ` ]] [[Note]] `\n"
    assert _reference_code(text) == ["]] [[Note]]"]
    assert [link.raw for link in parse_note("n.md", text.encode()).links] == ["[[ ` ]]", "[[Note]]"]
