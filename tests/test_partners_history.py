"""partners/history.py: interaction notes, dated list items, task commitments."""

from __future__ import annotations

import datetime as dt

from vaultpartner.config import DEFAULT_CONFIG
from vaultpartner.index import FileEntry, VaultIndex
from vaultpartner.note import parse_note
from vaultpartner.partners.history import build_histories, tasks
from vaultpartner.partners.model import ContactHistory, PartnerProblem
from vaultpartner.partners.schema import load_recruiters

D = dt.date
CONFIG = DEFAULT_CONFIG.partners


def build(files: dict[str, str]) -> VaultIndex:
    entries = [FileEntry(path, len(text.encode())) for path, text in files.items()]
    return VaultIndex.build(entries, [parse_note(p, t.encode()) for p, t in files.items()])


def histories(
    files: dict[str, str], global_filter: str = ""
) -> tuple[dict[str, ContactHistory], list[PartnerProblem]]:
    index = build(files)
    recruiters, _ = load_recruiters(index, files, CONFIG)
    found, problems = build_histories(recruiters, index, files, tasks_global_filter=global_filter)
    return {h.recruiter.path: h for h in found}, problems


RU = """---
type: recruiter
last_contact: 2026-01-10
---
# Анна Петрова

## Взаимодействия

- 2026-11-05 — созвон, обсудили рынок
* 2026-10-01 – переписка
+ 2026-09-01: встреча
- 2026-08-01 - отправил резюме
1. [[2026-07-01]] — ссылка на дневную заметку
- not a date — skipped
- 2026-02-30 — impossible

```
- 2020-01-01 — inside code
```

### Подробности
- 2026-06-01 — deeper heading still counts

## Договорённости
- 2025-01-01 — not under the heading
- [ ] Отправить портфолио 📅 2026-12-01
"""

EN = """---
type: recruiter
---
# Olga

# INTERACTIONS
- 2025-12-04 — short call
## Sub
- 2025-06-17 — sent CV
# Other
- 2024-09-05 — not counted
"""


def test_list_items_under_russian_heading() -> None:
    found, problems = histories({"R/Анна.md": RU})
    history = found["R/Анна.md"]
    assert [(i.date, i.summary, i.line) for i in history.interactions] == [
        (D(2026, 11, 5), "созвон, обсудили рынок", 9),
        (D(2026, 10, 1), "переписка", 10),
        (D(2026, 9, 1), "встреча", 11),
        (D(2026, 8, 1), "отправил резюме", 12),
        (D(2026, 7, 1), "ссылка на дневную заметку", 13),
        (D(2026, 6, 1), "deeper heading still counts", 22),
    ]
    assert not any(i.structured for i in history.interactions)
    assert history.last_contact == D(2026, 11, 5)
    assert [(p.code, p.line) for p in problems] == [("interaction-field", 15)]


def test_list_items_under_english_heading_any_level_and_case() -> None:
    found, _ = histories({"R/Olga.md": EN})
    dates = [i.date for i in found["R/Olga.md"].interactions]
    assert dates == [D(2025, 12, 4), D(2025, 6, 17)]


def interaction(date: str, with_: str, extra: str = "") -> str:
    return f"---\ntype: interaction\ndate: {date}\nwith: {with_}\n{extra}---\n# Notes\n"


def test_interaction_notes_are_resolved_from_their_folder() -> None:
    files = {
        "R/Анна Петрова.md": "---\ntype: recruiter\n---\n",
        "R/Иван.md": "---\ntype: recruiter\n---\n",
        "I/2026-10-02 Созвон.md": interaction(
            "2026-10-02",
            '"[[Анна Петрова]]"',
            "kind: call\ndirection: me\ngave:\n  - резюме\nreceived: [обзор рынка]\n",
        ),
        "I/2026-11-01 Встреча.md": interaction(
            "2026-11-01T18:00",
            '["[[Анна Петрова|Аня]]", "[[Иван]]", "[[Nobody]]"]',
            "kind: meeting\n",
        ),
        "I/Broken.md": interaction(
            "вчера", '"[[Иван]]"', "kind: lunch\ndirection: both\ngave: {a: 1}\n"
        ),
        "I/No with.md": "---\ntype: interaction\ndate: 2026-01-01\nwith: Анна\n---\n",
    }
    found, problems = histories(files)
    anna = found["R/Анна Петрова.md"]
    assert [(i.date, i.kind, i.source) for i in anna.interactions] == [
        (D(2026, 11, 1), "meeting", "I/2026-11-01 Встреча.md"),
        (D(2026, 10, 2), "call", "I/2026-10-02 Созвон.md"),
    ]
    call = anna.interactions[1]
    assert call.structured
    assert call.line is None
    assert (call.direction, call.gave, call.received) == ("me", ("резюме",), ("обзор рынка",))
    assert call.summary == "2026-10-02 Созвон"
    assert [i.date for i in found["R/Иван.md"].interactions] == [D(2026, 11, 1)]
    codes = sorted((p.path, p.key, p.line) for p in problems)
    assert codes == [
        ("I/Broken.md", "date", 3),
        ("I/Broken.md", "direction", 6),
        ("I/Broken.md", "gave", 7),
        ("I/Broken.md", "kind", 5),
        ("I/No with.md", "with", 4),
    ]
    assert all(p.code == "interaction-field" and p.severity == "warning" for p in problems)


