"""Bearer tokens: Ed25519-signed JWTs (``EdDSA``).

Claims: ``sub`` (the user id, or ``service:<name>`` for a service token), ``roles`` (global
roles: ``user``, ``admin``, ``service``), ``communities`` and ``groups`` (the scopes: ids this
token may act in), ``iss``, ``iat`` and ``exp``. Whether a user is a treasurer or a group
owner is the owning service's knowledge, not the token's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sosenki_platform.errors import Unauthorized

ALGORITHM = "EdDSA"
PRIVILEGED_ROLES = frozenset({"admin", "service"})


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str] = field(default_factory=frozenset)
    communities: frozenset[int] = field(default_factory=frozenset)
    groups: frozenset[int] = field(default_factory=frozenset)

    @property
    def user_id(self) -> int | None:
        return int(self.subject) if self.subject.isdigit() else None

    @property
    def is_privileged(self) -> bool:
        """Admins and services act in every community and group."""
        return bool(self.roles & PRIVILEGED_ROLES)

    def may_access_community(self, community_id: int) -> bool:
        return self.is_privileged or community_id in self.communities

    def may_access_group(self, group_id: int) -> bool:
        return self.is_privileged or group_id in self.groups

    @property
    def actor_id(self) -> str:
        return self.subject


def generate_keypair() -> tuple[str, str]:
    """A new (private PEM, public PEM) pair."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def mint_token(
    private_key_pem: str,
    subject: str,
    *,
    roles: list[str] | None = None,
    communities: list[int] | None = None,
    groups: list[int] | None = None,
    ttl_seconds: int = 3600,
    issuer: str = "sosenki",
) -> str:
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": roles or ["user"],
        "communities": communities or [],
        "groups": groups or [],
        "iss": issuer,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, private_key_pem, algorithm=ALGORITHM)


class TokenVerifier:
    def __init__(self, public_key_pem: str, issuer: str = "sosenki") -> None:
        self._key = public_key_pem
        self._issuer = issuer

    @classmethod
    def from_settings(cls, public_key: str, public_key_file: str, issuer: str) -> TokenVerifier:
        if not public_key:
            path = Path(public_key_file)
            if not path.is_file():
                raise RuntimeError(
                    f"No token public key: set SOSENKI_AUTH_PUBLIC_KEY or create {path} "
                    "(e.g. `uv run sosenki-token keygen`)"
                )
            public_key = path.read_text()
        return cls(public_key, issuer)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["sub", "exp", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("Token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Invalid token: {exc}") from exc
        try:
            return Principal(
                subject=str(claims["sub"]),
                roles=frozenset(str(r) for r in claims.get("roles", [])),
                communities=frozenset(int(c) for c in claims.get("communities", [])),
                groups=frozenset(int(g) for g in claims.get("groups", [])),
            )
        except (TypeError, ValueError) as exc:
            raise Unauthorized("Invalid token claims") from exc
