"""The Mini App in a real headless browser (Debian's Chromium, driven by Playwright), against the
real ledger, reporting and splits on the shared PostgreSQL and Kafka: an English-speaking owner
and a Russian-speaking treasurer open it, each in both languages, and every view's text is
checked. Telegram's ``window.Telegram.WebApp`` is a fake injected before the page's script, with
``initData`` signed by the gateway's test bot token. Screenshots go to
``tests-output/miniapp/`` (gitignored; the folder is the test's output)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn
from bot_gateway.testing import Person, World
from playwright.async_api import Browser, Page, async_playwright
from sosenki_contracts.bank_details import BankDetails
from sosenki_platform.testing import eventually, free_port

from .test_miniapp import init_data

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SHOTS = Path(__file__).resolve().parents[3] / "tests-output" / "miniapp"

OLGA = Person(760001, "Olga", "olga_b", "en")
TAMARA = Person(760002, "Тамара", "tamara", "ru")
PAVEL_ID = 760003  # an owner without Telegram

DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
}
LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "secondary_bg_color": "#efeff3"}


def fake_webapp(data: str, theme: dict[str, str], scheme: str) -> str:
    """Telegram's WebApp object as the page sees it inside Telegram, recording the calls."""
    user = json.loads(parse_qs(data)["user"][0])
    webapp = {
        "initData": data,
        "initDataUnsafe": {"user": user},
        "themeParams": theme,
        "colorScheme": scheme,
        "version": "8.0",
        "platform": "tdesktop",
    }
    return (
        "window.__calls = [];"
        f"window.Telegram = {{WebApp: Object.assign({json.dumps(webapp)}, {{"
        "ready() { window.__calls.push('ready'); },"
        "expand() { window.__calls.push('expand'); },"
        "onEvent(name) { window.__calls.push('onEvent:' + name); } })};"
    )


async def _community(world: World) -> int:
    """Tamara's village "Birches": Olga owes 1,234.56 and paid 234.56, Pavel owes 500."""
    token = world.make_token(TAMARA.telegram_id)
    community = await world.ok(
        world.ledger, "POST", "/api/payments/communities", token, {"name": "Birches"}
    )
    cid = int(community["id"])
    token = world.make_token(TAMARA.telegram_id, communities=[cid])
    for user_id, name in ((OLGA.telegram_id, "Olga"), (PAVEL_ID, "Pavel")):
        body = {"user_id": user_id, "display_name": name, "ownership_share": "1"}
        await world.ok(world.ledger, "POST", f"/api/payments/communities/{cid}/owners", token, body)
    period = {"community_id": cid, "name": "May", "start_date": "2026-05-01"}
    period["end_date"] = "2026-05-31"
    pid = (await world.ok(world.ledger, "POST", "/api/payments/periods", token, period))["id"]
    charges = f"/api/payments/periods/{pid}/charges"
    fee = {"user_id": OLGA.telegram_id, "amount": "1234.56", "description": "Membership fee"}
    await world.ok(world.ledger, "POST", charges, token, fee)
    road = {"user_id": PAVEL_ID, "amount": "500", "description": "Road"}
    await world.ok(world.ledger, "POST", charges, token, road)
    paid = {"user_id": OLGA.telegram_id, "amount": "234.56", "comment": "cash"}
    await world.ok(world.ledger, "POST", f"/api/payments/periods/{pid}/contributions", token, paid)
    bank = {"bank_details": BankDetails.example()}  # so that owners get a payment QR code
    await world.ok(world.ledger, "PUT", f"/api/payments/communities/{cid}/settings", token, bank)
    return cid


async def _group(world: World) -> int:
    """Tamara's group "Trip" with Olga; Tamara paid 3,000 for both."""
    token = world.make_token(TAMARA.telegram_id)
    gid = int((await world.ok(world.splits, "POST", "/groups", token, {"name": "Trip"}))["id"])
    member = {"user_id": OLGA.telegram_id, "display_name": "Olga"}
    await world.ok(world.splits, "POST", f"/groups/{gid}/members", token, member)
    expense = {
        "group_id": gid,
        "description": "Cabin",
        "total_amount": "3000",
        "paid_by_user_id": TAMARA.telegram_id,
    }
    await world.ok(world.splits, "POST", "/financials/expenses", token, expense)
    return gid


async def _caught_up(world: World, person: Person) -> None:
    """Reporting has read the ledger's events (it lags by a Kafka hop) for ``person``."""

    async def ready() -> bool:
        session = await world.gateway.post(
            "/miniapp/session", json={"init_data": init_data(person)}
        )
        assert session.status_code == 200, session.text
        bearer = {"Authorization": f"Bearer {session.json()['token']}"}
        overview = await world.gateway.get("/miniapp/overview", headers=bearer)
        assert overview.status_code == 200, overview.text
        body = overview.json()
        if person is OLGA:
            if [v["balance"] for v in body["owner"]] != ["-₽1,000.00"]:
                return False
            qr = await world.gateway.get(body["owner"][0]["payment_qr"], headers=bearer)
            return qr.status_code == 200  # reporting has the bank details too
        names = [r["name"] for v in body["treasurer"] for r in v["rows"]]
        totals = [v["total"] for v in body["treasurer"]]
        return names == ["Olga", "Pavel"] and totals == ["-₽1,500.00"]

    await eventually(ready, timeout=60, what=f"{person.first_name}'s figures in reporting")


