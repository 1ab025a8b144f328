"""Events back into messages (consumers of ``ledger.events.v1`` and ``splits.events.v1``, and
``recurring.pattern_paused`` from ``recurring.events.v1``).

For every event: keep owners' and members' display names (never used for tokens: those ask the
ledger and splits), remember
users' ledger entries (for ``/undo``), answer the user waiting for this correlation id (the
result, or the refusal's detail), and tell linked chats when money moves. What concerns one owner
goes to their private chat with the bot (when they have one): their share of a community expense,
and their personal statement when a period closes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sosenki_contracts import topics
from sosenki_contracts.envelope import EventEnvelope
from sosenki_contracts.events.recurring import PatternPaused
from sosenki_contracts.registry import all_events
from sosenki_platform.logging import get_logger
from sosenki_platform.service import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from bot_gateway import messages
from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Refused, Unavailable
from bot_gateway.domain.news import chat_hears_of, still_news
from bot_gateway.domain.refusals import refusal_text
from bot_gateway.domain.texts import language_of, money, say
from bot_gateway.gateway import Gateway
from bot_gateway.telegram import documents, follow_ups

log = get_logger(__name__)


def register_notifications(runtime: Runtime, gateway: Gateway) -> None:
    consumer = runtime.consume_events(
        [topics.LEDGER_EVENTS, topics.SPLITS_EVENTS, topics.RECURRING_EVENTS]
    )
    notifier = Notifier(gateway)
    for event_type, version in all_events():
        if event_type.startswith(("ledger.", "splits.")):
            consumer.on(event_type, version)(notifier.apply)
    # Of the recurring service's events only this one is for people; the others are ignored.
    consumer.on("recurring.pattern_paused", 1)(notifier.pattern_paused)


class Notifier:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def _still_news(self, event: EventEnvelope) -> bool:
        max_age = self.gateway.settings.notify_max_age_hours
        return still_news(event.occurred_at, self.gateway.clock.now(), max_age)

    async def apply(self, session: AsyncSession, event: EventEnvelope) -> None:
        repo = Repository(session)
        await self._remember(repo, event)
        answered_chat = await self._answer_waiting(repo, event)
        if not self._still_news(event):
            return
        await self._notify_chats(repo, event, answered_chat)
        if event.event_type == "ledger.expense_recorded":
            await self._shares(repo, event)
        if event.event_type == "ledger.period_closed":
            await self._statements(repo, event)
        if event.event_type in ("ledger.charge_recorded", "ledger.contribution_recorded"):
            await follow_ups.tell_owner(repo, event, await messages.actor_name(repo, event))

    async def pattern_paused(self, session: AsyncSession, event: EventEnvelope) -> None:
        """A pattern the service paused (its target refused an occurrence): tell its creator,
        in private."""
        body = PatternPaused.model_validate(event.payload)
        if body.reason is None or body.created_by is None or not body.created_by.isdigit():
            return
        if not self._still_news(event):
            return
        repo = Repository(session)
        for chat in await repo.private_chats_of(int(body.created_by)):
            lang = language_of(chat.language)
            reason = body.reason  # from an older recurring: the target's own words
            if body.reason_code is not None:
                reason = refusal_text(body.reason_code, None, lang)
            text = say("pattern_paused", lang, reason=reason)
            await repo.enqueue(int(chat.chat_id), "sendMessage", {"text": text})

    # Names of who belongs where, and users' entries ----------------------------------------------

    async def _remember(self, repo: Repository, event: EventEnvelope) -> None:
        p, kind = event.payload, event.event_type
        actor = event.actor
        actor_user = int(actor.id) if actor.kind == "user" and actor.id.isdigit() else None
        if kind == "ledger.community_created" and actor_user is not None:
            await repo.add_member("community", p["community_id"], actor_user, "treasurer")
        elif kind == "ledger.treasurer_appointed":
            await repo.add_member("community", p["community_id"], p["user_id"], "treasurer")
        elif kind == "ledger.owner_added":
            await repo.add_member(
                "community", p["community_id"], p["user_id"], "owner", p.get("display_name")
            )
        elif kind == "splits.group_created" and p.get("owner_user_id") is not None:
            await repo.add_member("group", p["group_id"], p["owner_user_id"], "owner")
        elif kind == "splits.member_added":
            await repo.add_member(
                "group",
                p["group_id"],
                p["user_id"],
                p.get("role") or "member",
                p.get("display_name"),
            )
        elif kind == "splits.member_removed":
            await repo.remove_member("group", p["group_id"], p["user_id"])
        entry = {
            "ledger.contribution_recorded": ("contribution", "contribution_id"),
            "ledger.expense_recorded": ("expense", "expense_id"),
            "ledger.charge_recorded": ("charge", "charge_id"),
        }.get(kind)
        if entry is None:
            return
        name, id_field = entry
        if p.get("kind") == "reversal" and p.get("reverses_id") is not None:
            await repo.mark_reversed(name, int(p["reverses_id"]))
        elif p.get("kind", "regular") in ("regular", "charge") and actor_user is not None:
            await repo.remember_entry(
                entry=name,
                entry_id=p[id_field],
                period_id=p["period_id"],
                community_id=p["community_id"],
                actor_user_id=actor_user,
                amount=str(p["amount"]),
                currency=p["currency"],
            )

    # The user who waits for this result ---------------------------------------------------

    async def _answer_waiting(self, repo: Repository, event: EventEnvelope) -> int | None:
        if not event.correlation_id:
            return None
        if event.payload.get("kind") == "opening":  # a carry-forward's entries: not its result
            return None
        waiting = await repo.take_awaited(event.correlation_id)
        if waiting is None:
            return None
        lang = waiting.language
        text = await messages.result_text(self.gateway, repo, event, lang)
        action = await repo.pending_by_command(str(waiting.command_id))
        notes = dict(action.payload) if action is not None else {}
        text += await follow_ups.after(self.gateway, repo, event, notes, int(waiting.chat_id), lang)
        await repo.enqueue(waiting.chat_id, "sendMessage", {"text": text})
        if action is not None:
            await follow_ups.offer(self.gateway, repo, event, action, int(waiting.chat_id), lang)
        return int(waiting.chat_id)

    # Linked chats --------------------------------------------------------------------------

    async def _notify_chats(
        self, repo: Repository, event: EventEnvelope, answered_chat: int | None
    ) -> None:
        p, kind = event.payload, event.event_type
        if not chat_hears_of(kind):
            return
        if kind.startswith("ledger."):
            chats = await repo.chats_linked_to(community_id=int(p["community_id"]))
        elif p.get("group_id") is not None:
            chats = await repo.chats_linked_to(group_id=int(p["group_id"]))
        else:
            chats = []
        chats = [c for c in chats if c != answered_chat]
        if not chats:
            return
        for chat_id in chats:
            lang = language_of(await repo.chat_language(chat_id))
            text = await messages.chat_text(self.gateway, repo, event, lang)
            if text:
                await repo.enqueue(chat_id, "sendMessage", {"text": text})

    # Each owner's share, in private (a group chat cannot show everyone's) --------------------

    async def _shares(self, repo: Repository, event: EventEnvelope) -> None:
        p = event.payload
        if p.get("kind", "regular") != "regular":
            return
        actor = await messages.actor_name(repo, event)
        category = p.get("payment_type") or p.get("description") or ""
        for line in p.get("allocations", []):
            if Decimal(line["amount"]) == 0:
                continue
            for chat in await repo.private_chats_of(int(line["owner_id"])):
                lang = language_of(chat.language)
                text = say(
                    "your_share",
                    lang,
                    share=money(line["amount"], p["currency"], lang),
                    amount=money(p["amount"], p["currency"], lang),
                    category=category,
                    actor=actor,
                )
                await repo.enqueue(int(chat.chat_id), "sendMessage", {"text": text})

    # Personal statements at period close ---------------------------------------------------

    async def _statements(self, repo: Repository, event: EventEnvelope) -> None:
        p = event.payload
        services = self.gateway.services
        try:
            sheet: dict[str, Any] = await services.get(
                services.ledger(f"/periods/{p['period_id']}/balance-sheet"),
                services.service_token(),
            )
            community = await services.get(
                services.ledger(f"/communities/{p['community_id']}"), services.service_token()
            )
        except Refused as exc:
            log.warning("statement_unavailable", error=repr(exc))
            return
        currency = str(sheet.get("currency") or community.get("base_currency") or "")
        for entry in sheet.get("entries", []):
            for chat in await repo.private_chats_of(int(entry["owner_id"])):
                lang = language_of(chat.language)
                text = say(
                    "statement",
                    lang,
                    period=str(sheet.get("period_name") or "")
                    or await follow_ups.period_name(self.gateway, int(p["period_id"])),
                    community=community.get("name", ""),
                    paid=money(entry["total_contributions"], currency, lang),
                    expenses=money(entry["total_expenses"], currency, lang),
                    charges=money(entry["total_charges"], currency, lang),
                    paid_exp=money(entry["total_paid_expenses"], currency, lang),
                    balance=money(entry["balance"], currency, lang),
                )
                await repo.enqueue(int(chat.chat_id), "sendMessage", {"text": text})
                await self._statement_document(repo, int(chat.chat_id), lang, p, community, entry)

    async def _statement_document(
        self,
        repo: Repository,
        chat_id: int,
        lang: str,
        payload: dict[str, Any],
        community: dict[str, Any],
        entry: dict[str, Any],
    ) -> None:
        """The statement as a PDF after its text. Reporting may not have it (yet): then the text
        alone went, and the owner can still ask with ``/report``."""
        try:
            await documents.statement_at_close(
                self.gateway.services,
                repo,
                chat_id,
                lang,
                int(payload["community_id"]),
                str(community.get("name") or ""),
                int(entry["owner_id"]),
            )
        except (Refused, Unavailable) as exc:
            log.warning("statement_document_unavailable", chat=chat_id, error=repr(exc))
