"""partners/confidential.py: marking, normalising, fingerprints and leaks."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultpartner.partners.confidential import (
    confidential_fingerprints,
    confidential_line_numbers,
    confidential_lines,
    is_confidential_line,
    leak_problems,
    line_fingerprints,
    normalise,
    public_fingerprints,
)

NOTE = """---
type: recruiter
---
Public line
> [!Confidential]- Вилка
> Зарплатная вилка 350–400 тысяч, клиент Контур
>
Not quoted: public again
> a plain quote
Text %%confidential%% inline secret %%/confidential%% text
%%confidential%%
Multi-line secret about the unannounced vacancy
%%/confidential%%
After
"""


def test_marked_lines() -> None:
    assert confidential_line_numbers(NOTE) == frozenset({5, 6, 7, 10, 11, 12, 13})
    assert is_confidential_line(NOTE, 6)
    assert not is_confidential_line(NOTE, 8)
    assert not is_confidential_line(NOTE, 9)
    assert not is_confidential_line(NOTE, 14)


def test_confidential_note() -> None:
    text = "---\nconfidential: true\n---\nline one\nline two\n"
    assert confidential_line_numbers(text, {"confidential": True}) == frozenset({4, 5, 6})
    assert is_confidential_line(text, 4)
    assert not is_confidential_line(text, 2)  # the frontmatter itself is not body text
    assert not is_confidential_line("---\nconfidential: false\n---\nx\n", 4)
    assert is_confidential_line("---\nconfidential: yes\n---\nx\n", 4)  # fails safe


def test_unclosed_span_runs_to_the_end() -> None:
    text = "a\n%%confidential%% b\nc\n"
    assert confidential_line_numbers(text) == frozenset({2, 3, 4})


def test_confidential_lines_drop_markers() -> None:
    lines = confidential_lines(NOTE, None)
    assert "> Зарплатная вилка 350–400 тысяч, клиент Контур" in lines
    assert all("confidential" not in line.lower() for line in lines)


def test_normalise() -> None:
    assert normalise("  > - [ ]  Зарплатная\tВИЛКА  ") == "зарплатная вилка"
    assert normalise("1. Straße") == "strasse"
    assert normalise("e\u0301") == "\u00e9"
    assert normalise("* > text") == "text"


def test_fingerprints() -> None:
    line = "Зарплатная вилка 350–400 тысяч, клиент Контур"
    expected = hashlib.sha256(normalise(line).encode()).hexdigest()
    assert expected in confidential_fingerprints(NOTE, None)
    assert expected not in public_fingerprints(NOTE, None)
    assert line_fingerprints("- " + line.upper() + "\nshort\n") == {expected}
    assert line_fingerprints("short line\n") == set()


def test_leaks() -> None:
    secret = confidential_fingerprints(NOTE, None)
    other = line_fingerprints("Copied: \n  зарплатная   ВИЛКА 350–400 тысяч, клиент контур\n")
    problems = leak_problems({"R/Анна.md": secret}, {"R/Анна.md": secret, "Daily.md": other})
    assert len(problems) == 1
    (problem,) = problems
    assert (problem.code, problem.path, problem.related, problem.severity) == (
        "confidential-leak",
        "Daily.md",
        ("R/Анна.md",),
        "warning",
    )
    assert "R/Анна.md" in problem.message
    assert "вилка" not in problem.message.lower()
    assert leak_problems({"A.md": secret}, {"B.md": set()}) == []


_PIECES = [
    "text", "> [!confidential] Вилка", "> [!CONFIDENTIAL]+", "> quoted", "%%confidential%%",
    "%% Confidential %%", "%%/confidential%%", "%% / CONFIDENTIAL %%", "%%", "КОНФИДЕНЦИАЛЬНО",
    "confidentiality", "---", "confidential: true", "- item", "\r\n", "",
]  # fmt: skip


@settings(max_examples=300, derandomize=True)
@given(
    st.lists(st.sampled_from(_PIECES), max_size=8),
    st.sampled_from([None, {}, {"confidential": True}]),
)
def test_notes_without_the_word_take_a_short_cut_to_the_same_answer(
    pieces: list[str], frontmatter: dict[str, object] | None
) -> None:
    import re

    import vaultpartner.partners.confidential as module

    text = "\n".join(pieces)
    fast = module.confidential_line_numbers(text, frontmatter)
    word = module._WORD
    module._WORD = re.compile("")  # matches everywhere: the full reading
    try:
        assert module.confidential_line_numbers(text, frontmatter) == fast
    finally:
        module._WORD = word
