"""Building realistic Telegram updates and talking to a gateway under test (used by the
gateway's tests and the end-to-end tests)."""

from __future__ import annotations

import itertools
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sosenki_platform.testing import eventually

from bot_gateway.fake_telegram import BOT_USERNAME, FakeTelegram
from bot_gateway.settings import Settings

SECRET = "s3cret-Token_for-tests"


_update_ids = itertools.count(int(time.time()) % 1_000_000 * 100)
_message_ids = itertools.count(1)


@dataclass
class Person:
    telegram_id: int
    first_name: str
    username: str
    language_code: str = "en"

    def as_user(self) -> dict[str, Any]:
        return {
            "id": self.telegram_id,
            "is_bot": False,
            "first_name": self.first_name,
            "username": self.username,
            "language_code": self.language_code,
        }


def private_chat(person: Person) -> dict[str, Any]:
    return {
        "id": person.telegram_id,
        "type": "private",
        "first_name": person.first_name,
        "username": person.username,
    }


def group_chat(chat_id: int, kind: str = "group") -> dict[str, Any]:
    return {"id": chat_id, "type": kind, "title": "Cedars village"}


def message_update(person: Person, chat: dict[str, Any], text: str) -> dict[str, Any]:
    """An update as Telegram sends it, with every field aiogram requires."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": person.as_user(),
        "chat": chat,
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": next(_update_ids), "message": message}


def edited_update(original: dict[str, Any], text: str) -> dict[str, Any]:
    message = {**original["message"], "text": text, "edit_date": int(time.time())}
    return {"update_id": next(_update_ids), "edited_message": message}


def callback_update(person: Person, message: dict[str, Any], data: str) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(uuid.uuid4().int % 10**12),
            "from": person.as_user(),
            "chat_instance": "-123456789",
            "message": message,
            "data": data,
        },
    }


@dataclass
class World:
    """The gateway, the fake Bot API and the services it talks to, for one test."""

    gateway: httpx.AsyncClient
    telegram: FakeTelegram
    ledger: httpx.AsyncClient
    reporting: httpx.AsyncClient
    splits: httpx.AsyncClient
    make_token: Any
    app: Any
    settings: Settings
    #: The splits app, which a test may stop and start again (``await …stop()``, ``start()``).
    splits_service: Any = None
    posted: list[dict[str, Any]] = field(default_factory=list)

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        self.posted.append(update)
        return await self.gateway.post("/telegram/webhook", json=update, headers=headers)

    async def say(self, person: Person, chat: dict[str, Any], text: str) -> dict[str, Any]:
        update = message_update(person, chat, text)
        response = await self.post(update)
        assert response.status_code == 200, response.text
        return update

    async def reply(
        self,
        chat_id: int,
        containing: str,
        *,
        after: int = 0,
        method: str = "sendMessage",
        timeout: float = 20,
    ) -> dict[str, Any]:
        """The first message the bot sent to ``chat_id`` whose text contains ``containing``
        (``method="editMessageText"``: the first such edit)."""

        async def found() -> dict[str, Any] | None:
            for call in self.telegram.sent(method)[after:]:
                params = call.params
                if int(params["chat_id"]) == chat_id and containing in str(params["text"]):
                    return params
            return None

        return await eventually(found, timeout=timeout, what=f"a reply with {containing!r}")

    def sent_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """The message object Telegram would have for a message the bot sent."""
        for call in self.telegram.sent("sendMessage"):
            if call.params is params:
                chat_id = int(params["chat_id"])
                return {
                    "message_id": 5000 + self.telegram.calls.index(call),
                    "from": {
                        "id": 4242,
                        "is_bot": True,
                        "first_name": "SOSenki",
                        "username": BOT_USERNAME,
                    },
                    "chat": {
                        "id": chat_id,
                        "type": "private" if chat_id > 0 else "group",
                        **({"title": "Cedars village"} if chat_id < 0 else {}),
                    },
                    "date": int(time.time()),
                    "text": params["text"],
                }
        raise AssertionError("not a sent message")

    async def invite(
        self,
        user_id: int,
        token: str,
        *,
        community_id: int | None = None,
        group_id: int | None = None,
    ) -> httpx.Response:
        """Ask the gateway for an invitation for ``user_id`` (as whoever ``token`` names)."""
        body = {"user_id": user_id, "community_id": community_id, "group_id": group_id}
        return await self.gateway.post(
            "/api/gateway/join-links", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    async def start(self, person: Person) -> int:
        """``/start`` in private chat: the user number the bot says the person is."""
        after = len(self.telegram.sent("sendMessage"))
        await self.say(person, private_chat(person), "/start")
        reply = await self.reply(person.telegram_id, "/help", after=after)
        found = re.search(r"(\d+)\.$", str(reply["text"]))
        assert found, reply["text"]
        return int(found.group(1))

    async def become(self, person: Person, user_id: int) -> None:
        """Link ``person``'s Telegram account to ``user_id`` the way a user does it themselves:
        an invitation made with their own token, opened in private chat."""
        response = await self.invite(user_id, self.make_token(user_id))
        assert response.status_code == 201, response.text
        after = len(self.telegram.sent("sendMessage"))
        await self.say(person, private_chat(person), f"/start {response.json()['start_parameter']}")
        linked = "привязаны к пользователю" if person.language_code == "ru" else "linked to user"
        await self.reply(person.telegram_id, f"{linked} {user_id}.", after=after)

    async def ok(
        self, client: httpx.AsyncClient, method: str, path: str, token: str, body: Any = None
    ) -> Any:
        response = await client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()
