"""Frontmatter: where it is (Obsidian's rule) and what its YAML says.

Obsidian reads YAML with a YAML 1.2 loader: only true/false are booleans and dates stay
text, and a duplicated key makes the whole block invalid. Common frontmatter is read here
directly; the rest by the YAML loader in yamlload (imported only then), which follows the
same rules, so `country: NO` stays a string and `last_contact: 2026-11-05` stays
"2026-11-05".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

_OPEN = re.compile(r"---[ \t]*(\r\n|\r|\n)")
_CLOSE = re.compile(r"^---[ \t]*(?:\r\n|\n|\Z)", re.MULTILINE)
MAX_FRONTMATTER_CHARS = 1_000_000
MAX_YAML_NODES = 50_000

# The scalars Obsidian's loader (js-yaml 4, YAML 1.2 core schema) reads as booleans, integers
# and floats; yamlload's loader resolves with these same patterns.
BOOL_VALUES = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
INT_VALUES = re.compile(
    r"^[-+]?(?:0b[01_]*[01]|0o[0-7_]*[0-7]|0x[0-9a-fA-F_]*[0-9a-fA-F]|[0-9](?:[0-9_]*[0-9])?)$"
)
FLOAT_VALUES = re.compile(
    r"^(?!.*_$)(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$"
)


def int_of(value: str) -> int:
    """js-yaml 4 integers: 0b/0o/0x prefixes, otherwise decimal (`0123` is 123), `_` ignored.
    ValueError when the text is none."""
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    base = {"0b": 2, "0o": 8, "0x": 16}.get(digits[:2].lower(), 10)
    return sign * int(digits[2:] if base != 10 else digits, base)


def float_of(value: str) -> float:
    text = value.replace("_", "").lower()
    special = {".inf": "inf", "+.inf": "inf", "-.inf": "-inf", ".nan": "nan"}
    return float(special.get(text, text))


@dataclass(frozen=True, slots=True)
class FrontmatterBlock:
    """The frontmatter's place in the text: the YAML between the fences and where the body starts."""

    yaml_start: int  # first character of the YAML text (after the opening fence line)
    yaml_end: int  # start of the closing fence line
    body_start: int  # first character after the closing fence line
    yaml_first_line: int  # 1-based line number of the first YAML line


class ScalarString(NamedTuple):  # a tuple: a recruiter's frontmatter holds a dozen
    """A string value in the YAML, with its key path and where its text sits in the note."""

    key: str  # dotted key path, as Obsidian's FrontmatterLinkCache.key ("related.0")
    value: str
    start: int  # character offsets in the note text, quotes included
    end: int
    style: str | None  # None plain, "'" or '"' quoted, "|" or ">" block
    line: int  # 1-based
    column: int  # 1-based, in code points


@dataclass(frozen=True, slots=True)
class ParsedYaml:
    data: dict[str, Any] | None
    strings: tuple[ScalarString, ...]
    error: str | None
    error_line: int | None


def find_frontmatter(text: str, start: int = 0) -> FrontmatterBlock | None:
    """Frontmatter exists only when `---` is the very first line and a closing `---` line follows."""
    opening = _OPEN.match(text, start)
    if opening is None:
        return None
    closing = _CLOSE.search(text, opening.end())
    if closing is None:
        return None
    body_start = closing.end()
    return FrontmatterBlock(
        yaml_start=opening.end(),
        yaml_end=closing.start(),
        body_start=body_start,
        yaml_first_line=2,
    )


def parse_yaml(text: str, block: FrontmatterBlock) -> ParsedYaml:
    """Load the frontmatter YAML; errors come back with their 1-based note line."""
    trivial = _trivial(text, block)
    if trivial is not None:
        return trivial
    simple = parse_simple_yaml(text, block)
    return simple if simple is not None else _load(text, block)


def parse_yaml_with_loader(text: str, block: FrontmatterBlock) -> ParsedYaml:
    """parse_yaml by the YAML loader alone (parse_simple_yaml's reference)."""
    trivial = _trivial(text, block)
    return trivial if trivial is not None else _load(text, block)


def _trivial(text: str, block: FrontmatterBlock) -> ParsedYaml | None:
    """The answer for frontmatter too large to read or empty; None for anything else."""
    source = text[block.yaml_start : block.yaml_end]
    if len(source) > MAX_FRONTMATTER_CHARS:
        return ParsedYaml(None, (), "frontmatter is larger than 1,000,000 characters", 1)
    if not source.strip():
        return ParsedYaml({}, (), None, None)
    return None


def _load(text: str, block: FrontmatterBlock) -> ParsedYaml:
    from vaultpartner.yamlload import load_yaml  # PyYAML only for what the fast path leaves

    return load_yaml(text, block)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --- the common case without PyYAML's Python-level constructor --------------------------------
#
# Most frontmatter is `key: value` lines and `- item` lists of single-line scalars. Those are
# read here directly, with the loader's own resolver table, into exactly what the loader gives
# (a property test compares the two); anything else (nesting, flow collections, comments,
# anchors, escapes, multi-line scalars, odd characters) returns None and goes to the loader.
# The loader's constructor is pure Python and was an eighth of parsing a note.

