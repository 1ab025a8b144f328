"""Tokens: minted by the CLI with a local key, verified by services; forged or expired ones fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from sosenki_platform.auth.cli import main
from sosenki_platform.auth.tokens import TokenVerifier, generate_keypair, mint_token
from sosenki_platform.errors import Unauthorized

pytestmark = pytest.mark.unit


def test_cli_keygen_and_mint_give_a_token_services_accept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keygen", "--dir", str(tmp_path)]) == 0
    key = tmp_path / "jwt-ed25519.pem"
    capsys.readouterr()
    assert main(["mint", "--sub", "7", "--community", "3", "--key-file", str(key)]) == 0
    token = capsys.readouterr().out.strip()
    verifier = TokenVerifier((tmp_path / "jwt-ed25519.pub.pem").read_text())
    principal = verifier.verify(token)
    assert principal.user_id == 7
    assert principal.may_access_community(3)
    assert not principal.may_access_community(4)


def test_keygen_keeps_an_existing_key(tmp_path: Path) -> None:
    main(["keygen", "--dir", str(tmp_path)])
    first = (tmp_path / "jwt-ed25519.pem").read_text()
    main(["keygen", "--dir", str(tmp_path)])
    assert (tmp_path / "jwt-ed25519.pem").read_text() == first


def test_a_token_signed_with_another_key_is_refused() -> None:
    mine, public = generate_keypair()
    theirs, _ = generate_keypair()
    with pytest.raises(Unauthorized, match="Invalid token"):
        TokenVerifier(public).verify(mint_token(theirs, "1"))
    assert TokenVerifier(public).verify(mint_token(mine, "1")).subject == "1"


def test_an_expired_token_is_refused() -> None:
    private, public = generate_keypair()
    with pytest.raises(Unauthorized, match="expired"):
        TokenVerifier(public).verify(mint_token(private, "1", ttl_seconds=-120))


def test_service_tokens_are_privileged() -> None:
    private, public = generate_keypair()
    principal = TokenVerifier(public).verify(
        mint_token(private, "service:recurring", roles=["service"])
    )
    assert principal.is_privileged and principal.user_id is None
    assert principal.may_access_community(12345)