@asynccontextmanager
async def _served(world: World) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    )
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    try:
        await eventually(started, what="the page server")
        yield f"http://127.0.0.1:{port}/miniapp"
    finally:
        server.should_exit = True
        await serving


@asynccontextmanager
async def _chromium() -> AsyncIterator[Browser]:
    assert shutil.which("chromium") == CHROMIUM, (
        "Debian's chromium is missing: scripts/bootstrap.sh --with-browser"
    )
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def _open(
    browser: Browser,
    url: str,
    person: Person,
    *,
    theme: dict[str, str] | None = None,
    scheme: str = "light",
    data: str | None = None,
) -> Page:
    page = await browser.new_page(viewport={"width": 420, "height": 900})
    # Telegram's own script is not reachable here; the injected fake stands in for it.
    await page.route(
        "https://telegram.org/**",
        lambda route: route.fulfill(body="", content_type="text/javascript"),
    )
    signed = data if data is not None else init_data(person)
    await page.add_init_script(fake_webapp(signed, theme or LIGHT, scheme))
    await page.goto(url)
    await page.wait_for_function("document.body.dataset.loaded !== undefined", timeout=30_000)
    return page


async def _text(page: Page, selector: str) -> str:
    text = await page.inner_text(selector)
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


async def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000, f"{path} is suspiciously small"


async def _view(page: Page, name: str) -> str:
    tab = page.locator(f'[data-tab="{name}"]')
    if await tab.count():
        await tab.click()
    return await _text(page, f'[data-view="{name}"]')


OWNER_TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "tabs": "My balance Groups",
        "day": r"[A-Z][a-z]{2} \d{1,2}, \d{4} · May Payment: cash",
        "owner": [
            "Birches",
            "Balance -₽1,000.00",
            "To pay: ₽1,000.00",
            "Statement Period Paid Charged Expenses Balance",
            "May (open) ₽234.56 ₽1,234.56 ₽0.00 -₽1,000.00",
            "Charges and payments",
            "Payment: cash ₽234.56",
            "Charge: Membership fee ₽1,234.56",
        ],
        "groups": [
            "Trip",
            "Balances",
            "Olga (you) owes ₽1,500.00",
            "Тамара is owed ₽1,500.00",
            "Settle-up plan",
            "Olga → Тамара ₽1,500.00",
        ],
    },
    "ru": {
        "tabs": "Мой баланс Группы",
        "day": r"\d{1,2} [а-я]{3,4}\.? \d{4} г\. · May Платёж: cash",
        "owner": [
            "Birches",
            "Баланс -1 000,00 ₽",
            "К оплате: 1 000,00 ₽",
            "Выписка Период Оплачено Начислено Расходы Баланс",
            "May (открыт) 234,56 ₽ 1 234,56 ₽ 0,00 ₽ -1 000,00 ₽",
            "Начисления и платежи",
            "Платёж: cash 234,56 ₽",
            "Начисление: Membership fee 1 234,56 ₽",
        ],
        "groups": [
            "Trip",
            "Балансы",
            "Olga (вы) к оплате 1 500,00 ₽",
            "Тамара к получению 1 500,00 ₽",
            "План расчётов",
            "Olga → Тамара 1 500,00 ₽",
        ],
    },
}

TREASURER_TEXTS: dict[str, list[str]] = {
    "ru": [
        "Birches · May (открыт)",
        "Сбор",
        "Собрано 234,56 ₽ из 1 734,56 ₽ (13%)",
        "Должники Olga долг 1 000,00 ₽ Pavel долг 500,00 ₽",
        "Оборотная ведомость Владелец Оплачено Начислено Баланс",
        "Olga 234,56 ₽ 1 234,56 ₽ -1 000,00 ₽",
        "Pavel 0,00 ₽ 500,00 ₽ -500,00 ₽",
        "Итого -1 500,00 ₽",
    ],
    "en": [
        "Birches · May (open)",
        "Collection",
        "Collected ₽234.56 of ₽1,734.56 (13%)",
        "Owners in arrears Olga owes ₽1,000.00 Pavel owes ₽500.00",
        "Balance sheet Owner Paid Due Balance",
        "Olga ₽234.56 ₽1,234.56 -₽1,000.00",
        "Pavel ₽0.00 ₽500.00 -₽500.00",
        "Total -₽1,500.00",
    ],
}

