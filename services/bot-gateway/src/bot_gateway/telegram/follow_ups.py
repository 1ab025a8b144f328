"""What happens after a result arrives: the chat a community or group was made from is linked to
it, a person without Telegram gets an invitation to forward, a closed period is followed by the
offer to open the next one and carry the balances forward (one tap does both), and an owner hears
in private when they are charged or an entry about them is reversed."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor, CommandEnvelope, EventEnvelope
from sosenki_platform.logging import get_logger

from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Refused, Unavailable
from bot_gateway.domain import news, periods
from bot_gateway.domain.refusals import refusal_text
from bot_gateway.domain.texts import day, language_of, money, say
from bot_gateway.gateway import Gateway, confirm_keyboard

log = get_logger(__name__)


async def period_name(gateway: Gateway, period_id: int) -> str:
    """A period's name as the ledger has it ("" when it cannot say)."""
    period = await _period(gateway, period_id)
    return str(period.get("name") or "")


async def _period(gateway: Gateway, period_id: int) -> dict[str, Any]:
    services = gateway.services
    try:
        found: dict[str, Any] = await services.get(
            services.ledger(f"/periods/{period_id}"), services.service_token()
        )
    except (Refused, Unavailable) as exc:
        log.info("period_unknown", period_id=period_id, error=repr(exc))
        return {}
    return found


def _actor_user(event: EventEnvelope) -> int | None:
    actor = event.actor
    return int(actor.id) if actor.kind == "user" and actor.id.isdigit() else None


async def after(
    gateway: Gateway,
    repo: Repository,
    event: EventEnvelope,
    notes: dict[str, Any],
    chat_id: int,
    lang: str,
) -> str:
    """More to say with the result (starting with a new line), having done what it says."""
    p, kind = event.payload, event.event_type
    actor = _actor_user(event)
    if kind in ("ledger.community_created", "splits.group_created") and notes.get("_link_chat"):
        chat = await repo.chat(int(notes["_link_chat"]))
        chat_type = str(chat.chat_type) if chat is not None else "group"
        if kind == "ledger.community_created":
            await repo.save_chat(
                int(notes["_link_chat"]),
                chat_type,
                community_id=int(p["community_id"]),
                splits_group_id=None,
                linked_by=actor,
            )
            return "\n" + say("linked_community", lang, name=p["name"])
        await repo.save_chat(
            int(notes["_link_chat"]),
            chat_type,
            community_id=None,
            splits_group_id=int(p["group_id"]),
            linked_by=actor,
        )
        return "\n" + say("linked_group", lang, name=p["name"])
    if kind in ("ledger.owner_added", "splits.member_added") and notes.get("_invite"):
        if actor is None:
            return ""
        community_id = p.get("community_id") if kind == "ledger.owner_added" else None
        group_id = p.get("group_id") if kind == "splits.member_added" else None
        name = str(p.get("display_name") or "")
        try:
            token, expires = await gateway.identity.invite(
                repo, actor, int(p["user_id"]), community_id, group_id
            )
        except Unavailable:
            raise
        except Exception as refused:  # the identity rules said no: say why
            detail = refusal_text(
                getattr(refused, "code", None), getattr(refused, "status_code", None), lang
            )
            return "\n" + say("invite_refused", lang, name=name, detail=detail)
        link = f"https://t.me/{gateway.bot_username or 'sosenki_bot'}?start=join_{token}"
        return "\n" + say(
            "invitation", lang, name=name, link=link, expires=day(expires.date(), lang)
        )
    return ""


async def offer(
    gateway: Gateway, repo: Repository, event: EventEnvelope, action: Any, chat_id: int, lang: str
) -> None:
    """After a close: offer the next period with the carry-forward. After the offered period is
    opened: carry the balances into it (the treasurer agreed to both with one tap)."""
    p, kind = event.payload, event.event_type
    if kind == "ledger.period_closed":
        await _offer_next(gateway, repo, int(p["community_id"]), int(p["period_id"]), action, lang)
    elif kind == "ledger.period_created" and action.payload.get("_then_carry_from"):
        await _send(
            gateway,
            repo,
            action,
            "ledger.carry_forward",
            {
                "from_period_id": int(action.payload["_then_carry_from"]),
                "to_period_id": int(p["period_id"]),
            },
            chat_id,
            lang,
        )


