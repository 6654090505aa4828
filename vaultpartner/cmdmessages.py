"""What `mv`, `undo`, `log`, `fix`, `followups` and `new recruiter` print, in English and Russian.

The same shape as `vaultpartner.messages`: code -> {"en", "ru"} with `{field}` placeholders.
A field whose format spec lists word forms, `{count:link|links}` or
`{count:ссылка|ссылки|ссылок}`, prints the form that number needs, so Russian agrees with it.

Some lines are built in English by modules that give no code with them (moving, links,
partners.planner, hubs.planner). `from_english` reads such a line back through the English
template of a code and writes it again in the vault's language; a line it does not know stays
as it is. Paths, links, run ids and commands pass through as field values, never translated.
"""

from __future__ import annotations

import dataclasses
import re
import string
from functools import cache

from vaultpartner.messages import Language
from vaultpartner.plan import Plan

_MESSAGES: dict[str, dict[Language, str]] = {
    # -- shared by every command that writes ---------------------------------------------------
    "run-undo": {
        "en": "run {run_id} (undo with: vaultpartner undo VAULT {run_id})",
        "ru": "запуск {run_id} (отменить: vaultpartner undo VAULT {run_id})",
    },
    "status-created": {
        "en": "created {path}: {reason}",
        "ru": "создана заметка {path}: {reason}",
    },
    "status-written": {
        "en": "written {path}: {reason}",
        "ru": "изменена заметка {path}: {reason}",
    },
    "status-moved": {
        "en": "moved {path}: {reason}",
        "ru": "перемещена заметка {path}: {reason}",
    },
    "status-deleted": {
        "en": "deleted {path}: {reason}",
        "ru": "удалена заметка {path}: {reason}",
    },
    # -- mv --------------------------------------------------------------------------------------
    "mv-moved": {
        "en": "moved {what}",
        "ru": "перемещено: {what}",
    },
    "mv-renamed": {  # the same folder: a rename, in English a move like any other
        "en": "moved {what}",
        "ru": "переименовано: {what}",
    },
    "mv-rewrote": {
        "en": "rewrote {count} {count:link|links} in {source}: {what}",
        "ru": "{count:обновлена|обновлены|обновлено} {count} {count:ссылка|ссылки|ссылок} "
        "в {source}: {what}",
    },
    "mv-longer": {
        "en": " ({count} written as a longer path so they open the right file)",
        "ru": " ({count} из них {count:записана|записаны|записано} более длинным путём, "
        "чтобы открывался нужный файл)",
    },
    "mv-not-rewritten": {
        "en": "{source}:{line}: {raw} not rewritten: {reason}",
        "ru": "{source}:{line}: ссылка {raw} не обновлена: {reason}",
    },
    "mv-conflict-hint": {
        "en": "; repair its links with: vaultpartner fix VAULT",
        "ru": "; исправить ссылки: vaultpartner fix VAULT",
    },
    # why links.py skipped a link (English text read back by `from_english`)
    "skip-not-writable": {
        "en": "note is not writable here",
        "ru": "в эту заметку писать нельзя",
    },
    "skip-yaml-escapes": {
        "en": "frontmatter value uses YAML escapes",
        "ru": "значение в свойствах записано с YAML-экранированием",
    },
    "skip-no-link-text": {
        "en": "no link text opens {target}",
        "ru": "нет такого текста ссылки, который открыл бы {target}",
    },
    "skip-not-one-link": {
        "en": "{link} would not be read as one link",
        "ru": "{link} не прочиталась бы как одна ссылка",
    },
    "skip-subpath": {
        "en": "{link} would change the heading or block part",
        "ru": "{link} изменила бы часть с заголовком или блоком",
    },
    "skip-wrong-target": {
        "en": "{link} would not open {target}",
        "ru": "{link} не открыла бы {target}",
    },
    # -- applying a plan and undoing a run (apply.py) ------------------------------------------
    "apply-move-failed": {
        "en": "not changed because the move failed (its links would break)",
        "ru": "не изменена — перемещение не удалось (иначе её ссылки сломались бы)",
    },
    "edit-unreadable": {
        "en": "cannot read the note",
        "ru": "не удаётся прочитать заметку",
    },
    "edit-changed": {
        "en": "changed on disk since it was read; skipped, run again",
        "ru": "заметка изменилась на диске после чтения; пропущена, запустите ещё раз",
    },
    "edit-failed": {
        "en": "cannot apply the edit ({error})",
        "ru": "не удаётся внести правку ({error})",
    },
    "undo-reason": {
        "en": "undo {run_id}: {reason}",
        "ru": "отмена {run_id}: {reason}",
    },
    "undo-no-old-path": {
        "en": "journal entry has no old path",
        "ru": "в записи журнала нет прежнего пути",
    },
    "undo-never-moved": {
        "en": "was never moved",
        "ru": "перемещения не было",
    },
    "undo-gone": {
        "en": "no longer exists; not moved back",
        "ru": "файла больше нет; не возвращён на место",
    },
    "undo-changed-moved": {
        "en": "changed since the run; not moved back",
        "ru": "изменён после запуска; не возвращён на место",
    },
    "undo-never-changed": {
        "en": "was never changed",
        "ru": "изменения не было",
    },
    "undo-changed": {
        "en": "changed since the run; left as it is",
        "ru": "изменён после запуска; оставлен как есть",
    },
    "undo-already-gone": {
        "en": "already gone",
        "ru": "файла уже нет",
    },
    "undo-no-previous": {
        "en": "the previous content is not in the journal",
        "ru": "прежнего содержимого нет в журнале",
    },
    # -- log ------------------------------------------------------------------------------------
    "log-interrupted": {
        "en": "  (interrupted)",
        "ru": "  (прерван)",
    },
    "log-empty": {
        "en": "no runs recorded",
        "ru": "в журнале нет запусков",
    },
    # -- fix ------------------------------------------------------------------------------------
    "fix-no-snapshot": {
        "en": "no index snapshot from an earlier run: renames made outside Obsidian cannot be "
        "detected this time (one is saved now for the next run)",
        "ru": "нет снимка индекса от прошлого запуска: переименования, сделанные вне Obsidian, "
        "в этот раз не найти (снимок сохраняется сейчас, для следующего запуска)",
    },
    "fix-confirm": {
        "en": "{change}\n  fix this link?",
        "ru": "{change}\n  исправить эту ссылку?",
    },
    "fix-nothing": {
        "en": "no link needed fixing",
        "ru": "исправлять ссылки не понадобилось",
    },
    "fix-not-fixed": {
        "en": "not fixed: {path}:{line}: {message}",
        "ru": "не исправлено: {path}:{line}: {message}",
    },
    "fix-declined": {
        "en": "declined: {change}",
        "ru": "отклонено: {change}",
    },
    "fix-reason": {
        "en": "fixed {count} {count:link|links} in {source}",
        "ru": "{count:исправлена|исправлены|исправлено} {count} {count:ссылка|ссылки|ссылок} "
        "в {source}",
    },
    "fix-why-renamed": {
        "en": "{old} was renamed to {new} outside Obsidian",
        "ru": "{old} переименован в {new} вне Obsidian",
    },
    "fix-why-moved": {
        "en": "{source} was moved from {old_source}",
        "ru": "{source} перемещён из {old_source}",
    },
    "fix-why-heading": {
        "en": "heading {old} of {target} is now {new}",
        "ru": "заголовок {old} в {target} теперь называется {new}",
    },
    "fix-why-alias": {
        "en": "{name} is an alias of {holder}",
        "ru": "{name} — псевдоним заметки {holder}",
    },
    "fix-why-spelling": {
        "en": "spelling variant of {path}",
        "ru": "другое написание {path}",
    },
    "fix-excluded": {
        "en": "{where} not fixed: the note is excluded or reached through a symlink",
        "ru": "{where}: не исправлено — заметка исключена в настройках или открыта через "
        "символическую ссылку",
    },
    "fix-yaml-escapes": {
        "en": "{where} not fixed: the frontmatter value uses YAML escapes",
        "ru": "{where}: не исправлено — значение в свойствах записано с YAML-экранированием",
    },
    "fix-uncertain": {
        "en": "{old} is gone and {count} new files have the same content ({news}): not certain "
        "which is the renamed one, links to it left alone",
        "ru": "{old} больше нет, а у {count} {count:нового файла|новых файлов|новых файлов} то же "
        "содержимое ({news}): неясно, какой из них переименованный, ссылки на него не тронуты",
    },
    # what hubs.planner writes (English text read back by `from_english`)
    "hubplan-edit": {
        "en": "hub and related topics",
        "ru": "хаб и связанные темы",
    },
    "hubplan-create": {
        "en": "missing topic",
        "ru": "недостающая тема",
    },
    "hubplan-unreadable": {
        "en": "{path}: cannot read the note; hub links left as they are",
        "ru": "{path}: не удаётся прочитать заметку; ссылки хаба оставлены как есть",
    },
    "hubplan-changed": {
        "en": "{path}: changed while being read; run again",
        "ru": "{path}: заметка изменилась во время чтения; запустите ещё раз",
    },
    "hubplan-ambiguous": {
        "en": "[hubs] hub {hub} fits several notes ({candidates}); write its folder",
        "ru": "[hubs] хабу {hub} подходит несколько заметок ({candidates}); укажите папку",
    },
    "hubplan-overlap": {
        "en": "{path}: hub edits overlap ({error}); left as it is",
        "ru": "{path}: правки хаба пересекаются ({error}); заметка оставлена как есть",
    },
    "hubplan-exists": {
        "en": "{path}: not created (it exists or is excluded)",
        "ru": "{path}: не создана (уже есть или исключена в настройках)",
    },
    "hubplan-no-template": {
        "en": "{path}: not created (no hub template)",
        "ru": "{path}: не создана (нет шаблона хаба)",
    },
    # -- followups and new recruiter -----------------------------------------------------------
    "followup-due": {
        "en": "due {due}  {name}: {reasons}{target}",
        "ru": "срок {due}  {name}: {reasons}{target}",
    },
    # Russian names the reason and the day it became due, as the Russian follow-up note does;
    # the English detail (rules.py) has no Russian twin.
    "followup-reason-cadence": {
        "en": "cadence ({detail})",
        "ru": "пора напомнить о себе (с {since})",
    },
    "followup-reason-profile": {
        "en": "profile ({detail})",
        "ru": "профиль изменился (с {since})",
    },
    "followup-reason-commitment": {
        "en": "commitment ({detail})",
        "ru": "обещание со сроком {since}",
    },
    "followup-reason-reciprocity": {
        "en": "reciprocity ({detail})",
        "ru": "последние контакты были в одну сторону (с {since})",
    },
    "followup-reason-other": {
        "en": "{code} ({detail})",
        "ru": "{code} (с {since})",
    },
    "followup-open": {
        "en": "open  {path} (due {due})",
        "ru": "открыто  {path} (срок {due})",
    },
    "followup-closed": {
        "en": "done  {note}: contact with {recruiter} recorded on {day}",
        "ru": "выполнено  {note}: записан контакт с {recruiter} от {day}",
    },
    "followup-none": {
        "en": "no follow-ups are due",
        "ru": "напоминать пока никому не нужно",
    },
    "recruiter-reason": {
        "en": "new recruiter {name}",
        "ru": "новый рекрутер {name}",
    },
    "recruiter-created": {
        "en": "created {path}",
        "ru": "создана заметка {path}",
    },
    # what partners.planner writes (English text read back by `from_english`)
    "planner-followup": {
        "en": "follow-up for {name}",
        "ru": "напоминание для рекрутера {name}",
    },
    "planner-digest": {
        "en": "follow-up digest",
        "ru": "сводка напоминаний",
    },
    "planner-done": {
        "en": "follow-up done",
        "ru": "напоминание выполнено",
    },
    "planner-last-contact": {
        "en": "last_contact {date} (follow-up done)",
        "ru": "last_contact {date} (напоминание выполнено)",
    },
    "planner-refreshed": {
        "en": "follow-up refreshed",
        "ru": "напоминание обновлено",
    },
    "planner-digest-updated": {
        "en": "digest updated",
        "ru": "сводка обновлена",
    },
    "planner-cannot-set": {
        "en": "{path}: cannot set {key} ({error}); edit it by hand",
        "ru": "{path}: не удаётся записать {key} ({error}); исправьте вручную",
    },
    "planner-not-writable": {
        "en": "{path}: not writable",
        "ru": "{path}: в эту заметку писать нельзя",
    },
    "planner-edited": {
        "en": "{path}: edited since vaultpartner wrote it; left as it is",
        "ru": "{path}: изменена после того, как её записал vaultpartner; оставлена как есть",
    },
    "planner-orphan": {
        "en": "{path}: its recruiter link opens nothing; no second follow-up for {name} until "
        "it does (vaultpartner fix VAULT repairs renames)",
        "ru": "{path}: ссылка на рекрутера никуда не ведёт; второго напоминания для {name} не "
        "будет, пока она не заработает (vaultpartner fix VAULT исправит переименования)",
    },
    "planner-several-open": {
        "en": "{recruiter}: {count} open follow-ups; using {path}, also open: {others} (close "
        "or delete the ones you do not need)",
        "ru": "{recruiter}: открыто напоминаний: {count}; используется {path}, открыты также: "
        "{others} (закройте или удалите лишние)",
    },
    "planner-excluded": {
        "en": "{path}: excluded by the settings; not created",
        "ru": "{path}: исключена в настройках; не создана",
    },
    "planner-budget": {
        "en": "{count} more follow-ups are due but partners.max_new_notes ({budget}) was "
        "reached: {names}; run again to create them",
        "ru": "пора создать ещё {count} {count:напоминание|напоминания|напоминаний}, но "
        "достигнут предел partners.max_new_notes ({budget}): {names}; запустите ещё раз, "
        "чтобы создать их",
    },
    "planner-digest-unreadable": {
        "en": "{path}: cannot read the digest note; not rewritten",
        "ru": "{path}: не удаётся прочитать сводку; не перезаписана",
    },
}


