"""Kafka users (SCRAM) and ACLs from the access table (``sosenki_contracts.access``), idempotently.

Every deployment applies the same table: the local stack (``deploy/local/stack.py``), the
docker-compose init job and the Kubernetes Job run ``python -m sosenki_platform.kafka_acl apply``,
and the tests apply it for users of their own. Run as the admin user (a ``super.users`` entry)::

    SOSENKI_KAFKA_BOOTSTRAP_SERVERS=… \\
    SOSENKI_KAFKA_SASL_USERNAME=admin SOSENKI_KAFKA_SASL_PASSWORD=… \\
    SOSENKI_KAFKA_PASSWORD_LEDGER=… SOSENKI_KAFKA_PASSWORD_BOT_GATEWAY=… \\
        python -m sosenki_platform.kafka_acl apply

It creates the topics, sets the SCRAM password of each service whose
``SOSENKI_KAFKA_PASSWORD_<SERVICE>`` is set, and creates every ACL the table implies (creating an
ACL that exists changes nothing).

aiokafka has no API for ACLs or SCRAM users, so the three requests (CreateAcls v1, DescribeAcls v1,
AlterUserScramCredentials v0) are spelled here with aiokafka's protocol types.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import secrets
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import for_code
from aiokafka.protocol.admin import (
    CreateAclsRequest_v1,
    DeleteAclsRequest_v1,
    DescribeAclsRequest_v1,
)
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    CompactArray,
    CompactBytes,
    CompactString,
    Int8,
    Int16,
    Int32,
    Schema,
    TaggedFields,
)
from sosenki_contracts.access import SERVICES, ServiceAccess
from sosenki_contracts.topics import with_prefix

from sosenki_platform.kafka_security import KafkaSecurity

# Kafka's enum codes (org.apache.kafka.common.resource / acl).
TOPIC, GROUP, CLUSTER = 2, 3, 4
LITERAL, PREFIXED, MATCH_ANY_PATTERN = 3, 4, 1
OP_ANY, READ, WRITE, CREATE, DESCRIBE, IDEMPOTENT_WRITE = 1, 3, 4, 5, 8, 12
PERMISSION_ANY, ALLOW = 1, 3
_MECHANISMS = {"SCRAM-SHA-256": (1, "sha256"), "SCRAM-SHA-512": (2, "sha512")}
SCRAM_ITERATIONS = 8192

PASSWORD_ENV_PREFIX = "SOSENKI_KAFKA_PASSWORD_"


def password_env(service: str) -> str:
    """``bot-gateway`` -> ``SOSENKI_KAFKA_PASSWORD_BOT_GATEWAY``."""
    return PASSWORD_ENV_PREFIX + service.upper().replace("-", "_")


@dataclass(frozen=True, order=True)
class AclBinding:
    """One ALLOW rule: ``principal`` may ``operation`` on the resource."""

    resource_type: int
    resource_name: str
    pattern_type: int
    principal: str
    operation: int
    host: str = "*"

    def __str__(self) -> str:
        kinds = {TOPIC: "topic", GROUP: "group", CLUSTER: "cluster"}
        ops = {READ: "Read", WRITE: "Write", CREATE: "Create", DESCRIBE: "Describe"}
        pattern = "prefixed" if self.pattern_type == PREFIXED else "literal"
        return (
            f"{self.principal} {ops.get(self.operation, self.operation)} "
            f"{kinds.get(self.resource_type, self.resource_type)} {pattern} {self.resource_name}"
        )


def bindings_for(
    row: ServiceAccess, *, prefix: str = "", principal: str | None = None
) -> list[AclBinding]:
    """The ACLs of one service: Write on what it writes, Read on what it consumes and on its
    consumer group, Read on its own dead letters and their desk's group; topic and group names
    carry the deployment's (or test run's) prefix.

    Write implies Describe and (Kafka 3+) IdempotentWrite, Read implies Describe: nothing else
    is granted.
    """
    who = principal or row.principal
    out = [AclBinding(TOPIC, with_prefix(prefix, t), LITERAL, who, WRITE) for t in row.writes]
    out += [AclBinding(TOPIC, with_prefix(prefix, t), LITERAL, who, READ) for t in row.consumes]
    if row.consumes:
        group = with_prefix(prefix, row.consumer_group)
        out.append(AclBinding(GROUP, group, LITERAL, who, READ))
        # Counting its own dead letters (the waiting gauge) reads them in a group of its own.
        out += [
            AclBinding(TOPIC, with_prefix(prefix, t), LITERAL, who, READ)
            for t in row.dead_letter_topics
        ]
        desk = with_prefix(prefix, row.dead_letter_group)
        out.append(AclBinding(GROUP, desk, LITERAL, who, READ))
    return sorted(set(out))


def table_bindings(
    prefix: str = "", principals: Mapping[str, str] | None = None
) -> list[AclBinding]:
    """Every ACL of the access table (``principals`` renames services' principals)."""
    names = principals or {}
    out: list[AclBinding] = []
    for row in SERVICES:
        out += bindings_for(row, prefix=prefix, principal=names.get(row.service))
    return sorted(set(out))


# ------------------------------------------------------------------------------ wire requests


class _CreateAcls(Request[CreateAclsRequest_v1]):  # type: ignore[misc]
    API_KEY = 30

    def __init__(self, bindings: Sequence[AclBinding]) -> None:
        self._creations = [
            (
                b.resource_type,
                b.resource_name,
                b.pattern_type,
                b.principal,
                b.host,
                b.operation,
                ALLOW,
            )
            for b in bindings
        ]

    def build(self, request_struct_class: type[CreateAclsRequest_v1]) -> CreateAclsRequest_v1:
        return request_struct_class(self._creations)


class _DescribeAcls(Request[DescribeAclsRequest_v1]):  # type: ignore[misc]
    API_KEY = 29

    def __init__(self, principal: str | None) -> None:
        self._principal = principal

    def build(self, request_struct_class: type[DescribeAclsRequest_v1]) -> DescribeAclsRequest_v1:
        # resource type ANY (1), any name, any pattern, this principal, any host/op/permission
        return request_struct_class(1, None, MATCH_ANY_PATTERN, self._principal, None, OP_ANY, 1)


_Filter: TypeAlias = tuple[int, str | None, int, str, str | None, int, int]


class _DeleteAcls(Request[DeleteAclsRequest_v1]):  # type: ignore[misc]
    API_KEY = 31

    def __init__(self, filters: Sequence[_Filter]) -> None:
        self._filters = list(filters)

    def build(self, request_struct_class: type[DeleteAclsRequest_v1]) -> DeleteAclsRequest_v1:
        return request_struct_class(self._filters)


class _AlterScramResponse(Response):  # type: ignore[misc]
    API_KEY = 51
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "results",
            CompactArray(
                ("user", CompactString("utf-8")),
                ("error_code", Int16),
                ("error_message", CompactString("utf-8")),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


class _AlterScramStruct(RequestStruct):  # type: ignore[misc]
    FLEXIBLE_VERSION: ClassVar[bool] = True
    API_KEY = 51
    API_VERSION = 0
    RESPONSE_TYPE = _AlterScramResponse
    SCHEMA = Schema(
        (
            "deletions",
            CompactArray(
                ("name", CompactString("utf-8")), ("mechanism", Int8), ("tags", TaggedFields)
            ),
        ),
        (
            "upsertions",
            CompactArray(
                ("name", CompactString("utf-8")),
                ("mechanism", Int8),
                ("iterations", Int32),
                ("salt", CompactBytes),
                ("salted_password", CompactBytes),
                ("tags", TaggedFields),
            ),
        ),
        ("tags", TaggedFields),
    )


_Upsertion: TypeAlias = tuple[str, int, int, bytes, bytes, dict[int, bytes]]


class _AlterScram(Request[_AlterScramStruct]):  # type: ignore[misc]
    API_KEY = 51

    def __init__(
        self, upsertions: list[_Upsertion], deletions: list[tuple[str, int, dict[int, bytes]]]
    ) -> None:
        self._upsertions = upsertions
        self._deletions = deletions

    def build(self, request_struct_class: type[_AlterScramStruct]) -> _AlterScramStruct:
        return request_struct_class(self._deletions, self._upsertions, {})


def _salted(password: str, salt: bytes, mechanism: str, iterations: int) -> bytes:
    # RFC 5802 Hi(): PBKDF2 with the mechanism's HMAC, one block.
    return hashlib.pbkdf2_hmac(_MECHANISMS[mechanism][1], password.encode(), salt, iterations)


# ---------------------------------------------------------------------------------- admin API


class KafkaAccessAdmin:
    """An admin connection that manages SCRAM users and ACLs (as a super user)."""

    def __init__(self, bootstrap_servers: str, security: KafkaSecurity | None = None) -> None:
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            client_id="sosenki-kafka-acl",
            request_timeout_ms=30_000,
            **(security or KafkaSecurity.from_env()).client_options(),
        )

    async def __aenter__(self) -> KafkaAccessAdmin:
        await self._admin.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._admin.close()

    async def _send(self, request: Request[Any]) -> Any:
        # aiokafka's admin client has no public call for these requests; its _send_request
        # negotiates the version with the broker like every other request.
        return await self._admin._send_request(request)

    async def set_passwords(
        self, users: Mapping[str, str], mechanism: str = "SCRAM-SHA-256"
    ) -> None:
        """Create or update each user's SCRAM credential."""
        if not users:
            return
        code = _MECHANISMS[mechanism][0]
        upsertions: list[_Upsertion] = []
        for name, password in users.items():
            salt = secrets.token_bytes(24)
            salted = _salted(password, salt, mechanism, SCRAM_ITERATIONS)
            upsertions.append((name, code, SCRAM_ITERATIONS, salt, salted, {}))
        response = await self._send(_AlterScram(upsertions, []))
        failures = [
            f"{user}: {for_code(error).__name__} {message or ''}".rstrip()
            for user, error, message, _ in response.results
            if error
        ]
        if failures:
            raise RuntimeError("could not set Kafka passwords: " + "; ".join(failures))

    async def delete_users(self, names: Sequence[str], mechanism: str = "SCRAM-SHA-256") -> None:
        """Remove the users' SCRAM credentials (a user that has none is fine)."""
        if not names:
            return
        code = _MECHANISMS[mechanism][0]
        response = await self._send(_AlterScram([], [(name, code, {}) for name in names]))
        failures = [
            f"{user}: {for_code(error).__name__} {message or ''}".rstrip()
            for user, error, message, _ in response.results
            if error and for_code(error).__name__ != "ResourceNotFoundError"
        ]
        if failures:
            raise RuntimeError("could not delete Kafka users: " + "; ".join(failures))

    async def delete_acls_of(self, principals: Sequence[str]) -> None:
        """Remove every ACL of each principal."""
        if not principals:
            return
        await self._delete(
            [(1, None, MATCH_ANY_PATTERN, who, None, OP_ANY, 1) for who in principals]
        )

    async def delete_acls(self, bindings: Sequence[AclBinding]) -> None:
        """Remove exactly these ALLOW ACLs."""
        if bindings:
            await self._delete(
                [
                    (
                        b.resource_type,
                        b.resource_name,
                        b.pattern_type,
                        b.principal,
                        b.host,
                        b.operation,
                        ALLOW,
                    )
                    for b in bindings
                ]
            )

    async def _delete(self, filters: Sequence[_Filter]) -> None:
        response = await self._send(_DeleteAcls(filters))
        failures = [
            f"{f}: {for_code(error).__name__} {message or ''}".rstrip()
            for f, (error, message, _) in zip(filters, response.filter_responses, strict=True)
            if error
        ]
        if failures:
            raise RuntimeError("could not delete Kafka ACLs: " + "; ".join(failures))

    async def create_acls(self, bindings: Sequence[AclBinding]) -> None:
        """Create ``bindings`` (ALLOW); existing ones are left as they are."""
        if not bindings:
            return
        response = await self._send(_CreateAcls(bindings))
        failures = [
            f"{binding}: {for_code(error).__name__} {message or ''}".rstrip()
            for binding, (error, message) in zip(bindings, response.creation_responses, strict=True)
            if error
        ]
        if failures:
            raise RuntimeError("could not create Kafka ACLs: " + "; ".join(failures))

    async def acls_of(self, principal: str | None = None) -> list[AclBinding]:
        """The ALLOW ACLs of ``principal`` (all principals when None)."""
        response = await self._send(_DescribeAcls(principal))
        if response.error_code:
            raise RuntimeError(
                f"could not describe Kafka ACLs: {for_code(response.error_code).__name__} "
                f"{response.error_message or ''}"
            )
        out: list[AclBinding] = []
        for resource_type, name, pattern, acls in response.resources:
            for who, host, operation, permission in acls:
                if permission == ALLOW:
                    out.append(AclBinding(resource_type, name, pattern, who, operation, host))
        return sorted(out)


async def apply_table(
    bootstrap_servers: str,
    security: KafkaSecurity | None = None,
    *,
    passwords: Mapping[str, str] | None = None,
    prefix: str = "",
    principals: Mapping[str, str] | None = None,
    mechanism: str = "SCRAM-SHA-256",
    prune: bool = True,
) -> list[AclBinding]:
    """Set the given services' passwords (``principals`` maps a service to its user name, default
    the service's name) and create every ACL of the table; returns the ACLs.

    With ``prune`` the table's principals lose every other ALLOW ACL they hold (what an older
    table granted), so the broker holds exactly the table.
    """
    names = dict(principals or {})
    users = {names.get(service, service): pw for service, pw in (passwords or {}).items()}
    bindings = table_bindings(prefix, {s: f"User:{n}" for s, n in names.items()})
    async with KafkaAccessAdmin(bootstrap_servers, security) as admin:
        await admin.set_passwords(users, mechanism)
        await admin.create_acls(bindings)
        stale: set[AclBinding] = set()
        if prune:
            ours = {b.principal for b in bindings}
            stale = {b for b in await admin.acls_of() if b.principal in ours} - set(bindings)
            await admin.delete_acls(sorted(stale))
        # The broker applies ACLs through its metadata log: wait until it serves them, so a
        # client started next is authorised (and what was pruned is refused).
        for _ in range(100):
            present = set(await admin.acls_of())
            if set(bindings) <= present and not present & stale:
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("the broker did not show the new Kafka ACLs within 10 s")
    return bindings


def passwords_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {
        row.service: env[password_env(row.service)]
        for row in SERVICES
        if env.get(password_env(row.service))
    }


async def _apply_from_env(create_topics: bool) -> list[str]:
    from sosenki_platform.topic_admin import ensure_topics

    bootstrap = os.environ.get("SOSENKI_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    prefix = os.environ.get("SOSENKI_TOPIC_PREFIX", "")
    security = KafkaSecurity.from_env()
    lines: list[str] = []
    if create_topics:
        partitions = int(os.environ.get("SOSENKI_TOPIC_PARTITIONS", "6"))
        replication = int(os.environ.get("SOSENKI_KAFKA_REPLICATION_FACTOR", "1"))
        min_insync = int(os.environ.get("SOSENKI_KAFKA_MIN_INSYNC_REPLICAS", "1"))
        created = await ensure_topics(
            bootstrap,
            prefix=prefix,
            partitions=partitions,
            replication_factor=replication,
            min_insync_replicas=min_insync,
            security=security,
        )
        lines.append(f"topics: {len(created)} created")
    passwords = passwords_from_env()
    bindings = await apply_table(
        bootstrap, security, passwords=passwords, prefix=prefix, mechanism=security.mechanism
    )
    lines.append(f"users: passwords set for {', '.join(sorted(passwords)) or 'nobody'}")
    lines += [f"acl: {b}" for b in bindings]
    return lines


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sosenki_platform.kafka_acl")
    sub = parser.add_subparsers(dest="command", required=True)
    apply = sub.add_parser("apply", help="topics, service users and ACLs from the access table")
    apply.add_argument("--no-topics", action="store_true", help="do not create topics")
    sub.add_parser("show", help="print the ACLs the table implies")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command == "show":
        for binding in table_bindings(os.environ.get("SOSENKI_TOPIC_PREFIX", "")):
            print(binding)
        return 0
    for attempt in range(30):  # a broker that is just starting may not answer yet
        try:
            lines = asyncio.run(_apply_from_env(not args.no_topics))
            break
        except Exception as exc:
            if attempt == 29:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            print(f"waiting for Kafka ({exc!r})", file=sys.stderr)
            time.sleep(2)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