async def _offer_next(
    gateway: Gateway, repo: Repository, community_id: int, closed_id: int, action: Any, lang: str
) -> None:
    closed = await _period(gateway, closed_id)
    if not closed:
        return
    services = gateway.services
    try:
        open_ = await services.periods(services.service_token(), community_id, "OPEN")
    except (Refused, Unavailable):
        open_ = []
    target = periods.carry_target(str(closed["start_date"]), open_)
    if target is not None:
        command_type = "ledger.carry_forward"
        payload: dict[str, Any] = {"from_period_id": closed_id, "to_period_id": target["id"]}
        summary = say("summary_carry", lang, from_period=closed["name"], to_period=target["name"])
    else:
        following = periods.next_period(
            str(closed["name"]),
            dt.date.fromisoformat(str(closed["start_date"])),
            dt.date.fromisoformat(str(closed["end_date"])),
            lang,
        )
        command_type = "ledger.create_period"
        payload = {
            "community_id": community_id,
            "name": following.name,
            "start_date": following.start.isoformat(),
            "end_date": following.end.isoformat(),
            "_then_carry_from": closed_id,
        }
        summary = say("summary_next_period", lang, name=following.name, closed=closed["name"])
    action_id = uuid.uuid4().hex[:16]
    await repo.add_pending(
        id=action_id,
        chat_id=action.chat_id,
        telegram_user_id=action.telegram_user_id,
        user_id=action.user_id,
        command_type=command_type,
        payload={**payload, "_key": f"community:{community_id}"},
        summary=summary,
        command_id=f"{action.command_id}:next",
        correlation_id=f"{action.correlation_id}:next",
        language=lang,
    )
    markup: InlineKeyboardMarkup = confirm_keyboard(action_id, lang)
    await repo.enqueue(
        int(action.chat_id),
        "sendMessage",
        {
            "text": say("confirm_question", lang, summary=summary),
            "reply_markup": markup.model_dump(mode="json", exclude_none=True),
        },
    )


async def _send(
    gateway: Gateway,
    repo: Repository,
    action: Any,
    command_type: str,
    payload: dict[str, Any],
    chat_id: int,
    lang: str,
) -> None:
    command_id = f"{action.command_id}:then"
    correlation_id = f"{action.correlation_id}:then"
    command = CommandEnvelope(
        command_id=command_id,
        command_type=command_type,
        issuer="bot-gateway",
        correlation_id=correlation_id,
        actor=Actor(kind="user", id=str(action.user_id)),
        payload=payload,
    )
    key = str(action.payload.get("_key", command_id))
    await gateway.runtime.outbox.append_command(repo.session, topics.LEDGER_COMMANDS, command, key)
    await repo.await_result(correlation_id, command_id, chat_id, lang)


async def tell_owner(repo: Repository, event: EventEnvelope, actor: str) -> None:
    """An owner hears in private when they are charged, and when a contribution or charge of
    theirs is reversed (carried-in openings are not news: the statement said so)."""
    p, kind = event.payload, event.event_type
    entry_kind = str(p.get("kind") or "")
    if p.get("owner_id") is None or not news.owner_hears_in_private(kind, entry_kind):
        return
    for chat in await repo.private_chats_of(int(p["owner_id"])):
        lang = language_of(chat.language)
        amount = money(abs(Decimal(str(p["amount"]))), p["currency"], lang)
        if entry_kind == "reversal":
            entry = say(
                "entry_contribution" if kind == "ledger.contribution_recorded" else "entry_charge",
                lang,
            )
            text = say(
                "your_entry_reversed",
                lang,
                entry=entry,
                amount=amount,
                actor=actor,
                reason=p.get("reason") or "",
            )
        else:
            text = say(
                "you_were_charged",
                lang,
                amount=amount,
                actor=actor,
                description=p.get("description") or "",
            )
        await repo.enqueue(int(chat.chat_id), "sendMessage", {"text": text})
