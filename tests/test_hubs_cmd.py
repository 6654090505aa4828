"""[hubs] settings, new-note locations, and the shell glue (hubcmd): findings merged into the
audit, plans applied through the safe writer, pairs kept in the state folder."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from conftest import make_vault, read_vault

from vaultpartner import app, hubcmd
from vaultpartner.apply import Applier
from vaultpartner.config import CONFIG_FILE_NAME, DEFAULT_CONFIG, default_config_text, load_config
from vaultpartner.errors import ConfigError
from vaultpartner.hubs import NewFileLocation, creation_path, hub_rules

# --- settings ----------------------------------------------------------------------------


def load_error(vault: Path, text: str) -> ConfigError:
    (vault / CONFIG_FILE_NAME).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(vault)
    return info.value


def test_hubs_defaults() -> None:
    hubs = DEFAULT_CONFIG.hubs
    assert hubs.rules == ()
    assert hubs.symmetric_related is False
    assert hubs.related_headings == ("Связанные темы", "Related")
    assert hubs.hub_template == "hub.md.j2"
    assert not hubcmd.hubs_configured(DEFAULT_CONFIG)


def test_hub_rules_inline_and_array_of_tables(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE_NAME).write_text(
        "[hubs]\n"
        'rules = [{ hub = "Рекрутинг", type = "recruiter", require_link = true },\n'
        '  { hub = "HR", tag = "#hr" }, { hub = "Карьера", folder = "Карьера/" },\n'
        '  { hub = "Собеседования", links_to_hub = true }]\n'
        'related_headings = [" Связанные темы ", "See also"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path).config
    assert config.hubs.related_headings == ("Связанные темы", "See also")
    rules = hub_rules(config.hubs)
    assert [(r.hub, r.type, r.tag, r.folder, r.links_to_hub, r.require_link) for r in rules] == [
        ("Рекрутинг", "recruiter", None, None, False, True),
        ("HR", None, "hr", None, False, False),
        ("Карьера", None, None, "Карьера", False, False),
        ("Собеседования", None, None, None, True, False),
    ]
    assert hubcmd.hubs_configured(config)
    (tmp_path / CONFIG_FILE_NAME).write_text(
        '[[hubs.rules]]\nhub = "HR"\ntag = "hr"\n', encoding="utf-8"
    )
    assert hub_rules(load_config(tmp_path).config.hubs)[0].tag == "hr"


def test_unknown_rule_key_names_the_file_and_the_valid_keys(tmp_path: Path) -> None:
    error = load_error(tmp_path, '[hubs]\nrules = [{ hub = "HR", tga = "hr" }]\n')
    assert error.path == str(tmp_path / CONFIG_FILE_NAME)
    assert error.line == 2
    assert 'unknown key "tga"' in error.message
    assert "valid keys: hub, type, tag, folder, links_to_hub, require_link" in error.message


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ('rules = [{ tag = "hr" }]', "hub is missing"),
        ('rules = [{ hub = "HR" }]', "set exactly one of type, tag, folder, links_to_hub"),
        ('rules = [{ hub = "HR", tag = "hr", folder = "x" }]', "set exactly one of"),
        ('rules = [{ hub = "HR", links_to_hub = "yes" }]', "links_to_hub must be true or false"),
        ('rules = [{ hub = "", tag = "hr" }]', "hub must be a non-empty string"),
        ('rules = ["HR"]', "is not a table"),
        ('rules = { hub = "HR" }', "expected a list of inline tables"),
        ("related_headings = []", ""),
        ('related_headings = ["ok", 3]', "3 is not a non-empty string"),
        ('symmetric_related = "yes"', "expected true or false"),
        ('hub_tempalte = "x"', 'unknown key "hub_tempalte" in [hubs]'),
    ],
)
def test_invalid_hub_settings(tmp_path: Path, text: str, wanted: str) -> None:
    if text == "related_headings = []":  # an empty list is allowed: no sections at all
        (tmp_path / CONFIG_FILE_NAME).write_text(f"[hubs]\n{text}\n", encoding="utf-8")
        assert load_config(tmp_path).config.hubs.related_headings == ()
        return
    error = load_error(tmp_path, f"[hubs]\n{text}\n")
    assert wanted in str(error)
    assert error.path == str(tmp_path / CONFIG_FILE_NAME)


def test_default_config_text_has_the_hubs_section() -> None:
    text = default_config_text("ru")
    assert "[hubs]" in text
    assert "# rules = []" in text
    data = tomllib.loads(re.sub(r"(?m)^# (\w+ = )", r"\1", default_config_text("en")))
    assert data["hubs"] == {
        "rules": [],
        "symmetric_related": False,
        "related_headings": ["Связанные темы", "Related"],
        "hub_template": "hub.md.j2",
    }


def test_rules_from_the_command_line(tmp_path: Path) -> None:
    loaded = load_config(tmp_path, overrides={"hubs.rules": '[{ hub = "HR", tag = "hr" }]'})
    assert hub_rules(loaded.config.hubs)[0].hub == "HR"
    assert loaded.sources["hubs.rules"] == "command line"


# --- where a missing topic is created ----------------------------------------------------


@pytest.mark.parametrize(
    ("linkpath", "source", "location", "expected"),
    [
        ("Собеседования", "Темы/Карьера.md", NewFileLocation(), "Собеседования.md"),
        ("Собеседования", "Темы/Карьера.md", NewFileLocation("current"), "Темы/Собеседования.md"),
        ("Интервью", "A.md", NewFileLocation("folder", "Входящие"), "Входящие/Интервью.md"),
        ("Темы/Сеть", "X/A.md", NewFileLocation("current"), "Темы/Сеть.md"),
        ("/Темы/Сеть.md", "X/A.md", NewFileLocation(), "Темы/Сеть.md"),
        ("../Сеть", "X/Y/A.md", NewFileLocation(), "X/Сеть.md"),
        ("./Сеть", "X/A.md", NewFileLocation(), "X/Сеть.md"),
        ("../../Сеть", "X/A.md", NewFileLocation(), None),
        ("Что?", "A.md", NewFileLocation(), None),
        (".hidden", "A.md", NewFileLocation(), None),
    ],
)
def test_creation_path(
    linkpath: str, source: str, location: NewFileLocation, expected: str | None
) -> None:
    assert creation_path(linkpath, source, location) == expected


@pytest.mark.parametrize(
    ("app_json", "expected"),
    [
        (None, NewFileLocation()),
        ({"newFileLocation": "current"}, NewFileLocation("current")),
        (
            {"newFileLocation": "folder", "newFileFolderPath": "/Inbox/"},
            NewFileLocation("folder", "Inbox"),
        ),
        ({"newFileLocation": "folder", "newFileFolderPath": ""}, NewFileLocation()),
        ("not json", NewFileLocation()),
    ],
)
def test_new_file_location(tmp_path: Path, app_json: object, expected: NewFileLocation) -> None:
    if app_json is not None:
        (tmp_path / ".obsidian").mkdir()
        text = app_json if isinstance(app_json, str) else json.dumps(app_json)
        (tmp_path / ".obsidian" / "app.json").write_text(text, encoding="utf-8")
    assert hubcmd.new_file_location(tmp_path) == expected


# --- on disk: audit findings, fix through the safe writer, pairs -------------------------

VAULT = {
    "vaultpartner.toml": 'language = "ru"\n[hubs]\nsymmetric_related = true\n'
    'rules = [{ hub = "Рекрутинг", type = "recruiter", require_link = true }]\n',
    "Рекрутинг.md": "\ufeff# Рекрутинг\r\n\r\nО рекрутинге.\r\n",
    "Люди/Анна.md": "---\ntype: recruiter\n---\n# Анна\n",
    "Партнёрство.md": "# Партнёрство\n\n## Связанные темы\n\n- [[Собеседования]] - подготовка\n"
    "- [[Рекрутнг]]\n- [[Аня]]\n- [[Карьера]]\n",
    "Карьера.md": "---\naliases: [Аня]\n---\n# Карьера\n",
    "Шаблоны/Шаблон.md": "---\ntype: recruiter\n---\n",
    ".obsidian/templates.json": '{"folder": "Шаблоны"}',
}


def session_for(root: Path, state: Path) -> app.Session:
    return app.open_session(root, state_override=state)


def test_missing_topic_replaces_broken_link_in_the_audit(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", VAULT)
    session = session_for(root, tmp_path / "state")
    vault = app.load(session, use_cache=False)
    result, language = app.audit(session, vault)
    before = {(f.code, f.line) for f in result.findings if f.path == "Партнёрство.md"}
    assert ("broken-link", 5) in before  # Собеседования: no near miss
    merged = hubcmd.audit_findings(session, vault, result.findings, language)
    mine = [(f.code, f.severity, f.line) for f in merged if f.path == "Партнёрство.md"]
    assert ("missing-topic", "info", 5) in mine
    assert ("broken-link", "warning", 5) not in mine
    assert ("broken-link", "error", 6) in mine  # the typo Рекрутнг stays a broken link
    assert ("alias-link", "warning", 7) in mine
    assert not [c for c in mine if c[0] == "missing-topic" and c[2] != 5]
    assert hubcmd.topic_spots(session, vault) == {("Партнёрство.md", 5, 3)}
    templates = [f for f in merged if f.path.startswith("Шаблоны/")]
    assert templates == []  # template notes are never hub members
    hub = [f for f in merged if f.path == "Рекрутинг.md" and f.code.startswith("hub")]
    assert [f.code for f in hub] == ["hub-missing-member"]
    assert "Анна" in hub[0].message
    assert hub[0].message.startswith("хаб")


def test_fix_plan_applies_through_the_safe_writer(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", VAULT)
    state = tmp_path / "state"
    session = session_for(root, state)
    vault = app.load(session, use_cache=False)
    result = hubcmd.plan_for_vault(session, vault, language="ru", create_missing=True)
    with Applier(root, state, command="test") as applier:
        report = applier.apply(result.plan)
    assert not report.failed
    hubcmd.save_pairs(state, result.pairs)
    files = read_vault(root)
    assert (
        files["Рекрутинг.md"]
        == (
            "\ufeff# Рекрутинг\r\n\r\nО рекрутинге.\r\n\r\n%% vaultpartner:begin hub %%\r\n"
            "- [[Анна]]\r\n%% vaultpartner:end hub %%\r\n"
        ).encode()
    )
    assert (
        files["Люди/Анна.md"].decode().endswith("# Анна\n\n## Связанные темы\n\n- [[Рекрутинг]]\n")
    )
    assert files["Собеседования.md"].decode().startswith("# Собеседования\n")
    assert "Рекрутнг.md" not in files
    assert files["Карьера.md"].decode().endswith("## Связанные темы\n\n- [[Партнёрство]]\n")
    assert hubcmd.load_pairs(state) == result.pairs != set()
    again = hubcmd.plan_for_vault(
        session_for(root, state), app.load(session, use_cache=False), language="ru"
    )
    assert again.plan.empty


def test_pairs_file_round_trip_and_damage(tmp_path: Path) -> None:
    assert hubcmd.load_pairs(tmp_path) == set()
    hubcmd.save_pairs(tmp_path / "s", {("Б.md", "В.md"), ("А.md", "Б.md")})
    assert hubcmd.load_pairs(tmp_path / "s") == {("А.md", "Б.md"), ("Б.md", "В.md")}
    (tmp_path / "s" / hubcmd.PAIRS_FILE).write_text("{broken", encoding="utf-8")
    assert hubcmd.load_pairs(tmp_path / "s") == set()


def test_every_hub_message_key_renders_in_both_languages() -> None:
    from vaultpartner.findings import SEVERITY
    from vaultpartner.messages import has_message, message

    keys = [
        "hub-missing-member", "hub-stale-member", "hub-block-missing-marker", "hub-block-nested",
        "hub-block-duplicated", "hub-block-order", "hub-block-inline", "hub-block-edited",
        "hub-link-missing", "related-asymmetric", "related-removed", "related-removed-by-hand",
        "missing-topic", "missing-hub",
    ]  # fmt: skip
    values = dict.fromkeys(("hub", "member", "heading", "target", "other"), "x")
    for key in keys:
        assert has_message(key)
        assert message(key, "ru", **values)
        assert message(key, "en", **values)
    for code in ("hub-missing-member", "hub-block-damaged", "hub-link-missing",
                 "related-asymmetric", "missing-topic"):  # fmt: skip
        assert code in SEVERITY
    assert SEVERITY["missing-topic"] == "info"


def test_near_misses_of_missing_topics_are_kept_and_a_damaged_row_is_found_again(
    tmp_path: Path,
) -> None:
    import sqlite3

    from vaultpartner import auditrun
    from vaultpartner.cache import CACHE_FILE

    root = make_vault(tmp_path / "v", VAULT)
    state = tmp_path / "state"

    def findings(where: Path, *, cached: bool) -> object:
        result, _, _ = auditrun.run(session_for(root, where), use_cache=cached)
        return result.findings

    assert findings(state, cached=True) == findings(tmp_path / "p1", cached=False)
    with sqlite3.connect(session_for(root, state).state_dir / CACHE_FILE) as db:
        rows = dict(db.execute("SELECT key, value FROM results").fetchall())
        [kept] = [bytes(v) for k, v in rows.items() if k.startswith("topic-suggestions")]
        assert "рекрутнг" in kept.decode()  # the typo's near miss, searched once
        db.execute("UPDATE results SET value = ? WHERE key LIKE 'topic-%'", (b"[1,",))
    (root / "Карьера.md").write_text("# Карьера\n\nmore\n", encoding="utf-8")
    assert findings(state, cached=True) == findings(tmp_path / "p2", cached=False)
