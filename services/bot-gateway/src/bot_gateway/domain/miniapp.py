"""What the Mini App shows, shaped from the services' answers: an owner's balance, statement,
history and what to pay; a treasurer's balance sheet, collection progress and who is behind; a
group's balances and settle-up plan. Every amount is written here, in the reader's language
(``1 234,56 ₽`` / ``₽1,234.56``), so the page only places text.

>>> progress([{"total_contributions": "300", "balance": "-100"},
...           {"total_contributions": "400", "balance": "0"}])
(Decimal('700'), Decimal('800'))
>>> percent(Decimal("700"), Decimal("800"))
87
>>> percent(Decimal("0"), Decimal("0"))
100
>>> to_pay(Decimal("-120.50")), to_pay(Decimal("15"))
(Decimal('120.50'), Decimal('0'))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from babel.dates import format_date
from sosenki_contracts.formatting import format_money, language_of

from bot_gateway.domain.reads import paid_and_charged

_ZERO = Decimal(0)
#: Periods and entries shown: enough for a year of months, never an endless page.
SHOWN_PERIODS = 12
SHOWN_ENTRIES = 50


def _d(value: Any) -> Decimal:
    return Decimal(str(value if value not in (None, "") else "0"))


def to_pay(balance: Decimal) -> Decimal:
    """What the owner has to pay to stand at zero: the debt, nothing when in credit."""
    return -balance if balance < 0 else _ZERO


def progress(entries: Sequence[Mapping[str, Any]]) -> tuple[Decimal, Decimal]:
    """(collected, due) of a balance sheet: what the owners paid in, and what they were asked
    to cover (charges and their shares of expenses, less expenses they paid themselves), i.e.
    ``contributions − balance`` summed; balances carried in are inside both, as in the ledger."""
    collected = sum((_d(e["total_contributions"]) for e in entries), _ZERO)
    due = sum((_d(e["total_contributions"]) - _d(e["balance"]) for e in entries), _ZERO)
    return collected, due


def percent(collected: Decimal, due: Decimal) -> int:
    """Collected as a whole percentage of due, rounded down (99.9 % is not yet done), at most
    100; nothing due counts as all collected."""
    if due <= 0:
        return 100
    share = (collected * 100 / due).to_integral_value(rounding=ROUND_FLOOR)
    return int(max(min(share, Decimal(100)), _ZERO))


def owner_view(
    community_id: int,
    name: str,
    statement: Mapping[str, Any],
    entries: Sequence[Mapping[str, Any]],
    lang: str,
) -> dict[str, Any]:
    """An owner's page: balance, what to pay, the statement by period (what was carried in shown
    as carried, not as paid or charged) and the charges and payments, newest first."""
    currency = str(statement.get("currency") or "")

    def money(value: Any) -> str:
        return format_money(_d(value), currency, lang)

    lines = list(statement.get("periods") or [])[-SHOWN_PERIODS:]
    balance = _d(statement.get("current_balance"))
    periods = []
    for line in reversed(lines):
        opening = _d(line.get("opening_balance"))
        paid, charged = paid_and_charged(
            _d(line["total_contributions"]), _d(line["total_charges"]), opening
        )
        periods.append(
            {
                "period_id": line["period_id"],
                "name": line["name"],
                "status": line["status"],
                "carried_in": money(opening) if opening else "",
                "paid": money(paid),
                "charged": money(charged),
                "expenses": money(_d(line["total_expenses"]) - _d(line["total_paid_expenses"])),
                "balance": money(line["balance"]),
                "negative": _d(line["balance"]) < 0,
            }
        )
    return {
        "community_id": community_id,
        "name": name,
        "currency": currency,
        "balance": money(balance),
        "negative": balance < 0,
        "to_pay": money(to_pay(balance)),
        "owes": balance < 0,
        "periods": periods,
        "history": history(entries, money, lang),
        # The payment QR code (reporting's PNG through the gateway, with the session's token):
        # only when there is something to pay (without bank details it answers 409: not shown).
        "payment_qr": f"/miniapp/payment-qr/{community_id}.png" if balance < 0 else None,
    }


def day(value: Any, lang: str) -> str:
    """An entry's day as the reader writes it (``28 нояб. 2026 г.``, ``Nov 28, 2026``)."""
    text = str(value or "")[:10]
    try:
        return format_date(date.fromisoformat(text), format="medium", locale=language_of(lang))
    except ValueError:
        return text


