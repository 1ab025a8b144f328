"""What the bot says, in Russian and English (from ``language_code``, overridable per chat).

Every entry is a key with a template per language, both with the same ``{placeholders}``. An entry
that says how many of something there are is **plural**: per language, a template for each of the
language's CLDR plural categories (Russian ``one``/``few``/``many``/``other``: 1 владелец, 2
владельца, 5 владельцев, 21 владелец, 1,5 доли; English ``one``/``other``), chosen by
``say(key, lang, count=n)`` with Babel's plural rules; ``{count}`` is then written as the language
writes numbers. Money and numbers are written by ``sosenki_contracts.formatting`` (``1 234,56 ₽``,
``₽1,234.56``); languages without a catalogue (Ukrainian, Belarusian, Kazakh, …) are answered in
English. ``tests/test_texts.py`` checks that every key has both languages, the same placeholders,
and every plural category.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from sosenki_contracts.formatting import LANGUAGES, format_money, format_number, language_of

__all__ = [
    "LANGUAGES",
    "TEXTS",
    "day",
    "language_of",
    "money",
    "number",
    "plain_number",
    "plural_category",
    "say",
]

#: A template, or (for a plural entry) a template per CLDR plural category.
Template = str | dict[str, str]

TEXTS: dict[str, dict[str, Template]] = {
    "start": {
        "en": "Hello, {name}! I keep your community's treasury and your group's shared costs.\n"
        "Type /help to see what I can do. Your user number: {user_id}.",
        "ru": "Здравствуйте, {name}! Я веду казну вашего сообщества и общие расходы группы.\n"
        "Наберите /help, чтобы увидеть команды. Ваш номер пользователя: {user_id}.",
    },
    "joined": {
        "en": "Welcome, {name}! You are now linked to user {user_id}.",
        "ru": "Добро пожаловать, {name}! Вы привязаны к пользователю {user_id}.",
    },
    "join_invalid": {
        "en": "This invitation link is not valid, has expired or was already used.",
        "ru": "Эта ссылка-приглашение недействительна, истекла или уже использована.",
    },
    "join_in_private": {
        "en": "Open the invitation link in a private chat with me.",
        "ru": "Откройте ссылку-приглашение в личном чате со мной.",
    },
    "join_already": {
        "en": "You already are user {user_id}.",
        "ru": "Вы уже пользователь {user_id}.",
    },
    "join_taken": {
        "en": "This invitation was refused: another Telegram account already is user {user_id}.",
        "ru": "Приглашение отклонено: пользователь {user_id} уже привязан к другому аккаунту "
        "Telegram.",
    },
    "join_account_linked": {
        "en": "This invitation was refused: your Telegram account already belongs to another "
        "user, who has a community or group. Ask whoever invited you to add that user instead, "
        "or send /unlink first.",
        "ru": "Приглашение отклонено: ваш аккаунт Telegram уже привязан к другому пользователю, "
        "у которого есть сообщество или группа. Попросите пригласившего добавить этого "
        "пользователя или сначала отправьте /unlink.",
    },
    "join_no_longer": {
        "en": "This invitation is no longer valid: {detail}",
        "ru": "Это приглашение больше не действует: {detail}",
    },
    "unlink_in_private": {
        "en": "Send /unlink in a private chat with me.",
        "ru": "Отправьте /unlink в личном чате со мной.",
    },
    "unlinked": {
        "en": "This Telegram account is no longer user {old}; it is the new user {new}. "
        "To be user {old} again, ask for a new invitation.",
        "ru": "Этот аккаунт Telegram больше не пользователь {old}; теперь это новый "
        "пользователь {new}. Чтобы снова стать пользователем {old}, попросите новое "
        "приглашение.",
    },
    "usage_pay": {
        "en": "Usage: /pay [@owner] <amount> [comment], e.g. /pay 1000 June",
        "ru": "Формат: /pay [@владелец] <сумма> [комментарий], например /pay 1000 июнь",
    },
    "amount_ambiguous": {
        "en": "I cannot tell what {text} means: {first} or {second}? Type it without doubt, "
        "e.g. {first} (spaces between thousands, a comma or point before kopecks: 3 000,50).",
        "ru": "Непонятно, что значит {text}: {first} или {second}? Напишите сумму однозначно, "
        "например {first} (тысячи через пробел, копейки после запятой: 3 000,50).",
    },
    "amount_unreadable": {
        "en": "I cannot read the amount in “{text}”. Type it like 3 000, 3 000,50 or 3000.50, "
        "then the rest.",
        "ru": "Не могу прочитать сумму в «{text}». Пишите так: 3 000, 3 000,50 или 3000.50, "
        "а затем остальное.",
    },
    "usage_expense": {
        "en": "Usage: /expense <amount> <category> [vendor] [— description]",
        "ru": "Формат: /expense <сумма> <категория> [поставщик] [— описание]",
    },
    "usage_charge": {
        "en": "Usage: /charge @owner <amount> <description>",
        "ru": "Формат: /charge @владелец <сумма> <описание>",
    },
    "usage_split": {
        "en": "Usage: /split <amount> <description> [@users…]",
        "ru": "Формат: /split <сумма> <описание> [@участники…]",
    },
    "usage_settle": {
        "en": "Usage: /settle @user <amount>",
        "ru": "Формат: /settle @участник <сумма>",
    },
    "usage_meter": {"en": "Usage: /meter <value>", "ru": "Формат: /meter <показание>"},
    "usage_link": {
        "en": "Usage: /link community <id> or /link group <id>",
        "ru": "Формат: /link community <id> или /link group <id>",
    },
    "usage_lang": {
        "en": "This chat speaks English. To change it: /language ru (Русский) or /language en "
        "(English).",
        "ru": "В этом чате русский язык. Сменить: /language ru (русский) или /language en "
        "(English).",
    },
    "usage_undo": {
        "en": "Usage: /undo <reason>",
        "ru": "Формат: /undo <причина>",
    },
    "lang_set": {"en": "This chat now speaks English.", "ru": "Теперь в этом чате русский язык."},
    "lang_unknown": {
        "en": "I speak Russian and English only: /language ru or /language en.",
        "ru": "Я говорю только по-русски и по-английски: /language ru или /language en.",
    },
    "nothing_to_undo": {
        "en": "You have no entry to reverse.",
        "ru": "У вас нет записи для отмены.",
    },
    "balance_line": {
        "en": "{community}, {period}: balance {balance} (paid {paid}, expenses {expenses}, "
        "charges {charges})",
        "ru": "{community}, {period}: баланс {balance} (взносы {paid}, расходы {expenses}, "
        "начисления {charges})",
    },
    "balance_uncarried": {
        "en": "{community}: with earlier periods not carried forward yet, you stand at {total}",
        "ru": "{community}: с прежними периодами, ещё не перенесёнными, ваш баланс {total}",
    },
    "balance_none": {
        "en": "No balance yet in {community}.",
        "ru": "В {community} пока нет баланса.",
    },
    "periods_none": {"en": "No periods yet.", "ru": "Периодов пока нет."},
    "report_head": {
        "en": "Balance sheet, {period}:",
        "ru": "Оборотная ведомость, {period}:",
    },
    "report_line": {"en": "{owner}: {balance}", "ru": "{owner}: {balance}"},
    "report_total": {"en": "Total: {total}", "ru": "Итого: {total}"},
    "confirm_question": {"en": "{summary}\nConfirm?", "ru": "{summary}\nПодтвердить?"},
    "confirm_yes": {"en": "✅ Confirm", "ru": "✅ Подтвердить"},
    "confirm_no": {"en": "✖ Cancel", "ru": "✖ Отмена"},
    "confirmed": {
        "en": "{summary}\nSent, waiting for the result…",
        "ru": "{summary}\nОтправлено, ждём результат…",
    },
    "cancelled": {"en": "{summary}\nCancelled.", "ru": "{summary}\nОтменено."},
    "already_decided": {"en": "Already done.", "ru": "Уже сделано."},
    "not_yours": {
        "en": "Only the person who asked can confirm this.",
        "ru": "Подтвердить может только тот, кто это запросил.",
    },
    "still_processing": {
        "en": "Still being processed; I will tell you when it is done.",
        "ru": "Ещё обрабатывается; я сообщу, когда будет готово.",
    },
    "refused": {"en": "Refused: {detail}", "ru": "Отказано: {detail}"},
    "unavailable": {
        "en": "The service is not available right now; please try again later.",
        "ru": "Сервис сейчас недоступен, попробуйте позже.",
    },
    "too_many_commands": {
        "en": "You are sending commands faster than I can keep up with; "
        "please wait {seconds} and try again.",
        "ru": "Вы отправляете команды слишком часто; подождите {seconds} и попробуйте снова.",
    },
    "n_seconds": {
        "en": {"one": "{count} second", "other": "{count} seconds"},
        "ru": {
            "one": "{count} секунду",
            "few": "{count} секунды",
            "many": "{count} секунд",
            "other": "{count} секунды",
        },
    },
    "failed": {
        "en": "Something went wrong; please try again later.",
        "ru": "Что-то пошло не так, попробуйте позже.",
    },
    "summary_pay": {
        "en": "Contribution of {amount} from {owner} to {period}{comment}",
        "ru": "Взнос {amount} от {owner} в {period}{comment}",
    },
    "summary_expense": {
        "en": "Expense {amount}, {category}{vendor}{description} in {period}",
        "ru": "Расход {amount}, {category}{vendor}{description} в {period}",
    },
    "summary_charge": {
        "en": "Charge {amount} to {owner}: {description} in {period}",
        "ru": "Начисление {amount} владельцу {owner}: {description} в {period}",
    },
    "summary_close": {"en": "Close period {period}", "ru": "Закрыть период {period}"},
    "summary_carry": {
        "en": "Carry the balances of {from_period} into {to_period}",
        "ru": "Перенести остатки {from_period} в {to_period}",
    },
    "summary_meter": {
        "en": "Meter reading {value} ({meter}) on {date}",
        "ru": "Показание счётчика {value} ({meter}) на {date}",
    },
    "summary_split": {
        "en": "Split {amount} for {description} {how} {people}",
        "ru": "Разделить {amount} за {description} {how} {people}",
    },
    "split_how_EQUAL": {"en": "equally between", "ru": "поровну между:"},
    "split_how_SHARES": {"en": "by shares between", "ru": "по долям между:"},
    "split_how_PERCENTAGE": {"en": "by percentages between", "ru": "по процентам между:"},
    "split_how_EXACT_AMOUNTS": {"en": "in exact amounts between", "ru": "точными суммами между:"},
    "split_type_EQUAL": {"en": "Equally", "ru": "Поровну"},
    "split_type_SHARES": {"en": "Shares", "ru": "Доли"},
    "split_type_PERCENTAGE": {"en": "Percent", "ru": "Проценты"},
    "split_type_EXACT_AMOUNTS": {"en": "Amounts", "ru": "Суммы"},
    "split_next": {"en": "➡ Next", "ru": "➡ Далее"},
    "split_nobody": {
        "en": "Tick at least one person.",
        "ru": "Отметьте хотя бы одного участника.",
    },
    "split_ask_SHARES": {
        "en": "{who}, reply with the shares of {people}, in this order, as whole numbers "
        "(e.g. {example}).",
        "ru": "{who}, ответьте долями для: {people}, в этом порядке, целыми числами "
        "(например, {example}).",
    },
    "split_ask_PERCENTAGE": {
        "en": "{who}, reply with the percentages of {people}, in this order, adding up to 100 "
        "(e.g. {example}).",
        "ru": "{who}, ответьте процентами для: {people}, в этом порядке, в сумме 100 "
        "(например, {example}).",
    },
    "split_ask_EXACT_AMOUNTS": {
        "en": "{who}, reply with what {people} owe, in this order, adding up to {amount} "
        "(e.g. {example}).",
        "ru": "{who}, ответьте, сколько должны {people}, в этом порядке, в сумме {amount} "
        "(например, {example}).",
    },
    "split_numbers_count": {
        "en": {
            "one": "I need one number per person, {needed} in all; you sent {count} number. "
            "Please reply again.",
            "other": "I need one number per person, {needed} in all; you sent {count} numbers. "
            "Please reply again.",
        },
        "ru": {
            "one": "Нужно по одному числу на участника, всего {needed}; вы прислали {count} "
            "число. Ответьте ещё раз.",
            "few": "Нужно по одному числу на участника, всего {needed}; вы прислали {count} "
            "числа. Ответьте ещё раз.",
            "many": "Нужно по одному числу на участника, всего {needed}; вы прислали {count} "
            "чисел. Ответьте ещё раз.",
            "other": "Нужно по одному числу на участника, всего {needed}; вы прислали {count} "
            "числа. Ответьте ещё раз.",
        },
    },
    "split_shares_whole": {
        "en": "Shares are whole numbers of at least 1, e.g. 2 1 1. Please reply again.",
        "ru": "Доли — целые числа не меньше 1, например 2 1 1. Ответьте ещё раз.",
    },
    "split_not_a_number": {
        "en": "{word} is not a number. Please reply again.",
        "ru": "{word} — не число. Ответьте ещё раз.",
    },
    "split_percent_sum": {
        "en": "The percentages add up to {sum}, not 100. Please reply again.",
        "ru": "Проценты в сумме дают {sum}, а не 100. Ответьте ещё раз.",
    },
    "split_amounts_sum": {
        "en": "The amounts add up to {sum}, not {total}. Please reply again.",
        "ru": "Суммы в итоге дают {sum}, а не {total}. Ответьте ещё раз.",
    },
    "done_contribution": {
        "en": "Recorded: contribution {amount} from {owner}{comment}.",
        "ru": "Записано: взнос {amount} от {owner}{comment}.",
    },
    "done_expense": {
        "en": "Recorded: expense {amount}, {category}.",
        "ru": "Записано: расход {amount}, {category}.",
    },
    "done_charge": {
        "en": "Recorded: charge {amount} to {owner}.",
        "ru": "Записано: начисление {amount} владельцу {owner}.",
    },
    "done_reading": {"en": "Reading {value} recorded.", "ru": "Показание {value} записано."},
    "done_other": {"en": "Done.", "ru": "Готово."},
    "notify_contribution": {
        "en": "{actor} recorded a contribution of {amount} from {owner}{comment}",
        "ru": "{actor} записал(а) взнос {amount} от {owner}{comment}",
    },
    "notify_expense": {
        "en": "{actor} recorded {amount} {category}",
        "ru": "{actor} записал(а) расход {amount}: {category}",
    },
    "pattern_paused": {
        "en": "A recurring expense of yours is paused: {reason}",
        "ru": "Ваш повторяющийся расход приостановлен: {reason}",
    },
    "your_share": {
        "en": "Your share of {category} ({amount}, recorded by {actor}): {share}",
        "ru": "Ваша доля в расходе «{category}» ({amount}, записал(а) {actor}): {share}",
    },
    "notify_charge": {
        "en": "{actor} charged {owner} {amount}: {description}",
        "ru": "{actor} начислил(а) {owner} {amount}: {description}",
    },
    "notify_settlement": {
        "en": "{payer} paid {payee} {amount}",
        "ru": "{payer} заплатил(а) {payee} {amount}",
    },
    "audit_head": {"en": "\nAudit chain head: {hash}", "ru": "\nГолова цепочки аудита: {hash}"},
    "link_created": {
        "en": "Invitation: {link}",
        "ru": "Приглашение: {link}",
    },
    "entry_contribution": {"en": "contribution", "ru": "взнос"},
    "entry_expense": {"en": "expense", "ru": "расход"},
    "entry_charge": {"en": "charge", "ru": "начисление"},
    "help": {
        "en": "Commands:\nSetting up:\n/newcommunity <name>: a community (village), you its "
        "treasurer\n/newgroup <name>: a group of friends sharing costs\n/owner <name or "
        "@username> [share]: add an owner (people without Telegram by name)\n/member "
        "<name or @username>: add a group member\n/period November [2026] | /period "
        "<name> <first day> <last day>: open a period\n/invite <name>: an invitation link "
        "to forward\n/link: link this chat to one of your communities or groups; /unlink "
        "in a group: unlink\nMoney:\n/pay [@owner or name] <amount> [comment]: a "
        "contribution (amounts like 3 000,50)\n/expense <amount> <category> [vendor] [— "
        "description]\n/charge <@owner or name> <amount> <description>\n/close: close the "
        "open period (then I offer the next one)\n/carry: carry the closed period's "
        "balances into the open one\n/split <amount> <description> [@users]; /settle "
        "@user <amount>\n/meter <value>; /undo <reason>\nReading:\n/balance, /owe (who "
        "owes whom), /periods, /report, /audit\n/sheet hide|show: the balance sheet for "
        "treasurers only, or owners too\n/language ru|en: the chat's language; /unlink "
        "in private: this account stops being your user",
        "ru": "Команды:\nНастройка:\n/newcommunity <название> — сообщество (посёлок), вы его "
        "казначей\n/newgroup <название> — группа друзей с общими расходами\n/owner <имя "
        "или @username> [доля] — добавить владельца (без Telegram — по имени)\n/member "
        "<имя или @username> — добавить участника группы\n/period Ноябрь [2026] | /period "
        "<название> <первый день> <последний день> — открыть период\n/invite <имя> — "
        "ссылка-приглашение, чтобы переслать\n/link — привязать чат к вашему сообществу "
        "или группе; /unlink в группе — отвязать\nДеньги:\n/pay [@владелец или имя] "
        "<сумма> [комментарий] — взнос (суммы вроде 3 000,50)\n/expense <сумма> "
        "<категория> [поставщик] [— описание]\n/charge <@владелец или имя> <сумма> "
        "<описание>\n/close — закрыть открытый период (затем я предложу "
        "следующий)\n/carry — перенести остатки закрытого периода в открытый\n/split "
        "<сумма> <описание> [@участники]; /settle @участник <сумма>\n/meter <показание>; "
        "/undo <причина>\nПросмотр:\n/balance, /owe (кто кому должен), /periods, /report, "
        "/audit\n/sheet скрыть|показать — ведомость только казначеям или и собственникам\n"
        "/language ru|en — язык чата; /unlink в личном чате — отвязать этот аккаунт",
    },
    "a_name": {
        "en": "<name>",
        "ru": "<название>",
    },
    "create_which": {
        "en": "What shall I create?\n/newcommunity {name}: a community (a village, a house) "
        "with owners, periods and a treasurer (you)\n/newgroup {name}: a group of friends "
        "sharing costs (a trip, a flat)",
        "ru": "Что создать?\n/newcommunity {name} — сообщество (посёлок, дом) с владельцами, "
        "периодами и казначеем (вами)\n/newgroup {name} — группа друзей с общими "
        "расходами (поездка, квартира)",
    },
    "usage_newcommunity": {
        "en": "Usage: /newcommunity <name> [currency], e.g. /newcommunity Cedars",
        "ru": "Формат: /newcommunity <название> [валюта], например /newcommunity Сосенки",
    },
    "usage_newgroup": {
        "en": "Usage: /newgroup <name> [currency], e.g. /newgroup Trip to Kazan",
        "ru": "Формат: /newgroup <название> [валюта], например /newgroup Поездка в Казань",
    },
    "summary_newcommunity": {
        "en": "New community {name}",
        "ru": "Новое сообщество {name}",
    },
    "summary_newgroup": {
        "en": "New group {name}",
        "ru": "Новая группа {name}",
    },
    "usage_owner": {
        "en": "Usage: /owner <name or @username> [share], e.g. /owner Ivan Petrov 1 (or reply "
        "to their message with /owner 1)",
        "ru": "Формат: /owner <имя или @username> [доля], например /owner Иван Петров 1 (или "
        "ответьте на его сообщение: /owner 1)",
    },
    "owner_exists": {
        "en": "{name} already is an owner here.",
        "ru": "{name} уже владелец здесь.",
    },
    "summary_owner": {
        "en": "Add owner {name} (share {share})",
        "ru": "Добавить владельца {name} (доля {share})",
    },
    "only_treasurer": {
        "en": "Only a treasurer of {community} may do this.",
        "ru": "Это может только казначей сообщества {community}.",
    },
    "only_group_owner": {
        "en": "Only an owner of group {group} may do this.",
        "ru": "Это может только владелец группы {group}.",
    },
    "usage_member": {
        "en": "Usage: /member <name or @username>, e.g. /member @pavel",
        "ru": "Формат: /member <имя или @username>, например /member @pavel",
    },
    "member_exists": {
        "en": "{name} already is in the group.",
        "ru": "{name} уже в группе.",
    },
    "summary_member": {
        "en": "Add {name} to {group}",
        "ru": "Добавить {name} в {group}",
    },
    "usage_invite": {
        "en": "Usage: /invite <name>, e.g. /invite Ivan Petrov",
        "ru": "Формат: /invite <имя>, например /invite Иван Петров",
    },
    "nobody_named": {
        "en": "Nobody here is called {name}. Add them first (/owner or /member).",
        "ru": "Здесь нет никого по имени {name}. Сначала добавьте (/owner или /member).",
    },
    "invite_refused": {
        "en": "No invitation for {name}: {detail}",
        "ru": "Приглашение для {name} не создано: {detail}",
    },
    "invitation": {
        "en": "Invitation for {name} (forward it; it works once, until {expires}):\n{link}",
        "ru": "Приглашение для {name} (перешлите его; действует один раз, до {expires}):\n{link}",
    },
    "usage_period": {
        "en": "Usage: /period November [2026] or /period <name> <first day> <last day>, e.g. "
        "/period Q4 2026-10-01 2026-12-31",
        "ru": "Формат: /period Ноябрь [2026] или /period <название> <первый день> <последний "
        "день>, например /period Осень 01.09.2026 30.11.2026",
    },
    "period_backwards": {
        "en": "The last day comes before the first one.",
        "ru": "Последний день раньше первого.",
    },
    "summary_period": {
        "en": "Open period {name}",
        "ru": "Открыть период {name}",
    },
    "summary_next_period": {
        "en": "Open {name} and carry the balances of {closed} into it",
        "ru": "Открыть {name} и перенести в него остатки {closed}",
    },
    "link_choose": {
        "en": "Which one should this chat be about?",
        "ru": "К чему привязать этот чат?",
    },
    "link_nothing": {
        "en": "You have no community where you are treasurer and no group you own. Create one: "
        "/newcommunity <name> or /newgroup <name>.",
        "ru": "У вас нет сообщества, где вы казначей, и нет своей группы. Создайте: "
        "/newcommunity <название> или /newgroup <название>.",
    },
    "link_chosen": {
        "en": "Chosen.",
        "ru": "Выбрано.",
    },
    "link_not_yours": {
        "en": "You do not belong there.",
        "ru": "Вы туда не входите.",
    },
    "link_not_admin": {
        "en": "Only an administrator of this chat may link it, unlink it or change its settings.",
        "ru": "Привязать, отвязать или настроить этот чат может только его администратор.",
    },
    "link_not_current_manager": {
        "en": "This chat is linked by its treasurer (or group owner); only they may change that.",
        "ru": "Этот чат привязал казначей (или владелец группы); изменить это может только он.",
    },
    "chat_not_linked": {
        "en": "This chat is not linked.",
        "ru": "Этот чат ни к чему не привязан.",
    },
    "chat_unlinked": {
        "en": "This chat is unlinked.",
        "ru": "Этот чат отвязан.",
    },
    "linked_community": {
        "en": "This chat is linked to community {name}.",
        "ru": "Этот чат привязан к сообществу {name}.",
    },
    "linked_group": {
        "en": "This chat is linked to group {name}.",
        "ru": "Этот чат привязан к группе {name}.",
    },
    "link_refused_community": {
        "en": "Only a treasurer of that community may link a chat to it.",
        "ru": "Привязать чат к этому сообществу может только его казначей.",
    },
    "link_refused_group": {
        "en": "Only an owner of that group may link a chat to it.",
        "ru": "Привязать чат к этой группе может только её владелец.",
    },
    "no_community": {
        "en": "This chat is not linked to a community and you belong to none. Create one with "
        "/newcommunity <name>, or ask your treasurer for an invitation.",
        "ru": "Этот чат не привязан к сообществу, и вы ни в одном не состоите. Создайте его: "
        "/newcommunity <название> — или попросите приглашение у казначея.",
    },
    "no_group": {
        "en": "This chat is not linked to a group. Create one with /newgroup <name> or link one "
        "with /link.",
        "ru": "Этот чат не привязан к группе. Создайте её: /newgroup <название> — или "
        "привяжите: /link.",
    },
    "no_open_period": {
        "en": "{community} has no open period. Open one: /period November.",
        "ru": "В {community} нет открытого периода. Откройте: /period Ноябрь.",
    },
    "no_closed_period": {
        "en": "{community} has no closed period to carry forward.",
        "ru": "В {community} нет закрытого периода для переноса.",
    },
    "no_meter": {
        "en": "You have no meter in this community.",
        "ru": "У вас нет счётчика в этом сообществе.",
    },
    "unknown_user": {
        "en": "I do not know @{username} yet. Add them by name (/owner, /member) and send them "
        "the invitation, or ask them to write to me once (/start).",
        "ru": "Я ещё не знаю @{username}. Добавьте по имени (/owner, /member) и перешлите "
        "приглашение или попросите написать мне один раз (/start).",
    },
    "someone": {
        "en": "someone",
        "ru": "кто-то",
    },
    "group_balances_head": {
        "en": "{group}: balances",
        "ru": "{group}: балансы",
    },
    "group_owed": {
        "en": "{name} is owed {amount}",
        "ru": "{name}: должны {amount}",
    },
    "group_owes": {
        "en": "{name} owes {amount}",
        "ru": "{name} должен(на) {amount}",
    },
    "group_even": {
        "en": "{name} is even",
        "ru": "{name}: в расчёте",
    },
    "owe_nobody": {
        "en": "Nobody owes anybody.",
        "ru": "Никто никому не должен.",
    },
    "owe_head": {
        "en": "To settle up:",
        "ru": "Чтобы рассчитаться:",
    },
    "owe_line": {
        "en": "{payer} → {payee}: {amount}",
        "ru": "{payer} → {payee}: {amount}",
    },
    "not_a_member": {
        "en": "You are not a member of this chat's community, so I show you nothing of it.",
        "ru": "Вы не участник сообщества этого чата, поэтому я ничего о нём не показываю.",
    },
    "report_not_allowed": {
        "en": "This community shows its balance sheet to treasurers only; /balance shows yours.",
        "ru": "Это сообщество показывает ведомость только казначеям; ваш баланс — /balance.",
    },
    "audit": {
        "en": "Audit log of {community}: {entries}, chain head\n{hash}",
        "ru": "Журнал аудита {community}: {entries}, голова цепочки\n{hash}",
    },
    "n_entries": {
        "en": {"one": "{count} entry", "other": "{count} entries"},
        "ru": {
            "one": "{count} запись",
            "few": "{count} записи",
            "many": "{count} записей",
            "other": "{count} записи",
        },
    },
    "periods_line": {
        "en": "{name}: {status}",
        "ru": "{name}: {status}",
    },
    "status_OPEN": {
        "en": "open",
        "ru": "открыт",
    },
    "status_CLOSED": {
        "en": "closed",
        "ru": "закрыт",
    },
    "balance_carried": {
        "en": "of which carried from {period}: {amount}",
        "ru": "из них перенесено из {period}: {amount}",
    },
    "pick_owner": {
        "en": "{summary}\nWhose is it?",
        "ru": "{summary}\nЧей это?",
    },
    "no_owners_yet": {
        "en": "There are no owners yet: add them with /owner <name> [share].",
        "ru": "Владельцев пока нет: добавьте их командой /owner <имя> [доля].",
    },
    "done_community": {
        "en": "Community {name} is created; you are its treasurer. Next: add owners (/owner "
        "<name> [share]), open a period (/period November), link a group chat (/link).",
        "ru": "Сообщество {name} создано; вы его казначей. Дальше: добавьте владельцев (/owner "
        "<имя> [доля]), откройте период (/period Ноябрь), привяжите чат (/link).",
    },
    "done_group": {
        "en": "Group {name} is created. Add friends: /member @username or /member <name>; then "
        "/split.",
        "ru": "Группа {name} создана. Добавьте друзей: /member @username или /member <имя>; "
        "затем /split.",
    },
    "done_owner": {
        "en": "Added owner {name} (share {share}).",
        "ru": "Добавлен владелец {name} (доля {share}).",
    },
    "done_member": {
        "en": "{name} is in the group.",
        "ru": "{name} в группе.",
    },
    "done_period_created": {
        "en": "Period {name} is open ({start} – {end}).",
        "ru": "Период {name} открыт ({start} – {end}).",
    },
    "done_period_closed": {
        "en": "Period {name} is closed.",
        "ru": "Период {name} закрыт.",
    },
    "notify_period_closed": {
        "en": "Period {name} is closed.",
        "ru": "Период {name} закрыт.",
    },
    "done_carried": {
        "en": "Carried {total} from {from_name} into {to_name}.",
        "ru": "Перенесено {total} из {from_name} в {to_name}.",
    },
    "done_reversal": {
        "en": "Reversed: {entry} {amount}.",
        "ru": "Отменено: {entry} {amount}.",
    },
    "notify_reversal": {
        "en": "{actor} reversed a {entry} of {amount}: {reason}",
        "ru": "{actor} отменил(а) {entry} {amount}: {reason}",
    },
    "summary_undo": {
        "en": "Reverse your last {entry} of {amount}: {reason}",
        "ru": "Отменить вашу последнюю запись ({entry}) на {amount}: {reason}",
    },
    "statement": {
        "en": "Period {period} of {community} is closed. Your statement:\ncontributions "
        "{paid}\nexpenses {expenses}\ncharges {charges}\npaid expenses "
        "{paid_exp}\nbalance {balance}",
        "ru": "Период {period} сообщества {community} закрыт. Ваша выписка:\nвзносы "
        "{paid}\nрасходы {expenses}\nначисления {charges}\nоплаченные расходы "
        "{paid_exp}\nбаланс {balance}",
    },
    "done_split": {
        "en": "Recorded: {description}, {amount} paid by {payer} ({shares}).",
        "ru": "Записано: {description}, {amount}, заплатил(а) {payer} ({shares}).",
    },
    "notify_split_expense": {
        "en": "{actor} added {description}: {amount} paid by {payer}",
        "ru": "{actor} добавил(а) {description}: {amount}, заплатил(а) {payer}",
    },
    "done_settlement": {
        "en": "Recorded: {payer} paid {payee} back {amount}.",
        "ru": "Записано: {payer} вернул(а) {payee} {amount}.",
    },
    "summary_settle": {
        "en": "{payer} paid {user} back {amount}",
        "ru": "{payer} вернул(а) {user} {amount}",
    },
    "your_entry_reversed": {
        "en": "{actor} reversed a {entry} of yours of {amount}: {reason}",
        "ru": "{actor} отменил(а) ваш(е) {entry} на {amount}: {reason}",
    },
    "you_were_charged": {
        "en": "{actor} charged you {amount}: {description}",
        "ru": "{actor} начислил(а) вам {amount}: {description}",
    },
    "private_hint": {
        "en": "I understand commands (/help). To create a village or a house: /newcommunity "
        "<name>; a group of friends sharing costs: /newgroup <name>.",
        "ru": "Я понимаю команды (/help). Создать посёлок или дом: /newcommunity <название>; "
        "группу друзей с общими расходами: /newgroup <название>.",
    },
    "keyboard_expired": {
        "en": "This was not confirmed in time; send the command again.",
        "ru": "Это не подтвердили вовремя; отправьте команду ещё раз.",
    },
    # the audit chain verified from the chat (session 4)
    "audit_verify_button": {"en": "Verify the chain", "ru": "Проверить цепочку"},
    "audit_verified": {
        "en": "The audit log of {community} is intact: {entries} checked, each linked to the "
        "one before.",
        "ru": "Журнал аудита {community} цел (проверено: {entries}); каждая запись связана с "
        "предыдущей.",
    },
    "audit_broken": {
        "en": "The audit log of {community} is BROKEN at entry {seq}: tell the treasurer.",
        "ru": "Журнал аудита {community} НАРУШЕН на записи {seq}: сообщите казначею.",
    },
    # who sees the balance sheet (session 4)
    "usage_sheet": {
        "en": "Usage: /sheet hide (the balance sheet for treasurers only) or /sheet show (for "
        "owners too)",
        "ru": "Формат: /sheet скрыть (оборотная ведомость только казначеям) или /sheet показать "
        "(и собственникам)",
    },
    "summary_sheet_hidden": {
        "en": "Show the balance sheet of {community} to treasurers only",
        "ru": "Показывать оборотную ведомость {community} только казначеям",
    },
    "summary_sheet_shown": {
        "en": "Show the balance sheet of {community} to owners too",
        "ru": "Показывать оборотную ведомость {community} и собственникам",
    },
    "done_sheet_hidden": {
        "en": "Done: owners no longer see the balance sheet; each still sees their own balance.",
        "ru": "Готово: собственники больше не видят оборотную ведомость; свой баланс видит каждый.",
    },
    "done_sheet_shown": {
        "en": "Done: owners see the balance sheet (/report).",
        "ru": "Готово: собственники видят оборотную ведомость (/report).",
    },
    # documents (docs17)
    "documents_offer": {
        "en": "Documents to download:",
        "ru": "Документы для скачивания:",
    },
    "document_sheet_pdf": {"en": "Balance sheet (PDF)", "ru": "Ведомость (PDF)"},
    "document_sheet_csv": {"en": "Balance sheet (CSV)", "ru": "Ведомость (CSV)"},
    "document_statement_pdf": {"en": "My statement (PDF)", "ru": "Моя выписка (PDF)"},
    "document_statement_csv": {"en": "My statement (CSV)", "ru": "Моя выписка (CSV)"},
    "document_sheet_caption": {
        "en": "{community}: balance sheet, {period}",
        "ru": "{community}: оборотная ведомость, {period}",
    },
    "document_statement_caption": {
        "en": "{community}: statement of {owner}",
        "ru": "{community}: выписка, {owner}",
    },
    "document_sheet_file": {"en": "balance-sheet", "ru": "ведомость"},
    "document_statement_file": {"en": "statement", "ru": "выписка"},
    "document_sent_private": {
        "en": "Sent to you in a private chat.",
        "ru": "Отправил вам в личные сообщения.",
    },
    "document_write_first": {
        "en": "Open a private chat with me first (press Start there), then ask again.",
        "ru": "Сначала откройте личный чат со мной (нажмите «Старт»), затем попросите снова.",
    },
    "document_not_allowed": {
        "en": "This document is not yours to see.",
        "ru": "Этот документ вам недоступен.",
    },
    "document_not_found": {
        "en": "There is no such document (any more).",
        "ru": "Такого документа нет (или уже нет).",
    },
    "document_statement_close": {
        "en": "Your statement, {community}",
        "ru": "Ваша выписка, {community}",
    },
    # mini app (miniapp17)
    "help_miniapp": {
        "en": "The app (the SOSenki button beside the message field, or {url}): your balance "
        "and statement, what to pay, a treasurer's balance sheet and who is behind, a group's "
        "debts and settle-up plan.",
        "ru": "Приложение (кнопка SOSenki рядом с полем ввода или {url}): ваш баланс и "
        "выписка, сколько платить, оборотная ведомость и должники для казначея, долги группы "
        "и план расчётов.",
    },
}


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def plural_category(count: Decimal | int, lang: str) -> str:
    """The CLDR plural category of ``count`` in ``lang`` (``ru``: 1 one, 2 few, 5 many, 21 one,
    1.5 other; ``en``: 1 one, anything else other)."""
    return str(_locale(language_of(lang)).plural_form(count))


def say(key: str, lang: str, **values: Any) -> str:
    """The text of ``key`` in ``lang`` (English for a language without a catalogue). A plural
    entry takes ``count=n``: the template of n's plural category, ``{count}`` written as the
    language writes numbers. Any ``Decimal`` value is written as the language writes numbers,
    with the decimals it has (``3 000,50`` / ``3,000.50``); money comes formatted (``money``)."""
    lang = language_of(lang)
    templates = TEXTS[key]
    template = templates.get(lang, templates["en"])
    if isinstance(template, dict):
        count = values["count"]
        template = template.get(plural_category(count, lang), template["other"])
        values = {**values, "count": format_number(count, lang)}
    written = {k: _decimal(v, lang) if isinstance(v, Decimal) else v for k, v in values.items()}
    return template.format(**written)


def _decimal(value: Decimal, lang: str) -> str:
    return format_number(value, lang, "#,##0" + _places(value))


def _places(value: Decimal) -> str:
    """The pattern's decimals for the decimals ``value`` has (``3000.50`` → ``.00``)."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "." + "0" * places if places else ""


def money(amount: Decimal | int | str, currency: str | None, lang: str) -> str:
    """An amount as the language writes it, with its currency's symbol: ``1 234,56 ₽``,
    ``₽1,234.56``; just the number when the currency is not known (``""``)."""
    return format_money(amount, currency, lang)


def number(value: Decimal | int | str, lang: str) -> str:
    """A number (a share, a meter reading, a percentage) as the language writes it: ``1,5`` /
    ``1.5``, thousands grouped, no trailing zeros."""
    return format_number(Decimal(value).normalize(), lang)


def plain_number(value: Decimal, lang: str) -> str:
    """A number to be typed back in a list of numbers: the language's decimal sign, no grouping
    (a space would split it): ``333,34`` / ``333.34``."""
    return format_number(value, lang, "0" + _places(value))


def day(value: dt.date | str, lang: str) -> str:
    """A date as the language writes it: ``1 ноября 2026 г.``, ``November 1, 2026``."""
    when = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return format_date(when, "long", locale=language_of(lang))
