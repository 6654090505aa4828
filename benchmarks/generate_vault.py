"""Deterministic generator of synthetic Obsidian vaults for benchmarks and stress tests.

Usage::

    python benchmarks/generate_vault.py OUT_DIR --notes 10000 --seed 1

The vault looks like a job seeker's recruiter-partnership vault scaled up: nested folders
(2-3 levels) with Cyrillic and English names, recruiter notes with the flat frontmatter schema
(~10 %), company notes, topic/meeting notes, and PNG attachments. Every link form occurs:
``[[X]]``, ``[[X|alias]]``, ``[[X#Heading]]``, ``[[X#^block]]``, ``![[X]]``, ``[[folder/X]]``,
``[x](X.md)``, ``[x](Some%20Name.md)`` and frontmatter ``related: "[[X]]"``. Headings and block
ids targeted by links exist in the target note. Some note names are shared by notes in
different folders (resolution has to choose), a few of them with equal-length paths (ties
Obsidian decides by index order). About 3 % of links are broken (typos, missing notes, alias
links). Links also appear inside fenced code blocks and inline code, where they must not count.

Only the standard library is used and all randomness comes from ``random.Random(seed)``, so the
same arguments always produce a byte-identical vault.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass, field

# --------------------------------------------------------------------------- word pools

FIRST_NAMES: list[tuple[str, str, str, bool]] = [
    # (Cyrillic, Latin, short form, female)
    ("Анна", "Anna", "Аня", True),
    ("Мария", "Maria", "Маша", True),
    ("Елена", "Elena", "Лена", True),
    ("Ольга", "Olga", "Оля", True),
    ("Наталья", "Natalia", "Наташа", True),
    ("Ирина", "Irina", "Ира", True),
    ("Татьяна", "Tatiana", "Таня", True),
    ("Светлана", "Svetlana", "Света", True),
    ("Екатерина", "Ekaterina", "Катя", True),
    ("Юлия", "Yulia", "Юля", True),
    ("Дарья", "Daria", "Даша", True),
    ("Ксения", "Ksenia", "Ксюша", True),
    ("Иван", "Ivan", "Ваня", False),
    ("Алексей", "Alexey", "Лёша", False),
    ("Дмитрий", "Dmitry", "Дима", False),
    ("Сергей", "Sergey", "Серёжа", False),
    ("Андрей", "Andrey", "Андрюша", False),
    ("Михаил", "Mikhail", "Миша", False),
    ("Никита", "Nikita", "Никитос", False),
    ("Павел", "Pavel", "Паша", False),
    ("Артём", "Artem", "Тёма", False),
    ("Егор", "Egor", "Егорка", False),
    ("Роман", "Roman", "Рома", False),
    ("Кирилл", "Kirill", "Киря", False),
]

SURNAMES: list[tuple[str, str]] = [
    ("Петров", "Petrov"),
    ("Смирнов", "Smirnov"),
    ("Кузнецов", "Kuznetsov"),
    ("Иванов", "Ivanov"),
    ("Соколов", "Sokolov"),
    ("Попов", "Popov"),
    ("Лебедев", "Lebedev"),
    ("Козлов", "Kozlov"),
    ("Новиков", "Novikov"),
    ("Морозов", "Morozov"),
    ("Волков", "Volkov"),
    ("Алексеев", "Alekseev"),
    ("Павлов", "Pavlov"),
    ("Семёнов", "Semenov"),
    ("Голубев", "Golubev"),
    ("Виноградов", "Vinogradov"),
    ("Богданов", "Bogdanov"),
    ("Воробьёв", "Vorobyov"),
    ("Фёдоров", "Fedorov"),
    ("Михайлов", "Mikhailov"),
]

COMPANIES = [
    "Яндекс",
    "Контур",
    "Тинькофф",
    "Сбер",
    "Ozon",
    "Avito",
    "JetBrains",
    "Лаборатория Касперского",
    "VK",
    "Selectel",
    "Skyeng",
    "HeadHunter",
    "Wildberries",
    "Positive Technologies",
    "2ГИС",
    "Точка",
]

TOP_FOLDERS = [
    "Рекрутеры",
    "Компании",
    "Встречи",
    "Проекты",
    "Архив",
    "Заметки",
    "Карьера",
    "People",
    "Projects",
    "Research",
    "Inbox",
    "Meetings",
]

SUB_FOLDERS = [
    "2023",
    "2024",
    "2025",
    "2026",
    "Финтех",
    "Агентства",
    "Бэкенд",
    "Аналитика",
    "Команда",
    "Конференции",
    "Митапы",
    "Собеседования",
    "Backend",
    "Data",
    "Hiring",
    "Events",
    "Drafts",
    "Old",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    "Москва",
    "Екатеринбург",
    "Remote",
]

TOPIC_NOUNS_RU = [
    "Встреча",
    "Созвон",
    "Собеседование",
    "Вакансия",
    "Проект",
    "Заметка",
    "Идея",
    "Отчёт",
    "План",
    "Итоги",
    "Обзор",
    "Конспект",
    "Разбор",
    "Ретро",
]
TOPIC_OBJECTS_RU = [
    "рынок",
    "найм",
    "бэкенд",
    "аналитика",
    "зарплаты",
    "онбординг",
    "портфолио",
    "резюме",
    "оффер",
    "рекомендации",
    "митап",
    "команда",
    "грейды",
    "релокация",
]
TOPIC_NOUNS_EN = [
    "Meeting",
    "Call",
    "Interview",
    "Project",
    "Notes",
    "Review",
    "Plan",
    "Retro",
    "Roadmap",
    "Research",
    "Summary",
    "Digest",
]
TOPIC_OBJECTS_EN = [
    "Atlas",
    "Orion",
    "hiring",
    "backend",
    "market",
    "salary",
    "onboarding",
    "portfolio",
    "referrals",
    "platform",
    "payments",
    "search",
]

HEADINGS = [
    "Контекст",
    "Этапы",
    "Итоги",
    "Договорённости",
    "Взаимодействия",
    "Вопросы",
    "Следующие шаги",
    "Что обсудили",
    "Рынок и зарплаты",
    "Итоги: Q3, 2026",
    "Background",
    "Next steps",
    "Open questions",
    "Decisions",
    "Notes from the call",
    "Timeline",
    "Risks & mitigations",
    "Кто есть кто",
    "Ссылки",
    "Резюме встречи",
]

SENTENCES = [
    "Обсудили текущую ситуацию на рынке и ожидания по зарплате.",
    "Рекрутер рассказал о новых позициях, которые откроются в следующем квартале.",
    "Договорились созвониться ещё раз через шесть недель.",
    "Отправил обновлённое резюме и ссылку на портфолио.",
    "Попросили порекомендовать знакомых аналитиков данных.",
    "Процесс найма состоит из скрининга, технического интервью и финала.",
    "Важно честно говорить о своих целях и ограничениях.",
    "Информация о закрытых вакансиях остаётся конфиденциальной.",
    "Компания активно нанимает в платёжную инфраструктуру.",
    "Дал обратную связь о тестовом задании и сроках ответа.",
    "Получил приглашение на митап для разработчиков.",
    "Сверили грейды и вилки в нескольких командах.",
    "We discussed the hiring pipeline and the timeline for the next round.",
    "She asked for two referrals for the platform team.",
    "The role is remote-friendly, with a quarterly offsite.",
    "I sent an updated CV and a short summary of recent projects.",
    "Feedback from the technical interview was positive overall.",
    "The budget for the position is approved until the end of the year.",
    "Follow up in about a month with the portfolio.",
    "They are looking for someone with strong PostgreSQL experience.",
]

ROLES = [
    "IT-рекрутер",
    "HR business partner",
    "Руководитель группы подбора",
    "Talent Acquisition Partner",
    "Sourcer",
    "Технический рекрутер",
]
CADENCES = ["30d", "6w", "2mo", "3mo", "45d", "8w"]
STATUSES = ["active", "active", "active", "active", "paused", "dormant"]
TAGS = ["career", "hr", "recruiting", "networking", "meeting", "idea", "project", "backend"]

# A valid 1x1 transparent PNG (67 bytes).
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)

APP_JSON = (
    b'{\n  "newLinkFormat": "shortest",\n  "useMarkdownLinks": false,\n'
    b'  "alwaysUpdateLinks": true\n}\n'
)


# --------------------------------------------------------------------------- data model


@dataclass
class Note:
    folder: str  # "" for the vault root, else "A/B"
    name: str  # file name without ".md"
    kind: str  # "recruiter" | "company" | "topic"
    headings: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    target_bytes: int = 2500

    @property
    def path_noext(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name

    @property
    def path(self) -> str:
        return self.path_noext + ".md"


@dataclass
class Stats:
    notes: int = 0
    attachments: int = 0
    bytes: int = 0
    links: int = 0
    broken: int = 0
    code_links: int = 0
    shared_names: int = 0
    ties: int = 0


def heading_for_link(heading: str) -> str:
    """Heading text as Obsidian writes it into a link (stripHeadingForLink)."""
    for ch in (":", "#", "|", "^", "\\", "%%", "[[", "]]"):
        heading = heading.replace(ch, "")
    return " ".join(heading.split())


def md_dest(path: str) -> str:
    """Percent-encode a link destination the way Obsidian writes it (space, backslash only)."""
    return path.replace("\\", "%5C").replace(" ", "%20")


# --------------------------------------------------------------------------- generator


class VaultGenerator:
    def __init__(self, notes: int, seed: int) -> None:
        self.n = notes
        self.rng = random.Random(seed)
        self.notes: list[Note] = []
        self.by_name: dict[str, list[int]] = {}  # lower-cased name -> note indexes
        self.folders: list[str] = []
        self.attachments: list[str] = []  # vault paths
        self.companies: list[int] = []
        self.stats = Stats()
        self._counter = 0

    # ----- folders and names

    def _make_folders(self) -> None:
        rng = self.rng
        tops = list(TOP_FOLDERS)
        seen: set[str] = set(tops)
        level2: list[str] = []
        n_l2 = max(12, self.n // 150)
        while len(level2) < n_l2:
            parent = rng.choice(tops)
            base = rng.choice(SUB_FOLDERS)
            name = base if rng.random() < 0.5 else f"{base} {rng.randint(1, 99)}"
            path = f"{parent}/{name}"
            if path not in seen:
                seen.add(path)
                level2.append(path)
        level3: list[str] = []
        n_l3 = max(12, self.n // 60)
        attempts = 0
        while len(level3) < n_l3 and attempts < n_l3 * 20:
            attempts += 1
            parent = rng.choice(level2)
            name = f"{rng.choice(SUB_FOLDERS)} {rng.randint(1, 999)}"
            path = f"{parent}/{name}"
            if path not in seen:
                seen.add(path)
                level3.append(path)
        self.folders = tops + level2 + level3
        self.level23 = level2 + level3
        self.people_folders = [f for f in self.folders if f.startswith(("Рекрутеры", "People"))]

    def _fresh_counter(self) -> int:
        self._counter += 1
        return self._counter

    def _candidate_topic_name(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            noun, obj = rng.choice(TOPIC_NOUNS_RU), rng.choice(TOPIC_OBJECTS_RU)
            return f"{noun} {obj} {rng.randint(1, 9999)}"
        if r < 0.8:
            noun, obj = rng.choice(TOPIC_NOUNS_EN), rng.choice(TOPIC_OBJECTS_EN)
            return f"{noun} {obj} {rng.randint(1, 9999)}"
        if r < 0.9:
            day = f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            return f"{day} {rng.choice(TOPIC_NOUNS_RU)}"
        # single word, no space: exercises Markdown links without %20
        return f"{rng.choice(TOPIC_NOUNS_EN)}-{rng.randint(1, 99999)}"

    def _person(self) -> tuple[str, list[str]]:
        rng = self.rng
        first, first_lat, short, female = rng.choice(FIRST_NAMES)
        sur, sur_lat = rng.choice(SURNAMES)
        if female:
            sur += "а"
            sur_lat += "a"
        if rng.random() < 0.15:
            return f"{first_lat} {sur_lat}", [f"{first} {sur}", short]
        return f"{first} {sur}", [f"{first_lat} {sur_lat}", short]

    def _unique(self, name: str) -> str:
        while name.lower() in self.by_name:
            name = f"{name} {self._fresh_counter()}"
        return name

    def _add(self, note: Note) -> int:
        idx = len(self.notes)
        self.notes.append(note)
        self.by_name.setdefault(note.name.lower(), []).append(idx)
        return idx

    def _pick_folder(self, kind: str) -> str:
        rng = self.rng
        if kind == "recruiter":
            return rng.choice(self.people_folders)
        if kind == "company":
            return "Компании"
        r = rng.random()
        if r < 0.03:
            return ""
        if r < 0.12:
            return rng.choice(TOP_FOLDERS)
        return rng.choice(self.level23)

    def _make_notes(self) -> None:
        rng = self.rng
        n_companies = max(5, self.n // 100)
        for i in range(n_companies):
            base = COMPANIES[i % len(COMPANIES)]
            name = base if i < len(COMPANIES) else f"{base} {i // len(COMPANIES) + 1}"
            self.companies.append(self._add(Note("Компании", self._unique(name), "company")))

        n_ties = max(2, self.n // 2500)
        n_rest = self.n - n_companies - 2 * n_ties
        for _ in range(n_rest):
            kind = "recruiter" if rng.random() < 0.10 else "topic"
            folder = self._pick_folder(kind)
            aliases: list[str] = []
            if rng.random() < 0.03 and self.notes:
                # shared name: reuse an existing name in another folder
                other = self.notes[rng.randrange(len(self.notes))]
                taken = any(
                    self.notes[i].folder == folder for i in self.by_name[other.name.lower()]
                )
                if not taken and other.kind != "company":
                    idx = self._add(Note(folder, other.name, other.kind))
                    self.notes[idx].aliases = list(other.aliases)
                    self.stats.shared_names += 1
                    continue
            if kind == "recruiter":
                name, aliases = self._person()
            else:
                name = self._candidate_topic_name()
                if rng.random() < 0.1:
                    aliases = [f"{name.split(' ')[0]} (alias {self._fresh_counter()})"]
            self._add(Note(folder, self._unique(name), kind, aliases=aliases))

        # equal-length ties: the same new name in two different folders of equal path length
        by_len: dict[int, list[str]] = {}
        for f in self.level23:
            by_len.setdefault(len(f), []).append(f)
        groups = [g for _, g in sorted(by_len.items()) if len(g) >= 2]
        for _ in range(n_ties):
            group = rng.choice(groups)
            a, b = rng.sample(group, 2)
            name = self._unique(f"Итоги квартала {self._fresh_counter()}")
            self._add(Note(a, name, "topic"))
            self._add(Note(b, name, "topic"))
            self.stats.ties += 1

        for note in self.notes:
            note.target_bytes = rng.randint(500, 3900)
            nh = max(2, min(len(HEADINGS), note.target_bytes // 550))
            note.headings = rng.sample(HEADINGS, nh)
            nb = rng.choice((0, 0, 1, 1, 2, 3))
            note.blocks = [f"blk-{rng.randrange(16**6):06x}" for _ in range(min(nb, nh))]

        n_att = max(5, self.n // 50)
        for i in range(n_att):
            folder = "Вложения" if rng.random() < 0.5 else f"{rng.choice(TOP_FOLDERS)}/assets"
            ext_name = f"diagram-{i:05d}.png" if rng.random() < 0.5 else f"скриншот {i:05d}.png"
            self.attachments.append(f"{folder}/{ext_name}")

    # ----- links

    def _linktext(self, idx: int, *, allow_bare: bool = True) -> str:
        """Link text that resolves to note idx (bare name if unique, else the full path)."""
        note = self.notes[idx]
        if len(self.by_name[note.name.lower()]) == 1:
            return note.name
        if allow_bare and self.rng.random() < 0.3:
            return note.name  # deliberately let resolution choose among same-named notes
        return note.path_noext

    def _broken_target(self) -> str:
        rng = self.rng
        while True:
            r = rng.random()
            if r < 0.4:
                name = self.notes[rng.randrange(len(self.notes))].name
                if len(name) < 4:
                    continue
                cut = rng.randrange(1, len(name) - 1)
                cand = name[:cut] + name[cut + 1 :]  # typo: one letter dropped
            elif r < 0.55:
                holders = [n for n in self.notes[:200] if n.aliases]
                if not holders:
                    continue
                cand = rng.choice(rng.choice(holders).aliases)  # alias link: never resolves
            else:
                cand = f"{rng.choice(TOPIC_NOUNS_RU)} без заметки {rng.randint(1, 99999)}"
            if cand.strip() and cand.lower() not in self.by_name:
                return cand

    def _link(self, src: int) -> str:
        rng = self.rng
        st = self.stats
        st.links += 1
        if rng.random() < 0.034:
            st.broken += 1
            target = self._broken_target()
            if rng.random() < 0.8:
                return f"[[{target}]]"
            return f"[{target}]({md_dest(target)}.md)"
        if rng.random() < 0.04:
            att = self.attachments[rng.randrange(len(self.attachments))]
            name = att.rsplit("/", 1)[1]
            return f"![[{name}|300]]" if rng.random() < 0.3 else f"![[{name}]]"
        tgt = rng.randrange(len(self.notes))
        if tgt == src:
            tgt = (tgt + 1) % len(self.notes)
        note = self.notes[tgt]
        form = rng.random()
        if form < 0.35:
            return f"[[{self._linktext(tgt)}]]"
        if form < 0.47:
            alias = note.aliases[0] if note.aliases else note.name.split(" ")[0].lower()
            return f"[[{self._linktext(tgt)}|{alias}]]"
        if form < 0.57:
            heading = heading_for_link(rng.choice(note.headings))
            return f"[[{self._linktext(tgt, allow_bare=False)}#{heading}]]"
        if form < 0.63 and note.blocks:
            return f"[[{self._linktext(tgt, allow_bare=False)}#^{rng.choice(note.blocks)}]]"
        if form < 0.68:
            return f"![[{self._linktext(tgt, allow_bare=False)}]]"
        if form < 0.78 and note.folder:
            last = note.folder.rsplit("/", 1)[-1]
            partial = f"{last}/{note.name}".lower() + ".md"
            same = [self.notes[i].path.lower() for i in self.by_name[note.name.lower()]]
            if sum(1 for p in same if p.endswith(partial)) == 1 and rng.random() < 0.5:
                return f"[[{last}/{note.name}]]"
            return f"[[{note.path_noext}]]"
        label = rng.choice(("см.", "заметка", "details", note.name.split(" ")[0]))
        return f"[{label}]({md_dest(self._linktext(tgt))}.md)"

    # ----- rendering

    def _frontmatter(self, idx: int) -> list[str]:
        rng = self.rng
        note = self.notes[idx]
        lines: list[str] = []
        if note.kind == "recruiter":
            comp = self._linktext(rng.choice(self.companies), allow_bare=False)
            y = rng.randint(2021, 2025)
            since = f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            last = f"{rng.randint(y, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            shared = f"{rng.randint(y, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            tg = f"@hr_{idx:05d}"
            lines += [
                "type: recruiter",
                f"name: {note.name}",
                "aliases:",
                *[f'  - "{a}"' for a in note.aliases],
                f'company: "[[{comp}]]"',
                f"role: {rng.choice(ROLES)}",
                f"email: recruiter{idx:05d}@example.com",
                f'phone: "+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-'
                f'{rng.randint(10, 99)}-{rng.randint(10, 99)}"',
                f'telegram: "{tg}"',
                f'linkedin: "https://www.linkedin.com/in/recruiter-{idx:05d}"',
                f"relationship_since: {since}",
                f"last_contact: {last}",
                f"cadence: {rng.choice(CADENCES)}",
                f"status: {rng.choice(STATUSES)}",
                f"profile_shared: {shared}",
                "tags:",
                "  - recruiter",
                f"  - {rng.choice(TAGS)}",
            ]
        elif note.kind == "company":
            lines += ["type: company", "tags:", "  - company"]
        elif rng.random() < 0.5:
            lines += ["tags:", f"  - {rng.choice(TAGS)}"]
            if note.aliases:
                lines += ["aliases:", *[f'  - "{a}"' for a in note.aliases]]
            lines.append(f"created: {rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-01")
        if rng.random() < 0.3:
            n_rel = rng.randint(1, 3)
            rel = [self._linktext(rng.randrange(len(self.notes))) for _ in range(n_rel)]
            self.stats.links += n_rel
            if n_rel == 1:
                lines.append(f'related: "[[{rel[0]}]]"')
            else:
                lines += ["related:", *[f'  - "[[{r}]]"' for r in rel]]
        if not lines:
            return []
        return ["---", *lines, "---", ""]

    def _paragraph(self, src: int, budget: int) -> tuple[str, int]:
        rng = self.rng
        parts: list[str] = []
        size = 0
        while size < budget:
            s = SENTENCES[rng.randrange(len(SENTENCES))]
            parts.append(s)
            size += len(s.encode()) + 1
            r = rng.random()
            if r < 0.45:
                link = self._link(src)
                parts.append(f"См. {link}." if rng.random() < 0.5 else f"({link})")
                size += len(link.encode()) + 6
            elif r < 0.47:
                inner = f"[[{self._linktext(rng.randrange(len(self.notes)))}]]"
                parts.append(f"Пример ссылки: `{inner}`.")
                self.stats.code_links += 1
                size += len(inner.encode()) + 32
        return " ".join(parts), size

    def _code_block(self, src: int) -> str:
        rng = self.rng
        self.stats.code_links += 2
        a = self._linktext(rng.randrange(len(self.notes)))
        b = self._broken_target()
        return (
            "```markdown\n"
            f"- [ ] Написать [[{a}]] 📅 2026-12-01\n"
            f"- [ ] Уточнить [[{b}]] 🔁 every month when done\n"
            "```"
        )

    def render(self, idx: int) -> bytes:
        rng = self.rng
        note = self.notes[idx]
        out = self._frontmatter(idx)
        out.append(f"# {note.name}")
        out.append("")
        per_section = max(150, note.target_bytes // (len(note.headings) + 1))
        para, _ = self._paragraph(idx, per_section // 2)
        out += [para, ""]
        blocks = list(note.blocks)
        for h_i, heading in enumerate(note.headings):
            out += [f"## {heading}", ""]
            para, _ = self._paragraph(idx, per_section)
            if blocks:
                para += f" ^{blocks.pop()}"
            out += [para, ""]
            if h_i == 0 and rng.random() < 0.12:
                out += [self._code_block(idx), ""]
            if h_i == 1 and rng.random() < 0.05:
                out += ["%%Черновик: не показывать рекрутеру.%%", ""]
        if note.kind == "recruiter":
            due = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            out += [
                "## Задачи",
                "",
                f"- [ ] Написать [[{self._linktext(idx, allow_bare=False)}]] 📅 {due}",
                "",
            ]
            self.stats.links += 1
        text = "\n".join(out).rstrip("\n") + "\n"
        return text.encode("utf-8")

    # ----- driver

    def build(self) -> None:
        self._make_folders()
        self._make_notes()

    def write(self, out_dir: str) -> Stats:
        os.makedirs(os.path.join(out_dir, ".obsidian"), exist_ok=True)
        with open(os.path.join(out_dir, ".obsidian", "app.json"), "wb") as fh:
            fh.write(APP_JSON)
        made: set[str] = set()
        for idx, note in enumerate(self.notes):
            if note.folder not in made:
                os.makedirs(os.path.join(out_dir, note.folder), exist_ok=True)
                made.add(note.folder)
            data = self.render(idx)
            with open(os.path.join(out_dir, note.path), "wb") as fh:
                fh.write(data)
            self.stats.notes += 1
            self.stats.bytes += len(data)
        for att in self.attachments:
            folder = att.rsplit("/", 1)[0]
            if folder not in made:
                os.makedirs(os.path.join(out_dir, folder), exist_ok=True)
                made.add(folder)
            with open(os.path.join(out_dir, att), "wb") as fh:
                fh.write(PNG_BYTES)
            self.stats.attachments += 1
            self.stats.bytes += len(PNG_BYTES)
        return self.stats


def generate(out_dir: str, notes: int, seed: int) -> Stats:
    """Write a synthetic vault with about ``notes`` notes into ``out_dir``."""
    gen = VaultGenerator(notes, seed)
    gen.build()
    return gen.write(out_dir)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", help="directory to write the vault into (must be empty or absent)")
    ap.add_argument("--notes", type=int, default=10000, help="number of notes (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--force", action="store_true", help="delete OUT_DIR first if it is not empty")
    args = ap.parse_args(argv)
    if args.notes < 50:
        ap.error("--notes must be at least 50")
    if os.path.isdir(args.out_dir) and os.listdir(args.out_dir):
        if not args.force:
            ap.error(f"{args.out_dir} is not empty (use --force to replace it)")
        shutil.rmtree(args.out_dir)
    t0 = time.perf_counter()
    st = generate(args.out_dir, args.notes, args.seed)
    dt = time.perf_counter() - t0
    print(
        f"wrote {st.notes} notes + {st.attachments} attachments, {st.bytes / 1e6:.1f} MB "
        f"({st.bytes / max(st.notes, 1) / 1024:.2f} KiB/note), {st.links} links "
        f"({st.broken} broken, {st.code_links} inside code), {st.shared_names} shared names, "
        f"{st.ties} equal-length ties, in {dt:.1f} s -> {args.out_dir}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