def history(
    entries: Sequence[Mapping[str, Any]], money: Callable[[Any], str], lang: str
) -> list[dict[str, Any]]:
    """Charges and payments, newest first. Carried balances (``opening``) are not events of
    their own (the statement shows them); a reversal is shown as the correction it is."""
    rows = []
    for entry in entries:
        if entry.get("kind") == "opening":
            continue
        kind = "correction" if entry.get("kind") == "reversal" else str(entry["what"])
        amount = _d(entry["amount"])
        rows.append(
            {
                "date": day(entry.get("date"), lang),
                "kind": kind,
                "what": str(entry.get("description") or entry.get("comment") or ""),
                "period": str(entry.get("period") or ""),
                "amount": money(amount),
                # for the owner's balance: a payment adds, a charge takes away
                "adds": (amount > 0) == (entry["what"] == "payment"),
                "_sort": (str(entry.get("date") or ""), int(entry.get("id") or 0)),
            }
        )
    rows.sort(key=lambda r: r["_sort"], reverse=True)
    for row in rows:
        del row["_sort"]
    return rows[:SHOWN_ENTRIES]


def treasurer_view(
    community_id: int,
    name: str,
    period: Mapping[str, Any],
    sheet: Mapping[str, Any],
    names: Mapping[int, str],
    lang: str,
) -> dict[str, Any]:
    """A treasurer's page for the current period: each owner's line, the collection progress
    and the owners in arrears (most owed first)."""
    currency = str(sheet.get("currency") or "")

    def money(value: Any) -> str:
        return format_money(_d(value), currency, lang)

    entries = list(sheet.get("entries") or [])
    rows = []
    for e in entries:
        owner = int(e["owner_id"])
        rows.append(
            {
                "owner_id": owner,
                "name": names.get(owner) or str(e.get("username") or f"#{owner}"),
                "paid": money(e["total_contributions"]),
                "due": money(_d(e["total_contributions"]) - _d(e["balance"])),
                "balance": money(e["balance"]),
                "negative": _d(e["balance"]) < 0,
            }
        )
    rows.sort(key=lambda r: str(r["name"]).casefold())
    behind = sorted(
        (e for e in entries if _d(e["balance"]) < 0),
        key=lambda e: (_d(e["balance"]), e["owner_id"]),
    )
    collected, due = progress(entries)
    return {
        "community_id": community_id,
        "name": name,
        "period": {"id": period["id"], "name": period["name"], "status": period["status"]},
        "rows": rows,
        "total": money(sheet.get("total_period_balance")),
        "collected": money(collected),
        "due": money(due),
        "percent": percent(collected, due),
        "arrears": [
            {
                "owner_id": int(e["owner_id"]),
                "name": names.get(int(e["owner_id"])) or f"#{e['owner_id']}",
                "owes": money(-_d(e["balance"])),
            }
            for e in behind
        ],
    }


def group_view(
    summary: Mapping[str, Any], names: Mapping[int, str], me: int, lang: str, unknown: str
) -> dict[str, Any]:
    """A group's balances (owed, owes, even) and the settle-up plan, the caller's own lines
    marked."""
    currency = str(summary.get("currency") or "")

    def money(value: Any) -> str:
        return format_money(_d(value), currency, lang)

    def name(user_id: int) -> str:
        return names.get(user_id) or unknown

    balances = []
    for b in summary.get("user_balances", []):
        net = _d(b["net_balance"])
        balances.append(
            {
                "user_id": int(b["user_id"]),
                "name": name(int(b["user_id"])),
                "state": "owed" if net > 0 else "owes" if net < 0 else "even",
                "amount": money(abs(net)),
                "me": int(b["user_id"]) == me,
            }
        )
    balances.sort(key=lambda b: (str(b["name"]).casefold(), b["user_id"]))
    plan = [
        {
            "payer": name(int(t["from_user_id"])),
            "payee": name(int(t["to_user_id"])),
            "amount": money(t["amount"]),
            "mine": me in (int(t["from_user_id"]), int(t["to_user_id"])),
        }
        for t in summary.get("suggested_settlements", [])
    ]
    return {
        "group_id": int(summary["group_id"]),
        "name": str(summary.get("group_name") or ""),
        "balances": balances,
        "plan": plan,
    }
