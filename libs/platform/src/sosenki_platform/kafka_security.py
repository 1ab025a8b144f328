"""How a Kafka client authenticates: one value every Kafka client of the platform is built with.

Settings (``SOSENKI_KAFKA_…``): ``SECURITY_PROTOCOL`` (``PLAINTEXT`` or ``SASL_PLAINTEXT``; empty
means SASL_PLAINTEXT when a user name is set, else PLAINTEXT), ``SASL_MECHANISM``
(``SCRAM-SHA-256`` by default, or ``SCRAM-SHA-512``), ``SASL_USERNAME``, ``SASL_PASSWORD``.
Each service has its own user (named like the service); see ``sosenki_contracts.access``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from faststream.security import BaseSecurity, SASLScram256, SASLScram512

PROTOCOL_ENV = "SOSENKI_KAFKA_SECURITY_PROTOCOL"
MECHANISM_ENV = "SOSENKI_KAFKA_SASL_MECHANISM"
USERNAME_ENV = "SOSENKI_KAFKA_SASL_USERNAME"
PASSWORD_ENV = "SOSENKI_KAFKA_SASL_PASSWORD"

PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT")
MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"
    mechanism: str = "SCRAM-SHA-256"
    username: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def create(
        cls, protocol: str = "", mechanism: str = "", username: str = "", password: str = ""
    ) -> KafkaSecurity:
        """Normalised and checked; raises ValueError naming what is wrong."""
        protocol = (protocol or ("SASL_PLAINTEXT" if username else "PLAINTEXT")).upper()
        mechanism = (mechanism or "SCRAM-SHA-256").upper()
        if protocol not in PROTOCOLS:
            raise ValueError(f"{PROTOCOL_ENV}={protocol!r}: use one of {', '.join(PROTOCOLS)}")
        if mechanism not in MECHANISMS:
            raise ValueError(f"{MECHANISM_ENV}={mechanism!r}: use one of {', '.join(MECHANISMS)}")
        if protocol == "SASL_PLAINTEXT" and not (username and password):
            raise ValueError(f"SASL_PLAINTEXT needs {USERNAME_ENV} and {PASSWORD_ENV}")
        return cls(protocol, mechanism, username, password)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KafkaSecurity:
        env = os.environ if environ is None else environ
        return cls.create(
            env.get(PROTOCOL_ENV, ""),
            env.get(MECHANISM_ENV, ""),
            env.get(USERNAME_ENV, ""),
            env.get(PASSWORD_ENV, ""),
        )

    @property
    def sasl(self) -> bool:
        return self.protocol == "SASL_PLAINTEXT"

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's producer, consumer and admin client."""
        if not self.sasl:
            return {}
        return {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }

    def faststream(self) -> BaseSecurity | None:
        """The same for a FastStream ``KafkaBroker(security=…)``."""
        if not self.sasl:
            return None
        kind = SASLScram256 if self.mechanism == "SCRAM-SHA-256" else SASLScram512
        return kind(self.username, self.password, use_ssl=False)

    def env(self) -> dict[str, str]:
        """The ``SOSENKI_KAFKA_…`` variables that give a process these credentials."""
        if not self.sasl:
            return {PROTOCOL_ENV: "PLAINTEXT"}
        return {
            PROTOCOL_ENV: self.protocol,
            MECHANISM_ENV: self.mechanism,
            USERNAME_ENV: self.username,
            PASSWORD_ENV: self.password,
        }


NO_SECURITY = KafkaSecurity()


def client_options(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """aiokafka keyword arguments from the environment (operator tools and tests)."""
    return KafkaSecurity.from_env(environ).client_options()
