"""Reliability catalogue, section F: security (cases 64-74).

Most of this section is proven by tests/test_templates.py (sandbox escapes, time and size
budgets, symlinked templates, missing variables, hostile names and field injection),
tests/test_names.py (safe names) and tests/test_yamlfm.py (python tags); CATALOGUE.md names
them. This module adds what had no test of its own.

Case 74 note: the Jinja2 version is checked when a template environment is made, i.e. before
any template renders and before any note is written, not at process start: commands that
render nothing (audit, mv, watch without follow-ups) have no reason to refuse.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from tests.conftest import make_vault
from vaultpartner.render import TemplateError, render
from vaultpartner.writer import SafeWriter


# -- 66: an include that reaches outside through a symlink ------------------------------------
def test_66_include_of_a_symlinked_partial_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret\n", encoding="utf-8")
    folder = tmp_path / "vault/templates"
    folder.mkdir(parents=True)
    (folder / "digest.md.j2").write_text("{% include 'part.j2' %}\n", encoding="utf-8")
    os.symlink(secret, folder / "part.j2")
    with pytest.raises(TemplateError, match="symlink"):
        render("digest.md.j2", {}, language="en", vault_templates=folder)


def test_66_a_symlinked_templates_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "digest.md.j2").write_text("hello\n", encoding="utf-8")
    os.symlink(real, tmp_path / "templates")
    with pytest.raises(TemplateError, match="symlink"):
        render("digest.md.j2", {}, language="en", vault_templates=tmp_path / "templates")


# -- 69: paths built from fields never leave the vault ----------------------------------------
@pytest.mark.parametrize(
    "rel",
    [
        "../../.bashrc",
        "/etc/passwd",
        "notes/escape/pwn.md",
        "C:\\x.md",
        "\\\\server\\share\\x.md",
        "notes/../../x.md",
    ],
)
def test_69_creation_outside_the_vault_is_refused(tmp_path: Path, rel: str) -> None:
    root = make_vault(tmp_path / "vault", {"notes/a.md": "a\n"})
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "notes/escape").symlink_to(outside)
    result = SafeWriter(root).create(rel, b"pwned\n")
    assert result.status == "refused"
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "x.md").exists()


# -- 74: Jinja2 version gate ------------------------------------------------------------------
@pytest.mark.parametrize("version", ["3.1.5", "3.0.3", "2.11.3"])
def test_74_an_old_jinja2_is_refused_before_anything_renders(
    monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    monkeypatch.setattr(jinja2, "__version__", version)
    with pytest.raises(TemplateError, match=r"too old.*safely"):
        render("digest.md.j2", {}, language="en")


def test_74_the_installed_jinja2_passes_the_gate() -> None:
    parts = tuple(int(p) for p in jinja2.__version__.split(".")[:3] if p.isdigit())
    assert parts >= (3, 1, 6)
