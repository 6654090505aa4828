"""Terminal output: the only rich user (colours, the findings table, progress bars).

rich is imported only when something is drawn with it: a command whose output goes to a file
or a pipe as JSON never pays for it (a fifth of the start-up of a small audit).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from vaultpartner.findings import Finding
from vaultpartner.messages import Language

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_SUMMARY: dict[Language, str] = {
    "en": "errors: {errors}, warnings: {warnings}, info: {info} — notes: {notes}, links: {links}",
    "ru": "ошибок: {errors}, предупреждений: {warnings}, замечаний: {info} — заметок: {notes}, "
    "ссылок: {links}",
}


if TYPE_CHECKING:
    from rich.console import Console


def make_console(stream: TextIO | None = None) -> Console:
    from rich.console import Console

    return Console(file=stream or sys.stdout, highlight=False, soft_wrap=True)


def escape(text: str) -> str:
    """`text` with rich markup made literal."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def render_findings(
    findings: Sequence[Finding], stats: dict[str, int], *, language: Language, stream: TextIO
) -> None:
    """Findings grouped by note, one aligned row each, then a one-line summary."""
    console = make_console(stream)
    current = None
    code_width = max((len(f.code) for f in findings), default=0)
    for finding in findings:
        if finding.path != current:
            if current is not None:
                console.print()
            console.print(f"[bold]{escape(finding.path)}[/bold]")
            current = finding.path
        where = f"{finding.line}:{finding.column}" if finding.line else "-"
        style = _STYLE[finding.severity]
        console.print(
            f"  {where:>8}  [{style}]{finding.severity:<7}[/{style}]  "
            f"{finding.code:<{code_width}}  {escape(finding.message)}"
        )
    if findings:
        console.print()
    console.print(_SUMMARY[language].format(**stats))


def print_error(text: str) -> None:
    make_console(sys.stderr).print(f"[bold red]error:[/bold red] {escape(text)}")


def print_warning(text: str) -> None:
    make_console(sys.stderr).print(f"[yellow]warning:[/yellow] {escape(text)}")


def print_lines(lines: Sequence[str], *, stream: TextIO | None = None) -> None:
    """Plain lines, written as they are (no markup): a thousand of them stay instant."""
    out = stream or sys.stdout
    out.write("".join(f"{line}\n" for line in lines))
    out.flush()


@contextmanager
def progress_bar(label: str, *, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for long work; yields None when disabled (not a terminal)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    # Redrawn at each update, not by a thread of its own: a process with a second thread
    # cannot fork the audit's helper (see vaultpartner.offload), nor fork parsers safely.
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
        auto_refresh=False,
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, refresh=True)

        yield update
