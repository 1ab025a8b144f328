"""Reads and writes of the gateway's own tables, all inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sosenki_platform.telemetry import current_traceparent
from sqlalchemy import Row, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot_gateway.adapters import tables as t
from bot_gateway.adapters.conversations import Conversations

# What every update does, written out once: SQLAlchemy compiles an INSERT … ON CONFLICT anew
# on every execution, a noticeable share of an update's CPU.
_CLAIM_UPDATE = text(
    "INSERT INTO processed_updates (update_id) VALUES (:update_id)"
    " ON CONFLICT DO NOTHING RETURNING update_id"
)
_REGISTER = text(
    "INSERT INTO telegram_users"
    " (telegram_user_id, user_id, how, username, first_name, language_code)"
    " VALUES (:telegram_user_id, nextval('user_ids'), :how, :username, :first_name,"
    " :language_code)"
    " ON CONFLICT (telegram_user_id) DO NOTHING RETURNING user_id"
)
_NOTE_PRIVATE_CHAT = text(
    "INSERT INTO chats (chat_id, chat_type) VALUES (:chat_id, 'private') ON CONFLICT DO NOTHING"
)


class Repository(Conversations):
    """The gateway's tables; what a conversation in progress keeps (confirmations, awaited
    results, entries to undo) is in ``conversations.py``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # Updates ------------------------------------------------------------------------------

    async def claim_update(self, update_id: int) -> bool:
        """Record an update id; False when it was seen before (Telegram retried it)."""
        result = await self.session.execute(_CLAIM_UPDATE, {"update_id": update_id})
        return result.first() is not None

    async def forget_updates_before(self, moment: datetime) -> int:
        result = await self.session.execute(
            delete(t.processed_updates).where(t.processed_updates.c.received_at < moment)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # People -------------------------------------------------------------------------------

    async def meet(
        self,
        telegram_user_id: int,
        username: str | None,
        first_name: str | None,
        language_code: str | None,
    ) -> tuple[int, bool]:
        """Remember a Telegram account: (its user id, whether it is new). A new account becomes
        a new user with an id from the gateway's own range, never its Telegram id."""
        u = t.telegram_users
        names = {"username": username, "first_name": first_name, "language_code": language_code}
        known = (
            await self.session.execute(
                update(u)
                .where(u.c.telegram_user_id == telegram_user_id)
                .values(**names, updated_at=func.now())
                .returning(u.c.user_id)
            )
        ).first()
        if known is not None:
            return int(known.user_id), False
        created = (
            await self.session.execute(
                _REGISTER, {"telegram_user_id": telegram_user_id, "how": "registered", **names}
            )
        ).first()
        if created is not None:
            return int(created.user_id), True
        row = await self.telegram_user(telegram_user_id)  # met at the same moment elsewhere
        assert row is not None
        return int(row.user_id), False

    async def relink(self, telegram_user_id: int, user_id: int, how: str) -> None:
        """Make the account ``user_id`` (the caller checked it may; the unique user id refuses
        a second account for one user)."""
        u = t.telegram_users
        await self.session.execute(
            update(u)
            .where(u.c.telegram_user_id == telegram_user_id)
            .values(user_id=user_id, how=how, updated_at=func.now())
        )

    async def new_user_id(self) -> int:
        return int(await self.session.scalar(select(t.user_ids.next_value())) or 0)

    async def account_of(self, user_id: int) -> Row[Any] | None:
        """The Telegram account that is ``user_id``, if any."""
        u = t.telegram_users
        return (await self.session.execute(select(u).where(u.c.user_id == user_id))).first()

    async def user_by_username(self, username: str) -> Row[Any] | None:
        u = t.telegram_users
        return (
            await self.session.execute(
                select(u).where(func.lower(u.c.username) == username.lower()).limit(1)
            )
        ).first()

    async def telegram_user(self, telegram_user_id: int) -> Row[Any] | None:
        u = t.telegram_users
        query = select(u).where(u.c.telegram_user_id == telegram_user_id)
        return (await self.session.execute(query)).first()

    async def telegram_ids_of(self, user_id: int) -> list[Row[Any]]:
        u = t.telegram_users
        query = select(u).where(u.c.user_id == user_id).order_by(u.c.telegram_user_id)
        return list((await self.session.execute(query)).all())

    async def name_of(
        self, user_id: int, community_id: int | None = None, group_id: int | None = None
    ) -> str:
        """How the bot calls a user, the same everywhere: the name they were added under (in
        this community or group, else anywhere), else their Telegram first name or @username.
        Never a number."""
        m = t.memberships
        query = select(m.c.display_name).where(
            m.c.user_id == user_id, m.c.display_name.is_not(None)
        )
        scoped = query
        if community_id is not None:
            scoped = query.where(m.c.kind == "community", m.c.scope_id == community_id)
        elif group_id is not None:
            scoped = query.where(m.c.kind == "group", m.c.scope_id == group_id)
        for candidate in (scoped, query):
            name = (await self.session.execute(candidate.limit(1))).scalar()
            if name:
                return str(name)
        for row in await self.telegram_ids_of(user_id):
            if row.first_name or row.username:
                return str(row.first_name or f"@{row.username}")
        return "?"

    # Invitations --------------------------------------------------------------------------

    async def add_invitation(
        self,
        token_hash: str,
        user_id: int,
        created_by: int,
        expires_at: datetime,
        community_id: int | None,
        group_id: int | None,
    ) -> None:
        await self.session.execute(
            t.invitations.insert().values(
                token_hash=token_hash,
                user_id=user_id,
                created_by=created_by,
                expires_at=expires_at,
                community_id=community_id,
                group_id=group_id,
            )
        )

    async def open_invitation(self, token_hash: str, now: datetime) -> Row[Any] | None:
        """An unused, unexpired invitation, locked until the claim is decided."""
        i = t.invitations
        return (
            await self.session.execute(
                select(i)
                .where(i.c.token_hash == token_hash, i.c.used_at.is_(None), i.c.expires_at > now)
                .with_for_update()
            )
        ).first()

    async def use_invitation(self, token_hash: str, telegram_user_id: int) -> None:
        i = t.invitations
        await self.session.execute(
            update(i)
            .where(i.c.token_hash == token_hash)
            .values(used_at=func.now(), used_by=telegram_user_id)
        )

    # Chats --------------------------------------------------------------------------------

    async def chat(self, chat_id: int) -> Row[Any] | None:
        c = t.chats
        return (await self.session.execute(select(c).where(c.c.chat_id == chat_id))).first()

    async def chat_language(self, chat_id: int) -> str | None:
        """The language a chat hears news in when nobody in it is being answered: its own
        (``/language``), else the Telegram language of whoever linked it (None: unknown)."""
        c, u = t.chats, t.telegram_users
        query = (
            select(func.coalesce(c.c.language, u.c.language_code))
            .select_from(c.outerjoin(u, u.c.user_id == c.c.linked_by))
            .where(c.c.chat_id == chat_id)
        )
        found = (await self.session.execute(query)).scalar()
        return str(found) if found else None

    async def save_chat(self, chat_id: int, chat_type: str, **values: Any) -> None:
        c = t.chats
        await self.session.execute(
            insert(c)
            .values(chat_id=chat_id, chat_type=chat_type, **values)
            .on_conflict_do_update(
                index_elements=[c.c.chat_id],
                set_={**values, "chat_type": chat_type, "updated_at": func.now()},
            )
        )

    async def note_private_chat(self, chat_id: int) -> None:
        """The user wrote to the bot in private, so the bot may write to them there."""
        await self.session.execute(_NOTE_PRIVATE_CHAT, {"chat_id": chat_id})

    async def private_chats_of(self, user_id: int) -> list[Row[Any]]:
        """The private chats the bot has with a user (a Telegram account the user is, that wrote
        to the bot in private): ``chat_id`` and the language to speak there."""
        u, c = t.telegram_users, t.chats
        query = (
            select(
                c.c.chat_id,
                func.coalesce(c.c.language, u.c.language_code).label("language"),
            )
            .join(c, c.c.chat_id == u.c.telegram_user_id)
            .where(u.c.user_id == user_id, c.c.chat_type == "private")
            .order_by(c.c.chat_id)
        )
        return list((await self.session.execute(query)).all())

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup (a new id): its links and settings move along."""
        c = t.chats
        old = await self.chat(old_chat_id)
        if old is None or await self.chat(new_chat_id) is not None:
            return
        await self.session.execute(
            update(c)
            .where(c.c.chat_id == old_chat_id)
            .values(chat_id=new_chat_id, chat_type="supergroup", updated_at=func.now())
        )

    async def chats_linked_to(
        self, *, community_id: int | None = None, group_id: int | None = None
    ) -> list[int]:
        c = t.chats
        conditions = []
        if community_id is not None:
            conditions.append(c.c.community_id == community_id)
        if group_id is not None:
            conditions.append(c.c.splits_group_id == group_id)
        if not conditions:
            return []
        rows = await self.session.execute(select(c.c.chat_id).where(or_(*conditions)))
        return [int(r.chat_id) for r in rows]

    # Memberships --------------------------------------------------------------------------

    async def add_member(
        self, kind: str, scope_id: int, user_id: int, role: str, display_name: str | None = None
    ) -> None:
        m = t.memberships
        values = {"kind": kind, "scope_id": scope_id, "user_id": user_id, "role": role}
        await self.session.execute(
            insert(m)
            .values(**values, display_name=display_name)
            .on_conflict_do_update(
                index_elements=[m.c.kind, m.c.scope_id, m.c.user_id, m.c.role],
                set_={"display_name": display_name} if display_name else values,
            )
        )

    async def remove_member(self, kind: str, scope_id: int, user_id: int) -> None:
        m = t.memberships
        await self.session.execute(
            delete(m).where(m.c.kind == kind, m.c.scope_id == scope_id, m.c.user_id == user_id)
        )

    async def members_of(self, kind: str, scope_id: int, role: str | None = None) -> list[Row[Any]]:
        m = t.memberships
        query = select(m.c.user_id, func.max(m.c.display_name).label("display_name")).where(
            m.c.kind == kind, m.c.scope_id == scope_id
        )
        if role is not None:
            query = query.where(m.c.role == role)
        rows = await self.session.execute(query.group_by(m.c.user_id).order_by(m.c.user_id))
        return list(rows.all())

    # Outgoing messages and commands -------------------------------------------------------

    async def enqueue(
        self, chat_id: int, method: str, params: dict[str, Any], photo: bytes | None = None
    ) -> None:
        await self.session.execute(
            t.outgoing_messages.insert().values(
                chat_id=chat_id,
                method=method,
                params={**params, "chat_id": chat_id},
                photo=photo,
                traceparent=current_traceparent(),
            )
        )

    async def prune_outgoing(
        self, sent_before: datetime, failed_before: datetime, limit: int = 5000
    ) -> int:
        """Delete up to ``limit`` messages sent before ``sent_before`` or failed before
        ``failed_before`` (pending ones are never deleted); how many went."""
        m = t.outgoing_messages
        doomed = (
            select(m.c.id)
            .where(or_(m.c.sent_at < sent_before, m.c.failed_at < failed_before))
            .limit(limit)
        )
        result = await self.session.execute(delete(m).where(m.c.id.in_(doomed.scalar_subquery())))
        return int(getattr(result, "rowcount", 0) or 0)
