"""The bot's HTTP session keeps the answer classes it has used (``gateway._Session``)."""

from __future__ import annotations

import gc
import json
import weakref

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage
from aiogram.methods.base import Response
from aiogram.types import Message
from bot_gateway.gateway import _Session

pytestmark = pytest.mark.unit

_ANSWER = json.dumps(
    {
        "ok": True,
        "result": {"message_id": 7, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "hi"},
    }
)


def test_a_collected_answer_class_is_not_built_again() -> None:
    """aiogram parametrizes ``Response[Message]`` on every call and pydantic keeps the class only
    weakly: without the session holding it, a garbage collection drops it and the next answer
    builds it again (a third of a second with the event loop blocked)."""
    session = _Session()
    bot = Bot("1:token", session=session)
    method = SendMessage(chat_id=1, text="hi")
    first = session.check_response(bot, method, 200, _ANSWER)
    assert first.result is not None and first.result.message_id == 7
    held = weakref.ref(Response[Message])
    del first
    gc.collect()
    assert held() is not None  # still alive: the next answer uses it, nothing is built
    assert Response[Message] is held()
    assert session.check_response(bot, method, 200, _ANSWER).result.message_id == 7
