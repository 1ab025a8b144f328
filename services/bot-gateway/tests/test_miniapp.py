"""The Mini App: Telegram's initData for a short-lived token the services accept, the user's
balances, and the page itself in headless Chromium (Debian's ``chromium``, which the bootstrap
installs)."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import uvicorn
from bot_gateway.domain.initdata import sign
from bot_gateway.testing import Person, World, private_chat
from sosenki_platform.testing import eventually, free_port

pytestmark = pytest.mark.integration

BOT_TOKEN = "123456:TEST-token_for-the-fake"  # the token the test gateway has
OLGA = Person(720001, "Olga", "olga", "ru")


def init_data(person: Person, token: str = BOT_TOKEN, age: int = 0, **changes: str) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(person.as_user(), separators=(",", ":")),
        "auth_date": str(int(time.time()) - age),
    }
    fields["hash"] = sign(fields, token)
    fields.update(changes)
    return urlencode(fields)


async def _olga_owes(world: World) -> int:
    token = world.make_token(1)
    cid = (
        await world.ok(
            world.ledger, "POST", "/api/payments/communities", token, {"name": "Birches"}
        )
    )["id"]
    token = world.make_token(1, communities=[cid])
    await world.ok(
        world.ledger,
        "POST",
        f"/api/payments/communities/{cid}/owners",
        token,
        {"user_id": OLGA.telegram_id, "display_name": "Olga", "ownership_share": "1"},
    )
    pid = (
        await world.ok(
            world.ledger,
            "POST",
            "/api/payments/periods",
            token,
            {
                "community_id": cid,
                "name": "May",
                "start_date": "2025-05-01",
                "end_date": "2025-05-31",
            },
        )
    )["id"]
    await world.ok(
        world.ledger,
        "POST",
        f"/api/payments/periods/{pid}/charges",
        token,
        {"user_id": OLGA.telegram_id, "amount": "120.00", "description": "Fee"},
    )
    # The treasurer invites Olga's owner record; Olga opens the invitation in Telegram.
    link = await world.invite(OLGA.telegram_id, token, community_id=cid)
    assert link.status_code == 201, link.text
    await world.say(OLGA, private_chat(OLGA), f"/start {link.json()['start_parameter']}")
    await world.reply(OLGA.telegram_id, f"привязаны к пользователю {OLGA.telegram_id}.")
    return int(cid)


async def _session(world: World, data: str) -> Any:
    return await world.gateway.post("/miniapp/session", json={"init_data": data})


async def test_init_data_for_a_token_and_the_users_balances(world: World) -> None:
    cid = await _olga_owes(world)

    async def session_with_community() -> dict[str, Any] | None:
        response = await _session(world, init_data(OLGA))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if cid in body["communities"] else None

    session = await eventually(session_with_community, what="Olga's community in her token")
    assert session["user_id"] == OLGA.telegram_id and session["expires_in"] == 900

    async def balance() -> dict[str, Any] | None:
        response = await world.gateway.get(
            "/miniapp/balances", headers={"Authorization": f"Bearer {session['token']}"}
        )
        assert response.status_code == 200, response.text
        communities = response.json()["communities"]
        caught_up = communities and communities[0]["current_balance"] == "-120.00"
        return communities[0] if caught_up else None

    found = await eventually(balance, what="Olga's balance")
    assert found["name"] == "Birches"
    assert [p["name"] for p in found["periods"]] == ["May"]
    # The token is one the other services accept.
    sheet = await world.reporting.get(
        f"/api/payments/communities/{cid}/owners/{OLGA.telegram_id}/statement",
        headers={"Authorization": f"Bearer {session['token']}"},
    )
    assert sheet.status_code == 200


async def test_balances_are_where_the_ledger_says_the_caller_is_an_owner(world: World) -> None:
    """A token's claims only narrow: one naming no community still shows the owner's balance;
    a stranger's naming the community shows nothing; a token naming no user gets 403."""
    cid = await _olga_owes(world)

    async def balances(token: str) -> Any:
        response = await world.gateway.get(
            "/miniapp/balances", headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code, response.json()

    async def olga_sees_hers() -> bool:
        status, body = await balances(world.make_token(OLGA.telegram_id))
        assert status == 200, body
        return [c["community_id"] for c in body["communities"]] == [cid]

    await eventually(olga_sees_hers, what="Olga's balance with an unscoped token")
    narrowed = await balances(world.make_token(OLGA.telegram_id, communities=[cid + 1]))
    assert narrowed == (200, {"user_id": OLGA.telegram_id, "communities": []})
    stranger = await balances(world.make_token(720999, communities=[cid]))
    assert stranger == (200, {"user_id": 720999, "communities": []})
    status, body = await balances(world.make_token("service:x", roles=["service"]))
    assert (status, body["detail"]) == (403, "Balances are a user's (the token names no user)")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (init_data(OLGA, user=json.dumps({"id": 1, "first_name": "Mallory"})), "signature"),
        (init_data(OLGA, token="999:someone-else"), "signature"),
        (init_data(OLGA, age=7200), "too old"),
    ],
    ids=["changed field", "wrong token", "expired"],
)
async def test_bad_init_data_gets_no_token(world: World, data: str, reason: str) -> None:
    response = await _session(world, data)
    assert response.status_code == 401
    assert reason in response.json()["detail"]


async def test_the_page_calls_the_gateway(world: World) -> None:
    page = await world.gateway.get("/miniapp")
    assert page.status_code == 200
    assert 'fetch("/miniapp/session"' in page.text and 'fetch("/miniapp/balances"' in page.text
    assert "tgWebAppData" in page.text


async def test_the_page_in_headless_chromium_shows_the_balance(world: World) -> None:
    assert shutil.which("chromium"), (
        "Debian's chromium is missing: run scripts/bootstrap.sh --with-browser"
    )
    cid = await _olga_owes(world)

    async def known() -> bool:
        return cid in (await _session(world, init_data(OLGA))).json()["communities"]

    await eventually(known, what="Olga's membership")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    )
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server), what="the page server")
        url = f"http://127.0.0.1:{port}/miniapp#tgWebAppData={quote(init_data(OLGA))}"

        async def rendered() -> str | None:
            dom = await _chromium_dom(url)
            return dom if 'data-loaded="true"' in dom and "-120.00 RUB" in dom else None

        dom = await eventually(rendered, timeout=60, interval=1, what="the rendered page")
    finally:
        server.should_exit = True
        await serving
    assert "Birches" in dom and "-120.00 RUB" in dom and "May" in dom


async def _started(server: uvicorn.Server) -> bool:
    return bool(server.started)


async def _chromium_dom(url: str) -> str:
    process = await asyncio.create_subprocess_exec(
        str(shutil.which("chromium")),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return out.decode(errors="replace")
