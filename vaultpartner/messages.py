"""User-facing text in English and Russian. Codes stay English; messages follow `language`.

Every finding message says what is wrong and what to do about it. Values quoted in a message
(links, paths, headings) are passed as `{name}` fields so the report can mark them as code.
"""

from __future__ import annotations

import re
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
    "sync-conflict-identical": {
        "en": "possibly a conflict copy of {original}: named as iCloud names one, and the same "
        "bytes; delete one of the two (vaultpartner writes to neither until then)",
        "ru": "возможно, копия конфликта синхронизации для {original}: так называет копии "
        "iCloud, и содержимое то же; удалите одну из двух (до тех пор vaultpartner не пишет "
        "ни в одну)",
    },
    "sync-conflict-possible": {
        "en": "possibly a conflict copy of {original}: named as iCloud names one, with the same "
        "properties and headings and mostly the same links; compare the two, keep one, delete "
        "or rename the other (vaultpartner writes to neither until then)",
        "ru": "возможно, копия конфликта синхронизации для {original}: так называет копии "
        "iCloud, свойства и заголовки те же, ссылки почти те же; сравните их, оставьте одну, "
        "другую удалите или переименуйте (до тех пор vaultpartner не пишет ни в одну)",
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
    # Partnership findings, one entry per kind of problem (PartnerProblem.message_key): the
    # codes above are the fallback frame for a problem that has only its English `detail`.
    # Keys, values as written, paths and dates are fields, never translated.
    "recruiter-field-text": {
        "en": "{key} should be text, but it is {found}; write a single text value",
        "ru": "свойство {key} должно быть текстом, а записано {found}; оставьте одно "
        "текстовое значение",
    },
    "recruiter-field-texts": {
        "en": "{key} has an item {found} that is not text; write {key} as text or a list of text",
        "ru": "в свойстве {key} есть значение {found}, и это не текст; запишите {key} текстом "
        "или списком текстов",
    },
    "recruiter-field-date": {
        "en": "{key} should be a date YYYY-MM-DD, but it is {found}; write the date like "
        "2026-11-05",
        "ru": "свойство {key} должно быть датой YYYY-MM-DD, а записано {found}; запишите дату "
        "в виде 2026-11-05",
    },
    "recruiter-field-phone-number": {
        "en": "{key} {found} is not in quotes, so YAML reads it as a number and drops the '+' "
        'and leading zeros; put it in quotes: {key}: "+7 999 123-45-67"',
        "ru": "номер в {key} ({found}) записан без кавычек, поэтому YAML читает его как число "
        'и теряет «+» и ведущие нули; возьмите номер в кавычки: {key}: "+7 999 123-45-67"',
    },
    "recruiter-field-contact-number": {
        "en": "{key} {found} is read by YAML as a number, not text; put it in quotes",
        "ru": "значение {key} ({found}) YAML читает как число, а не как текст; возьмите его "
        "в кавычки",
    },
    "recruiter-field-email": {
        "en": '{key} should be an e-mail address like "anna@example.com", but it is {found}; '
        "correct the address",
        "ru": "в {key} должен быть адрес электронной почты, например "
        '"anna@example.com", а записано {found}; исправьте адрес',
    },
    "recruiter-field-phone": {
        "en": '{key} should be a phone number in quotes like "+7 999 123-45-67", but it is '
        "{found}; correct the number",
        "ru": 'в {key} должен быть номер телефона в кавычках, например "+7 999 123-45-67", '
        "а записано {found}; исправьте номер",
    },
    "recruiter-field-telegram": {
        "en": '{key} should be a Telegram handle in quotes like "@anna_hr", but it is {found}; '
        "correct the handle",
        "ru": 'в {key} должен быть ник в Telegram в кавычках, например "@anna_hr", а записано '
        "{found}; исправьте ник",
    },
    "recruiter-field-linkedin": {
        "en": "{key} should be a profile address in quotes, but it is {found}; write the link "
        "to the LinkedIn profile as text",
        "ru": "в {key} должен быть адрес профиля в кавычках, а записано {found}; запишите "
        "ссылку на профиль LinkedIn текстом",
    },
    "recruiter-field-company-missing": {
        "en": "property {key} is not set; add the company as a quoted link, e.g. "
        '{key}: "[[Yandex]]"',
        "ru": "не указано свойство {key}; добавьте компанию ссылкой в кавычках, например "
        '{key}: "[[Яндекс]]"',
    },
    "recruiter-field-company": {
        "en": '{key} should be a quoted link like "[[Yandex]]", but it is {found}; write the '
        "company as a link in quotes",
        "ru": 'свойство {key} должно быть ссылкой в кавычках, например "[[Яндекс]]", а записано '
        "{found}; запишите компанию ссылкой в кавычках",
    },
    "recruiter-field-company-unquoted": {
        "en": "{key} holds a link without quotes, which YAML reads as a nested list {found}; "
        'put it in quotes: {key}: "[[Yandex]]"',
        "ru": "в свойстве {key} ссылка без кавычек, и YAML читает её как вложенный список "
        '{found}; возьмите её в кавычки: {key}: "[[Яндекс]]"',
    },
    "recruiter-field-cadence-unit": {
        "en": "{key} {found} has no unit; write {suggestion} for days, or use w, mo or y for "
        "weeks, months or years",
        "ru": "в {key} число {found} без единицы измерения; напишите {suggestion} (дни) или "
        "используйте w, mo, y — недели, месяцы, годы",
    },
    "recruiter-field-cadence": {
        "en": '{key} should be a duration like "6w", but it is {found}; use d, w, mo or y, '
        'e.g. "30d" or "3mo"',
        "ru": 'свойство {key} должно быть интервалом вроде "6w", а записано {found}; '
        'используйте d, w, mo или y, например "30d" или "3mo"',
    },
    "recruiter-field-cadence-minutes": {
        "en": '{key} {found} is ambiguous: Dataview reads "m" as minutes; for months write '
        "{suggestion}",
        "ru": "значение {key} {found} неоднозначно: Dataview читает «m» как минуты; для "
        "месяцев пишите {suggestion}",
    },
    "recruiter-field-cadence-zero": {
        "en": '{key} {found} is an interval of zero; it must be at least 1, e.g. "1w"',
        "ru": 'в {key} нулевой интервал {found}; нужно не меньше 1, например "1w"',
    },
    "recruiter-field-status": {
        "en": "{key} should be active, paused or archived, but it is {found}; it counts as "
        "active until you correct it",
        "ru": "свойство {key} должно быть active, paused или archived, а записано {found}; "
        "пока это не исправлено, рекрутер считается active",
    },
    "recruiter-field-confidential": {
        "en": "{key} should be true or false, but it is {found}; it counts as {treated} until "
        "you set true or false",
        "ru": "свойство {key} должно быть true или false, а записано {found}; пока значение "
        "не исправлено, считается {treated}",
    },
    "recruiter-field-no-contact": {
        "en": "no way to contact them; add email, phone, telegram or linkedin",
        "ru": "не указано, как связаться с рекрутером; добавьте email, phone, telegram "
        "или linkedin",
    },
    "recruiter-field-type-declared": {
        "en": ".obsidian/types.json declares {key} as {declared}, but here it is {kind}; use "
        "one type everywhere (or change types.json)",
        "ru": "в .obsidian/types.json у свойства {key} тип {declared}, а здесь — {kind}; "
        "используйте везде один тип (или измените types.json)",
    },
    "recruiter-field-type-usual": {
        "en": "{key} is {usual} in most recruiter notes ({count}), but here it is {kind}; use "
        "one type everywhere",
        "ru": "в большинстве заметок рекрутеров ({count}) у свойства {key} тип {usual}, "
        "а здесь — {kind}; используйте везде один тип",
    },
    "interaction-field-item-date": {
        "en": "{date} in the Interactions list is not a calendar date; correct it to a real "
        "date YYYY-MM-DD",
        "ru": "{date} в списке взаимодействий — несуществующая дата; исправьте её на настоящую "
        "дату YYYY-MM-DD",
    },
    "interaction-field-choice": {
        "en": "{key} should be one of {choices}, but it is {found}; pick one of them",
        "ru": "свойство {key} должно быть одним из значений {choices}, а записано {found}; "
        "выберите одно из них",
    },
    "interaction-field-items": {
        "en": "{key} has an item {found} that is not text; write {key} as a list of text",
        "ru": "в свойстве {key} есть значение {found}, и это не текст; запишите {key} списком "
        "строк",
    },
    "interaction-field-date-missing": {
        "en": "property {key} is not set; add the day of the contact as YYYY-MM-DD — until "
        "then this interaction is not counted",
        "ru": "не указано свойство {key}; добавьте день контакта в виде YYYY-MM-DD — до тех "
        "пор этот контакт не учитывается",
    },
    "interaction-field-date": {
        "en": "{key} should be a date YYYY-MM-DD, but it is {found}; write the day of the "
        "contact like 2026-11-05 — until then this interaction is not counted",
        "ru": "свойство {key} должно быть датой YYYY-MM-DD, а записано {found}; запишите день "
        "контакта в виде 2026-11-05 — до тех пор этот контакт не учитывается",
    },
    "interaction-field-with-missing": {
        "en": "property {key} is not set; add the recruiter as a quoted link, e.g. "
        '{key}: "[[Anna Petrova]]" — until then this interaction counts for nobody',
        "ru": "не указано свойство {key}; добавьте рекрутера ссылкой в кавычках, например "
        '{key}: "[[Анна Петрова]]" — до тех пор контакт ни к кому не относится',
    },
    "interaction-field-with": {
        "en": '{key} should be a quoted link like "[[Anna Petrova]]", but it is {found}; '
        "write the recruiter as a link in quotes",
        "ru": 'свойство {key} должно быть ссылкой в кавычках, например "[[Анна Петрова]]", '
        "а записано {found}; запишите рекрутера ссылкой в кавычках",
    },
    "duplicate-contact-pair": {
        "en": "{contacts} also in {other}; if it is the same person, merge the two notes, "
        "otherwise correct the contact",
        "ru": "контакты совпадают с заметкой {other}: {contacts}; если это один и тот же "
        "человек, объедините заметки, иначе исправьте контакт",
    },
    "recruiter-no-contact-date": {
        "en": "no contact date is known for this recruiter; set {key}, add a dated item under "
        "## Interactions, or write an interaction note that links here",
        "ru": "неизвестно, когда был последний контакт с рекрутером; заполните {key}, добавьте "
        "пункт с датой под заголовком ## Взаимодействия или заметку о контакте со ссылкой "
        "сюда",
    },
    "confidential-leak-one": {
        "en": "a line of confidential text from {source} is copied here; remove it, or mark "
        "it confidential here too",
        "ru": "сюда скопирована строка конфиденциального текста из {source}; удалите её или "
        "пометьте как конфиденциальную и здесь",
    },
    "confidential-leak-many": {
        "en": "{count} lines of confidential text from {source} are copied here; remove them, "
        "or mark them confidential here too",
        "ru": "сюда скопированы строки конфиденциального текста из {source} (строк: {count}); "
        "удалите их или пометьте как конфиденциальные и здесь",
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
    text = "".join(names)
    letters = sum(map(str.isalpha, text))  # counted in C: a 50,000-name vault takes 0.1 s else
    cyrillic = sum(map(str.isalpha, "".join(_CYRILLIC.findall(text))))
    return "ru" if letters and cyrillic * 3 >= letters else "en"


_CYRILLIC = re.compile("[\u0400-\u04ff]+")
