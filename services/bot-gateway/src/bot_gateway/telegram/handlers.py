"""The bot's router: which command or button runs which handler. The handlers, a module per
thing a user does, are in ``telegram/commands/``; setting up in ``setup.py``, reads in
``queries.py``. Everything they say goes through ``turn`` (queued in the update's transaction).

Only ``message`` handlers are registered, so an edited message never runs a command again;
aiogram's ``Command`` filter accepts ``/cmd@thisbot`` and ignores ``/cmd@otherbot``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot_gateway.gateway import Turn
from bot_gateway.telegram import documents, queries, setup, splitting
from bot_gateway.telegram.commands import (
    account,
    community_settings,
    confirming,
    expenses,
    meters,
    owners,
    payments,
    periods,
    reversals,
    splits,
)
from bot_gateway.telegram.commands.common import guard

Handler = Callable[..., Awaitable[None]]


def _with_args(use_case: Callable[[Turn, str], Awaitable[None]]) -> Handler:
    """``/cmd <args>`` handed to a use case that takes the turn and the words after the command."""

    async def handler(message: Message, command: CommandObject, turn: Turn) -> None:
        await guard(turn, use_case(turn, command.args or ""))

    return handler


def _with_message(use_case: Callable[[Turn, Message, str], Awaitable[None]]) -> Handler:
    """As ``_with_args``, for use cases that also read the message (whom it replies to)."""

    async def handler(message: Message, command: CommandObject, turn: Turn) -> None:
        await guard(turn, use_case(turn, message, command.args or ""))

    return handler


def _query(use_case: Callable[[Turn], Awaitable[None]]) -> Handler:
    async def handler(message: Message, turn: Turn) -> None:
        await guard(turn, use_case(turn))

    return handler


def build_router() -> Router:
    """The bot's handlers on a new router (one per app: a router joins one dispatcher)."""
    router = Router(name="sosenki")
    router.message(CommandStart())(account.start)
    router.message(Command("help"))(account.help_)
    router.message(Command("language", "lang"))(account.lang)
    router.message(Command("link"))(account.link)
    router.message(Command("unlink"))(account.unlink)
    router.message(F.migrate_to_chat_id)(account.migrated_to)
    router.message(F.migrate_from_chat_id)(account.migrated_from)
    # Setting up: moves no money, goes out at once.
    router.message(Command("newcommunity"))(_with_args(setup.new_community))
    router.message(Command("newgroup"))(_with_args(setup.new_group))
    router.message(Command("create", "new"))(setup.create)
    router.message(Command("owner"))(_with_message(setup.add_owner))
    router.message(Command("member"))(_with_message(setup.add_member))
    router.message(Command("invite"))(_with_args(setup.invite))
    router.message(Command("period"))(periods.open_period)
    router.message(Command("sheet"))(_with_args(community_settings.sheet))
    # Reads.
    router.message(Command("owe"))(_query(queries.owe))
    router.message(Command("audit"))(_query(queries.audit))
    router.message(Command("balance"))(_query(queries.balance))
    router.message(Command("periods"))(_query(queries.periods))
    router.message(Command("report"))(_query(queries.report))
    # Writes that move money: confirmed first.
    router.message(Command("pay"))(payments.pay)
    router.message(Command("expense"))(expenses.expense)
    router.message(Command("charge"))(payments.charge)
    router.message(Command("close"))(periods.close)
    router.message(Command("carry"))(periods.carry)
    router.message(Command("meter"))(meters.meter)
    router.message(Command("undo"))(reversals.undo)
    router.message(Command("settle"))(splits.settle)
    router.message(Command("split"))(splits.split)
    # Buttons: answered at once.
    router.callback_query(F.data.startswith("ln:"))(setup.chose_link)
    router.callback_query(F.data.startswith("pk:"))(owners.picked)
    router.callback_query(F.data.startswith("av:"))(queries.verify_audit)
    router.callback_query(F.data.startswith("sp:"))(splitting.toggle_participant)
    router.callback_query(F.data.startswith("st:"))(splitting.choose_type)
    router.callback_query(F.data.startswith("ok:") | F.data.startswith("no:"))(confirming.decide)
    router.callback_query(F.data.startswith(f"{documents.PREFIX}:"))(documents.send)
    # Last: a plain message is only for the bot when it asked the sender for a split's numbers.
    router.message(F.text & ~F.text.startswith("/"))(splitting.numbers)
    return router
