"""The Mini App: Telegram's initData for a short-lived token the services accept, the user's
balances and overview, and the page's own file (the page in a real browser:
``test_miniapp_browser.py``)."""

from __future__ import annotations

import io
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
import zxingcpp
from bot_gateway.domain.initdata import sign
from bot_gateway.testing import Person, World, private_chat
from PIL import Image
from sosenki_contracts.bank_details import BankDetails
from sosenki_platform.testing import eventually

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
    assert 'fetch("/miniapp/session"' in page.text and 'fetch("/miniapp/overview' in page.text
    assert "tgWebAppData" in page.text and "tg.ready()" in page.text


async def test_the_session_says_the_users_language(world: World) -> None:
    """Telegram's language_code, through the catalogue's languages (anything else English), and
    /lang in the private chat overrides it."""
    for code, language in (("ru", "ru"), ("ru-RU", "ru"), ("en", "en"), ("uk", "en"), ("", "en")):
        person = Person(OLGA.telegram_id, "Olga", "olga", code)
        response = await _session(world, init_data(person))
        assert response.status_code == 200, response.text
        assert response.json()["language"] == language, code
    english = Person(OLGA.telegram_id, "Olga", "olga", "en")
    await world.say(english, private_chat(english), "/lang ru")
    await world.reply(OLGA.telegram_id, "русский")
    assert (await _session(world, init_data(english))).json()["language"] == "ru"


async def test_the_overview_is_a_users(world: World) -> None:
    """A token naming no user gets 403; a user who belongs nowhere gets empty sections."""
    service = world.make_token("service:x", roles=["service"])
    response = await world.gateway.get(
        "/miniapp/overview", headers={"Authorization": f"Bearer {service}"}
    )
    assert response.status_code == 403
    assert (await world.gateway.get("/miniapp/overview")).status_code == 401
    response = await world.gateway.get(
        "/miniapp/overview?lang=ru",
        headers={"Authorization": f"Bearer {world.make_token(720999)}"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "user_id": 720999,
        "language": "ru",
        "owner": [],
        "treasurer": [],
        "groups": [],
    }


@pytest.mark.parametrize(
    "world_settings", [{"public_url": "https://sosenki.example.org/"}], indirect=True
)
async def test_the_mini_app_is_the_menu_button_and_help_points_to_it(world: World) -> None:
    """With a public address the bot's menu button opens the Mini App (set at start-up, as the
    Bot API takes it) and /help tells about it, in the user's language."""

    async def button() -> dict[str, Any] | None:
        return world.telegram.menu_buttons.get(None)

    found = await eventually(button, what="setChatMenuButton at start-up")
    assert found == {
        "type": "web_app",
        "text": "SOSenki",
        "web_app": {"url": "https://sosenki.example.org/miniapp"},
    }
    calls = world.telegram.sent("setChatMenuButton")
    assert len(calls) == 1 and "chat_id" not in calls[0].params  # the bot's default button
    for person, words in (
        (OLGA, "Приложение (кнопка SOSenki"),
        (Person(720002, "Ann", "ann", "en"), "The app (the SOSenki button"),
    ):
        await world.say(person, private_chat(person), "/help")
        text = (await world.reply(person.telegram_id, "/newcommunity"))["text"]
        assert words in text and "https://sosenki.example.org/miniapp" in text


async def test_without_a_public_address_there_is_no_menu_button(world: World) -> None:
    await world.say(OLGA, private_chat(OLGA), "/help")
    text = (await world.reply(OLGA.telegram_id, "/newcommunity"))["text"]
    assert "SOSenki" not in text and "/miniapp" not in text
    assert world.telegram.sent("setChatMenuButton") == []
    assert world.telegram.menu_buttons == {}


@pytest.mark.parametrize("world_settings", [{"ledger_url": "http://127.0.0.1:9"}], indirect=True)
async def test_the_overview_waits_when_a_service_cannot_answer(world: World) -> None:
    """The ledger cannot be reached: the overview says 503 with Retry-After (the page then says,
    in the user's language, to try again shortly), never a 500 nor a page with parts missing."""
    response = await world.gateway.get(
        "/miniapp/overview",
        headers={"Authorization": f"Bearer {world.make_token(OLGA.telegram_id)}"},
    )
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"


async def test_an_owner_who_owes_gets_the_payment_qr_code_through_the_gateway(
    world: World,
) -> None:
    """The owner view names the QR code's address when there is something to pay; through the
    gateway it is reporting's PNG for the caller (409 while the community has no bank details,
    404 for a stranger), decodable as the Russian banks' ST00012 payment order."""
    cid = await _olga_owes(world)
    olga = {"Authorization": f"Bearer {world.make_token(OLGA.telegram_id)}"}
    url = f"/miniapp/payment-qr/{cid}.png"

    async def owes() -> dict[str, Any] | None:
        body = (await world.gateway.get("/miniapp/overview", headers=olga)).json()
        return body["owner"][0] if body["owner"] and body["owner"][0]["owes"] else None

    view = await eventually(owes, what="Olga's debt in reporting")
    assert view["payment_qr"] == url
    assert (await world.gateway.get(url, headers=olga)).status_code == 409
    treasurer = world.make_token(1, communities=[cid])
    await world.ok(
        world.ledger,
        "PUT",
        f"/api/payments/communities/{cid}/settings",
        treasurer,
        {"bank_details": BankDetails.example()},
    )

    async def png() -> bytes | None:
        response = await world.gateway.get(url, headers=olga)
        return response.content if response.status_code == 200 else None

    image = await eventually(png, what="the QR code once reporting has the bank details")
    (found,) = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(image)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert found.text.startswith("ST00012|") and "|Sum=12000|" in found.text + "|"
    stranger = {"Authorization": f"Bearer {world.make_token(720999, communities=[cid])}"}
    assert (await world.gateway.get(url, headers=stranger)).status_code == 404
