"""vaultpartner.toml loading, validation, rendering and Obsidian settings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from vaultpartner.config import (
    CONFIG_FILE_NAME,
    DEFAULT_CONFIG,
    Config,
    LoadedConfig,
    default_config_text,
    effective_settings,
    load_config,
)
from vaultpartner.config_schema import SECTIONS, SETTINGS, Duration, parse_duration
from vaultpartner.errors import ConfigError
from vaultpartner.obsidian_settings import ObsidianSettings, read_obsidian_settings


def write_toml(vault: Path, text: str) -> Path:
    path = vault / CONFIG_FILE_NAME
    path.write_text(text, encoding="utf-8")
    return path


def load_error(vault: Path, text: str) -> ConfigError:
    write_toml(vault, text)
    with pytest.raises(ConfigError) as info:
        load_config(vault)
    return info.value


def test_defaults_without_toml(tmp_path: Path) -> None:
    loaded = load_config(tmp_path)
    assert loaded.config == DEFAULT_CONFIG
    assert loaded.path is None
    assert set(loaded.sources.values()) == {"default"}
    assert len(loaded.sources) == len(SETTINGS)
    config = loaded.config
    assert (config.language, config.exclude) == ("auto", ())
    assert (config.audit.fail_on, config.audit.suggestion_cutoff) == ("error", 72)
    assert config.audit.max_note_bytes == 16_777_216
    assert (config.links.fix_aliases, config.links.fix_case) == (True, False)
    assert config.partners.search_mode == "passive"
    assert (config.partners.active_cadence, config.partners.passive_cadence) == ("3w", "3mo")
    assert dict(config.partners.tag_cadences) == {}
    assert config.partners.followup_name == "{date} {name}"
    assert config.watch.quiet_seconds == 1.0
    assert isinstance(config.watch.max_wait_seconds, float)


def test_every_source_label(tmp_path: Path) -> None:
    path = write_toml(tmp_path, '[audit]\nfail_on = "warning"\nsuggestion_cutoff = 60\n')
    loaded = load_config(tmp_path, overrides={"audit.fail_on": "never", "language": None})
    assert loaded.path == path
    assert loaded.config.audit.fail_on == "never"
    assert loaded.config.audit.suggestion_cutoff == 60
    assert loaded.sources["audit.fail_on"] == "command line"
    assert loaded.sources["audit.suggestion_cutoff"] == "vaultpartner.toml"
    assert loaded.sources["language"] == "default"


def test_sections_as_dotted_keys_and_inline_tables(tmp_path: Path) -> None:
    write_toml(
        tmp_path,
        "links.fix_case = true\n[partners]\n"
        'tag_cadences = { hot = "1 week", "#холодный" = "6mo" }\n'
        "[watch]\nquiet_seconds = 2\n",
    )
    config = load_config(tmp_path).config
    assert config.links.fix_case is True
    assert dict(config.partners.tag_cadences) == {"hot": "1w", "холодный": "6mo"}
    assert config.watch.quiet_seconds == 2.0
    assert isinstance(config.watch.quiet_seconds, float)


def test_unknown_key_message(tmp_path: Path) -> None:
    path = write_toml(tmp_path, '[audit]\norphans = false\nfail_onn = "warning"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    error = info.value
    assert error.path == str(path)
    assert error.line == 3
    assert str(error) == (
        f'{path}:3: unknown key "fail_onn" in [audit] (did you mean "fail_on"? '
        "valid keys in [audit]: fail_on, orphans, suggestion_cutoff, max_note_bytes)"
    )


def test_unknown_top_level_key_and_section(tmp_path: Path) -> None:
    error = load_error(tmp_path, 'langauge = "ru"\n')
    assert error.message == 'unknown key "langauge"'
    assert error.hint is not None
    assert error.hint.startswith('did you mean "language"? valid top-level keys: language, ')
    assert "[partners]" in error.hint

    error = load_error(tmp_path, '\n[partner]\nsearch_mode = "active"\n')
    assert error.message == "unknown section [partner]"
    assert error.line == 2
    assert error.hint is not None
    assert error.hint.startswith("did you mean [partners]?")


def test_no_suggestion_when_nothing_is_close(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[watch]\nzzzz = 1\n")
    assert error.hint == (
        "valid keys in [watch]: quiet_seconds, max_wait_seconds, edit_grace_seconds, "
        "reconcile_minutes, defer_open_notes"
    )


def test_unknown_override(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match='unknown key "suggestion_cutof" in \\[audit\\]') as info:
        load_config(tmp_path, overrides={"audit.suggestion_cutof": 3})
    assert info.value.path is None
    assert 'did you mean "suggestion_cutoff"' in str(info.value)


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    path = write_toml(tmp_path, '[audit]\nfail_on = "error"\norphans = yes\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.path == str(path)
    assert info.value.line == 3
    assert info.value.message.startswith("invalid TOML: ")
    assert "(at line" not in info.value.message
    assert info.value.hint


def test_toml_error_at_end_of_document_has_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[audit]\norphans = [\n")
    assert error.line == 2  # the last line of the file
    assert error.message.startswith("invalid TOML: ")


@pytest.mark.parametrize(
    ("text", "key", "line", "found"),
    [
        ("[audit]\n\nsuggestion_cutoff = true\n", "audit.suggestion_cutoff", 3, "found true"),
        ("[audit]\nsuggestion_cutoff = 101\n", "audit.suggestion_cutoff", 2, "from 0 to 100"),
        ("[audit]\nmax_note_bytes = 0\n", "audit.max_note_bytes", 2, "> 0"),
        ("[audit]\norphans = 1\n", "audit.orphans", 2, "true or false, found 1"),
        ('language = "de"\n', "language", 1, 'one of "auto", "ru", "en", found "de"'),
        ("[watch]\nquiet_seconds = true\n", "watch.quiet_seconds", 2, "found true"),
        ("[watch]\nquiet_seconds = 0\n", "watch.quiet_seconds", 2, "a number > 0"),
        ("[partners]\nmax_new_notes = -1\n", "partners.max_new_notes", 2, ">= 0"),
        ("[partners]\nmax_new_notes = 2.0\n", "partners.max_new_notes", 2, "found 2.0"),
        ("[partners]\nreciprocity_window = 0\n", "partners.reciprocity_window", 2, ">= 1"),
        ('[partners]\nrecruiter_tag = ["a"]\n', "partners.recruiter_tag", 2, "a string"),
        ('exclude = "Archive"\n', "exclude", 1, 'found "Archive"'),
        ("exclude = [1]\n", "exclude", 1, "1 is not a string"),
        ('[partners]\nactive_cadence = "3 fortnights"\n', "partners.active_cadence", 2, "mo"),
        ('[partners.tag_cadences]\nhot = "soon"\n', "partners.tag_cadences.hot", 2, '"soon"'),
        ('[partners]\ntag_cadences = { "#горячий" = 5 }\n', "partners.tag_cadences", 2, "found 5"),
        ("audit = 3\n", "[audit]", 1, "must be a table"),
    ],
)
def test_type_errors(tmp_path: Path, text: str, key: str, line: int, found: str) -> None:
    error = load_error(tmp_path, text)
    assert error.message.startswith(key)
    assert found in error.message
    assert error.line == line


def test_bare_m_cadence_rejected(tmp_path: Path) -> None:
    error = load_error(tmp_path, '[partners]\n\npassive_cadence = "3m"\n')
    assert error.line == 3
    assert "partners.passive_cadence" in error.message
    assert 'use "mo" for months' in error.message
    assert '"3mo"' in error.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", Duration(3, "d")),
        ("2 weeks", Duration(2, "w")),
        ("1 week", Duration(1, "w")),
        ("6mo", Duration(6, "mo")),
        ("3 months", Duration(3, "mo")),
        ("1y", Duration(1, "y")),
        ("2 years", Duration(2, "y")),
        ("10 days", Duration(10, "d")),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["3m", "3", "w", "0w", "3h", "3 minutes", "-1d", "1.5w"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|ambiguous|at least"):
        parse_duration(text)


def test_override_strings_are_parsed(tmp_path: Path) -> None:
    loaded = load_config(
        tmp_path,
        overrides={
            "audit.suggestion_cutoff": "65",
            "audit.orphans": "false",
            "exclude": '["Archive/"]',
            "partners.recruiter_tag": "42",
        },
    )
    assert loaded.config.audit.suggestion_cutoff == 65
    assert loaded.config.audit.orphans is False
    assert loaded.config.exclude == ("Archive/",)
    assert loaded.config.partners.recruiter_tag == "42"
    with pytest.raises(ConfigError, match=r"audit\.orphans \(command line\): expected true or"):
        load_config(tmp_path, overrides={"audit.orphans": "maybe"})


@pytest.mark.parametrize("language", ["ru", "en"])
def test_default_config_text_loads_back(tmp_path: Path, language: str) -> None:
    text = default_config_text(language)
    write_toml(tmp_path, text)
    loaded = load_config(tmp_path)
    assert loaded.config == DEFAULT_CONFIG
    assert set(loaded.sources.values()) == {"default"}
    for setting in SETTINGS:
        assert setting.description(language) in text
        assert f"# {setting.name} = " in text


def test_default_config_text_languages_differ_and_uncomment() -> None:
    ru, en = default_config_text("ru"), default_config_text("en")
    assert "Язык интерфейса" in ru
    assert "Interface language" in en
    assert "Язык" not in en
    uncommented = re.sub(r"(?m)^# (\w+ = )", r"\1", en)
    data = tomllib.loads(uncommented)
    assert data["audit"]["suggestion_cutoff"] == 72
    assert data["partners"]["tag_cadences"] == {}
    assert len(data) - len(SECTIONS) + sum(len(data[s]) for s in SECTIONS) == len(SETTINGS)
    with pytest.raises(ValueError, match="language"):
        default_config_text("de")


def test_effective_settings(tmp_path: Path) -> None:
    write_toml(tmp_path, 'exclude = ["Архив/"]\n[partners]\ntag_cadences = { "горячий" = "1w" }\n')
    loaded = load_config(tmp_path, overrides={"watch.quiet_seconds": 2.5})
    rows = {key: (value, source) for key, value, source in effective_settings(loaded)}
    assert [row[0] for row in effective_settings(loaded)] == [s.key for s in SETTINGS]
    assert rows["exclude"] == ('["Архив/"]', "vaultpartner.toml")
    assert rows["partners.tag_cadences"] == ('{ "горячий" = "1w" }', "vaultpartner.toml")
    assert rows["watch.quiet_seconds"] == ("2.5", "command line")
    assert rows["language"] == ('"auto"', "default")
    assert rows["audit.orphans"] == ("true", "default")
    document = "\n".join(f"{key.replace('.', '_')} = {value}" for key, (value, _) in rows.items())
    assert tomllib.loads(document)["partners_tag_cadences"] == {"горячий": "1w"}


def exclusions(*patterns: str) -> Config:
    vault_loaded: LoadedConfig = load_config(Path("/nonexistent"), overrides={"exclude": patterns})
    return vault_loaded.config


def test_is_excluded_folder_patterns() -> None:
    config = exclusions("Archive/", "Templates", "./Личное/")
    assert config.is_excluded("Archive")
    assert config.is_excluded("Archive/old.md")
    assert config.is_excluded("Archive/2023/deep/note.md")
    assert config.is_excluded("Templates/Recruiter.md")
    assert config.is_excluded("Личное/Дневник.md")
    assert not config.is_excluded("Archived.md")
    assert not config.is_excluded("Notes/Archive.md")
    assert not config.is_excluded("Notes/Archive/x.md")
    assert not config.is_excluded("Личное.md")


def test_is_excluded_globs() -> None:
    config = exclusions("*.excalidraw.md", "Рекрутеры/Архив*", "**/черновики/", "Daily/202?-*")
    assert config.is_excluded("drawing.excalidraw.md")
    assert config.is_excluded("a/b/drawing.excalidraw.md")  # fnmatch "*" crosses "/"
    assert config.is_excluded("Рекрутеры/Архив 2023/Иван Петров.md")
    assert config.is_excluded("Рекрутеры/Архивные.md")
    assert not config.is_excluded("Рекрутеры/Иван Петров.md")
    assert config.is_excluded("черновики/x.md")
    assert config.is_excluded("Проекты/черновики/x.md")
    assert config.is_excluded("Daily/2024-01-01.md")
    assert not config.is_excluded("Daily/1999-01-01.md")
    assert not config.is_excluded("drawing.md")


def test_is_excluded_normalises_unicode() -> None:
    decomposed = "Архив/Йошкар-Ола.md".replace("Й", "И\u0306")
    assert exclusions("Архив/Йошкар*").is_excluded(decomposed)
    assert not DEFAULT_CONFIG.is_excluded("anything.md")


def test_obsidian_settings_defaults(tmp_path: Path) -> None:
    settings, warnings = read_obsidian_settings(tmp_path)
    assert settings == ObsidianSettings()
    assert warnings == []
    assert settings.new_link_format == "shortest"
    assert settings.use_markdown_links is False
    assert settings.always_update_links is False
    assert settings.tasks_format == "tasksPluginEmoji"
    assert settings.tasks_global_filter == ""
    assert settings.tasks_set_created_date is False
    assert settings.template_folders == ()


def test_obsidian_settings_parsing(tmp_path: Path) -> None:
    obsidian = tmp_path / ".obsidian"
    (obsidian / "plugins" / "templater-obsidian").mkdir(parents=True)
    (obsidian / "plugins" / "obsidian-tasks-plugin").mkdir(parents=True)
    (obsidian / "app.json").write_text(
        '{"newLinkFormat": "relative", "useMarkdownLinks": true, "alwaysUpdateLinks": true}'
    )
    (obsidian / "templates.json").write_text('{"folder": "/Шаблоны/"}', encoding="utf-8")
    (obsidian / "plugins/templater-obsidian/data.json").write_text(
        '{"templates_folder": "Meta/Templater"}'
    )
    (obsidian / "plugins/obsidian-tasks-plugin/data.json").write_text(
        '{"taskFormat": "dataview", "globalFilter": "#task", "setCreatedDate": true}'
    )
    settings, warnings = read_obsidian_settings(tmp_path)
    assert warnings == []
    assert settings.new_link_format == "relative"
    assert settings.use_markdown_links is True
    assert settings.always_update_links is True
    assert settings.template_folders == ("Шаблоны", "Meta/Templater")
    assert (settings.tasks_format, settings.tasks_global_filter) == ("dataview", "#task")
    assert settings.tasks_set_created_date is True


def test_obsidian_settings_custom_folder_and_nfc(tmp_path: Path) -> None:
    (tmp_path / ".obsidian-mobile").mkdir()
    decomposed = "Шаблоны/Й".replace("Й", "И\u0306")
    (tmp_path / ".obsidian-mobile" / "templates.json").write_text(
        f'{{"folder": "{decomposed}/"}}', encoding="utf-8"
    )
    settings, _ = read_obsidian_settings(tmp_path, config_folder=".obsidian-mobile")
    assert settings.template_folders == ("Шаблоны/Й",)
    assert settings.config_folder == ".obsidian-mobile"


def test_obsidian_settings_broken_app_json(tmp_path: Path) -> None:
    obsidian = tmp_path / ".obsidian"
    obsidian.mkdir()
    (obsidian / "app.json").write_text('{"newLinkFormat": "relative",')
    (obsidian / "templates.json").write_text('{"folder": "Templates"}')
    settings, warnings = read_obsidian_settings(tmp_path)
    assert settings.new_link_format == "shortest"
    assert settings.template_folders == ("Templates",)
    assert len(warnings) == 1
    assert warnings[0].startswith(".obsidian/app.json: not valid JSON")


def test_obsidian_settings_wrong_values_warn(tmp_path: Path) -> None:
    obsidian = tmp_path / ".obsidian"
    obsidian.mkdir()
    (obsidian / "app.json").write_text('{"newLinkFormat": "weird", "useMarkdownLinks": "yes"}')
    (obsidian / "templates.json").write_text("[1, 2]")
    settings, warnings = read_obsidian_settings(tmp_path)
    assert settings == ObsidianSettings()
    assert len(warnings) == 3
    assert any("newLinkFormat" in w for w in warnings)
    assert any("useMarkdownLinks" in w for w in warnings)
    assert any(w.startswith(".obsidian/templates.json: expected a JSON object") for w in warnings)
