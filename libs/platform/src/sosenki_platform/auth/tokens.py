"""Bearer tokens: Ed25519-signed JWTs (``EdDSA``).

Claims: ``sub`` (the user id, or ``service:<name>`` for a service token), ``roles`` (global
roles: ``user``, ``admin``, ``service``), ``communities`` and ``groups`` (the scopes: ids this
token may act in), ``iss``, ``iat`` and ``exp``; the header's ``kid`` names the signing key
(a fingerprint of its public key). Whether a user is a treasurer or a group
owner is the owning service's knowledge, not the token's.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sosenki_contracts.error_codes import ErrorCode

from sosenki_platform.errors import Unauthorized

ALGORITHM = "EdDSA"
PRIVILEGED_ROLES = frozenset({"admin", "service"})
#: Clock difference between the issuer and a verifier that is forgiven on ``exp`` and ``iat``.
DEFAULT_LEEWAY_SECONDS = 30.0
#: Verified tokens remembered per verifier (oldest forgotten first).
VERIFIED_CACHE_SIZE = 4096


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
    return private, _public_pem(key.public_key())


def _public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _load_private(private_key_pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("The signing key must be an Ed25519 private key")
    return key


def _load_public(public_key_pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(public_key_pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("A token public key must be an Ed25519 public key")
    return key


def _kid(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:12]).decode().rstrip("=")


def key_id(pem: str) -> str:
    """The ``kid`` of a key pair, from its private or public PEM: a fingerprint of the public
    key, so a verifier knows a key's id without being told it."""
    if "PRIVATE KEY" in pem:
        return _kid(_load_private(pem).public_key())
    return _kid(_load_public(pem))


def split_pems(text: str) -> list[str]:
    """The PEM blocks in ``text`` (one setting may carry several public keys)."""
    return [f"-----BEGIN{block}" for block in text.split("-----BEGIN")[1:] if block.strip()]


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
    """A signed token whose header names the signing key (``kid``)."""
    key = _load_private(private_key_pem)
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
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": _kid(key.public_key())})


class TokenVerifier:
    """Verifies tokens against a set of public keys, chosen by the token's ``kid``.

    Several keys let a signing key be rotated without downtime: verifiers first learn the new
    public key next to the old one, then the issuer switches to the new private key, and the old
    public key is dropped once the last token it signed has expired. A token without ``kid``
    (minted before keys had ids) is tried against every key. ``leeway`` seconds of clock
    difference are forgiven on ``exp`` and ``iat``.
    """

    def __init__(
        self,
        public_keys: str | Sequence[str],
        issuer: str = "sosenki",
        *,
        leeway_seconds: float = DEFAULT_LEEWAY_SECONDS,
    ) -> None:
        pems = split_pems(public_keys) if isinstance(public_keys, str) else list(public_keys)
        if not pems:
            raise ValueError("No token public key given")
        self._keys: dict[str, Ed25519PublicKey] = {}
        for pem in pems:
            key = _load_public(pem)
            self._keys[_kid(key)] = key
        self._issuer = issuer
        self._leeway = leeway_seconds
        self._verified: dict[str, tuple[Principal, float]] = {}

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    @classmethod
    def from_settings(
        cls,
        public_key: str,
        public_key_file: str,
        issuer: str,
        leeway_seconds: float = DEFAULT_LEEWAY_SECONDS,
    ) -> TokenVerifier:
        """``public_key``: one or more PEM blocks; else ``public_key_file``: one path or several
        separated by commas."""
        if not public_key:
            texts = []
            for name in (part.strip() for part in public_key_file.split(",")):
                path = Path(name)
                if not name:
                    continue
                if not path.is_file():
                    raise RuntimeError(
                        f"No token public key: set SOSENKI_AUTH_PUBLIC_KEY or create {path} "
                        "(e.g. `uv run sosenki-token keygen`)"
                    )
                texts.append(path.read_text())
            public_key = "\n".join(texts)
        return cls(public_key, issuer, leeway_seconds=leeway_seconds)

    def _candidates(self, token: str) -> list[Ed25519PublicKey]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Invalid token: {exc}", ErrorCode.TOKEN_INVALID) from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(
                "Invalid token: the signing algorithm is not allowed", ErrorCode.TOKEN_INVALID
            )
        kid = header.get("kid")
        if kid is None:
            return list(self._keys.values())
        if not isinstance(kid, str) or kid not in self._keys:
            raise Unauthorized("Invalid token: signed with an unknown key", ErrorCode.TOKEN_INVALID)
        return [self._keys[kid]]

    def verify(self, token: str) -> Principal:
        """The token's principal. A token verified before is answered from a small cache until
        its ``exp`` (plus the leeway): the signature check is the costliest part of a request's
        edge, and the rate limit, the idempotency middleware and the route each ask."""
        cached = self._verified.get(token)
        if cached is not None:
            principal, valid_until = cached
            if time.time() <= valid_until:
                return principal
            del self._verified[token]
        principal, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry goes
        self._verified[token] = (principal, expires + self._leeway)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        claims: dict[str, Any] | None = None
        error: jwt.PyJWTError | None = None
        for key in self._candidates(token):
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=[ALGORITHM],
                    issuer=self._issuer,
                    leeway=self._leeway,
                    options={"require": ["sub", "exp", "iss"]},
                )
                break
            except jwt.ExpiredSignatureError as exc:
                raise Unauthorized("Token has expired", ErrorCode.TOKEN_EXPIRED) from exc
            except jwt.PyJWTError as exc:
                error = exc
        if claims is None:
            raise Unauthorized(f"Invalid token: {error}", ErrorCode.TOKEN_INVALID) from error
        try:
            principal = Principal(
                subject=str(claims["sub"]),
                roles=frozenset(str(r) for r in claims.get("roles", [])),
                communities=frozenset(int(c) for c in claims.get("communities", [])),
                groups=frozenset(int(g) for g in claims.get("groups", [])),
            )
            return principal, float(claims["exp"])
        except (TypeError, ValueError) as exc:
            raise Unauthorized("Invalid token claims", ErrorCode.TOKEN_INVALID) from exc
