"""Partnership findings read naturally in the audit's language (ru and en).

Each PartnerProblem carries a catalogue key and its values (vaultpartner.messages); the audit
renders it in Russian or English. Keys, values as written, paths and dates stay untranslated.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest
from conftest import make_vault

from vaultpartner import app, messages
from vaultpartner.config import DEFAULT_CONFIG
from vaultpartner.findings import Finding
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.note import parse_note
from vaultpartner.partners.checks import duplicate_contacts, partner_problems, type_problems
from vaultpartner.partners.confidential import leak_problems
from vaultpartner.partners.history import list_interactions, parse_interaction_note
from vaultpartner.partners.model import PartnerProblem
from vaultpartner.partners.schema import load_recruiters, parse_recruiter

CONFIG = DEFAULT_CONFIG.partners
PARTNER_CODES = (
    "recruiter-field",
    "interaction-field",
    "duplicate-contact",
    "recruiter-no-contact",
    "confidential-leak",
)
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# English words that have no business in a Russian message once its values are taken out.
ENGLISH = re.compile(
    r"\b(?:expected|found|should|missing|is|are|not|the|add|write|remove|merge|also|or|and|"
    r"it|no|of|in|to|a|an|but|here|until|line|lines|note|copied|recruiter|contact|date)\b",
    re.IGNORECASE,
)
QUOTED_EXAMPLE = re.compile(r'"[^"]*"')

SECRET = "Зарплатная вилка 350–400 тысяч, клиент Контур"
VAULT = {
    "vaultpartner.toml": 'language = "auto"\n',
    # recruiter-field (last_contact), recruiter-no-contact, duplicate-contact (email)
    "Рекрутеры/Анна Петрова.md": (
        '---\ntype: recruiter\ncompany: "[[Яндекс]]"\nemail: anna@example.com\n'
        f"last_contact: вчера\n---\n# Анна\n\n> [!confidential] Вилка\n> {SECRET}\n"
    ),
    "Рекрутеры/Иван Смирнов.md": (
        '---\ntype: recruiter\ncompany: "[[Яндекс]]"\nemail: anna@example.com\n'
        "last_contact: 2026-11-01\n---\n# Иван\n"
    ),
    # interaction-field (kind)
    "Контакты/Созвон.md": (
        '---\ntype: interaction\ndate: 2026-11-02\nwith: "[[Иван Смирнов]]"\nkind: chat\n'
        "---\nСозвон.\n"
    ),
    # confidential-leak
    "Дневник.md": f"# Дневник\n\n- {SECRET.lower()}\n",
    "Компании/Яндекс.md": "# Яндекс\n",
}
# What each finding must name (its key, or the note the confidential text comes from).
NAMED = {
    ("recruiter-field", "Рекрутеры/Анна Петрова.md"): "last_contact",
    ("recruiter-no-contact", "Рекрутеры/Анна Петрова.md"): "last_contact",
    ("duplicate-contact", "Рекрутеры/Анна Петрова.md"): "email",
    ("interaction-field", "Контакты/Созвон.md"): "kind",
    ("confidential-leak", "Дневник.md"): "Рекрутеры/Анна Петрова.md",
}


def without(text: str, values: list[str]) -> str:
    """The message with its values and quoted examples taken out: the words of the template."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, " ")
    return QUOTED_EXAMPLE.sub(" ", text)


def assert_russian(text: str, values: list[str]) -> None:
    words = without(text, values)
    assert CYRILLIC.search(words), text
    assert not ENGLISH.search(words), (ENGLISH.findall(words), text)


def assert_english(text: str, values: list[str]) -> None:
    words = without(text, values)
    assert not CYRILLIC.search(words), text
    assert ENGLISH.search(words), text


def findings(tmp_path: Path, language: messages.Language) -> list[Finding]:
    root = make_vault(tmp_path / "vault", VAULT)
    session = app.open_session(root, state_override=tmp_path / "state")
    vault = app.load(session)
    return app.partner_findings(session, vault, today=None, language=language)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_one_of_each_partner_finding_in_the_audit_language(
    tmp_path: Path, language: messages.Language
) -> None:
    found = findings(tmp_path, language)
    assert sorted((f.code, f.path) for f in found) == sorted(NAMED)
    for finding in found:
        name = NAMED[(finding.code, finding.path)]
        assert name in finding.message, finding.message
        values = [name, *finding.literals]
        if language == "ru":
            assert_russian(finding.message, values)
        else:
            assert_english(finding.message, values)
        assert finding.message != ""
    by_code = {f.code: f for f in found}
    if language == "ru":
        assert "'вчера'" in by_code["recruiter-field"].message
        assert "YYYY-MM-DD" in by_code["recruiter-field"].message
        assert "Рекрутеры/Иван Смирнов.md" in by_code["duplicate-contact"].message
        assert "call, message, meeting, event" in by_code["interaction-field"].message
        assert "вилка" not in by_code["confidential-leak"].message.lower()


