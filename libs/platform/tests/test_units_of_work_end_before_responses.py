"""Every service's REST unit of work commits before its response is sent (``scope="function"``):
with FastAPI's default a client could get 201 for a write that is not committed yet, or never is.
(tests-e2e/test_read_your_writes.py checks the behaviour over a real process.)"""

from __future__ import annotations

import importlib
import typing

import pytest
from sosenki_platform.requests import ReadSession, WriteSession

pytestmark = pytest.mark.unit


def test_the_platforms_sessions_end_with_the_path_function() -> None:
    for session in (WriteSession, ReadSession):
        (depends,) = session.__metadata__
        assert depends.scope == "function"


@pytest.mark.parametrize("module", ["ledger", "splits", "recurring"])
def test_each_services_writer_and_reader_use_them(module: str) -> None:
    routes = importlib.import_module(f"{module}.api.routes")
    for name, session in (("Writer", WriteSession), ("Reader", ReadSession)):
        (depends,) = getattr(routes, name).__metadata__
        hints = typing.get_type_hints(depends.dependency, include_extras=True)
        assert hints["session"] == session, f"{module}.api.routes.{name} has its own session"
