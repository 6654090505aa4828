"""Change one top-level frontmatter value in place, every other byte kept. Pure, no I/O.

`set_value(text, key, value_yaml)` returns the `Edit`s (see edits.py) that replace exactly the
characters of that key's value, or insert one line `key: value` before the closing `---` (with
the frontmatter's own line ending), or add a frontmatter block at the top of a note without one.
A quoted old value keeps its quote style when the new value needs no escaping in it. The
result is re-parsed: the key must hold the new value and every other key its old one, or
`FrontmatterEditError` is raised and nothing should be written. Invalid YAML, block scalars
(`|`, `>`), block lists and aliases (`*x`) are refused. `text` has no BOM (the caller keeps it).

`yaml_scalar(value)` renders a value so that YAML (and Obsidian) read it back unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import yaml

from vaultpartner.edits import Edit, apply_edits
from vaultpartner.yamlfm import FrontmatterBlock, find_frontmatter, parse_yaml

__all__ = ["FrontmatterEditError", "set_value", "yaml_scalar"]

_RETYPED = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false", "null", "~", "none"})
_NUMBER_LIKE = re.compile(r"[-+.]?\d")
_INDICATORS = tuple("-?:,[]{}#&*!|>'\"%@`=")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class FrontmatterEditError(ValueError):
    """The frontmatter cannot be changed safely; the message says why."""


def _load_value(value_yaml: str) -> Any:
    """What `key: value_yaml` holds for vaultpartner's (Obsidian-like) YAML reader."""
    text = f"---\nk: {value_yaml}\n---\n"
    block = find_frontmatter(text)
    assert block is not None
    parsed = parse_yaml(text, block)
    if parsed.error is not None or parsed.data is None or list(parsed.data) != ["k"]:
        raise FrontmatterEditError(f"{value_yaml!r} is not a single YAML value")
    return parsed.data["k"]


def yaml_scalar(value: object) -> str:
    """One-line YAML for a date, number, bool or string; strings quoted when YAML would re-type."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written as a property value")
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(f"cannot write a {type(value).__name__} as a property value")
    if "\n" in value or "\r" in value:
        raise ValueError("a property value cannot contain a line break")
    if _plain_is_safe(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _plain_is_safe(value: str) -> bool:
    if not value or value != value.strip() or value.lower() in _RETYPED:
        return False
    if value.startswith(_INDICATORS) or _NUMBER_LIKE.match(value):
        return False
    if any(mark in value for mark in (":", "#", "[[", "@", "\t", "\\")) or not value.isprintable():
        return False
    try:
        loaded: object = _load_value(value)
    except FrontmatterEditError:
        return False
    return loaded == value


def _newline(text: str) -> str:
    found = _LINE_BREAK.search(text)
    return found.group(0) if found else "\n"


def _parsed(text: str, block: FrontmatterBlock) -> dict[str, Any]:
    parsed = parse_yaml(text, block)
    if parsed.error is not None or parsed.data is None:
        where = f" (line {parsed.error_line})" if parsed.error_line else ""
        raise FrontmatterEditError(f"the frontmatter is not valid YAML{where}: {parsed.error}")
    return parsed.data


def _value_node(source: str, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    root = yaml.compose(source, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return None
    for key_node, value_node in root.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _requote(old: str, new_yaml: str, expected: Any) -> str:
    """The new value in the old value's quotes, when that needs no escaping and means the same."""
    quote = old[:1]
    if quote not in ("'", '"') or new_yaml[:1] in ("'", '"'):
        return new_yaml
    if quote in new_yaml or (quote == '"' and "\\" in new_yaml):
        return new_yaml
    candidate = f"{quote}{new_yaml}{quote}"
    try:
        same = _load_value(candidate) == expected and isinstance(expected, str)
    except FrontmatterEditError:
        same = False
    return candidate if same else new_yaml


def _replace(
    text: str, block: FrontmatterBlock, key: str, value_yaml: str, expected: Any
) -> Edit | None:
    source = text[block.yaml_start : block.yaml_end]
    found = _value_node(source, key)
    if found is None:
        return None
    key_node, node = found
    start = block.yaml_start + node.start_mark.index
    end = block.yaml_start + node.end_mark.index
    key_end = block.yaml_start + key_node.end_mark.index
    if start < key_end:
        raise FrontmatterEditError(f"{key} is a YAML alias (*name); edit it by hand")
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        raise FrontmatterEditError(f"{key} is a block scalar (| or >); edit it by hand")
    if isinstance(node, yaml.CollectionNode) and not node.flow_style:
        raise FrontmatterEditError(f"{key} holds a block list or object, not a single value")
    if start == end:  # `key:` with no value: write after the colon
        colon = text.index(":", key_end) + 1
        return Edit(colon, colon, "", " " + value_yaml)
    old = text[start:end]
    return Edit(start, end, old, _requote(old, value_yaml, expected))


def set_value(text: str, key: str, new_value_yaml: str) -> list[Edit]:
    """Edits that set top-level `key` to `new_value_yaml` (one line of YAML, e.g. yaml_scalar)."""
    if not key or key != key.strip() or any(c in key for c in ":#\r\n\"'") or key.startswith("-"):
        raise FrontmatterEditError(f"{key!r} is not a property name vaultpartner can write")
    if _LINE_BREAK.search(new_value_yaml):
        raise FrontmatterEditError("the new value must be one line")
    expected = _load_value(new_value_yaml)
    block = find_frontmatter(text)
    newline = _newline(text)
    if block is None:
        edit = Edit(0, 0, "", f"---{newline}{key}: {new_value_yaml}{newline}---{newline}")
        old_data: dict[str, Any] = {}
    else:
        newline = _newline(text[: block.yaml_start])
        old_data = _parsed(text, block)
        replaced = _replace(text, block, key, new_value_yaml, expected) if key in old_data else None
        line = f"{key}: {new_value_yaml}{newline}"
        edit = replaced or Edit(block.yaml_end, block.yaml_end, "", line)
    _verify(apply_edits(text, [edit]), key, expected, old_data)
    return [edit]


def _verify(new_text: str, key: str, expected: Any, old_data: dict[str, Any]) -> None:
    block = find_frontmatter(new_text)
    if block is None:
        raise FrontmatterEditError("the edit would break the frontmatter fences")
    try:
        data = _parsed(new_text, block)
    except FrontmatterEditError as exc:
        raise FrontmatterEditError(f"the edit would break the frontmatter: {exc}") from None
    if key not in data or data[key] != expected or type(data[key]) is not type(expected):
        raise FrontmatterEditError(f"the edit would not set {key} to the new value")
    others = {k: v for k, v in data.items() if k != key}
    if others != {k: v for k, v in old_data.items() if k != key}:
        raise FrontmatterEditError(f"setting {key} would change other properties")
