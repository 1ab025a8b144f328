"""Documents in the chat: ``/report`` offers the period's balance sheet and the user's own
statement as PDF and CSV; a button sends one (``sendDocument``). When a period closes, each
owner gets their statement as a PDF in private (``notifications.py``).

Reporting draws the documents, in the reader's language, and decides who may have them: the
bot asks as the user who pressed the button, so a forged button gets nothing more than the user
may see. A statement is always the presser's own, and goes to their private chat (a group chat
would show it to everyone); the balance sheet goes to the chat where it was asked for."""

from __future__ import annotations

import re

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Refused, Services, Unavailable
from bot_gateway.domain.texts import language_of, say
from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries

PREFIX = "dc"
SHEET, STATEMENT = "s", "m"
FORMATS = ("pdf", "csv")


def offer(
    lang: str, community_id: int, period_id: int | None, *, sheet: bool, statement: bool
) -> InlineKeyboardMarkup | None:
    """The buttons ``/report`` offers: the balance sheet when the user may see it, their own
    statement when they are an owner. None when there is nothing to offer."""
    rows: list[list[InlineKeyboardButton]] = []
    if sheet and period_id is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    text=say(f"document_sheet_{fmt}", lang),
                    callback_data=f"{PREFIX}:{SHEET}:{fmt}:{community_id}:{period_id}",
                )
                for fmt in FORMATS
            ]
        )
    if statement:
        rows.append(
            [
                InlineKeyboardButton(
                    text=say(f"document_statement_{fmt}", lang),
                    callback_data=f"{PREFIX}:{STATEMENT}:{fmt}:{community_id}:0",
                )
                for fmt in FORMATS
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def filename(stem: str, name: str, fmt: str) -> str:
    """``statement-Анна-Петрова.pdf``: words and digits kept, anything else a dash."""
    slug = re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-_")[:60]
    return f"{stem}-{slug}.{fmt}" if slug else f"{stem}.{fmt}"


async def statement_bytes(
    services: Services, token: str, community_id: int, owner_id: int, fmt: str, lang: str
) -> bytes:
    return await services.get_bytes(
        services.reporting(
            f"/api/payments/communities/{community_id}/owners/{owner_id}/statement.{fmt}"
            f"?lang={lang}"
        ),
        token,
    )


async def send(callback: CallbackQuery, turn: Turn) -> None:
    """A document button: fetch the document as the presser and send it."""
    parts = str(callback.data).split(":")
    if (
        len(parts) != 5
        or parts[1] not in (SHEET, STATEMENT)
        or parts[2] not in FORMATS
        or not parts[3].isdigit()
        or not parts[4].isdigit()
        or turn.user_id is None
    ):
        await turn.answer(callback)
        return
    kind, fmt, community_id, period_id = parts[1], parts[2], int(parts[3]), int(parts[4])
    try:
        note = await (
            _sheet(turn, fmt, community_id, period_id)
            if kind == SHEET
            else _statement(turn, fmt, community_id)
        )
    except Refused as refused:
        note = "document_not_found" if refused.status_code == 404 else "document_not_allowed"
    except Unavailable:
        note = "unavailable"
    await turn.answer(callback, turn.t(note) if note else None)


async def _sheet(turn: Turn, fmt: str, community_id: int, period_id: int) -> str | None:
    services = turn.gateway.services
    token = await turn.token(communities=[community_id])
    body = await services.get_bytes(
        services.reporting(
            f"/api/payments/periods/{period_id}/balance-sheet.{fmt}?lang={turn.lang}"
        ),
        token,
    )
    period = await services.get(services.reporting(f"/api/payments/periods/{period_id}"), token)
    name = str(period.get("name") or "")
    caption = turn.t(
        "document_sheet_caption",
        community=await queries.community_name(turn, community_id),
        period=name,
    )
    await turn.repo.enqueue(
        turn.chat_id,
        "sendDocument",
        {
            "caption": caption,
            "document_filename": filename(turn.t("document_sheet_file"), name, fmt),
        },
        photo=body,
    )
    return None


async def _statement(turn: Turn, fmt: str, community_id: int) -> str | None:
    """The presser's own statement, in their private chat, in that chat's language."""
    assert turn.user_id is not None
    if turn.is_private:
        chat_id, lang = turn.chat_id, turn.lang
    else:
        chats = await turn.repo.private_chats_of(turn.user_id)
        if not chats:
            return "document_write_first"
        chat_id, lang = int(chats[0].chat_id), language_of(chats[0].language)
    services = turn.gateway.services
    token = await turn.token(communities=[community_id])
    body = await statement_bytes(services, token, community_id, turn.user_id, fmt, lang)
    owner = await turn.repo.name_of(turn.user_id, community_id)
    community = await queries.community_name(turn, community_id)
    await _enqueue_statement(turn.repo, chat_id, lang, community, owner, fmt, body)
    return None if chat_id == turn.chat_id else "document_sent_private"


async def _enqueue_statement(
    repo: Repository, chat_id: int, lang: str, community: str, owner: str, fmt: str, body: bytes
) -> None:
    caption = say("document_statement_caption", lang, community=community, owner=owner)
    name = filename(say("document_statement_file", lang), owner, fmt)
    await repo.enqueue(
        chat_id, "sendDocument", {"caption": caption, "document_filename": name}, photo=body
    )


async def statement_at_close(
    services: Services,
    repo: Repository,
    chat_id: int,
    lang: str,
    community_id: int,
    community: str,
    owner_id: int,
) -> None:
    """A closed period: the owner's statement as a PDF in their private chat (asked with the
    gateway's service token: the chat is the owner's own)."""
    body = await statement_bytes(
        services, services.service_token(), community_id, owner_id, "pdf", lang
    )
    owner = await repo.name_of(owner_id, community_id)
    await _enqueue_statement(repo, chat_id, lang, community, owner, "pdf", body)
