"""The command line: the only click user. Commands are thin; exit codes are decided here.

Exit codes: 0 success; 1 findings at or above --fail-on, files skipped, or changes pending under
--dry-run; 2 usage, config or vault error; 3 the vault is locked by another writer; 130 interrupted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from functools import partial, wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from vaultpartner import __version__, app
from vaultpartner.config import CONFIG_FILE_NAME, default_config_text, effective_settings
from vaultpartner.console import (
    print_error,
    print_lines,
    print_warning,
    progress_bar,
    render_findings,
)
from vaultpartner.digest import content_hash
from vaultpartner.errors import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    VaultPartnerError,
)
from vaultpartner.findings import at_or_above
from vaultpartner.messages import detect_language
from vaultpartner.paths import nfc
from vaultpartner.state import ensure_vault_state_dir
from vaultpartner.writer import SafeWriter

P = ParamSpec("P")
R = TypeVar("R")
PROGRESS_MIN_NOTES = 1000


def _handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """User mistakes become one clear line and an exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except VaultPartnerError as exc:
            print_error(str(exc))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            print_error("interrupted")
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="vaultpartner")
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="VAULTPARTNER_STATE_DIR",
    help="Where vaultpartner keeps cache, journal, lock and logs (default: the per-user state folder).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, state_dir: Path | None, verbose: int) -> None:
    """Keep an Obsidian vault of recruiter partnerships healthy.

    \b
    Examples:
      vaultpartner demo                     copy the sample vault here and audit it
      vaultpartner audit ~/Vault            broken, ambiguous and alias links, bad frontmatter
      vaultpartner audit ~/Vault --format json --output audit.json
      vaultpartner fix ~/Vault --dry-run    repair links broken by renames outside Obsidian
      vaultpartner mv ~/Vault Old.md New.md rename and rewrite the links, as Obsidian would
      vaultpartner followups ~/Vault        write follow-up notes for recruiters who are due
      vaultpartner watch ~/Vault            keep it all current in the background
      vaultpartner init ~/Vault             write a commented vaultpartner.toml
      vaultpartner config ~/Vault           show the effective settings and where they come from
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    ctx.obj = {"state_dir": state_dir}


def _state_dir(ctx: click.Context) -> Path | None:
    state: Path | None = ctx.obj.get("state_dir") if ctx.obj else None
    return state


VAULT = click.argument("vault", type=click.Path(path_type=Path))
DATE = click.DateTime(formats=["%Y-%m-%d"])


@main.command()
@VAULT
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text: a table for people; json: the documented schema; markdown: a report note.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to FILE instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    help="Exit 1 when a finding of this severity or worse exists [config: audit.fail_on, default error].",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Leave matching paths out of the findings (repeatable).",
)
@click.option(
    "--language",
    type=click.Choice(["auto", "ru", "en"]),
    help="Language of messages [config: language].",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    help="Parallel processes: parsers, and the checks' helper (default: CPU count; 1: none).",
)
@click.option(
    "--no-cache", is_flag=True, help="Parse every note; neither read nor update the note cache."
)
@click.option("--today", type=DATE, help="Also report overdue follow-ups (info) as of DATE.")
@click.pass_context
@_handle_errors
def audit(
    ctx: click.Context,
    vault: Path,
    output_format: str,
    output: Path | None,
    fail_on: str | None,
    exclude: tuple[str, ...],
    language: str | None,
    jobs: int | None,
    no_cache: bool,
    today: dt.datetime | None,
) -> None:
    """Report broken, ambiguous and alias links, bad frontmatter and unreadable files.

    Links are resolved exactly as Obsidian resolves them. Nothing in the vault is changed
    (unless --output points into it).

    \b
    Examples:
      vaultpartner audit ~/Vault
      vaultpartner audit ~/Vault --fail-on warning      # exit 1 on warnings too (CI, git hooks)
      vaultpartner audit ~/Vault --format markdown -o ~/Vault/Audit.md
      vaultpartner audit ~/Vault --exclude 'Archive/**' --language en
    """
    session = app.open_session(
        vault,
        overrides={"audit.fail_on": fail_on, "language": language},
        extra_excludes=exclude,
        state_override=_state_dir(ctx),
    )
    for warning in session.warnings:
        print_warning(warning)
    code = _run_audit(
        session,
        output_format=output_format,
        output=output,
        jobs=jobs,
        use_cache=not no_cache,
        today=today.date() if today else None,
        snapshot=True,  # in the state folder only
    )
    sys.exit(code)


def _run_audit(
    session: app.Session,
    *,
    output_format: str,
    output: Path | None,
    jobs: int | None,
    use_cache: bool = True,
    today: dt.date | None = None,
    snapshot: bool = False,
) -> int:
    """Audit and print; the exit code. `snapshot`: also record the index snapshot (when the
    vault had to be read: an answer from the result cache means nothing changed since)."""
    interactive = sys.stderr.isatty()
    from vaultpartner import auditrun
    from vaultpartner.report import json_chunks, to_markdown

    record = None
    if snapshot:
        from vaultpartner.snaprecord import record_snapshot

        record = partial(record_snapshot, session)
    with progress_bar("reading notes", enabled=interactive) as progress:
        result, language, _loaded = auditrun.run(
            session,
            jobs=jobs,
            progress=_progress_over(progress, PROGRESS_MIN_NOTES),
            use_cache=use_cache,
            today=today,
            snapshot=record,
        )
    vault_name = str(session.root)
    if output_format == "json":
        _emit(session, json_chunks(vault_name, result.stats, result.findings), output)
    elif output_format == "markdown":
        created = (today or dt.date.today()).isoformat()
        text = to_markdown(
            vault_name, result.stats, result.findings, language=language, today=created
        )
        _emit(session, text, output)
    elif output is not None:
        with open(output, "w", encoding="utf-8") as stream:
            render_findings(result.findings, result.stats, language=language, stream=stream)
    else:
        render_findings(result.findings, result.stats, language=language, stream=sys.stdout)
    threshold = session.config.audit.fail_on
    if threshold != "never" and any(at_or_above(f.severity, threshold) for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _progress_over(
    progress: Callable[[int, int], None] | None, minimum: int
) -> Callable[[int, int], None] | None:
    if progress is None:
        return None

    def update(done: int, total: int) -> None:
        if total >= minimum:
            progress(done, total)

    return update


def _emit(session: app.Session, text: str | Iterable[str], output: Path | None) -> None:
    """Print, or write a file; a file inside the vault goes through the safe writer.

    `text` may come in pieces: written as they come, unless the safe writer needs it whole."""
    pieces = [text] if isinstance(text, str) else text
    if output is None:
        sys.stdout.writelines(pieces)
        return
    rel = _vault_relative(session.root, output)
    if rel is None:
        with open(output, "w", encoding="utf-8") as stream:
            stream.writelines(pieces)
        return
    writer = SafeWriter(session.root)
    data = "".join(pieces).encode("utf-8")
    if output.exists():
        result = writer.write(rel, data, expected_hash=content_hash(output.read_bytes()))
    else:
        result = writer.create(rel, data)
    if result.status in ("refused", "error", "conflict"):
        raise VaultPartnerError(result.message, path=rel)


def _vault_relative(root: Path, path: Path) -> str | None:
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path.parent)) / path.name
    try:
        return nfc(real.relative_to(real_root).as_posix())
    except ValueError:
        return None


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--language", type=click.Choice(["auto", "ru", "en"]), help="Language of messages.")
@click.pass_context
@_handle_errors
def demo(ctx: click.Context, directory: Path | None, language: str | None) -> None:
    """Copy the bundled sample vault to DIRECTORY and audit it.

    DIRECTORY defaults to a new folder `vaultpartner-demo` in the current folder; an existing
    folder is never overwritten. Exits 0 when the demo ran, whatever it found.

    \b
    Examples:
      vaultpartner demo
      vaultpartner demo /tmp/my-demo
    """
    target = directory if directory is not None else _fresh_folder(Path.cwd() / "vaultpartner-demo")
    if target.exists() and any(target.iterdir()):
        raise VaultPartnerError(
            "folder exists and is not empty",
            path=str(target),
            hint="choose a new folder; the demo never overwrites",
        )
    _copy_sample_vault(target)
    click.echo(f"Sample vault copied to {target}\n")
    session = app.open_session(
        target, overrides={"language": language}, state_override=_state_dir(ctx)
    )
    _run_audit(session, output_format="text", output=None, jobs=None)
    click.echo()
    from vaultpartner import partnercmds

    partnercmds.run_demo_followups(session, dt.date.today())
    click.echo(
        f"\nOpen {target} in Obsidian, or run: vaultpartner audit {target} --format markdown"
    )
    sys.exit(EXIT_OK)


def _fresh_folder(base: Path) -> Path:
    candidate, number = base, 2
    while candidate.exists():
        candidate = base.with_name(f"{base.name}-{number}")
        number += 1
    return candidate


def _copy_sample_vault(target: Path) -> None:
    from importlib import resources

    source = resources.files("vaultpartner") / "sample_vault"
    with resources.as_file(source) as folder:
        shutil.copytree(folder, target, dirs_exist_ok=True)


@main.command()
@VAULT
@click.option(
    "--language",
    type=click.Choice(["ru", "en"]),
    help="Language of the comments (default: detected).",
)
@_handle_errors
def init(vault: Path, language: str | None) -> None:
    """Write a commented default vaultpartner.toml at the vault root.

    Every setting is listed with its default, commented out; uncomment what you change.
    An existing vaultpartner.toml is never overwritten.

    \b
    Example:
      vaultpartner init ~/Vault --language ru
    """
    app.open_session(vault)  # validates the folder and any existing config
    chosen = language or detect_language([p.stem for p in vault.glob("**/*.md")][:2000])
    result = SafeWriter(vault).create(CONFIG_FILE_NAME, default_config_text(chosen).encode("utf-8"))
    if result.status != "created":
        raise VaultPartnerError(
            result.message, path=CONFIG_FILE_NAME, hint="edit the existing file instead"
        )
    click.echo(f"wrote {vault / CONFIG_FILE_NAME}")


@main.command("config")
@VAULT
@click.pass_context
@_handle_errors
def config_command(ctx: click.Context, vault: Path) -> None:
    """Print the effective settings and where each one comes from.

    \b
    Example:
      vaultpartner config ~/Vault
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    for warning in session.warnings:
        print_warning(warning)
    rows = effective_settings(session.loaded)
    obsidian = session.obsidian
    folder = f"{obsidian.config_folder}/app.json"
    rows += [
        ("obsidian.newLinkFormat", obsidian.new_link_format, folder),
        ("obsidian.useMarkdownLinks", str(obsidian.use_markdown_links).lower(), folder),
        ("obsidian.alwaysUpdateLinks", str(obsidian.always_update_links).lower(), folder),
        (
            "obsidian.template_folders",
            ", ".join(obsidian.template_folders) or "-",
            obsidian.config_folder,
        ),
        ("state_dir", str(session.state_dir), "--state-dir" if _state_dir(ctx) else "default"),
    ]
    width = max(len(key) for key, _, _ in rows)
    value_width = min(48, max(len(value) for _, value, _ in rows))
    print_lines(
        [f"{key:<{width}}  {value:<{value_width}}  # {source}" for key, value, source in rows]
    )


