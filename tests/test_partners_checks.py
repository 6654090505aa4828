"""partners/checks.py: the one audit entry point over a whole vault."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from vaultpartner.config import DEFAULT_CONFIG
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.note import parse_note
from vaultpartner.partners.checks import leak_problems, note_fingerprints, partner_problems
from vaultpartner.partners.model import PartnerProblem

CONFIG = DEFAULT_CONFIG.partners
SAMPLE = Path(__file__).resolve().parent.parent / "vaultpartner" / "sample_vault"


def build(files: dict[str, str]) -> VaultIndex:
    entries = [FileEntry(path, len(text.encode())) for path, text in files.items()]
    return VaultIndex.build(entries, [parse_note(p, t.encode()) for p, t in files.items()])


def codes(problems: list[PartnerProblem]) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in problems]


def test_sample_vault() -> None:
    texts = {
        p.relative_to(SAMPLE).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(SAMPLE.rglob("*.md"))
    }
    index = build(texts)
    types = json.loads((SAMPLE / ".obsidian" / "types.json").read_text())["types"]
    problems = partner_problems(
        index,
        texts,
        config=CONFIG,
        types=types,
        tasks_global_filter="",
        today=dt.date(2026, 11, 26),
        profile_changed=dt.date(2026, 11, 1),
        exclude_folders=("Шаблоны",),
    )
    assert codes(problems) == [
        ("overdue-followup", "Рекрутеры/Анна Петрова.md"),
        ("overdue-followup", "Рекрутеры/Мария Кузнецова.md"),
    ]
    assert "cadence, profile" in problems[0].message
    assert (
        partner_problems(
            index,
            texts,
            config=CONFIG,
            types=types,
            tasks_global_filter="",
            today=None,
            exclude_folders=("Шаблоны",),
        )
        == []
    )


RU = {
    "Рекрутеры/Анна.md": '---\ntype: recruiter\ncompany: "[[Яндекс]]"\nemail: a@x.ru\n'
    "last_contact: 2026-01-01\ncadence: 3m\n---\n",
    "Рекрутеры/Аня дубль.md": '---\ntype: recruiter\ncompany: "[[Яндекс]]"\nemail: A@x.ru\n'
    "last_contact: 2026-11-20\n---\n",
    "Рекрутеры/Новый.md": '---\ntype: recruiter\ncompany: "[[Я]]"\nphone: 79991234567\n---\n',
    "Встречи/Созвон.md": '---\ntype: interaction\ndate: завтра\nwith: "[[Анна]]"\n---\n',
}


def test_russian_vault_problems() -> None:
    problems = partner_problems(
        build(RU),
        RU,
        config=CONFIG,
        types={},
        tasks_global_filter="#task",
        today=dt.date(2026, 11, 26),
    )
    found = sorted((p.code, p.path, p.key, p.severity) for p in problems)
    assert found == [
        ("duplicate-contact", "Рекрутеры/Анна.md", "email", "warning"),
        ("interaction-field", "Встречи/Созвон.md", "date", "warning"),
        ("overdue-followup", "Рекрутеры/Анна.md", None, "info"),
        ("recruiter-field", "Рекрутеры/Анна.md", "cadence", "warning"),
        # the phone lost its '+': a warning, and so no usable way to contact them (info)
        ("recruiter-field", "Рекрутеры/Новый.md", "email", "info"),
        ("recruiter-field", "Рекрутеры/Новый.md", "phone", "warning"),
        ("recruiter-no-contact", "Рекрутеры/Новый.md", "last_contact", "info"),
    ]
    assert problems == sorted(problems, key=lambda p: (p.path, p.line or 0, p.code, p.message))
    # the phone number is reported once, not again as a type disagreement
    assert sum(p.key == "phone" for p in problems) == 1


def test_english_vault_with_tag_selector_and_types() -> None:
    config = dataclasses.replace(CONFIG, recruiter_type="", recruiter_tag="recruiter")
    files = {
        "People/Olga Ivanova.md": '---\ntags: [recruiter]\ncompany: "[[Tinkoff]]"\n'
        'telegram: "@olga_ta"\nlast_contact: 2026-11-01\nstatus: paused\n---\n',
        "People/John.md": '---\ntags: [recruiter]\ncompany: "[[Acme]]"\ntelegram: "olga_ta"\n'
        "last_contact: yesterday\n---\n## Interactions\n- 2026-11-02 — call\n",
    }
    problems = partner_problems(
        build(files),
        files,
        config=config,
        types={"last_contact": "date"},
        tasks_global_filter="",
        today=dt.date(2026, 11, 26),
    )
    found = sorted((p.code, p.path, p.key) for p in problems)
    assert found == [
        ("duplicate-contact", "People/John.md", "telegram"),
        ("recruiter-field", "People/John.md", "last_contact"),
    ]


def test_leaks_through_fingerprints() -> None:
    files = {
        "R/Анна.md": "---\ntype: recruiter\n---\n> [!confidential]\n"
        "> Клиент — Контур, вакансия техлида не опубликована\n",
        "Daily/2026-11-26.md": "Анна: клиент — Контур, вакансия техлида не опубликована\n"
        "- Клиент — Контур, вакансия техлида не опубликована\n",
    }
    secret, public = note_fingerprints(build(files), files)
    assert list(secret) == ["R/Анна.md"]
    problems = leak_problems(secret, public)
    assert [(p.code, p.path, p.related) for p in problems] == [
        ("confidential-leak", "Daily/2026-11-26.md", ("R/Анна.md",))
    ]
    assert "Контур" not in problems[0].message
