"""partners/schema.py and the cross-note checks: recruiter notes, fields, duplicates, types."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from vaultpartner.config import DEFAULT_CONFIG
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.note import parse_note
from vaultpartner.partners.checks import duplicate_contacts, obsidian_type, type_problems
from vaultpartner.partners.model import PartnerProblem, Recruiter
from vaultpartner.partners.schema import (
    is_recruiter_note,
    load_recruiters,
    parse_recruiter,
    recruiter_paths,
)

CONFIG = DEFAULT_CONFIG.partners


def build(files: dict[str, str]) -> VaultIndex:
    entries = [FileEntry(path, len(text.encode())) for path, text in files.items()]
    return VaultIndex.build(entries, [parse_note(p, t.encode()) for p, t in files.items()])


def recruiter(text: str, path: str = "R/Анна.md") -> tuple[Recruiter, list[PartnerProblem]]:
    return parse_recruiter(parse_note(path, text.encode()), text)


def fm(*lines: str) -> str:
    return "---\n" + "\n".join(["type: recruiter", *lines]) + "\n---\n# Body\n"


FULL = fm(
    "name: Анна Петрова",
    "aliases: [Anna Petrova, Аня]",
    'company: "[[Яндекс]]"',
    "role: IT-рекрутер",
    "email: anna@example.com",
    'phone: "+7 999 123-45-67"',
    'telegram: "@anna_hr"',
    "linkedin: https://linkedin.com/in/anna",
    "relationship_since: 2024-03-15",
    "last_contact: 2026-10-02T10:30",
    "cadence: 6w",
    "status: Paused",
    "do_not_contact_until: 2026-12-01",
    "profile_shared: 2026-05-01",
    "tags: [recruiter, it]",
    "confidential: false",
)


def test_full_recruiter_has_no_problems() -> None:
    found, problems = recruiter(FULL)
    assert problems == []
    assert found == Recruiter(
        path="R/Анна.md",
        name="Анна Петрова",
        aliases=("Anna Petrova", "Аня"),
        company="Яндекс",
        role="IT-рекрутер",
        emails=("anna@example.com",),
        phones=("+7 999 123-45-67",),
        telegrams=("@anna_hr",),
        linkedins=("https://linkedin.com/in/anna",),
        relationship_since=dt.date(2024, 3, 15),
        last_contact=dt.date(2026, 10, 2),
        cadence="6w",
        status="paused",
        do_not_contact_until=dt.date(2026, 12, 1),
        profile_shared=dt.date(2026, 5, 1),
        tags=("recruiter", "it"),
        confidential=False,
    )


def test_english_recruiter_and_lists_of_contacts() -> None:
    found, problems = recruiter(
        fm('company: "[[Tinkoff|T]]"', 'email: ["a@x.io", "B@x.io"]', "cadence: 2 months"),
        path="Recruiters/Olga Ivanova.md",
    )
    assert problems == []
    assert (found.name, found.company, found.emails, found.cadence) == (
        "Olga Ivanova",
        "Tinkoff",
        ("a@x.io", "B@x.io"),
        "2mo",
    )


def problem_for(text: str, key: str) -> PartnerProblem:
    _, problems = recruiter(text)
    matching = [p for p in problems if p.key == key]
    assert len(matching) == 1, problems
    assert matching[0].code == "recruiter-field"
    assert matching[0].path == "R/Анна.md"
    return matching[0]


def test_phone_as_number_lost_its_plus() -> None:
    text = fm('company: "[[Я]]"', "phone: +79991234567")
    problem = problem_for(text, "phone")
    assert problem.severity == "warning"
    assert problem.line == 4
    assert "79991234567" in problem.message
    assert "'+'" in problem.message
    assert "quote" in problem.message
    assert recruiter(text)[0].phones == ()


def test_bare_m_cadence_is_ambiguous() -> None:
    text = fm('company: "[[Я]]"', "email: a@b.ru", "cadence: 3m")
    problem = problem_for(text, "cadence")
    assert "ambiguous" in problem.message
    assert '"3mo"' in problem.message
    assert problem.line == 5
    assert recruiter(text)[0].cadence is None


def test_cadence_without_unit() -> None:
    problem = problem_for(fm("email: a@b.ru", "cadence: 30"), "cadence")
    assert '"30d"' in problem.message


def test_company_must_be_a_quoted_link() -> None:
    unquoted = problem_for(fm("email: a@b.ru", "company: [[Яндекс]]"), "company")
    assert "quoted link" in unquoted.message
    assert "nested list" in unquoted.message
    plain = problem_for(fm("email: a@b.ru", "company: Яндекс"), "company")
    assert "'Яндекс'" in plain.message
    assert plain.severity == "warning"


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ("last_contact: вчера", "last_contact", ["YYYY-MM-DD", "'вчера'"]),
        ("profile_shared: 2026-02-30", "profile_shared", ["YYYY-MM-DD"]),
        ("relationship_since: 2024", "relationship_since", ["2024"]),
        ("do_not_contact_until: [2026-01-01]", "do_not_contact_until", ["a list"]),
        ("status: pause", "status", ["active, paused or archived", "'pause'"]),
        ("email: not-an-email", "email", ["e-mail"]),
        ('telegram: "anna hr"', "telegram", ["handle"]),
        ("role: 42", "role", ["text", "42"]),
        ("name: [a, b]", "name", ["text"]),
        ("aliases: [1, ok]", "aliases", ["1"]),
        ('confidential: "yes"', "confidential", ["true or false", "treated as true"]),
    ],
)
def test_mistyped_values(line: str, key: str, words: list[str]) -> None:
    problem = problem_for(fm('company: "[[Я]]"', 'linkedin: "x"', line), key)
    assert problem.severity == "warning"
    assert problem.line == 5
    for word in words:
        assert word in problem.message


def test_defaults_after_mistakes() -> None:
    found, _ = recruiter(fm("status: pause", "name: [a]", 'confidential: "yes"', "last_contact: x"))
    assert found.status == "active"
    assert found.name == "Анна"
    assert found.confidential is True  # fails safe
    assert found.last_contact is None


def test_missing_recommended_are_info() -> None:
    _, problems = recruiter(fm())
    assert {(p.key, p.severity) for p in problems} == {("company", "info"), ("email", "info")}
    contact = next(p for p in problems if p.key == "email")
    assert "no way to contact" in contact.message
    _, problems = recruiter(fm('company: "[[Я]]"', 'linkedin: "x"'))
    assert problems == []


def test_empty_template_values_count_as_missing() -> None:
    found, problems = recruiter(fm('company: ""', 'email: ""', 'last_contact: ""', "aliases: []"))
    assert found.last_contact is None
    assert found.company is None
    assert all(p.severity == "info" for p in problems)


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "{{title}}", "<% tp.file.title %>", "Анна\nПетрова", "Ж" * 300],
)
def test_hostile_names_are_carried_as_data(name: str) -> None:
    text = fm(f"name: {yaml_quoted(name)}", "email: a@b.ru", 'company: "[[Я]]"')
    found, problems = recruiter(text)
    assert found.name == name
    assert problems == []


def yaml_quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_selectors_type_tag_folder() -> None:
    index = build(
        {
            "A.md": "---\ntype: Recruiter\n---\n",
            "B.md": "---\ntags: [hr]\n---\n",
            "People/C.md": "no frontmatter\n",
            "People/D.md": "---\nx: 1\n---\n",
            "Templates/T.md": "---\ntype: recruiter\n---\n",
            "Other.md": "---\ntype: company\n---\n",
        }
    )
    assert recruiter_paths(index, CONFIG) == ["A.md", "Templates/T.md"]
    assert recruiter_paths(index, CONFIG, ["Templates"]) == ["A.md"]
    config = dataclasses.replace(CONFIG, recruiter_tag="#HR", recruiter_folder="people/")
    assert recruiter_paths(index, config, ["Templates/"]) == ["A.md", "B.md", "People/D.md"]
    config = dataclasses.replace(CONFIG, recruiter_type="")
    assert not is_recruiter_note(index.notes["A.md"], config)
    templates = dataclasses.replace(CONFIG, templates_folder="Templates")
    assert recruiter_paths(index, templates) == ["A.md"]


def test_duplicate_contacts_one_problem_per_pair() -> None:
    texts = {
        "R/A.md": fm(
            "email: Anna@Example.com", 'phone: "+7 (999) 123-45-67"', 'telegram: "@Anna_HR"'
        ),
        "R/B.md": fm("email: anna@example.com", 'telegram: "anna_hr"'),
        "R/C.md": fm('phone: "+79991234567"'),
        "R/D.md": fm('phone: "79991234567"', 'telegram: "https://t.me/other"'),
    }
    index = build(texts)
    recruiters, _ = load_recruiters(index, texts, CONFIG)
    problems = duplicate_contacts(recruiters, texts)
    assert [(p.code, p.path, p.related) for p in problems] == [
        ("duplicate-contact", "R/A.md", ("R/B.md",)),
        ("duplicate-contact", "R/A.md", ("R/C.md",)),
    ]
    first = problems[0]
    assert "email" in first.message
    assert "telegram" in first.message
    assert "R/B.md" in first.message
    assert first.line == 3
    assert first.severity == "warning"


def test_obsidian_types() -> None:
    assert obsidian_type("2026-01-01") == "date"
    assert obsidian_type("2026-01-01T10:00") == "datetime"
    assert obsidian_type("text") == "text"
    assert obsidian_type(5) == "number"
    assert obsidian_type(True) == "checkbox"
    assert obsidian_type(["a"]) == "multitext"
    assert obsidian_type("") is None
    assert obsidian_type(None) is None


def test_types_json_disagreement() -> None:
    metas = {
        "R/A.md": {"last_contact": "2026-01-01", "phone": "+7 1", "cadence": "6w"},
        "R/B.md": {"last_contact": "soon", "phone": 79991234567, "cadence": "3mo"},
        "R/C.md": {"last_contact": "2026-01-01T10:00", "phone": "+7 2", "cadence": 5},
    }
    texts = dict.fromkeys(metas, "---\nlast_contact: x\nphone: y\ncadence: z\n---\n")
    problems = type_problems(metas, {"last_contact": "date"}, texts)
    found = {(p.path, p.key) for p in problems}
    # declared date: text and datetime values disagree; undeclared phone / cadence: minority
    assert found == {
        ("R/B.md", "last_contact"),
        ("R/C.md", "last_contact"),
        ("R/B.md", "phone"),
        ("R/C.md", "cadence"),
    }
    declared = next(p for p in problems if p.path == "R/B.md" and p.key == "last_contact")
    assert "types.json declares last_contact as date" in declared.message
    assert declared.line == 2
    assert declared.code == "recruiter-field"
    phone = next(p for p in problems if p.key == "phone")
    assert "phone is text in 2" in phone.message
    assert "number" in phone.message
