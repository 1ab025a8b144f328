"""Every word the exports print (PDF, CSV headers, charts), in each language the project has a
catalogue for (``sosenki_contracts.formatting.LANGUAGES``). A column is named as its reader says
it, never by its field name."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from sosenki_contracts.formatting import DEFAULT_LANGUAGE, LANGUAGES, language_of

WORDS: dict[str, dict[str, str]] = {
    "pay_by_qr": {
        "en": "Pay by QR code (scan it in your banking app)",
        "ru": "Оплата по QR-коду (отсканируйте в приложении банка)",
    },
    "balance_sheet": {"en": "Balance sheet: {period}", "ru": "Оборотная ведомость: {period}"},
    "statement": {"en": "Statement of {owner}", "ru": "Выписка: {owner}"},
    "owner": {"en": "Owner", "ru": "Собственник"},
    "period": {"en": "Period", "ru": "Период"},
    "status": {"en": "Status", "ru": "Статус"},
    "opening_balance": {"en": "Opening balance", "ru": "Входящий остаток"},
    "total_contributions": {"en": "Contributions", "ru": "Взносы"},
    "total_expenses": {"en": "Share of expenses", "ru": "Доля расходов"},
    "total_charges": {"en": "Charges", "ru": "Начисления"},
    "total_paid_expenses": {"en": "Paid personally", "ru": "Оплачено лично"},
    "balance": {"en": "Balance", "ru": "Баланс"},
    "total": {"en": "Total", "ru": "Итого"},
    "current_balance": {"en": "Current balance", "ru": "Текущий баланс"},
    "to_pay": {"en": "To pay: {amount}", "ru": "К оплате: {amount}"},
    "nothing_to_pay": {"en": "Nothing to pay", "ru": "Оплачивать нечего"},
    "in_credit": {
        "en": "Nothing to pay: {amount} in credit",
        "ru": "Оплачивать нечего: переплата {amount}",
    },
    "amounts_in": {"en": "Amounts in {currency}", "ru": "Суммы в {currency}"},
    "page": {"en": "Page {page} of {pages}", "ru": "Стр. {page} из {pages}"},
    "no_periods": {"en": "No periods yet", "ru": "Периодов пока нет"},
    "status_OPEN": {"en": "open", "ru": "открыт"},
    "status_CLOSED": {"en": "closed", "ru": "закрыт"},
    "status_CARRIED": {"en": "closed, carried forward", "ru": "закрыт, перенесён"},
    "balances_chart": {"en": "Owners' balances: {period}", "ru": "Балансы собственников: {period}"},
    "fund_chart": {"en": "The community fund", "ru": "Фонд сообщества"},
    "fund_period": {"en": "Result of the period", "ru": "Итог периода"},
    "fund_balance": {"en": "Fund balance", "ru": "Остаток фонда"},
    "owner_number": {"en": "Owner {number}", "ru": "Собственник {number}"},
    "user_number": {"en": "User {number}", "ru": "Участник {number}"},
    "group_expenses": {"en": "Expenses of {group}", "ru": "Расходы: {group}"},
    "group_balances": {"en": "Balances: {group}", "ru": "Балансы: {group}"},
    "date": {"en": "Date", "ru": "Дата"},
    "description": {"en": "Description", "ru": "Описание"},
    "category": {"en": "Category", "ru": "Категория"},
    "split_type": {"en": "Split", "ru": "Деление"},
    "amount": {"en": "Amount", "ru": "Сумма"},
    "amount_in": {"en": "In the group's currency", "ru": "В валюте группы"},
    "paid_by": {"en": "Paid by", "ru": "Оплатили"},
    "owed_by": {"en": "Owed by", "ru": "Должны"},
    "split_EQUAL": {"en": "equally", "ru": "поровну"},
    "split_EXACT_AMOUNTS": {"en": "exact amounts", "ru": "точные суммы"},
    "split_ITEM_BASED": {"en": "by items", "ru": "по позициям"},
    "split_PERCENTAGE": {"en": "by percentage", "ru": "в процентах"},
    "split_SHARES": {"en": "by shares", "ru": "по долям"},
    "expense_unpaid": {"en": "unpaid", "ru": "не оплачен"},
    "expense_partially_paid": {"en": "partly paid", "ru": "оплачен частично"},
    "expense_paid": {"en": "paid", "ru": "оплачен"},
}


def word(key: str, lang: str, **values: object) -> str:
    return WORDS[key][language_of(lang)].format(**values)


def word_or(key: str, lang: str, fallback: str) -> str:
    """The word for a value the catalogue may not know yet (a new split type): else as it is."""
    return word(key, lang) if key in WORDS else fallback


def day(value: date, lang: str) -> str:
    """``1 Nov 2026`` / ``1 нояб. 2026 г.``"""
    return format_date(value, format="medium", locale=language_of(lang))


def period_span(name: str, start: date, end: date, lang: str) -> str:
    return f"{name} ({day(start, lang)} – {day(end, lang)})"


def negotiate(accept_language: str | None) -> str:
    """The catalogue language an ``Accept-Language`` header prefers most (``uk, ru;q=0.9`` →
    ``ru``: Russian is accepted explicitly); English when it names none we have.

    >>> negotiate("ru-RU,ru;q=0.9,en-US;q=0.8")
    'ru'
    >>> negotiate("de, en;q=0.5, ru;q=0.7")
    'ru'
    >>> negotiate("uk")
    'en'
    """
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((accept_language or "")[:1000].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        base = tag.strip().lower().replace("_", "-").split("-")[0]
        if base not in LANGUAGES or not 0 < quality <= 1:
            continue
        if best is None or (quality, -index) > (best[0], best[1]):
            best = (quality, -index, base)
    return best[2] if best else DEFAULT_LANGUAGE
