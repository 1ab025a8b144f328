"""Who may write and read which topic: the one table every deployment's Kafka ACLs come from.

Each service authenticates to Kafka as its own user (SASL/SCRAM, principal ``User:<service>``,
the same name it puts in an envelope's ``producer`` / ``issuer``) and may

* write its own events topic (and nobody else may: a consumer trusts ``ledger.events.v1``
  because only the ledger can write there),
* write the command topics it really sends to,
* write the dead-letter topic (``<topic>.dlq``) of each topic it consumes,
* read the topics it consumes, in its own consumer group (named like the service),
* read the dead-letter topics it writes, in the group ``<service>.dead-letters``, to count what
  waits there (re-driving writes to a topic that is not its own: an operator does that as admin).

Producers are idempotent (``acks=all``): since Kafka 3.0 ``Write`` on a topic implies
``IdempotentWrite`` (KIP-679), so no cluster-level grant is needed. Nothing uses Kafka
transactions, so no ``TransactionalId`` grant either. Creating topics is for the operator (the
deployment's admin user), not for services.

Beside the ACL, a consumer checks each command's ``issuer`` against :func:`may_send` and each
event's ``producer`` against :func:`publisher_of` (defence in depth: a service that may write a
command topic still may not send every command type on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sosenki_contracts import topics as t
from sosenki_contracts.topics import dead_letter_topic

#: Every command type on a topic (the sender relays its users' own actions; the receiving service
#: authorizes the user actor exactly as it authorizes a REST caller).
ANY_COMMAND: frozenset[str] = frozenset({"*"})


@dataclass(frozen=True)
class ServiceAccess:
    """What one service may do on Kafka."""

    service: str
    #: The events topic it publishes (its own; rejection events of its commands go there too).
    publishes: str | None
    #: Command topic -> the command types it sends there (:data:`ANY_COMMAND`: all of them).
    sends: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Topics it reads (in its consumer group).
    consumes: tuple[str, ...] = ()
    #: Actor kinds its commands may carry (``system`` is never sent on a command).
    actor_kinds: frozenset[str] = frozenset({"user"})

    @property
    def principal(self) -> str:
        return f"User:{self.service}"

    @property
    def consumer_group(self) -> str:
        return self.service

    @property
    def dead_letter_group(self) -> str:
        return f"{self.service}.dead-letters"

    @property
    def dead_letter_topics(self) -> tuple[str, ...]:
        """Where its own dead letters go: the dead-letter topic of each topic it consumes."""
        return tuple(dead_letter_topic(topic) for topic in self.consumes)

    @property
    def writes(self) -> tuple[str, ...]:
        """Every topic it may write: its events, its command topics, its dead letters."""
        own = (self.publishes,) if self.publishes else ()
        return (*own, *self.sends, *self.dead_letter_topics)

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic it touches (what it makes sure exists at start-up)."""
        return tuple(dict.fromkeys((*self.writes, *self.consumes)))


SERVICES: tuple[ServiceAccess, ...] = (
    ServiceAccess(
        "ledger",
        publishes=t.LEDGER_EVENTS,
        consumes=(t.LEDGER_COMMANDS,),
    ),
    ServiceAccess(
        "splits",
        publishes=t.SPLITS_EVENTS,
        consumes=(t.SPLITS_COMMANDS,),
    ),
    ServiceAccess(
        "recurring",
        publishes=t.RECURRING_EVENTS,
        # Exactly what its targets make (recurring.domain.targets.command_for), on behalf of the
        # pattern's creator: a user, or a service that created it over REST.
        sends={
            t.LEDGER_COMMANDS: frozenset({"ledger.charge_owners", "ledger.create_period"}),
            t.SPLITS_COMMANDS: frozenset({"splits.create_expense_occurrence"}),
            t.GATEWAY_COMMANDS: frozenset({"gateway.send_reminder"}),
        },
        consumes=(
            t.RECURRING_COMMANDS,
            t.LEDGER_EVENTS,
            t.SPLITS_EVENTS,
            t.GATEWAY_EVENTS,
        ),
        actor_kinds=frozenset({"user", "service"}),
    ),
    ServiceAccess(
        "bot-gateway",
        publishes=t.GATEWAY_EVENTS,
        # The chat front end: a confirmed user action becomes the command the REST route would
        # be, always with the user as actor.
        sends={
            t.LEDGER_COMMANDS: ANY_COMMAND,
            t.SPLITS_COMMANDS: ANY_COMMAND,
            t.RECURRING_COMMANDS: ANY_COMMAND,
        },
        consumes=(t.GATEWAY_COMMANDS, t.LEDGER_EVENTS, t.SPLITS_EVENTS, t.RECURRING_EVENTS),
    ),
    ServiceAccess(
        "reporting",
        publishes=None,
        consumes=t.EVENT_TOPICS,
    ),
)

BY_SERVICE: dict[str, ServiceAccess] = {s.service: s for s in SERVICES}


def access_of(service: str) -> ServiceAccess:
    """The row of ``service``; KeyError names the known services."""
    try:
        return BY_SERVICE[service]
    except KeyError:
        known = ", ".join(sorted(BY_SERVICE))
        raise KeyError(f"{service!r} is not in the Kafka access table ({known})") from None


def command_topic(command_type: str) -> str:
    """The topic a command type travels on (``ledger.x`` -> ``ledger.commands.v1``)."""
    return f"{command_type.split('.', 1)[0]}.commands.v1"


def may_send(issuer: str, command_type: str) -> bool:
    """True if the service ``issuer`` is allowed to send ``command_type``."""
    row = BY_SERVICE.get(issuer)
    if row is None:
        return False
    allowed = row.sends.get(command_topic(command_type))
    return allowed is not None and (allowed == ANY_COMMAND or command_type in allowed)


def senders_of(command_type: str) -> list[str]:
    """The services allowed to send ``command_type``, sorted (for error messages)."""
    return sorted(s.service for s in SERVICES if may_send(s.service, command_type))


def publisher_of(topic: str) -> str | None:
    """The one service that may write the events topic ``topic`` (unprefixed), else None."""
    for row in SERVICES:
        if row.publishes == topic:
            return row.service
    return None


def writers_of(topic: str) -> list[str]:
    """Every service that may write ``topic`` (unprefixed), sorted."""
    return sorted(s.service for s in SERVICES if topic in s.writes)


def readers_of(topic: str) -> list[str]:
    """Every service that may read ``topic`` (unprefixed), sorted."""
    return sorted(s.service for s in SERVICES if topic in s.consumes)
