"""How a Kafka client signs in, from settings or the environment."""

from __future__ import annotations

import pytest
from faststream.security import SASLScram512
from sosenki_platform.kafka_acl import password_env, table_bindings
from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.settings import ServiceSettings

pytestmark = pytest.mark.unit


def test_nothing_set_is_an_open_broker() -> None:
    security = KafkaSecurity.from_env({})
    assert (security.protocol, security.sasl, security.client_options()) == ("PLAINTEXT", False, {})
    assert security.faststream() is None


def test_a_user_name_means_sasl_and_reaches_every_client_kind() -> None:
    env = {"SOSENKI_KAFKA_SASL_USERNAME": "ledger", "SOSENKI_KAFKA_SASL_PASSWORD": "s3cret"}
    security = KafkaSecurity.from_env(env)
    assert security.client_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "ledger",
        "sasl_plain_password": "s3cret",
    }
    assert KafkaSecurity.from_env(security.env()) == security
    assert "s3cret" not in repr(security)


def test_scram_512_for_faststream_too() -> None:
    security = KafkaSecurity.create("sasl_plaintext", "scram-sha-512", "splits", "pw")
    assert isinstance(security.faststream(), SASLScram512)


@pytest.mark.parametrize(
    ("protocol", "mechanism", "user", "password", "message"),
    [
        ("SSL", "", "a", "b", "SOSENKI_KAFKA_SECURITY_PROTOCOL='SSL'"),
        ("", "PLAIN", "a", "b", "SOSENKI_KAFKA_SASL_MECHANISM='PLAIN'"),
        ("SASL_PLAINTEXT", "", "a", "", "needs SOSENKI_KAFKA_SASL_USERNAME and"),
        ("SASL_PLAINTEXT", "", "", "b", "needs SOSENKI_KAFKA_SASL_USERNAME and"),
    ],
)
def test_a_half_configured_client_is_refused_with_a_reason(
    protocol: str, mechanism: str, user: str, password: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        KafkaSecurity.create(protocol, mechanism, user, password)


def test_settings_carry_the_credentials_and_a_prefixed_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOSENKI_KAFKA_SASL_USERNAME", "reporting")
    monkeypatch.setenv("SOSENKI_KAFKA_SASL_PASSWORD", "pw")
    settings = ServiceSettings(service_name="reporting", topic_prefix="t1.")
    assert settings.kafka_security.username == "reporting"
    assert settings.consumer_group == "t1.reporting"  # matches the group ACL on a prefix


def test_the_acls_name_the_prefixed_topics_and_group() -> None:
    bindings = [b for b in table_bindings("t1.") if b.principal == "User:reporting"]
    names = {b.resource_name for b in bindings}
    assert "t1.reporting" in names and "t1.ledger.events.v1" in names
    assert all(name.startswith("t1.") for name in names)
    assert password_env("bot-gateway") == "SOSENKI_KAFKA_PASSWORD_BOT_GATEWAY"
