"""Templates: vault overrides are untrusted (sandbox escapes, time and size budgets, symlinks),
values from notes are data (hostile names give safe files and safe frontmatter)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import frontmatter
import pytest
from conftest import make_vault, read_vault
from test_followups import CASES, TODAY, recruiter, run, toml

from vaultpartner import app, partnercmds
from vaultpartner.errors import VaultPartnerError
from vaultpartner.partners.names import MAX_STEM_BYTES
from vaultpartner.render import TemplateError, md_filter, render, sanitize, yaml_filter

MARKER = "/tmp/vaultpartner-pwned"  # the payloads try to create it
PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch " + MARKER + "').read() }}",
    "{{ joiner.__init__.__globals__.os.system('touch " + MARKER + "') }}",
    "{{ lipsum.__globals__['os'].popen('touch " + MARKER + "').read() }}",
    "{{ self.__init__.__globals__.__builtins__.__import__('os').system('touch " + MARKER + "') }}",
    "{{ ''|attr('__class__')|attr('__mro__') }}",
    "{% set f = 'x'|attr('format') %}{{ f('{0.__class__.__mro__}', '') }}",
    "{{ '{0.__class__}'.format_map({'0': ''}) }}",
    "{{ '{0.__globals__}'.format(cycler.__init__) }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ request.application.__globals__ }}",
    "{{ config.items() }}",
    "{{ 'a' * 100000000 }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% include '../../../../etc/passwd' %}",
    "{{ missing_variable }}",
]


def vault_with_template(tmp_path: Path, name: str, source: str) -> Path:
    files = dict(CASES["cadence-ru"])
    files[f"vaultpartner/templates/{name}"] = source
    return make_vault(tmp_path / "vault", files)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escape_payloads_fail_safely(tmp_path: Path, payload: str) -> None:
    if os.path.exists(MARKER):
        os.unlink(MARKER)
    root = vault_with_template(tmp_path, "followup.md.j2", "---\na: 1\n---\n" + payload + "\n")
    before = read_vault(root)
    started = time.monotonic()
    with pytest.raises(TemplateError, match=r"followup\.md\.j2"):
        run(root, tmp_path / "state")
    assert time.monotonic() - started < 30
    assert read_vault(root) == before  # nothing written, not even the digest
    assert not os.path.exists(MARKER)  # no command ran


def test_time_budget_stops_a_slow_template(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "digest.md.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    started = time.monotonic()
    with pytest.raises(TemplateError, match="longer than"):
        render("digest.md.j2", {}, language="en", vault_templates=folder, timeout=1.0)
    assert time.monotonic() - started < 10


def test_memory_budget_or_size_budget_stops_a_huge_output(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "digest.md.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}"
    )
    with pytest.raises(TemplateError, match=r"digest\.md\.j2"):
        render("digest.md.j2", {}, language="en", vault_templates=folder, timeout=2.0)


def test_symlinked_template_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, folder / "digest.md.j2")
    with pytest.raises(TemplateError, match="symlink"):
        render("digest.md.j2", {}, language="en", vault_templates=folder)


def test_vault_template_overrides_and_must_keep_the_keys(tmp_path: Path) -> None:
    good = (
        "---\ngenerated_by: vaultpartner\nvaultpartner: followup\nrecruiter: {{ recruiter.link"
        " | yaml }}\ndue: {{ due }}\nreasons: [{{ reason_codes | join(', ') }}]\nstatus: open\n"
        "created: {{ created }}\n---\nМой шаблон для {{ recruiter.name | md }}\n"
    )
    root = vault_with_template(tmp_path, "ru/followup.md.j2", good)
    run(root, tmp_path / "state")
    text = (root / "Follow-ups/2026-11-12 Анна Петрова.md").read_text()
    assert text.endswith("Мой шаблон для Анна Петрова\n")
    extra = good.replace("status: open\n", "status: open\nevil: true\n")
    root2 = vault_with_template(tmp_path / "2", "followup.md.j2", extra)
    with pytest.raises(TemplateError, match="extra: evil"):
        run(root2, tmp_path / "state2")
    templater = good.replace("Мой шаблон", "<% tp.system.prompt() %>")
    root3 = vault_with_template(tmp_path / "3", "followup.md.j2", templater)
    with pytest.raises(TemplateError, match="Templater"):
        run(root3, tmp_path / "state3")


def test_filters() -> None:
    assert sanitize("a\nb\r\nc\u2028d") == "a b c d"
    assert "{{" not in sanitize("{{{{x}}}}")
    assert "<%" not in sanitize("<<%%>>")
    assert yaml_filter('He said: "hi"\nevil: true') == '"He said: \\"hi\\" evil: true"'
    assert md_filter("[[Link|x]] #tag *b*") == "\\[\\[Link\\|x\\]\\] \\#tag \\*b\\*"
    assert md_filter("- item") == "\\- item"


HOSTILE = [
    "../../../.bashrc",
    "{{ 7*7 }} Анна",
    "<% tp.file.cursor() %> Иван",
    "Ольга\nevil: true\n---\n# injected",
    "Ж" * 300,
    "CON",
    "[[Чужая]] | #тег ^block",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_give_safe_files_and_frontmatter(tmp_path: Path, name: str) -> None:
    files = {
        "vaultpartner.toml": toml("ru"),
        "Рекрутер.md": recruiter(name, role=name),
    }
    root = make_vault(tmp_path / "vault", files)
    run(root, tmp_path / "state")
    created = [p for p in (root / "Follow-ups").iterdir() if p.name != "Digest.md"]
    assert len(created) == 1
    path = created[0]
    assert path.parent == root / "Follow-ups"
    assert len(path.name.removesuffix(".md").encode()) <= MAX_STEM_BYTES
    assert not path.name.startswith(".")
    assert not any(c in path.name for c in '*"\\/<>:|?#^[]\n')
    for note in (root / "Follow-ups").iterdir():
        text = note.read_text()
        for bad in ("{{", "<%", "%>"):
            assert bad not in text
        post = frontmatter.loads(text)
        assert "evil" not in post.metadata
        assert post.metadata["generated_by"] == "vaultpartner"
        assert "# injected" not in text.splitlines()
    followup = frontmatter.loads(path.read_text()).metadata
    assert set(followup) == {
        "generated_by",
        "vaultpartner",
        "recruiter",
        "due",
        "reasons",
        "status",
        "created",
    }
    assert followup["recruiter"] == "[[Рекрутер]]"


def test_new_recruiter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(
        tmp_path / "vault", {"vaultpartner.toml": toml("ru", 'recruiter_folder = "Рекрутеры"')}
    )
    session = app.open_session(root, state_override=tmp_path / "state")
    assert partnercmds.run_new_recruiter(session, "Анна {{x}} Петрова", today=TODAY) == 0
    [path] = list((root / "Рекрутеры").iterdir())
    post = frontmatter.loads(path.read_text())
    assert post.metadata["type"] == "recruiter"
    assert post.metadata["last_contact"] == TODAY
    assert post.metadata["status"] == "active"
    assert "{{" not in path.read_text()
    with pytest.raises(VaultPartnerError, match="already exists"):
        partnercmds.run_new_recruiter(session, "Анна {{x}} Петрова", today=TODAY)
    # the new note is a recruiter the planner understands
    assert run(root, tmp_path / "state", TODAY + dt.timedelta(days=120)) == 0
    assert any((root / "Follow-ups").glob("2027-*.md"))
