"""User-facing text in English and Russian. Codes stay English; messages follow `language`.

Every finding message says what is wrong and what to do about it. Values quoted in a message
(links, paths, headings) are passed as `{name}` fields so the report can mark them as code.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "ru"]

_MESSAGES: dict[str, dict[Language, str]] = {
    "broken-link": {
        "en": "link {target} points to no file; create the note or correct the link",
        "ru": "ссылка {target} никуда не ведёт: такого файла нет; создайте заметку "
        "или исправьте ссылку",
    },
    "broken-link-near": {
        "en": "link {target} points to no file; did you mean {suggestion}?",
        "ru": "ссылка {target} никуда не ведёт: такого файла нет; может быть, имелась в виду "
        "{suggestion}?",
    },
    "ambiguous-link": {
        "en": "link {target} fits {count} files whose paths are equally long ({candidates}); "
        "which one Obsidian opens depends on its internal file order, so write the folder, "
        "e.g. {suggestion}",
        "ru": "ссылка {target} подходит к {count} файлам с путями одинаковой длины "
        "({candidates}); какой из них откроет Obsidian, зависит от его внутреннего порядка "
        "файлов — укажите папку, например {suggestion}",
    },
    "alias-link": {
        "en": "link {target} uses an alias of {note}; Obsidian does not open links by alias, "
        "write {suggestion}",
        "ru": "ссылка {target} указывает псевдоним заметки {note}; по псевдониму Obsidian "
        "ссылку не откроет — пишите {suggestion}",
    },
    "broken-heading": {
        "en": "{note} has no heading {subpath}, so the link opens the top of the note; "
        "correct the link or the heading",
        "ru": "в заметке {note} нет заголовка {subpath}, ссылка откроет начало заметки; "
        "исправьте ссылку или заголовок",
    },
    "broken-heading-near": {
        "en": "{note} has no heading {subpath}, so the link opens the top of the note; "
        "did you mean {suggestion}?",
        "ru": "в заметке {note} нет заголовка {subpath}, ссылка откроет начало заметки; "
        "может быть, имелась в виду {suggestion}?",
    },
    "broken-block": {
        "en": "{note} has no block {subpath}; add {marker} at the end of the paragraph "
        "you mean, or correct the link",
        "ru": "в заметке {note} нет блока {subpath}; допишите {marker} в конце нужного "
        "абзаца или исправьте ссылку",
    },
    "broken-block-id": {
        "en": "{note} has no block {subpath}: block ids may contain only Latin letters, digits "
        "and dashes; rename the id in the link and in the note",
        "ru": "в заметке {note} нет блока {subpath}: идентификатор блока может содержать только "
        "латинские буквы, цифры и дефисы; переименуйте его в ссылке и в заметке",
    },
    "invalid-frontmatter": {
        "en": "the properties (YAML frontmatter) are not valid: {problem}; until the YAML is "
        "fixed Obsidian sees no properties, aliases or tags in this note",
        "ru": "свойства (YAML frontmatter) записаны с ошибкой: {problem}; пока YAML не "
        "исправлен, Obsidian не видит у заметки свойств, псевдонимов и тегов",
    },
    "unreadable-encoding": {
        "en": "not UTF-8 text (first bad byte at offset {offset}); it was probably saved in "
        "another encoding such as Windows-1251 — re-save it as UTF-8; its links were not checked",
        "ru": "файл не в кодировке UTF-8 (первый неверный байт — {offset}); вероятно, он сохранён "
        "в другой кодировке, например Windows-1251, — пересохраните его в UTF-8; ссылки в нём "
        "не проверены",
    },
    "unreadable-nul": {
        "en": "contains a NUL byte at offset {offset}, the file looks damaged; restore it from "
        "a backup or the sync history; its links were not checked",
        "ru": "в файле нулевой байт (смещение {offset}), файл похож на повреждённый; "
        "восстановите его из резервной копии или истории синхронизации; ссылки в нём "
        "не проверены",
    },
    "unreadable-too-large": {
        "en": "larger than audit.max_note_bytes ({limit} bytes), not read; raise "
        "audit.max_note_bytes in vaultpartner.toml to check it",
        "ru": "больше audit.max_note_bytes ({limit} байт), не прочитан; увеличьте "
        "audit.max_note_bytes в vaultpartner.toml, чтобы его проверить",
    },
    "unreadable-placeholder": {
        "en": "a cloud placeholder whose content is not downloaded, not read; download it "
        "(keep it on this device) to check it",
        "ru": "облачная заглушка: содержимое не скачано, файл не прочитан; скачайте его "
        "(оставьте на этом устройстве), чтобы проверить",
    },
    "unreadable-file": {
        "en": "cannot be read: {problem}; check the file's permissions; its links were not checked",
        "ru": "не удаётся прочитать: {problem}; проверьте права доступа к файлу; ссылки в нём "
        "не проверены",
    },
    "orphan-note": {
        "en": "orphan: no other note links here and this note links to no existing file; "
        "link it from a related note (or set audit.orphans = false)",
        "ru": "сирота: сюда не ссылается ни одна другая заметка, и сама она не ссылается "
        "ни на один существующий файл; сошлитесь на неё из связанной заметки "
        "(или отключите audit.orphans)",
    },
    "sync-conflict": {
        "en": "{tool} conflict copy of {original}; compare the two, copy the changes you want "
        "into the original by hand, then delete this copy",
        "ru": "копия конфликта синхронизации ({tool}) для {original}; сравните их, перенесите "
        "нужные правки в оригинал вручную и удалите эту копию",
    },
    "sync-conflict-orphaned": {
        "en": "{tool} conflict copy whose original {original} no longer exists; keep what you "
        "need by renaming this copy, or delete it",
        "ru": "копия конфликта синхронизации ({tool}), оригинала {original} уже нет; "
        "переименуйте копию, если она нужна, или удалите её",
    },
    "symlink-loop": {
        "en": "folder symlink that points back into the vault; not followed, so its files are "
        "read once, from their real folder",
        "ru": "символическая ссылка на папку внутри хранилища; по ней не переходим, файлы "
        "читаются один раз — из настоящей папки",
    },
    # Partnership data: the detail comes from vaultpartner.partners (key, value found, expected).
    "recruiter-field": {
        "en": "recruiter note: {detail} — the fields are listed in the README (Recruiter notes)",
        "ru": "заметка рекрутера: {detail} — список полей в README (Recruiter notes)",
    },
    "interaction-field": {
        "en": "interaction note: {detail} — the fields are listed in the README (Interactions)",
        "ru": "заметка о контакте: {detail} — список полей в README (Interactions)",
    },
    "duplicate-contact": {
        "en": "{detail} — merge the two notes, or correct the contact",
        "ru": "одинаковые контакты в двух заметках: {detail} — объедините заметки или исправьте контакт",
    },
    "recruiter-no-contact": {
        "en": "{detail} — set last_contact, or log an interaction",
        "ru": "неизвестно, когда был последний контакт: {detail} — заполните last_contact или запишите контакт",
    },
    "confidential-leak": {
        "en": "{detail} — remove the copy, or mark it confidential too",
        "ru": "конфиденциальный текст скопирован в другую заметку: {detail} — удалите копию или тоже пометьте её",
    },
    "overdue-followup": {
        "en": "a follow-up with {recruiter} is due since {due} ({reasons}); run "
        "`vaultpartner followups` to write the note, or get in touch",
        "ru": "пора связаться с {recruiter}: срок {due} ({reasons}); запустите "
        "`vaultpartner followups`, чтобы создать заметку, или напишите сами",
    },
    "overdue-followup-open": {
        "en": "this follow-up was due on {due} and is still open; tick its tasks when done, "
        "or set status: skipped",
        "ru": "срок этого напоминания — {due}, а оно всё ещё открыто; отметьте задачи "
        "выполненными или поставьте status: skipped",
    },
    # topic hubs (vaultpartner.hubs); several keys are variants of one finding code
    "hub-missing-member": {
        "en": "hub {hub} does not list {member} in its generated list; `vaultpartner fix` adds it",
        "ru": "хаб {hub} не перечисляет {member} в своём сгенерированном списке; "
        "`vaultpartner fix` добавит",
    },
    "hub-stale-member": {
        "en": "hub {hub} lists {member}, which no longer belongs to it; `vaultpartner fix` "
        "removes it from the generated list",
        "ru": "хаб {hub} перечисляет {member}, а эта заметка к нему больше не относится; "
        "`vaultpartner fix` уберёт её из сгенерированного списка",
    },
    "hub-block-damaged": {
        "en": "the generated list of hub {hub} is damaged; nothing is written to this note "
        "until its markers are fixed",
        "ru": "сгенерированный список хаба {hub} повреждён; в заметку ничего не пишется, "
        "пока метки не исправлены",
    },
    "hub-block-missing-marker": {
        "en": "the generated list of hub {hub} has only one of its markers "
        "(%% vaultpartner:begin hub %% and %% vaultpartner:end hub %%); nothing is written to "
        "this note until both are back, or both are deleted",
        "ru": "у сгенерированного списка хаба {hub} есть только одна метка из двух "
        "(%% vaultpartner:begin hub %% и %% vaultpartner:end hub %%); в заметку ничего не "
        "пишется, пока не вернёте вторую или не удалите обе",
    },
    "hub-block-nested": {
        "en": "the generated list of hub {hub} has a begin marker inside another block; "
        "nothing is written to this note until one pair of markers is left",
        "ru": "в сгенерированном списке хаба {hub} метка начала стоит внутри другого блока; "
        "в заметку ничего не пишется, пока не останется одна пара меток",
    },
    "hub-block-duplicated": {
        "en": "hub {hub} has more than one generated list; nothing is written to this note "
        "until one pair of markers is left",
        "ru": "у хаба {hub} больше одного сгенерированного списка; в заметку ничего не "
        "пишется, пока не останется одна пара меток",
    },
    "hub-block-order": {
        "en": "the end marker of hub {hub}'s generated list comes before its begin marker; "
        "nothing is written to this note until they are in order",
        "ru": "метка конца сгенерированного списка хаба {hub} стоит раньше метки начала; "
        "в заметку ничего не пишется, пока порядок не исправлен",
    },
    "hub-block-inline": {
        "en": "a marker of hub {hub}'s generated list shares its line with other text; "
        "nothing is written to this note until each marker is alone on its line",
        "ru": "метка сгенерированного списка хаба {hub} стоит в одной строке с другим "
        "текстом; в заметку ничего не пишется, пока каждая метка не окажется в своей строке",
    },
    "hub-block-edited": {
        "en": "the generated list of hub {hub} contains text vaultpartner did not write; "
        "it is not overwritten: move your text outside the markers (or delete it), then run "
        "`vaultpartner fix` again",
        "ru": "в сгенерированном списке хаба {hub} есть текст, который написал не "
        "vaultpartner; он не будет перезаписан: перенесите его за пределы меток (или "
        "удалите) и снова запустите `vaultpartner fix`",
    },
    "hub-link-missing": {
        "en": "this note belongs to hub {hub} but does not link it; `vaultpartner fix` adds "
        "it under {heading}",
        "ru": "заметка относится к хабу {hub}, но не ссылается на него; `vaultpartner fix` "
        "добавит ссылку в раздел {heading}",
    },
    "related-asymmetric": {
        "en": "{target} is a related topic here, but {other} does not list this note; "
        "`vaultpartner fix` adds it there",
        "ru": "{target} указана здесь как связанная тема, но {other} не ссылается на эту "
        "заметку в ответ; `vaultpartner fix` добавит ссылку туда",
    },
    "related-removed": {
        "en": "{other} no longer lists this note as a related topic; `vaultpartner fix` "
        "removes {target} here too",
        "ru": "{other} больше не указывает эту заметку среди связанных тем; "
        "`vaultpartner fix` уберёт и ссылку {target} здесь",
    },
    "related-removed-by-hand": {
        "en": "{other} no longer lists this note as a related topic; {target} is not on a "
        "list line of its own here, so remove it by hand",
        "ru": "{other} больше не указывает эту заметку среди связанных тем; ссылка {target} "
        "здесь не в отдельной строке списка, удалите её вручную",
    },
    "missing-topic": {
        "en": "related topic {target} is not written yet; create the note, or run "
        "`vaultpartner fix --create-missing` to create it from the hub template",
        "ru": "связанной темы {target} ещё нет; создайте заметку или запустите "
        "`vaultpartner fix --create-missing`, чтобы создать её из шаблона хаба",
    },
    "missing-hub": {
        "en": "hub {hub} named in [hubs] rules does not exist; create the note, or run "
        "`vaultpartner fix --create-missing`",
        "ru": "хаба {hub} из правил [hubs] нет в хранилище; создайте заметку или запустите "
        "`vaultpartner fix --create-missing`",
    },
}


def message(code: str, language: Language, **values: object) -> str:
    return _MESSAGES[code][language].format(**values)


def has_message(code: str) -> bool:
    return code in _MESSAGES


def message_codes() -> tuple[str, ...]:
    return tuple(_MESSAGES)


def detect_language(names: list[str]) -> Language:
    """Russian when at least a third of the letters in the vault's note names are Cyrillic."""
    letters = cyrillic = 0
    for name in names:
        for char in name:
            if char.isalpha():
                letters += 1
                cyrillic += "\u0400" <= char <= "\u04ff"
    return "ru" if letters and cyrillic * 3 >= letters else "en"
