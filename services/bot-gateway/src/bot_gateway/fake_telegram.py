"""A fake Telegram Bot API server for tests and local runs (there is no Telegram here).

It answers ``/bot<token>/<method>`` like the real Bot API (form or JSON bodies), records every
call, and can be told to answer the next N calls of a method (optionally: to one chat) with an
error: 429 (``retry_after``), a 5xx, or a permanent refusal (400 "chat not found", 403 "bot was
blocked by the user", 409, 413, a group upgraded to a supergroup with ``migrate_to_chat_id``).
A chat can also refuse every message (blocked) or be migrated for good, a text over 4096
characters is refused as Telegram does, and a call can be held (accepted, its answer delayed).
``getUpdates`` hands out updates queued through the control API (for polling mode). Files sent
(``sendPhoto``, ``sendDocument``) are kept whole in ``Call.uploads`` (file name, type, bytes), so
a test can open the PDF the bot sent.

Control API (JSON):
- ``GET /_fake/calls[?method=sendMessage]``: the recorded calls, oldest first (files by size
  and file name);
- ``POST /_fake/fail`` ``{"method": "sendMessage", "times": 1, "status": 429, "retry_after": 2,
  "chat_id": 42, "description": "…", "migrate_to_chat_id": -1001}`` (all but method optional);
- ``POST /_fake/refuse`` ``{"chat_id": 42, "status": 403, "description": "…"}``: refuse every
  message to that chat from now on;
- ``POST /_fake/migrate`` ``{"chat_id": -5, "to": -1005}``: the group became a supergroup;
- ``POST /_fake/updates`` ``{...update...}``: queue an update for ``getUpdates``;
- ``POST /_fake/admins`` ``{"chat_id": -5, "user_ids": [1, 2]}``: who administers a chat
  (``getChatMember`` answers ``administrator`` for them, ``member`` for anyone else);
- ``GET /_fake/menu-buttons``: the menu buttons set with ``setChatMenuButton``, by chat
  (``"default"`` for the bot's default button);
- ``POST /_fake/reset``: forget calls, failures, refusals, migrations, updates and menu buttons.

Run it with ``python -m bot_gateway.fake_telegram --port 8081``; tests start it in-process with
:class:`FakeTelegram`.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from aiohttp import web

from bot_gateway.fake_telegram_calls import (
    DESCRIPTIONS,
    MAX_TEXT,
    MIGRATED,
    SENDING,
    TOO_LONG,
    Call,
    Failure,
    Hold,
    Upload,
    chat_id_of,
    menu_button_of,
    menu_button_problem,
    read_params,
)

BOT_ID = 4242
BOT_USERNAME = "sosenki_test_bot"


class FakeTelegram:
    """The fake server; ``await start()`` listens on a free port (or ``port``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        #: Chats that refuse every message (status, description), and migrated groups.
        self.refusing: dict[int, tuple[int, str]] = {}
        self.migrated: dict[int, int] = {}
        self.holds: list[Hold] = []
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        #: ``setChatMenuButton``: the button per chat id, ``None`` for the bot's default.
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        #: Chat administrators, by chat (``getChatMember``).
        self.admins: dict[int, set[int]] = {}
        self._next_message_id = 1000
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.app = web.Application(client_max_size=20 * 1024 * 1024)
        self.app.router.add_get("/_fake/calls", self._get_calls)
        self.app.router.add_post("/_fake/fail", self._post_fail)
        self.app.router.add_post("/_fake/refuse", self._post_refuse)
        self.app.router.add_post("/_fake/migrate", self._post_migrate)
        self.app.router.add_post("/_fake/updates", self._post_update)
        self.app.router.add_post("/_fake/reset", self._post_reset)
        self.app.router.add_post("/_fake/admins", self._post_admins)
        self.app.router.add_get("/_fake/menu-buttons", self._get_menu_buttons)
        self.app.router.add_route("*", "/bot{token}/{method}", self._bot_method)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> FakeTelegram:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = int(sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # What tests use in-process ------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        migrate_to_chat_id: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id`` only, if given) with
        an error."""
        failure = Failure(status, times, retry_after, description, migrate_to_chat_id, chat_id)
        self.failures.setdefault(method, []).append(failure)

    def refuse(self, chat_id: int, status: int = 403, description: str | None = None) -> None:
        """Refuse every message to ``chat_id`` from now on (the user blocked the bot, …)."""
        self.refusing[chat_id] = (status, description or DESCRIPTIONS.get(status, "Error"))

    def migrate(self, chat_id: int, to: int) -> None:
        """The group ``chat_id`` became the supergroup ``to``: messages to the old id are refused
        with ``migrate_to_chat_id``."""
        self.migrated[chat_id] = to

    def hold_next(self, method: str = "sendMessage") -> Hold:
        """Accept the next call of ``method`` but answer it only when the hold is released."""
        hold = Hold(method)
        self.holds.append(hold)
        return hold

    def sent(self, method: str = "sendMessage") -> list[Call]:
        """Successful calls of ``method`` (what the user actually saw)."""
        return [c for c in self.calls if c.method == method and c.status == 200]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            str(c.params.get("text"))
            for c in self.sent("sendMessage")
            if chat_id is None or int(c.params.get("chat_id", 0)) == chat_id
        ]

    def set_admins(self, chat_id: int, user_ids: list[int]) -> None:
        """The chat's administrators from now on."""
        self.admins[chat_id] = set(user_ids)

    def queue_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new_update.set()

    def reset(self) -> None:
        self.calls.clear()
        self.failures.clear()
        self.refusing.clear()
        self.migrated.clear()
        for hold in self.holds:
            hold.release()
        self.holds.clear()
        self.updates.clear()
        self.admins.clear()
        self.menu_buttons.clear()

    # HTTP -------------------------------------------------------------------------------

    async def _get_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = [c.as_json() for c in self.calls if method is None or c.method == method]
        return web.json_response(calls)

    async def _post_fail(self, request: web.Request) -> web.Response:
        body = await request.json()
        chat_id, migrate_to = body.get("chat_id"), body.get("migrate_to_chat_id")
        self.fail_next(
            str(body["method"]),
            times=int(body.get("times", 1)),
            status=int(body.get("status", 429)),
            retry_after=body.get("retry_after"),
            description=body.get("description"),
            migrate_to_chat_id=None if migrate_to is None else int(migrate_to),
            chat_id=None if chat_id is None else int(chat_id),
        )
        return web.json_response({"ok": True})

    async def _post_refuse(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.refuse(int(body["chat_id"]), int(body.get("status", 403)), body.get("description"))
        return web.json_response({"ok": True})

    async def _post_migrate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.migrate(int(body["chat_id"]), int(body["to"]))
        return web.json_response({"ok": True})

    async def _post_update(self, request: web.Request) -> web.Response:
        self.queue_update(await request.json())
        return web.json_response({"ok": True})

    async def _post_admins(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.set_admins(int(body["chat_id"]), [int(u) for u in body.get("user_ids", [])])
        return web.json_response({"ok": True})

    async def _get_menu_buttons(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"default" if chat is None else str(chat): b for chat, b in self.menu_buttons.items()}
        )

    async def _post_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    async def _bot_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params, files, uploads = await read_params(request)
        failure = self._take_failure(method, params) or self._refusal(method, params)
        if failure is not None:
            self.calls.append(
                Call(method, token, params, time.time(), failure.status, files, uploads)
            )
            return web.json_response(failure.body(), status=failure.status)
        if method == "getUpdates":
            result: Any = await self._get_updates(params)
        else:
            result = self._answer(method, params, uploads)
        self.calls.append(Call(method, token, params, time.time(), 200, files, uploads))
        hold = next((h for h in self.holds if h.method == method and not h.arrived.is_set()), None)
        if hold is not None:
            hold.arrived.set()
            await hold.released.wait()
        return web.json_response({"ok": True, "result": result})

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        pending = self.failures.get(method, [])
        chat_id = chat_id_of(params)
        for failure in pending:
            if failure.chat_id is None or failure.chat_id == chat_id:
                failure.times -= 1
                if failure.times <= 0:
                    pending.remove(failure)
                return failure
        return None

    def _refusal(self, method: str, params: dict[str, Any]) -> Failure | None:
        """What Telegram itself refuses: a blocked or migrated chat, a text too long."""
        if method == "setChatMenuButton":
            wrong = menu_button_problem(params)
            return Failure(400, 1, description=f"Bad Request: {wrong}") if wrong else None
        if method not in SENDING:
            return None
        chat_id = chat_id_of(params)
        if chat_id in self.migrated:
            return Failure(400, 1, description=MIGRATED, migrate_to_chat_id=self.migrated[chat_id])
        if chat_id in self.refusing:
            status, description = self.refusing[chat_id]
            return Failure(status, 1, description=description)
        if len(str(params.get("text", ""))) > MAX_TEXT:
            return Failure(400, 1, description=TOO_LONG)
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 5.0)
        # Confirmed updates (below offset) are forgotten, as Telegram does.
        self.updates = [u for u in self.updates if int(u["update_id"]) >= offset]
        if not self.updates and timeout > 0:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                pass
        return list(self.updates)

    def _answer(self, method: str, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "SOSenki",
                "username": BOT_USERNAME,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in SENDING:
            return self._message(method, params, uploads)
        if method == "getChatMember":
            return self._chat_member(params)
        if method == "setWebhook":
            self.webhook = params
        if method == "setChatMenuButton":
            self.menu_buttons[chat_id_of(params)] = menu_button_of(params)
        if method == "getChatMenuButton":
            return self.menu_buttons.get(chat_id_of(params)) or self.menu_buttons.get(
                None, {"type": "default"}
            )
        if method == "deleteWebhook":
            self.webhook = {}
        if method == "getWebhookInfo":
            return {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        return True

    def _chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params.get("chat_id") or 0), int(params.get("user_id") or 0)
        user = {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}
        if user_id not in self.admins.get(chat_id, set()):
            return {"status": "member", "user": user}
        rights = (
            "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
            "can_promote_members can_change_info can_invite_users can_post_stories "
            "can_edit_stories can_delete_stories can_send_welcome_messages"
        ).split()
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            **{right: True for right in rights},
        }

    def _message(
        self, method: str, params: dict[str, Any], uploads: dict[str, Upload]
    ) -> dict[str, Any]:
        chat_id = int(params.get("chat_id") or 0)
        if method == "editMessageText" and params.get("message_id"):
            message_id = int(params["message_id"])
        else:
            self._next_message_id += 1
            message_id = self._next_message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "SOSenki",
                "username": BOT_USERNAME,
            },
        }
        if method == "sendPhoto":
            message["photo"] = [
                {
                    "file_id": f"photo{message_id}",
                    "file_unique_id": f"u{message_id}",
                    "width": 640,
                    "height": 480,
                }
            ]
            if params.get("caption"):
                message["caption"] = params["caption"]
        elif method == "sendDocument":
            upload = uploads.get("document")
            message["document"] = {
                "file_id": f"document{message_id}",
                "file_unique_id": f"d{message_id}",
                "file_name": upload.filename if upload else "",
                "mime_type": upload.content_type if upload else "",
                "file_size": len(upload.data) if upload else 0,
            }
            if params.get("caption"):
                message["caption"] = params["caption"]
        else:
            message["text"] = str(params.get("text", ""))
        return message


async def _serve(host: str, port: int) -> None:
    fake = await FakeTelegram(host, port).start()
    print(f"fake Telegram Bot API on {fake.base_url}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot_gateway.fake_telegram")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
