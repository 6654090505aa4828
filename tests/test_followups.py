"""Follow-up planning end to end: golden vaults (ru and en) with a fixed --today, one per rule.

Each case is a small vault built from a dict; the notes the run creates or changes are compared
byte for byte with tests/golden_followups/<case>/ (refresh with --update-golden, then review).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import frontmatter
import pytest
from conftest import make_vault, read_vault

from vaultpartner import app, partnercmds
from vaultpartner.findings import Finding
from vaultpartner.messages import Language

GOLDEN = Path(__file__).parent / "golden_followups"
TODAY = dt.date(2026, 11, 26)


def recruiter(
    name: str,
    *,
    last: str | None = "2026-10-01",
    cadence: str | None = "6w",
    status: str = "active",
    shared: str | None = "2026-10-01",
    extra: str = "",
    body: str = "",
    role: str = "IT-рекрутер",
) -> str:
    lines = ["---", "type: recruiter", f"name: {json.dumps(name, ensure_ascii=False)}"]
    role_yaml = json.dumps(role, ensure_ascii=False)
    lines += ['company: "[[Яндекс]]"', f"role: {role_yaml}", 'telegram: "@someone"']
    if last:
        lines.append(f"last_contact: {last}")
    if cadence:
        lines.append(f"cadence: {cadence}")
    lines.append(f"status: {status}")
    if shared:
        lines.append(f"profile_shared: {shared}")
    if extra:
        lines.append(extra)
    lines += ["---", "", f"# {name}", "", body]
    return "\n".join(lines)


def interaction(date: str, who: str, *, gave: list[str], received: list[str]) -> str:
    def items(values: list[str]) -> str:
        return "".join(f"\n  - {json.dumps(v, ensure_ascii=False)}" for v in values) or " []"

    return (
        f'---\ntype: interaction\ndate: {date}\nwith: "[[{who}]]"\nkind: message\n'
        f"direction: them\ngave:{items(gave)}\nreceived:{items(received)}\n---\n\nText.\n"
    )


def toml(language: str, extra: str = "") -> str:
    return f'language = "{language}"\n\n[partners]\n{extra}\n'


def run(root: Path, state: Path, today: dt.date = TODAY, *, dry_run: bool = False) -> int:
    session = app.open_session(root, state_override=state)
    return partnercmds.run_followups(session, today=today, dry_run=dry_run, command="test")


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in after.items() if before.get(path) != data}


def check_golden(case: str, files: dict[str, bytes], update: bool) -> None:
    folder = GOLDEN / case
    if update:
        for old in sorted(folder.rglob("*"), reverse=True) if folder.exists() else []:
            old.unlink() if old.is_file() else old.rmdir()
        for path, data in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)
    expected = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    assert sorted(files) == sorted(expected)
    for path, data in files.items():
        assert data.decode() == expected[path].decode(), path


ANNA, IVAN, OLGA = "Анна Петрова", "Иван Смирнов", "Olga Ivanova"

CASES: dict[str, dict[str, str]] = {
    # the cadence has passed: 2026-10-01 + 6w = 2026-11-12
    "cadence-ru": {
        "vaultpartner.toml": toml("ru"),
        f"Рекрутеры/{ANNA}.md": recruiter(ANNA),
        f"Рекрутеры/{IVAN}.md": recruiter(IVAN, last="2026-11-20"),
        "Компании/Яндекс.md": "# Яндекс\n",
    },
    "cadence-en": {
        "vaultpartner.toml": toml("en"),
        f"Recruiters/{OLGA}.md": recruiter(OLGA, last="2026-08-01", cadence=None),
        "Компании/Яндекс.md": "# Yandex\n",
    },
    # the profile note changed after profile_shared
    "profile-ru": {
        "vaultpartner.toml": toml("ru", 'profile_note = "Профиль"'),
        "Профиль.md": "---\nupdated: 2026-11-20\n---\n# Профиль\n",
        f"{ANNA}.md": recruiter(ANNA, last="2026-11-15", shared="2026-10-01"),
    },
    "profile-en": {
        "vaultpartner.toml": toml("en", 'profile_note = "Profile"'),
        "Profile.md": "---\nupdated: 2026-11-20\n---\n# Profile\n",
        f"{OLGA}.md": recruiter(OLGA, last="2026-11-15", shared="2026-10-01"),
    },
    # a commitment with a due date, Dataview task format with a global filter
    "commitment-ru": {
        "vaultpartner.toml": toml("ru"),
        ".obsidian/plugins/obsidian-tasks-plugin/data.json": json.dumps(
            {"taskFormat": "dataview", "globalFilter": "#task"}
        ),
        f"{ANNA}.md": recruiter(
            ANNA,
            last="2026-11-20",
            body="## Договорённости\n\n- [ ] #task Прислать портфолио [due:: 2026-11-25]\n",
        ),
    },
    "commitment-en": {
        "vaultpartner.toml": toml("en"),
        ".obsidian/plugins/obsidian-tasks-plugin/data.json": json.dumps(
            {"globalFilter": "#task", "setCreatedDate": True}
        ),
        f"{OLGA}.md": recruiter(
            OLGA,
            last="2026-11-20",
            body="## Commitments\n\n- [ ] #task Send the CV 📅 2026-11-24\n",
        ),
    },
    # the last three interactions gave nothing back
    "reciprocity-ru": {
        "vaultpartner.toml": toml("ru"),
        f"{ANNA}.md": recruiter(ANNA, last=None),
        "В/1.md": interaction("2026-11-01", ANNA, gave=[], received=["вакансия"]),
        "В/2.md": interaction("2026-11-10", ANNA, gave=[], received=["обзор рынка"]),
        "В/3.md": interaction("2026-11-20", ANNA, gave=[], received=["совет"]),
    },
    "reciprocity-en": {
        "vaultpartner.toml": toml("en"),
        f"{OLGA}.md": recruiter(OLGA, last=None),
        "I/1.md": interaction("2026-11-01", OLGA, gave=[], received=["an opening"]),
        "I/2.md": interaction("2026-11-10", OLGA, gave=[], received=["market data"]),
        "I/3.md": interaction("2026-11-20", OLGA, gave=[], received=["advice"]),
    },
    # never before do_not_contact_until, never for paused or archived recruiters
    "not-due-ru": {
        "vaultpartner.toml": toml("ru"),
        f"{ANNA}.md": recruiter(ANNA, extra="do_not_contact_until: 2026-12-01"),
        f"{IVAN}.md": recruiter(IVAN, status="paused"),
        f"{OLGA}.md": recruiter(OLGA, status="archived"),
    },
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, tmp_path: Path, update_golden: bool) -> None:
    root = make_vault(tmp_path / "vault", CASES[case])
    before = read_vault(root)
    run(root, tmp_path / "state")
    after = read_vault(root)
    check_golden(case, changed(before, after), update_golden)
    # idempotent: a second run on the unchanged vault changes nothing
    assert run(root, tmp_path / "state", dry_run=True) == 0
    run(root, tmp_path / "state")
    assert read_vault(root) == after


def test_followup_frontmatter_is_queryable(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault", CASES["cadence-ru"])
    run(root, tmp_path / "state")
    post = frontmatter.loads((root / "Follow-ups/2026-11-12 Анна Петрова.md").read_text())
    assert post.metadata == {
        "generated_by": "vaultpartner",
        "vaultpartner": "followup",
        "recruiter": "[[Анна Петрова]]",
        "due": dt.date(2026, 11, 12),
        "reasons": ["cadence"],
        "status": "open",
        "created": TODAY,
    }
    digest = frontmatter.loads((root / "Follow-ups/Digest.md").read_text()).metadata
    assert digest["overdue"] == 1
    assert digest["recruiters"] == 2
    assert digest["updated"] == TODAY


def test_dry_run_writes_nothing_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_vault(tmp_path / "vault", CASES["cadence-ru"])
    before = read_vault(root)
    assert run(root, tmp_path / "state", dry_run=True) == 1
    assert read_vault(root) == before
    out = capsys.readouterr().out
    assert "+++ b/Follow-ups/2026-11-12 Анна Петрова.md" in out
    assert "cadence" in out


def tick(root: Path, path: str, done: str) -> None:
    note = root / path
    text = note.read_text()
    note.write_text(text.replace("- [ ] ", "- [x] ").replace(" 📅 ", f" ✅ {done} 📅 ", 1))


def test_closing_the_loop(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault", CASES["cadence-ru"])
    state = tmp_path / "state"
    run(root, state)
    followup = "Follow-ups/2026-11-12 Анна Петрова.md"
    tick(root, followup, "2026-11-27")
    recruiter_before = (root / f"Рекрутеры/{ANNA}.md").read_text()
    run(root, state, dt.date(2026, 11, 28))
    recruiter_after = (root / f"Рекрутеры/{ANNA}.md").read_text()
    assert recruiter_after == recruiter_before.replace(
        "last_contact: 2026-10-01", "last_contact: 2026-11-27"
    )
    assert "status: done" in (root / followup).read_text()
    # the next follow-up is planned from the new contact: 2026-11-27 + 6w
    run(root, state, dt.date(2027, 1, 8))
    assert (root / "Follow-ups/2027-01-08 Анна Петрова.md").exists()
    files = sorted(p.name for p in (root / "Follow-ups").iterdir())
    assert files == [
        "2026-11-12 Анна Петрова.md",
        "2027-01-01 Иван Смирнов.md",
        "2027-01-08 Анна Петрова.md",
        "Digest.md",
    ]


def test_status_done_by_hand_records_run_date(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault", CASES["cadence-en"])
    state = tmp_path / "state"
    run(root, state)
    followup = root / "Follow-ups/2026-11-01 Olga Ivanova.md"
    followup.write_text(followup.read_text().replace("status: open", "status: done"))
    run(root, state, dt.date(2026, 11, 30))
    assert "last_contact: 2026-11-30" in (root / f"Recruiters/{OLGA}.md").read_text()
    snapshot = read_vault(root)
    run(root, state, dt.date(2026, 11, 30))
    assert read_vault(root) == snapshot


def test_max_new_notes_lists_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {"vaultpartner.toml": toml("en", "max_new_notes = 2")}
    for number in range(4):
        files[f"R{number}.md"] = recruiter(f"Recruiter {number}")
    root = make_vault(tmp_path / "vault", files)
    assert run(root, tmp_path / "state") == 1
    assert len(list((root / "Follow-ups").glob("2026-*.md"))) == 2
    assert "max_new_notes" in capsys.readouterr().err
    run(root, tmp_path / "state")
    assert len(list((root / "Follow-ups").glob("2026-*.md"))) == 4


def test_edited_digest_is_never_regenerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_vault(tmp_path / "vault", CASES["cadence-ru"])
    state = tmp_path / "state"
    run(root, state)
    digest = root / "Follow-ups/Digest.md"
    edited = digest.read_text() + "\nмоя заметка\n"
    digest.write_text(edited)
    run(root, state, dt.date(2026, 11, 27))
    assert digest.read_text() == edited
    assert "изменена после того, как её записал vaultpartner" in capsys.readouterr().err
    # an untouched digest follows the calendar
    digest.unlink()
    run(root, state, dt.date(2026, 11, 27))
    run(root, state, dt.date(2026, 11, 28))
    assert "updated: 2026-11-28" in digest.read_text()


def test_name_collision_gets_a_suffix(tmp_path: Path) -> None:
    files = dict(CASES["cadence-ru"])
    files["Follow-ups/2026-11-12 Анна Петрова.md"] = "my own note\n"
    root = make_vault(tmp_path / "vault", files)
    run(root, tmp_path / "state")
    assert (root / "Follow-ups/2026-11-12 Анна Петрова.md").read_text() == "my own note\n"
    assert (root / "Follow-ups/2026-11-12 Анна Петрова 2.md").exists()
    snapshot = read_vault(root)
    run(root, tmp_path / "state")
    assert read_vault(root) == snapshot


def test_no_second_followup_while_the_first_ones_link_is_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Soak finding: the recruiter was renamed and the follow-up's link not yet repaired;
    a second follow-up would be a duplicate as soon as the link is fixed."""
    files = dict(CASES["cadence-ru"])
    root = make_vault(tmp_path / "vault", files)
    state = tmp_path / "state"
    run(root, state)
    created = sorted((root / "Follow-ups").glob("2026-*.md"))
    assert len(created) == 1
    recruiter_note = next(root.glob("**/Анна Петрова.md"))
    recruiter_note.rename(recruiter_note.with_name("Анна Петрова (Яндекс).md"))
    run(root, state)
    assert sorted((root / "Follow-ups").glob("2026-*.md")) == created
    assert "второго напоминания для Анна Петрова не будет" in capsys.readouterr().err