def _plural(count: int, forms: list[str]) -> str:
    """English: one, other. Russian: one (1, 21), few (2-4, 22-24), many (5-20, 25...)."""
    if len(forms) == 2:
        return forms[0] if count == 1 else forms[1]
    last, tens = count % 10, count % 100
    if last == 1 and tens != 11:
        return forms[0]
    if 2 <= last <= 4 and not 12 <= tens <= 14:
        return forms[1]
    return forms[2]


class _Formatter(string.Formatter):
    def format_field(self, value: object, format_spec: str) -> str:
        if "|" in format_spec:
            return _plural(int(str(value)), format_spec.split("|"))
        return str(super().format_field(value, format_spec))


_FORMATTER = _Formatter()


def command_message(code: str, language: Language, /, **values: object) -> str:
    return _FORMATTER.format(_MESSAGES[code][language], **values)


def command_message_codes() -> tuple[str, ...]:
    return tuple(_MESSAGES)


@cache
def _reader(code: str) -> re.Pattern[str]:
    """A pattern matching what the English template of `code` prints, its fields captured."""
    pattern, seen = "", set()
    for literal, name, spec, _conversion in string.Formatter().parse(_MESSAGES[code]["en"]):
        pattern += re.escape(literal)
        if name is None:
            continue
        if spec and "|" in spec:
            pattern += "(?:" + "|".join(map(re.escape, spec.split("|"))) + ")"
        elif name in seen:
            pattern += f"(?P={name})"
        else:
            pattern += f"(?P<{name}>.+?)"
            seen.add(name)
    return re.compile(pattern, re.DOTALL)


def from_english(text: str, language: Language, prefix: str) -> str:
    """`text` as the code (among those starting with `prefix`) whose English it is would say
    it in `language`; `text` itself when it is English already or no template matches."""
    if language == "en":
        return text
    for code in _MESSAGES:
        if not code.startswith(prefix):
            continue
        found = _reader(code).fullmatch(text)
        if found is not None:
            values = {
                name: int(value) if value.isdigit() else value
                for name, value in found.groupdict().items()
            }
            return command_message(code, language, **values)
    return text


def plan_in(plan: Plan, language: Language, prefix: str) -> Plan:
    """The plan with its reasons and notices in `language` (the planners write English; the
    journal keeps the reasons shown). `prefix` picks the planner's message codes."""

    def say(text: str) -> str:
        return from_english(text, language, prefix)

    return Plan(
        moves=list(plan.moves),
        edits=[dataclasses.replace(e, reason=say(e.reason)) for e in plan.edits],
        creates=[dataclasses.replace(c, reason=say(c.reason)) for c in plan.creates],
        notices=[say(notice) for notice in plan.notices],
    )
