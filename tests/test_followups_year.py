"""A simulated year, day by day: the planner and the applier run every morning on a tmp vault;
a simulated user completes the follow-ups of some recruiters (ticking every task, two days after
the note appears) and ignores the others.

Invariants: never two open follow-ups for one recruiter, never two notes for one (recruiter, due),
no missed cadence (a recruiter whose cadence has passed always has an open follow-up), nothing
for paused recruiters, nothing before do_not_contact_until, and every run is idempotent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import make_vault, read_vault
from test_followups import recruiter, run, toml

from vaultpartner.dates import add_duration

START = dt.date(2027, 1, 1)
PEOPLE = {
    # name: (cadence, status, completes?, extra)
    "Анна Петрова": ("2w", "active", True, ""),
    "Иван Смирнов": ("30d", "active", True, ""),
    "Мария Кузнецова": ("2mo", "active", False, ""),
    "Olga Ivanova": ("6w", "paused", True, ""),
    "Пётр Сидоров": ("3w", "active", True, "do_not_contact_until: 2027-05-01"),
}
_LAST = re.compile(r"^last_contact: (\S+)$", re.MULTILINE)
_FIELD = re.compile(r"^(\w+): (.*)$", re.MULTILINE)


def followups(root: Path) -> list[tuple[Path, dict[str, str], str]]:
    folder = root / "Follow-ups"
    found = []
    for path in sorted(folder.glob("*.md")) if folder.exists() else []:
        text = path.read_text()
        head = text.split("---")[1]
        meta = dict(_FIELD.findall(head))
        if meta.get("vaultpartner") == "followup":
            found.append((path, meta, text))
    return found


def who(meta: dict[str, str]) -> str:
    return meta["recruiter"].strip('"').strip("[]")


def is_open(meta: dict[str, str], text: str) -> bool:
    return meta["status"] == "open" and "- [ ] " in text


def simulate_user(root: Path, today: dt.date) -> None:
    for path, meta, text in followups(root):
        name = who(meta)
        created = dt.date.fromisoformat(meta["created"])
        if is_open(meta, text) and PEOPLE[name][2] and today >= created + dt.timedelta(days=2):
            ticked = re.sub(
                r"^- \[ \] (.*?) (📅 \S+)$",
                lambda m: f"- [x] {m.group(1)} {m.group(2)} ✅ {today.isoformat()}",
                text,
                flags=re.MULTILINE,
            )
            path.write_text(ticked)


@pytest.mark.timeout(120)
def test_a_year_day_by_day(tmp_path: Path) -> None:
    files = {"vaultpartner.toml": toml("ru", 'digest_note = ""')}
    for name, (cadence, status, _completes, extra) in PEOPLE.items():
        files[f"Рекрутеры/{name}.md"] = recruiter(
            name, last="2026-12-20", cadence=cadence, status=status, extra=extra, shared=None
        )
    root = make_vault(tmp_path / "vault", files)
    state = tmp_path / "state"
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for offset in range(365):
        today = START + dt.timedelta(days=offset)
        simulate_user(root, today)
        run(root, state, today)
        notes = followups(root)
        open_by: dict[str, int] = defaultdict(int)
        for _path, meta, text in notes:
            open_by[who(meta)] += is_open(meta, text)
        for name, (cadence, status, _completes, extra) in PEOPLE.items():
            assert open_by[name] <= 1, (today, name)
            if status == "paused":
                assert not any(who(m) == name for _p, m, _t in notes)
                continue
            text = (root / f"Рекрутеры/{name}.md").read_text()
            last = dt.date.fromisoformat(_LAST.search(text).group(1))  # type: ignore[union-attr]
            due = add_duration(last, cadence)
            if extra:
                due = max(due, dt.date(2027, 5, 1))
            if due <= today:
                assert open_by[name] == 1, (today, name, last)
        for _path, meta, _text in notes:
            if who(meta) == "Пётр Сидоров":
                assert meta["due"] >= "2027-05-01"
        if offset % 61 == 0:  # idempotent: a second run the same day changes nothing
            snapshot = read_vault(root)
            run(root, state, today)
            assert read_vault(root) == snapshot
    keys = [(who(m), m["due"]) for _p, m, _t in followups(root)]
    for key in keys:
        seen[key] += 1
    assert all(count == 1 for count in seen.values())
    per_person = defaultdict(int)
    for name, _due in keys:
        per_person[name] += 1
    assert per_person["Мария Кузнецова"] == 1  # ignored: one open note all year, no pile-up
    assert per_person["Анна Петрова"] >= 20  # 2w cadence, completed two days later
    assert per_person["Иван Смирнов"] >= 10
    assert "Olga Ivanova" not in per_person
