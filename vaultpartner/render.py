"""Rendering generated notes from Jinja2 templates: the only jinja2 user.

Templates run in a SandboxedEnvironment with StrictUndefined (a missing value is an error,
never a blank) and no autoescaping (the output is Markdown, not HTML). Packaged templates live
in `templates/<language>/`; a vault may override them with files of the same name in its own
templates folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from vaultpartner.errors import VaultPartnerError

MAX_OUTPUT_CHARS = 2_000_000
_MIN_JINJA = (
    3,
    1,
    6,
)  # earlier releases have known sandbox escapes (CVE-2024-56326, CVE-2025-27516)


class TemplateError(VaultPartnerError):
    """A template failed to load or render; nothing is written."""


def _jinja_version() -> tuple[int, ...]:
    parts = []
    for piece in jinja2.__version__.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def packaged_templates() -> Path:
    """The templates shipped in the wheel, or the source checkout's top-level folder."""
    installed = Path(str(resources.files("vaultpartner"))) / "templates"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "templates"


def make_environment(search_path: Sequence[Path]) -> SandboxedEnvironment:
    if _jinja_version() < _MIN_JINJA:
        raise TemplateError(
            f"Jinja2 {jinja2.__version__} is too old to run templates safely",
            hint="upgrade: pip install 'jinja2>=3.1.6'",
        )
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(path) for path in search_path], followlinks=False),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    name: str,
    context: Mapping[str, object],
    *,
    language: str,
    vault_templates: Path | None = None,
) -> str:
    """Render templates/<language>/<name>, preferring the vault's own copy of it."""
    search: list[Path] = []
    if vault_templates is not None:
        search += [vault_templates / language, vault_templates]
    search.append(packaged_templates() / language)
    environment = make_environment([path for path in search if path.is_dir()])
    try:
        template = environment.get_template(name)
        text = template.render(**context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name} not found", hint=f"looked in {search}") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template {name}: {exc}", hint="fix the template") from exc
    if len(text) > MAX_OUTPUT_CHARS:
        raise TemplateError(f"template {name} produced more than {MAX_OUTPUT_CHARS} characters")
    return text
