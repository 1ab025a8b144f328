"""Tokens an attacker would try: forged, expired, tampered, wrong kid, ``alg: none``, garbage; and
the honest cases around them: clock skew within the leeway, and a key rotation where old and new
keys are both accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from sosenki_platform.auth.cli import main
from sosenki_platform.auth.tokens import (
    TokenVerifier,
    generate_keypair,
    key_id,
    mint_token,
)
from sosenki_platform.errors import Unauthorized

pytestmark = pytest.mark.unit

PRIVATE, PUBLIC = generate_keypair()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "1", "iss": "sosenki", "iat": now, "exp": now + 600, **extra}


def test_a_minted_token_names_its_key() -> None:
    token = mint_token(PRIVATE, "1")
    assert jwt.get_unverified_header(token)["kid"] == key_id(PUBLIC) == key_id(PRIVATE)
    assert TokenVerifier(PUBLIC).verify(token).subject == "1"


def test_a_token_forged_with_another_key_is_refused() -> None:
    other, _ = generate_keypair()
    with pytest.raises(Unauthorized, match="unknown key"):
        TokenVerifier(PUBLIC).verify(mint_token(other, "1"))


def test_a_forged_token_claiming_our_kid_is_refused() -> None:
    other, _ = generate_keypair()
    forged = jwt.encode(_claims(), other, algorithm="EdDSA", headers={"kid": key_id(PUBLIC)})
    with pytest.raises(Unauthorized, match="Invalid token"):
        TokenVerifier(PUBLIC).verify(forged)


def test_an_unknown_kid_is_refused() -> None:
    token = jwt.encode(_claims(), PRIVATE, algorithm="EdDSA", headers={"kid": "not-ours"})
    with pytest.raises(Unauthorized, match="unknown key"):
        TokenVerifier(PUBLIC).verify(token)


def test_a_token_expired_beyond_the_leeway_is_refused() -> None:
    verifier = TokenVerifier(PUBLIC, leeway_seconds=30)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(mint_token(PRIVATE, "1", ttl_seconds=-31))


def test_a_token_expired_within_the_leeway_is_accepted() -> None:
    """The issuer's clock runs a little ahead of ours: forgiven up to the leeway."""
    verifier = TokenVerifier(PUBLIC, leeway_seconds=30)
    assert verifier.verify(mint_token(PRIVATE, "1", ttl_seconds=-20)).subject == "1"
    with pytest.raises(Unauthorized, match="expired"):
        TokenVerifier(PUBLIC, leeway_seconds=0).verify(mint_token(PRIVATE, "1", ttl_seconds=-20))


def test_a_token_issued_slightly_in_the_future_is_accepted_within_the_leeway() -> None:
    verifier = TokenVerifier(PUBLIC, leeway_seconds=30)
    soon = _claims(iat=int(time.time()) + 20)
    token = jwt.encode(soon, PRIVATE, algorithm="EdDSA", headers={"kid": key_id(PUBLIC)})
    assert verifier.verify(token).subject == "1"
    later = _claims(iat=int(time.time()) + 120)
    token = jwt.encode(later, PRIVATE, algorithm="EdDSA", headers={"kid": key_id(PUBLIC)})
    with pytest.raises(Unauthorized):
        verifier.verify(token)


@pytest.mark.parametrize(
    "change",
    [
        {"sub": "2"},
        {"roles": ["admin"]},
        {"communities": [1, 2, 3]},
        {"exp": 4_000_000_000},
    ],
    ids=["other user", "admin role", "more communities", "longer life"],
)
def test_a_tampered_payload_is_refused(change: dict[str, Any]) -> None:
    header, payload, signature = mint_token(PRIVATE, "1", communities=[1]).split(".")
    claims = json.loads(_unb64(payload))
    claims.update(change)
    tampered = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    with pytest.raises(Unauthorized, match="Invalid token"):
        TokenVerifier(PUBLIC).verify(tampered)