#: Words of the other language that must not appear on a page (its own labels).
FOREIGN = {
    "en": ["Баланс", "Выписка", "Платёж", "Начисление", "Группы", "открыт"],
    "ru": ["Balance", "Statement", "Payment", "Charge", "Groups", "open)", "owes", "To pay"],
}


def _in_order(text: str, parts: list[str]) -> None:
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} not found (in order) in {text!r}"
        at = found + len(part)


async def test_owner_treasurer_and_group_views_in_both_languages(world: World) -> None:
    await _community(world)
    await _group(world)
    for person in (OLGA, TAMARA):
        await world.become(person, person.telegram_id)
    await _caught_up(world, OLGA)
    await _caught_up(world, TAMARA)

    async with _served(world) as url, _chromium() as browser:
        for lang, texts in OWNER_TEXTS.items():
            olga = Person(OLGA.telegram_id, "Olga", "olga_b", lang)
            page = await _open(browser, url, olga)
            assert await page.get_attribute("body", "data-loaded") == "true"
            assert await page.evaluate("document.documentElement.lang") == lang
            assert await _text(page, "#tabs") == texts["tabs"]
            owner = await _view(page, "owner")
            _in_order(owner, texts["owner"])
            assert re.search(texts["day"], owner), owner  # days as the reader writes them
            # What to pay, as a payment QR code (fetched with the session's token).
            qr = page.locator('[data-slot="payment-qr"] img')
            await qr.wait_for(state="visible", timeout=15_000)
            assert await qr.evaluate("img => img.complete && img.naturalWidth > 100")
            await _shot(page, f"owner-{lang}")
            groups = await _view(page, "groups")
            _in_order(groups, texts["groups"])
            await _shot(page, f"group-{lang}")
            whole = await _text(page, "body")
            for word in FOREIGN[lang]:
                assert word not in whole, f"{word!r} on the {lang} page: {whole!r}"
            await page.close()

        for lang, parts in TREASURER_TEXTS.items():
            tamara = Person(TAMARA.telegram_id, "Тамара", "tamara", lang)
            page = await _open(browser, url, tamara, theme=DARK, scheme="dark")
            treasurer = await _view(page, "treasurer")
            _in_order(treasurer, parts)
            # The progress bar is as wide as the share collected.
            width = await page.eval_on_selector(
                '[data-role="collection"] .bar > div', "e => e.style.width"
            )
            assert width == "13%"
            await _shot(page, f"treasurer-{lang}")
            # She is in the group too: the tab is there, in her language.
            tabs = await _text(page, "#tabs")
            assert tabs == ("Казначей Группы" if lang == "ru" else "Treasurer Groups")
            await page.close()


async def test_telegram_ready_expand_theme_and_a_localized_refusal(world: World) -> None:
    """The page tells Telegram it is ready and expands, takes the theme's colours (dark and
    light), and a refused sign-in is told in the user's language, never the service's English
    sentence; outside Telegram it says where to open it."""
    async with _served(world) as url, _chromium() as browser:
        page = await _open(browser, url, OLGA, theme=DARK, scheme="dark")
        assert await page.evaluate("window.__calls") == ["ready", "expand", "onEvent:themeChanged"]
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(23, 33, 43)"  # DARK's bg_color
        assert await page.evaluate("document.documentElement.dataset.scheme") == "dark"
        # Olga belongs nowhere yet: an honest empty page, in English.
        assert await _text(page, "#status") == (
            "Nothing here yet: you are not an owner in a community or a member of a group."
        )
        await _shot(page, "empty-dark-en")
        await page.close()

        page = await _open(browser, url, OLGA, theme=LIGHT)
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(255, 255, 255)"
        await page.close()

        for lang, sentence in (
            ("ru", "Вход через Telegram не прошёл проверку. Закройте приложение и откройте снова."),
            ("en", "Telegram's sign-in did not check out. Close the app and open it again."),
        ):
            person = Person(OLGA.telegram_id, "Olga", "olga_b", lang)
            forged = init_data(person, token="999:someone-else")
            page = await _open(browser, url, person, data=forged)
            assert await page.get_attribute("body", "data-loaded") == "refused"
            status = await _text(page, "#status")
            assert status == sentence
            assert "Invalid initData" not in status and "signature" not in status
            await _shot(page, f"refused-{lang}")
            await page.close()

        page = await browser.new_page()
        await page.route(
            "https://telegram.org/**",
            lambda route: route.fulfill(body="", content_type="text/javascript"),
        )
        await page.goto(url)
        await page.wait_for_function(
            "document.body.dataset.loaded !== undefined || "
            "document.getElementById('status').className === 'error'"
        )
        assert "Open this page from Telegram" in await _text(page, "#status")
        await page.close()


def test_chromium_is_debians() -> None:
    assert shutil.which("chromium") == CHROMIUM
