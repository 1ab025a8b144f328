"""Nobody becomes someone else: the join-link takeover, re-linking, single use and expiry,
invitations only for records their maker manages, tokens only for confirmed memberships, link
events in reporting's audit log; and forged webhook secrets and hostile initData get a 4xx.

Through the real webhook and REST endpoints, against the fake Bot API and the real ledger,
splits and reporting on real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from bot_gateway.adapters import tables as t
from bot_gateway.domain.identity import FIRST_GATEWAY_USER_ID
from bot_gateway.domain.initdata import sign
from bot_gateway.testing import SECRET, Person, World, message_update, private_chat
from sosenki_platform.testing import eventually
from sqlalchemy import select

pytestmark = pytest.mark.integration

BOT_TOKEN = "123456:TEST-token_for-the-fake"
TREASURER = Person(760001, "Tanya", "tanya_t")  # treasurer of Birches, user 501
VICTIM = Person(760002, "Vera", "vera_v")  # owner in Birches, user 502
MALLORY = Person(760003, "Mallory", "mallory_m")  # a stranger with a token and Telegram
CAROL = Person(760004, "Carol", "carol_c")
DAVE = Person(760005, "Dave", "dave_d")
T_ID, VICTIM_ID, UNCLAIMED_ID, MALLORY_ID = 501, 502, 503, 666


async def _community(world: World, creator: int, name: str, owners: dict[int, str]) -> int:
    token = world.make_token(creator)
    body = {"name": name}
    cid = int(
        (await world.ok(world.ledger, "POST", "/api/payments/communities", token, body))["id"]
    )
    token = world.make_token(creator, communities=[cid])
    for user_id, display_name in owners.items():
        await world.ok(
            world.ledger,
            "POST",
            f"/api/payments/communities/{cid}/owners",
            token,
            {"user_id": user_id, "display_name": display_name, "ownership_share": "1"},
        )
    return cid


async def _user_of(world: World, person: Person) -> int | None:
    async with world.app.state.runtime.db.session() as session:
        row = (
            await session.execute(
                select(t.telegram_users.c.user_id).where(
                    t.telegram_users.c.telegram_user_id == person.telegram_id
                )
            )
        ).first()
    return None if row is None else int(row.user_id)


async def _open(world: World, person: Person, start: str, expect: str) -> None:
    after = len(world.telegram.sent("sendMessage"))
    await world.say(person, private_chat(person), f"/start {start}")
    await world.reply(person.telegram_id, expect, after=after)


async def test_the_join_link_takeover_is_refused(world: World) -> None:
    birches = await _community(
        world, T_ID, "Birches", {VICTIM_ID: "Vera", UNCLAIMED_ID: "Uma (not on Telegram yet)"}
    )
    await world.become(VICTIM, VICTIM_ID)
    # Mallory's token makes her the treasurer of a community of her own, where she adds the
    # victim's user id (the ledger lets a treasurer add any id as an owner).
    trap = await _community(world, MALLORY_ID, "Trap", {VICTIM_ID: "Vera", UNCLAIMED_ID: "Uma"})
    mallory = world.make_token(MALLORY_ID, communities=[trap])

    # The victim already has a Telegram account: no invitation for her at all.
    taken = await world.invite(VICTIM_ID, mallory, community_id=trap)
    assert taken.status_code == 409, taken.text
    assert "already has a Telegram account" in taken.json()["detail"]
    # Uma has none yet, but she is an owner in Birches, where Mallory is not a treasurer.
    elsewhere = await world.invite(UNCLAIMED_ID, mallory, community_id=trap)
    assert elsewhere.status_code == 403, elsewhere.text
    assert "belongs where you do not manage" in elsewhere.json()["detail"]
    # Naming the victim's community instead: Mallory has no part in it, so to her it does not
    # exist (404, as everywhere), whatever her token names.
    for token in (mallory, world.make_token(MALLORY_ID, communities=[trap, birches])):
        foreign = await world.invite(UNCLAIMED_ID, token, community_id=birches)
        assert foreign.status_code == 404, foreign.text
        assert foreign.json()["detail"] == "Community not found"
    # Nor her own community through a token narrowed to another one.
    narrowed = world.make_token(MALLORY_ID, communities=[birches])
    hidden = await world.invite(UNCLAIMED_ID, narrowed, community_id=trap)
    assert (hidden.status_code, hidden.json()["detail"]) == (404, "Community not found")
    # Nor a record that is nowhere: any id without an owner record in her community.
    nobody = await world.invite(424242, mallory, community_id=trap)
    assert nobody.status_code == 404
    # A token that names no user (a service's) invites nobody.
    service = world.make_token("service:anything", roles=["service"])
    assert (await world.invite(UNCLAIMED_ID, service, community_id=trap)).status_code == 403
    # Nor another user's self-invitation with her token.
    assert (await world.invite(VICTIM_ID, mallory)).status_code == 409
    assert (await world.invite(UNCLAIMED_ID, mallory)).status_code == 400

    # Mallory's Telegram account stays a user of its own; the victim's stays hers.
    mallory_user = await world.start(MALLORY)
    assert mallory_user >= FIRST_GATEWAY_USER_ID
    assert await _user_of(world, VICTIM) == VICTIM_ID


async def test_the_records_are_checked_again_when_the_invitation_is_claimed(world: World) -> None:
    """Mallory invites an id that is only in her community; before it is claimed the id also
    becomes an owner in Birches (whose treasurer meant someone else): the claim is refused."""
    trap = await _community(world, MALLORY_ID, "Trap", {UNCLAIMED_ID: "Uma"})
    mallory = world.make_token(MALLORY_ID, communities=[trap])
    link = await world.invite(UNCLAIMED_ID, mallory, community_id=trap)
    assert link.status_code == 201, link.text
    await _community(world, T_ID, "Birches", {UNCLAIMED_ID: "Uma"})
    await _open(world, MALLORY, link.json()["start_parameter"], "no longer valid")
    assert await _user_of(world, MALLORY) != UNCLAIMED_ID


async def test_an_account_already_linked_is_never_relinked(world: World) -> None:
    birches = await _community(world, T_ID, "Birches", {VICTIM_ID: "Vera", UNCLAIMED_ID: "Uma"})
    await world.become(VICTIM, VICTIM_ID)
    treasurer = world.make_token(T_ID, communities=[birches])
    link = await world.invite(UNCLAIMED_ID, treasurer, community_id=birches)
    assert link.status_code == 201, link.text
    start = link.json()["start_parameter"]
    # Vera already is user 502 (an owner in Birches): the invitation does not move her account.
    await _open(world, VICTIM, start, "your Telegram account already belongs to another user")
    assert await _user_of(world, VICTIM) == VICTIM_ID
    # The invitation still works for a new account (whose own empty user is left behind).
    carol_before = await world.start(CAROL)
    await _open(world, CAROL, start, f"linked to user {UNCLAIMED_ID}.")
    assert await _user_of(world, CAROL) == UNCLAIMED_ID
    # A linked account cannot be linked to the victim either (she has an account).
    again = await world.invite(VICTIM_ID, treasurer, community_id=birches)
    assert again.status_code == 409

    # Every link and refusal is in Birches' audit log (and the registration in the gateway's).
    async def audited() -> list[dict[str, Any]] | None:
        response = await world.reporting.get(
            "/api/audit",
            params={"community_id": birches, "limit": 500},
            headers={"Authorization": f"Bearer {treasurer}"},
        )
        assert response.status_code == 200, response.text
        entries = [e for e in response.json()["entries"] if e["event_type"].startswith("gateway.")]
        types = {e["event_type"] for e in entries}
        wanted = {
            "gateway.invitation_created",
            "gateway.invitation_refused",
            "gateway.telegram_linked",
        }
        return entries if wanted <= types and len(entries) >= 3 else None

    entries = await eventually(audited, timeout=30, what="the link events in the audit log")
    linked = [e["payload"] for e in entries if e["event_type"] == "gateway.telegram_linked"]
    assert {
        "telegram_user_id": CAROL.telegram_id,
        "user_id": UNCLAIMED_ID,
        "how": "invitation",
        "previous_user_id": carol_before,
        "community_id": birches,
        "group_id": None,
        "invited_by": str(T_ID),
    } in linked
    (refused,) = [e for e in entries if e["event_type"] == "gateway.invitation_refused"]
    assert refused["payload"]["telegram_user_id"] == VICTIM.telegram_id
    assert refused["actor"]["id"] == str(VICTIM_ID)


@pytest.mark.parametrize("world_settings", [{"invitation_ttl_seconds": 6}], indirect=True)
async def test_an_invitation_is_single_use_and_expires(world: World) -> None:
    birches = await _community(world, T_ID, "Birches", {UNCLAIMED_ID: "Uma", 504: "Ulla"})
    treasurer = world.make_token(T_ID, communities=[birches])
    late = (await world.invite(504, treasurer, community_id=birches)).json()
    made = time.monotonic()
    once = (await world.invite(UNCLAIMED_ID, treasurer, community_id=birches)).json()
    stored = json.dumps(await _stored_invitations(world))
    assert once["token"] not in stored and late["token"] not in stored  # only their hashes
    # Opened in a group, an invitation is not claimed (everyone there would see the link).
    chat = {"id": -100761000, "type": "group", "title": "Birches"}
    await world.say(CAROL, chat, f"/start {once['start_parameter']}")
    await world.reply(-100761000, "Open the invitation link in a private chat")
    await _open(world, CAROL, once["start_parameter"], f"linked to user {UNCLAIMED_ID}.")
    await _open(world, DAVE, once["start_parameter"], "not valid, has expired or was already used")
    await asyncio.sleep(max(0.0, made + 6.5 - time.monotonic()))
    await _open(world, DAVE, late["start_parameter"], "not valid, has expired or was already used")
    assert await _user_of(world, DAVE) not in (UNCLAIMED_ID, 504)
    await _open(world, DAVE, "join_made-up-token", "not valid")


async def _stored_invitations(world: World) -> list[dict[str, Any]]:
    async with world.app.state.runtime.db.session() as session:
        rows = (await session.execute(select(t.invitations))).all()
    return [{k: str(v) for k, v in row._mapping.items()} for row in rows]


async def test_a_group_member_is_invited_by_an_owner_of_the_group_only(world: World) -> None:
    owner = world.make_token(T_ID)
    group = await world.ok(world.splits, "POST", "/groups", owner, {"name": "Flat"})
    gid = int(group["id"])
    for user_id in (VICTIM_ID, UNCLAIMED_ID):
        await world.ok(world.splits, "POST", f"/groups/{gid}/members", owner, {"user_id": user_id})
    member = world.make_token(VICTIM_ID, groups=[gid])
    refused = await world.invite(UNCLAIMED_ID, member, group_id=gid)
    assert refused.status_code == 403
    assert refused.json()["detail"] == f"Only an owner of group {gid} may invite its members"
    both = await world.invite(UNCLAIMED_ID, world.make_token(T_ID), community_id=1, group_id=gid)
    assert both.status_code == 400
    link = await world.invite(UNCLAIMED_ID, world.make_token(T_ID, groups=[gid]), group_id=gid)
    assert link.status_code == 201, link.text
    await _open(world, CAROL, link.json()["start_parameter"], f"linked to user {UNCLAIMED_ID}.")


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def _init_data(person: Person, token: str = BOT_TOKEN, **changes: str) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(person.as_user(), separators=(",", ":")),
        "auth_date": str(int(time.time())),
    }
    fields["hash"] = sign(fields, token)
    fields.update(changes)
    return urlencode(fields)


async def test_the_mini_app_token_carries_exactly_the_confirmed_memberships(world: World) -> None:
    birches = await _community(world, T_ID, "Birches", {UNCLAIMED_ID: "Uma"})
    await _community(world, T_ID, "Elsewhere", {})  # Uma is not there
    owner = world.make_token(T_ID)
    gid = int((await world.ok(world.splits, "POST", "/groups", owner, {"name": "Flat"}))["id"])
    await world.ok(world.splits, "POST", f"/groups/{gid}/members", owner, {"user_id": UNCLAIMED_ID})
    # Tanya manages both of Uma's records (treasurer of Birches, owner of the group).
    link = await world.invite(UNCLAIMED_ID, world.make_token(T_ID), community_id=birches)
    assert link.status_code == 201, link.text
    await _open(world, CAROL, link.json()["start_parameter"], f"linked to user {UNCLAIMED_ID}.")
    # The gateway's own event-fed table says Uma is somewhere else too: it does not count.
    async with world.app.state.runtime.db.transaction() as session:  # session() is read-only
        await session.execute(
            t.memberships.insert().values(
                kind="community", scope_id=999, user_id=UNCLAIMED_ID, role="owner"
            )
        )
    response = await world.gateway.post("/miniapp/session", json={"init_data": _init_data(CAROL)})
    assert response.status_code == 200, response.text
    session_out = response.json()
    service = world.make_token("service:test", roles=["service"])
    ledger_says = await world.ok(
        world.ledger, "GET", f"/api/payments/users/{UNCLAIMED_ID}/memberships", service
    )
    splits_says = await world.ok(world.splits, "GET", f"/users/{UNCLAIMED_ID}/memberships", service)
    communities = sorted({m["community_id"] for m in ledger_says["memberships"]})
    groups = sorted({m["group_id"] for m in splits_says["memberships"]})
    assert communities == [birches] and groups == [gid]
    assert session_out["user_id"] == UNCLAIMED_ID
    assert (session_out["communities"], session_out["groups"]) == (communities, groups)
    claims = _claims(session_out["token"])
    assert (claims["sub"], claims["communities"], claims["groups"]) == (
        str(UNCLAIMED_ID),
        communities,
        groups,
    )


@pytest.mark.parametrize(
    "secret",
    ["wrong", "", SECRET[:-1], SECRET + "x", "x" * 5000, "é" * 10],
    ids=["wrong", "empty", "prefix", "longer", "huge", "non-ascii"],
)
async def test_a_forged_webhook_secret_gets_401(world: World, secret: str) -> None:
    update = message_update(MALLORY, private_chat(MALLORY), "/start")
    response = await world.gateway.post(
        "/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": secret.encode("utf-8")},
    )
    assert response.status_code == 401
    assert await _user_of(world, MALLORY) is None


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (_init_data(MALLORY, hash="é" * 64), 401),
        (_init_data(MALLORY, hash="\u0444\u0430\u043a\u0435"), 401),
        (_init_data(MALLORY).rpartition("&hash=")[0], 401),
        (_init_data(MALLORY, token="999:someone-else"), 401),
        (_init_data(MALLORY, auth_date="1"), 401),
        (_init_data(MALLORY, user=json.dumps({"id": VICTIM.telegram_id})), 401),
        (_init_data(MALLORY) + "&pad=" + "x" * 10_000, 400),
        ("", 400),
    ],
    ids=[
        "non-ascii hash",
        "cyrillic hash",
        "missing hash",
        "wrong bot token",
        "expired",
        "someone else",
        "huge",
        "empty",
    ],
)
async def test_hostile_init_data_gets_a_4xx_and_no_token(
    world: World, data: str, status: int
) -> None:
    response = await world.gateway.post("/miniapp/session", json={"init_data": data})
    assert response.status_code == status, response.text
    assert "token" not in response.json()
    assert await _user_of(world, MALLORY) is None


async def test_unlink_frees_the_user_for_a_new_invitation(world: World) -> None:
    birches = await _community(world, T_ID, "Birches", {UNCLAIMED_ID: "Uma"})
    treasurer = world.make_token(T_ID, communities=[birches])
    first = (await world.invite(UNCLAIMED_ID, treasurer, community_id=birches)).json()
    await _open(world, CAROL, first["start_parameter"], f"linked to user {UNCLAIMED_ID}.")
    # In a group, /unlink is refused (it is about the sender's own account).
    await world.say(CAROL, {"id": -100762000, "type": "group", "title": "x"}, "/unlink")
    await world.reply(-100762000, "Send /unlink in a private chat")
    after = len(world.telegram.sent("sendMessage"))
    await world.say(CAROL, private_chat(CAROL), "/unlink")
    await world.reply(CAROL.telegram_id, f"no longer user {UNCLAIMED_ID}", after=after)
    carol_now = await _user_of(world, CAROL)
    assert carol_now is not None and carol_now >= FIRST_GATEWAY_USER_ID
    # Uma's record is free again: a new invitation hands it to Dave's account.
    second = await world.invite(UNCLAIMED_ID, treasurer, community_id=birches)
    assert second.status_code == 201, second.text
    await _open(world, DAVE, second.json()["start_parameter"], f"linked to user {UNCLAIMED_ID}.")

    async def audited() -> dict[str, Any] | None:
        response = await world.reporting.get(
            "/api/audit",
            params={"event_type": "gateway.telegram_unlinked", "limit": 10},
            headers={"Authorization": f"Bearer {world.make_token('admin', roles=['admin'])}"},
        )
        assert response.status_code == 200, response.text
        entries = response.json()["entries"]
        return entries[0] if entries else None

    entry = await eventually(audited, timeout=30, what="the unlink in the audit log")
    assert entry["payload"]["user_id"] == UNCLAIMED_ID
    assert entry["payload"]["new_user_id"] == carol_now
