"""Frontmatter location and YAML reading as Obsidian does (spec section 4)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from vaultpartner.yamlfm import ParsedYaml, find_frontmatter, parse_yaml


def load(yaml_text: str) -> ParsedYaml:
    text = f"---\n{yaml_text}\n---\nbody\n"
    block = find_frontmatter(text)
    assert block is not None
    return parse_yaml(text, block)


def value(yaml_scalar: str) -> Any:
    parsed = load(f"v: {yaml_scalar}")
    assert parsed.error is None, parsed.error
    assert parsed.data is not None
    return parsed.data["v"]


def test_frontmatter_only_at_the_very_start() -> None:
    assert find_frontmatter("---\na: 1\n---\n") is not None
    assert find_frontmatter("\n---\na: 1\n---\n") is None
    assert find_frontmatter(" ---\na: 1\n---\n") is None
    assert find_frontmatter("---\na: 1\n") is None  # no closing line
    assert find_frontmatter("----\na: 1\n---\n") is None
    block = find_frontmatter("---\r\na: 1\r\n---\r\nbody")
    assert block is not None
    assert (block.yaml_start, block.body_start) == (5, 16)
    empty = find_frontmatter("---\n---\nbody")
    assert empty is not None
    assert empty.yaml_start == empty.yaml_end == 4
    at_end = find_frontmatter("---\na: 1\n---")
    assert at_end is not None
    assert at_end.body_start == len("---\na: 1\n---")


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        # only true/false are booleans (YAML 1.2)
        ("true", True),
        ("False", False),
        ("NO", "NO"),
        ("yes", "yes"),
        ("on", "on"),
        ("y", "y"),
        # dates and times stay text
        ("2026-11-05", "2026-11-05"),
        ("2020-08-21T10:30:00", "2020-08-21T10:30:00"),
        ("1:20", "1:20"),  # no YAML 1.1 sexagesimal (would be 80)
        # numbers as js-yaml 4 reads them
        ("0123", 123),  # no YAML 1.1 octal (would be 83)
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", 5),
        ("-12", -12),
        ("1_000", 1000),
        ("1e3", 1000.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1.2.3", "1.2.3"),
        ("12_", "12_"),
        ("~", None),
        ("null", None),
        ('"0123"', "0123"),
    ],
)
def test_scalar_types(scalar: str, expected: Any) -> None:
    result = value(scalar)
    assert result == expected
    assert type(result) is type(expected)


def test_special_floats() -> None:
    assert value("-.inf") == -math.inf
    assert math.isnan(value(".NaN"))


def test_duplicate_keys_are_invalid_with_the_note_line() -> None:
    parsed = load('a: "[[A]]"\nb: 1\na: 2')
    assert parsed.data is None
    assert parsed.error is not None
    assert "duplicate key 'a'" in parsed.error
    assert parsed.error_line == 4  # note line: fence is line 1, 'a: 2' is line 4
    nested = load("outer:\n  x: 1\n  x: 2")
    assert nested.error is not None
    assert nested.error_line == 4


def test_yaml_error_lines_are_note_lines() -> None:
    parsed = load('a: 1\nb: 2\nc: "unclosed\nd: [')
    assert parsed.data is None
    assert parsed.error is not None
    assert parsed.error.startswith("invalid YAML")
    assert parsed.error_line is not None
    assert 4 <= parsed.error_line <= 6  # the YAML starts on note line 2
    bad_indent = load("a: 1\n b: 2")
    assert bad_indent.error_line == 3


def test_not_a_mapping() -> None:
    for text in ("- a\n- b", "just text"):
        parsed = load(text)
        assert parsed.data is None
        assert parsed.error is not None
        assert "key: value" in parsed.error
    assert load("").error is None
    assert load("# only a comment").data == {}


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object:os.system x",
        "!!python/object/apply:os.system ['true']",
        "!!python/name:os.system",
    ],
)
def test_python_tags_are_rejected(tagged: str) -> None:
    parsed = load(f"a: {tagged}")
    assert parsed.data is None
    assert parsed.error is not None


@pytest.mark.timeout(20)
def test_alias_bomb_is_bounded() -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{refs}]")
    parsed = load("\n".join(lines))
    # Either it loads (aliases share their values) or it is refused as too large; never hangs.
    assert parsed.error is None or "more than" in parsed.error


@pytest.mark.timeout(20)
def test_wide_frontmatter_is_refused_when_too_many_values() -> None:
    parsed = load("big: [" + ", ".join(["v"] * 60_000) + "]")
    assert parsed.error is not None
    assert "more than" in parsed.error


def test_strings_carry_key_paths_and_positions() -> None:
    text = "---\nrelated: \"[[A]]\"\nlist:\n  - '[[B]]'\n  - plain\na:\n  b:\n    - x\n---\n"
    block = find_frontmatter(text)
    assert block is not None
    parsed = parse_yaml(text, block)
    found = {s.key: s for s in parsed.strings}
    assert set(found) == {"related", "list.0", "list.1", "a.b.0"}
    related = found["related"]
    assert text[related.start : related.end] == '"[[A]]"'
    assert (related.line, related.column, related.style) == (2, 10, '"')
    assert found["list.0"].style == "'"
    assert found["list.1"].style is None
    assert (found["a.b.0"].line, found["a.b.0"].value) == (8, "x")
