"""The Kafka access table: least privilege, and consistent with the topics and commands."""

from __future__ import annotations

import pytest
from sosenki_contracts import access, topics
from sosenki_contracts.registry import all_commands

pytestmark = pytest.mark.unit


def test_every_events_topic_has_exactly_one_writer_its_owner() -> None:
    for topic in topics.EVENT_TOPICS:
        owner = topic.split(".", 1)[0].replace("gateway", "bot-gateway")
        assert access.writers_of(topic) == [owner], topic
        assert access.publisher_of(topic) == owner


def test_only_the_ledger_may_write_ledger_events() -> None:
    assert access.writers_of(topics.LEDGER_EVENTS) == ["ledger"]
    assert not access.may_send("reporting", "ledger.record_contribution")


def test_each_command_topic_is_read_by_its_service_only() -> None:
    for topic in topics.COMMAND_TOPICS:
        owner = topic.split(".", 1)[0].replace("gateway", "bot-gateway")
        assert access.readers_of(topic) == [owner], topic


def test_reporting_reads_every_events_topic_and_writes_only_dead_letters() -> None:
    reporting = access.access_of("reporting")
    assert set(reporting.consumes) == set(topics.EVENT_TOPICS)
    assert all(t.endswith(topics.DEAD_LETTER_SUFFIX) for t in reporting.writes)


def test_a_service_writes_dead_letters_only_of_what_it_consumes() -> None:
    for row in access.SERVICES:
        for topic in row.writes:
            if topic.endswith(topics.DEAD_LETTER_SUFFIX):
                assert topic.removesuffix(topics.DEAD_LETTER_SUFFIX) in row.consumes


def test_every_topic_named_in_the_table_exists() -> None:
    for row in access.SERVICES:
        assert set(row.topics) <= set(topics.ALL_TOPICS), row.service


def test_named_command_types_are_registered_and_on_the_right_topic() -> None:
    registered = {name for name, _ in all_commands()}
    for row in access.SERVICES:
        for topic, types in row.sends.items():
            assert topic in topics.COMMAND_TOPICS
            if types == access.ANY_COMMAND:
                continue
            for command_type in types:
                assert command_type in registered, command_type
                assert access.command_topic(command_type) == topic


def test_recurring_may_send_only_what_its_targets_make() -> None:
    assert access.may_send("recurring", "ledger.charge_owners")
    assert access.may_send("recurring", "gateway.send_reminder")
    assert not access.may_send("recurring", "ledger.record_contribution")
    assert not access.may_send("recurring", "recurring.create_pattern")


def test_unknown_issuers_may_send_nothing() -> None:
    assert not access.may_send("test", "ledger.record_contribution")
    assert not access.may_send("", "ledger.record_contribution")
    assert access.senders_of("ledger.record_contribution") == ["bot-gateway"]
    assert access.senders_of("ledger.create_period") == ["bot-gateway", "recurring"]
    with pytest.raises(KeyError, match="not in the Kafka access table"):
        access.access_of("stranger")


def test_nobody_may_send_commands_as_the_system() -> None:
    assert all("system" not in row.actor_kinds for row in access.SERVICES)
