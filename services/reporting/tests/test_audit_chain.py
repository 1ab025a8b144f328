"""The audit chain's rules, without a database."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from reporting.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    StoredEntry,
    canonical_json,
    chain_of,
    entry_hash,
    verify_chain,
)

pytestmark = pytest.mark.unit


def _entry(seq: int, amount: str = "10.00") -> AuditEntry:
    return AuditEntry(
        chain="community:7",
        seq=seq,
        event_id=f"e{seq}",
        event_type="ledger.contribution_recorded",
        event_version=1,
        occurred_at=datetime(2025, 11, 15, 10, 30, seq, tzinfo=UTC),
        actor_kind="user",
        actor_id="1",
        actor_name=None,
        payload={"community_id": 7, "amount": amount},
        before=None,
        after=None,
        reason=None,
    )


def _chain(n: int) -> list[StoredEntry]:
    stored, previous = [], GENESIS_HASH
    for seq in range(1, n + 1):
        entry = _entry(seq)
        digest = entry_hash(previous, entry)
        stored.append(StoredEntry(seq * 10, entry, previous, digest))
        previous = digest
    return stored


def test_canonical_json_sorts_keys_drops_whitespace_and_writes_amounts_as_strings() -> None:
    text = canonical_json({"b": Decimal("1.50"), "a": {"y": 1, "x": None}})
    assert text == '{"a":{"x":null,"y":1},"b":"1.50"}'
    with pytest.raises(TypeError):
        canonical_json({"amount": 1.5})


def _reference(document: object) -> bytes:
    """The canonical JSON as it was first written (json.dumps): published hashes depend on it."""

    def plain(value: object) -> str:
        if isinstance(value, Decimal):
            return format(value, "f")
        raise TypeError(type(value).__name__)

    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=plain
    ).encode()


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # beyond 64 bits too
    | st.text(st.characters(blacklist_categories=("Cs",)))  # every character but surrogates
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",))), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _DOCUMENTS, max_size=6))
def test_canonical_json_is_byte_for_byte_what_it_always_was(document: dict[str, object]) -> None:
    """The fast path (orjson) writes exactly the bytes json.dumps wrote, so chains written before
    it still verify and a rebuild gives the same hashes."""
    assert canonical_json(document).encode() == _reference(document)


def test_canonical_json_of_other_types_is_json_dumps_or_refused() -> None:
    class Label(str):
        pass

    for document in ({"k": Label("x"), "t": (1, 2)}, {2: "b", 1: "a"}):
        assert canonical_json(document).encode() == _reference(document)
    with pytest.raises(TypeError):
        canonical_json({"when": datetime(2025, 1, 1, tzinfo=UTC)})  # orjson would write it
    with pytest.raises(TypeError):
        canonical_json({"nested": [{"amount": 1.5}]})


def test_each_hash_covers_the_previous_hash_and_the_entry() -> None:
    entry = _entry(1)
    document = json.dumps(entry.canonical(), sort_keys=True, separators=(",", ":"))
    import hashlib

    assert (
        entry_hash(GENESIS_HASH, entry)
        == hashlib.sha256((GENESIS_HASH + document).encode()).hexdigest()
    )
    assert entry_hash("f" * 64, entry) != entry_hash(GENESIS_HASH, entry)


def test_an_intact_chain_verifies() -> None:
    chain = _chain(5)
    result = verify_chain(chain, head_seq=5, head_hash=chain[-1].hash)
    assert result.first_broken is None
    assert result.entries_checked == 5


def test_a_changed_entry_is_named() -> None:
    chain = _chain(5)
    chain[2] = replace(chain[2], entry=_entry(3, amount="9999.00"))
    broken = verify_chain(chain, head_seq=5, head_hash=chain[-1].hash).first_broken
    assert broken is not None
    assert (broken.entry_id, broken.seq) == (30, 3)


def test_a_deleted_entry_and_a_cut_off_tail_are_noticed() -> None:
    chain = _chain(5)
    gap = verify_chain([*chain[:2], *chain[3:]], head_seq=5, head_hash=chain[-1].hash)
    assert gap.first_broken is not None and gap.first_broken.entry_id == 40
    tail = verify_chain(chain[:4], head_seq=5, head_hash=chain[-1].hash)
    assert tail.first_broken is not None and tail.first_broken.entry_id is None


def test_events_go_to_their_group_or_community_chain_or_else_their_partitions() -> None:
    topic = "ledger.events.v1"
    assert chain_of({"group_id": 3, "community_id": 9}, topic, 2) == ("group:3", 9, 3)
    assert chain_of({"community_id": 9}, topic, 2) == ("community:9", 9, None)
    assert chain_of({"command_id": "x"}, topic, 2) == ("partition:ledger.events.v1:2", None, None)
    assert chain_of({"command_id": "x"}, topic, 5) != chain_of({"command_id": "x"}, topic, 2)
