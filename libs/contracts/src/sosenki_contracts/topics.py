"""Topic names: the only place they are spelled.

A deployment may prefix every topic (``SOSENKI_TOPIC_PREFIX``) so that several environments, or
several test runs, can share one broker without seeing each other's messages.
"""

from __future__ import annotations

LEDGER_EVENTS = "ledger.events.v1"
LEDGER_COMMANDS = "ledger.commands.v1"
SPLITS_EVENTS = "splits.events.v1"
SPLITS_COMMANDS = "splits.commands.v1"
RECURRING_EVENTS = "recurring.events.v1"
RECURRING_COMMANDS = "recurring.commands.v1"
GATEWAY_EVENTS = "gateway.events.v1"
GATEWAY_COMMANDS = "gateway.commands.v1"

EVENT_TOPICS: tuple[str, ...] = (LEDGER_EVENTS, SPLITS_EVENTS, RECURRING_EVENTS, GATEWAY_EVENTS)
COMMAND_TOPICS: tuple[str, ...] = (
    LEDGER_COMMANDS,
    SPLITS_COMMANDS,
    RECURRING_COMMANDS,
    GATEWAY_COMMANDS,
)

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic for messages that could not be applied from ``topic``."""
    return topic + DEAD_LETTER_SUFFIX


ALL_TOPICS: tuple[str, ...] = (
    *EVENT_TOPICS,
    *COMMAND_TOPICS,
    *(dead_letter_topic(t) for t in (*EVENT_TOPICS, *COMMAND_TOPICS)),
)


def with_prefix(prefix: str, topic: str) -> str:
    return f"{prefix}{topic}" if prefix else topic
