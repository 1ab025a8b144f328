"""The commands as thin translators, without PostgreSQL, Kafka or Telegram: a Telegram message
becomes the confirmation of the right command, with the currency the ledger gives (none when it
will not say) and the date of the gateway's clock. The same conversations run against the real
services in ``test_treasury_commands.py`` and ``test_telegram_first.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.filters import CommandObject
from aiogram.types import User
from bot_gateway.adapters.services import Refused
from bot_gateway.domain.identity import Memberships
from bot_gateway.gateway import Turn
from bot_gateway.telegram.commands import expenses, meters, payments
from sosenki_platform.use_case import ManualClock

pytestmark = pytest.mark.unit

COMMUNITY = 7
NOVEMBER = {"id": 70, "name": "November 2026", "status": "OPEN"}
OWNERS = {11: "Иван", 12: "Иван Петров"}


@dataclass
class FakeRepo:
    """The few reads the commands make, and what they write (pending actions, messages)."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def members_of(self, kind: str, scope_id: int, role: str | None = None) -> list[Any]:
        return [SimpleNamespace(user_id=u, display_name=n) for u, n in OWNERS.items()]

    async def name_of(self, user_id: int, community_id: int | None = None, **_: Any) -> str:
        return OWNERS.get(user_id, "Ольга")

    async def user_by_username(self, username: str) -> Any:
        return None

    async def add_pending(self, **values: Any) -> None:
        self.pending.append(values)

    async def enqueue(self, chat_id: int, method: str, params: dict[str, Any], **_: Any) -> None:
        self.sent.append(params)


@dataclass
class FakeServices:
    """The ledger as the treasurer's token sees it; ``community`` None: the ledger refuses."""

    community_body: dict[str, Any] | None = field(
        default_factory=lambda: {"id": COMMUNITY, "name": "Сосенки", "base_currency": "EUR"}
    )
    meters_body: list[dict[str, Any]] = field(default_factory=list)

    async def memberships(self, user_id: int) -> Memberships:
        return Memberships(communities={COMMUNITY: frozenset({"treasurer"})}, groups={})

    def user_token(self, user_id: int, memberships: Memberships, **_: Any) -> str:
        return "token"

    async def periods(self, token: str, community_id: int, status: str | None = None) -> Any:
        return [NOVEMBER]

    async def community(self, token: str, community_id: int) -> dict[str, Any]:
        if self.community_body is None:
            raise Refused(403, "Not your community")
        return self.community_body

    def ledger(self, path: str) -> str:
        return path

    async def get(self, url: str, token: str, params: Any = None) -> Any:
        assert url == f"/communities/{COMMUNITY}/meters"
        return self.meters_body


def _turn(services: FakeServices, clock: ManualClock | None = None) -> tuple[Turn, FakeRepo]:
    repo = FakeRepo()
    gateway: Any = SimpleNamespace(services=services, clock=clock)
    olga = User(id=500, is_bot=False, first_name="Olga")
    turn = Turn(
        gateway=gateway,
        repo=repo,  # type: ignore[arg-type]
        update_id=1,
        chat_id=-100,
        chat_type="group",
        telegram_user=olga,
        user_id=99,  # a treasurer who is no owner
        lang="en",
        community_id=COMMUNITY,
    )
    return turn, repo


def _command(name: str, args: str) -> CommandObject:
    return CommandObject(prefix="/", command=name, args=args)


NO_REPLY: Any = SimpleNamespace(reply_to_message=None)


async def test_pay_naming_the_owner_in_the_comment_asks_to_confirm_their_contribution() -> None:
    turn, repo = _turn(FakeServices())
    await payments.pay(NO_REPLY, _command("pay", "3 000 Иван Петров наличными"), turn)
    (action,) = repo.pending
    assert action["command_type"] == "ledger.record_contribution"
    assert action["payload"] == {
        "period_id": 70,
        "owner_id": 12,
        "amount": "3000.00",
        "comment": "наличными",
        "_key": f"community:{COMMUNITY}",
    }
    assert action["summary"] == (
        "Contribution of €3,000.00 from Иван Петров to November 2026 (наличными)"
    )


async def test_a_treasurer_naming_nobody_picks_the_owner_from_a_keyboard() -> None:
    turn, repo = _turn(FakeServices())
    await payments.pay(NO_REPLY, _command("pay", "500"), turn)
    (action,) = repo.pending
    assert action["payload"]["owner_id"] is None
    assert action["payload"]["_summary_key"] == "summary_pay"
    buttons = repo.sent[-1]["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in buttons] == ["Иван", "Иван Петров", "✖ Cancel"]


async def test_an_amount_is_shown_without_a_currency_when_the_ledger_will_not_say() -> None:
    turn, repo = _turn(FakeServices(community_body=None))
    await expenses.expense(NO_REPLY, _command("expense", "1200 snow"), turn)
    (action,) = repo.pending
    assert action["command_type"] == "ledger.record_expense"
    assert action["summary"] == "Expense 1,200.00, snow in November 2026"  # no guessed currency


async def test_a_meter_reading_is_dated_by_the_gateways_clock() -> None:
    clock = ManualClock(datetime(2027, 3, 31, 23, 30, tzinfo=UTC))
    services = FakeServices(meters_body=[{"id": 5, "meter_type": "electricity"}])
    turn, repo = _turn(services, clock)
    await meters.meter(NO_REPLY, _command("meter", "1234.5"), turn)
    (action,) = repo.pending
    assert action["payload"] == {
        "meter_id": 5,
        "reading_date": "2027-03-31",
        "value": "1234.5",
        "_key": f"community:{COMMUNITY}",
    }
