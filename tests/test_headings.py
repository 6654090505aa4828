"""Heading and block subpaths (spec 2.5, 2.6): stripHeading, chains, block ids."""

from __future__ import annotations

import pytest

from vaultpartner.headings import (
    Heading,
    block_id_of,
    find_heading,
    has_subpath_target,
    strip_heading,
)
from vaultpartner.linktext import parse_wiki_content


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("wifi 2.4 vs 5.0", "wifi 2 4 vs 5 0"),
        ("WIFI 2.4 VS 5.0", "wifi 2 4 vs 5 0"),
        ("Этапы: найм, онбординг", "этапы найм онбординг"),
        ("C# notes", "c notes"),
        ("About [[X|y]]", "about x y"),
        (
            'a!b"c#d$e%f&g(h)i*j+k,l.m:n;o<p=q>r?s@t^u`v{w|x}y~z/1[2]3\\4',
            "a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 4",
        ),
        ("keep_under-score and 'quote' 🙂", "keep_under-score and 'quote' 🙂"),
        ("  many   spaces\tand\r\nbreaks  ", "many spaces and breaks"),
        ("...", ""),
    ],
)
def test_strip_heading(text: str, stripped: str) -> None:
    assert strip_heading(text) == stripped


H = Heading


def test_heading_match_is_case_and_punctuation_insensitive() -> None:
    headings = [H(1, "Title", 1), H(2, "wifi 2.4 vs 5.0", 3)]
    for subpath in ("#wifi 2 4 vs 5 0", "#wifi 2.4 vs 5.0", "#WIFI 2.4 VS 5.0"):
        assert find_heading(headings, subpath) == headings[1]
    assert find_heading(headings, "#wifi") is None


def test_first_matching_heading_wins() -> None:
    headings = [H(2, "Same", 1), H(3, "Same", 2), H(1, "same", 3)]
    assert find_heading(headings, "#same") == headings[0]


def test_chain_needs_later_and_deeper_headings() -> None:
    a, x, b = H(2, "A", 1), H(1, "X", 2), H(3, "B", 3)
    # B need not be inside A's section: X (level 1) ended it, B is still later and deeper.
    assert find_heading([a, x, b], "#A#B") == b
    assert find_heading([H(2, "A", 1), H(2, "B", 2)], "#A#B") is None  # not deeper
    assert find_heading([H(3, "B", 1), H(2, "A", 2)], "#A#B") is None  # not later
    chain = [H(3, "B", 1), H(2, "A", 2), H(3, "B", 3)]
    assert find_heading(chain, "#A#B") == chain[2]  # the B after A, not the first B
    deep = [H(1, "A", 1), H(2, "B", 2), H(3, "C", 3)]
    assert find_heading(deep, "#A#B#C") == deep[2]
    assert find_heading(deep, "#A#C") == deep[2]  # skipping a level is fine
    assert find_heading(deep, "#C#A") is None


def test_empty_segments_are_ignored() -> None:
    headings = [H(1, "H", 1)]
    text = parse_wiki_content("Note##H").text
    assert (text.linkpath, text.subpath) == ("Note", "##H")
    assert find_heading(headings, text.subpath) == headings[0]
    assert find_heading(headings, "#H#") == headings[0]
    assert find_heading(headings, "#") is None
    assert not has_subpath_target("#")
    assert not has_subpath_target("##")
    assert not has_subpath_target("")
    assert has_subpath_target("#H")
    assert has_subpath_target("#^id")


def test_block_ids() -> None:
    assert block_id_of("#^q1-2024") == "q1-2024"
    assert block_id_of("#^Q1-2024") == "q1-2024"
    assert block_id_of("^abc") == "abc"
    assert block_id_of("#Heading") is None
    # '#^id' must be the whole subpath; after a heading it is a heading chain that fails.
    assert block_id_of("#Heading#^id") is None
    assert find_heading([H(1, "Heading", 1)], "#Heading#^id") is None