@main.command()
@VAULT
@click.argument("old")
@click.argument("new")
@click.option(
    "--dry-run", is_flag=True, help="Show the move and the link rewrites as diffs; change nothing."
)
@click.pass_context
@_handle_errors
def mv(ctx: click.Context, vault: Path, old: str, new: str, dry_run: bool) -> None:
    """Move or rename a note, attachment or folder, and rewrite the links to it.

    OLD and NEW are paths inside VAULT (vault-relative or absolute); NEW is the full new
    path and `.md` is never added. Only links whose target would change are rewritten, in the
    vault's "New link format" (.obsidian/app.json), exactly as Obsidian would.

    \b
    Examples:
      vaultpartner mv ~/Vault "Рекрутеры/Анна.md" "Рекрутеры/Анна Петрова.md"
      vaultpartner mv ~/Vault Компании Организации          # a whole folder
      vaultpartner mv ~/Vault Old.md New.md --dry-run        # diffs only
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    command = f"mv {old} {new}"
    from vaultpartner import linkcmds

    sys.exit(linkcmds.run_mv(session, old, new, dry_run=dry_run, command=command))


@main.command()
@VAULT
@click.option("--dry-run", is_flag=True, help="Show the fixes as diffs; change nothing.")
@click.option("--interactive", "-i", is_flag=True, help="Ask before each link is fixed.")
@click.option(
    "--create-missing",
    is_flag=True,
    help="Create linked related topics that do not exist yet, as hub notes from a template.",
)
@click.pass_context
@_handle_errors
def fix(
    ctx: click.Context, vault: Path, dry_run: bool, interactive: bool, create_missing: bool
) -> None:
    """Repair links that are certainly broken, and list the rest with suggestions.

    Fixes links broken by renames made outside Obsidian (git, a file manager, sync: known from
    the index snapshot of the last run, by content), [[Alias]] links (to [[Note|Alias]],
    setting links.fix_aliases), spelling drift such as ё/е or accents (links.fix_case) and links
    to a renamed heading, and keeps topic hubs ([hubs] in vaultpartner.toml) current. Other
    broken links are listed, not touched. Exit 1 when something is left unfixed, or changes
    are pending under --dry-run.

    \b
    Examples:
      vaultpartner fix ~/Vault --dry-run        # diffs only
      vaultpartner fix ~/Vault                  # fix; undo with: vaultpartner undo ~/Vault
      vaultpartner fix ~/Vault --interactive    # ask link by link
      vaultpartner fix ~/Vault --create-missing # also create missing related topics
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    for warning in session.warnings:
        print_warning(warning)
    command = "fix" + (" --interactive" if interactive else "")
    from vaultpartner import fixcmd

    sys.exit(
        fixcmd.run_fix(
            session,
            dry_run=dry_run,
            interactive=interactive,
            command=command,
            confirm=lambda text: click.confirm(text, default=False),
            create_missing=create_missing,
        )
    )


