"""The frontmatter fast path: whenever it answers, it is exactly what the YAML loader gives."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from vaultpartner.yamlfm import find_frontmatter, parse_simple_yaml, parse_yaml_with_loader

KEYS = [
    "tags",
    "related",
    "Имя",
    "last_contact",
    "a-b",
    "_x",
    "true",
    "null",
    "1",
    "yes",
    "x y",
    "é",
]
SEPARATORS = [": ", ":", ":  ", ": \t", " : "]
VALUES = [
    "recruiting", "2026-05-01", "0x1F", "1_000", "0123", "1.5", ".inf", "-1", "+7 999 123",
    "~", "null", "True", "FALSE", "yes", "<<", "=", "[a, b]", "{a: 1}", '"[[Встреча]]"',
    "'q'", '"a\\"b"', "'it''s'", "a # c", "a: b", "C#", "x:", "http://x.ru/a?b=1", "Привет мир",
    "é", "", " lead", "trail ", "!tag", "&a", "*a", "|", ">", "@x", "`x", "%x", "-x", "- x",
    "a\tb", "1e3", "0b101", "0o17", "._", "[[Link]]", "a\u2028b", "x\x85y", "O'Brien", '""',
    "''", "'", '"', "1:20", "-.inf", ".NaN",
]  # fmt: skip
INDENTS = ["", "  ", "    ", " "]


@st.composite
def frontmatter(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        key = draw(st.sampled_from(KEYS))
        if draw(st.booleans()):
            lines.append(key + draw(st.sampled_from(SEPARATORS)) + draw(st.sampled_from(VALUES)))
        else:
            lines.append(key + draw(st.sampled_from([":", ": ", ":  "])))
            indent = draw(st.sampled_from(INDENTS))
            for _ in range(draw(st.integers(0, 3))):
                if draw(st.integers(0, 9)) == 0:
                    indent = draw(st.sampled_from(INDENTS))
                dash = draw(st.sampled_from(["- ", "- ", "- ", "-", "-  "]))
                lines.append(indent + dash + draw(st.sampled_from(VALUES)))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", " ", "# note", "...", "  nested: 1"])))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return newline.join(lines) + newline


def _both(yaml_text: str, before: str = "") -> tuple[object, object]:
    text = f"{before}---\n{yaml_text}---\n# Body\n"
    block = find_frontmatter(text, len(before))
    assert block is not None
    return parse_simple_yaml(text, block), parse_yaml_with_loader(text, block)


@settings(max_examples=600, derandomize=True, deadline=None)
@given(frontmatter(), st.sampled_from(["", "\ufeff"]))
@example('tags:\n  - recruiting\ncreated: 2026-05-01\nrelated:\n  - "[[A]]"\n', "")
@example("tags:\n- a\n- b\nname: Анна\n", "")
@example("n: 0123\nf: 1_0.5\nb: TRUE\nz: ~\ne:\n", "")
def test_the_fast_path_gives_the_loaders_answer_or_none(yaml_text: str, before: str) -> None:
    simple, loader = _both(yaml_text, before)
    if simple is not None:
        assert repr(simple) == repr(loader)  # repr: nan is not equal to itself


def test_the_common_frontmatter_takes_the_fast_path() -> None:
    simple, loader = _both(
        "type: recruiter\nname: Анна Петрова\ntags:\n  - hr\n  - networking\n"
        'related:\n  - "[[Компания]]"\ncadence: 30d\nprofile_shared: false\nrating: 4\n'
    )
    assert simple is not None
    assert simple == loader
    simple, _ = _both("tags: [a, b]\n")  # a flow list: the loader's
    assert simple is None


def _loader_tag(value: str) -> str:
    from vaultpartner.yamlload import implicit_resolvers

    table = implicit_resolvers()
    for tag, regexp in table.get(value[0] if value else "", []) + table.get(None, []):
        if regexp.match(value):  # type: ignore[attr-defined]
            return tag
    return "tag:yaml.org,2002:str"


PLAIN = [
    "", "~", "null", "Null", "NULL", "nULL", "<<", "=", "!", "&", "*", "true", "TRUE", "tRUE",
    "yes", "on", "0", "-0", "0123", "0o17", "0b2", "0x1F", "1_000", "1:20", "1.5", "1.", ".5",
    "-.inf", ".NaN", "1e3", "1.0e+3", "2026-05-01", "2026-05-01 10:00", "+7", "+", "-", ".",
    "_1", "1_", "abc",
]  # fmt: skip


@settings(max_examples=500, derandomize=True)
@given(
    st.one_of(
        st.sampled_from(PLAIN),
        st.text(alphabet="0123456789+-._:eExXoObBinfaNtrusl~<=!&* ", max_size=8),
    )
)
def test_the_fast_paths_resolver_table_is_the_loaders(value: str) -> None:
    from vaultpartner.yamlfm import _plain_tag

    assert _plain_tag(value) == _loader_tag(value)


def test_an_audit_reading_only_simple_frontmatter_does_not_import_pyyaml() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from vaultpartner.note import parse_note;"
        "parse_note('a.md', b'---\\ntags:\\n  - x\\nname: A\\n---\\n# T\\n');"
        "print('yaml' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