def test_a_tampered_header_is_refused() -> None:
    _header, payload, signature = mint_token(PRIVATE, "1").split(".")
    header = _b64(json.dumps({"alg": "EdDSA", "kid": key_id(PUBLIC), "x": 1}).encode())
    with pytest.raises(Unauthorized, match="Invalid token"):
        TokenVerifier(PUBLIC).verify(".".join([header, payload, signature]))


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "RS256"])
def test_other_algorithms_are_refused(alg: str) -> None:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT", "kid": key_id(PUBLIC)}).encode())
    payload = _b64(json.dumps(_claims(roles=["admin"])).encode())
    for token in (f"{header}.{payload}.", f"{header}.{payload}.{_b64(b'x' * 64)}"):
        with pytest.raises(Unauthorized, match="Invalid token"):
            TokenVerifier(PUBLIC).verify(token)


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    """The classic confusion: an HMAC token keyed with the (public) verification key."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(_claims(roles=["admin"])).encode())
    mac = hmac.new(PUBLIC.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    with pytest.raises(Unauthorized, match="Invalid token"):
        TokenVerifier(PUBLIC).verify(f"{header}.{payload}.{_b64(mac)}")


@pytest.mark.parametrize(
    "garbage",
    ["", "x", "a.b", "a.b.c", "....", "é.é.é", "eyJhbGciOiJFZERTQSJ9.e30", "\x00\x01", "a" * 5000],
)
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(Unauthorized):
        TokenVerifier(PUBLIC).verify(garbage)


def test_missing_claims_are_refused() -> None:
    kid = {"kid": key_id(PUBLIC)}
    no_exp = {k: v for k, v in _claims().items() if k != "exp"}
    for claims in (no_exp, _claims(iss="someone-else"), _claims(communities=["x"])):
        token = jwt.encode(claims, PRIVATE, algorithm="EdDSA", headers=kid)
        with pytest.raises(Unauthorized):
            TokenVerifier(PUBLIC).verify(token)


def test_during_a_rotation_old_and_new_keys_are_both_accepted(tmp_path: Path) -> None:
    old_private, old_public = PRIVATE, PUBLIC
    new_private, new_public = generate_keypair()
    (tmp_path / "old.pub.pem").write_text(old_public)
    (tmp_path / "new.pub.pem").write_text(new_public)
    files = f"{tmp_path / 'old.pub.pem'},{tmp_path / 'new.pub.pem'}"
    during = TokenVerifier.from_settings("", files, "sosenki")
    assert during.key_ids == {key_id(old_public), key_id(new_public)}
    assert during.verify(mint_token(old_private, "1")).subject == "1"
    assert during.verify(mint_token(new_private, "2")).subject == "2"
    # Several PEM blocks in one setting work the same.
    both = TokenVerifier(old_public + new_public)
    assert both.verify(mint_token(new_private, "3")).subject == "3"
    # After the rotation the old key is gone: its tokens are refused.
    after = TokenVerifier.from_settings("", str(tmp_path / "new.pub.pem"), "sosenki")
    with pytest.raises(Unauthorized, match="unknown key"):
        after.verify(mint_token(old_private, "1"))


def test_a_token_without_kid_from_before_key_ids_still_verifies() -> None:
    legacy = jwt.encode(_claims(), PRIVATE, algorithm="EdDSA")
    _, other_public = generate_keypair()
    assert TokenVerifier(other_public + PUBLIC).verify(legacy).subject == "1"
    with pytest.raises(Unauthorized, match="Invalid token"):
        TokenVerifier(other_public).verify(legacy)


def test_the_cli_makes_a_second_pair_and_prints_kids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keygen", "--dir", str(tmp_path), "--name", "next"]) == 0
    capsys.readouterr()
    assert main(["kid", "--key-file", str(tmp_path / "next.pub.pem")]) == 0
    kid = capsys.readouterr().out.strip()
    assert main(["mint", "--sub", "5", "--key-file", str(tmp_path / "next.pem")]) == 0
    token = capsys.readouterr().out.strip()
    assert jwt.get_unverified_header(token)["kid"] == kid
    verifier = TokenVerifier((tmp_path / "next.pub.pem").read_text())
    assert verifier.verify(token).user_id == 5
