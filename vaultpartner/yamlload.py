"""The YAML loader for frontmatter the fast path in yamlfm does not read. The only PyYAML
user besides fmedit's value writer.

Obsidian reads YAML with a YAML 1.2 loader: only true/false are booleans and dates stay
text, and a duplicated key makes the whole block invalid. The loader below follows that, so
`country: NO` stays a string and `last_contact: 2026-11-05` stays "2026-11-05".
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from vaultpartner.yamlfm import (
    BOOL_VALUES,
    FLOAT_VALUES,
    INT_VALUES,
    MAX_YAML_NODES,
    FrontmatterBlock,
    ParsedYaml,
    ScalarString,
    float_of,
    int_of,
    line_of,
)

try:  # libyaml is ~6x faster; fall back to the pure-Python parser where it is missing
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _VaultLoader(_BaseLoader):
    """Safe loader with YAML 1.2 booleans, dates kept as text and duplicate keys refused."""


# YAML 1.1 types Obsidian's YAML 1.2 loader (js-yaml 4) does not have: yes/no/on/off booleans,
# timestamps, sexagesimal numbers (`1:20` -> 80) and 0-prefixed octal (`0123` -> 83).
_REPLACED_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("timestamp", "bool", "int", "float")
)
_VaultLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_VaultLoader.add_implicit_resolver("tag:yaml.org,2002:bool", BOOL_VALUES, list("tTfF"))
_VaultLoader.add_implicit_resolver("tag:yaml.org,2002:int", INT_VALUES, list("-+0123456789"))
_VaultLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_VALUES, list("-+0123456789."))


def implicit_resolvers() -> dict[object, list[tuple[str, object]]]:
    """The loader's table of implicit resolvers (first character -> (tag, pattern) in order)."""
    return {first: list(found) for first, found in _VaultLoader.yaml_implicit_resolvers.items()}


def _construct_int(loader: _VaultLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    try:
        return int_of(text)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid integer {text.replace('_', '')!r}", node.start_mark
        ) from None


def _construct_float(loader: _VaultLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    try:
        return float_of(text)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid number {text.replace('_', '').lower()!r}", node.start_mark
        ) from None


_VaultLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_VaultLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


_VaultLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_VaultLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_yaml(text: str, block: FrontmatterBlock) -> ParsedYaml:
    """Non-empty frontmatter of a reasonable size, read by the loader (see yamlfm.parse_yaml)."""
    loader = _VaultLoader(text[block.yaml_start : block.yaml_end])
    try:
        node = loader.get_single_node()
        if node is None:
            return ParsedYaml({}, (), None, None)
        if not isinstance(node, yaml.MappingNode):
            return ParsedYaml(None, (), "frontmatter is not a list of `key: value` properties", 2)
        strings = tuple(_strings(node, block.yaml_start, text))
        data = loader.construct_document(node)
    except _TooLarge as exc:
        return ParsedYaml(None, (), str(exc), None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + block.yaml_first_line
        problem = exc.problem or exc.context or "invalid YAML"
        return ParsedYaml(None, (), f"invalid YAML: {problem}", line)
    except yaml.YAMLError as exc:
        return ParsedYaml(None, (), f"invalid YAML: {exc}", None)
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return ParsedYaml(None, (), "frontmatter is not a list of `key: value` properties", 2)
    return ParsedYaml(data, strings, None, None)


class _TooLarge(Exception):
    pass


def _strings(root: yaml.MappingNode, offset: int, text: str) -> Iterator[ScalarString]:
    """Walk the node graph once (aliases share nodes, so a YAML bomb stays small here)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    count = 0
    while stack:
        node, key = stack.pop()
        count += 1
        if count > MAX_YAML_NODES:
            raise _TooLarge(f"frontmatter has more than {MAX_YAML_NODES} values (YAML aliases?)")
        if isinstance(node, yaml.MappingNode):
            if id(node) in seen:
                continue
            seen.add(id(node))
            _check_duplicate_keys(node)
            for key_node, value_node in reversed(node.value):
                name = str(key_node.value)
                stack.append((value_node, f"{key}.{name}" if key else name))
        elif isinstance(node, yaml.SequenceNode):
            if id(node) in seen:
                continue
            seen.add(id(node))
            for index in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[index], f"{key}.{index}" if key else str(index)))
        elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
            start = offset + node.start_mark.index
            yield ScalarString(
                key=key,
                value=node.value,
                start=start,
                end=offset + node.end_mark.index,
                style=node.style or None,
                line=line_of(text, start),
                column=start - (text.rfind("\n", 0, start) + 1) + 1,
            )


def _check_duplicate_keys(node: yaml.MappingNode) -> None:
    seen: set[str] = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        if key_node.value in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
            )
        seen.add(key_node.value)
