"""What the bot says, in Russian and English (from ``language_code``, overridable per chat)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

LANGUAGES = ("ru", "en")

TEXTS: dict[str, dict[str, str]] = {
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
    "help": {
        "en": "Commands:\n"
        "/balance: your balance\n"
        "/pay [@owner] <amount> [comment]: record a contribution\n"
        "/expense <amount> <category> [vendor] [— description]: record an expense\n"
        "/charge @owner <amount> <description>: charge an owner\n"
        "/split <amount> <description> [@users]: split an expense in the group\n"
        "/settle @user <amount>: record that you paid someone back\n"
        "/periods: the community's periods\n"
        "/close: close the open period\n"
        "/carry: carry the closed period's balances into the open one\n"
        "/meter <value>: record your meter reading\n"
        "/report: the balance sheet\n"
        "/undo <reason>: reverse your last entry\n"
        "/link community <id> | /link group <id>: link this chat\n"
        "/unlink: this Telegram account stops being your user\n"
        "/lang ru|en: the chat's language",
        "ru": "Команды:\n"
        "/balance — ваш баланс\n"
        "/pay [@владелец] <сумма> [комментарий] — записать взнос\n"
        "/expense <сумма> <категория> [поставщик] [— описание] — записать расход\n"
        "/charge @владелец <сумма> <описание> — начислить владельцу\n"
        "/split <сумма> <описание> [@участники] — разделить расход в группе\n"
        "/settle @участник <сумма> — записать, что вы вернули долг\n"
        "/periods — периоды сообщества\n"
        "/close — закрыть открытый период\n"
        "/carry — перенести остатки закрытого периода в открытый\n"
        "/meter <показание> — записать показание счётчика\n"
        "/report — оборотная ведомость\n"
        "/undo <причина> — отменить вашу последнюю запись\n"
        "/link community <id> | /link group <id> — привязать этот чат\n"
        "/unlink — отвязать этот аккаунт Telegram от вашего пользователя\n"
        "/lang ru|en — язык чата",
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
    "usage_lang": {"en": "Usage: /lang ru|en", "ru": "Формат: /lang ru|en"},
    "usage_undo": {
        "en": "Usage: /undo <reason>",
        "ru": "Формат: /undo <причина>",
    },
    "lang_set": {"en": "This chat now speaks English.", "ru": "Теперь в этом чате русский язык."},
    "linked_community": {
        "en": "This chat is linked to community {name} (#{id}).",
        "ru": "Этот чат привязан к сообществу {name} (№{id}).",
    },
    "linked_group": {
        "en": "This chat is linked to group {name} (#{id}).",
        "ru": "Этот чат привязан к группе {name} (№{id}).",
    },
    "link_refused_community": {
        "en": "Only a treasurer of community #{id} may link a chat to it.",
        "ru": "Привязать чат к сообществу №{id} может только его казначей.",
    },
    "link_refused_group": {
        "en": "Only an owner of group #{id} may link a chat to it.",
        "ru": "Привязать чат к группе №{id} может только её владелец.",
    },
    "no_community": {
        "en": "This chat is not linked to a community and you belong to none I know of. "
        "A treasurer can link a group chat with /link community <id>.",
        "ru": "Этот чат не привязан к сообществу, и я не знаю ваших сообществ. "
        "Казначей может привязать групповой чат командой /link community <id>.",
    },
    "no_group": {
        "en": "This chat is not linked to a splits group (/link group <id>).",
        "ru": "Этот чат не привязан к группе расходов (/link group <id>).",
    },
    "no_open_period": {
        "en": "Community #{id} has no open period.",
        "ru": "В сообществе №{id} нет открытого периода.",
    },
    "no_closed_period": {
        "en": "Community #{id} has no closed period to carry forward.",
        "ru": "В сообществе №{id} нет закрытого периода для переноса.",
    },
    "unknown_user": {
        "en": "I do not know @{username} yet: they should write to me once (/start).",
        "ru": "Я ещё не знаю @{username}: пусть напишет мне один раз (/start).",
    },
    "no_meter": {
        "en": "You have no meter in community #{id}.",
        "ru": "У вас нет счётчика в сообществе №{id}.",
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
    "periods_line": {"en": "#{id} {name}: {status}", "ru": "№{id} {name}: {status}"},
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
        "please wait {seconds} s and try again.",
        "ru": "Вы отправляете команды слишком часто; подождите {seconds} с и попробуйте снова.",
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
    "summary_undo": {
        "en": "Reverse {entry} #{entry_id} of {amount}: {reason}",
        "ru": "Отменить {entry} №{entry_id} на {amount}: {reason}",
    },
    "summary_split": {
        "en": "Split {amount} for {description} {how} {people}",
        "ru": "Разделить {amount} за {description} {how} {people}",
    },
    "summary_settle": {
        "en": "You paid {user} {amount}",
        "ru": "Вы вернули {user} {amount}",
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
        "en": "I need {count} numbers, one per person; you sent {given}. Please reply again.",
        "ru": "Нужно {count} чисел, по одному на участника; вы прислали {given}. Ответьте ещё раз.",
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
    "done_period_closed": {"en": "Period #{id} is closed.", "ru": "Период №{id} закрыт."},
    "done_carried": {
        "en": "Carried {total} from period #{from_id} into #{to_id}.",
        "ru": "Перенесено {total} из периода №{from_id} в №{to_id}.",
    },
    "done_reading": {"en": "Reading {value} recorded.", "ru": "Показание {value} записано."},
    "done_split": {
        "en": "Recorded: {description}, {amount} ({shares}).",
        "ru": "Записано: {description}, {amount} ({shares}).",
    },
    "done_settlement": {
        "en": "Recorded: {amount} paid back.",
        "ru": "Записано: возврат {amount}.",
    },
    "done_reversal": {
        "en": "Reversed: {entry} #{entry_id}.",
        "ru": "Отменено: {entry} №{entry_id}.",
    },
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
    "notify_reversal": {
        "en": "{actor} reversed {entry} #{entry_id}: {reason}",
        "ru": "{actor} отменил(а) {entry} №{entry_id}: {reason}",
    },
    "notify_split_expense": {
        "en": "{actor} added {description}: {amount}",
        "ru": "{actor} добавил(а) {description}: {amount}",
    },
    "notify_settlement": {
        "en": "{payer} paid {payee} {amount}",
        "ru": "{payer} заплатил(а) {payee} {amount}",
    },
    "notify_period_closed": {
        "en": "Period #{id} is closed.{audit}",
        "ru": "Период №{id} закрыт.{audit}",
    },
    "audit_head": {"en": "\nAudit chain head: {hash}", "ru": "\nГолова цепочки аудита: {hash}"},
    "statement": {
        "en": "Period #{id} of {community} is closed. Your statement:\n"
        "contributions {paid}\nexpenses {expenses}\ncharges {charges}\npaid expenses {paid_exp}\n"
        "balance {balance}",
        "ru": "Период №{id} сообщества {community} закрыт. Ваша выписка:\n"
        "взносы {paid}\nрасходы {expenses}\nначисления {charges}\nоплаченные расходы "
        "{paid_exp}\nбаланс {balance}",
    },
    "link_created": {
        "en": "Invitation: {link}",
        "ru": "Приглашение: {link}",
    },
    "entry_contribution": {"en": "contribution", "ru": "взнос"},
    "entry_expense": {"en": "expense", "ru": "расход"},
    "entry_charge": {"en": "charge", "ru": "начисление"},
}


def language_of(code: str | None) -> str:
    """``ru`` for Russian (and its neighbours), else English."""
    if code and code.lower().split("-")[0] in ("ru", "uk", "be", "kk"):
        return "ru"
    return "en"


def say(key: str, lang: str, **values: Any) -> str:
    templates = TEXTS[key]
    return templates.get(lang, templates["en"]).format(**values)


def money(amount: Decimal | str, currency: str, lang: str) -> str:
    """``5,000.00 RUB`` in English, ``5 000,00 RUB`` in Russian."""
    value = Decimal(amount)
    text = f"{value:,.2f}"
    if lang == "ru":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"{text} {currency}"
