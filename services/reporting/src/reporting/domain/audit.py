"""The audit log's rules: what an entry says, how it is written down canonically, and how the
hash chain is computed and checked. Pure: no database, no web.

Every event becomes one entry. Entries are chained per community, per group, or (for events that
name neither, such as a rejected command) per Kafka topic partition. Each chain follows the order of
one partition (ledger events are keyed by community, splits events by group), so replaying the
topics gives the same chains, hash for hash. An entry's hash is
``sha256(previous hash + canonical JSON of the entry)``; the canonical JSON has sorted keys, no
whitespace, and amounts as strings, so anyone can recompute it from the published fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

#: The "previous hash" of a chain's first entry.
GENESIS_HASH = "0" * 64


def community_chain(community_id: int) -> str:
    return f"community:{community_id}"


def group_chain(group_id: int) -> str:
    return f"group:{group_id}"


def partition_chain(topic: str, partition: int) -> str:
    """The chain of events that name neither a community nor a group, one per topic partition
    (``topic`` without the deployment's prefix)."""
    return f"partition:{topic}:{partition}"


def chain_of(
    payload: Mapping[str, Any], topic: str, partition: int
) -> tuple[str, int | None, int | None]:
    """(chain, community_id, group_id) of an event read from ``topic``'s ``partition``.

    A group's events go to the group's chain, a community's to the community's; an event that
    names neither goes to the chain of the partition it came from.
    """
    group_id = payload.get("group_id")
    community_id = payload.get("community_id")
    community = community_id if isinstance(community_id, int) else None
    if isinstance(group_id, int):
        return group_chain(group_id), community, group_id
    if community is not None:
        return community_chain(community), community, None
    return partition_chain(topic, partition), None, None


@dataclass(frozen=True)
class AuditEntry:
    """One entry as it is hashed: who did what, when, and why."""

    chain: str
    seq: int
    event_id: str
    event_type: str
    event_version: int
    occurred_at: datetime
    actor_kind: str
    actor_id: str
    actor_name: str | None
    payload: Mapping[str, Any]
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    reason: str | None

    def canonical(self, seq: int | None = None) -> dict[str, Any]:
        """The entry as it is hashed; ``seq`` in place of its own (an entry being given its
        place in the chain)."""
        return {
            "chain": self.chain,
            "seq": self.seq if seq is None else seq,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "event_version": self.event_version,
            "occurred_at": format_time(self.occurred_at),
            "actor": {"kind": self.actor_kind, "id": self.actor_id, "name": self.actor_name},
            "payload": dict(self.payload),
            "before": None if self.before is None else dict(self.before),
            "after": None if self.after is None else dict(self.after),
            "reason": self.reason,
        }


def format_time(moment: datetime) -> str:
    """UTC with microseconds, one spelling only (the database keeps microseconds)."""
    if moment.tzinfo is None:
        raise ValueError("audit times must carry a timezone")
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    if utc.year >= 1000:  # isoformat spells these as strftime does, several times faster
        return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: object) -> str:
    # Money never travels as a binary float: amounts become strings, anything else is refused.
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"cannot put {type(value).__name__} in an audit entry")


def canonical_json(document: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, amounts as strings; floats are refused."""
    return canonical_json_bytes(document).decode()


def canonical_json_bytes(document: Mapping[str, Any]) -> bytes:
    """:func:`canonical_json`, UTF-8 encoded.

    The format is ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` with
    amounts (Decimal) as plain strings: published hashes depend on every byte of it. orjson writes
    the same bytes for documents made only of dicts with str keys, lists, tuples, str, int
    (64-bit), bool, None and Decimal (tests/test_audit_chain.py checks it against ``json.dumps``
    with hypothesis), several times faster; anything else goes through ``json.dumps`` itself.
    """
    if _plain_document(document):
        try:
            return orjson.dumps(document, default=_plain, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # an int beyond 64 bits, a str orjson refuses: json.dumps decides
            pass
    _refuse_floats(document)
    return _json_dumps(document).encode()


def _json_dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )


#: Types that hold nothing else, written alike by orjson and json.dumps.
_PLAIN = frozenset({str, int, bool, type(None), Decimal})


def _plain_document(value: object) -> bool:
    """Whether ``value`` is made only of dicts with str keys, lists, tuples and :data:`_PLAIN`
    values (exact types: no subclasses, no floats)."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str or (type(item) not in _PLAIN and not _plain_document(item)):
                return False
        return True
    if kind is list or kind is tuple:
        return all(type(item) in _PLAIN or _plain_document(item) for item in value)  # type: ignore[attr-defined]
    return kind in _PLAIN


def _refuse_floats(value: object) -> None:
    if isinstance(value, float):
        raise TypeError("a float cannot be hashed reproducibly; send amounts as strings")
    if isinstance(value, Mapping):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def entry_hash(previous_hash: str, entry: AuditEntry, seq: int | None = None) -> str:
    """The entry's hash after ``previous_hash``; ``seq`` in place of the entry's own."""
    document = canonical_json_bytes(entry.canonical(seq))
    return hashlib.sha256(previous_hash.encode() + document).hexdigest()


def reason_of(payload: Mapping[str, Any]) -> str | None:
    """Why it happened, when the event says (reversals must carry a reason)."""
    reason = payload.get("reason")
    return reason if isinstance(reason, str) and reason else None


def before_after(
    payload: Mapping[str, Any],
) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]:
    """The state before and after a change, when the event carries them."""
    before, after = payload.get("before"), payload.get("after")
    return (
        before if isinstance(before, Mapping) else None,
        after if isinstance(after, Mapping) else None,
    )


@dataclass(frozen=True)
class StoredEntry:
    """An entry as read back from storage, with the hashes that were written beside it."""

    entry_id: int
    entry: AuditEntry
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Break:
    """The first entry of a chain that does not check out, and why."""

    entry_id: int | None
    seq: int | None
    event_id: str | None
    problem: str


@dataclass(frozen=True)
class Verification:
    entries_checked: int
    last_hash: str
    first_broken: Break | None


def verify_chain(
    entries: Iterable[StoredEntry], head_seq: int | None = None, head_hash: str | None = None
) -> Verification:
    """Recompute a chain from its first entry; name the first entry that does not match.

    ``entries`` must come in ``seq`` order. ``head_seq``/``head_hash`` are the published head: a
    chain whose last entries were deleted still ends in a hash nobody published.
    """
    previous = GENESIS_HASH
    checked = 0
    for stored in entries:
        e = stored.entry
        problem = _problem(stored, checked + 1, previous)
        if problem is not None:
            return Verification(
                checked, previous, Break(stored.entry_id, e.seq, e.event_id, problem)
            )
        previous = stored.hash
        checked += 1
    if head_seq is not None and (head_seq != checked or head_hash != previous):
        problem = (
            f"the published head is entry {head_seq}, but the chain ends at entry {checked}"
            if head_seq != checked
            else "the published head's hash is not the hash of the last entry"
        )
        return Verification(checked, previous, Break(None, head_seq, None, problem))
    return Verification(checked, previous, None)


def _problem(stored: StoredEntry, expected_seq: int, previous: str) -> str | None:
    e = stored.entry
    if e.seq != expected_seq:
        return f"expected entry {expected_seq} of the chain, found {e.seq}"
    if stored.prev_hash != previous:
        return "its previous hash is not the hash of the entry before it"
    if entry_hash(previous, e) != stored.hash:
        return "its content does not match its hash"
    return None