_SIMPLE_KEY = re.compile(r"([^\W\d][\w-]*):(?: (.*))?$")
_SIMPLE_ITEM = re.compile(r"( *)- (.*)$")
_PLAIN_FIRST_UNSAFE = frozenset("-?:,[]{}#&*!|>'\"%@` ")
_STR = "tag:yaml.org,2002:str"
_TAG_NULL = "tag:yaml.org,2002:null"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"


def _resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """The loader's implicit resolvers by first character, in its order: what PyYAML's
    Resolver keeps of its own (merge, null, value, yaml) and then ours (bool, int, float).
    tests/test_yaml_simple.py checks this table against the loader's."""
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, regexp, firsts in (
        ("merge", re.compile(r"^(?:<<)$"), "<"),
        ("null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
        ("value", re.compile(r"^(?:=)$"), "="),
        ("yaml", re.compile(r"^(?:!|&|\*)$"), "!&*"),
        ("bool", BOOL_VALUES, "tTfF"),
        ("int", INT_VALUES, "-+0123456789"),
        ("float", FLOAT_VALUES, "-+0123456789."),
    ):
        for first in firsts:
            table.setdefault(first, []).append(("tag:yaml.org,2002:" + tag, regexp))
    return table


RESOLVERS = _resolvers()


def _plain_tag(value: str) -> str:
    """The tag the loader resolves a plain scalar to (Resolver.resolve, with its table)."""
    for tag, regexp in RESOLVERS.get(value[0] if value else "", ()):
        if regexp.match(value):
            return tag
    return _STR


class _NotSimple(Exception):
    pass


def _scalar(raw: str) -> tuple[Any, str | None, str]:
    """(value, style, tag) of one single-line scalar as written; _NotSimple otherwise."""
    if not raw:
        raise _NotSimple
    first = raw[0]
    if first in "\"'":
        if len(raw) < 2 or raw[-1] != first or first in raw[1:-1] or "\\" in raw:
            raise _NotSimple
        return raw[1:-1], first, _STR
    if first in _PLAIN_FIRST_UNSAFE or raw[-1] in " :" or ": " in raw or " #" in raw:
        raise _NotSimple
    tag = _plain_tag(raw)
    if tag == _STR:
        return raw, None, tag
    if tag == _TAG_NULL:
        return None, None, tag
    if tag == _TAG_BOOL:
        return raw.lower() == "true", None, tag
    try:
        if tag == _TAG_INT:
            return int_of(raw), None, tag
        if tag == _TAG_FLOAT:
            return float_of(raw), None, tag
    except ValueError:
        raise _NotSimple from None  # the loader's error message
    raise _NotSimple  # merge keys, `=`, anything else


def parse_simple_yaml(text: str, block: FrontmatterBlock) -> ParsedYaml | None:
    """The frontmatter read without the loader when it is simple (see above), else None."""
    source = text[block.yaml_start : block.yaml_end]
    try:
        return _read_simple(text, source, block.yaml_start)
    except _NotSimple:
        return None


def _read_simple(text: str, source: str, offset: int) -> ParsedYaml:
    data: dict[str, Any] = {}
    strings: list[ScalarString] = []
    lines = source.split("\n")
    if lines[-1] == "":
        lines.pop()  # the text before the closing fence ends its last line
    position = 0  # of the current line in `source`
    row = 0
    items: list[Any] | None = None  # the list of the key before, while its items follow
    indent: int | None = None
    key = ""

    first_line = line_of(text, offset)

    def record(value: str, style: str | None, path: str, column: int, length: int) -> None:
        at = offset + position + column
        strings.append(
            ScalarString(path, value, at, at + length, style, first_line + row, column + 1)
        )

    while row < len(lines):
        line = lines[row]
        if not line.isprintable():
            # Tabs, other line breaks, the byte-order mark, controls, non-breaking and other
            # special spaces: the loader's rules for them have corner cases; it reads them.
            raise _NotSimple
        item = _SIMPLE_ITEM.match(line) if items is not None else None
        if item is not None and (indent is None or len(item.group(1)) == indent):
            assert items is not None
            indent = len(item.group(1))
            raw = item.group(2)
            value, style, tag = _scalar(raw)
            if tag == _STR:
                record(value, style, f"{key}.{len(items)}", indent + 2, len(raw))
            items.append(value)
        else:
            found = _SIMPLE_KEY.match(line)
            if found is None or line != line.rstrip(" "):
                raise _NotSimple
            key = found.group(1)
            if key in data or _plain_tag(key) != _STR:
                raise _NotSimple  # a duplicate (the loader's error) or a key of another type
            raw = found.group(2)
            items, indent = None, None
            if raw is None:
                data[key] = None  # unless items follow
                if row + 1 < len(lines) and _SIMPLE_ITEM.match(lines[row + 1]):
                    items = data[key] = []
            else:
                value, style, tag = _scalar(raw)
                if tag == _STR:
                    record(value, style, key, len(key) + 2, len(raw))
                data[key] = value
        position += len(line) + 1
        row += 1
    if not data or len(lines) > MAX_YAML_NODES // 2:
        raise _NotSimple  # the loader's limit on values is counted by the loader
    return ParsedYaml(data, tuple(strings), None, None)
