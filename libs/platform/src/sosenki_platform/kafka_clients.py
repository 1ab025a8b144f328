"""Connection settings shared by every Kafka client the platform creates (producers, consumers,
admin clients): the one place to add security settings (SASL) so that no client is missed."""

from __future__ import annotations

from typing import Any


def client_kwargs(bootstrap_servers: str) -> dict[str, Any]:
    return {"bootstrap_servers": bootstrap_servers}
