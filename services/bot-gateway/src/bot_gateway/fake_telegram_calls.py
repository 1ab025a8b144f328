"""The fake Bot API's parts (``fake_telegram.py`` is the server): the calls it records, the
failures a test injects, calls it holds, and reading Bot API parameters as Telegram does (query
string, JSON or form, files by size)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web


@dataclass(frozen=True)
class Upload:
    """A file sent to the fake (a photo, a document): kept whole so a test can read it."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    method: str
    token: str
    params: dict[str, Any]
    at: float
    status: int
    files: dict[str, int] = field(default_factory=dict)  # field name -> size in bytes
    uploads: dict[str, Upload] = field(default_factory=dict)  # field name -> the file itself

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "token": self.token,
            "params": self.params,
            "at": self.at,
            "status": self.status,
            "files": self.files,
            "uploads": {
                name: {"filename": u.filename, "content_type": u.content_type, "size": len(u.data)}
                for name, u in self.uploads.items()
            },
        }


#: What Telegram says with each status when a test does not say otherwise.
DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other request",
    413: "Request Entity Too Large",
    429: "Too Many Requests: retry later",
}
MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
TOO_LONG = "Bad Request: message is too long"
MAX_TEXT = 4096
SENDING = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText")


@dataclass
class Failure:
    status: int
    times: int
    retry_after: int | None = None
    description: str | None = None
    migrate_to_chat_id: int | None = None
    #: Only calls to this chat fail (None: any call of the method).
    chat_id: int | None = None

    def body(self) -> dict[str, Any]:
        default = "Internal Server Error" if self.status >= 500 else "Error"
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description or DESCRIPTIONS.get(self.status, default),
        }
        parameters: dict[str, Any] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


@dataclass
class Hold:
    """A call the fake accepts (recorded as 200 when it arrives) but answers only when released:
    the moment between Telegram accepting a message and the sender hearing so."""

    method: str
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


def chat_id_of(params: dict[str, Any]) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def menu_button_of(params: dict[str, Any]) -> dict[str, Any]:
    """``setChatMenuButton``'s button (Telegram's default when none is given)."""
    button = params.get("menu_button")
    return dict(button) if isinstance(button, dict) else {"type": "default"}


def menu_button_problem(params: dict[str, Any]) -> str | None:
    """What Telegram would refuse in a ``setChatMenuButton`` call: an unknown type, a Web App
    button without its text or with an address that is not https."""
    button = menu_button_of(params)
    kind = button.get("type")
    if kind not in ("default", "commands", "web_app"):
        return f"unsupported menu button type {kind!r}"
    if kind == "web_app":
        url = str((button.get("web_app") or {}).get("url") or "")
        if not button.get("text"):
            return "menu button text is empty"
        if not url.startswith("https://"):
            return "WEB_APP_URL_INVALID: only HTTPS links are allowed"
    return None


async def read_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, int], dict[str, Upload]]:
    """Bot API parameters from a query string, JSON or form body (files reported by size, and
    kept whole in the uploads)."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, int] = {}
    uploads: dict[str, Upload] = {}
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        if content_type == "multipart/form-data":
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                data = await part.read()
                if part.filename:
                    files[part.name] = len(data)
                    uploads[part.name] = Upload(
                        part.filename, part.headers.get("Content-Type", ""), bytes(data)
                    )
                else:
                    params[part.name] = data.decode()
        else:
            params.update(dict(await request.post()))
    for key, value in list(params.items()):
        # A file sent as "attach://<part name>": report it under the parameter's name.
        if isinstance(value, str) and value.startswith("attach://"):
            attached = value.removeprefix("attach://")
            if attached in files:
                files[key] = files.pop(attached)
            if attached in uploads:
                uploads[key] = uploads.pop(attached)
        # Complex values (reply_markup, commands, …) arrive as JSON text in forms.
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
    return params, files, uploads
