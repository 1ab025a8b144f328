"""A user's own account and the chat's settings: ``/start`` (and claiming an invitation),
``/help``, ``/lang``, ``/link``, ``/unlink``, and a group chat that became a supergroup."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot_gateway.domain import parsing
from bot_gateway.gateway import Turn
from bot_gateway.telegram import setup
from bot_gateway.telegram.commands.common import guard


async def start(message: Message, command: CommandObject, turn: Turn) -> None:
    payload = (command.args or "").strip()
    if payload.startswith("join_") and turn.telegram_user is not None:
        if not turn.is_private:  # an invitation is claimed in private, where only its user sees
            await turn.say("join_in_private")
            return
        await guard(turn, _claim(payload.removeprefix("join_"), turn))
        return
    await turn.say("start", name=turn.name, user_id=turn.user_id)


async def _claim(token: str, turn: Turn) -> None:
    assert turn.telegram_user is not None
    user = turn.telegram_user
    claimed = await turn.gateway.identity.claim(turn.repo, token, user.id, user.first_name)
    if claimed.key == "joined" and claimed.user_id is not None:
        turn.become(claimed.user_id)
    await turn.say(claimed.key, name=turn.name, user_id=claimed.user_id, detail=claimed.detail)


async def unlink(message: Message, turn: Turn) -> None:
    """The account stops being its user (e.g. before the person moves to another account)."""
    if not turn.is_private and (turn.community_id or turn.splits_group_id):
        # In a linked group chat, /unlink is about the chat (guarded like linking).
        await guard(turn, setup.unlink_chat(turn))
        return
    if not turn.is_private:
        await turn.say("unlink_in_private")
        return
    if turn.telegram_user is None:
        return
    old, new = await turn.gateway.identity.unlink(
        turn.repo, turn.telegram_user.id, turn.telegram_user.first_name
    )
    turn.become(new)
    await turn.say("unlinked", old=old, new=new)


async def help_(message: Message, turn: Turn) -> None:
    text = turn.t("help")
    url = turn.gateway.settings.miniapp_url
    if url:  # only when Telegram can open it (the gateway has a public https address)
        text += "\n\n" + turn.t("help_miniapp", url=url)
    await turn.reply(text)


#: What ``/language`` understands: the codes and the languages' own names.
_LANGUAGE_WORDS = {
    "ru": "ru",
    "rus": "ru",
    "русский": "ru",
    "russian": "ru",
    "en": "en",
    "eng": "en",
    "english": "en",
    "английский": "en",
}


async def lang(message: Message, command: CommandObject, turn: Turn) -> None:
    """``/language ru|en`` (or ``/lang``): the chat's language, over each sender's Telegram
    language (in private that is the user's own choice; in a group the guard of
    ``domain/chats.py``). Without a word: which language the chat speaks and how to change it."""
    word = (command.args or "").strip().lower()
    if not word:
        await turn.say("usage_lang")
        return
    choice = _LANGUAGE_WORDS.get(word)
    if choice is None:
        await turn.say("lang_unknown")
        return
    refusal = await setup.may_change_language(turn)
    if refusal is not None:
        await turn.say(refusal)
        return
    await turn.repo.save_chat(turn.chat_id, turn.chat_type, language=choice)
    turn.lang = choice
    await turn.say("lang_set")


async def link(message: Message, command: CommandObject, turn: Turn) -> None:
    await guard(turn, _link(command, turn))


async def _link(command: CommandObject, turn: Turn) -> None:
    """``/link``: choose from a keyboard; ``/link community|group <id>`` still works, under the
    same rules (``domain/chats.py``)."""
    words = (command.args or "").split()
    if not words:
        await setup.link_menu(turn)
        return
    if len(words) != 2 or words[0] not in ("community", "group") or not words[1].isdigit():
        raise parsing.Unreadable("usage_link")
    refusal = await setup.link_to(turn, words[0][0], int(words[1]))
    if refusal is not None:
        await turn.say(refusal)


async def migrated_to(message: Message, turn: Turn) -> None:
    assert message.migrate_to_chat_id is not None
    await turn.repo.migrate_chat(message.chat.id, message.migrate_to_chat_id)


async def migrated_from(message: Message, turn: Turn) -> None:
    assert message.migrate_from_chat_id is not None
    await turn.repo.migrate_chat(message.migrate_from_chat_id, message.chat.id)