def test_commitments_from_recruiter_and_interaction_notes() -> None:
    files = {
        "R/Анна.md": "---\ntype: recruiter\n---\n"
        "- [ ] Отправить портфолио 📅 2026-12-01 #task\n"
        "- [x] Прислать резюме 📅 2026-10-01 ✅ 2026-09-30\n"
        "- [ ] без даты\n"
        "- [-] отменено 📅 2026-01-01\n"
        "- [ ] Dataview style [due:: 2026-11-20]\n"
        "> - [ ] in a callout 📅 2026-11-21\n"
        "```\n- [ ] in code 📅 2026-01-01\n```\n",
        "I/Созвон.md": interaction("2026-10-02", '"[[Анна]]"')
        + "- [ ] Обещал фидбек 📅 2026-11-10 ^fb\n",
        "Other.md": "- [ ] not linked 📅 2026-01-01\n",
    }
    found, _ = histories(files)
    history = found["R/Анна.md"]
    assert [(c.text, c.due, c.source, c.line) for c in history.commitments] == [
        ("Обещал фидбек", D(2026, 11, 10), "I/Созвон.md", 7),
        ("Dataview style", D(2026, 11, 20), "R/Анна.md", 8),
        ("in a callout", D(2026, 11, 21), "R/Анна.md", 9),
        ("Отправить портфолио #task", D(2026, 12, 1), "R/Анна.md", 4),
    ]
    (done,) = history.done_commitments
    assert (done.text, done.done, done.done_date, done.due) == (
        "Прислать резюме",
        True,
        D(2026, 9, 30),
        D(2026, 10, 1),
    )


def test_global_filter() -> None:
    text = "- [ ] #task call Anna 📅 2026-12-01\n- [ ] no filter 📅 2026-12-02\n"
    found = tasks(text, "R/A.md", global_filter="#task")
    assert [(c.text, c.due) for c in found] == [("call Anna", D(2026, 12, 1))]
    assert len(tasks(text, "R/A.md")) == 2


def test_tasks_skip_frontmatter_and_tilde_fences() -> None:
    text = "---\nx: 1\n---\n~~~~\n- [ ] a 📅 2026-01-01\n~~~\n- [ ] b 📅 2026-01-01\n~~~~\n- [ ] c 📅 2026-01-02\n"
    assert [c.text for c in tasks(text, "A.md")] == ["c"]


def test_confidential_content_is_blank() -> None:
    files = {
        "R/Анна.md": "---\ntype: recruiter\n---\n## Interactions\n"
        "- 2026-11-01 — public\n"
        "> [!confidential] вилка\n"
        "> - 2026-11-02 — секретная вакансия\n"
        "> - [ ] Не говорить про клиента 📅 2026-12-01\n"
        "- 2026-11-03 %%confidential%% клиент Контур %%/confidential%%\n",
        "I/Secret.md": '---\ntype: interaction\ndate: 2026-10-01\nwith: "[[Анна]]"\n'
        "confidential: true\ngave: [имя кандидата]\n---\n- [ ] позвонить 📅 2026-12-05\n",
    }
    found, _ = histories(files)
    history = found["R/Анна.md"]
    summaries = {i.date: i.summary for i in history.interactions}
    assert summaries == {
        D(2026, 11, 3): "",
        D(2026, 11, 1): "public",
        D(2026, 10, 1): "",
    }
    secret_note = next(i for i in history.interactions if i.structured)
    assert secret_note.gave == ("",)
    assert [c.text for c in history.commitments] == ["", ""]


def test_sample_vault_like_history() -> None:
    files = {
        "Рекрутеры/Иван Смирнов.md": "---\ntype: recruiter\nlast_contact: 2026-11-12\n---\n",
        "Взаимодействия/2026-11-12 Сообщение от Ивана.md": interaction(
            "2026-11-12", '"[[Иван Смирнов]]"', "gave:\n  - обновлённый профиль\n"
        ),
    }
    found, problems = histories(files)
    assert problems == []
    history = found["Рекрутеры/Иван Смирнов.md"]
    assert history.last_contact == D(2026, 11, 12)
    assert history.interactions[0].gave == ("обновлённый профиль",)