def test_the_report_note_puts_quoted_values_and_example_links_in_code_spans(
    tmp_path: Path,
) -> None:
    found = {f.code: f for f in findings(tmp_path, "ru")}
    assert "'вчера'" in found["recruiter-field"].literals
    assert "Рекрутеры/Иван Смирнов.md" in found["duplicate-contact"].literals
    assert "Рекрутеры/Анна Петрова.md" in found["confidential-leak"].literals
    problem = PartnerProblem(
        "recruiter-field",
        "R.md",
        2,
        "company is missing",
        key="company",
        message_key="recruiter-field-company-missing",
        message_values=(("key", "company"),),
    )
    text = messages.message(problem.message_key or "", "ru", **problem.fields)
    assert '"[[Яндекс]]"' in text


def fm(*lines: str) -> str:
    return "---\n" + "\n".join(["type: recruiter", *lines]) + "\n---\n# Body\n"


def build(files: dict[str, str]) -> VaultIndex:
    entries = [FileEntry(path, len(text.encode())) for path, text in files.items()]
    return VaultIndex.build(entries, [parse_note(p, t.encode()) for p, t in files.items()])


RECRUITER_CASES = [
    fm('company: "[[Я]]"', 'linkedin: "x"', "role: 42", "aliases: [1, ok]"),
    fm('company: "[[Я]]"', 'linkedin: "x"', "last_contact: вчера", "status: pause"),
    fm('company: "[[Я]]"', "phone: +79991234567", "email: 12345"),
    fm('company: "[[Я]]"', "email: not-an-email", 'phone: "12"', 'telegram: "anna hr"'),
    fm('company: "[[Я]]"', "linkedin: [[a]]", 'confidential: "yes"'),
    fm("company: Яндекс", "cadence: 30"),
    fm("company: [[Яндекс]]", "cadence: 3m"),
    fm("cadence: 0w"),
    fm("cadence: soon"),
    fm("cadence: [6w]"),
]
INTERACTION_CASES = [
    "---\ntype: interaction\ndate: 2026-11-02\nwith: Анна\nkind: chat\ngave: [{a: 1}]\n---\n",
    "---\ntype: interaction\ndirection: me\n---\n",
    "---\ntype: interaction\ndate: soon\nwith: [[Анна]]\n---\n",
]


def every_kind_of_problem() -> list[PartnerProblem]:
    problems: list[PartnerProblem] = []
    for text in RECRUITER_CASES:
        problems += parse_recruiter(parse_note("R/Анна.md", text.encode()), text)[1]
    index = build({"Анна.md": "# Анна\n"})
    for text in INTERACTION_CASES:
        note = parse_note("I/Созвон.md", text.encode())
        problems += parse_interaction_note(note, index, text)[2]
    listed = "# Анна\n\n## Interactions\n\n- 2026-02-30 — созвон\n"
    problems += list_interactions(parse_note("Анна.md", listed.encode()), listed, frozenset())[1]
    metas = {
        "R/A.md": {"last_contact": "2026-01-01", "phone": "+7 1"},
        "R/B.md": {"last_contact": "soon", "phone": 79991234567},
        "R/C.md": {"phone": "+7 2"},
    }
    texts = dict.fromkeys(metas, "---\nlast_contact: x\nphone: y\n---\n")
    problems += type_problems(metas, {"last_contact": "date"}, texts)
    texts = {"R/A.md": fm("email: a@b.ru", 'telegram: "@anna"'), "R/B.md": fm("email: A@b.ru")}
    index = build(texts)
    problems += duplicate_contacts(load_recruiters(index, texts, CONFIG)[0], texts)
    problems += partner_problems(
        build({"R/C.md": fm('company: "[[Я]]"', "email: c@d.ru")}),
        {},
        config=CONFIG,
        types={},
        tasks_global_filter="",
        today=dt.date(2026, 11, 26),
    )
    problems += leak_problems({"R/A.md": {"x"}}, {"Daily.md": {"x"}, "Other.md": {"x", "y"}})
    problems += leak_problems({"R/A.md": {"x", "y"}}, {"Daily.md": {"x", "y"}})
    return problems


PROBLEMS = every_kind_of_problem()


def test_every_partner_template_is_used_and_every_problem_has_one() -> None:
    catalogue = {
        key
        for key in messages.message_codes()
        if any(key.startswith(f"{code}-") for code in PARTNER_CODES)
    }
    used = {p.message_key for p in PROBLEMS}
    assert used == catalogue
    assert {p.code for p in PROBLEMS} == set(PARTNER_CODES)


@pytest.mark.parametrize(
    "problem", PROBLEMS, ids=[f"{p.message_key}:{p.key}:{p.path}" for p in PROBLEMS]
)
def test_each_problem_reads_in_russian_and_in_english(problem: PartnerProblem) -> None:
    assert problem.message_key is not None
    fields = problem.fields
    templates = messages._MESSAGES[problem.message_key]
    for language in ("ru", "en"):
        needed = {n for _, n, _, _ in string.Formatter().parse(templates[language]) if n}
        assert needed <= set(fields), (problem.message_key, language)
    values = list(fields.values())
    ru = messages.message(problem.message_key, "ru", **fields)
    en = messages.message(problem.message_key, "en", **fields)
    assert_russian(ru, values)
    assert_english(en, values)
    for name in (problem.key, fields.get("found"), fields.get("other"), fields.get("source")):
        if name is not None:
            assert name in ru
            assert name in en
    # the English `message` is still there for logs and callers that want one string
    assert problem.message