@main.command()
@VAULT
@click.argument("run_id", required=False)
@click.pass_context
@_handle_errors
def undo(ctx: click.Context, vault: Path, run_id: str | None) -> None:
    """Revert a run (the last one by default): move files back, restore content.

    Files changed since the run are left alone and listed; notes the run created are
    deleted only if unchanged since.

    \b
    Examples:
      vaultpartner undo ~/Vault
      vaultpartner undo ~/Vault 20261126T031502Z-ab12cd
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    from vaultpartner import linkcmds

    sys.exit(linkcmds.run_undo(session, run_id, command=f"undo {run_id or 'last'}"))


@main.command()
@VAULT
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="Only runs since this date.",
)
@click.pass_context
@_handle_errors
def log(ctx: click.Context, vault: Path, since: dt.datetime | None) -> None:
    """List what vaultpartner changed in the vault, and why (newest first).

    \b
    Examples:
      vaultpartner log ~/Vault
      vaultpartner log ~/Vault --since 2026-11-01
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    since_utc = since.astimezone(dt.UTC) if since is not None else None
    from vaultpartner import linkcmds

    sys.exit(linkcmds.run_log(session, since_utc))


@main.command()
@VAULT
@click.option(
    "--polling", is_flag=True, help="Poll the disk instead of inotify (network and sync folders)."
)
@click.option("--once", is_flag=True, help="One reconciliation, then exit (for cron).")
@click.option("--report-only", is_flag=True, help="Report what would be done; write nothing.")
@click.option(
    "--apply-backlog",
    is_flag=True,
    help="On the first start over a vault, also write the backlog (fixes, follow-ups).",
)
@click.option(
    "--install-service", is_flag=True, help="Install a systemd user unit / launchd agent."
)
@click.option("--uninstall-service", is_flag=True, help="Remove the installed service.")
@click.pass_context
@_handle_errors
def watch(
    ctx: click.Context,
    vault: Path,
    polling: bool,
    once: bool,
    report_only: bool,
    apply_backlog: bool,
    install_service: bool,
    uninstall_service: bool,
) -> None:
    """Watch the vault: keep links right after renames, write follow-ups when due.

    Renames by a file manager, git or sync are recognised by content; the links to them are
    rewritten exactly as `vaultpartner mv` would. Notes edited in the last 30 s are not
    written until you pause. At start, renames made while it was stopped are repaired and due
    follow-ups written (on the very first start over a vault only reported, unless
    --apply-backlog). Every change is in the journal (`log`, `undo`). Stops on Ctrl-C.

    \b
    Examples:
      vaultpartner watch ~/Vault
      vaultpartner watch ~/Vault --polling             # network or cloud folders
      vaultpartner watch ~/Vault --once                # from cron
      vaultpartner watch ~/Vault --install-service     # start with your session
    """
    from vaultpartner import service
    from vaultpartner.watch import WatchOptions, run_watch

    session = app.open_session(vault, state_override=_state_dir(ctx))
    if install_service or uninstall_service:
        if install_service:
            path, commands = service.install(session.root, _state_dir(ctx))
            click.echo(f"wrote {path}\nenable it with:")
        else:
            path, commands = service.uninstall(session.root)
            click.echo(f"removed {path}\nstop it with:")
        click.echo("\n".join(f"  {command}" for command in commands))
        sys.exit(EXIT_OK)
    options = WatchOptions(
        polling=polling, once=once, report_only=report_only, apply_backlog=apply_backlog
    )
    sys.exit(run_watch(session, options, say=lambda text: click.echo(text, err=False)))


