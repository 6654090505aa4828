"""Rendering generated notes from Jinja2 templates: the only jinja2 user.

Templates run in a SandboxedEnvironment with StrictUndefined (a missing value is an error,
never a blank) and no autoescaping (the output is Markdown, not HTML). Packaged templates live
in `templates/<language>/` and render in-process. A vault may override them with files of the
same name in its own templates folder; those are untrusted (reliability spec 4.1): they render
in a child process killed after `RENDER_TIMEOUT` seconds, with a size budget on templates,
on string/list repetition and on the output, and symlinked template files are refused.

Values from notes are data, never templates: `sanitize` strips what Templater or Jinja would
execute and line breaks that could inject frontmatter; the `yaml` and `md` filters quote a
value for frontmatter and escape it for body text.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from vaultpartner.errors import VaultPartnerError

MAX_OUTPUT_CHARS = 2_000_000
MAX_TEMPLATE_BYTES = 256 * 1024
RENDER_TIMEOUT = 5.0
_MIN_JINJA = (
    3,
    1,
    6,
)  # earlier releases have known sandbox escapes (CVE-2024-56326, CVE-2025-27516)
# What must never reach a generated note: Jinja and Templater delimiters (Templater executes
# `<% %>` in a new file), and characters YAML or Markdown treat as line breaks.
_EXECUTABLE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}|<%|%>")
_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u00a0\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
_MD_SPECIAL = re.compile(r"([\\\[\]|*_`<>~=$%#])")


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


# --- values ------------------------------------------------------------------------------


def sanitize(value: str) -> str:
    """One line of plain text safe to place in a template: nothing executable, no breaks."""
    text = _BREAKS.sub(" ", value)
    text = _CONTROL.sub(" ", text)
    while True:
        cleaned = _EXECUTABLE.sub(lambda m: m.group(0)[0] + " " + m.group(0)[1], text)
        if cleaned == text:
            break
        text = cleaned
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def yaml_filter(value: object) -> str:
    """A YAML double-quoted scalar (valid in YAML 1.1 and 1.2), on one line."""
    text = sanitize(str(value)) if not isinstance(value, bool | int | float) else str(value)
    return json.dumps(text, ensure_ascii=False)


def md_filter(value: object) -> str:
    """Inline Markdown text: no links, tags, emphasis, HTML, comments or math are created."""
    text = _MD_SPECIAL.sub(r"\\\1", sanitize(str(value)))
    if text.startswith(("-", "+")) or re.match(r"\d+[.)]", text):
        text = "\\" + text  # a list marker at the start of a line
    return text


# --- environment -------------------------------------------------------------------------


class _SafeLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses symlinks (anywhere below the search path) and huge files."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.searchpath:
            path = folder
            for piece in pieces:
                path = os.path.join(path, piece)
                try:
                    st = os.lstat(path)
                except OSError:
                    break
                if stat.S_ISLNK(st.st_mode):
                    raise TemplateError(f"template {template}: {path} is a symlink; refused")
            else:
                if not stat.S_ISREG(st.st_mode):
                    continue
                if st.st_size > MAX_TEMPLATE_BYTES:
                    raise TemplateError(
                        f"template {template} is larger than {MAX_TEMPLATE_BYTES} bytes"
                    )
                with open(path, encoding="utf-8") as handle:
                    source = handle.read()
                mtime = st.st_mtime
                return source, path, lambda p=path, m=mtime: os.path.getmtime(p) == m
        raise jinja2.TemplateNotFound(template)


class _BudgetedSandbox(SandboxedEnvironment):
    """The sandbox, plus a cap on `'x' * n`, `[..] * n` and `**` (it limits no resources)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(count, int)
                    and len(seq) * count > MAX_OUTPUT_CHARS
                ):
                    raise jinja2.exceptions.SecurityError("repetition exceeds the size budget")
        if operator == "**" and (abs(right) > 64 if isinstance(right, int | float) else True):
            raise jinja2.exceptions.SecurityError("power exceeds the budget")
        return super().call_binop(context, operator, left, right)


