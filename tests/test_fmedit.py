"""fmedit.py: one frontmatter value changed in place, every other byte kept."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import PROFILE

from vaultpartner.edits import apply_edits
from vaultpartner.fmedit import FrontmatterEditError, set_value, yaml_scalar
from vaultpartner.yamlfm import find_frontmatter, parse_yaml


def edit(text: str, key: str, value: str) -> str:
    return apply_edits(text, set_value(text, key, value))


def data(text: str) -> dict[str, object]:
    block = find_frontmatter(text)
    assert block is not None
    parsed = parse_yaml(text, block)
    assert parsed.data is not None
    return parsed.data


NOTE = (
    "---\n"
    "# a comment\n"
    "type: recruiter   # kind\n"
    "last_contact: 2026-10-02  # typed by hand\n"
    'name: "Анна Петрова"\n'
    "country: NO\n"
    "code: 0123\n"
    "version: 1.10\n"
    "nothing: ~\n"
    "tags: [recruiter, it]\n"
    "list:\n"
    "  - a\n"
    "  - b\n"
    "---\n"
    "# Анна\n"
)


def test_replaces_only_the_value_bytes() -> None:
    new = edit(NOTE, "last_contact", "2026-11-20")
    assert new == NOTE.replace("2026-10-02", "2026-11-20")


def test_keeps_double_quotes_when_possible() -> None:
    assert edit(NOTE, "name", "Anna") == NOTE.replace('"Анна Петрова"', '"Anna"')
    # a number written into a quoted string keeps its own meaning: no quotes added
    assert "name: 5\n" in edit(NOTE, "name", "5")


def test_keeps_single_quotes() -> None:
    text = "---\nlast_contact: '2026-10-02'\nx: 1\n---\n"
    assert edit(text, "last_contact", "2026-11-20") == text.replace("2026-10-02", "2026-11-20")
    assert edit(text, "last_contact", "it's") == text.replace("'2026-10-02'", "it's")


@pytest.mark.parametrize("key", ["country", "code", "version", "nothing", "tags"])
def test_other_keys_untouched(key: str) -> None:
    new = edit(NOTE, "type", "person")
    assert new == NOTE.replace("type: recruiter", "type: person")
    assert data(new)[key] == data(NOTE)[key]


def test_flow_list_value_can_be_replaced() -> None:
    assert edit(NOTE, "tags", "[a]") == NOTE.replace("[recruiter, it]", "[a]")


def test_empty_value_gets_one() -> None:
    text = "---\nstatus:\nx: 1\n---\n"
    assert edit(text, "status", "done") == "---\nstatus: done\nx: 1\n---\n"
    text = "---\nstatus:   # later\n---\n"
    assert edit(text, "status", "done") == "---\nstatus: done   # later\n---\n"


def test_crlf_replace_and_insert() -> None:
    text = "---\r\ntype: recruiter\r\nlast_contact: 2026-10-02\r\n---\r\nBody\r\n"
    assert edit(text, "last_contact", "2026-11-20") == text.replace("2026-10-02", "2026-11-20")
    inserted = edit(text, "status", "done")
    assert inserted == text.replace("---\r\nBody", "status: done\r\n---\r\nBody")


def test_insert_lf_before_closing_fence() -> None:
    text = "---\ntype: recruiter\nlist:\n  - a\n---\nBody\n"
    assert (
        edit(text, "status", "done")
        == "---\ntype: recruiter\nlist:\n  - a\nstatus: done\n---\nBody\n"
    )


def test_insert_into_empty_frontmatter() -> None:
    assert edit("---\n---\nBody\n", "a", "1") == "---\na: 1\n---\nBody\n"


def test_no_frontmatter_gets_a_block() -> None:
    assert edit("Body\n", "status", "done") == "---\nstatus: done\n---\nBody\n"
    assert edit("Body\r\nmore\r\n", "a", "b") == "---\r\na: b\r\n---\r\nBody\r\nmore\r\n"
    assert edit("", "a", "b") == "---\na: b\n---\n"


def test_invalid_yaml_refused() -> None:
    with pytest.raises(FrontmatterEditError, match="not valid YAML"):
        set_value("---\na: [\n---\n", "a", "1")
    with pytest.raises(FrontmatterEditError, match="not valid YAML"):
        set_value("---\na: 1\na: 2\n---\n", "a", "3")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nb: &x 1\na: *x\n---\n", "alias"),
        ("---\na: |\n  text\n---\n", "block scalar"),
        ("---\na:\n  - x\n---\n", "block list"),
    ],
)
def test_unsafe_shapes_refused(text: str, message: str) -> None:
    with pytest.raises(FrontmatterEditError, match=message):
        set_value(text, "a", "1")


def test_bad_new_values_refused() -> None:
    with pytest.raises(FrontmatterEditError):
        set_value("---\na: 1\n---\n", "a", "x\ny: 2")
    with pytest.raises(FrontmatterEditError):
        set_value("---\na: 1\n---\n", "a", "x: y")
    with pytest.raises(FrontmatterEditError):
        set_value("---\na: 1\n---\n", "bad: key", "1")


def test_anchor_referenced_elsewhere_is_refused() -> None:
    with pytest.raises(FrontmatterEditError, match="would break"):
        set_value("---\na: &x 1\nb: *x\n---\n", "a", "2")


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (dt.date(2026, 11, 5), "2026-11-05"),
        (dt.datetime(2026, 11, 5, 9, 30), "2026-11-05T09:30:00"),
        (True, "true"),
        (3, "3"),
        (1.5, "1.5"),
        ("Анна Петрова", "Анна Петрова"),
        ("done", "done"),
        ("yes", '"yes"'),
        ("NO", '"NO"'),
        ("off", '"off"'),
        ("true", '"true"'),
        ("null", '"null"'),
        ("~", '"~"'),
        ("0123", '"0123"'),
        ("1.10", '"1.10"'),
        ("+79991234567", '"+79991234567"'),
        ("2026-11-05", '"2026-11-05"'),
        ("@anna_hr", '"@anna_hr"'),
        ("[[Яндекс]]", '"[[Яндекс]]"'),
        ("a: b", '"a: b"'),
        ("a #b", '"a #b"'),
        (" lead", '" lead"'),
        ("trail ", '"trail "'),
        ("", '""'),
        ('say "hi"', 'say "hi"'),
        ('"hi"', '"\\"hi\\""'),
        ("{{title}}", '"{{title}}"'),
        ("<% tp.date %>", "<% tp.date %>"),
    ],
)
def test_yaml_scalar(value: object, rendered: str) -> None:
    assert yaml_scalar(value) == rendered
    assert edit("---\nk: 0\n---\n", "k", rendered).startswith(f"---\nk: {rendered}\n")


def test_yaml_scalar_round_trips_strings() -> None:
    for value in ["yes", "0123", "a: b", "[[X]]", "x\ty", "‘quote’", "\\n"]:
        assert data(edit("---\n---\n", "k", yaml_scalar(value)))["k"] == value


def test_yaml_scalar_refuses_newlines_and_odd_types() -> None:
    with pytest.raises(ValueError, match="line break"):
        yaml_scalar("a\nb")
    with pytest.raises(ValueError, match="line break"):
        yaml_scalar("a\rb")
    with pytest.raises(TypeError):
        yaml_scalar(["a"])
    with pytest.raises(ValueError, match="cannot"):
        yaml_scalar(float("nan"))


# -- property: only the value's bytes change, or exactly one line is inserted ------------------

KEYS = ["type", "name", "last_contact", "status", "cadence", "email", "x"]
values = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)
comments = st.sampled_from(["", "  # note", " #x"])


@st.composite
def notes(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=5))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    rendered = {key: yaml_scalar(draw(values)) for key in keys}
    lines = [f"{key}: {value}{draw(comments)}" for key, value in rendered.items()]
    if draw(st.booleans()):
        lines.insert(0, "# top comment")
    if draw(st.booleans()):
        lines.append("tags:" + newline + "  - a")
    body = draw(st.sampled_from(["", "Body", "# Heading" + newline + "text"]))
    if not draw(st.booleans()) and not lines:
        return body + newline, rendered
    return newline.join(["---", *lines, "---", body]) + newline, rendered


@settings(PROFILE, max_examples=300)
@given(note=notes(), key=st.sampled_from(KEYS), value=values)
def test_only_the_value_changes(note: tuple[str, dict[str, str]], key: str, value: object) -> None:
    text, rendered = note
    new_yaml = yaml_scalar(value)
    edits = set_value(text, key, new_yaml)
    assert len(edits) == 1
    (change,) = edits
    new = apply_edits(text, edits)
    # everything outside the edited span is byte-identical
    assert new[: change.start] == text[: change.start]
    assert new[change.start + len(change.new) :] == text[change.end :]
    if key in rendered:
        assert change.old.strip("'\"") == rendered[key].strip("'\"") or change.old == ""
        assert "\n" not in change.new
        assert "\r" not in change.new
    else:
        assert change.start == change.end
        newline = "\r\n" if "\r\n" in text else "\n"
        if text.startswith("---"):
            assert change.new.count(newline) == 1
            assert change.new.endswith(newline)
        else:
            assert change.new.startswith("---")
    block = find_frontmatter(new)
    assert block is not None
    parsed = parse_yaml(new, block)
    assert parsed.data is not None
    assert parsed.data[key] == data(f"---\nk: {new_yaml}\n---\n")["k"]