@main.command()
@VAULT
@click.pass_context
@_handle_errors
def pause(ctx: click.Context, vault: Path) -> None:
    """Stop all writes to the vault (the watcher keeps watching and reporting).

    \b
    Example:
      vaultpartner pause ~/Vault
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    from vaultpartner.apply import PAUSED_FLAG

    flag = ensure_vault_state_dir(session.root, override=session.state_override) / PAUSED_FLAG
    flag.write_text("paused\n", encoding="utf-8")
    click.echo("writes paused; resume with: vaultpartner resume VAULT")


@main.command()
@VAULT
@click.pass_context
@_handle_errors
def resume(ctx: click.Context, vault: Path) -> None:
    """Allow writes to the vault again after `pause`.

    \b
    Example:
      vaultpartner resume ~/Vault
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    from vaultpartner.apply import PAUSED_FLAG

    flag = ensure_vault_state_dir(session.root, override=session.state_override) / PAUSED_FLAG
    flag.unlink(missing_ok=True)
    click.echo("writes resumed")


@main.command()
@VAULT
@click.option("--today", type=DATE, help="Plan as if today were DATE (YYYY-MM-DD).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan and diffs, change nothing (exit 1 when changes are pending).",
)
@click.pass_context
@_handle_errors
def followups(ctx: click.Context, vault: Path, today: dt.datetime | None, dry_run: bool) -> None:
    """Write follow-up notes for recruiters who are due, and the digest.

    A follow-up is due when the cadence since the last contact has passed, your profile
    changed since you last shared it, a commitment is due, or recent contacts gave nothing
    back. Ticking a follow-up's tasks (or `status: done`) records the contact.

    \b
    Examples:
      vaultpartner followups ~/Vault --dry-run
      vaultpartner followups ~/Vault --today 2026-11-26
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    for warning in session.warnings:
        print_warning(warning)
    day = today.date() if today else dt.date.today()
    from vaultpartner.linkcmds import command_line

    command = command_line(sys.argv[1:])
    from vaultpartner import partnercmds

    sys.exit(partnercmds.run_followups(session, today=day, dry_run=dry_run, command=command))


@main.group()
def new() -> None:
    """Create notes from templates.

    \b
    Example:
      vaultpartner new recruiter ~/Vault "Анна Петрова"
    """


@new.command("recruiter")
@VAULT
@click.argument("name")
@click.pass_context
@_handle_errors
def new_recruiter(ctx: click.Context, vault: Path, name: str) -> None:
    """Create a recruiter note NAME from recruiter.md.j2 (never overwrites).

    \b
    Example:
      vaultpartner new recruiter ~/Vault "Анна Петрова"
    """
    session = app.open_session(vault, state_override=_state_dir(ctx))
    from vaultpartner import partnercmds

    sys.exit(partnercmds.run_new_recruiter(session, name, today=dt.date.today()))


_ = EXIT_USAGE


def run() -> None:
    """The `vaultpartner` program: main(), then straight out of the process.

    A command that loaded a large vault would otherwise spend its last tens of milliseconds
    freeing every object it built (10,000 notes: 25 ms, a twentieth of an audit after a small
    change). Everything the command writes is closed or flushed by then; only the streams
    and logging remain, flushed here. Tests call main() and are not affected.
    """
    try:
        main()
    except SystemExit as leaving:
        # Still inside the handler: the traceback keeps the command's frames (and the vault
        # they hold) alive, so nothing is freed on the way out.
        code = leaving.code
        if isinstance(code, str):
            sys.stderr.write(code + "\n")
        _leave(code if isinstance(code, int) else 0 if code is None else 1)
    except KeyboardInterrupt:
        _leave(EXIT_INTERRUPTED)


def _leave(code: int) -> None:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)