def make_environment(search_path: Sequence[Path]) -> SandboxedEnvironment:
    if _jinja_version() < _MIN_JINJA:
        raise TemplateError(
            f"Jinja2 {jinja2.__version__} is too old to run templates safely",
            hint="upgrade: pip install 'jinja2>=3.1.6'",
        )
    environment = _BudgetedSandbox(
        loader=_SafeLoader([str(path) for path in search_path], followlinks=False),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["yaml"] = yaml_filter
    environment.filters["md"] = md_filter
    return environment


def _render_here(search: Sequence[str], name: str, context: Mapping[str, object]) -> str:
    environment = make_environment([Path(path) for path in search])
    try:
        text = environment.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        missing = "" if exc.name == name else f": it includes {exc.name}, which"
        raise TemplateError(
            f"template {name}{missing} not found", hint=f"looked in {search}"
        ) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template {name}: {exc}", hint="fix the template") from exc
    except TemplateError:
        raise
    except Exception as exc:  # a sandboxed template can still raise e.g. ZeroDivisionError
        raise TemplateError(f"template {name}: {type(exc).__name__}: {exc}") from exc
    if len(text) > MAX_OUTPUT_CHARS:
        raise TemplateError(f"template {name} produced more than {MAX_OUTPUT_CHARS} characters")
    return text


def _child(
    conn: Connection, search: Sequence[str], name: str, context: Mapping[str, object]
) -> None:
    try:
        _limit_memory()
        conn.send(("ok", _render_here(search, name, context)))
    except TemplateError as exc:
        conn.send(("error", str(exc)))
    except BaseException as exc:  # MemoryError, RecursionError...: report, never hang
        conn.send(("error", f"template {name}: {type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _limit_memory() -> None:
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            used = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = used + 512 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):
        pass  # not Linux: the time budget still applies


def _render_in_child(
    search: Sequence[str], name: str, context: Mapping[str, object], timeout: float
) -> str:
    methods = multiprocessing.get_all_start_methods()
    mp: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    receiver, sender = mp.Pipe(duplex=False)
    process = mp.Process(target=_child, args=(sender, list(search), name, dict(context)))
    process.daemon = True
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise TemplateError(
                f"template {name} took longer than {timeout:g} s and was stopped",
                hint="simplify the template in the vault's templates folder",
            )
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise TemplateError(f"template {name}: the renderer stopped unexpectedly") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if status != "ok":
        raise TemplateError(str(payload), hint="fix the template in the vault's templates folder")
    return str(payload)


def vault_template(vault_templates: Path | None, name: str, language: str) -> Path | None:
    """The vault's own copy of a template, if it has one (language folder first)."""
    if vault_templates is None:
        return None
    for folder in (vault_templates / language, vault_templates):
        if os.path.lexists(folder / name):
            return folder
    return None


def render(
    name: str,
    context: Mapping[str, object],
    *,
    language: str,
    vault_templates: Path | None = None,
    timeout: float = RENDER_TIMEOUT,
) -> str:
    """Render templates/<language>/<name>, preferring the vault's own copy of it."""
    packaged = str(packaged_templates() / language)
    folder = vault_template(vault_templates, name, language)
    if folder is None:
        return _render_here([packaged], name, context)
    if os.path.islink(folder) or (vault_templates is not None and os.path.islink(vault_templates)):
        raise TemplateError(f"template {name}: the templates folder {folder} is a symlink; refused")
    text = _render_in_child([str(folder), packaged], name, context, timeout)
    check_output(f"{name} ({folder / name})", text)
    return text


def check_output(name: str, text: str) -> None:
    """Refuse generated text that Templater or a template engine would execute."""
    found = re.search(r"<%|%>|\{\{|\}\}", text)
    if found:
        raise TemplateError(
            f"template {name} writes {found.group(0)!r}, which Templater or a template engine "
            "would execute; refused",
            hint="remove {{ }} and <% %> from the template's output",
        )
