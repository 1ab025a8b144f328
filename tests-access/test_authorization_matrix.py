"""The authorization matrix: every REST endpoint of the five services (ledger, splits,
reporting, recurring, bot gateway), asked by each kind of caller about their own and about
another community, group or pattern, answers what ``sosenki_platform.access_policy`` says (and,
for recurring, ``recurring/use_cases/patterns.py``: a pattern is its creator's; admins and
services see all).

The five apps run in-process against the real PostgreSQL and Kafka, on topics of their own:
reporting learns who belongs where only from the events the ledger and splits publish; the
gateway asks the ledger and splits (in-process behind its HTTP client). The endpoints are read
from each app's OpenAPI and, for the gateway and recurring, from their routers (the webhook and
the Mini App page are hidden from the OpenAPI), so an endpoint without an entry here fails.

Expectations: ``ok`` (allowed: any answer but 403, or 404 for the thing itself; a 400 or 409
from the state the matrix has left is fine), ``403``, ``404`` (hidden), and for lists ``sees`` /
``blind`` (the target is listed / is not, or the list is a 404), and ``401``. The stranger's
token names every community and group of the matrix: a claim never grants. A request without
any token gets 401 everywhere but on the two public endpoints (the Mini App's page, reporting's
freshness).

Telegram's webhook and the Mini App login are authenticated by Telegram (the webhook's secret
header, the signed ``initData``), not by a bearer token: every caller, bearer token or not, gets
401 without them, and Telegram's genuine request is then checked to get through.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest
from bot_gateway.api.routes import router as gateway_router
from bot_gateway.app import create_app as gateway_app
from bot_gateway.domain.initdata import sign
from bot_gateway.fake_telegram import FakeTelegram
from bot_gateway.settings import Settings as GatewaySettings
from bot_gateway.testing import SECRET, Person, message_update, private_chat
from fastapi import APIRouter
from fastapi.routing import APIRoute
from ledger.app import create_app as ledger_app
from ledger.settings import Settings as LedgerSettings
from recurring.api.routes import router as recurring_router
from recurring.app import create_app as recurring_app
from recurring.settings import Settings as RecurringSettings
from reporting.app import create_app as reporting_app
from reporting.settings import Settings as ReportingSettings
from sosenki_platform.testing import (
    Infrastructure,
    create_database,
    database_url,
    drop_database,
    eventually,
    running_app,
)
from splits.app import create_app as splits_app
from splits.settings import Settings as SplitsSettings

pytestmark = pytest.mark.integration

# The cast. The "own" community A and group G are theirs; B and H belong to OUTSIDER.
TREASURER, OWNER, OTHER_OWNER, MEMBER, GROUP_OWNER, STRANGER = 101, 102, 103, 104, 105, 199
PAYEE, SPARE_MEMBER, SPARE_OWNER, OUTSIDER, OUTSIDE_OWNER = 106, 107, 108, 201, 202
INVITEE = 109  # an owner in A, on no Telegram yet: the join links hand this record over
BOT_TOKEN = "123456:matrix-bot-token"
CALLERS = ["stranger", "member", "group_owner", "other_owner", "owner", "treasurer", "service"]

# What the policy says, per rule, for the own community or group; in another one, only services.
RULES: dict[str, dict[str, str]] = {
    # community data: the community, periods, expenses, budget, balance sheet, fund, audit log
    "community": dict(
        stranger="404", member="404", group_owner="404", other_owner="ok", owner="ok",
        treasurer="ok", service="ok",
    ),
    # the owner's own balance, statement, meters (asked by OWNER; OTHER_OWNER asks for another's)
    "owner": dict(
        stranger="404", member="404", group_owner="404", other_owner="403", owner="ok",
        treasurer="ok", service="ok",
    ),
    "treasurer": dict(
        stranger="404", member="404", group_owner="404", other_owner="403", owner="403",
        treasurer="ok", service="ok",
    ),
    "group": dict(
        stranger="404", member="ok", group_owner="ok", other_owner="404", owner="404",
        treasurer="404", service="ok",
    ),
    # change an expense GROUP_OWNER paid, pay PAYEE's split, add or remove others
    "group_owner": dict(
        stranger="404", member="403", group_owner="ok", other_owner="404", owner="404",
        treasurer="404", service="ok",
    ),
    "self": dict(
        stranger="404", member="ok", group_owner="404", other_owner="404", owner="404",
        treasurer="404", service="ok",
    ),
    "anyone": dict.fromkeys(CALLERS, "ok"),
    # recurring: a pattern is its creator's (TREASURER made A's); admins and services see all
    "creator": dict(
        stranger="404", member="404", group_owner="404", other_owner="404", owner="404",
        treasurer="ok", service="ok",
    ),
    # gateway join links: hand an owner record to a Telegram account (a treasurer of its
    # community) or a member record (an owner of its group); a token naming no user (a
    # service's) invites nobody: 403
    "invite_owner": dict(
        stranger="404", member="404", group_owner="404", other_owner="403", owner="403",
        treasurer="ok", service="403",
    ),
    "invite_member": dict(
        stranger="404", member="403", group_owner="ok", other_owner="404", owner="404",
        treasurer="404", service="403",
    ),
    # the Mini App's balances: the caller's own, in each community where the caller is an owner
    # (the treasurer of A is none); a token naming no user has none: 403
    "own_balance": dict(
        stranger="404", member="404", group_owner="404", other_owner="ok", owner="ok",
        treasurer="404", service="403",
    ),
    # the Mini App's overview: a community's treasury (balance sheet, collection, arrears) to its
    # treasurer, a group's balances and plan to its members; a token naming no user: 403
    "own_treasury": dict(
        stranger="404", member="404", group_owner="404", other_owner="404", owner="404",
        treasurer="ok", service="403",
    ),
    # the Mini App's payment QR code: the caller's own, in a community they are in (reporting
    # answers 409 when there is nothing to pay or no bank details; a treasurer who is no owner
    # has nothing to pay)
    "own_payment_qr": dict(
        stranger="404", member="404", group_owner="404", other_owner="ok", owner="ok",
        treasurer="ok", service="403",
    ),
    "own_groups": dict(
        stranger="404", member="ok", group_owner="ok", other_owner="404", owner="404",
        treasurer="404", service="403",
    ),
    # authenticated by Telegram (webhook secret, signed initData), never by a bearer token
    "telegram": dict.fromkeys(CALLERS, "401"),
    # needs no token at all (the Mini App's page, reporting's freshness: no one's data)
    "public": dict.fromkeys(CALLERS, "ok"),
}  # fmt: skip
#: Rules that mean the same in any community or group (the caller's own things, or nobody's).
PLACELESS = {"anyone", "telegram", "public"}
FIRST = {"401": 0, "404": 0, "blind": 0, "403": 1, "ok": 2, "sees": 2}
HIDDEN = {
    "Community not found",
    "Period not found",
    "Meter not found",
    "Group not found",
    "List not found",
    "Expense not found",
    "Expense split not found",
    "Settlement not found",
    "Audit chain not found",
    "User not found",
    "Pattern not found",
}


@dataclass
class Place:
    """One community and one group with something of everything in them."""

    ids: dict[str, Any] = field(default_factory=dict)

    def fill(self, template: str) -> str:
        return template.format(**self.ids)


@dataclass(frozen=True)
class Entry:
    service: str
    method: str
    path: str
    rule: str
    query: dict[str, str] = field(default_factory=dict)
    body: Callable[[Place], Any] | None = None
    #: For lists: the ids listed in the answer, and the key of the place's id to look for.
    listed: Callable[[Any], list[Any]] | None = None
    target: str = ""
    #: Tells apart entries of one endpoint with different bodies.
    note: str = ""
    #: Rule ``telegram``: what Telegram itself adds to the request (headers, body) to get in.
    genuine: Callable[[], dict[str, Any]] | None = None

    @property
    def name(self) -> str:
        q = "&".join(f"{k}={v}" for k, v in self.query.items())
        note = f" [{self.note}]" if self.note else ""
        return f"{self.service} {self.method} {self.path}" + (f"?{q}" if q else "") + note


def _ids(key: str, inner: str | None = None) -> Callable[[Any], list[Any]]:
    def pick(answer: Any) -> list[Any]:
        rows = answer[inner] if inner else answer
        return [int(r[key]) for r in rows if r.get(key) is not None]

    return pick


def _ids_of(key: str) -> Callable[[Any], list[Any]]:
    """Ids that are not numbers (a pattern's UUID)."""

    def pick(answer: Any) -> list[Any]:
        return [r[key] for r in answer]

    return pick


L, PM = "ledger", "/api/payments"
S, R = "splits", "reporting"
RC, RP = "recurring", "/api/recurring/patterns"
G = "gateway"
NOV = "2025-11-10"
TELEGRAM_USER = Person(790001, "Tom", "tom_t")  # someone with Telegram, on no community yet


def _pattern(community: int) -> dict[str, Any]:
    """A monthly fee for a community, starting soon (the scheduler is off: nothing is sent)."""
    return {"name": "Fee", "frequency": "MONTHLY", "start_date": str(date.today() + timedelta(30)),
            "target": {"kind": "ledger_charge", "community_id": community, "amount": "10.00",
                       "description": "Fee {month}"}}  # fmt: skip


def _init_data(person: Person, bot_token: str) -> str:
    fields = {"user": json.dumps(person.as_user(), separators=(",", ":")),
              "auth_date": str(int(time.time()))}  # fmt: skip
    fields["hash"] = sign(fields, bot_token)
    return urlencode(fields)


def _update() -> dict[str, Any]:
    return message_update(TELEGRAM_USER, private_chat(TELEGRAM_USER), "/help")


E: list[Entry] = [
    # Reporting: reads only, from its read models.
    Entry(R, "GET", f"{PM}/periods", "community", {"community_id": "{community}"},
          listed=_ids("id", "periods"), target="period"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}", "community"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}/balance-sheet", "community"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}/balance-sheet.csv", "community"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}/balance-sheet.pdf", "community"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}/charts/balances.png", "community"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}/owner-balance/{{owner_id}}", "owner"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}/fund-summary", "community"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}/budget-vs-actual", "community"),
    Entry(R, "GET", f"{PM}/periods/{{period_id}}/consumption", "community"),
    Entry(R, "GET", f"{PM}/communities/{{community_id}}/fund", "community"),
    Entry(R, "GET", f"{PM}/communities/{{community_id}}/charts/fund.png", "community"),
    Entry(R, "GET", f"{PM}/communities/{{community_id}}/owners/{{owner_id}}/statement", "owner"),
    Entry(R, "GET", f"{PM}/communities/{{community_id}}/owners/{{owner_id}}/statement.csv",
          "owner"),
    Entry(R, "GET", f"{PM}/communities/{{community_id}}/owners/{{owner_id}}/statement.pdf",
          "owner"),
    Entry(R, "GET", f"{PM}/communities/{{community_id}}/owners/{{owner_id}}/payment-qr.png",
          "owner"),
    Entry(R, "GET", "/costs/groups/{group_id}/balance-summary", "group"),
    Entry(R, "GET", "/costs/groups/{group_id}/expenses.csv", "group"),
    Entry(R, "GET", "/costs/groups/{group_id}/charts/balances.png", "group"),
    Entry(R, "GET", "/costs/users/{user_id}/net-position", "self"),
    Entry(R, "GET", "/api/audit", "community", {"community_id": "{community}"}),
    Entry(R, "GET", "/api/audit", "group", {"group_id": "{group}"}),
    Entry(R, "GET", "/api/audit", "community", listed=_ids("community_id", "entries"),
          target="community"),
    Entry(R, "GET", "/api/audit/verify", "community", {"community_id": "{community}"}),
    Entry(R, "GET", "/api/audit/verify", "group", {"group_id": "{group}"}),
    Entry(R, "GET", "/api/audit/head", "community", {"community_id": "{community}"}),
    Entry(R, "GET", "/api/audit/head", "group", {"group_id": "{group}"}),
    # How far behind, for operators (like /health/ready, which shows the same): no one's data.
    Entry(R, "GET", "/api/reporting/freshness", "public"),
    # Ledger reads.
    Entry(L, "GET", f"{PM}/communities/{{community_id}}", "community"),
    Entry(L, "GET", f"{PM}/communities/{{community_id}}/owners", "community"),
    Entry(L, "GET", f"{PM}/users/{{user_id}}/memberships", "self"),
    Entry(L, "GET", f"{PM}/periods", "community", listed=_ids("id", "periods"), target="period"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}", "community"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/contributions", "owner",
          {"owner_id": "{owner}"}),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/charges", "owner", {"owner_id": "{owner}"}),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/expenses", "community"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/expenses/{{expense_id}}", "community"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/balance-sheet", "community"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/owner-balance/{{owner_id}}", "owner"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/fund-summary", "community"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/opening-transactions", "community"),
    Entry(L, "GET", f"{PM}/communities/{{community_id}}/meters", "owner", {"owner_id": "{owner}"}),
    Entry(L, "GET", f"{PM}/meters/{{meter_id}}/readings", "owner"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/consumption", "community"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/budget-items", "community"),
    Entry(L, "GET", f"{PM}/periods/{{period_id}}/budget-vs-actual", "community"),
    # Splits reads.
    Entry(S, "GET", "/groups", "group", listed=_ids("id"), target="group"),
    Entry(S, "GET", "/groups/{group_id}", "group"),
    Entry(S, "GET", "/groups/{group_id}/members", "group"),
    Entry(S, "GET", "/users/{user_id}/memberships", "self"),
    Entry(S, "GET", "/lists", "group", {"group_id": "{group}"}),
    Entry(S, "GET", "/lists/{list_id}", "group"),
    Entry(S, "GET", "/financials/expenses", "group", listed=_ids("id", "expenses"),
          target="gexpense"),
    Entry(S, "GET", "/financials/expenses/{expense_id}", "group"),
    Entry(S, "GET", "/financials/expenses/{expense_id}/history", "group"),
    Entry(S, "GET", "/financials/expense_splits/{split_id}/settlement_activities", "group"),
    Entry(S, "GET", "/financials/settlements", "group", {"group_id": "{group}"}),
    Entry(S, "GET", "/financials/settlements/{settlement_id}", "group"),
    Entry(S, "GET", "/costs/lists/{list_id}/cost-summary", "group"),
    Entry(S, "GET", "/costs/groups/{group_id}/balance-summary", "group"),
    # Ledger writes.
    Entry(L, "POST", f"{PM}/communities", "anyone", body=lambda p: {"name": "Mine"}),
    Entry(L, "PUT", f"{PM}/communities/{{community_id}}/settings", "treasurer",
          body=lambda p: {"owners_see_balance_sheet": True}),
    Entry(L, "POST", f"{PM}/communities/{{community_id}}/owners", "treasurer",
          body=lambda p: {"user_id": 150, "display_name": "New", "ownership_share": "1"}),
    Entry(L, "POST", f"{PM}/communities/{{community_id}}/owners/{{user_id}}/shares", "treasurer",
          body=lambda p: {"ownership_share": "2", "effective_from": NOV}),
    Entry(L, "POST", f"{PM}/communities/{{community_id}}/treasurers", "treasurer",
          body=lambda p: {"user_id": 151}),
    Entry(L, "POST", f"{PM}/periods", "treasurer", body=lambda p: {
        "community_id": p.ids["community"], "name": "Dec", "start_date": "2025-12-01",
        "end_date": "2025-12-31"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/contributions", "treasurer",
          body=lambda p: {"user_id": p.ids["owner"], "amount": "1.00"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/expenses", "treasurer",
          body=lambda p: {"amount": "3.00", "payment_type": "Roads"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/charges", "treasurer",
          body=lambda p: {"user_id": p.ids["owner"], "amount": "1.00", "description": "Fee"}),
    Entry(L, "POST", f"{PM}/communities/{{community_id}}/charges", "treasurer",
          body=lambda p: {"on_date": NOV, "amount": "1.00", "description": "Fee"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/contributions/{{entry_id}}/reverse",
          "treasurer", body=lambda p: {"reason": "Bounced"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/expenses/{{entry_id}}/reverse", "treasurer",
          body=lambda p: {"reason": "Wrong"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/charges/{{entry_id}}/reverse", "treasurer",
          body=lambda p: {"reason": "Wrong"}),
    Entry(L, "POST", f"{PM}/communities/{{community_id}}/meters", "treasurer",
          body=lambda p: {"owner_id": p.ids["owner"], "meter_type": "water"}),
    Entry(L, "POST", f"{PM}/meters/{{meter_id}}/readings", "owner",
          body=lambda p: {"reading_date": "2025-11-20", "value": "20"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/usage-billing", "treasurer",
          body=lambda p: {"meter_type": "electricity"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/budget-items", "treasurer", body=lambda p: {
        "category": "Snow", "planned_amount": "10.00", "allocation_strategy": "FIXED_FEE"}),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/budget-items/{{item_id}}/apply", "treasurer"),
    Entry(L, "POST", f"{PM}/communities/{{community_id}}/owners/{{user_id}}/deactivate",
          "treasurer"),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/close", "treasurer"),
    Entry(L, "POST", f"{PM}/periods/{{period_id}}/reopen", "treasurer"),
    Entry(L, "POST", f"{PM}/periods/carry-forward", "treasurer",
          body=lambda p: {"from_period_id": p.ids["period"], "to_period_id": p.ids["period"]}),
    # Splits writes.
    Entry(S, "POST", "/groups", "anyone", body=lambda p: {"name": "Mine"}),
    Entry(S, "POST", "/lists", "group",
          body=lambda p: {"name": "More", "group_id": p.ids["group"]}),
    Entry(S, "POST", "/lists/{list_id}/items", "group", body=lambda p: {"name": "Tea"}),
    Entry(S, "PATCH", "/lists/{list_id}/items/{item_id}", "group", body=lambda p: {"quantity": 2}),
    Entry(S, "POST", "/financials/expenses", "group", body=lambda p: {
        "description": "Bread", "total_amount": "4.00", "group_id": p.ids["group"],
        "paid_by_user_id": p.ids["group_owner"]}),
    Entry(S, "PUT", "/financials/expenses/{expense_id}", "group_owner",
          body=lambda p: {"version": 1, "notes": "Checked"}),
    Entry(S, "POST", "/financials/expense_splits/{split_id}/settle", "group_owner",
          body=lambda p: {"amount_paid": "1.00"}),
    Entry(S, "POST", "/financials/settlements", "group_owner", body=lambda p: {
        "group_id": p.ids["group"], "paid_by_user_id": p.ids["payee"],
        "paid_to_user_id": p.ids["group_owner"], "amount": "1.00"}),
    Entry(S, "POST", "/groups/{group_id}/members", "group_owner", body=lambda p: {"user_id": 152}),
    Entry(S, "DELETE", "/financials/settlements/{settlement_id}", "group_owner",
          {"expected_version": "1"}),
    Entry(S, "DELETE", "/financials/expenses/{expense_id}", "group_owner",
          {"expected_version": "2"}),
    Entry(S, "DELETE", "/groups/{group_id}/members/{user_id}", "group_owner"),
    Entry(S, "DELETE", "/lists/{list_id}/items/{item_id}", "group"),
    Entry(S, "POST", "/costs/lists/{list_id}/cost-summary", "group", body=lambda p: {}),
    # Recurring: patterns are their creator's.
    Entry(RC, "POST", RP, "anyone", body=lambda p: _pattern(p.ids["community"])),
    Entry(RC, "POST", f"{RP}/preview", "anyone", {"count": "3"},
          body=lambda p: _pattern(p.ids["community"])),  # nothing saved, nobody's data
    Entry(RC, "GET", RP, "creator", {"status": "all"}, listed=_ids_of("pattern_id"),
          target="pattern"),
    Entry(RC, "GET", f"{RP}/{{pattern_id}}", "creator"),
    Entry(RC, "GET", f"{RP}/{{pattern_id}}/preview", "creator"),
    Entry(RC, "POST", f"{RP}/{{pattern_id}}/pause", "creator"),
    Entry(RC, "POST", f"{RP}/{{pattern_id}}/resume", "creator"),
    Entry(RC, "POST", f"{RP}/{{pattern_id}}/cancel", "creator", body=lambda p: {"reason": "Done"}),
    Entry(RC, "GET", f"{RP}/{{pattern_id}}/occurrences", "creator"),
    # Bot gateway.
    Entry(G, "POST", "/api/gateway/join-links", "invite_owner", note="owner record",
          body=lambda p: {"user_id": p.ids["invitee"], "community_id": p.ids["community"]}),
    Entry(G, "POST", "/api/gateway/join-links", "invite_member", note="member record",
          body=lambda p: {"user_id": p.ids["payee"], "group_id": p.ids["group"]}),
    Entry(G, "GET", "/miniapp/balances", "own_balance", listed=_ids("community_id", "communities"),
          target="community"),
    Entry(G, "GET", "/miniapp/overview", "own_balance", note="owner",
          listed=_ids("community_id", "owner"), target="community"),
    Entry(G, "GET", "/miniapp/overview", "own_treasury", note="treasurer",
          listed=_ids("community_id", "treasurer"), target="community"),
    Entry(G, "GET", "/miniapp/overview", "own_groups", note="groups",
          listed=_ids("group_id", "groups"), target="group"),
    Entry(G, "GET", "/miniapp/payment-qr/{community_id}.png", "own_payment_qr"),
    Entry(G, "GET", "/miniapp", "public"),  # the page itself
    Entry(G, "POST", "/telegram/webhook", "telegram", body=lambda p: _update(),
          genuine=lambda: {"headers": {"X-Telegram-Bot-Api-Secret-Token": SECRET},
                           "json": _update()}),
    Entry(G, "POST", "/miniapp/session", "telegram",
          body=lambda p: {"init_data": _init_data(TELEGRAM_USER, "999:another-bot")},
          genuine=lambda: {"json": {"init_data": _init_data(TELEGRAM_USER, BOT_TOKEN)}}),
]  # fmt: skip

# Which of the place's ids fill a path's placeholders, where the name alone does not say.
PATH_IDS: dict[str, dict[str, str]] = {
    "/owners/{user_id}": {"user_id": "spare_owner"},
    "/contributions/{entry_id}": {"entry_id": "contribution"},
    "/expenses/{entry_id}": {"entry_id": "expense"},
    "/charges/{entry_id}": {"entry_id": "charge"},
    "/budget-items/{item_id}": {"item_id": "budget_item"},
    "/members/{user_id}": {"user_id": "spare_member"},
    "/users/{user_id}": {"user_id": "member"},
}


def _path(entry: Entry, place: Place) -> str:
    ids = {
        "community_id": place.ids["community"],
        "period_id": place.ids["period"],
        "owner_id": place.ids["owner"],
        "meter_id": place.ids["meter"],
        "group_id": place.ids["group"],
        "list_id": place.ids["list"],
        "item_id": place.ids["item"],
        "split_id": place.ids["split"],
        "settlement_id": place.ids["settlement"],
        "expense_id": place.ids["gexpense" if entry.service == S else "expense"],
        "pattern_id": place.ids["pattern"],
    }
    for fragment, names in PATH_IDS.items():
        if fragment in entry.path:
            ids.update({k: place.ids[v] for k, v in names.items()})
    return entry.path.format(**ids)


@dataclass
class World:
    apps: dict[str, httpx.AsyncClient]
    own: Place
    other: Place
    tokens: dict[str, str]


async def _ok(
    client: httpx.AsyncClient, token: str, method: str, path: str, body: Any = None
) -> Any:
    r = await client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 201), f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


async def _community(
    ledger: httpx.AsyncClient,
    token: Callable[[int], str],
    treasurer: int,
    owner: int,
    other_owners: list[int],
    invitee: int,
) -> dict[str, Any]:
    t = token(treasurer)
    c = (await _ok(ledger, t, "POST", f"{PM}/communities", {"name": "Birches"}))["id"]
    for user in [owner, *other_owners, invitee]:
        await _ok(
            ledger,
            t,
            "POST",
            f"{PM}/communities/{c}/owners",
            {"user_id": user, "display_name": f"U{user}", "ownership_share": "1"},
        )
    period = (
        await _ok(
            ledger,
            t,
            "POST",
            f"{PM}/periods",
            {
                "community_id": c,
                "name": "Nov",
                "start_date": "2025-11-01",
                "end_date": "2025-11-30",
            },
        )
    )["id"]
    p = f"{PM}/periods/{period}"
    contribution = await _ok(
        ledger, t, "POST", f"{p}/contributions", {"user_id": owner, "amount": "100.00"}
    )
    expense = await _ok(
        ledger,
        t,
        "POST",
        f"{p}/expenses",
        {"amount": "30.00", "payment_type": "Roads", "allocation_strategy": "FIXED_FEE"},
    )
    charge = await _ok(
        ledger,
        t,
        "POST",
        f"{p}/charges",
        {"user_id": owner, "amount": "5.00", "description": "Fee"},
    )
    meter = await _ok(
        ledger,
        t,
        "POST",
        f"{PM}/communities/{c}/meters",
        {"owner_id": owner, "meter_type": "electricity", "tariff": "5"},
    )
    await _ok(
        ledger,
        t,
        "POST",
        f"{PM}/meters/{meter['id']}/readings",
        {"reading_date": "2025-11-01", "value": "10"},
    )
    item = await _ok(
        ledger,
        t,
        "POST",
        f"{p}/budget-items",
        {"category": "Roads", "planned_amount": "100.00", "allocation_strategy": "FIXED_FEE"},
    )
    return {"community": c, "period": period, "owner": owner, "contribution": contribution["id"],
            "expense": expense["id"], "charge": charge["id"], "meter": meter["id"],
            "budget_item": item["id"], "spare_owner": other_owners[-1],
            "invitee": invitee}  # fmt: skip


async def _group(
    splits: httpx.AsyncClient, token: Callable[[int], str], owner: int, members: list[int]
) -> dict[str, Any]:
    t = token(owner)
    g = (await _ok(splits, t, "POST", "/groups", {"name": "Flat"}))["id"]
    for user in members:
        await _ok(splits, t, "POST", f"/groups/{g}/members", {"user_id": user})
    payee = members[1]
    expense = await _ok(
        splits,
        t,
        "POST",
        "/financials/expenses",
        {
            "description": "Rent",
            "total_amount": "10.00",
            "group_id": g,
            "paid_by_user_id": owner,
            "splits_in": [{"user_id": owner}, {"user_id": payee}],
        },
    )
    split = next(s["id"] for s in expense["splits"] if s["user_id"] == payee)
    settlement = await _ok(
        splits,
        t,
        "POST",
        "/financials/settlements",
        {"group_id": g, "paid_by_user_id": payee, "paid_to_user_id": owner, "amount": "1.00"},
    )
    lst = await _ok(splits, t, "POST", "/lists", {"name": "Shop", "group_id": g})
    item = await _ok(splits, t, "POST", f"/lists/{lst['id']}/items", {"name": "Milk"})
    return {"group": g, "group_owner": owner, "member": members[0], "payee": payee,
            "spare_member": members[-1], "gexpense": expense["id"], "split": split,
            "settlement": settlement["id"], "list": lst["id"], "item": item["id"]}  # fmt: skip


async def _count(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def world(
    infrastructure: Infrastructure, topic_prefix: str, signing_keys: tuple[str, str],
    make_token: Callable[..., str],
) -> AsyncIterator[World]:  # fmt: skip
    # Topics of its own (under the run's prefix, so they are deleted with it): reporting reads
    # from the beginning and must meet only this world's communities and groups.
    common = {
        "kafka_bootstrap_servers": infrastructure.kafka_bootstrap_servers,
        "topic_prefix": f"{topic_prefix}m{uuid.uuid4().hex[:6]}.",
        "auth_public_key": signing_keys[1],
        "topic_partitions": 2,
        "relay_poll_interval_seconds": 0.05,
    }
    names = {s: await create_database(infrastructure.pg_admin_url, f"t_{s}")
             for s in (L, S, R, RC, G)}  # fmt: skip
    urls = {s: database_url(infrastructure.pg_admin_url, n) for s, n in names.items()}
    fake_telegram = FakeTelegram()  # the Bot API the gateway talks to
    try:
        apps = {
            L: ledger_app(LedgerSettings(database_url=urls[L], **common)),
            S: splits_app(SplitsSettings(database_url=urls[S], **common)),
            R: reporting_app(ReportingSettings(
                database_url=urls[R], consumer_group=f"reporting-{uuid.uuid4().hex[:8]}",
                **common)),
            RC: recurring_app(RecurringSettings(
                database_url=urls[RC], scheduler_enabled=False, **common)),
        }  # fmt: skip
        # The gateway reaches the others in-process, and a fake Bot API stands in for Telegram.
        await fake_telegram.start()
        services = httpx.AsyncClient(
            mounts={f"http://{s}": httpx.ASGITransport(app=apps[s]) for s in (L, S, R)}, timeout=10
        )
        apps[G] = gateway_app(
            GatewaySettings(
                database_url=urls[G], auth_private_key=signing_keys[0],
                telegram_bot_token=BOT_TOKEN, telegram_api_base=fake_telegram.base_url,
                telegram_webhook_secret=SECRET,
                telegram_mode="off", ledger_url=f"http://{L}", splits_url=f"http://{S}",
                reporting_url=f"http://{R}", sender_poll_interval_seconds=0.05, **common),
            http_client=services,
        )  # fmt: skip
        async with (
            running_app(apps[L]) as ledger,
            running_app(apps[S]) as splits,
            running_app(apps[R]) as reporting,
            running_app(apps[RC]) as recurring,
            running_app(apps[G]) as gateway,
        ):

            def token(user: int) -> str:
                return make_token(user)

            own = Place(
                {
                    **await _community(
                        ledger, token, TREASURER, OWNER, [OTHER_OWNER, SPARE_OWNER], INVITEE
                    ),
                    **await _group(splits, token, GROUP_OWNER, [MEMBER, PAYEE, SPARE_MEMBER]),
                }
            )
            other = Place({
                **await _community(ledger, token, OUTSIDER, OUTSIDE_OWNER, [203], 206),
                **await _group(splits, token, OUTSIDER, [OUTSIDE_OWNER, 204, 205])})  # fmt: skip

            async def caught_up() -> bool:
                sent = sum([await _count(urls[s], "SELECT count(*) FROM outbox") for s in (L, S)])
                seen = await _count(urls[R], "SELECT count(*) FROM audit_entries")
                return seen >= sent

            await eventually(caught_up, timeout=60, what="reporting has every event")
            for place, creator in ((own, TREASURER), (other, OUTSIDER)):
                pattern = await _ok(
                    recurring, token(creator), "POST", RP, _pattern(place.ids["community"])
                )
                place.ids["pattern"] = pattern["pattern_id"]
            every = {"communities": [own.ids["community"], other.ids["community"]],
                     "groups": [own.ids["group"], other.ids["group"]]}  # fmt: skip
            tokens = {
                "treasurer": make_token(TREASURER),
                "owner": make_token(OWNER),
                "other_owner": make_token(OTHER_OWNER),
                "member": make_token(MEMBER),
                "group_owner": make_token(GROUP_OWNER),
                "stranger": make_token(STRANGER, **every),
                "service": make_token("service:matrix", roles=["service"]),
            }
            clients = {L: ledger, S: splits, R: reporting, RC: recurring, G: gateway}
            yield World(clients, own, other, tokens)
    finally:
        await fake_telegram.stop()
        for name in names.values():
            await drop_database(infrastructure.pg_admin_url, name)


def _expected(entry: Entry, caller: str, own: bool) -> str:
    rule = RULES[entry.rule]
    if not own and entry.rule not in PLACELESS:
        outcome = rule["service"] if caller == "service" else "404"
    else:
        outcome = rule[caller]
    if entry.listed is not None:
        return {"ok": "sees", "404": "blind"}.get(outcome, outcome)
    return outcome


def _outcome(entry: Entry, place: Place, response: httpx.Response) -> str:
    status = response.status_code
    if status in (401, 403):
        return str(status)
    if entry.listed is not None:
        if status == 404:
            return "blind"
        assert status == 200, response.text
        return "sees" if place.ids[entry.target] in entry.listed(response.json()) else "blind"
    answer = response.json() if "json" in response.headers.get("content-type", "") else None
    detail = answer.get("detail") if isinstance(answer, dict) else None
    if status == 404 and detail in HIDDEN:
        return "404"
    if status >= 500:
        return f"unexpected {status}: {response.text}"
    return "ok"


@pytest.mark.parametrize("entry", E, ids=[e.name for e in E])
async def test_each_caller_gets_what_the_policy_says(world: World, entry: Entry) -> None:
    wrong = []
    for own, place in ((True, world.own), (False, world.other)):
        # The refused ask first: what an allowed caller changes must not alter their answer.
        for caller in sorted(CALLERS, key=lambda c: FIRST[_expected(entry, c, own)]):
            params = {k: place.fill(v) for k, v in entry.query.items()}
            response = await world.apps[entry.service].request(
                entry.method,
                _path(entry, place),
                params=params,
                json=None if entry.body is None else entry.body(place),
                headers={"Authorization": f"Bearer {world.tokens[caller]}"},
            )
            want, got = _expected(entry, caller, own), _outcome(entry, place, response)
            if want != got:
                wrong.append(f"{caller} ({'own' if own else 'other'}): want {want}, got {got}")
    # Without any token (or Telegram's proof): 401, except the public endpoints.
    anonymous = await world.apps[entry.service].request(
        entry.method,
        _path(entry, world.own),
        params={k: world.own.fill(v) for k, v in entry.query.items()},
        json=None if entry.body is None else entry.body(world.own),
    )
    if (anonymous.status_code == 401) != (entry.rule != "public"):
        wrong.append(f"no token: got {anonymous.status_code}: {anonymous.text[:200]}")
    if entry.genuine is not None:  # Telegram itself, with its secret or signed initData
        response = await world.apps[entry.service].request(
            entry.method, entry.path, **entry.genuine()
        )
        if response.status_code != 200:
            wrong.append(f"telegram: want 200, got {response.status_code}: {response.text}")
    assert not wrong, "\n".join(wrong)


def _endpoints(app: Any) -> set[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if not path.startswith("/health/")
    }


def _routes(router: APIRouter) -> set[tuple[str, str]]:
    """Every route of a router, those hidden from the OpenAPI (the webhook, a page) too."""
    return {
        (method, route.path)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


def test_every_endpoint_has_a_matrix_entry() -> None:
    """A new endpoint must say who may call it: add it to ``E`` above."""
    apps = {
        L: ledger_app(LedgerSettings(auth_public_key="unused")),
        S: splits_app(SplitsSettings(auth_public_key="unused")),
        R: reporting_app(ReportingSettings(auth_public_key="unused")),
        RC: recurring_app(RecurringSettings(auth_public_key="unused")),
        G: gateway_app(GatewaySettings(auth_public_key="unused")),
    }
    routers = {RC: recurring_router, G: gateway_router}
    for service, app in apps.items():
        covered = {(e.method, e.path) for e in E if e.service == service}
        hidden = _routes(routers[service]) if service in routers else set()
        assert _endpoints(app) | hidden == covered, service


async def test_the_ledgers_balance_sheet_setting_reaches_reporting(world: World) -> None:
    """A treasurer turns the balance sheet off for owners in the ledger; reporting, told by the
    ledger's event, refuses it to owners too (and still shows it to the treasurer)."""
    ledger, reporting = world.apps[L], world.apps[R]
    community, period = world.own.ids["community"], world.own.ids["period"]
    settings = f"{PM}/communities/{community}/settings"
    sheet = f"{PM}/periods/{period}/balance-sheet"

    def auth(caller: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {world.tokens[caller]}"}

    off = {"owners_see_balance_sheet": False}
    assert (await ledger.put(settings, json=off, headers=auth("treasurer"))).status_code == 200
    assert (await ledger.get(sheet, headers=auth("owner"))).status_code == 403

    async def refused_in_reporting() -> bool:
        return (await reporting.get(sheet, headers=auth("owner"))).status_code == 403

    await eventually(refused_in_reporting, what="reporting hides the balance sheet from owners")
    assert (await reporting.get(sheet, headers=auth("treasurer"))).status_code == 200
    assert (await reporting.get(f"{sheet}.pdf", headers=auth("other_owner"))).status_code == 403
