"""A service's refusal in the user's words: chosen by its stable ``code``
(``sosenki_contracts.error_codes.ErrorCode``), never by the service's English ``detail``.

A code without a sentence here (a newer service, an older one without codes) gets the generic
sentence of its HTTP status, so a Russian speaker never reads the service's English. Pure: no I/O.
"""

from __future__ import annotations

from sosenki_contracts.error_codes import ErrorCode as E

#: code -> {"en", "ru"}. Sentences name no internal numbers (the user knows what they asked).
REFUSALS: dict[str, dict[str, str]] = {
    E.BAD_REQUEST: {
        "en": "something in the request is not right.",
        "ru": "в запросе что-то не так.",
    },
    E.UNAUTHORIZED: {
        "en": "I could not confirm who you are; please try again.",
        "ru": "не удалось подтвердить, кто вы; попробуйте ещё раз.",
    },
    E.FORBIDDEN: {"en": "you may not do this.", "ru": "вам это не разрешено."},
    E.NOT_FOUND: {"en": "it was not found.", "ru": "не найдено."},
    E.CONFLICT: {
        "en": "this is not possible in the current state.",
        "ru": "сейчас это сделать нельзя.",
    },
    E.PAYLOAD_TOO_LARGE: {"en": "that is too large.", "ru": "слишком большой объём."},
    E.RATE_LIMITED: {
        "en": "too many changes at once; please wait a moment.",
        "ru": "слишком много изменений подряд; подождите немного.",
    },
    E.UNAVAILABLE: {
        "en": "the service is not available right now; please try again later.",
        "ru": "сервис сейчас недоступен, попробуйте позже.",
    },
    E.INTERNAL: {
        "en": "something went wrong on our side.",
        "ru": "у нас что-то пошло не так.",
    },
    E.INVALID_INPUT: {
        "en": "some of the data is missing or in the wrong form.",
        "ru": "часть данных не указана или указана в неверном виде.",
    },
    E.ROUTE_NOT_FOUND: {"en": "it was not found.", "ru": "не найдено."},
    E.METHOD_NOT_ALLOWED: {"en": "this is not possible.", "ru": "так нельзя."},
    E.TOKEN_MISSING: {
        "en": "I could not confirm who you are; please try again.",
        "ru": "не удалось подтвердить, кто вы; попробуйте ещё раз.",
    },
    E.TOKEN_INVALID: {
        "en": "I could not confirm who you are; please try again.",
        "ru": "не удалось подтвердить, кто вы; попробуйте ещё раз.",
    },
    E.TOKEN_EXPIRED: {
        "en": "your session has expired; please try again.",
        "ru": "сеанс истёк; попробуйте ещё раз.",
    },
    E.IDEMPOTENCY_KEY_INVALID: {
        "en": "the request could not be matched; please try again.",
        "ru": "запрос не удалось сопоставить; попробуйте ещё раз.",
    },
    E.IDEMPOTENCY_KEY_REUSED: {
        "en": "this request was already made with other data.",
        "ru": "этот запрос уже был отправлен с другими данными.",
    },
    E.IDEMPOTENCY_KEY_IN_PROGRESS: {
        "en": "the same request is still being processed.",
        "ru": "такой же запрос ещё обрабатывается.",
    },
    E.VALUE_OUT_OF_RANGE: {
        "en": "a number or date is too large.",
        "ru": "число или дата слишком велики.",
    },
    E.VALUE_NOT_STORABLE: {
        "en": "a text is too long or contains characters that cannot be saved.",
        "ru": "текст слишком длинный или содержит символы, которые нельзя сохранить.",
    },
    E.ALREADY_EXISTS: {"en": "this already exists.", "ru": "такое уже есть."},
    E.REFERENCE_MISSING: {
        "en": "it refers to something that does not exist or is still in use.",
        "ru": "это ссылается на то, чего нет или что ещё используется.",
    },
    E.COMMUNITY_NOT_FOUND: {
        "en": "this community was not found, or you are not in it.",
        "ru": "посёлок не найден или вы в нём не состоите.",
    },
    E.GROUP_NOT_FOUND: {
        "en": "this group was not found, or you are not in it.",
        "ru": "группа не найдена или вы в ней не состоите.",
    },
    E.NOT_A_TREASURER: {
        "en": "only a treasurer of the community may do this.",
        "ru": "это может сделать только казначей посёлка.",
    },
    E.NOT_A_GROUP_OWNER: {
        "en": "only an owner of the group may do this.",
        "ru": "это может сделать только владелец группы.",
    },
    E.BALANCE_SHEET_TREASURERS_ONLY: {
        "en": "in this community the balance sheet is for treasurers only.",
        "ru": "в этом посёлке ведомость доступна только казначеям.",
    },
    E.NOT_INVOLVED: {
        "en": "only the people concerned or an owner of the group may do this.",
        "ru": "это могут сделать только участники или владелец группы.",
    },
    E.OWN_RECORDS_ONLY: {
        "en": "owners may only see and change their own records.",
        "ru": "собственник может видеть и менять только свои записи.",
    },
    E.OWNER_NOT_FOUND: {
        "en": "this person is not an owner in the community.",
        "ru": "этот человек не собственник в посёлке.",
    },
    E.USER_NOT_FOUND: {"en": "this person was not found.", "ru": "человек не найден."},
    E.PERIOD_NOT_FOUND: {"en": "the period was not found.", "ru": "период не найден."},
    E.METER_NOT_FOUND: {"en": "the meter was not found.", "ru": "счётчик не найден."},
    E.ENTRY_NOT_FOUND: {"en": "the entry was not found.", "ru": "запись не найдена."},
    E.BUDGET_ITEM_NOT_FOUND: {
        "en": "the budget item was not found.",
        "ru": "статья бюджета не найдена.",
    },
    E.ALREADY_AN_OWNER: {
        "en": "this person is already an owner in the community.",
        "ru": "этот человек уже собственник в посёлке.",
    },
    E.ALREADY_A_TREASURER: {
        "en": "this person is already a treasurer.",
        "ru": "этот человек уже казначей.",
    },
    E.OWNER_INACTIVE: {
        "en": "this owner is already inactive.",
        "ru": "этот собственник уже неактивен.",
    },
    E.SHARE_NOT_POSITIVE: {
        "en": "an ownership share must be greater than zero.",
        "ru": "доля владения должна быть больше нуля.",
    },
    E.AMOUNT_NOT_POSITIVE: {
        "en": "the amount must be greater than zero.",
        "ru": "сумма должна быть больше нуля.",
    },
    E.AMOUNT_INVALID: {
        "en": "the amount has too many decimal places or is too large.",
        "ru": "в сумме слишком много знаков после запятой или она слишком велика.",
    },
    E.NAME_EMPTY: {
        "en": "a name or description is missing.",
        "ru": "не указано название или описание.",
    },
    E.PERIOD_NOT_OPEN: {
        "en": "the period is closed: nothing can be recorded in it.",
        "ru": "период закрыт: в него ничего нельзя записать.",
    },
    E.PERIOD_CLOSED: {"en": "the period is already closed.", "ru": "период уже закрыт."},
    E.PERIOD_NOT_CLOSED: {
        "en": "the period must be closed first.",
        "ru": "сначала нужно закрыть период.",
    },
    E.PERIOD_CARRIED_FORWARD: {
        "en": "the period's balances have already been carried forward.",
        "ru": "остатки этого периода уже перенесены.",
    },
    E.PERIOD_OVERLAPS: {
        "en": "these dates overlap another period of the community.",
        "ru": "эти даты пересекаются с другим периодом посёлка.",
    },
    E.PERIOD_DATES_INVALID: {
        "en": "the dates do not fit the period.",
        "ru": "даты не подходят к периоду.",
    },
    E.NO_OPEN_PERIOD: {
        "en": "no open period covers this date.",
        "ru": "нет открытого периода на эту дату.",
    },
    E.CARRY_FORWARD_INVALID: {
        "en": "balances cannot be carried between these periods.",
        "ru": "между этими периодами нельзя перенести остатки.",
    },
    E.ALREADY_REVERSED: {
        "en": "this entry has already been cancelled.",
        "ru": "эта запись уже отменена.",
    },
    E.NOT_REVERSIBLE: {
        "en": "this entry cannot be cancelled; record a correction instead.",
        "ru": "эту запись нельзя отменить; запишите исправление.",
    },
    E.ALREADY_APPLIED: {"en": "this has already been applied.", "ru": "это уже применено."},
    E.NO_OWNERS: {
        "en": "there is nobody to charge.",
        "ru": "некому начислять.",
    },
    E.NOTHING_TO_BILL: {
        "en": "there is no consumption to bill yet.",
        "ru": "пока нет потребления, за которое можно начислить.",
    },
    E.METER_TYPE_REQUIRED: {
        "en": "charging by usage needs a meter type.",
        "ru": "для начисления по потреблению нужен тип счётчика.",
    },
    E.READING_INVALID: {
        "en": "this meter reading does not fit the others.",
        "ru": "это показание счётчика не согласуется с другими.",
    },
    E.BANK_DETAILS_INVALID: {
        "en": "the bank details are not valid (check the INN, KPP, account and BIK).",
        "ru": "банковские реквизиты неверны (проверьте ИНН, КПП, счёт и БИК).",
    },
    E.NO_BANK_DETAILS: {
        "en": "the community has no bank details yet; a treasurer sets them.",
        "ru": "у посёлка ещё нет банковских реквизитов; их указывает казначей.",
    },
    E.NOTHING_TO_PAY: {"en": "there is nothing to pay.", "ru": "платить нечего."},
    E.EXPENSE_NOT_FOUND: {"en": "the expense was not found.", "ru": "расход не найден."},
    E.LIST_NOT_FOUND: {"en": "the list was not found.", "ru": "список не найден."},
    E.ITEM_NOT_FOUND: {"en": "the item was not found.", "ru": "позиция не найдена."},
    E.SETTLEMENT_NOT_FOUND: {
        "en": "the settlement was not found.",
        "ru": "расчёт не найден.",
    },
    E.SPLIT_NOT_FOUND: {"en": "the share was not found.", "ru": "доля не найдена."},
    E.SPLIT_INVALID: {
        "en": "the shares do not add up or name nobody.",
        "ru": "доли не сходятся или никто не указан.",
    },
    E.VERSION_STALE: {
        "en": "it was changed meanwhile; look again and retry.",
        "ru": "это уже изменили; посмотрите ещё раз и повторите.",
    },
    E.PAYMENT_EXCEEDS_DEBT: {
        "en": "that is more than remains to be paid.",
        "ru": "это больше, чем осталось заплатить.",
    },
    E.NOT_A_MEMBER: {
        "en": "this person is not a member of the group.",
        "ru": "этот человек не участник группы.",
    },
    E.ALREADY_A_MEMBER: {
        "en": "this person is already a member of the group.",
        "ru": "этот человек уже в группе.",
    },
    E.LAST_OWNER: {
        "en": "the group's last owner cannot leave.",
        "ru": "последний владелец группы не может её покинуть.",
    },
    E.BALANCE_NOT_ZERO: {
        "en": "settle up first: the balance is not zero.",
        "ru": "сначала рассчитайтесь: баланс не нулевой.",
    },
    E.ALREADY_DELETED: {"en": "it has been deleted.", "ru": "это уже удалено."},
    E.LIST_FINALISED: {
        "en": "the list has already been charged.",
        "ru": "по списку уже начислено.",
    },
    E.ALREADY_PAID: {
        "en": "payments have already been made against it.",
        "ru": "по этому уже есть платежи.",
    },
    E.NOT_RECURRING: {
        "en": "this expense is not recurring.",
        "ru": "этот расход не повторяющийся.",
    },
    E.RECURRENCE_INVALID: {
        "en": "the repetition is set up wrongly.",
        "ru": "повторение задано неверно.",
    },
    E.EXCHANGE_RATE_INVALID: {
        "en": "the exchange rate is missing or wrong.",
        "ru": "курс обмена не указан или неверен.",
    },
    E.CURRENCY_MISMATCH: {
        "en": "the currency does not match.",
        "ru": "валюта не совпадает.",
    },
    E.USER_REQUIRED: {
        "en": "this needs a person's own account.",
        "ru": "для этого нужна учётная запись человека.",
    },
    E.PATTERN_NOT_FOUND: {
        "en": "the repeating entry was not found.",
        "ru": "повторяющаяся запись не найдена.",
    },
    E.PATTERN_STATE: {
        "en": "the repeating entry is not in a state that allows this.",
        "ru": "повторяющаяся запись сейчас в состоянии, где это нельзя.",
    },
    E.SCHEDULE_INVALID: {
        "en": "the schedule is set up wrongly.",
        "ru": "расписание задано неверно.",
    },
    E.TEMPLATE_INVALID: {
        "en": "the repeating entry's template would be refused.",
        "ru": "шаблон повторяющейся записи был бы отклонён.",
    },
    E.NOT_AN_INVITER: {
        "en": "only a treasurer of the community or an owner of the group may invite.",
        "ru": "приглашать может только казначей посёлка или владелец группы.",
    },
    E.INVITEE_ELSEWHERE: {
        "en": "this person also belongs where you do not manage; only they can link themselves.",
        "ru": "этот человек состоит и там, где вы не управляете; привязаться может только он сам.",
    },
    E.INVITATION_INVALID: {
        "en": "this invitation is no longer valid.",
        "ru": "это приглашение больше не действует.",
    },
    E.TELEGRAM_ALREADY_LINKED: {
        "en": "this person already has a Telegram account linked.",
        "ru": "к этому человеку уже привязан аккаунт Telegram.",
    },
}

#: What an unknown code is told, by HTTP status (the nearest generic code).
_BY_STATUS: dict[int, str] = {
    400: E.BAD_REQUEST,
    401: E.UNAUTHORIZED,
    403: E.FORBIDDEN,
    404: E.NOT_FOUND,
    409: E.CONFLICT,
    413: E.PAYLOAD_TOO_LARGE,
    429: E.RATE_LIMITED,
    503: E.UNAVAILABLE,
}


def refusal_text(code: str | None, status: int | None, lang: str) -> str:
    """The reason of a refusal in ``lang`` (English when the language has no sentences)."""
    found = REFUSALS.get(code or "")
    if found is None:
        generic = _BY_STATUS.get(status or 400, E.UNAVAILABLE if (status or 0) >= 500 else None)
        found = REFUSALS[generic or E.BAD_REQUEST]
    return found.get(lang, found["en"])