def test_two_open_followups_for_one_recruiter_are_named_and_both_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Soak finding: a checkout brought back an old open follow-up beside the current one.
    Neither is closed or deleted (the user may have written in both); a notice names both."""
    root = make_vault(tmp_path / "vault", CASES["cadence-ru"])
    state = tmp_path / "state"
    run(root, state)
    current = root / "Follow-ups/2026-11-12 Анна Петрова.md"
    old = root / "Follow-ups/2026-10-01 Анна Петрова.md"
    old.write_text(current.read_text().replace("2026-11-12", "2026-10-01"))
    capsys.readouterr()
    run(root, state)
    err = capsys.readouterr().err
    assert "открыто напоминаний: 2" in err
    assert "используется Follow-ups/2026-10-01 Анна Петрова.md" in err
    assert "открыты также: Follow-ups/2026-11-12 Анна Петрова.md" in err
    assert "status: open" in old.read_text()
    assert "status: open" in current.read_text()


def test_confidential_text_is_not_copied(tmp_path: Path) -> None:
    secret = "Вилка 350-400 тысяч, клиент Контур, вакансия не опубликована"
    body = (
        "## Взаимодействия\n\n- 2026-10-01 — созвон %%confidential%% "
        f"{secret} %%/confidential%%\n\n"
        f"## Договорённости\n\n- [ ] {secret} 📅 2026-11-20\n"
    )
    files = {
        "vaultpartner.toml": toml("ru"),
        f"{ANNA}.md": recruiter(ANNA, extra="confidential: true", body=body),
    }
    root = make_vault(tmp_path / "vault", files)
    run(root, tmp_path / "state")
    generated = "".join(p.read_text() for p in (root / "Follow-ups").iterdir())
    assert "2026-11-12 Анна Петрова" in "".join(p.name for p in (root / "Follow-ups").iterdir())
    assert "350" not in generated
    assert "Контур" not in generated


def test_audit_today_reports_overdue_followups(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "vault", CASES["cadence-ru"])
    state = tmp_path / "state"
    session = app.open_session(root, state_override=state)
    vault = app.load(session)

    def overdue(today: dt.date, language: Language) -> list[Finding]:
        found = app.partner_findings(session, vault, today=today, language=language)
        return [f for f in found if f.code == "overdue-followup"]

    findings = overdue(TODAY, "en")
    assert [(f.code, f.severity, f.path) for f in findings] == [
        ("overdue-followup", "info", f"Рекрутеры/{ANNA}.md")
    ]
    assert "2026-11-12" in findings[0].message
    assert overdue(dt.date(2026, 11, 1), "ru") == []
    run(root, state)
    vault = app.load(session)
    findings = overdue(TODAY, "ru")
    assert [(f.code, f.path) for f in findings] == [
        ("overdue-followup", "Follow-ups/2026-11-12 Анна Петрова.md")
    ]


def test_demo_writes_the_sample_vaults_followups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil
    from importlib import resources

    root = tmp_path / "demo"
    with resources.as_file(resources.files("vaultpartner") / "sample_vault") as sample:
        shutil.copytree(sample, root)
    session = app.open_session(root, state_override=tmp_path / "state")
    assert partnercmds.run_demo_followups(session, TODAY) == 0
    out = capsys.readouterr().out
    assert f"Digest: {root / 'Follow-ups/Digest.md'}" in out
    # the profile note (type: profile) was updated 2026-11-01, after both last shared it
    names = sorted(p.name for p in (root / "Follow-ups").iterdir())
    assert names == ["2026-11-01 Анна Петрова.md", "2026-11-01 Мария Кузнецова.md", "Digest.md"]
