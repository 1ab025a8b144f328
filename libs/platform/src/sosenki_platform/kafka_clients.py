"""Connection settings shared by every Kafka client the platform creates (producers, consumers,
admin clients): the address and how to sign in (SASL), so that no client is missed."""

from __future__ import annotations

from typing import Any

from sosenki_platform.kafka_security import KafkaSecurity


def client_kwargs(bootstrap_servers: str, security: KafkaSecurity | None = None) -> dict[str, Any]:
    """aiokafka keyword arguments; without ``security``, the one the environment names."""
    security = security or KafkaSecurity.from_env()
    return {"bootstrap_servers": bootstrap_servers, **security.client_options()}
