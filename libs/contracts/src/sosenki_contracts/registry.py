"""Which pydantic model describes the payload of each event and command type, by version.

A payload module marks its models with ``@event("ledger.period_created", version=1)`` or
``@command("ledger.create_period", version=1)``. Consumers look the model up from the envelope's
``event_type``/``event_version`` and validate ``payload`` with it; ``schemas.py`` writes a JSON
Schema for each entry. Names: events ``<context>.<snake_case_past_tense>``
(``ledger.period_closed``), commands ``<context>.<snake_case_imperative>``
(``ledger.close_period``).

The payload packages (``sosenki_contracts.events``, ``sosenki_contracts.commands``) are imported at
the bottom of this module, so the registry is complete whenever it is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=type[BaseModel])

NAME_PATTERN = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*\.[a-z][a-z0-9]*(_[a-z0-9]+)*$"
_NAME_RE = re.compile(NAME_PATTERN)

Key = tuple[str, int]

_EVENTS: dict[Key, type[BaseModel]] = {}
_COMMANDS: dict[Key, type[BaseModel]] = {}


def _register(
    table: dict[Key, type[BaseModel]], kind: str, name: str, version: int
) -> Callable[[M], M]:
    if not _NAME_RE.match(name):
        raise ValueError(f"{kind} type {name!r} must look like '<context>.<snake_case_name>'")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"{kind} {name!r}: version must be an int >= 1, not {version!r}")

    def decorator(model: M) -> M:
        key = (name, version)
        existing = table.get(key)
        # The same class seen again (a module re-imported under importlib) is harmless.
        if existing is not None and _qualified(existing) != _qualified(model):
            raise ValueError(
                f"{kind} {name!r} v{version} is already registered to {_qualified(existing)}"
            )
        table[key] = model
        return model

    return decorator


def _qualified(model: type[BaseModel]) -> str:
    return f"{model.__module__}.{model.__qualname__}"


def event(name: str, *, version: int = 1) -> Callable[[M], M]:
    """Register a pydantic model as the payload of event ``name`` at ``version``."""
    return _register(_EVENTS, "event", name, version)


def command(name: str, *, version: int = 1) -> Callable[[M], M]:
    """Register a pydantic model as the payload of command ``name`` at ``version``."""
    return _register(_COMMANDS, "command", name, version)


def event_payload_model(name: str, version: int = 1) -> type[BaseModel] | None:
    """The payload model of an event type and version, or None if nobody registered it."""
    return _EVENTS.get((name, version))


def command_payload_model(name: str, version: int = 1) -> type[BaseModel] | None:
    """The payload model of a command type and version, or None if nobody registered it."""
    return _COMMANDS.get((name, version))


def all_events() -> dict[Key, type[BaseModel]]:
    """Every registered event payload model, keyed by (type, version), sorted."""
    return dict(sorted(_EVENTS.items()))


def all_commands() -> dict[Key, type[BaseModel]]:
    """Every registered command payload model, keyed by (type, version), sorted."""
    return dict(sorted(_COMMANDS.items()))


def event_key(model: type[BaseModel]) -> Key:
    """(type, version) a payload model was registered under as an event; KeyError if none."""
    return _key_of(_EVENTS, model, "event")


def command_key(model: type[BaseModel]) -> Key:
    """(type, version) a payload model was registered under as a command; KeyError if none."""
    return _key_of(_COMMANDS, model, "command")


def _key_of(table: dict[Key, type[BaseModel]], model: type[BaseModel], kind: str) -> Key:
    for key, registered in table.items():
        if registered is model:
            return key
    raise KeyError(f"{_qualified(model)} is not registered as the payload of any {kind}")


__all__ = [
    "NAME_PATTERN",
    "all_commands",
    "all_events",
    "command",
    "command_key",
    "command_payload_model",
    "event",
    "event_key",
    "event_payload_model",
]

# Load every payload module so that the tables above are complete. At the bottom on purpose: the
# payload modules import the decorators defined above.
import sosenki_contracts.commands  # noqa: E402
import sosenki_contracts.events  # noqa: E402, F401
